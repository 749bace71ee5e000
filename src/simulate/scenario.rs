//! The simulation as data (`simulate --export-scenario DIR`), for Locust's distributed runners
//! (`contrib/locust/locustfile.py`), and the way back (`simulate verify`).
//!
//! Export: the simulation runs on a private embedded reference server with its requests
//! captured ([`super::capture`]); every id the server gave becomes a placeholder (`{{u3}}`,
//! `{{g0}}`), so the scenario holds, per job, Entra's requests in the order they were sent,
//! with the bodies of the profile and fixtures (the same generator as `check` and `simulate`),
//! what each create saves and what each later request needs, the pace and the run id.
//!
//! Verify: the results a Locust run writes (one JSON line per try) are applied to each job's
//! model ([`apply`]) and measured ([`Results::record`]), and the end state is verified,
//! reported and cleaned up exactly as after an in-process run.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::capture::{Captured, Objects};
use super::kind::RequestKind;
use super::metrics::{Recorder, TryResult};
use super::model::{millis, About, Created, Model, Outcome, Sent};
use super::settings::{Pace, Settings};

/// The version of the scenario format (changes when a field changes meaning or goes away).
pub const SCENARIO_VERSION: &str = "1";

/// The file a scenario is written to, in its folder.
pub const SCENARIO_FILE: &str = "scenario.json";

/// The JSON Schema of [`SCENARIO_FILE`], committed beside this module.
pub const SCENARIO_SCHEMA: &str = include_str!("scenario.schema.json");

/// A whole scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// [`SCENARIO_VERSION`].
    pub schema_version: String,
    /// Always `simulation-scenario`.
    pub kind: String,
    /// The run id every name carries (`scimconf-<run id>-<job>-...`).
    pub run_id: String,
    /// The vendor profile the requests were built from.
    pub vendor: String,
    /// The dialect replayed (`legacy` or `compliant`).
    pub dialect: String,
    /// What the tenant was made of, to rebuild it for verification.
    pub settings: ScenarioSettings,
    /// One entry per Entra job.
    pub jobs: Vec<ScenarioJob>,
}

/// The settings a scenario was exported with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSettings {
    /// Users per job.
    pub users: usize,
    /// Groups per job.
    pub groups: usize,
    /// Members per group.
    pub members_per_group: usize,
    /// Jobs.
    pub jobs: usize,
    /// Members per member-add PATCH.
    pub member_batch: usize,
    /// Share of users whose attributes change.
    pub change_share: f64,
    /// Share of users deprovisioned.
    pub disable_share: f64,
    /// Share of groups whose membership changes.
    pub membership_share: f64,
    /// The tenant's seed.
    pub seed: u64,
    /// Requests per second per job (`null`: as fast as answers come).
    pub pace_rps: Option<f64>,
    /// Seconds between a job's initial and incremental cycle (`null`: none).
    pub cycle_interval_s: Option<f64>,
    /// Tries of a request answered 429.
    pub throttle_tries: u32,
    /// Longest pause one 429 may cause, in seconds.
    pub max_pause_s: f64,
}

/// One Entra job: its requests, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioJob {
    /// The job's number.
    pub job: usize,
    /// The prefix of every name it creates (`scimconf-<run id>-<job>`).
    pub tag: String,
    /// Its users' matching values, by index (`u<i>`).
    pub users: Vec<String>,
    /// Its groups' matching values, by index (`g<i>`).
    pub groups: Vec<String>,
    /// Its requests, in Entra's order.
    pub steps: Vec<Step>,
}

/// Which of a job's cycles a step belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cycle {
    /// The initial cycle.
    Initial,
    /// The incremental cycle (after `cycle_interval_s`).
    Incremental,
}

