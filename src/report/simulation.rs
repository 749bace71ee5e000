//! The simulation's reports, rendered from its typed result ([`SimReport`]): the versioned JSON
//! document (`simulation.schema.json` beside this file), JUnit with one test case per verdict
//! component (throughput, errors, end state, quarantine forecast, cleanup), a Markdown summary
//! and one self-contained HTML page with the verdict, the forecast, the throughput and latency
//! chart and every discrepancy with the requests behind it. The text summary on stderr shows
//! the first discrepancies; these hold them all. Every text in them came from the run, whose
//! target and messages are already free of secrets.

use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::{json, Value};

use super::format::{ReportFormat, ReportRequest};
use super::html::{esc, STYLE};
use super::write::{write_file, ReportError};
use crate::core::text::human;
use crate::simulate::chart::timeline_svg;
use crate::simulate::forecast::Outcome;
use crate::simulate::report::{Discrepancy, SimReport, StopReason, Throughput, VerdictStatus};

/// The JSON Schema of [`json`]'s document.
pub const SCHEMA: &str = include_str!("simulation.schema.json");

/// The version of the simulation report's format (changes when a field changes meaning or
/// goes away; adding a field does not change it).
pub const SCHEMA_VERSION: &str = "1";

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn throughput(t: &Throughput) -> Value {
    json!({
        "requests": t.requests,
        "served": t.served,
        "seconds": t.seconds,
        "initial_ms": ms(t.initial),
        "rps": t.rps,
        "served_rps": t.served_rps,
        "peak_rps": t.peak_rps,
        "mean_in_flight": t.mean_in_flight,
    })
}

fn discrepancy(d: &Discrepancy) -> Value {
    json!({
        "job": d.job,
        "object": d.object,
        "kind": d.kind.name(),
        "description": d.kind.describe(),
        "requests": d.requests.iter().map(|r| json!({
            "kind": r.kind.name(),
            "line": r.line,
            "outcome": r.outcome,
            "at_ms": ms(r.at),
        })).collect::<Vec<_>>(),
    })
}

/// Whether the forecast quarantines, in one word.
fn forecast_outcome(o: &Outcome) -> &'static str {
    match o {
        Outcome::BelowEvaluation => "below_evaluation",
        Outcome::NotQuarantined => "not_quarantined",
        Outcome::Quarantined(_) => "quarantined",
    }
}

