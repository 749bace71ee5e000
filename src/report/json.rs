//! The JSON report: the whole run as one documented, versioned JSON document. Its shape is
//! `report.schema.json` beside this file (JSON Schema 2020-12); [`SCHEMA_VERSION`] changes
//! when a field changes meaning or goes away (adding a field does not change it).

use serde::Serialize;
use serde_json::Value;

use super::view::{self, Counts};
use crate::http::client::reason;
use crate::outcome::{
    DiffLine, Exchange, Finding, Latency, PreflightProblem, RunSummary, SnapshotResult,
    TrialOutcome,
};

/// The version of the report's format.
pub const SCHEMA_VERSION: &str = "1";

/// The JSON Schema every JSON report validates against.
pub const SCHEMA: &str = include_str!("report.schema.json");

#[derive(Serialize)]
struct Report<'a> {
    schema_version: &'static str,
    tool: Tool<'a>,
    run: Run<'a>,
    counts: CountsJson,
    preflight: Vec<Preflight<'a>>,
    trials: Vec<Trial<'a>>,
    cleanup: Cleanup<'a>,
    latency: LatencyJson,
    requests: RequestsJson,
}

#[derive(Serialize)]
struct RequestsJson {
    total: u64,
    in_trials: u64,
    by_suite: serde_json::Map<String, Value>,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct Run<'a> {
    id: &'a str,
    started: String,
    duration_ms: u64,
    fail_on: &'static str,
    verdict: &'static str,
    partial: bool,
    interrupted: bool,
    vendors: Vec<Vendor<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct Vendor<'a> {
    vendor: &'a str,
    target: &'a str,
    embedded: bool,
    dialects: Vec<&'static str>,
}

#[derive(Serialize)]
struct CountsJson {
    total: usize,
    passed: usize,
    failed: usize,
    blocked: usize,
    ignored: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct Preflight<'a> {
    vendor: &'a str,
    target: &'a str,
    sent: &'a str,
    got: &'a str,
    fix: &'a str,
}

#[derive(Serialize)]
struct Trial<'a> {
    name: &'a str,
    vendor: &'a str,
    suite: &'a str,
    entry: &'a str,
    title: &'a str,
    doc: Option<&'a str>,
    dialect: Option<&'static str>,
    capability: String,
    verdict: &'static str,
    duration_ms: u64,
    ignored: Option<String>,
    blocked: Option<Blocked<'a>>,
    root_cause: Option<RootCause>,
    findings: Vec<FindingJson<'a>>,
    exchanges: Vec<ExchangeJson<'a>>,
    skipped_steps: &'a [String],
    snapshot: Snapshot<'a>,
    requests: usize,
}

#[derive(Serialize)]
struct Blocked<'a> {
    by: &'a str,
    reason: &'a str,
    step: Option<usize>,
    expectations: Vec<usize>,
}

#[derive(Serialize)]
struct RootCause {
    id: String,
    trial: String,
    summary: String,
    defect: DefectJson,
    diagnosis: Option<DiagnosisJson>,
    sent: Option<String>,
}

#[derive(Serialize)]
struct DefectJson {
    method: String,
    resource: String,
    shape: String,
    class: String,
    detail: String,
    symptom: Option<String>,
}

#[derive(Serialize)]
struct DiagnosisJson {
    id: String,
    says: String,
    fix: String,
    source: Option<String>,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    kind: &'static str,
    severity: &'static str,
    fails: bool,
    warning: bool,
    summary: &'a str,
    expected: Option<&'a str>,
    actual: Option<&'a str>,
    why: Option<&'a str>,
    location: LocationJson<'a>,
    exchange: Option<usize>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct LocationJson<'a> {
    file: &'a str,
    line: usize,
    entry: &'a str,
    dialect: Option<&'static str>,
    step: Option<usize>,
    step_name: Option<&'a str>,
    expect: Option<usize>,
}

#[derive(Serialize)]
struct Header<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct ExchangeJson<'a> {
    step: Option<usize>,
    step_name: &'a str,
    phase: &'static str,
    request: RequestJson<'a>,
    response: Option<ResponseJson<'a>>,
    error: Option<String>,
}

#[derive(Serialize)]
struct RequestJson<'a> {
    method: &'a str,
    url: &'a str,
    headers: Vec<Header<'a>>,
    body: Option<&'a str>,
}