/// One request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What it is for ([`RequestKind::name`]).
    pub kind: String,
    /// The HTTP method.
    pub method: String,
    /// The path relative to the target URL, with `{{u<i>}}`/`{{g<i>}}` for ids.
    pub path: String,
    /// Query parameters, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    /// The JSON body, with placeholders for ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Its cycle.
    pub cycle: Cycle,
    /// The placeholder the answer's id fills: a create's resource, a match query's first hit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saves: Option<String>,
    /// Not sent when this placeholder is already filled (a create whose match found the
    /// object: Entra links it instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless: Option<String>,
    /// The placeholders it needs filled (not sent otherwise: what it depends on failed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
}

impl Scenario {
    /// Settings that rebuild the exported tenant (the rest at their defaults).
    pub fn settings(&self, base: &Settings) -> Settings {
        let s = &self.settings;
        Settings {
            users: s.users,
            groups: s.groups,
            members_per_group: s.members_per_group,
            jobs: s.jobs,
            member_batch: s.member_batch,
            change_share: s.change_share,
            disable_share: s.disable_share,
            membership_share: s.membership_share,
            seed: s.seed,
            pace: match s.pace_rps {
                Some(r) => Pace::PerSecond(r),
                None => Pace::Unpaced,
            },
            cycle_interval: s.cycle_interval_s.map(Duration::from_secs_f64),
            throttle_tries: s.throttle_tries,
            max_pause: Duration::from_secs_f64(s.max_pause_s),
            ..base.clone()
        }
    }

    /// Requests in all jobs.
    pub fn requests(&self) -> usize {
        self.jobs.iter().map(|j| j.steps.len()).sum()
    }

    /// Reads and checks `DIR/scenario.json`.
    pub fn read(dir: &Path) -> Result<Scenario, String> {
        let path = dir.join(SCENARIO_FILE);
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{shown}: {e}"))?;
        let s: Scenario = serde_json::from_str(&text)
            .map_err(|e| format!("{shown}: line {}, column {}: {e}", e.line(), e.column()))?;
        if s.schema_version != SCENARIO_VERSION || s.kind != "simulation-scenario" {
            return Err(format!(
                "{shown}: a simulation-scenario of version {SCENARIO_VERSION} is expected, not {} {}",
                s.kind, s.schema_version
            ));
        }
        for j in &s.jobs {
            for (n, step) in j.steps.iter().enumerate() {
                if kind_of(&step.kind).is_none() {
                    return Err(format!(
                        "{shown}: jobs[{}].steps[{n}].kind: unknown request kind `{}`",
                        j.job, step.kind
                    ));
                }
            }
        }
        Ok(s)
    }
}

/// The request kind named `name`.
pub fn kind_of(name: &str) -> Option<RequestKind> {
    RequestKind::ALL.iter().copied().find(|k| k.name() == name)
}

/// `{{u3}}` for user 3, `{{g0}}` for group 0.
fn placeholder(user: bool, i: usize) -> String {
    format!("{}{i}", if user { 'u' } else { 'g' })
}

/// Every `{{name}}` in `text`.
fn placeholders_in(text: &str, out: &mut BTreeSet<String>) {
    let mut rest = text;
    while let Some(at) = rest.find("{{") {
        let tail = &rest[at + 2..];
        match tail.find("}}") {
            Some(end) => {
                out.insert(tail[..end].to_string());
                rest = &tail[end + 2..];
            }
            None => break,
        }
    }
}

fn placeholders_of(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => placeholders_in(s, out),
        Value::Array(a) => a.iter().for_each(|v| placeholders_of(v, out)),
        Value::Object(m) => m.values().for_each(|v| placeholders_of(v, out)),
        _ => {}
    }
}

/// Replaces every id of `ids` inside `text` by its `{{placeholder}}`.
fn swap(text: &str, ids: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (id, name) in ids {
        if out.contains(id.as_str()) {
            out = out.replace(id.as_str(), &format!("{{{{{name}}}}}"));
        }
    }
    out
}