/// The JSON document of a simulation.
pub fn json(r: &SimReport) -> Value {
    let st = &r.settings;
    let f = &r.forecast;
    let v = &r.verification;
    json!({
        "schema_version": SCHEMA_VERSION,
        "kind": "simulation",
        "tool": {"name": "scim-conformance", "version": env!("CARGO_PKG_VERSION")},
        "run": {
            "id": r.run_id,
            "vendor": r.vendor,
            "target": r.target,
            "embedded": r.embedded,
            "dialect": r.dialect.name(),
            "started": super::view::rfc3339(r.started),
            "duration_ms": ms(r.duration),
            "stopped": r.stopped.as_ref().map(|s| match s {
                StopReason::Signal(sig) => json!({"reason": "signal", "detail": sig}),
                StopReason::MaxDuration(d) => json!({"reason": "max_duration", "detail": human(*d)}),
            }),
        },
        "settings": {
            "users": st.users,
            "groups": st.groups,
            "members_per_group": st.members_per_group,
            "jobs": st.jobs,
            "pace": st.pace.to_string(),
            "concurrency": st.concurrency,
            "keep": st.keep,
            "seed": st.seed,
        },
        "plan": {
            "jobs": r.plan.jobs,
            "objects": r.plan.objects,
            "initial_requests": r.plan.initial_requests,
            "incremental_requests": r.plan.incremental_requests,
            "verification_requests": r.plan.verification_requests,
            "cleanup_requests": r.plan.cleanup_requests,
        },
        "throughput": throughput(&r.throughput),
        "jobs": r.jobs.iter().map(|j| json!({
            "job": j.job,
            "prefix": j.prefix,
            "throughput": throughput(&j.throughput),
        })).collect::<Vec<_>>(),
        "kinds": r.kinds.iter().map(|k| json!({
            "kind": k.kind.name(),
            "count": k.count,
            "errors": k.errors,
            "p50_ms": ms(k.p50),
            "p95_ms": ms(k.p95),
            "p99_ms": ms(k.p99),
            "max_ms": ms(k.max),
        })).collect::<Vec<_>>(),
        "errors": r.errors.iter().map(|e| json!({"class": e.class.to_string(), "count": e.count})).collect::<Vec<_>>(),
        "throttling": {
            "responses": r.throttling.responses,
            "pauses": r.throttling.pauses,
            "paused_ms": ms(r.throttling.paused),
            "gave_up": r.throttling.gave_up,
        },
        "lag": {
            "probes": r.lag.probes,
            "found": r.lag.found,
            "not_found": r.lag.not_found,
            "bound_ms": ms(r.lag.bound),
            "p50_ms": r.lag.p50.map(ms),
            "p95_ms": r.lag.p95.map(ms),
            "max_ms": r.lag.max.map(ms),
        },
        "projection": {
            "objects": r.projection.objects,
            "requests": r.projection.requests,
            "entra_min_s": r.projection.entra_min.as_secs_f64(),
            "entra_max_s": r.projection.entra_max.as_secs_f64(),
            "at_required_s": r.projection.at_required.as_secs_f64(),
            "at_measured_s": r.projection.at_measured.map(|d| d.as_secs_f64()),
        },
        "verdict": {
            "status": r.verdict.status.name(),
            "required_rps": r.verdict.required_rps,
            "achieved_rps": r.verdict.achieved_rps,
            "concurrency": r.verdict.concurrency,
            "reason": r.verdict.reason,
        },
        "forecast": {
            "users": f.users,
            "outcome": forecast_outcome(&f.outcome),
            "summary": f.describe(),
            "failed": f.counts.failed,
            "succeeded": f.counts.succeeded,
            "reference_failed": f.counts.reference_failed,
            "drivers": f.drivers.iter().map(|(k, n)| json!({"kind": k.name(), "failed": n})).collect::<Vec<_>>(),
        },
        "verification": {
            "users_checked": v.users_checked,
            "groups_checked": v.groups_checked,
            "skipped": v.skipped,
            "discrepancies": v.discrepancies.iter().map(discrepancy).collect::<Vec<_>>(),
            "notes": v.notes,
        },
        "cleanup": {
            "kept": st.keep,
            "created": r.cleanup.created,
            "deleted": r.cleanup.deleted,
            "left_behind": r.cleanup.left_behind.iter().map(|(path, job, why)| json!({"path": path, "job": job, "why": why})).collect::<Vec<_>>(),
        },
        "timing": {
            "gap_ms": ms(r.timing.gap),
            "cycle_interval_ms": r.timing.interval.map(ms),
            "entra_interval_ms": ms(crate::simulate::settings::ENTRA_CYCLE_INTERVAL),
            "compressed": r.timing.compressed(),
            "summary": r.timing.describe(),
        },
        "timeline": r.timeline.iter().map(|p| json!({
            "at_ms": ms(p.at),
            "width_ms": ms(p.width),
            "requests": p.requests,
            "errors": p.errors,
            "throttled": p.throttled,
            "p50_ms": ms(p.p50),
            "p99_ms": ms(p.p99),
        })).collect::<Vec<_>>(),
    })
}

