//! The outcome model: what a trial and a run produced, as typed data. Everything a reader sees —
//! libtest's failure messages, the stderr summary, every report — is rendered from these types
//! by `report`; nothing here is pre-formatted text beyond one-line facts.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::core::dialect::Dialect;
use crate::http::TransportError;
use crate::profile::Unmet;
use crate::suite::expect::Severity;

pub mod cause;
pub mod latency;

pub use cause::{Defect, Diagnosis};
pub use latency::{Latency, SlowRequest};

/// Who a trial is blocked by when the target itself stopped answering.
pub const BLOCKED_BY_TARGET: &str = "the target";

/// A trial's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// Every failing-level check held.
    Passed,
    /// A check failed (or the trial could not be run for a reason of its own).
    Failed,
    /// The subject could not be reached because of a defect another trial reports; not tested.
    Blocked,
    /// Not applicable to the vendor's profile (with its reason).
    Ignored,
}

impl Verdict {
    /// `passed`, `failed`, `blocked`, `ignored`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Blocked => "blocked",
            Verdict::Ignored => "ignored",
        }
    }

    /// Whether this verdict fails the run.
    pub fn fails_run(self) -> bool {
        matches!(self, Verdict::Failed | Verdict::Blocked)
    }
}

/// What kind of problem (or note) a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FindingKind {
    /// An unmet expectation.
    Expectation,
    /// No usable response: connection, timeout, TLS, redirect, oversized body...
    Transport,
    /// The credentials were refused before any SCIM request (e.g. the OAuth token endpoint
    /// refused the client credentials).
    Authentication,
    /// The trial could not be set up or continued (a placeholder without value, a capture
    /// missing from the response).
    Setup,
    /// The harness refused a request that would touch a resource this run did not create.
    Safety,
    /// Cleanup could not delete something this trial created.
    Cleanup,
    /// The endpoint's answers differ from the recorded snapshot.
    Snapshot,
    /// A preparation step fell back to a tolerant form (a note; the refusal is reported by
    /// the trial whose subject it is).
    Deviation,
    /// A check that the endpoint gives no way to verify (a warning, never a failure).
    Unverifiable,
    /// The trial failed among concurrent trials and passed when re-run alone (a warning).
    Concurrency,
}

impl FindingKind {
    /// A lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::Expectation => "expectation",
            FindingKind::Transport => "transport",
            FindingKind::Authentication => "authentication",
            FindingKind::Setup => "setup",
            FindingKind::Safety => "safety",
            FindingKind::Cleanup => "cleanup",
            FindingKind::Snapshot => "snapshot",
            FindingKind::Deviation => "deviation",
            FindingKind::Unverifiable => "unverifiable",
            FindingKind::Concurrency => "concurrency",
        }
    }
}

/// Where a finding arose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// The suite file as shown (`suites/users.toml`).
    pub file: String,
    /// The line of the entry, or of the step when there is one.
    pub line: usize,
    /// The entry id.
    pub entry: String,
    /// The dialect, for dialect-dependent entries.
    pub dialect: Option<Dialect>,
    /// The step (0-based index and name), if the finding concerns one.
    pub step: Option<(usize, String)>,
    /// The expectation index within the step, for expectation findings.
    pub expect: Option<usize>,
}

/// One problem (or note) found in a trial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Its kind.
    pub kind: FindingKind,
    /// How much it matters (expectations carry their own; other failures are `entra`).
    pub severity: Severity,
    /// Where.
    pub location: Location,
    /// A one-line statement: for expectations the subject (`/totalResults`), otherwise what
    /// happened (`transport error: timed out after 30s`).
    pub summary: String,
    /// What was expected, in words.
    pub expected: Option<String>,
    /// What came back, in words.
    pub actual: Option<String>,
    /// Why it matters to Entra.
    pub why: Option<String>,
    /// The exchange it concerns (index into the trial's exchanges).
    pub exchange: Option<usize>,
    /// Further one-line facts.
    pub notes: Vec<String>,
}