fn swap_json(value: &Value, ids: &[(String, String)]) -> Value {
    match value {
        Value::String(s) => Value::String(swap(s, ids)),
        Value::Array(a) => Value::Array(a.iter().map(|v| swap_json(v, ids)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), swap_json(v, ids)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What [`build`] needs besides the capture.
pub struct Export<'a> {
    /// The run id.
    pub run_id: &'a str,
    /// The vendor.
    pub vendor: &'a str,
    /// The dialect.
    pub dialect: &'a str,
    /// The settings.
    pub settings: &'a Settings,
    /// Each job's tag.
    pub tags: Vec<String>,
    /// The users' and the groups' matching attributes.
    pub matching: (&'a str, &'a str),
}

/// The scenario of a captured run.
pub fn build(
    export: &Export<'_>,
    captured: &[Captured],
    objects: &[Objects],
) -> Result<Scenario, String> {
    let s = export.settings;
    let mut jobs = Vec::new();
    for (j, tag) in export.tags.iter().enumerate() {
        let objs = objects.get(j).cloned().unwrap_or_default();
        // Longest ids first, so that an id inside another is never swapped half.
        let mut ids: Vec<(String, String)> = objs
            .users
            .iter()
            .filter_map(|(i, o)| Some((o.id.clone()?, placeholder(true, *i))))
            .chain(
                objs.groups
                    .iter()
                    .filter_map(|(i, o)| Some((o.id.clone()?, placeholder(false, *i)))),
            )
            .collect();
        ids.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
        let by_id: HashMap<&str, &str> = ids
            .iter()
            .map(|(id, p)| (id.as_str(), p.as_str()))
            .collect();
        let filters: HashMap<String, String> = objs
            .users
            .iter()
            .map(|(i, o)| {
                (
                    super::bodies::filter_eq(export.matching.0, &o.match_value),
                    placeholder(true, *i),
                )
            })
            .chain(objs.groups.iter().map(|(i, o)| {
                (
                    super::bodies::filter_eq(export.matching.1, &o.match_value),
                    placeholder(false, *i),
                )
            }))
            .collect();
        let mut saved: BTreeSet<String> = BTreeSet::new();
        let mut steps = Vec::new();
        for c in captured.iter().filter(|c| c.job == j) {
            let path = swap(&c.rel, &ids);
            let query: Vec<(String, String)> = c
                .query
                .iter()
                .map(|(k, v)| (k.clone(), swap(v, &ids)))
                .collect();
            let body = c.body.as_ref().map(|b| swap_json(b, &ids));
            let (saves, unless) = match c.kind {
                RequestKind::UserMatch | RequestKind::GroupMatch => {
                    let filter = c
                        .query
                        .iter()
                        .find(|(k, _)| k == "filter")
                        .map(|(_, v)| v.as_str());
                    (filter.and_then(|f| filters.get(f).cloned()), None)
                }
                RequestKind::UserCreate | RequestKind::GroupCreate => {
                    let p =
                        c.id.as_deref()
                            .and_then(|id| by_id.get(id))
                            .map(|p| p.to_string());
                    (p.clone(), p)
                }
                _ => (None, None),
            };
            let mut needs = BTreeSet::new();
            placeholders_in(&path, &mut needs);
            for (_, v) in &query {
                placeholders_in(v, &mut needs);
            }
            if let Some(b) = &body {
                placeholders_of(b, &mut needs);
            }
            if let Some(missing) = needs.iter().find(|n| !saved.contains(*n)) {
                return Err(format!(
                    "job {j}: a {} request needs {{{{{missing}}}}} before any request saves it",
                    c.kind
                ));
            }
            if let Some(p) = &saves {
                saved.insert(p.clone());
            }
            steps.push(Step {
                kind: c.kind.name().to_string(),
                method: c.kind.method().to_string(),
                path,
                query,
                body,
                cycle: if c.incremental {
                    Cycle::Incremental
                } else {
                    Cycle::Initial
                },
                saves,
                unless,
                needs: needs.into_iter().collect(),
            });
        }
        let values = |m: &BTreeMap<usize, super::capture::Object>, n: usize| -> Vec<String> {
            (0..n)
                .map(|i| m.get(&i).map(|o| o.match_value.clone()).unwrap_or_default())
                .collect()
        };
        jobs.push(ScenarioJob {
            job: j,
            tag: tag.clone(),
            users: values(&objs.users, s.users),
            groups: values(&objs.groups, s.groups),
            steps,
        });
    }
    Ok(Scenario {
        schema_version: SCENARIO_VERSION.into(),
        kind: "simulation-scenario".into(),
        run_id: export.run_id.into(),
        vendor: export.vendor.into(),
        dialect: export.dialect.into(),
        settings: ScenarioSettings {
            users: s.users,
            groups: s.groups,
            members_per_group: s.members_per_group,
            jobs: s.jobs,
            member_batch: s.member_batch,
            change_share: s.change_share,
            disable_share: s.disable_share,
            membership_share: s.membership_share,
            seed: s.seed,
            pace_rps: s.pace.per_second(),
            cycle_interval_s: s.cycle_interval.map(|d| d.as_secs_f64()),
            throttle_tries: s.throttle_tries,
            max_pause_s: s.max_pause.as_secs_f64(),
        },
        jobs,
    })
}

/// One try a Locust worker sent (a line of `results/*.jsonl`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Try {
    /// The job.
    pub job: usize,
    /// The step's index in the job.
    pub step: usize,
    /// The answer's status (`None`: no answer).
    #[serde(default)]
    pub status: Option<u16>,
    /// Seconds since the epoch when it was sent.
    pub sent: f64,
    /// Milliseconds until its answer (or failure).
    pub elapsed_ms: f64,
    /// The id the answer carried, for a step that saves one.
    #[serde(default)]
    pub id: Option<String>,
    /// Whether this was the step's last try.
    #[serde(default = "yes")]
    pub last: bool,
    /// Why the step was not sent (a dependency failed).
    #[serde(default)]
    pub skipped: Option<String>,
    /// The worker that sent it.
    #[serde(default)]
    pub worker: Option<String>,
}

fn yes() -> bool {
    true
}

/// What a Locust run wrote, read back.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// Every try, in file order.
    pub tries: Vec<Try>,
}

