//! The simulation's ledger: every resource a job created, recorded the moment the target
//! answers (or the moment verification finds one the job created without knowing), indexed by
//! path so that a tenant of 100,000 users is recorded and swept in linear time. Its summary is
//! the harness's [`CleanupSummary`].

use std::collections::HashMap;
use std::sync::Mutex;

use crate::outcome::CleanupSummary;

/// Where a recorded resource stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Created and not deleted.
    Live,
    /// Deleted (2xx or 404 to a DELETE).
    Deleted,
    /// Cleanup failed, with why.
    Stuck(String),
}

#[derive(Debug, Default)]
struct Inner {
    items: Vec<(String, usize, State)>,
    index: HashMap<String, usize>,
}

/// What a run created, by path (`Users/<id>`, `Groups/<id>`).
#[derive(Debug, Default)]
pub struct SimLedger {
    inner: Mutex<Inner>,
}

impl SimLedger {
    /// An empty ledger.
    pub fn new() -> SimLedger {
        SimLedger::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Records a resource `job` created (once; a second record of the same path is ignored).
    pub fn created(&self, path: &str, job: usize) {
        self.with(|inner| {
            if !inner.index.contains_key(path) {
                inner.index.insert(path.to_string(), inner.items.len());
                inner.items.push((path.to_string(), job, State::Live));
            }
        });
    }

    /// Whether the run created the resource at `path`.
    pub fn owns(&self, path: &str) -> bool {
        self.with(|inner| inner.index.contains_key(path))
    }

    fn set(&self, path: &str, state: State) {
        self.with(|inner| {
            if let Some(i) = inner.index.get(path).copied() {
                if let Some(item) = inner.items.get_mut(i) {
                    item.2 = state;
                }
            }
        });
    }

    /// Marks a resource deleted.
    pub fn deleted(&self, path: &str) {
        self.set(path, State::Deleted);
    }

    /// Marks a resource cleanup could not delete.
    pub fn stuck(&self, path: &str, why: String) {
        self.set(path, State::Stuck(why));
    }

    /// Live (and stuck) resources, groups first, each kind newest first: (path, job).
    pub fn live(&self) -> Vec<(String, usize)> {
        self.with(|inner| {
            let live = inner
                .items
                .iter()
                .rev()
                .filter(|(_, _, s)| *s != State::Deleted);
            let (groups, users): (Vec<_>, Vec<_>) =
                live.partition(|(p, _, _)| p.starts_with("Groups/"));
            groups
                .into_iter()
                .chain(users)
                .map(|(p, j, _)| (p.clone(), *j))
                .collect()
        })
    }

    /// Created, deleted, and left behind with why (the "trial" is `job <n>`).
    pub fn summary(&self) -> CleanupSummary {
        self.with(|inner| CleanupSummary {
            created: inner.items.len(),
            deleted: inner
                .items
                .iter()
                .filter(|(_, _, s)| *s == State::Deleted)
                .count(),
            left_behind: inner
                .items
                .iter()
                .filter_map(|(p, j, s)| match s {
                    State::Deleted => None,
                    State::Live => Some((p.clone(), format!("job {j}"), "not deleted".into())),
                    State::Stuck(why) => Some((p.clone(), format!("job {j}"), why.clone())),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_once_and_sweeps_groups_first() {
        let l = SimLedger::new();
        l.created("Users/1", 0);
        l.created("Groups/1", 0);
        l.created("Users/2", 1);
        l.created("Users/2", 1);
        assert_eq!(
            l.live(),
            [
                ("Groups/1".into(), 0),
                ("Users/2".into(), 1),
                ("Users/1".into(), 0)
            ]
        );
        l.deleted("Users/1");
        l.stuck("Users/2", "500".into());
        assert!(l.owns("Users/1") && !l.owns("Users/9"));
        let s = l.summary();
        assert_eq!((s.created, s.deleted, s.left_behind.len()), (3, 1, 2));
        assert_eq!(s.left_behind[1].2, "500");
    }
}