impl Finding {
    /// Whether this finding fails the trial: everything but `rfc` expectations (unless
    /// `fail_on`), deviations, unverifiable checks, and cleanup problems (what a run leaves
    /// behind fails the run as a whole, once, not every trial that met the same defect).
    pub fn fails(&self, fail_on: Severity) -> bool {
        match self.kind {
            FindingKind::Deviation | FindingKind::Unverifiable | FindingKind::Cleanup => false,
            FindingKind::Expectation | FindingKind::Concurrency => self.severity.fails(fail_on),
            _ => true,
        }
    }

    /// Whether this finding is a warning: shown, but not failing.
    pub fn is_warning(&self, fail_on: Severity) -> bool {
        !self.fails(fail_on) && self.kind != FindingKind::Deviation
    }
}

/// Which part of a trial an exchange belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// A step of the scenario.
    Step,
    /// A lookup or retry the harness made on its own (e.g. finding an unanswered create).
    Harness,
    /// Deleting what the trial created.
    Cleanup,
}

impl Phase {
    /// `step`, `harness` or `cleanup`, as reports name it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Step => "step",
            Phase::Harness => "harness",
            Phase::Cleanup => "cleanup",
        }
    }
}

/// A request as sent, with every secret redacted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Absolute URL (secrets in the query redacted).
    pub url: String,
    /// Headers, `Authorization` shown as `Bearer ***`.
    pub headers: Vec<(String, String)>,
    /// The body as text, if any.
    pub body: Option<String>,
}

/// A response as received, with every secret redacted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers (names lower-case), in order.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8; at most the client's cap).
    pub body: String,
    /// When the request was first sent, if known.
    pub sent_at: Option<SystemTime>,
    /// Time from sending to the last byte, retries included.
    pub elapsed: Duration,
    /// Throttling answers waited out before this one (`429 Too Many Requests (waited 1.0s)`).
    pub throttled: Vec<String>,
    /// How much of `elapsed` was spent waiting out those answers.
    pub waited: Duration,
}

impl RecordedResponse {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// How long the endpoint took to answer: `elapsed` less the time spent waiting out
    /// throttling (a Retry-After pause is Entra's own wait, not the endpoint's slowness).
    pub fn answer_time(&self) -> Duration {
        self.elapsed.saturating_sub(self.waited)
    }
}

/// One request and what came back.
#[derive(Clone, Debug, PartialEq)]
pub struct Exchange {
    /// The step (0-based index), if it belongs to one.
    pub step: Option<usize>,
    /// The step's name, or what the harness was doing (`cleanup`).
    pub step_name: String,
    /// Scenario step, harness lookup or cleanup.
    pub phase: Phase,
    /// The request as sent.
    pub request: RecordedRequest,
    /// The response, or why there was none.
    pub response: Result<RecordedResponse, TransportError>,
}

/// One line of a snapshot diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffLine {
    /// Unchanged context.
    Same(String),
    /// Only in the baseline.
    Removed(String),
    /// Only in the new answer.
    Added(String),
    /// Unchanged lines left out (how many).
    Gap(usize),
    /// Where the lines after it are: the exchange that changed, by step and request
    /// (`exchange 3 of 5, step "rename": PATCH Users/[user_id]`).
    Step(String),
}

/// The comparison of a trial's answers with its recorded snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotResult {
    /// Not compared, and why (`--snapshots off`, a transport failure...).
    Skipped(String),
    /// Equal to the baseline.
    Unchanged {
        /// The baseline as shown.
        path: String,
    },
    /// Written as the new baseline (`--snapshots record`).
    Recorded {
        /// The file written.
        path: String,
    },
    /// No baseline recorded yet.
    NoBaseline {
        /// Where the baseline would be.
        path: String,
        /// How to record it.
        accept: String,
        /// The pending `.snap.new` written for review, if any.
        pending: Option<String>,
    },
    /// The answers differ from the baseline.
    Differs {
        /// The baseline as shown.
        path: String,
        /// Baseline (removed) against new (added), with context.
        diff: Vec<DiffLine>,
        /// How to accept the new answers.
        accept: String,
        /// The pending `.snap.new` written for review, if any.
        pending: Option<String>,
    },
}