#[derive(Serialize)]
struct ResponseJson<'a> {
    status: u16,
    reason: &'static str,
    headers: Vec<Header<'a>>,
    body: &'a str,
    elapsed_ms: u64,
    throttled: &'a [String],
}

#[derive(Serialize)]
struct Snapshot<'a> {
    result: &'static str,
    path: Option<&'a str>,
    reason: Option<&'a str>,
    accept: Option<&'a str>,
    pending: Option<&'a str>,
    diff: Vec<Value>,
}

#[derive(Serialize)]
struct Cleanup<'a> {
    created: usize,
    deleted: usize,
    left_behind: Vec<Leftover<'a>>,
}

#[derive(Serialize)]
struct Leftover<'a> {
    path: &'a str,
    trial: &'a str,
    why: &'a str,
}

#[derive(Serialize)]
struct LatencyJson {
    slow_ms: u64,
    answered: usize,
    median_ms: Option<u64>,
    max_ms: Option<u64>,
    slow: Vec<SlowJson>,
}

#[derive(Serialize)]
struct SlowJson {
    trial: String,
    step: Option<usize>,
    step_name: String,
    phase: &'static str,
    method: String,
    url: String,
    resource: String,
    answer_ms: u64,
    throttled: usize,
}

fn latency(l: Latency) -> LatencyJson {
    LatencyJson {
        slow_ms: ms(l.threshold),
        answered: l.answered,
        median_ms: l.median.map(ms),
        max_ms: l.max.map(ms),
        slow: l
            .slow
            .into_iter()
            .map(|s| SlowJson {
                phase: s.phase.name(),
                answer_ms: ms(s.answer_time),
                trial: s.trial,
                step: s.step,
                step_name: s.step_name,
                method: s.method,
                url: s.url,
                resource: s.resource,
                throttled: s.throttled,
            })
            .collect(),
    }
}

fn ms(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn headers(h: &[(String, String)]) -> Vec<Header<'_>> {
    h.iter()
        .map(|(name, value)| Header { name, value })
        .collect()
}

fn preflight(p: &PreflightProblem) -> Preflight<'_> {
    Preflight {
        vendor: &p.vendor,
        target: &p.target,
        sent: &p.sent,
        got: &p.got,
        fix: &p.fix,
    }
}

fn finding<'a>(f: &'a Finding, run: &RunSummary) -> FindingJson<'a> {
    FindingJson {
        kind: f.kind.name(),
        severity: f.severity.name(),
        fails: f.fails(run.fail_on),
        warning: f.is_warning(run.fail_on),
        summary: &f.summary,
        expected: f.expected.as_deref(),
        actual: f.actual.as_deref(),
        why: f.why.as_deref(),
        location: LocationJson {
            file: &f.location.file,
            line: f.location.line,
            entry: &f.location.entry,
            dialect: f.location.dialect.map(|d| d.name()),
            step: f.location.step.as_ref().map(|(i, _)| *i),
            step_name: f.location.step.as_ref().map(|(_, n)| n.as_str()),
            expect: f.location.expect,
        },
        exchange: f.exchange,
        notes: &f.notes,
    }
}

fn exchange(x: &Exchange) -> ExchangeJson<'_> {
    let (response, error) = match &x.response {
        Ok(r) => (
            Some(ResponseJson {
                status: r.status,
                reason: reason(r.status),
                headers: headers(&r.headers),
                body: &r.body,
                elapsed_ms: ms(r.elapsed),
                throttled: &r.throttled,
            }),
            None,
        ),
        Err(e) => (None, Some(e.to_string())),
    };
    ExchangeJson {
        step: x.step,
        step_name: &x.step_name,
        phase: x.phase.name(),
        request: RequestJson {
            method: &x.request.method,
            url: &x.request.url,
            headers: headers(&x.request.headers),
            body: x.request.body.as_deref(),
        },
        response,
        error,
    }
}

fn diff_line(l: &DiffLine) -> Value {
    match l {
        DiffLine::Same(t) => serde_json::json!({"op": "same", "text": t}),
        DiffLine::Removed(t) => serde_json::json!({"op": "removed", "text": t}),
        DiffLine::Added(t) => serde_json::json!({"op": "added", "text": t}),
        DiffLine::Gap(n) => serde_json::json!({"op": "gap", "lines": n}),
        DiffLine::Step(t) => serde_json::json!({"op": "step", "text": t}),
    }
}

