//! A vendor's recorded baseline as a document (`scim-conformance report SNAPSHOT_DIR --html
//! FILE --markdown FILE`): per trial, what Entra sent and what the endpoint answered, as the
//! snapshot files hold them (normalized: `[tag]`, `[id]`, `[guid]` stand for what changes from
//! run to run). The HTML page is self-contained like the run report and escapes everything.

use std::fmt::Write as _;

use serde_json::Value;

use super::html::{esc, head};
use super::markdown::escape;
use crate::http::client::reason;
use crate::snapshot::baseline::{Baseline, BaselineExchange, BaselineTrial};

/// The suite of a trial name (`zenkit::users::create` -> `users`).
fn suite(t: &BaselineTrial) -> String {
    crate::core::naming::TrialId::parse(&t.trial)
        .map(|id| id.suite)
        .unwrap_or_else(|| "other".into())
}

fn pretty(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

fn answer(x: &BaselineExchange) -> String {
    match (x.status, &x.error) {
        (Some(s), _) => format!("{s} {}", reason(s)),
        (None, Some(e)) => format!("no response: {e}"),
        (None, None) => "no response".into(),
    }
}

fn exchange_html(x: &BaselineExchange) -> String {
    let mut s = format!(
        "<li><p class=\"xsum\">{} <code>{}</code> → {}</p><div class=\"exchange\"><h5>Entra sent</h5><pre class=\"http\"><strong>{}</strong>",
        esc(&x.step),
        esc(&x.request),
        esc(&answer(x)),
        esc(&x.request)
    );
    if let Some(b) = &x.request_body {
        let _ = write!(s, "\n\n{}", esc(&pretty(b)));
    }
    let _ = write!(
        s,
        "</pre><h5>The endpoint answered</h5><pre class=\"http\"><strong>{}</strong>",
        esc(&answer(x))
    );
    for (k, v) in &x.headers {
        let _ = write!(s, "\n{}: {}", esc(k), esc(v));
    }
    if !x.body.is_null() {
        let _ = write!(s, "\n\n{}", esc(&pretty(&x.body)));
    }
    s.push_str("</pre></div></li>");
    s
}

/// The baseline(s) as one HTML page.
pub fn html(baselines: &[Baseline]) -> String {
    let vendors: Vec<&str> = baselines.iter().map(|b| b.vendor.as_str()).collect();
    let mut s = head(&format!("SCIM baseline: {}", vendors.join(", ")));
    let _ = write!(
        s,
        "<header><h1>What Entra sends, and what the endpoint answered</h1><p class=\"counts\">The recorded baseline of {}: per trial, each request as Entra's provisioning service sends it and the answer recorded. Values that change from run to run are normalized (<code>[tag]</code>, <code>[id]</code>, <code>[guid]</code>, <code>[timestamp]</code>).</p></header><main id=\"main\">",
        esc(&vendors.join(", "))
    );
    for b in baselines {
        let _ = write!(
            s,
            "<section aria-labelledby=\"v-{0}\"><h2 id=\"v-{0}\">{1} <span class=\"dialect\">({2} trials, {3})</span></h2>",
            esc(&b.vendor),
            esc(&b.vendor),
            b.trials.len(),
            esc(&b.shown)
        );
        let mut suites: Vec<String> = Vec::new();
        for t in &b.trials {
            if !suites.contains(&suite(t)) {
                suites.push(suite(t));
            }
        }
        for su in suites {
            let _ = write!(s, "<h3>Suite <code>{}</code></h3>", esc(&su));
            for t in b.trials.iter().filter(|t| suite(t) == su) {
                let _ = write!(
                    s,
                    "<details class=\"trial-doc\"><summary><code>{}</code> — {} exchange(s)</summary><ol class=\"exchanges\">",
                    esc(&t.trial),
                    t.exchanges.len()
                );
                for x in &t.exchanges {
                    s.push_str(&exchange_html(x));
                }
                s.push_str("</ol></details>");
            }
        }
        if !b.unreadable.is_empty() {
            s.push_str("<p>Files that are not snapshots:</p><ul>");
            for (f, why) in &b.unreadable {
                let _ = write!(s, "<li><code>{}</code>: {}</li>", esc(f), esc(why));
            }
            s.push_str("</ul>");
        }
        s.push_str("</section>");
    }
    s.push_str("</main><footer><p>Written by scim-conformance from recorded snapshots. Self-contained: this page loads nothing from the network.</p></footer></body></html>\n");
    s
}

fn fence(s: &str) -> String {
    // A fence longer than any backtick run inside keeps the block whole.
    let longest = s
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0)
        .max(2);
    "`".repeat(longest + 1)
}

/// The baseline(s) as Markdown.
pub fn markdown(baselines: &[Baseline]) -> String {
    let mut s = String::from("# What Entra sends, and what the endpoint answered\n");
    for b in baselines {
        let _ = write!(
            s,
            "\n## {} ({} trials)\n",
            escape(&b.vendor),
            b.trials.len()
        );
        for t in &b.trials {
            let _ = write!(s, "\n### `{}`\n", t.trial.replace('`', "'"));
            for x in &t.exchanges {
                let mut block = x.request.clone();
                if let Some(body) = &x.request_body {
                    let _ = write!(block, "\n\n{}", pretty(body));
                }
                let _ = write!(block, "\n\n=> {}", answer(x));
                for (k, v) in &x.headers {
                    let _ = write!(block, "\n{k}: {v}");
                }
                if !x.body.is_null() {
                    let _ = write!(block, "\n\n{}", pretty(&x.body));
                }
                let f = fence(&block);
                let _ = write!(s, "\n{}:\n\n{f}\n{block}\n{f}\n", escape(&x.step));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::baseline::parse;

    fn sample() -> Vec<Baseline> {
        let text = r#"{"trial": "zenkit::users::create", "exchanges": [{"step": "create <b>", "request": "POST Users", "request_body": {"userName": "[tag]-<script>"}, "status": 201, "headers": {"content-type": "application/scim+json"}, "body": {"id": "[id]", "x": "```"}}]}"#;
        vec![Baseline {
            vendor: "zenkit".into(),
            shown: "snapshots/zenkit".into(),
            trials: vec![parse("users__create", text).unwrap()],
            unreadable: vec![],
        }]
    }

    #[test]
    fn html_shows_what_was_sent_and_answered() {
        let h = html(&sample());
        assert!(h.contains("<h5>Entra sent</h5>"));
        assert!(h.contains("&quot;userName&quot;: &quot;[tag]-&lt;script&gt;&quot;"));
        assert!(h.contains("201 Created"));
        assert!(!h.contains("<script>") && !h.contains("<b>"));
    }

    #[test]
    fn markdown_fences_hold() {
        let m = markdown(&sample());
        assert!(m.contains("### `zenkit::users::create`"));
        assert!(m.contains("````\nPOST Users"), "{m}");
        assert!(m.contains("=> 201 Created"));
    }
}
