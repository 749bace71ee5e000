//! What the document reports (HTML, Markdown, JSON, JUnit) derive alike from the outcome model:
//! the run's verdict and counts, each trial's Entra capability, the compatibility matrix
//! (capability by vendor and dialect), the order failures are shown in, and timestamps.

use std::time::SystemTime;

use crate::core::dialect::Dialect;
use crate::outcome::{FindingKind, RunSummary, TrialOutcome, Verdict};

/// The Entra capabilities the matrix has rows for, in order: (key, label).
pub const CAPABILITIES: &[(&str, &str)] = &[
    ("connection", "Connection (Test Connection, token)"),
    ("users", "Users"),
    ("filters", "Filters"),
    ("disable", "Disable and enable"),
    ("groups", "Groups and members"),
    ("roles", "App roles"),
    ("enterprise", "Enterprise extension"),
    ("gallery", "Gallery checks"),
];

/// The capability a trial exercises (a key of [`CAPABILITIES`], or its own suite name for a
/// suite the matrix does not know): `auth` and `connection` are `connection`, an entry whose
/// id contains `disable` is `disable`, suite `gallery` is `gallery`, the rest their suite.
pub fn capability(t: &TrialOutcome) -> String {
    match t.suite.as_str() {
        "gallery" => "gallery".into(),
        "auth" | "connection" => "connection".into(),
        _ if t.entry.contains("disable") => "disable".into(),
        "users" | "filters" | "groups" | "roles" | "enterprise" => t.suite.clone(),
        other => other.to_string(),
    }
}

/// The label shown for a capability key.
pub fn capability_label(key: &str) -> String {
    CAPABILITIES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| (*l).to_string())
        .unwrap_or_else(|| format!("Suite `{key}`"))
}

/// The trial's dialect: its own, or the last part of its name for outcomes made only from a
/// name (ignored trials).
pub fn dialect_of(t: &TrialOutcome) -> Option<Dialect> {
    t.dialect
        .or_else(|| crate::core::naming::TrialId::parse(&t.name)?.dialect)
}

/// The run's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunVerdict {
    /// Every trial that ran passed and nothing was left behind.
    Passed,
    /// A trial failed or was blocked, or the run left resources behind.
    Failed,
    /// A target could not be tested at all (the preflight failed).
    Untestable,
}

impl RunVerdict {
    /// `passed`, `failed` or `untestable`.
    pub fn name(self) -> &'static str {
        match self {
            RunVerdict::Passed => "passed",
            RunVerdict::Failed => "failed",
            RunVerdict::Untestable => "untestable",
        }
    }

    /// `PASSED`, `FAILED` or `NOT TESTED`, for headlines.
    pub fn headline(self) -> &'static str {
        match self {
            RunVerdict::Passed => "PASSED",
            RunVerdict::Failed => "FAILED",
            RunVerdict::Untestable => "NOT TESTED",
        }
    }
}

/// The run's verdict from its trials, cleanup and preflight.
pub fn run_verdict(run: &RunSummary) -> RunVerdict {
    if !run.preflight.is_empty() {
        RunVerdict::Untestable
    } else if run.trials.iter().any(|t| t.verdict.fails_run())
        || !run.cleanup.left_behind.is_empty()
    {
        RunVerdict::Failed
    } else {
        RunVerdict::Passed
    }
}

/// How many trials have each verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Blocked by another trial's defect.
    pub blocked: usize,
    /// Not applicable to the vendor's profile.
    pub ignored: usize,
}

impl Counts {
    /// Counts these trials.
    pub fn of<'a>(trials: impl IntoIterator<Item = &'a TrialOutcome>) -> Counts {
        let mut c = Counts::default();
        for t in trials {
            c.add(t.verdict);
        }
        c
    }

    /// Counts one more verdict.
    pub fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Passed => self.passed += 1,
            Verdict::Failed => self.failed += 1,
            Verdict::Blocked => self.blocked += 1,
            Verdict::Ignored => self.ignored += 1,
        }
    }

    /// Every trial counted.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.blocked + self.ignored
    }

    /// The verdict the cell shows: failed over blocked over passed over ignored; `None` when
    /// empty.
    pub fn status(&self) -> Option<Verdict> {
        if self.failed > 0 {
            Some(Verdict::Failed)
        } else if self.blocked > 0 {
            Some(Verdict::Blocked)
        } else if self.passed > 0 {
            Some(Verdict::Passed)
        } else if self.ignored > 0 {
            Some(Verdict::Ignored)
        } else {
            None
        }
    }

    /// `3 of 5 passed` style detail for a cell: what the shown status counts.
    pub fn detail(&self) -> String {
        let ran = self.passed + self.failed + self.blocked;
        match self.status() {
            Some(Verdict::Failed) => format!("{} of {ran} failed", self.failed),
            Some(Verdict::Blocked) => format!("{} of {ran} blocked", self.blocked),
            Some(Verdict::Passed) => format!("{} passed", self.passed),
            Some(Verdict::Ignored) => format!("{} not applicable", self.ignored),
            None => "no trial".into(),
        }
    }
}