impl Results {
    /// Reads every `*.jsonl` file of `dir` (one per worker process).
    pub fn read(dir: &Path) -> Result<Results, String> {
        let shown = dir.display().to_string();
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{shown}: {e}"))?;
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(format!(
                "{shown}: no *.jsonl results (the locustfile writes them to SCENARIO_RESULTS)"
            ));
        }
        let mut tries = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let t: Try = serde_json::from_str(line)
                    .map_err(|e| format!("{}: line {}: {e}", f.display(), n + 1))?;
                tries.push(t);
            }
        }
        Ok(Results { tries })
    }

    /// The workers that sent requests, and how many each sent.
    pub fn workers(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for t in self.tries.iter().filter(|t| t.skipped.is_none()) {
            *out.entry(t.worker.clone().unwrap_or_else(|| "?".into()))
                .or_default() += 1;
        }
        out
    }

    /// Feeds every try into `rec` (on the run's clock, from the earliest send), and each job's
    /// cycle window.
    pub fn record(&self, scenario: &Scenario, rec: &Recorder) {
        let sent = self.tries.iter().filter(|t| t.skipped.is_none());
        let Some(t0) = sent.clone().map(|t| t.sent).reduce(f64::min) else {
            return;
        };
        let secs = |s: f64| Duration::from_secs_f64((s - t0).max(0.0));
        for t in sent {
            let Some(kind) = step_of(scenario, t).and_then(|s| kind_of(&s.kind)) else {
                continue;
            };
            let latency = Duration::from_secs_f64((t.elapsed_ms / 1000.0).max(0.0));
            let result = match t.status {
                Some(s) => TryResult::Answered(s),
                None => TryResult::Failed(super::kind::ErrorClass::Connection),
            };
            rec.record_at(t.job, kind, secs(t.sent) + latency, latency, result);
        }
        for job in &scenario.jobs {
            let mine: Vec<&Try> = self
                .tries
                .iter()
                .filter(|t| t.job == job.job && t.skipped.is_none())
                .collect();
            let end = |t: &&Try| t.sent + t.elapsed_ms / 1000.0;
            let cycle = |t: &&Try, c: Cycle| job.steps.get(t.step).is_some_and(|s| s.cycle == c);
            let (Some(from), Some(to)) = (
                mine.iter().map(|t| t.sent).reduce(f64::min),
                mine.iter().map(end).reduce(f64::max),
            ) else {
                continue;
            };
            let initial_end = mine
                .iter()
                .filter(|t| cycle(t, Cycle::Initial))
                .map(end)
                .reduce(f64::max)
                .unwrap_or(from);
            let incremental_start = mine
                .iter()
                .filter(|t| cycle(t, Cycle::Incremental))
                .map(|t| t.sent)
                .reduce(f64::min)
                .unwrap_or(initial_end);
            rec.cycles(
                job.job,
                secs(from),
                secs(to),
                secs(initial_end).saturating_sub(secs(from)),
                secs(incremental_start).saturating_sub(secs(initial_end)),
            );
        }
    }
}

