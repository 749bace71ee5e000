//! Plain text: the failure message of one trial (what libtest prints under the trial) and the
//! end-of-run summary on stderr. Rendered only from the outcome model.

use std::fmt::Write as _;

use crate::core::text::trim;
use crate::http::client::reason;
use crate::outcome::{
    CleanupSummary, DiffLine, Exchange, Finding, FindingKind, Location, RecordedRequest,
    RecordedResponse, RunSummary, SnapshotResult, TrialOutcome, Verdict,
};

/// How many body bytes a failure message shows.
pub const SHOWN_BODY: usize = 600;

/// `suites/users.toml:42 › create [legacy] › step 2 "read back"`.
pub fn location(l: &Location) -> String {
    let mut s = format!("{}:{} › {}", l.file, l.line, l.entry);
    if let Some(d) = l.dialect {
        let _ = write!(s, " [{d}]");
    }
    if let Some((i, name)) = &l.step {
        let _ = write!(s, " › step {} \"{name}\"", i + 1);
    }
    s
}

/// `GET http://host/scim/Users?...`
pub fn request_line(r: &RecordedRequest) -> String {
    format!("{} {}", r.method, r.url)
}

/// The request line, headers and (trimmed) body.
pub fn request_dump(r: &RecordedRequest, max_body: usize) -> String {
    let mut s = request_line(r);
    for (k, v) in &r.headers {
        let _ = write!(s, "\n  {k}: {v}");
    }
    if let Some(b) = &r.body {
        let _ = write!(s, "\n  {}", trim(b, max_body));
    }
    s
}

/// `201 Created, application/scim+json, body: {...}`.
pub fn response_summary(r: &RecordedResponse, max_body: usize) -> String {
    format!(
        "{} {}, {}, body: {}",
        r.status,
        reason(r.status),
        r.header("content-type").unwrap_or("no content-type"),
        if r.body.is_empty() {
            "(empty)".to_string()
        } else {
            trim(&r.body, max_body).replace('\n', " ")
        }
    )
}

/// One finding as text, with the request and response it concerns.
pub fn finding(f: &Finding, exchanges: &[Exchange]) -> String {
    let at = location(&f.location);
    let x = f.exchange.and_then(|i| exchanges.get(i));
    let mut s = match f.kind {
        FindingKind::Expectation => {
            let mut s = format!(
                "{at} › expect[{}] ({}): {}",
                f.location.expect.unwrap_or(0),
                f.severity,
                f.summary
            );
            if let Some(e) = &f.expected {
                let _ = write!(s, "\n  expected: {e}");
            }
            if let Some(a) = &f.actual {
                let _ = write!(s, "\n  actual:   {a}");
            }
            if let Some(x) = x {
                let _ = write!(s, "\n  request:  {}", request_line(&x.request));
                if let Ok(r) = &x.response {
                    let _ = write!(s, "\n  response: {}", response_summary(r, SHOWN_BODY));
                    if !r.throttled.is_empty() {
                        let _ = write!(s, "\n  throttled first: {}", r.throttled.join("; "));
                    }
                }
            }
            s
        }
        FindingKind::Transport => {
            let mut s = format!("{at}: {}", f.summary);
            if let Some(x) = x {
                let _ = write!(s, "\n  request: {}", request_dump(&x.request, SHOWN_BODY));
            }
            s
        }
        _ => {
            let mut s = format!("{at}: {}", f.summary);
            if let Some(x) = x {
                let _ = write!(s, "\n  request:  {}", request_line(&x.request));
                if let Ok(r) = &x.response {
                    let _ = write!(s, "\n  response: {}", response_summary(r, SHOWN_BODY));
                }
            }
            s
        }
    };
    for n in &f.notes {
        let _ = write!(s, "\n  {n}");
    }
    if let Some(why) = &f.why {
        let _ = write!(s, "\n  why: {why}");
    }
    s
}