impl SnapshotResult {
    /// Whether the comparison fails the trial.
    pub fn fails(&self) -> bool {
        matches!(
            self,
            SnapshotResult::NoBaseline { .. } | SnapshotResult::Differs { .. }
        )
    }
}

/// Why a trial was not tested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// The trial that reports the defect in the way.
    pub by: String,
    /// The defect in one line.
    pub reason: String,
    /// The step (0-based) and the expectation indices whose failure blocked (empty when a status
    /// or a missing capture did).
    pub at: Option<(usize, Vec<usize>)>,
}

/// The defect a failing trial comes down to, for grouping failures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootCause {
    /// Stable across runs: the same defect has the same id (see [`Defect::id`]).
    pub id: String,
    /// The trial that reports it (its own name for a failure, the blocker's for a block).
    pub trial: String,
    /// The defect in one line.
    pub summary: String,
    /// What broke, as data (for a block: the refused request).
    pub defect: Defect,
    /// What it means and what to change, when the catalogue knows it.
    pub diagnosis: Option<&'static Diagnosis>,
    /// For an accepted change that was not applied: the request that was ignored.
    pub sent: Option<String>,
}

/// Everything a trial produced.
#[derive(Clone, Debug)]
pub struct TrialOutcome {
    /// Trial name (`vendor::suite::entry[::dialect]`).
    pub name: String,
    /// Vendor id.
    pub vendor: String,
    /// Suite name.
    pub suite: String,
    /// Entry id.
    pub entry: String,
    /// The entry's title.
    pub title: String,
    /// The documentation the entry replays.
    pub doc: Option<String>,
    /// The dialect, for dialect-dependent entries.
    pub dialect: Option<Dialect>,
    /// The verdict (settled by [`TrialOutcome::settle`]).
    pub verdict: Verdict,
    /// Why it is ignored.
    pub ignored: Option<Unmet>,
    /// Why it is blocked.
    pub blocked: Option<Blocked>,
    /// Problems and notes, in order.
    pub findings: Vec<Finding>,
    /// Every exchange, in order.
    pub exchanges: Vec<Exchange>,
    /// Steps not run after a failure (`step 3 "read back"`).
    pub skipped_steps: Vec<String>,
    /// Values captured from responses (name, value), in order.
    pub captured: Vec<(String, Value)>,
    /// The snapshot comparison.
    pub snapshot: SnapshotResult,
    /// Wall time.
    pub duration: Duration,
}

impl TrialOutcome {
    /// Forgets the headers and bodies of every exchange, keeping each request's method, URL and
    /// answer status (the request budget still counts them): what a run keeps of a passed trial
    /// when no report will render its exchanges.
    pub fn drop_bodies(&mut self) {
        for x in &mut self.exchanges {
            x.request.headers = Vec::new();
            x.request.body = None;
            if let Ok(r) = &mut x.response {
                r.headers = Vec::new();
                r.body = String::new();
            }
        }
        self.captured = Vec::new();
    }

    /// An outcome with no findings yet.
    pub fn new(name: &str) -> TrialOutcome {
        let id = crate::core::naming::TrialId::parse(name).unwrap_or_default();
        let (vendor, suite, entry) = (id.vendor, id.suite, id.entry);
        TrialOutcome {
            name: name.to_string(),
            vendor,
            suite,
            entry,
            title: String::new(),
            doc: None,
            dialect: None,
            verdict: Verdict::Passed,
            ignored: None,
            blocked: None,
            findings: Vec::new(),
            exchanges: Vec::new(),
            skipped_steps: Vec::new(),
            captured: Vec::new(),
            snapshot: SnapshotResult::Skipped("not compared".into()),
            duration: Duration::ZERO,
        }
    }