fn step_of<'a>(scenario: &'a Scenario, t: &Try) -> Option<&'a Step> {
    scenario
        .jobs
        .iter()
        .find(|j| j.job == t.job)?
        .steps
        .get(t.step)
}

/// `u3` -> (user, 3).
fn object_of(name: &str) -> Option<(bool, usize)> {
    let (kind, n) = name.split_at(1);
    let i = n.parse().ok()?;
    match kind {
        "u" => Some((true, i)),
        "g" => Some((false, i)),
        _ => None,
    }
}

/// A match query's hit or a create's 2xx answer (`answer`: the id it carried) applied to an
/// object's id and create state, as an in-process job records them: a hit links an object not
/// yet known, a create's id always counts, a failed create is recorded unless the object
/// exists. Returns the id learnt, if any.
fn acknowledge(
    id: &mut Option<String>,
    created: &mut Created,
    create: bool,
    answer: Option<&String>,
    outcome: Outcome,
) -> Option<String> {
    match answer {
        Some(new) if create || !created.exists() => {
            *id = Some(new.clone());
            *created = if create {
                Created::Acked
            } else {
                Created::Linked
            };
            Some(new.clone())
        }
        None if create && !created.exists() => {
            *created = Created::Failed(outcome);
            None
        }
        _ => None,
    }
}