/// Each verdict component: its name, and why it fails (`None` when it passes).
fn components(r: &SimReport) -> Vec<(&'static str, String, Option<String>)> {
    let failed: u64 = r.errors.iter().map(|e| e.count).sum();
    let v = &r.verification;
    let c = &r.cleanup;
    vec![
        (
            "throughput",
            format!(
                "{} {} requests/second per tenant: {}",
                r.verdict.status.head(),
                r.verdict.required_rps,
                r.verdict.reason
            ),
            (r.verdict.status != VerdictStatus::Met).then(|| r.verdict.reason.clone()),
        ),
        (
            "errors",
            format!(
                "{failed} failed request(s) of {}, {} throttled (429) answer(s)",
                r.throughput.requests, r.throttling.responses
            ),
            (failed > 0).then(|| {
                r.errors
                    .iter()
                    .map(|e| format!("{} x{}", e.class, e.count))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        ),
        (
            "end-state",
            match &v.skipped {
                Some(why) => format!("not verified: {why}"),
                None => format!(
                    "{} users and {} groups read back, {} discrepancies",
                    v.users_checked,
                    v.groups_checked,
                    v.discrepancies.len()
                ),
            },
            match &v.skipped {
                Some(why) => Some(format!("not verified: {why}")),
                None => (!v.discrepancies.is_empty()).then(|| {
                    v.discrepancies
                        .iter()
                        .map(|d| format!("job {} {}: {}", d.job, d.object, d.kind.describe()))
                        .collect::<Vec<_>>()
                        .join("\n")
                }),
            },
        ),
        (
            "forecast",
            r.forecast.describe(),
            matches!(r.forecast.outcome, Outcome::Quarantined(_)).then(|| r.forecast.describe()),
        ),
        (
            "cleanup",
            format!(
                "created {}, deleted {}, left behind {}",
                c.created,
                c.deleted,
                c.left_behind.len()
            ),
            (!c.left_behind.is_empty() && !r.settings.keep).then(|| {
                c.left_behind
                    .iter()
                    .map(|(path, job, why)| format!("{path} ({job}): {why}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
        ),
    ]
}

/// JUnit XML: one test suite, one test case per verdict component.
pub fn junit(r: &SimReport) -> Result<String, quick_junit::SerializeError> {
    let mut suite = TestSuite::new(format!("simulate::{}", r.vendor));
    suite.add_properties([
        Property::new("target", r.target.as_str()),
        Property::new("run_id", r.run_id.as_str()),
        Property::new("jobs", r.settings.jobs.to_string()),
        Property::new("users", r.settings.users.to_string()),
    ]);
    for (name, summary, failure) in components(r) {
        let status = match failure {
            None => TestCaseStatus::success(),
            Some(why) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(why.lines().next().unwrap_or_default().to_string());
                s.set_description(why);
                s
            }
        };
        let mut case = TestCase::new(name, status);
        case.set_classname("simulate");
        case.set_system_out(summary);
        suite.add_test_case(case);
    }
    let mut report = Report::new("scim-conformance simulate");
    report.add_test_suite(suite);
    report.to_string()
}

/// A short Markdown summary: the verdict, each component, and every discrepancy.
pub fn markdown(r: &SimReport) -> String {
    let mut s = format!(
        "## SCIM simulation: {} Microsoft's {} requests/second per tenant\n\n{} — run `{}`, vendor `{}`, {} job(s) of {} users, {} groups\n\n| component | result |\n|---|---|\n",
        r.verdict.status.head(),
        r.verdict.required_rps,
        r.target,
        r.run_id,
        r.vendor,
        r.settings.jobs,
        r.settings.users,
        r.settings.groups
    );
    for (name, summary, failure) in components(r) {
        let mark = if failure.is_some() { "❌" } else { "✅" };
        let _ = writeln!(
            s,
            "| {mark} {name} | {} |",
            summary.replace('|', "\\|").replace('\n', " ")
        );
    }
    let ds = &r.verification.discrepancies;
    if !ds.is_empty() {
        let _ = writeln!(s, "\n### Discrepancies ({})\n", ds.len());
        for d in ds {
            let _ = writeln!(s, "- job {} `{}`: {}", d.job, d.object, d.kind.describe());
            for q in &d.requests {
                let _ = writeln!(s, "  - `{}` → {} (at {})", q.line, q.outcome, human(q.at));
            }
        }
    }
    s
}

/// One self-contained HTML page (no script, nothing loaded).
pub fn html(r: &SimReport) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>SCIM simulation: {}</title><style>{STYLE}</style></head><body><main>",
        esc(r.verdict.status.head())
    );
    let _ = write!(
        s,
        "<header><h1>SCIM simulation: {} Microsoft's {} requests/second per tenant</h1><p>{}</p><p>Target <code>{}</code>, vendor <code>{}</code>, run <code>{}</code>, {} job(s) of {} users and {} groups, pace {}, concurrency {}; {}.</p></header>",
        esc(r.verdict.status.head()),
        r.verdict.required_rps,
        esc(&r.verdict.reason),
        esc(&r.target),
        esc(&r.vendor),
        esc(&r.run_id),
        r.settings.jobs,
        r.settings.users,
        r.settings.groups,
        esc(&r.settings.pace.to_string()),
        r.settings.concurrency,
        esc(&human(r.duration))
    );
    s.push_str("<section><h2>Verdict components</h2><table><thead><tr><th>component</th><th>result</th></tr></thead><tbody>");
    for (name, summary, failure) in components(r) {
        let _ = write!(
            s,
            "<tr class=\"{}\"><td>{}</td><td>{}</td></tr>",
            if failure.is_some() {
                "failed"
            } else {
                "passed"
            },
            esc(name),
            esc(&summary)
        );
    }
    s.push_str("</tbody></table></section>");
    let _ = write!(
        s,
        "<section><h2>Quarantine forecast</h2><p>{}</p></section>",
        esc(&r.forecast.describe())
    );
    let _ = write!(
        s,
        "<section><h2>Throughput and latency</h2><p>{} requests in {:.2} s: {:.1} req/s, {:.1} served/s, peak {:.1} req/s.</p><img alt=\"requests per second and latency over the run\" src=\"data:image/svg+xml;base64,{}\">",
        r.throughput.requests,
        r.throughput.seconds,
        r.throughput.rps,
        r.throughput.served_rps,
        r.throughput.peak_rps,
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, timeline_svg(&r.timeline))
    );
    s.push_str("<table><thead><tr><th>request kind</th><th>count</th><th>errors</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr></thead><tbody>");
    for k in &r.kinds {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(k.kind.name()),
            k.count,
            k.errors,
            esc(&human(k.p50)),
            esc(&human(k.p95)),
            esc(&human(k.p99)),
            esc(&human(k.max))
        );
    }
    s.push_str("</tbody></table></section>");
    let ds = &r.verification.discrepancies;
    let _ = write!(s, "<section><h2>Discrepancies ({})</h2>", ds.len());
    if ds.is_empty() {
        s.push_str("<p>None: everything read back as last sent.</p>");
    }
    for d in ds {
        let _ = write!(
            s,
            "<details class=\"discrepancy\"><summary>job {} <code>{}</code>: {}</summary><ul>",
            d.job,
            esc(&d.object),
            esc(&d.kind.describe())
        );
        for q in &d.requests {
            let _ = write!(
                s,
                "<li><code>{}</code> → {} (at {})</li>",
                esc(&q.line),
                esc(&q.outcome),
                esc(&human(q.at))
            );
        }
        s.push_str("</ul></details>");
    }
    s.push_str("</section></main></body></html>\n");
    s
}

/// Writes every requested report of a simulation; returns a line per file written. HAR is not
/// a simulation format (it would hold hundreds of thousands of exchanges).
pub fn write_all(r: &SimReport, requests: &[ReportRequest]) -> (Vec<String>, Vec<ReportError>) {
    let mut written = Vec::new();
    let mut failed = Vec::new();
    for q in requests {
        let text = match q.format {
            ReportFormat::Json => Ok(serde_json::to_string_pretty(&json(r)).unwrap_or_default() + "\n"),
            ReportFormat::Junit => junit(r).map_err(|e| e.to_string()),
            ReportFormat::Markdown => Ok(markdown(r)),
            ReportFormat::Html => Ok(html(r)),
            ReportFormat::Har => Err("simulate writes no HAR (a run sends hundreds of thousands of requests); the JSON and HTML reports name the requests behind every discrepancy".to_string()),
        };
        match text.map(|t| write_file(&q.path, &t)) {
            Ok(Ok(())) => written.push(format!(
                "wrote {} report: {}",
                q.format,
                crate::core::files::display_path(&q.path)
            )),
            Ok(Err(source)) => failed.push(ReportError::Io {
                format: q.format,
                path: q.path.clone(),
                source,
            }),
            Err(reason) => failed.push(ReportError::Render {
                format: q.format,
                path: q.path.clone(),
                reason,
            }),
        }
    }
    (written, failed)
}