    /// Whether the findings or the snapshot fail the trial.
    pub fn failed(&self, fail_on: Severity) -> bool {
        self.findings.iter().any(|f| f.fails(fail_on)) || self.snapshot.fails()
    }

    /// Findings that fail the trial.
    pub fn failures(&self, fail_on: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.fails(fail_on))
    }

    /// Findings shown as warnings (rfc findings when not fail_on, unverifiable checks).
    pub fn warnings(&self, fail_on: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.is_warning(fail_on))
    }

    /// Sets the verdict from what was found.
    pub fn settle(&mut self, fail_on: Severity) {
        self.verdict = if self.ignored.is_some() {
            Verdict::Ignored
        } else if self.blocked.is_some() {
            Verdict::Blocked
        } else if self.failed(fail_on) {
            Verdict::Failed
        } else {
            Verdict::Passed
        };
    }

    /// The defect this trial comes down to, when it fails the run. A blocked trial's is the
    /// refused request that blocked it (its step's exchange), under the trial that reports it.
    pub fn root_cause(&self, fail_on: Severity) -> Option<RootCause> {
        match self.verdict {
            Verdict::Blocked => self.blocked.as_ref().map(|b| {
                let at = b.at.as_ref().map(|(step, _)| *step);
                let exchange = at.and_then(|s| {
                    self.exchanges
                        .iter()
                        .rposition(|e| e.step == Some(s) && e.phase == Phase::Step)
                });
                let evidence = cause::Evidence {
                    exchange: exchange.filter(|_| b.by != BLOCKED_BY_TARGET),
                    kind: FindingKind::Setup.name(),
                    subject: &b.reason,
                    notes: &[],
                    mismatch: None,
                };
                let (defect, _) = cause::defect(evidence, &self.exchanges);
                let entry = crate::core::naming::TrialId::parse(&b.by).map(|id| id.entry);
                RootCause {
                    id: defect.id(),
                    trial: b.by.clone(),
                    summary: b.reason.clone(),
                    diagnosis: cause::diagnose(&defect, entry.as_deref().unwrap_or_default()),
                    defect,
                    sent: None,
                }
            }),
            Verdict::Failed => {
                let first = self.failures(fail_on).next();
                // A snapshot difference is the trial's own: its baseline names it.
                let (defect, sent) = match first {
                    Some(f) => cause::defect(f.into(), &self.exchanges),
                    None => {
                        let snapshot = Defect {
                            class: "snapshot".into(),
                            detail: match &self.snapshot {
                                SnapshotResult::Differs { path, .. }
                                | SnapshotResult::NoBaseline { path, .. } => path.clone(),
                                _ => self.name.clone(),
                            },
                            ..Defect::default()
                        };
                        (snapshot, None)
                    }
                };
                let summary = match first {
                    Some(f) => match (&f.expected, &f.actual) {
                        (Some(e), Some(a)) => format!("expected {e}, got {a}"),
                        _ => f.summary.clone(),
                    },
                    None => match &self.snapshot {
                        SnapshotResult::Differs { path, .. } => {
                            format!("answers differ from the snapshot {path}")
                        }
                        SnapshotResult::NoBaseline { path, .. } => {
                            format!("no baseline recorded yet at {path}")
                        }
                        _ => "failed".into(),
                    },
                };
                let diagnosis = cause::diagnose(&defect, &self.entry);
                Some(RootCause {
                    id: match diagnosis {
                        Some(d) if d.merge => defect.merged_id(&d.id),
                        _ => defect.id(),
                    },
                    trial: self.name.clone(),
                    summary,
                    diagnosis,
                    defect,
                    sent,
                })
            }
            _ => None,
        }
    }
}

