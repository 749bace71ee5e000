//! The harness's own line in libtest's `--format json` stream: after libtest's events, one
//! `{"type":"scim-conformance","event":"summary",...}` object with every trial's verdict, root
//! cause and warnings, the cleanup summary, and the latency (answers slower than `--slow-ms`,
//! the slowest named) — what libtest's own events cannot carry.

use serde_json::{json, Value};

use super::text;
use crate::outcome::RunSummary;

/// The summary event (one JSON object; print it on one line).
pub fn summary_event(run: &RunSummary) -> Value {
    let trials: Vec<Value> = run
        .trials
        .iter()
        .map(|t| {
            json!({
                "name": t.name,
                "verdict": t.verdict.name(),
                "root_cause": t.root_cause(run.fail_on).map(|r| json!({"trial": r.trial, "summary": r.summary})),
                "ignored": t.ignored.as_ref().map(ToString::to_string),
                "warnings": t
                    .warnings(run.fail_on)
                    .map(|f| text::finding(f, &t.exchanges))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let l = run.latency();
    json!({
        "type": "scim-conformance",
        "event": "summary",
        "run_id": run.run_id,
        "version": run.version,
        "interrupted": run.interrupted,
        "trials": trials,
        "warnings": run.warnings,
        "cleanup": {
            "created": run.cleanup.created,
            "deleted": run.cleanup.deleted,
            "left_behind": run.cleanup.left_behind.iter().map(|(p, t, w)| json!({"path": p, "trial": t, "why": w})).collect::<Vec<_>>(),
        },
        "latency": {
            "slow_ms": ms(l.threshold),
            "answered": l.answered,
            "median_ms": l.median.map(ms),
            "max_ms": l.max.map(ms),
            "slow": l.slow.len(),
            "slowest": l.slowest().iter().map(text::slow_request).collect::<Vec<_>>(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn the_event_names_the_slowest_answers() {
        let e = summary_event(&sample::run());
        assert_eq!(e["latency"]["slow_ms"], 5000);
        assert_eq!(e["latency"]["slow"], 2);
        assert_eq!(
            e["latency"]["slowest"][0],
            "POST Users in entra-default::users::create, step 1 \"create\" (20.10 s)"
        );
    }
}