/// One column of the matrix: a vendor in a dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Vendor id.
    pub vendor: String,
    /// The dialect, if the vendor's run has any.
    pub dialect: Option<Dialect>,
}

impl Column {
    /// `zenkit (legacy)`.
    pub fn label(&self) -> String {
        match self.dialect {
            Some(d) => format!("{} ({d})", self.vendor),
            None => self.vendor.clone(),
        }
    }

    /// Whether a trial counts in this column: its vendor's, and its dialect or none (a
    /// dialect-independent entry counts in every dialect of its vendor).
    pub fn holds(&self, t: &TrialOutcome) -> bool {
        t.vendor == self.vendor
            && match (self.dialect, dialect_of(t)) {
                (Some(d), Some(td)) => d == td,
                _ => true,
            }
    }
}

/// One row of the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The capability key.
    pub capability: String,
    /// Its label.
    pub label: String,
    /// One cell per column.
    pub cells: Vec<Counts>,
}

/// The compatibility matrix: Entra capabilities by vendor and dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows: the known capabilities in order, then unknown suites in order of appearance;
    /// rows with no trial in any column are left out.
    pub rows: Vec<Row>,
}

/// The matrix of a run.
pub fn matrix(run: &RunSummary) -> Matrix {
    let mut columns = Vec::new();
    for v in &run.vendors {
        if v.dialects.is_empty() {
            columns.push(Column {
                vendor: v.vendor.clone(),
                dialect: None,
            });
        }
        for d in &v.dialects {
            columns.push(Column {
                vendor: v.vendor.clone(),
                dialect: Some(*d),
            });
        }
    }
    let mut keys: Vec<String> = CAPABILITIES.iter().map(|(k, _)| k.to_string()).collect();
    for t in &run.trials {
        let c = capability(t);
        if !keys.contains(&c) {
            keys.push(c);
        }
    }
    let rows = keys
        .into_iter()
        .map(|key| {
            let cells = columns
                .iter()
                .map(|col| {
                    Counts::of(
                        run.trials
                            .iter()
                            .filter(|t| col.holds(t) && capability(t) == key),
                    )
                })
                .collect::<Vec<_>>();
            Row {
                label: capability_label(&key),
                capability: key,
                cells,
            }
        })
        .filter(|r| r.cells.iter().any(|c| c.total() > 0))
        .collect();
    Matrix { columns, rows }
}

/// Whether a failed trial's failure is the harness's own kind of error (no usable answer, the
/// credentials refused, a setup or safety stop) rather than an unmet expectation.
pub fn is_error(t: &TrialOutcome, run: &RunSummary) -> bool {
    t.verdict == Verdict::Failed
        && t.failures(run.fail_on).any(|f| {
            matches!(
                f.kind,
                FindingKind::Transport
                    | FindingKind::Authentication
                    | FindingKind::Setup
                    | FindingKind::Safety
            )
        })
}

/// The trials that failed, in plan order, then the blocked ones.
pub fn failures_first(run: &RunSummary) -> Vec<&TrialOutcome> {
    let mut out: Vec<&TrialOutcome> = run
        .trials
        .iter()
        .filter(|t| t.verdict == Verdict::Failed)
        .collect();
    out.extend(run.trials.iter().filter(|t| t.verdict == Verdict::Blocked));
    out
}

/// RFC 3339 (UTC, milliseconds): `2026-11-27T15:09:00.123Z`.
pub fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The same instant as a fixed-offset date (for JUnit timestamps).
pub fn fixed(t: SystemTime) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::<chrono::Utc>::from(t).fixed_offset()
}