fn snapshot(s: &SnapshotResult) -> Snapshot<'_> {
    let empty = Snapshot {
        result: "skipped",
        path: None,
        reason: None,
        accept: None,
        pending: None,
        diff: Vec::new(),
    };
    match s {
        SnapshotResult::Skipped(r) => Snapshot {
            reason: Some(r),
            ..empty
        },
        SnapshotResult::Unchanged { path } => Snapshot {
            result: "unchanged",
            path: Some(path),
            ..empty
        },
        SnapshotResult::Recorded { path } => Snapshot {
            result: "recorded",
            path: Some(path),
            ..empty
        },
        SnapshotResult::NoBaseline {
            path,
            accept,
            pending,
        } => Snapshot {
            result: "no_baseline",
            path: Some(path),
            accept: Some(accept),
            pending: pending.as_deref(),
            ..empty
        },
        SnapshotResult::Differs {
            path,
            diff,
            accept,
            pending,
        } => Snapshot {
            result: "differs",
            path: Some(path),
            accept: Some(accept),
            pending: pending.as_deref(),
            diff: diff.iter().map(diff_line).collect(),
            ..empty
        },
    }
}

fn trial<'a>(t: &'a TrialOutcome, run: &RunSummary) -> Trial<'a> {
    Trial {
        name: &t.name,
        vendor: &t.vendor,
        suite: &t.suite,
        entry: &t.entry,
        title: &t.title,
        doc: t.doc.as_deref(),
        dialect: view::dialect_of(t).map(|d| d.name()),
        capability: view::capability(t),
        verdict: t.verdict.name(),
        duration_ms: ms(t.duration),
        ignored: t.ignored.as_ref().map(ToString::to_string),
        blocked: t.blocked.as_ref().map(|b| Blocked {
            by: &b.by,
            reason: &b.reason,
            step: b.at.as_ref().map(|(s, _)| *s),
            expectations: b.at.as_ref().map(|(_, e)| e.clone()).unwrap_or_default(),
        }),
        root_cause: t.root_cause(run.fail_on).map(|r| RootCause {
            id: r.id,
            trial: r.trial,
            summary: r.summary,
            diagnosis: r.diagnosis.map(|d| DiagnosisJson {
                id: d.id.clone(),
                says: d.says.clone(),
                fix: d.fix.clone(),
                source: d.source.clone(),
            }),
            defect: DefectJson {
                method: r.defect.method,
                resource: r.defect.resource,
                shape: r.defect.shape,
                class: r.defect.class,
                detail: r.defect.detail,
                symptom: r.defect.symptom,
            },
            sent: r.sent,
        }),
        findings: t.findings.iter().map(|f| finding(f, run)).collect(),
        exchanges: t.exchanges.iter().map(exchange).collect(),
        skipped_steps: &t.skipped_steps,
        snapshot: snapshot(&t.snapshot),
        requests: t.exchanges.len(),
    }
}

/// The run as a JSON value (see `report.schema.json`).
pub fn value(run: &RunSummary) -> Value {
    let c = Counts::of(&run.trials);
    let l = run.latency();
    // The slow-answer warning counts once, as a run-level warning.
    let warnings = run
        .trials
        .iter()
        .map(|t| t.warnings(run.fail_on).count())
        .sum::<usize>()
        + run.warnings.len()
        + usize::from(!l.slow.is_empty());
    let report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "scim-conformance",
            version: &run.version,
        },
        run: Run {
            id: &run.run_id,
            started: view::rfc3339(run.started),
            duration_ms: ms(run.duration),
            fail_on: run.fail_on.name(),
            verdict: view::run_verdict(run).name(),
            partial: run.partial(),
            interrupted: run.interrupted,
            vendors: run
                .vendors
                .iter()
                .map(|v| Vendor {
                    vendor: &v.vendor,
                    target: &v.target,
                    embedded: v.embedded,
                    dialects: v.dialects.iter().map(|d| d.name()).collect(),
                })
                .collect(),
            warnings: &run.warnings,
        },
        counts: CountsJson {
            total: c.total(),
            passed: c.passed,
            failed: c.failed,
            blocked: c.blocked,
            ignored: c.ignored,
            warnings,
        },
        preflight: run.preflight.iter().map(preflight).collect(),
        trials: run.trials.iter().map(|t| trial(t, run)).collect(),
        cleanup: Cleanup {
            created: run.cleanup.created,
            deleted: run.cleanup.deleted,
            left_behind: run
                .cleanup
                .left_behind
                .iter()
                .map(|(path, trial, why)| Leftover { path, trial, why })
                .collect(),
        },
        latency: latency(l),
        requests: {
            let by_suite = run.requests_by_suite();
            let in_trials = by_suite.iter().map(|(_, n)| n).sum::<u64>();
            RequestsJson {
                total: run.requests_sent.max(in_trials),
                in_trials,
                by_suite: by_suite
                    .into_iter()
                    .map(|(s, n)| (s, Value::from(n)))
                    .collect(),
            }
        },
    };
    serde_json::to_value(report).unwrap_or(Value::Null)
}