/// Each job's expected end state from its steps' last tries, as an in-process job would have
/// acknowledged it (ids, creates, manager links, changes, disables, memberships, with the
/// history behind each), and every id a create answered or a match found.
pub fn apply(scenario: &Scenario, results: &Results) -> Vec<(Model, Vec<(bool, String)>)> {
    let t0 = results
        .tries
        .iter()
        .filter(|t| t.skipped.is_none())
        .map(|t| t.sent)
        .reduce(f64::min)
        .unwrap_or(0.0);
    let mut last: HashMap<(usize, usize), &Try> = HashMap::new();
    for t in results
        .tries
        .iter()
        .filter(|t| t.last && t.skipped.is_none())
    {
        last.insert((t.job, t.step), t);
    }
    scenario
        .jobs
        .iter()
        .map(|job| {
            let mut m = Model::new(job.users.len(), job.groups.len());
            for (i, v) in job.users.iter().enumerate() {
                m.users[i].match_value = v.clone();
            }
            for (i, v) in job.groups.iter().enumerate() {
                m.groups[i].match_value = v.clone();
            }
            let mut ids: Vec<(bool, String)> = Vec::new();
            for (n, step) in job.steps.iter().enumerate() {
                let (Some(kind), Some(t)) = (kind_of(&step.kind), last.get(&(job.job, n))) else {
                    continue;
                };
                let ok = t.status.is_some_and(|s| (200..300).contains(&s));
                let outcome = match t.status {
                    Some(s) => Outcome::Status(s),
                    None => Outcome::Failed(super::kind::ErrorClass::Connection),
                };
                let at_ms = millis(Duration::from_secs_f64((t.sent - t0).max(0.0)));
                let mut in_path = BTreeSet::new();
                placeholders_in(&step.path, &mut in_path);
                let subject = step
                    .saves
                    .clone()
                    .or_else(|| in_path.first().cloned())
                    .and_then(|p| object_of(&p));
                let mut refs = in_path;
                if let Some(b) = &step.body {
                    placeholders_of(b, &mut refs);
                }
                let others: Vec<usize> = refs
                    .iter()
                    .filter_map(|r| object_of(r))
                    .filter(|(user, _)| *user)
                    .map(|(_, i)| i)
                    .filter(|i| subject != Some((true, *i)))
                    .collect();
                let about = match (kind, others.first()) {
                    (RequestKind::MemberRemove | RequestKind::MembersAdd, Some(u))
                        if others.len() == 1 =>
                    {
                        About::User(*u as u32)
                    }
                    _ => About::Object,
                };
                let sent = Sent {
                    kind,
                    outcome,
                    at_ms,
                    about,
                };
                let Some((user, i)) = subject else { continue };
                if user {
                    let Some(u) = m.users.get_mut(i) else {
                        continue;
                    };
                    u.history.push(sent);
                    match kind {
                        RequestKind::UserMatch | RequestKind::UserCreate => {
                            let create = kind == RequestKind::UserCreate;
                            let answer = t.id.as_ref().filter(|_| ok);
                            if let Some(id) =
                                acknowledge(&mut u.id, &mut u.created, create, answer, outcome)
                            {
                                ids.push((true, id));
                            }
                        }
                        RequestKind::ManagerLink => u.manager_linked |= ok,
                        RequestKind::UserUpdate => u.updated |= ok,
                        RequestKind::UserDisable => u.disabled |= ok,
                        RequestKind::UserDeprovisionDelete => u.deleted |= ok,
                        _ => {}
                    }
                } else {
                    let Some(g) = m.groups.get_mut(i) else {
                        continue;
                    };
                    g.history.push(sent);
                    match kind {
                        RequestKind::GroupMatch | RequestKind::GroupCreate => {
                            let create = kind == RequestKind::GroupCreate;
                            let answer = t.id.as_ref().filter(|_| ok);
                            if let Some(id) =
                                acknowledge(&mut g.id, &mut g.created, create, answer, outcome)
                            {
                                ids.push((false, id));
                            }
                        }
                        RequestKind::MembersAdd if ok => {
                            g.members.extend(others.iter().map(|u| *u as u32));
                        }
                        RequestKind::MemberRemove if ok => {
                            for u in &others {
                                g.members.remove(&(*u as u32));
                            }
                        }
                        _ => {}
                    }
                }
            }
            (m, ids)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn captured(kind: RequestKind, rel: &str, body: Option<Value>, id: Option<&str>) -> Captured {
        Captured {
            job: 0,
            kind,
            rel: rel.into(),
            query: if matches!(kind, RequestKind::UserMatch) {
                vec![("filter".into(), "userName eq \"a\"".into())]
            } else {
                vec![]
            },
            body,
            status: Some(201),
            id: id.map(str::to_string),
            incremental: false,
        }
    }

    fn scenario() -> Scenario {
        let mut objects = Objects::default();
        objects.users.insert(
            0,
            super::super::capture::Object {
                match_value: "a".into(),
                id: Some("11111111-aaaa".into()),
            },
        );
        objects.groups.insert(
            0,
            super::super::capture::Object {
                match_value: "G".into(),
                id: Some("22222222-bbbb".into()),
            },
        );
        let settings = Settings {
            users: 1,
            groups: 1,
            ..Settings::default()
        };
        let export = Export {
            run_id: "abc",
            vendor: "entra-default",
            dialect: "legacy",
            settings: &settings,
            tags: vec!["scimconf-abc-0".into()],
            matching: ("userName", "displayName"),
        };
        let c = vec![
            captured(RequestKind::UserMatch, "Users", None, None),
            captured(
                RequestKind::UserCreate,
                "Users",
                Some(json!({"userName": "a"})),
                Some("11111111-aaaa"),
            ),
            captured(
                RequestKind::GroupCreate,
                "Groups",
                Some(json!({"displayName": "G"})),
                Some("22222222-bbbb"),
            ),
            captured(
                RequestKind::MembersAdd,
                "Groups/22222222-bbbb",
                Some(json!({"Operations": [{"value": [{"value": "11111111-aaaa"}]}]})),
                None,
            ),
        ];
        build(&export, &c, &[objects]).unwrap()
    }

    #[test]
    fn ids_become_placeholders_and_dependencies() {
        let s = scenario();
        let steps = &s.jobs[0].steps;
        assert_eq!(steps[0].saves.as_deref(), Some("u0"));
        assert_eq!(steps[1].unless.as_deref(), Some("u0"));
        assert_eq!(steps[3].path, "Groups/{{g0}}");
        assert_eq!(steps[3].needs, ["g0", "u0"]);
        assert_eq!(
            steps[3].body.as_ref().unwrap()["Operations"][0]["value"][0]["value"],
            "{{u0}}"
        );
        // It round-trips through its JSON and validates against the committed schema.
        let text = serde_json::to_string(&s).unwrap();
        let back: Scenario = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn results_make_the_model() {
        let s = scenario();
        let tries: Vec<Try> = [
            (0, Some(200), None),
            (1, Some(201), Some("srv-u0")),
            (2, Some(201), Some("srv-g0")),
            (3, Some(204), None),
        ]
        .into_iter()
        .map(|(step, status, id)| Try {
            job: 0,
            step,
            status,
            sent: 1000.0 + step as f64,
            elapsed_ms: 5.0,
            id: id.map(str::to_string),
            last: true,
            skipped: None,
            worker: Some("w1".into()),
        })
        .collect();
        let r = Results { tries };
        let applied = apply(&s, &r);
        let (m, ids) = &applied[0];
        assert_eq!(m.users[0].id.as_deref(), Some("srv-u0"));
        assert_eq!(m.users[0].created, Created::Acked);
        assert_eq!(m.groups[0].members.iter().copied().collect::<Vec<_>>(), [0]);
        assert_eq!(ids.len(), 2);
        assert_eq!(r.workers()["w1"], 4);
        let rec = Recorder::new(1);
        r.record(&s, &rec);
        assert_eq!(rec.kinds().iter().map(|k| k.count).sum::<u64>(), 4);
    }

    #[test]
    fn a_step_that_needs_an_unsaved_id_is_refused() {
        let settings = Settings::default();
        let export = Export {
            run_id: "abc",
            vendor: "v",
            dialect: "legacy",
            settings: &settings,
            tags: vec!["t".into()],
            matching: ("userName", "displayName"),
        };
        let mut objects = Objects::default();
        objects.users.insert(
            0,
            super::super::capture::Object {
                match_value: "a".into(),
                id: Some("id-0".into()),
            },
        );
        let c = vec![captured(RequestKind::ManagerLink, "Users/id-0", None, None)];
        assert!(build(&export, &c, &[objects])
            .unwrap_err()
            .contains("{{u0}}"));
    }
}
