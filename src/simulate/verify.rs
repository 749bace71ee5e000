//! End-state verification: after the cycles, every object one job sent is read back and
//! compared with what the endpoint acknowledged — each user exactly once (no duplicate from a
//! match that missed a just-created user), the last attribute values, deprovisioned users
//! inactive (or gone), managers linked, each group exactly once with exactly its members. Each
//! discrepancy names the requests that led to it. Resources of the run found here but never
//! acknowledged go into the ledger, so the cleanup deletes them too.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use super::bodies::{filter_eq, read_path};
use super::job::{listed_ids, path_of, Job};
use super::kind::RequestKind;
use super::model::{About, Created, Sent};
use super::phase::run_all;
use super::report::{Discrepancy, DiscrepancyKind, SentRequest};
use super::send::{Answer, SendError};
use crate::core::scim::ENTERPRISE_USER_SCHEMA;
use crate::suite::template::as_text;

/// What verifying one job found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Users read back.
    pub users: usize,
    /// Groups read back.
    pub groups: usize,
    /// Differences from what was sent.
    pub discrepancies: Vec<Discrepancy>,
    /// Observations that are not losses.
    pub notes: Vec<String>,
}

#[derive(Debug, Default)]
struct Shared {
    findings: Mutex<Findings>,
}

impl Shared {
    fn with<T>(&self, f: impl FnOnce(&mut Findings) -> T) -> T {
        let mut g = self.findings.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }
}

/// Whether an `active` value reads as true (`true`, `"True"`); absent counts as active.
fn is_active(resource: &Value) -> bool {
    match resource.get("active") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !s.eq_ignore_ascii_case("false"),
        Some(_) => true,
    }
}