/// The snapshot comparison as text, when it fails the trial.
pub fn snapshot(r: &SnapshotResult) -> Option<String> {
    match r {
        SnapshotResult::Differs {
            path,
            diff,
            accept,
            pending,
        } => {
            let mut s = format!(
                "snapshot {path} differs from what the endpoint answered (- baseline, + now):"
            );
            for line in diff {
                match line {
                    DiffLine::Same(t) => {
                        let _ = write!(s, "\n    {t}");
                    }
                    DiffLine::Removed(t) => {
                        let _ = write!(s, "\n  - {t}");
                    }
                    DiffLine::Added(t) => {
                        let _ = write!(s, "\n  + {t}");
                    }
                    DiffLine::Gap(n) => {
                        let _ = write!(s, "\n  … {n} unchanged line(s)");
                    }
                }
            }
            let _ = write!(s, "\n  {accept}");
            if let Some(p) = pending {
                let _ = write!(s, " (or review {p} with `cargo insta review`)");
            }
            s.push_str("\n  skip snapshots for an exploratory run: `--snapshots off`");
            Some(s)
        }
        SnapshotResult::NoBaseline {
            path,
            accept,
            pending,
        } => {
            let mut s = format!("snapshot {path}: no baseline recorded yet\n  {accept}");
            if let Some(p) = pending {
                let _ = write!(s, " (or review {p} with `cargo insta review`)");
            }
            s.push_str("\n  skip snapshots for an exploratory run: `--snapshots off`");
            Some(s)
        }
        _ => None,
    }
}

/// The message libtest shows for a trial that fails the run: failing findings, then warnings,
/// then skipped steps, then the snapshot difference.
pub fn trial_message(o: &TrialOutcome, strict: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let (Verdict::Blocked, Some(b)) = (o.verdict, &o.blocked) {
        parts.push(format!("not tested: blocked by {} — {}", b.by, b.reason));
    }
    parts.extend(o.failures(strict).map(|f| finding(f, &o.exchanges)));
    parts.extend(
        o.warnings(strict)
            .map(|f| format!("warning: {}", finding(f, &o.exchanges))),
    );
    parts.extend(
        o.findings
            .iter()
            .filter(|f| f.kind == FindingKind::Deviation)
            .map(|f| format!("note: {}", finding(f, &o.exchanges))),
    );
    if !o.skipped_steps.is_empty() {
        parts.push(format!(
            "skipped after the failure: {}",
            o.skipped_steps.join(", ")
        ));
    }
    if let Some(s) = snapshot(&o.snapshot) {
        parts.push(s);
    }
    parts.join("\n\n")
}

/// `cleanup: run X created N resource(s), deleted N, left behind N` and one line per leftover.
pub fn cleanup(run_id: &str, c: &CleanupSummary) -> String {
    let mut s = format!(
        "cleanup: run {run_id} created {} resource(s), deleted {}, left behind {}",
        c.created,
        c.deleted,
        c.left_behind.len()
    );
    for (path, trial, why) in &c.left_behind {
        let _ = write!(s, "\n  left behind: {path} (trial {trial}): {why}");
    }
    s
}

/// The end-of-run summary for stderr: ignored trials, warnings, throttling, cleanup.
pub fn summary(run: &RunSummary) -> String {
    let mut out: Vec<String> = Vec::new();
    let ignored: Vec<String> = run
        .trials
        .iter()
        .filter_map(|t| t.ignored.as_ref().map(|r| format!("  {}: {r}", t.name)))
        .collect();
    if !ignored.is_empty() {
        out.push(format!(
            "ignored ({}; the vendor profile does not send what they test):\n{}",
            ignored.len(),
            ignored.join("\n")
        ));
    }
    let mut warnings: Vec<String> = Vec::new();
    for t in run.trials.iter().filter(|t| t.verdict == Verdict::Passed) {
        for f in t.warnings(run.strict) {
            warnings.push(format!(
                "warning: [{}] {}",
                t.name,
                finding(f, &t.exchanges)
            ));
        }
        for r in t.exchanges.iter().filter_map(|x| x.response.as_ref().ok()) {
            if !r.throttled.is_empty() {
                warnings.push(format!(
                    "throttled: [{}] waited out {} before an answer",
                    t.name,
                    r.throttled.join(", ")
                ));
            }
        }
    }
    if !warnings.is_empty() {
        out.push(format!(
            "warnings ({}: rfc findings Entra tolerates, which --strict fails on, and throttling waited out):\n{}",
            warnings.len(),
            warnings.join("\n\n")
        ));
    }
    if run.cleanup.created > 0 || !run.cleanup.left_behind.is_empty() {
        out.push(cleanup(&run.run_id, &run.cleanup));
    }
    out.join("\n\n")
}
