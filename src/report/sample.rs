//! A sample run for the writers' unit tests: a failing trial with its exchanges and a snapshot
//! diff, a transport error, a blocked, an ignored and a passing trial with a warning, two
//! answers slower than the default `--slow-ms` (a cleanup DELETE and a create), and a hostile
//! body (markup and a would-be script) that every writer must escape.

use std::time::Duration;

use crate::core::dialect::Dialect;
use crate::http::TransportError;
use crate::outcome::{
    Blocked, DiffLine, Exchange, Finding, FindingKind, Location, Phase, PreflightProblem,
    RecordedRequest, RecordedResponse, RunSummary, SnapshotResult, TrialOutcome, Verdict,
};
use crate::report::view::tests::{run as base_run, trial};
use crate::suite::expect::Severity;

/// A body no writer may pass through unescaped.
pub const HOSTILE: &str = "<script>alert('x')</script> & \"quotes\" ]]> `|`";

fn request(method: &str, path: &str, body: Option<&str>) -> RecordedRequest {
    RecordedRequest {
        method: method.into(),
        url: format!("http://127.0.0.1:2/scim/{path}"),
        headers: vec![
            ("Authorization".into(), "Bearer ***".into()),
            (
                "Content-Type".into(),
                "application/scim+json; charset=utf-8".into(),
            ),
        ],
        body: body.map(str::to_string),
    }
}

fn response(status: u16, body: &str) -> RecordedResponse {
    RecordedResponse {
        status,
        headers: vec![("content-type".into(), "application/scim+json".into())],
        body: body.into(),
        sent_at: None,
        elapsed: Duration::from_millis(12),
        throttled: vec![],
        waited: Duration::ZERO,
    }
}

fn location(entry: &str, step: usize, name: &str) -> Location {
    Location {
        file: "suites/users.toml".into(),
        line: 42,
        entry: entry.into(),
        dialect: Some(Dialect::Legacy),
        step: Some((step, name.into())),
        expect: Some(0),
    }
}

/// The failing trial: legacy disable answered 400.
pub fn failing() -> TrialOutcome {
    let mut t = trial(
        "entra-default::users::disable-and-enable::legacy",
        Verdict::Failed,
    );
    t.title = "PATCH active false disables; true re-enables".into();
    t.exchanges = vec![
        Exchange {
            step: Some(0),
            step_name: "create user".into(),
            phase: Phase::Step,
            request: request(
                "POST",
                "Users",
                Some(r#"{"userName":"scimconf-abc123-1-a@example.com"}"#),
            ),
            response: Ok(response(
                201,
                r#"{"id":"u1","userName":"scimconf-abc123-1-a@example.com"}"#,
            )),
        },
        Exchange {
            step: Some(1),
            step_name: "disable".into(),
            phase: Phase::Step,
            request: request(
                "PATCH",
                "Users/u1",
                Some(
                    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#,
                ),
            ),
            response: Ok(response(
                400,
                &format!(
                    r#"{{"detail":"active must be a boolean {}"}}"#,
                    HOSTILE.replace('"', "\\\"")
                ),
            )),
        },
        Exchange {
            step: None,
            step_name: "cleanup".into(),
            phase: Phase::Cleanup,
            request: request("DELETE", "Users/u1", None),
            response: Ok(RecordedResponse {
                elapsed: Duration::from_millis(5_500),
                ..response(204, "")
            }),
        },
    ];
    t.findings = vec![Finding {
        kind: FindingKind::Expectation,
        severity: Severity::Entra,
        location: location("disable-and-enable", 1, "disable"),
        summary: "status".into(),
        expected: Some("status in [200, 204]".into()),
        actual: Some("status 400".into()),
        why: Some("Entra's default dialect sends active as the string \"False\"".into()),
        exchange: Some(1),
        notes: vec![],
    }];
    t.skipped_steps = vec!["step 3 \"read back disabled\"".into()];
    t.snapshot = SnapshotResult::Differs {
        path: "snapshots/entra-default/users__disable-and-enable__legacy.snap".into(),
        diff: vec![
            DiffLine::Gap(4),
            DiffLine::Same("  \"exchanges\": [".into()),
            DiffLine::Removed("      \"status\": 204".into()),
            DiffLine::Added(format!("      \"status\": 400 {HOSTILE}")),
            DiffLine::Gap(9),
        ],
        accept: "accept it: re-run with `--snapshots record`".into(),
        pending: None,
    };
    t.duration = Duration::from_millis(40);
    t
}

/// A trial that got no answer.
pub fn transport() -> TrialOutcome {
    let mut t = trial("zenkit::users::create", Verdict::Failed);
    t.exchanges = vec![Exchange {
        step: Some(0),
        step_name: "create".into(),
        phase: Phase::Step,
        request: request("POST", "Users", Some("{}")),
        response: Err(TransportError::Timeout(Duration::from_secs(30))),
    }];
    t.findings = vec![Finding {
        kind: FindingKind::Transport,
        severity: Severity::Entra,
        location: location("create", 0, "create"),
        summary: "transport error: timed out after 30s (--timeout)".into(),
        expected: None,
        actual: None,
        why: None,
        exchange: Some(0),
        notes: vec![],
    }];
    t
}

/// A passing trial with an rfc warning.
pub fn warned() -> TrialOutcome {
    let mut t = trial("entra-default::users::create", Verdict::Passed);
    t.exchanges = vec![Exchange {
        step: Some(0),
        step_name: "create".into(),
        phase: Phase::Step,
        request: request("POST", "Users", Some(r#"{"userName":"x"}"#)),
        response: Ok(RecordedResponse {
            headers: vec![("content-type".into(), "application/json".into())],
            elapsed: Duration::from_millis(20_100),
            ..response(201, r#"{"id":"u2"}"#)
        }),
    }];
    t.findings = vec![Finding {
        kind: FindingKind::Expectation,
        severity: Severity::Rfc,
        location: location("create", 0, "create"),
        summary: "header Content-Type".into(),
        expected: Some("contains \"application/scim+json\"".into()),
        actual: Some("\"application/json\"".into()),
        why: None,
        exchange: Some(0),
        notes: vec![],
    }];
    t
}

/// A full sample run.
pub fn run() -> RunSummary {
    let mut blocked = trial(
        "entra-default::groups::add-members::legacy",
        Verdict::Blocked,
    );
    blocked.blocked = Some(Blocked {
        by: "entra-default::groups::create::legacy".into(),
        reason: "POST /Groups answered 400".into(),
        at: Some((0, vec![])),
    });
    let mut ignored = trial("zenkit::roles::complex-add::legacy", Verdict::Ignored);
    ignored.ignored = Some(crate::profile::Unmet::NotSent {
        vendor: "zenkit".into(),
        what: vec!["roles".into()],
    });
    let mut r = base_run(vec![
        failing(),
        transport(),
        warned(),
        blocked,
        ignored,
        trial("entra-default::auth::no-token-refused", Verdict::Passed),
    ]);
    r.warnings = vec!["--insecure: TLS certificates are NOT verified".into()];
    r.cleanup.created = 2;
    r.cleanup.deleted = 2;
    r
}

/// A preflight failure.
pub fn preflight() -> PreflightProblem {
    PreflightProblem {
        vendor: "zenkit".into(),
        target: "http://127.0.0.1:1/scim/".into(),
        sent: "GET http://127.0.0.1:1/scim/Users?filter=... (Authorization: Bearer ***)".into(),
        got: "could not connect: connection refused <b>".into(),
        fix: "start the endpoint".into(),
    }
}
