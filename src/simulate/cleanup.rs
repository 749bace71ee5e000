//! Deletes what the run created (groups first, then users), through each job's sender so the
//! deletes are paced, measured and honour 429 like every other request. Sent even after a stop;
//! a transient failure (5xx, no answer) is tried three times in all.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::job::Job;
use super::kind::RequestKind;
use super::phase::run_all;
use super::send::SendError;
use crate::exec::ledger::State;
use crate::exec::lookup::find;

/// Tries per delete.
const TRIES: u32 = 3;

impl Job {
    async fn delete(self: &Arc<Self>, path: String) {
        let kind = if path.starts_with("Groups/") {
            RequestKind::CleanupGroup
        } else {
            RequestKind::CleanupUser
        };
        let mut last = String::new();
        for attempt in 0..TRIES {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            match self.sender.send(kind, &path, &[], None).await {
                Ok(a) if a.status() == 404 => {
                    self.ledger.deleted(&path);
                    return;
                }
                Ok(a) if a.ok() => {
                    // A 2xx is not believed: the resource must read back gone.
                    match self.verify_gone(&path).await {
                        Ok(()) => self.ledger.deleted(&path),
                        Err(why) => self.ledger.stuck(&path, why),
                    }
                    return;
                }
                Ok(a) if a.status() < 500 && a.status() != 429 => {
                    last = format!("DELETE answered {}", a.response.summary(160));
                    break;
                }
                Ok(a) => last = format!("DELETE answered {}", a.response.summary(160)),
                Err(SendError::Stopped) => {
                    last = "not sent".into();
                    break;
                }
                Err(e) => last = e.to_string(),
            }
        }
        self.ledger.stuck(&path, last);
    }
}

impl Job {
    /// Reads `path` back after its DELETE answered 2xx: gone is 404 (or 410); a resource still
    /// served is left behind; anything else is tried again, three times in all.
    async fn verify_gone(self: &Arc<Self>, path: &str) -> Result<(), String> {
        let mut last = String::new();
        for attempt in 0..TRIES {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            match self
                .sender
                .send(RequestKind::CleanupCheck, path, &[], None)
                .await
            {
                Ok(a) if matches!(a.status(), 404 | 410) => return Ok(()),
                Ok(a) if a.ok() => {
                    return Err(format!(
                        "DELETE answered 2xx, but GET {path} still answers {}",
                        a.status()
                    ))
                }
                Ok(a) if a.status() < 500 && a.status() != 429 => {
                    return Err(format!(
                        "DELETE answered 2xx, but reading it back answered {}",
                        a.response.summary(160)
                    ))
                }
                Ok(a) => last = format!("reading it back answered {}", a.response.summary(160)),
                Err(SendError::Stopped) => return Err("deleted, not verified (stopped)".into()),
                Err(e) => last = e.to_string(),
            }
        }
        Err(format!(
            "DELETE answered 2xx, but it could not be verified: {last}"
        ))
    }
}

/// Lists what carries `job`'s tag on the target (groups by displayName, users by userName, an
/// `sw` filter or paging) and records it in the ledger: creations whose answer was lost and
/// that verification did not see are deleted too. Tries each list three times.
async fn record_leftovers(job: &Arc<Job>) {
    let prefix = format!("{}-", job.tag);
    for (collection, attr) in [("Groups", "displayName"), ("Users", "userName")] {
        for attempt in 0..3u64 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
            }
            let found = find(
                job.sender.client(),
                job.sender.target(),
                collection,
                attr,
                &prefix,
            )
            .await;
            if let Ok(found) = found {
                for l in found {
                    if let Some(path) = super::job::path_of(collection, &l.id) {
                        job.ledger.created_once(&path, &job.owner());
                    }
                }
                break;
            }
        }
    }
}

/// Deletes every live resource in the ledger, each through the job that created it; groups
/// first, then users. Then lists what still carries a job's tag and deletes that too.
pub async fn sweep(jobs: &[Arc<Job>]) {
    delete_live(jobs).await;
    for job in jobs {
        record_leftovers(job).await;
    }
    delete_live(jobs).await;
}

async fn delete_live(jobs: &[Arc<Job>]) {
    let Some(first) = jobs.first() else { return };
    let by_owner: HashMap<String, &Arc<Job>> = jobs.iter().map(|j| (j.owner(), j)).collect();
    // Newest first, as recorded; groups before users (a group's members go with it).
    let live: Vec<(String, String)> = first
        .ledger
        .items()
        .into_iter()
        .rev()
        .filter(|i| matches!(i.state, State::Live | State::Stuck(_)))
        .map(|i| (i.path, i.trial))
        .collect();
    let width: usize = jobs.iter().map(|j| j.settings.concurrency).sum();
    let stop = first.sender.stop.clone();
    for groups in [true, false] {
        let batch: Vec<(String, Arc<Job>)> = live
            .iter()
            .filter(|(p, _)| p.starts_with("Groups/") == groups)
            .map(|(p, owner)| {
                let job = by_owner.get(owner).copied().unwrap_or(first);
                (p.clone(), job.clone())
            })
            .collect();
        run_all(batch, width, &stop, true, |(path, job)| async move {
            job.delete(path).await
        })
        .await;
    }
}