/// The run as pretty-printed JSON text (with a final newline).
pub fn render(run: &RunSummary) -> String {
    let mut s = serde_json::to_string_pretty(&value(run)).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::sample;

    /// Validates a report against the committed schema; the errors as text.
    pub(crate) fn validate(v: &Value) -> Result<(), String> {
        let schema: Value = serde_json::from_str(SCHEMA).map_err(|e| e.to_string())?;
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler
            .add_resource("report.schema.json", schema)
            .map_err(|e| e.to_string())?;
        let id = compiler
            .compile("report.schema.json", &mut schemas)
            .map_err(|e| format!("{e:#}"))?;
        schemas.validate(v, id).map_err(|e| format!("{e:#}"))
    }

    #[test]
    fn sample_run_validates_against_the_schema() {
        let run = sample::run();
        let v = value(&run);
        validate(&v).unwrap();
        assert_eq!(v["schema_version"], "1");
        assert_eq!(v["run"]["verdict"], "failed");
        let failed = v["trials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["verdict"] == "failed")
            .unwrap();
        assert_eq!(failed["findings"][0]["expected"], "status in [200, 204]");
        assert!(failed["exchanges"][1]["request"]["body"]
            .as_str()
            .unwrap()
            .contains("\"False\""));
        assert_eq!(failed["snapshot"]["result"], "differs");
    }

    #[test]
    fn slow_answers_are_carried_as_data() {
        let v = value(&sample::run());
        validate(&v).unwrap();
        let l = &v["latency"];
        assert_eq!(l["slow_ms"], 5000);
        assert_eq!(l["answered"], 4);
        assert_eq!(l["max_ms"], 20_100);
        let slow = l["slow"].as_array().unwrap();
        assert_eq!(slow.len(), 2);
        assert_eq!(slow[0]["trial"], "entra-default::users::create");
        assert_eq!(slow[0]["phase"], "step");
        assert_eq!(slow[0]["step"], 0);
        assert_eq!(slow[0]["answer_ms"], 20_100);
        assert_eq!(slow[1]["phase"], "cleanup");
        assert_eq!(slow[1]["method"], "DELETE");
        assert_eq!(slow[1]["resource"], "Users/{id}");
        assert_eq!(slow[1]["url"], "http://127.0.0.1:2/scim/Users/u1");
        // The run still fails only for its own defects; the warning counts once.
        assert_eq!(v["run"]["verdict"], "failed");
        assert_eq!(v["counts"]["warnings"], 1 + 1 + 1);
        let mut fast = sample::run();
        fast.slow_threshold = std::time::Duration::from_secs(60);
        let v = value(&fast);
        validate(&v).unwrap();
        assert_eq!(v["latency"]["slow"], serde_json::json!([]));
        assert_eq!(v["counts"]["warnings"], 1 + 1);
    }

    #[test]
    fn an_untestable_run_validates_and_is_partial() {
        let mut run = sample::run();
        run.trials.clear();
        run.preflight = vec![sample::preflight()];
        let v = value(&run);
        validate(&v).unwrap();
        assert_eq!(v["run"]["verdict"], "untestable");
        assert_eq!(v["run"]["partial"], true);
    }

    #[test]
    fn the_schema_rejects_what_it_must() {
        let mut v = value(&sample::run());
        v["trials"][0]["verdict"] = "maybe".into();
        assert!(validate(&v).is_err());
        let mut v = value(&sample::run());
        v.as_object_mut().unwrap().remove("schema_version");
        assert!(validate(&v).is_err());
    }
}