/// The resources of a list answer, as returned.
fn listed(answer: &Answer) -> Vec<Value> {
    answer
        .response
        .json()
        .ok()
        .and_then(|b| b.get("Resources"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

impl Job {
    fn requests(&self, history: &[Sent], collection: &str, id: Option<&str>) -> Vec<SentRequest> {
        history
            .iter()
            .map(|s| {
                let line = match (s.kind, id) {
                    (RequestKind::UserMatch, _) | (RequestKind::GroupMatch, _) => {
                        format!("GET {collection}?filter=… (match query)")
                    }
                    (RequestKind::UserCreate, _) | (RequestKind::GroupCreate, _) => {
                        format!("POST {collection}")
                    }
                    (k, Some(id)) => format!("{} {collection}/{id}", k.method()),
                    (k, None) => format!("{} {collection}/(no id)", k.method()),
                };
                let detail = match s.about {
                    About::Object => String::new(),
                    About::Batch(b) => format!(" (member batch {})", b + 1),
                    About::User(u) => format!(" (user u{u})"),
                };
                SentRequest {
                    kind: s.kind,
                    line: format!("{line}{detail}"),
                    outcome: s.outcome.text(),
                    at: Duration::from_millis(u64::from(s.at_ms)),
                }
            })
            .collect()
    }

    async fn read(
        &self,
        kind: RequestKind,
        rel: &str,
        query: Vec<(String, String)>,
    ) -> Result<Answer, String> {
        // The harness's own reads: a transient failure is tried again (3 tries in all).
        let mut last = String::new();
        for attempt in 0..3u64 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
            }
            match self.sender.send(kind, rel, &query, None).await {
                Ok(a) if a.status() >= 500 && attempt < 2 => {}
                Ok(a) => return Ok(a),
                Err(SendError::Stopped) => return Err("the run stopped".into()),
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    }

    async fn verify_user(self: &Arc<Self>, i: usize, out: &Shared) {
        let (rec, manager_id) = self.with_model(|m| {
            let rec = m.users.get(i).cloned();
            let manager = self
                .tenant
                .manager_of(i)
                .and_then(|mi| m.users.get(mi))
                .and_then(|u| u.id.clone());
            (rec, manager)
        });
        let Some(rec) = rec else { return };
        if rec.match_value.is_empty() {
            return;
        }
        let query = vec![(
            "filter".to_string(),
            filter_eq(&self.tenant.user_match, &rec.match_value),
        )];
        let answer = match self.read(RequestKind::VerifyUser, "Users", query).await {
            Ok(a) if a.ok() => a,
            Ok(a) => {
                out.with(|f| {
                    f.notes.push(format!(
                        "job {}: user {} could not be read back: {}",
                        self.index,
                        rec.match_value,
                        a.response.summary(120)
                    ))
                });
                return;
            }
            Err(why) => {
                out.with(|f| {
                    f.notes.push(format!(
                        "job {}: user {} could not be read back: {why}",
                        self.index, rec.match_value
                    ))
                });
                return;
            }
        };
        out.with(|f| f.users += 1);
        let found = listed(&answer);
        let ids: Vec<String> = found
            .iter()
            .filter_map(|r| r.get("id").map(as_text))
            .collect();
        for id in &ids {
            if let Some(path) = path_of("Users", id) {
                self.ledger.created_once(&path, &self.owner());
            }
        }
        let known = rec.id.clone();
        let report = |kind: DiscrepancyKind| {
            let requests = self.requests(&rec.history, "Users", known.as_deref());
            out.with(|f| {
                f.discrepancies.push(Discrepancy {
                    job: self.index,
                    object: rec.match_value.clone(),
                    kind,
                    requests,
                })
            });
        };
        if ids.len() > 1 {
            report(DiscrepancyKind::DuplicateUser { ids: ids.clone() });
        }
        let mut resource = match &known {
            Some(id) => found
                .iter()
                .find(|r| r.get("id").map(as_text).as_deref() == Some(id.as_str()))
                .cloned(),
            None => found.first().cloned(),
        };
        if resource.is_none() {
            if let Some(id) = &known {
                if let Some(path) = path_of("Users", id) {
                    match self
                        .read(RequestKind::VerifyUserById, &path, Vec::new())
                        .await
                    {
                        Ok(a) if a.ok() => {
                            out.with(|f| {
                                f.notes.push(format!(
                                    "job {}: user {} is found by id but not by its match query at verification (read-after-write lag, or a filter that misses it)",
                                    self.index, rec.match_value
                                ))
                            });
                            resource = a.response.json().ok().cloned();
                        }
                        Ok(a) if a.status() == 404 => {}
                        Ok(a) => {
                            out.with(|f| {
                                f.notes.push(format!(
                                    "job {}: user {} by id answered {}",
                                    self.index,
                                    rec.match_value,
                                    a.response.summary(120)
                                ))
                            });
                            return;
                        }
                        Err(_) => return,
                    }
                }
            }
        }
        let expect_gone = rec.deleted && !self.tenant.profile.delete_deactivates;
        let Some(resource) = resource else {
            if rec.created.exists() && !expect_gone {
                report(DiscrepancyKind::MissingUser {
                    id: known.clone().unwrap_or_default(),
                });
            }
            return;
        };
        let id = resource.get("id").map(as_text).unwrap_or_default();
        if !rec.created.exists() {
            if ids.len() <= 1 {
                report(DiscrepancyKind::CreatedDespiteError { id });
            }
            return;
        }
        if expect_gone {
            report(DiscrepancyKind::StillPresent);
            return;
        }
        let deprovisioned = rec.disabled || rec.deleted;
        let check_active = self.tenant.active_mapped || deprovisioned;
        if check_active {
            match (deprovisioned, is_active(&resource)) {
                (true, true) => report(DiscrepancyKind::StillActive),
                (false, false) => report(DiscrepancyKind::Inactive),
                _ => {}
            }
        }
        if rec.updated {
            for attr in &self.tenant.changed_attributes {
                let expected = self.tenant.changed_value(&self.tag, i, attr);
                let actual = read_path(&resource, attr);
                if actual.as_deref() != Some(expected.as_str()) {
                    report(DiscrepancyKind::WrongValue {
                        attribute: attr.clone(),
                        expected,
                        actual,
                    });
                }
            }
        }
        if rec.manager_linked {
            if let Some(mid) = manager_id {
                let attr = format!("{ENTERPRISE_USER_SCHEMA}:manager");
                let actual = read_path(&resource, &attr);
                if actual.as_deref() != Some(mid.as_str()) {
                    report(DiscrepancyKind::WrongValue {
                        attribute: attr,
                        expected: mid,
                        actual,
                    });
                }
            }
        }
    }

    async fn verify_group(self: &Arc<Self>, g: usize, out: &Shared) {
        let Some(rec) = self.with_model(|m| m.groups.get(g).cloned()) else {
            return;
        };
        if rec.match_value.is_empty() {
            return;
        }
        let query = vec![
            ("excludedAttributes".to_string(), "members".to_string()),
            (
                "filter".to_string(),
                filter_eq(&self.tenant.group_match, &rec.match_value),
            ),
        ];
        let ids = match self.read(RequestKind::VerifyGroup, "Groups", query).await {
            Ok(a) if a.ok() => listed_ids(&a).unwrap_or_default(),
            Ok(a) => {
                out.with(|f| {
                    f.notes.push(format!(
                        "job {}: group {} could not be read back: {}",
                        self.index,
                        rec.match_value,
                        a.response.summary(120)
                    ))
                });
                return;
            }
            Err(_) => return,
        };
        out.with(|f| f.groups += 1);
        for id in &ids {
            if let Some(path) = path_of("Groups", id) {
                self.ledger.created_once(&path, &self.owner());
            }
        }
        let known = rec.id.clone();
        let report = |kind: DiscrepancyKind, about: Option<u32>| {
            let history: Vec<Sent> = rec
                .history
                .iter()
                .filter(|s| match (about, s.about) {
                    (None, _) | (_, About::Object) => true,
                    (Some(u), About::User(v)) => u == v,
                    (Some(u), About::Batch(b)) => self
                        .tenant
                        .members(g)
                        .iter()
                        .position(|m| *m as u32 == u)
                        .is_some_and(|p| p / self.settings.member_batch == b as usize),
                })
                .copied()
                .collect();
            let requests = self.requests(&history, "Groups", known.as_deref());
            out.with(|f| {
                f.discrepancies.push(Discrepancy {
                    job: self.index,
                    object: rec.match_value.clone(),
                    kind,
                    requests,
                })
            });
        };
        if ids.len() > 1 {
            report(DiscrepancyKind::DuplicateGroup { ids: ids.clone() }, None);
        }
        let id = match (&known, ids.first()) {
            (Some(id), _) => id.clone(),
            (None, Some(found)) => {
                if ids.len() == 1 {
                    report(
                        DiscrepancyKind::CreatedDespiteError { id: found.clone() },
                        None,
                    );
                }
                return;
            }
            (None, None) => return,
        };
        if rec.created == Created::No {
            return;
        }
        let Some(path) = path_of("Groups", &id) else {
            return;
        };
        let answer = match self
            .read(RequestKind::VerifyMembers, &path, Vec::new())
            .await
        {
            Ok(a) => a,
            Err(_) => return,
        };
        if answer.status() == 404 {
            report(DiscrepancyKind::MissingGroup { id }, None);
            return;
        }
        if !answer.ok() {
            return;
        }
        let Some(members) = answer
            .response
            .json()
            .ok()
            .and_then(|b| b.get("members"))
            .and_then(Value::as_array)
            .cloned()
        else {
            if !rec.members.is_empty() {
                out.with(|f| {
                    f.notes.push(format!(
                        "job {}: group {} is returned without members: its membership is not verified",
                        self.index, rec.match_value
                    ))
                });
            }
            return;
        };
        let actual: BTreeSet<String> = members
            .iter()
            .filter_map(|m| m.get("value").map(as_text))
            .collect();
        let expected: Vec<(u32, String)> = self.with_model(|m| {
            rec.members
                .iter()
                .filter_map(|u| {
                    m.users
                        .get(*u as usize)
                        .and_then(|r| r.id.clone())
                        .map(|id| (*u, id))
                })
                .collect()
        });
        for (u, uid) in &expected {
            if !actual.contains(uid) {
                report(DiscrepancyKind::MemberMissing { id: uid.clone() }, Some(*u));
            }
        }
        let expected_ids: BTreeSet<&String> = expected.iter().map(|(_, id)| id).collect();
        for uid in actual.iter().filter(|a| !expected_ids.contains(a)) {
            let u = self.with_model(|m| {
                m.users
                    .iter()
                    .position(|r| r.id.as_deref() == Some(uid.as_str()))
            });
            report(
                DiscrepancyKind::UnexpectedMember { id: uid.clone() },
                u.map(|u| u as u32),
            );
        }
    }

    /// Reads back every object this job sent and compares it with what was acknowledged.
    pub async fn verify(self: &Arc<Self>) -> Findings {
        let out = Arc::new(Shared::default());
        let width = self.settings.concurrency;
        let stop = self.sender.stop.clone();
        run_all(0..self.tenant.users, width, &stop, false, |i| {
            let (job, out) = (self.clone(), out.clone());
            async move { job.verify_user(i, &out).await }
        })
        .await;
        run_all(0..self.tenant.groups, width, &stop, false, |g| {
            let (job, out) = (self.clone(), out.clone());
            async move { job.verify_group(g, &out).await }
        })
        .await;
        let mut findings =
            std::mem::take(&mut *out.findings.lock().unwrap_or_else(|p| p.into_inner()));
        findings
            .discrepancies
            .sort_by(|a, b| a.object.cmp(&b.object));
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn active_reads_booleans_and_strings() {
        assert!(is_active(&json!({})));
        assert!(is_active(&json!({"active": true})));
        assert!(!is_active(&json!({"active": false})));
        assert!(!is_active(&json!({"active": "False"})));
        assert!(is_active(&json!({"active": "True"})));
    }
}