/// Every target of the run, once each (`http://127.0.0.1:4000/scim/`).
pub fn targets(run: &RunSummary) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in &run.vendors {
        if !out.contains(&v.target) {
            out.push(v.target.clone());
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::outcome::{CleanupSummary, VendorRun};
    use crate::suite::expect::Severity;
    use std::time::Duration;

    /// A run of two vendors: zenkit (legacy) and entra-default (both dialects).
    pub(crate) fn run(trials: Vec<TrialOutcome>) -> RunSummary {
        RunSummary {
            run_id: "abc123".into(),
            version: "0.1.0".into(),
            started: SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000),
            duration: Duration::from_millis(1500),
            vendors: vec![
                VendorRun {
                    vendor: "zenkit".into(),
                    target: "http://127.0.0.1:1/scim/".into(),
                    embedded: true,
                    dialects: vec![Dialect::Legacy],
                },
                VendorRun {
                    vendor: "entra-default".into(),
                    target: "http://127.0.0.1:2/scim/".into(),
                    embedded: true,
                    dialects: Dialect::ALL.to_vec(),
                },
            ],
            fail_on: Severity::Entra,
            trials,
            warnings: vec![],
            cleanup: CleanupSummary::default(),
            interrupted: false,
            preflight: vec![],
            slow_threshold: Duration::from_millis(crate::outcome::latency::DEFAULT_SLOW_MS),
            requests_sent: 0,
            harness: Vec::new(),
        }
    }

    pub(crate) fn trial(name: &str, v: Verdict) -> TrialOutcome {
        let mut t = TrialOutcome::new(name);
        t.dialect = dialect_of(&t);
        t.verdict = v;
        t
    }

    #[test]
    fn capabilities_come_from_suite_and_entry() {
        let c = |n: &str| capability(&TrialOutcome::new(n));
        assert_eq!(c("v::auth::no-token-refused"), "connection");
        assert_eq!(c("v::connection::users-probe"), "connection");
        assert_eq!(c("v::users::disable-and-enable::legacy"), "disable");
        assert_eq!(c("v::users::create"), "users");
        assert_eq!(c("v::gallery::disable-x"), "gallery");
        assert_eq!(c("v::load::bulk"), "load");
        assert_eq!(capability_label("load"), "Suite `load`");
    }

    #[test]
    fn matrix_counts_dialect_independent_trials_in_every_dialect() {
        let r = run(vec![
            trial("entra-default::users::create", Verdict::Passed),
            trial(
                "entra-default::users::disable-and-enable::legacy",
                Verdict::Failed,
            ),
            trial(
                "entra-default::users::disable-and-enable::compliant",
                Verdict::Passed,
            ),
            trial("zenkit::groups::create::legacy", Verdict::Blocked),
            trial("zenkit::roles::complex-add::legacy", Verdict::Ignored),
            trial("zenkit::weird::thing", Verdict::Passed),
        ]);
        let m = matrix(&r);
        let labels: Vec<String> = m.columns.iter().map(|c| c.label()).collect();
        assert_eq!(
            labels,
            [
                "zenkit (legacy)",
                "entra-default (legacy)",
                "entra-default (compliant)"
            ]
        );
        let row = |k: &str| m.rows.iter().find(|r| r.capability == k).unwrap();
        assert_eq!(row("users").cells[1].passed, 1);
        assert_eq!(row("users").cells[2].passed, 1);
        assert_eq!(row("disable").cells[1].status(), Some(Verdict::Failed));
        assert_eq!(row("disable").cells[2].status(), Some(Verdict::Passed));
        assert_eq!(row("groups").cells[0].status(), Some(Verdict::Blocked));
        assert_eq!(row("roles").cells[0].status(), Some(Verdict::Ignored));
        assert_eq!(row("weird").cells[0].status(), Some(Verdict::Passed));
        assert!(m.rows.iter().all(|r| r.capability != "gallery"));
        assert_eq!(run_verdict(&r), RunVerdict::Failed);
        assert_eq!(
            failures_first(&r)
                .iter()
                .map(|t| t.verdict)
                .collect::<Vec<_>>(),
            [Verdict::Failed, Verdict::Blocked]
        );
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(
            rfc3339(SystemTime::UNIX_EPOCH + Duration::from_millis(1_500)),
            "1970-01-01T00:00:01.500Z"
        );
    }
}
