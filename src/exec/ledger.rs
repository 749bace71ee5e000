//! The ledger: every resource a run created, recorded the moment the target answers, so the
//! harness can clean up after itself and refuse to touch anything it did not create. Shared by
//! `check` (one trial per owner) and `simulate` (one job per owner); indexed by path, so that a
//! run of 100,000 resources is recorded, looked up and swept in linear time.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::outcome::CleanupSummary;

/// Where a created resource stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Created and not (yet) deleted.
    Live,
    /// Deleted by a step or by cleanup, and read back as gone.
    Deleted,
    /// A step's DELETE answered 2xx, but the resource has not been read back yet: the trial's
    /// cleanup (or the final sweep) GETs it and deletes it again if it is still there.
    Unverified,
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
    /// Its userName or displayName, when the create carried one.
    pub name: Option<String>,
    /// Where it stands.
    pub state: State,
}

#[derive(Debug, Default)]
struct Inner {
    items: Vec<Item>,
    /// path -> the items recorded under it, oldest first.
    by_path: HashMap<String, Vec<usize>>,
}

impl Inner {
    fn push(&mut self, item: Item) {
        self.by_path
            .entry(item.path.clone())
            .or_default()
            .push(self.items.len());
        self.items.push(item);
    }

    fn at<'a>(&'a self, path: &str) -> impl DoubleEndedIterator<Item = &'a Item> + 'a {
        self.by_path
            .get(path)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.items.get(i))
    }
}

/// The run's ledger; shared by all trials (or jobs).
#[derive(Debug, Default)]
pub struct Ledger {
    inner: Mutex<Inner>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Records a resource the target just created for `trial`.
    pub fn created(&self, path: &str, trial: &str) {
        self.created_named(path, trial, None);
    }

    /// Records a resource the target just created for `trial`, with the name it was created
    /// under (shown when it is left behind).
    pub fn created_named(&self, path: &str, trial: &str, name: Option<String>) {
        self.with(|inner| {
            inner.push(Item {
                path: path.to_string(),
                trial: trial.to_string(),
                name,
                state: State::Live,
            })
        });
    }

    /// Records a resource `owner` created unless the path is already recorded (a simulation's
    /// job may learn of one resource twice: from its create's answer and from a lookup).
    pub fn created_once(&self, path: &str, owner: &str) {
        self.with(|inner| {
            if !inner.by_path.contains_key(path) {
                inner.push(Item {
                    path: path.to_string(),
                    trial: owner.to_string(),
                    name: None,
                    state: State::Live,
                });
            }
        });
    }

    /// The name a resource was created under, if known.
    pub fn name_of(&self, path: &str) -> Option<String> {
        self.with(|inner| inner.at(path).rev().find_map(|i| i.name.clone()))
    }

    /// Records a creation the harness cannot delete itself (counted as left behind).
    pub fn unaddressable(&self, label: &str, trial: &str, reason: String) {
        self.with(|inner| {
            inner.push(Item {
                path: label.to_string(),
                trial: trial.to_string(),
                name: None,
                state: State::Unaddressable(reason),
            })
        });
    }

    /// Whether everything recorded was deleted.
    pub fn all_deleted(&self) -> bool {
        self.with(|inner| inner.items.iter().all(|i| i.state == State::Deleted))
    }

    /// Marks a resource deleted and verified gone (a DELETE answered 404, or answered 2xx and
    /// a GET no longer finds it).
    pub fn deleted(&self, path: &str) {
        self.set_state(path, State::Deleted);
    }

    /// Marks a resource whose DELETE (sent by a step) answered 2xx: still to be read back.
    pub fn delete_answered(&self, path: &str) {
        self.set_state(path, State::Unverified);
    }

    /// Marks a resource that cleanup could not delete.
    pub fn stuck(&self, path: &str, reason: String) {
        self.set_state(path, State::Stuck(reason));
    }

    fn set_state(&self, path: &str, state: State) {
        self.with(|inner| {
            let Inner { items, by_path } = inner;
            for &at in by_path.get(path).into_iter().flatten() {
                if let Some(i) = items.get_mut(at) {
                    if matches!(i.state, State::Live | State::Stuck(_) | State::Unverified) {
                        i.state = state.clone();
                    }
                }
            }
        });
    }

    /// Whether this run created the resource at `path` (live or not).
    pub fn owns(&self, path: &str) -> bool {
        self.with(|inner| inner.by_path.contains_key(path))
    }

    /// Live resources of one trial (or of every trial with `None`), newest first.
    pub fn live(&self, trial: Option<&str>) -> Vec<String> {
        self.with(|inner| {
            inner
                .items
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

    /// Resources of one trial (or of every trial with `None`) whose DELETE answered 2xx but that
    /// were not read back yet, newest first.
    pub fn unverified(&self, trial: Option<&str>) -> Vec<String> {
        self.with(|inner| {
            inner
                .items
                .iter()
                .rev()
                .filter(|i| i.state == State::Unverified && trial.is_none_or(|t| i.trial == t))
                .map(|i| i.path.clone())
                .collect()
        })
    }

    /// Everything recorded, in creation order.
    pub fn items(&self) -> Vec<Item> {
        self.with(|inner| inner.items.clone())
    }

    /// What was created, deleted and left behind (with why; the why starts with the name the
    /// resource was created under, when known). A resource whose DELETE answered 2xx but that
    /// was never read back counts as left behind: nothing shows it is gone.
    pub fn summary(&self) -> CleanupSummary {
        let items = self.items();
        let deleted = items.iter().filter(|i| i.state == State::Deleted).count();
        let left_behind = items
            .iter()
            .filter(|i| i.state != State::Deleted)
            .map(|i| {
                let why = match &i.state {
                    State::Stuck(r) | State::Unaddressable(r) => r.clone(),
                    State::Unverified => {
                        "its DELETE answered 2xx but it was never read back to verify".into()
                    }
                    _ => "not deleted".into(),
                };
                let why = match &i.name {
                    Some(name) => format!("{name}: {why}"),
                    None => why,
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

    #[test]
    fn a_delete_answered_is_not_deleted_until_read_back() {
        let l = Ledger::new();
        l.created_named("Users/1", "t1", Some("scimconf-x-1-ada".into()));
        l.delete_answered("Users/1");
        assert!(l.live(None).is_empty());
        assert_eq!(l.unverified(Some("t1")), vec!["Users/1"]);
        assert!(!l.all_deleted());
        let s = l.summary();
        assert_eq!(s.deleted, 0);
        assert!(s.left_behind[0].2.starts_with("scimconf-x-1-ada: "));
        l.stuck("Users/1", "still there".into());
        assert_eq!(l.live(None), vec!["Users/1"]);
        l.deleted("Users/1");
        assert!(l.all_deleted());
        assert_eq!(l.name_of("Users/1").as_deref(), Some("scimconf-x-1-ada"));
    }

    #[test]
    fn created_once_records_a_path_once() {
        let l = Ledger::new();
        l.created_once("Users/1", "job 0");
        l.created_once("Users/1", "job 0");
        l.created_once("Groups/1", "job 1");
        assert_eq!(l.items().len(), 2);
        l.stuck("Groups/1", "500".into());
        let s = l.summary();
        assert_eq!((s.created, s.deleted), (2, 0));
        assert_eq!(
            s.left_behind[1],
            ("Groups/1".into(), "job 1".into(), "500".into())
        );
    }
}
