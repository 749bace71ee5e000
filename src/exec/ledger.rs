//! The ledger: every resource a run created, recorded the moment the target answers, so the
//! harness can clean up after itself and refuse to touch anything it did not create.

use std::sync::Mutex;

use crate::outcome::CleanupSummary;

/// Where a created resource stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Created and not (yet) deleted.
    Live,
    /// Deleted by a step or by cleanup.
    Deleted,
    /// Cleanup tried and failed, with the reason.
    Stuck(String),
    /// Created but not addressable (no id, or an unsafe one): left behind, never retried.
    Unaddressable(String),
}

/// One created resource.
#[derive(Clone, Debug)]
pub struct Item {
    /// Path relative to the target, e.g. `Users/2819c223`.
    pub path: String,
    /// The trial that created it.
    pub trial: String,
    /// Where it stands.
    pub state: State,
}

/// The run's ledger; shared by all trials.
#[derive(Debug, Default)]
pub struct Ledger {
    items: Mutex<Vec<Item>>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Vec<Item>) -> T) -> T {
        let mut guard = self.items.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Records a resource the target just created for `trial`.
    pub fn created(&self, path: &str, trial: &str) {
        self.with(|items| {
            items.push(Item {
                path: path.to_string(),
                trial: trial.to_string(),
                state: State::Live,
            })
        });
    }

    /// Records a creation the harness cannot delete itself (counted as left behind).
    pub fn unaddressable(&self, label: &str, trial: &str, reason: String) {
        self.with(|items| {
            items.push(Item {
                path: label.to_string(),
                trial: trial.to_string(),
                state: State::Unaddressable(reason),
            })
        });
    }

    /// Whether everything recorded was deleted.
    pub fn all_deleted(&self) -> bool {
        self.with(|items| items.iter().all(|i| i.state == State::Deleted))
    }

    /// Marks a resource deleted (a DELETE answered 2xx or 404).
    pub fn deleted(&self, path: &str) {
        self.set_state(path, State::Deleted);
    }

    /// Marks a resource that cleanup could not delete.
    pub fn stuck(&self, path: &str, reason: String) {
        self.set_state(path, State::Stuck(reason));
    }

    fn set_state(&self, path: &str, state: State) {
        self.with(|items| {
            for i in items
                .iter_mut()
                .filter(|i| i.path == path && matches!(i.state, State::Live | State::Stuck(_)))
            {
                i.state = state.clone();
            }
        });
    }

    /// Whether this run created the resource at `path` (live or not).
    pub fn owns(&self, path: &str) -> bool {
        self.with(|items| items.iter().any(|i| i.path == path))
    }

    /// Live resources of one trial (or of every trial with `None`), newest first.
    pub fn live(&self, trial: Option<&str>) -> Vec<String> {
        self.with(|items| {
            items
                .iter()
                .rev()
                .filter(|i| {
                    matches!(i.state, State::Live | State::Stuck(_))
                        && trial.is_none_or(|t| i.trial == t)
                })
                .map(|i| i.path.clone())
                .collect()
        })
    }

    /// Everything recorded, in creation order.
    pub fn items(&self) -> Vec<Item> {
        self.with(|items| items.clone())
    }

    /// What was created, deleted and left behind (with why).
    pub fn summary(&self) -> CleanupSummary {
        let items = self.items();
        let deleted = items.iter().filter(|i| i.state == State::Deleted).count();
        let left_behind = items
            .iter()
            .filter(|i| i.state != State::Deleted)
            .map(|i| {
                let why = match &i.state {
                    State::Stuck(r) | State::Unaddressable(r) => r.clone(),
                    _ => "not deleted".into(),
                };
                (i.path.clone(), i.trial.clone(), why)
            })
            .collect();
        CleanupSummary {
            created: items.len(),
            deleted,
            left_behind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_live_and_deleted() {
        let l = Ledger::new();
        l.created("Users/1", "t1");
        l.created("Groups/2", "t1");
        l.created("Users/3", "t2");
        assert_eq!(l.live(Some("t1")), vec!["Groups/2", "Users/1"]);
        l.deleted("Users/1");
        assert!(l.owns("Users/1"));
        assert!(!l.owns("Users/9"));
        l.stuck("Users/3", "500".into());
        assert_eq!(l.live(None), vec!["Users/3", "Groups/2"]);
        let s = l.summary();
        assert_eq!((s.created, s.deleted, s.left_behind.len()), (3, 1, 2));
    }
}