/// One vendor's part of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VendorRun {
    /// Vendor id.
    pub vendor: String,
    /// The target as shown (secrets redacted), or the embedded server's URL.
    pub target: String,
    /// Whether the target is the embedded emulation.
    pub embedded: bool,
    /// Dialects replayed.
    pub dialects: Vec<Dialect>,
}

/// What the run left on the target.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CleanupSummary {
    /// Resources created.
    pub created: usize,
    /// Resources deleted again.
    pub deleted: usize,
    /// Resources left behind: (path, trial, why).
    pub left_behind: Vec<(String, String, String)>,
}

impl CleanupSummary {
    /// The summary with every secret scrubbed from the paths and reasons (an endpoint may echo
    /// a token back as an id).
    pub fn scrubbed(mut self, redactor: &crate::core::secret::Redactor) -> CleanupSummary {
        for (path, trial, why) in &mut self.left_behind {
            *path = redactor.scrub(path);
            *trial = redactor.scrub(trial);
            *why = redactor.scrub(why);
        }
        self
    }
}

/// A target the run could not test at all: Entra's Test Connection (the preflight) failed, so
/// no trial ran for its vendor. Reports show it as the run's one error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreflightProblem {
    /// The vendor whose target it is.
    pub vendor: String,
    /// The target as shown (secrets redacted).
    pub target: String,
    /// The request sent (secrets redacted).
    pub sent: String,
    /// What came back, in one line.
    pub got: String,
    /// The likely cause and fix.
    pub fix: String,
}

/// The whole run, for the summary and the reports.
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// The run id.
    pub run_id: String,
    /// The harness version.
    pub version: String,
    /// When the run started.
    pub started: SystemTime,
    /// How long it took.
    pub duration: Duration,
    /// The vendors run, with their targets.
    pub vendors: Vec<VendorRun>,
    /// `--fail_on`.
    pub fail_on: Severity,
    /// Every trial's outcome, in plan order.
    pub trials: Vec<TrialOutcome>,
    /// Run-level warnings (`--insecure`, a short token...).
    pub warnings: Vec<String>,
    /// What was cleaned up.
    pub cleanup: CleanupSummary,
    /// Whether the run was interrupted (SIGINT/SIGTERM) before every trial ran.
    pub interrupted: bool,
    /// Targets the preflight found untestable (then no trial ran; empty otherwise).
    pub preflight: Vec<PreflightProblem>,
    /// `--slow-ms`: answers slower than this are named in a warning (see [`RunSummary::latency`]).
    pub slow_threshold: Duration,
    /// Every request the run sent (every try, the preflight and the cleanup included).
    pub requests_sent: u64,
    /// The harness's own exchanges outside the trials' steps (the preflight, each cleanup
    /// DELETE and its read-back), recorded only when a HAR is written.
    pub harness: Vec<Exchange>,
}

impl RunSummary {
    /// Whether the reports show less than the whole run: interrupted, or stopped by a failed
    /// preflight.
    pub fn partial(&self) -> bool {
        self.interrupted || !self.preflight.is_empty()
    }

    /// The requests the run sent, per suite (in the trials' steps and lookups), in order of
    /// first appearance; the rest of [`RunSummary::requests_sent`] is the preflight and the
    /// cleanup.
    pub fn requests_by_suite(&self) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = Vec::new();
        for t in &self.trials {
            let n = t.exchanges.len() as u64;
            match out.iter_mut().find(|(s, _)| *s == t.suite) {
                Some(e) => e.1 += n,
                None if n > 0 => out.push((t.suite.clone(), n)),
                None => {}
            }
        }
        out
    }

    /// How long the endpoint took to answer the trials' requests, and which answers were slower
    /// than `--slow-ms` (a warning, never a failure).
    pub fn latency(&self) -> Latency {
        Latency::of(&self.trials, self.slow_threshold)
    }
}
