//! One job: one tenant's provisioning cycles, ordered as Entra's engine orders them.
//!
//! Initial cycle: for each user the match query then the create; managers linked once both users
//! exist; for each group the match query (`excludedAttributes=members`) then the create; then the
//! member adds in batches ("the provisioning service synchronizes the users and the groups, and
//! then later synchronizes the group memberships using PATCH", Microsoft Q&A 637791). Member
//! batches are independent requests, so batches of one group may be in flight together.
//! Incremental cycle: what failed is retried from its start (Entra retries failed objects in the
//! next cycle), then attribute changes, deprovisioning and membership changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::task::JoinHandle;

use super::bodies;
use super::kind::RequestKind;
use super::model::{millis, About, Created, Model, Outcome, Sent};
use super::phase::run_all;
use super::send::{Answer, SendError, Sender};
use super::settings::Settings;
use super::tenant::Tenant;
use crate::exec::ledger::Ledger;
use crate::exec::lookup::addressable;
use crate::suite::template::{as_text, encode_segment};

/// One unit of work: the requests for one object, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Match then create user `i`.
    User(usize),
    /// Link user `i`'s manager.
    Manager(usize),
    /// Match then create group `g`.
    Group(usize),
    /// Member-add batch `b` of group `g`.
    Members(usize, usize),
    /// User `i`'s incremental changes: attributes, then deprovisioning.
    Changes(usize),
    /// Remove user `u` from group `g`.
    MemberRemove(usize, usize),
    /// Add user `u` to group `g`.
    MemberAdd(usize, usize),
}

/// One job's state.
#[derive(Debug)]
pub struct Job {
    /// The job's number.
    pub index: usize,
    /// Its run tag (`scimconf-<run>-<job>`): every name it creates starts with it.
    pub tag: String,
    /// How it sends.
    pub sender: Sender,
    /// The tenant's shape.
    pub tenant: Arc<Tenant>,
    /// What was sent and acknowledged.
    pub model: Mutex<Model>,
    /// What the run created.
    pub ledger: Arc<Ledger>,
    /// The run's settings.
    pub settings: Arc<Settings>,
    escrow: Mutex<Vec<Task>>,
    bodies: Mutex<HashMap<(bool, usize), Value>>,
    probes: Mutex<Vec<JoinHandle<()>>>,
    problems: Mutex<Vec<String>>,
    /// How long the job paused between its cycles.
    gap: Mutex<Duration>,
}

/// The ids of a list answer's resources.
pub fn listed_ids(answer: &Answer) -> Option<Vec<String>> {
    let body = answer.response.json().ok()?;
    let items = body.get("Resources")?.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|r| r.get("id").map(as_text))
            .collect(),
    )
}

/// `Users/<id>` with the id encoded as one path segment, if the id can be addressed safely.
pub fn path_of(collection: &str, id: &str) -> Option<String> {
    addressable(id).then(|| format!("{collection}/{}", encode_segment(id)))
}

impl Job {
    /// A job over `tenant`, sending with `sender`.
    pub fn new(
        index: usize,
        tag: String,
        sender: Sender,
        tenant: Arc<Tenant>,
        ledger: Arc<Ledger>,
        settings: Arc<Settings>,
    ) -> Job {
        Job {
            index,
            tag,
            sender,
            model: Mutex::new(Model::new(tenant.users, tenant.groups)),
            tenant,
            ledger,
            settings,
            escrow: Mutex::default(),
            bodies: Mutex::default(),
            probes: Mutex::default(),
            problems: Mutex::default(),
            gap: Mutex::default(),
        }
    }

