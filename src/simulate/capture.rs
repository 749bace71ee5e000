//! What an export run sends, request by request (`simulate --export-scenario`): every request of
//! Entra's cycles, of every job, in the order its answer came, with the id a create's answer
//! carried. [`super::scenario`] turns it into the scenario Locust replays.

use std::sync::Mutex;

use serde_json::Value;

use super::kind::RequestKind;

/// One request of a cycle, as sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Captured {
    /// The job that sent it.
    pub job: usize,
    /// What it was for.
    pub kind: RequestKind,
    /// The path relative to the target (`Users`, `Groups/<id>`).
    pub rel: String,
    /// The query parameters.
    pub query: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Value>,
    /// The answer's status (`None`: no answer).
    pub status: Option<u16>,
    /// The `id` of the answer's resource (creates), or of the first resource listed (queries).
    pub id: Option<String>,
    /// Whether it belongs to the job's incremental cycle.
    pub incremental: bool,
}

/// What a job knows of one of its objects: its matching value and the id it is linked to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Object {
    /// The matching attribute's value.
    pub match_value: String,
    /// The id the endpoint gave it.
    pub id: Option<String>,
}

/// A job's objects, by kind and index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Objects {
    /// Users by index.
    pub users: std::collections::BTreeMap<usize, Object>,
    /// Groups by index.
    pub groups: std::collections::BTreeMap<usize, Object>,
}

#[derive(Debug, Default)]
struct Inner {
    requests: Vec<Captured>,
    incremental: Vec<usize>,
    objects: std::collections::BTreeMap<usize, Objects>,
}

/// The capture of a run: shared by its jobs' senders.
#[derive(Debug, Default)]
pub struct Capture {
    inner: Mutex<Inner>,
}

impl Capture {
    /// An empty capture.
    pub fn new() -> Capture {
        Capture::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    /// Records what `job` knows of user (`user`) or group `i`: its matching value, and its id
    /// once the endpoint gave one.
    pub fn object(&self, job: usize, user: bool, i: usize, match_value: &str, id: Option<&str>) {
        self.with(|inner| {
            let objects = inner.objects.entry(job).or_default();
            let o = if user {
                objects.users.entry(i).or_default()
            } else {
                objects.groups.entry(i).or_default()
            };
            if !match_value.is_empty() {
                o.match_value = match_value.to_string();
            }
            if let Some(id) = id {
                o.id.get_or_insert_with(|| id.to_string());
            }
        });
    }

    /// What `job` knew of its objects.
    pub fn objects(&self, job: usize) -> Objects {
        self.with(|inner| inner.objects.get(&job).cloned().unwrap_or_default())
    }

    /// Marks the start of `job`'s incremental cycle: what it sends from now on belongs to it.
    pub fn incremental(&self, job: usize) {
        self.with(|i| i.incremental.push(job));
    }

    /// Records one answered (or failed) request of `job`; `response` is its JSON body.
    pub fn record(
        &self,
        job: usize,
        kind: RequestKind,
        rel: &str,
        query: &[(String, String)],
        body: Option<&Value>,
        answer: Option<(u16, Option<&Value>)>,
    ) {
        let id = answer.and_then(|(_, json)| {
            let json = json?;
            json.get("id")
                .or_else(|| json.get("Resources")?.get(0)?.get("id"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        self.with(|i| {
            let incremental = i.incremental.contains(&job);
            i.requests.push(Captured {
                job,
                kind,
                rel: rel.to_string(),
                query: query.to_vec(),
                body: body.cloned(),
                status: answer.map(|(s, _)| s),
                id,
                incremental,
            })
        });
    }

    /// Everything captured, in order.
    pub fn requests(&self) -> Vec<Captured> {
        self.with(|i| i.requests.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_and_cycles_are_kept() {
        let c = Capture::new();
        c.record(
            0,
            RequestKind::UserCreate,
            "Users",
            &[],
            Some(&json!({"userName": "a"})),
            Some((201, Some(&json!({"id": "u-1"})))),
        );
        c.incremental(0);
        c.record(
            0,
            RequestKind::UserMatch,
            "Users",
            &[("filter".into(), "userName eq \"a\"".into())],
            None,
            Some((200, Some(&json!({"Resources": [{"id": "u-1"}]})))),
        );
        c.record(1, RequestKind::UserCreate, "Users", &[], None, None);
        let r = c.requests();
        assert_eq!(r[0].id.as_deref(), Some("u-1"));
        assert!(!r[0].incremental && r[1].incremental && !r[2].incremental);
        assert_eq!(r[1].id.as_deref(), Some("u-1"));
        assert_eq!(r[2].status, None);
    }
}
