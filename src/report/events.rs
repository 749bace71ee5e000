//! The harness's own line in libtest's `--format json` stream: after libtest's events, one
//! `{"type":"scim-conformance","event":"summary",...}` object with every trial's verdict, root
//! cause and warnings, and the cleanup summary — what libtest's own events cannot carry.

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
                "ignored": t.ignored,
                "warnings": t
                    .warnings(run.fail_on)
                    .map(|f| text::finding(f, &t.exchanges))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
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
    })
}