    /// Works on the model.
    pub fn with_model<T>(&self, f: impl FnOnce(&mut Model) -> T) -> T {
        let mut guard = self.model.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Notes a problem that is not a discrepancy of the endpoint (shown in the summary).
    pub fn problem(&self, text: String) {
        if let Ok(mut p) = self.problems.lock() {
            if p.len() < 20 {
                p.push(text);
            }
        }
    }

    /// The problems noted.
    pub fn problems(&self) -> Vec<String> {
        self.problems.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// The job's name as an owner in the run's ledger: `job <index>`.
    pub fn owner(&self) -> String {
        format!("job {}", self.index)
    }

    /// Objects whose requests still failed after the incremental cycle's retry.
    pub fn unresolved(&self) -> usize {
        self.escrow.lock().map(|e| e.len()).unwrap_or(0)
    }

    fn escrow(&self, task: Task) {
        if let Ok(mut e) = self.escrow.lock() {
            e.push(task);
        }
    }

    fn note(&self, user: Option<usize>, group: Option<usize>, sent: Sent) {
        self.with_model(|m| {
            let history = match (user, group) {
                (Some(i), _) => m.users.get_mut(i).map(|u| &mut u.history),
                (_, Some(g)) => m.groups.get_mut(g).map(|g| &mut g.history),
                _ => None,
            };
            if let Some(h) = history {
                h.push(sent);
            }
        });
    }

    fn sent(&self, kind: RequestKind, result: &Result<Answer, SendError>, about: About) -> Sent {
        Sent {
            kind,
            outcome: Outcome::of(result),
            at_ms: millis(self.sender.recorder.elapsed()),
            about,
        }
    }

    /// Both cycles; returns when the last of their requests is answered.
    pub async fn cycles(self: &Arc<Self>) {
        let rec = self.sender.recorder.clone();
        let start = rec.elapsed();
        let t = self.tenant.clone();
        self.stage("initial cycle: users");
        self.run((0..t.users).map(Task::User)).await;
        if t.manager_mapped {
            self.stage("initial cycle: managers");
            self.run(
                (0..t.users)
                    .filter(|i| t.manager_of(*i).is_some())
                    .map(Task::Manager),
            )
            .await;
        }
        if t.groups > 0 {
            self.stage("initial cycle: groups");
            self.run((0..t.groups).map(Task::Group)).await;
            self.stage("initial cycle: members");
            let batches = t.members_per_group.div_ceil(self.settings.member_batch);
            self.run((0..t.groups).flat_map(|g| (0..batches).map(move |b| Task::Members(g, b))))
                .await;
        }
        let initial = rec.elapsed() - start;
        self.stage("incremental cycle");
        if let Some(c) = self.sender.capture() {
            c.incremental(self.index);
        }
        let escrowed = std::mem::take(&mut *self.escrow.lock().unwrap_or_else(|p| p.into_inner()));
        let (creates, rest): (Vec<Task>, Vec<Task>) = escrowed
            .into_iter()
            .partition(|t| matches!(t, Task::User(_) | Task::Group(_)));
        // Entra's next cycle, which retries what failed, comes about 40 minutes later, when a
        // lagging filter has long caught up. --cycle-interval waits that long (or as long as
        // asked); the compressed default waits out the longest lag measured so far (bounded)
        // before retried creates, so that their match query does not miss a create that did
        // land and manufacture a duplicate the real timing would not.
        let paused = rec.elapsed();
        match self.settings.cycle_interval {
            Some(d) => {
                self.stage("waiting for the next cycle (--cycle-interval)");
                self.sender.stop.sleep(d, false).await;
            }
            None if !creates.is_empty() => {
                if let Some(lag) = rec.max_lag() {
                    let wait = (lag + lag / 2).min(self.settings.lag_bound);
                    self.stage("waiting out the read-after-write lag before the retries");
                    tokio::time::sleep(wait).await;
                }
            }
            None => {}
        }
        let gap = rec.elapsed() - paused;
        *self.gap.lock().unwrap_or_else(|p| p.into_inner()) = gap;
        self.run(creates).await;
        let changes = (0..t.users)
            .filter(|i| t.updated(*i) || t.disabled(*i))
            .map(Task::Changes);
        let memberships = (0..t.groups).flat_map(|g| {
            let (removed, added) = t.membership_change(g).unwrap_or((None, None));
            removed
                .map(|u| Task::MemberRemove(g, u))
                .into_iter()
                .chain(added.map(|u| Task::MemberAdd(g, u)))
        });
        self.run(rest.into_iter().chain(changes).chain(memberships))
            .await;
        rec.cycles(self.index, start, rec.elapsed(), initial, gap);
    }

    /// Sets how long the job paused between its cycles (a replayed run's, measured elsewhere).
    pub fn set_gap(&self, gap: Duration) {
        *self.gap.lock().unwrap_or_else(|p| p.into_inner()) = gap;
    }

    /// How long the job paused between its initial and its incremental cycle.
    pub fn gap(&self) -> Duration {
        *self.gap.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stage(&self, text: &str) {
        if self.index == 0 {
            self.sender.recorder.live.set_stage(text);
        }
    }

    async fn run(self: &Arc<Self>, tasks: impl IntoIterator<Item = Task>) {
        let width = self.settings.concurrency;
        run_all(tasks, width, &self.sender.stop, false, |task| {
            let job = self.clone();
            async move { job.task(task).await }
        })
        .await;
    }

    /// Waits for the lag probes still asking.
    pub async fn probes_done(&self) {
        let handles = std::mem::take(&mut *self.probes.lock().unwrap_or_else(|p| p.into_inner()));
        for h in handles {
            let _ = h.await;
        }
    }

    async fn task(self: Arc<Self>, task: Task) {
        match task {
            Task::User(i) => self.user(i).await,
            Task::Manager(i) => self.manager(i).await,
            Task::Group(g) => self.group(g).await,
            Task::Members(g, b) => self.members(g, b).await,
            Task::Changes(i) => self.changes(i).await,
            Task::MemberRemove(g, u) => self.member_change(g, u, false).await,
            Task::MemberAdd(g, u) => self.member_change(g, u, true).await,
        }
    }

    /// The body and match value of user (`user`) or group `i`: kept from an earlier try (a retry
    /// sends the same object), else generated.
    fn body(&self, user: bool, i: usize) -> Option<(Value, String)> {
        let kept = self
            .bodies
            .lock()
            .ok()
            .and_then(|b| b.get(&(user, i)).cloned());
        let stored = self.with_model(|m| {
            if user {
                m.users.get(i).map(|u| u.match_value.clone())
            } else {
                m.groups.get(i).map(|g| g.match_value.clone())
            }
        });
        if let (Some(body), Some(mv)) = (kept, stored.clone()) {
            return Some((body, mv));
        }
        let generated = if user {
            self.tenant.user(&self.tag, i)
        } else {
            self.tenant.group(&self.tag, i)
        };
        match generated {
            Ok(g) => {
                if let Some(c) = self.sender.capture() {
                    c.object(self.index, user, i, &g.match_value, None);
                }
                self.with_model(|m| {
                    if user {
                        if let Some(u) = m.users.get_mut(i) {
                            u.match_value = g.match_value.clone();
                        }
                    } else if let Some(r) = m.groups.get_mut(i) {
                        r.match_value = g.match_value.clone();
                    }
                });
                Some((g.body, g.match_value))
            }
            Err(e) => {
                self.problem(e.to_string());
                None
            }
        }
    }

    fn keep_body(&self, user: bool, i: usize, body: Value) {
        if let Ok(mut b) = self.bodies.lock() {
            b.insert((user, i), body);
        }
    }

    fn set_id(&self, user: bool, i: usize, id: String, created: Created) {
        let collection = if user { "Users" } else { "Groups" };
        if let Some(c) = self.sender.capture() {
            c.object(self.index, user, i, "", Some(&id));
        }
        match path_of(collection, &id) {
            Some(path) => self.ledger.created_once(&path, &self.owner()),
            None => self.problem(format!(
                "{collection} id {id:?} cannot be addressed safely: it is not deleted; remove it by hand"
            )),
        }
        self.with_model(|m| {
            let (slot, state) = if user {
                match m.users.get_mut(i) {
                    Some(u) => (&mut u.id, &mut u.created),
                    None => return,
                }
            } else {
                match m.groups.get_mut(i) {
                    Some(g) => (&mut g.id, &mut g.created),
                    None => return,
                }
            };
            if slot.is_none() {
                *slot = Some(id);
            }
            *state = created;
        });
    }

    fn set_failed(&self, user: bool, i: usize, outcome: Outcome) {
        self.with_model(|m| {
            let state = if user {
                m.users.get_mut(i).map(|u| &mut u.created)
            } else {
                m.groups.get_mut(i).map(|g| &mut g.created)
            };
            if let Some(s) = state {
                if !s.exists() {
                    *s = Created::Failed(outcome);
                }
            }
        });
    }

    /// Match then create (users and groups alike).
    async fn match_create(self: &Arc<Self>, user: bool, i: usize) {
        let Some((body, match_value)) = self.body(user, i) else {
            return;
        };
        let (collection, attr, kinds) = if user {
            (
                "Users",
                &self.tenant.user_match,
                (RequestKind::UserMatch, RequestKind::UserCreate),
            )
        } else {
            (
                "Groups",
                &self.tenant.group_match,
                (RequestKind::GroupMatch, RequestKind::GroupCreate),
            )
        };
        let filter = ("filter".to_string(), bodies::filter_eq(attr, &match_value));
        let query = if user {
            vec![filter]
        } else {
            vec![
                ("excludedAttributes".to_string(), "members".to_string()),
                filter,
            ]
        };
        let (u, g) = if user {
            (Some(i), None)
        } else {
            (None, Some(i))
        };
        let result = self.sender.send(kinds.0, collection, &query, None).await;
        self.note(u, g, self.sent(kinds.0, &result, About::Object));
        let found = match &result {
            Err(SendError::Stopped) => return,
            Ok(a) if a.ok() => listed_ids(a),
            _ => None,
        };
        let Some(found) = found else {
            self.keep_body(user, i, body);
            self.escrow(if user { Task::User(i) } else { Task::Group(i) });
            return;
        };
        if !found.is_empty() {
            // Entra links what its match finds instead of creating it; several hits are its
            // DuplicateTargetEntries error. Every hit carries this run's tag: record them all.
            for id in found.iter().skip(1) {
                if let Some(path) = path_of(collection, id) {
                    self.ledger.created_once(&path, &self.owner());
                }
            }
            if let Some(first) = found.into_iter().next() {
                self.set_id(user, i, first, Created::Linked);
            }
            return;
        }
        let result = self
            .sender
            .send(kinds.1, collection, &[], Some(&body))
            .await;
        self.note(u, g, self.sent(kinds.1, &result, About::Object));
        match result {
            Err(SendError::Stopped) => {}
            Ok(a) if a.ok() => {
                let id = a
                    .response
                    .json()
                    .ok()
                    .and_then(|b| b.get("id"))
                    .map(as_text);
                match id {
                    Some(id) => {
                        self.set_id(user, i, id, Created::Acked);
                        if user && self.probed(i) {
                            self.probe(i, Instant::now());
                        }
                    }
                    None => {
                        // Verification looks it up by its name and records it for cleanup.
                        self.with_model(|m| {
                            if let Some(s) = if user {
                                m.users.get_mut(i).map(|u| &mut u.created)
                            } else {
                                m.groups.get_mut(i).map(|g| &mut g.created)
                            } {
                                *s = Created::Acked;
                            }
                        });
                        self.problem(format!(
                            "a {collection} create answered {} without an id",
                            a.status()
                        ));
                    }
                }
            }
            other => {
                self.set_failed(user, i, Outcome::of(&other));
                self.keep_body(user, i, body);
                self.escrow(if user { Task::User(i) } else { Task::Group(i) });
            }
        }
    }

    async fn user(self: &Arc<Self>, i: usize) {
        self.match_create(true, i).await;
    }

    async fn group(self: &Arc<Self>, g: usize) {
        self.match_create(false, g).await;
    }

    /// Whether user `i` is one of the lag-probed users.
    fn probed(&self, i: usize) -> bool {
        let n = self.settings.lag_probes.min(self.tenant.users);
        let step = (self.tenant.users / n.max(1)).max(1);
        n > 0 && i.is_multiple_of(step) && i / step < n
    }

    /// Repeats user `i`'s match query until it finds the user (or the lag bound passes).
    fn probe(self: &Arc<Self>, i: usize, answered: Instant) {
        let job = self.clone();
        let handle = tokio::spawn(async move {
            let match_value = job.with_model(|m| m.users.get(i).map(|u| u.match_value.clone()));
            let Some(match_value) = match_value else {
                return;
            };
            let query = vec![(
                "filter".to_string(),
                bodies::filter_eq(&job.tenant.user_match, &match_value),
            )];
            let mut wait = std::time::Duration::ZERO;
            let rec = job.sender.recorder.clone();
            loop {
                if answered.elapsed() > job.settings.lag_bound {
                    rec.lag(None);
                    return;
                }
                if !job.sender.stop.sleep(wait, false).await {
                    return;
                }
                wait = (wait * 2).clamp(
                    std::time::Duration::from_millis(5),
                    std::time::Duration::from_millis(500),
                );
                match job
                    .sender
                    .send(RequestKind::LagProbe, "Users", &query, None)
                    .await
                {
                    Err(SendError::Stopped) => return,
                    Ok(a) if a.ok() && listed_ids(&a).is_some_and(|ids| !ids.is_empty()) => {
                        rec.lag(Some(answered.elapsed()));
                        return;
                    }
                    _ => {}
                }
            }
        });
        if let Ok(mut p) = self.probes.lock() {
            p.push(handle);
        }
    }

    fn user_id(&self, i: usize) -> Option<String> {
        self.with_model(|m| m.users.get(i).and_then(|u| u.id.clone()))
    }

    fn group_id(&self, g: usize) -> Option<String> {
        self.with_model(|m| m.groups.get(g).and_then(|r| r.id.clone()))
    }

    async fn manager(self: &Arc<Self>, i: usize) {
        let Some(m) = self.tenant.manager_of(i) else {
            return;
        };
        // A reference Entra cannot resolve (either user missing) is left unlinked.
        let (Some(uid), Some(mid)) = (self.user_id(i), self.user_id(m)) else {
            return;
        };
        let Some(path) = path_of("Users", &uid) else {
            return;
        };
        let body = bodies::manager(self.tenant.dialect, &mid);
        let kind = RequestKind::ManagerLink;
        let result = self.sender.send(kind, &path, &[], Some(&body)).await;
        self.note(
            Some(i),
            None,
            self.sent(kind, &result, About::User(m as u32)),
        );
        match result {
            Err(SendError::Stopped) => {}
            Ok(a) if a.ok() => self.with_model(|md| {
                if let Some(u) = md.users.get_mut(i) {
                    u.manager_linked = true;
                }
            }),
            _ => self.escrow(Task::Manager(i)),
        }
    }

    async fn members(self: &Arc<Self>, g: usize, b: usize) {
        let Some(gid) = self.group_id(g) else {
            return;
        };
        let Some(path) = path_of("Groups", &gid) else {
            return;
        };
        let size = self.settings.member_batch;
        let batch: Vec<usize> = self
            .tenant
            .members(g)
            .into_iter()
            .skip(b * size)
            .take(size)
            .collect();
        let ids: Vec<(usize, String)> = batch
            .iter()
            .filter_map(|u| self.user_id(*u).map(|id| (*u, id)))
            .collect();
        if ids.is_empty() {
            return;
        }
        let refs: Vec<&str> = ids.iter().map(|(_, id)| id.as_str()).collect();
        let body = bodies::members_add(self.tenant.dialect, &refs);
        let kind = RequestKind::MembersAdd;
        let result = self.sender.send(kind, &path, &[], Some(&body)).await;
        self.note(
            None,
            Some(g),
            self.sent(kind, &result, About::Batch(b as u32)),
        );
        match result {
            Err(SendError::Stopped) => {}
            Ok(a) if a.ok() => self.with_model(|m| {
                if let Some(r) = m.groups.get_mut(g) {
                    r.members.extend(ids.iter().map(|(u, _)| *u as u32));
                }
            }),
            _ => self.escrow(Task::Members(g, b)),
        }
    }

    async fn changes(self: &Arc<Self>, i: usize) {
        let Some(uid) = self.user_id(i) else {
            return;
        };
        let Some(path) = path_of("Users", &uid) else {
            return;
        };
        let t = &self.tenant;
        // In an incremental cycle, too, Entra queries the target for the changed user by its
        // matching attribute before it updates it (ED-HOW, "Incremental cycles": "the service
        // queries the target system for a matching user using the specified matching
        // attributes"); a query that fails escrows the change for the next cycle.
        let Some(match_value) = self.with_model(|m| m.users.get(i).map(|u| u.match_value.clone()))
        else {
            return;
        };
        let query = [(
            "filter".to_string(),
            bodies::filter_eq(&t.user_match, &match_value),
        )];
        let matched = self
            .sender
            .send(RequestKind::UserMatch, "Users", &query, None)
            .await;
        self.note(
            Some(i),
            None,
            self.sent(RequestKind::UserMatch, &matched, About::Object),
        );
        match &matched {
            Err(SendError::Stopped) => return,
            Ok(a) if a.ok() => {}
            _ => {
                self.escrow(Task::Changes(i));
                return;
            }
        }
        if t.updated(i) {
            let changes: Vec<(String, String)> = t
                .changed_attributes
                .iter()
                .map(|a| (a.clone(), t.changed_value(&self.tag, i, a)))
                .collect();
            let body = bodies::update(t.dialect, &changes);
            let kind = RequestKind::UserUpdate;
            let result = self.sender.send(kind, &path, &[], Some(&body)).await;
            self.note(Some(i), None, self.sent(kind, &result, About::Object));
            match result {
                Err(SendError::Stopped) => return,
                Ok(a) if a.ok() => self.with_model(|m| {
                    if let Some(u) = m.users.get_mut(i) {
                        u.updated = true;
                    }
                }),
                _ => {}
            }
        }
        if t.disabled(i) {
            let (kind, body) = if t.active_mapped {
                (RequestKind::UserDisable, Some(bodies::disable(t.dialect)))
            } else {
                (RequestKind::UserDeprovisionDelete, None)
            };
            let result = self.sender.send(kind, &path, &[], body.as_ref()).await;
            self.note(Some(i), None, self.sent(kind, &result, About::Object));
            let gone = matches!(&result, Ok(a) if a.status() == 404);
            if let Ok(a) = &result {
                if a.ok() || gone {
                    self.with_model(|m| {
                        if let Some(u) = m.users.get_mut(i) {
                            if kind == RequestKind::UserDisable {
                                u.disabled = true;
                            } else {
                                u.deleted = true;
                            }
                        }
                    });
                    if kind == RequestKind::UserDeprovisionDelete
                        && !self.tenant.profile.delete_deactivates
                    {
                        self.ledger.deleted(&path);
                    }
                }
            }
        }
    }

    async fn member_change(self: &Arc<Self>, g: usize, u: usize, add: bool) {
        let (Some(gid), Some(uid)) = (self.group_id(g), self.user_id(u)) else {
            return;
        };
        let Some(path) = path_of("Groups", &gid) else {
            return;
        };
        let (kind, body) = if add {
            (
                RequestKind::MembersAdd,
                bodies::members_add(self.tenant.dialect, &[uid.as_str()]),
            )
        } else {
            (
                RequestKind::MemberRemove,
                bodies::member_remove(self.tenant.dialect, &uid),
            )
        };
        let result = self.sender.send(kind, &path, &[], Some(&body)).await;
        self.note(
            None,
            Some(g),
            self.sent(kind, &result, About::User(u as u32)),
        );
        if matches!(&result, Ok(a) if a.ok()) {
            self.with_model(|m| {
                if let Some(r) = m.groups.get_mut(g) {
                    if add {
                        r.members.insert(u as u32);
                    } else {
                        r.members.remove(&(u as u32));
                    }
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_refuse_ids_that_address_something_else() {
        assert_eq!(path_of("Users", "a b").as_deref(), Some("Users/a%20b"));
        assert_eq!(path_of("Users", ".."), None);
        assert_eq!(path_of("Users", ""), None);
    }
}
