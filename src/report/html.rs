//! The HTML report: one self-contained page (inline style, no script, no external asset, a
//! Content-Security-Policy that forbids loading anything), readable from disk in light and dark
//! mode and by keyboard. A header (targets, vendors, dialects, run id, date, version,
//! verdict), the compatibility matrix (Entra capability by vendor and dialect), then failures
//! first — each with its "why", root cause, and the exact exchanges behind a `<details>`
//! disclosure — blocked trials by what blocks them, warnings, and the rest. Every text that
//! came from the run (a target controls the bodies) goes through [`esc`].

use std::fmt::Write as _;

use super::text;
use super::view::{self, Counts};
use crate::core::text::{human, trim};
use crate::http::client::reason;
use crate::outcome::{
    DiffLine, Exchange, Finding, Latency, RunSummary, SnapshotResult, TrialOutcome, Verdict,
};

/// How many bytes of one body the page shows (the JSON report keeps them all).
pub const SHOWN_BODY: usize = 64 * 1024;

/// The page's style sheet (light and dark).
pub const STYLE: &str = include_str!("html.css");

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A body for reading: pretty JSON when it is JSON, else the text; trimmed to [`SHOWN_BODY`].
pub fn body_text(body: &str) -> String {
    let pretty = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
        .and_then(|v| serde_json::to_string_pretty(&v).ok());
    trim(pretty.as_deref().unwrap_or(body), SHOWN_BODY)
}

/// `passed`, `failed`... as a badge (text and colour, never colour alone).
fn badge(v: Verdict) -> String {
    let (mark, label) = match v {
        Verdict::Passed => ("✓", "passed"),
        Verdict::Failed => ("✗", "failed"),
        Verdict::Blocked => ("⊘", "blocked"),
        Verdict::Ignored => ("–", "not applicable"),
    };
    format!(
        "<span class=\"badge v-{}\"><span aria-hidden=\"true\">{mark}</span> {label}</span>",
        v.name()
    )
}

/// The anchor of a trial.
fn anchor(i: usize) -> String {
    format!("t{i}")
}

/// One exchange: the request (line, headers, body) and the response (status, headers, body).
pub fn exchange(x: &Exchange) -> String {
    let mut s = String::from("<div class=\"exchange\"><h5>Request</h5><pre class=\"http\">");
    let _ = write!(
        s,
        "<strong>{} {}</strong>",
        esc(&x.request.method),
        esc(&x.request.url)
    );
    for (k, v) in &x.request.headers {
        let _ = write!(s, "\n{}: {}", esc(k), esc(v));
    }
    if let Some(b) = &x.request.body {
        let _ = write!(s, "\n\n{}", esc(&body_text(b)));
    }
    s.push_str("</pre><h5>Response</h5><pre class=\"http\">");
    match &x.response {
        Ok(r) => {
            let _ = write!(s, "<strong>{} {}</strong>", r.status, esc(reason(r.status)));
            for (k, v) in &r.headers {
                let _ = write!(s, "\n{}: {}", esc(k), esc(v));
            }
            if !r.body.is_empty() {
                let _ = write!(s, "\n\n{}", esc(&body_text(&r.body)));
            }
            if !r.throttled.is_empty() {
                let _ = write!(s, "\n\n(throttled first: {})", esc(&r.throttled.join("; ")));
            }
        }
        Err(e) => {
            let _ = write!(s, "<strong>no response</strong>: {}", esc(&e.to_string()));
        }
    }
    s.push_str("</pre></div>");
    s
}

/// The summary line of an exchange's disclosure: `PATCH …/Users/u1 → 400 Bad Request`.
fn exchange_summary(x: &Exchange) -> String {
    let answer = match &x.response {
        Ok(r) => format!("{} {}", r.status, reason(r.status)),
        Err(e) => format!("no response: {e}"),
    };
    format!(
        "{} <code>{} {}</code> → {}",
        esc(&x.step_name),
        esc(&x.request.method),
        esc(&x.request.url),
        esc(&answer)
    )
}

/// One finding; its exchange is disclosed once per trial (`shown` holds those already shown).
fn finding(f: &Finding, t: &TrialOutcome, shown: &mut Vec<usize>) -> String {
    let mut s = String::from("<li class=\"finding\">");
    let _ = write!(
        s,
        "<p class=\"where\"><span class=\"kind\">{}</span> <span class=\"sev\">{}</span> {}</p>",
        esc(f.kind.name()),
        esc(f.severity.name()),
        esc(&text::location(&f.location))
    );
    let _ = write!(s, "<p class=\"summary\">{}</p>", esc(&f.summary));
    if f.expected.is_some() || f.actual.is_some() || f.why.is_some() {
        s.push_str("<dl class=\"facts\">");
        if let Some(e) = &f.expected {
            let _ = write!(s, "<dt>Expected</dt><dd>{}</dd>", esc(e));
        }
        if let Some(a) = &f.actual {
            let _ = write!(s, "<dt>Got</dt><dd>{}</dd>", esc(a));
        }
        if let Some(w) = &f.why {
            let _ = write!(
                s,
                "<dt>Why it matters</dt><dd class=\"why\">{}</dd>",
                esc(w)
            );
        }
        s.push_str("</dl>");
    }
    for n in &f.notes {
        let _ = write!(s, "<p class=\"note\">{}</p>", esc(n));
    }
    if let Some((i, x)) = f.exchange.and_then(|i| t.exchanges.get(i).map(|x| (i, x))) {
        if shown.contains(&i) {
            let _ = write!(
                s,
                "<p class=\"note\">The same exchange as above: {}</p>",
                exchange_summary(x)
            );
        } else {
            shown.push(i);
            let _ = write!(
                s,
                "<details><summary>Request and response: {}</summary>{}</details>",
                exchange_summary(x),
                exchange(x)
            );
        }
    }
    s.push_str("</li>");
    s
}

/// The snapshot difference, rendered as a diff.
fn snapshot(r: &SnapshotResult) -> Option<String> {
    match r {
        SnapshotResult::Differs {
            path, diff, accept, ..
        } => {
            let mut s = format!(
                "<details class=\"snapshot\" open><summary>Snapshot <code>{}</code> differs (− baseline, + now)</summary><pre class=\"diff\">",
                esc(path)
            );
            for line in diff {
                match line {
                    DiffLine::Same(t) => {
                        let _ = writeln!(s, "<span class=\"same\">  {}</span>", esc(t));
                    }
                    DiffLine::Removed(t) => {
                        let _ = writeln!(s, "<del>− {}</del>", esc(t));
                    }
                    DiffLine::Added(t) => {
                        let _ = writeln!(s, "<ins>+ {}</ins>", esc(t));
                    }
                    DiffLine::Gap(n) => {
                        let _ = writeln!(s, "<span class=\"gap\">  … {n} unchanged line(s)</span>");
                    }
                    DiffLine::Step(t) => {
                        let _ = writeln!(s, "<strong class=\"step\">@ {}</strong>", esc(t));
                    }
                }
            }
            let _ = write!(s, "</pre><p>{}</p></details>", esc(accept));
            Some(s)
        }
        SnapshotResult::NoBaseline { path, accept, .. } => Some(format!(
            "<p class=\"snapshot\">Snapshot <code>{}</code>: no baseline recorded yet. {}</p>",
            esc(path),
            esc(accept)
        )),
        _ => None,
    }
}

fn failed_trial(i: usize, t: &TrialOutcome, run: &RunSummary) -> String {
    let mut s = format!(
        "<article class=\"trial v-{}\" id=\"{}\" aria-labelledby=\"{}h\"><h3 id=\"{}h\">{} <code>{}</code></h3>",
        t.verdict.name(),
        anchor(i),
        anchor(i),
        anchor(i),
        badge(t.verdict),
        esc(&t.name)
    );
    if !t.title.is_empty() {
        let _ = write!(s, "<p class=\"title\">{}</p>", esc(&t.title));
    }
    if let Some(doc) = &t.doc {
        let _ = write!(s, "<p class=\"doc\">Replays: {}</p>", esc(doc));
    }
    if let Some(rc) = t.root_cause(run.fail_on) {
        let _ = write!(
            s,
            "<p class=\"root\"><strong>Root cause:</strong> {}</p>",
            esc(&rc.summary)
        );
    }
    let failures: Vec<&Finding> = t.failures(run.fail_on).collect();
    let mut shown = Vec::new();
    if !failures.is_empty() {
        s.push_str("<ol class=\"findings\">");
        for f in failures {
            s.push_str(&finding(f, t, &mut shown));
        }
        s.push_str("</ol>");
    }
    let warnings: Vec<&Finding> = t.warnings(run.fail_on).collect();
    if !warnings.is_empty() {
        s.push_str("<p class=\"sub\">Also warned:</p><ol class=\"findings warnings\">");
        for f in warnings {
            s.push_str(&finding(f, t, &mut shown));
        }
        s.push_str("</ol>");
    }
    if !t.skipped_steps.is_empty() {
        let _ = write!(
            s,
            "<p class=\"skipped\">Not sent after the failure: {}</p>",
            esc(&t.skipped_steps.join(", "))
        );
    }
    if let Some(snap) = snapshot(&t.snapshot) {
        s.push_str(&snap);
    }
    if !t.exchanges.is_empty() {
        let _ = write!(
            s,
            "<details class=\"all\"><summary>Every exchange of this trial ({})</summary><ol class=\"exchanges\">",
            t.exchanges.len()
        );
        for x in &t.exchanges {
            let _ = write!(
                s,
                "<li><p class=\"xsum\">{}</p>{}</li>",
                exchange_summary(x),
                exchange(x)
            );
        }
        s.push_str("</ol></details>");
    }
    s.push_str("</article>");
    s
}

fn header(run: &RunSummary) -> String {
    let verdict = view::run_verdict(run);
    let c = Counts::of(&run.trials);
    let mut s = format!(
        "<header><h1>SCIM conformance report</h1><p class=\"verdict r-{}\" role=\"status\">{}</p>",
        verdict.name(),
        esc(verdict.headline())
    );
    let _ = write!(
        s,
        "<p class=\"counts\">{} passed · {} failed · {} blocked · {} not applicable</p>",
        c.passed, c.failed, c.blocked, c.ignored
    );
    if run.partial() {
        let why = if run.interrupted {
            "the run was interrupted before every trial ran"
        } else {
            "the preflight failed, so no trial ran"
        };
        let _ = write!(
            s,
            "<p class=\"partial\" role=\"note\"><strong>Partial report:</strong> {why}.</p>"
        );
    }
    s.push_str("<dl class=\"run\">");
    let targets = view::targets(run);
    let _ = write!(
        s,
        "<dt>Target{}</dt><dd>{}</dd>",
        if targets.len() == 1 { "" } else { "s" },
        targets
            .iter()
            .map(|t| format!("<code>{}</code>", esc(t)))
            .collect::<Vec<_>>()
            .join("<br>")
    );
    let _ = write!(
        s,
        "<dt>Vendors</dt><dd>{}</dd>",
        run.vendors
            .iter()
            .map(|v| format!(
                "{}{}",
                esc(&v.vendor),
                if v.embedded {
                    " (embedded emulation)"
                } else {
                    ""
                }
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut dialects: Vec<&str> = Vec::new();
    for d in run.vendors.iter().flat_map(|v| v.dialects.iter()) {
        if !dialects.contains(&d.name()) {
            dialects.push(d.name());
        }
    }
    let _ = write!(s, "<dt>Dialects</dt><dd>{}</dd>", esc(&dialects.join(", ")));
    let _ = write!(
        s,
        "<dt>Run id</dt><dd><code>{}</code></dd>",
        esc(&run.run_id)
    );
    let started = view::rfc3339(run.started);
    let _ = write!(
        s,
        "<dt>Date</dt><dd><time datetime=\"{}\">{}</time> ({:.1} s)</dd>",
        esc(&started),
        esc(&started.replace('T', " ")),
        run.duration.as_secs_f64()
    );
    let _ = write!(
        s,
        "<dt>Version</dt><dd>scim-conformance {}</dd><dt>Fails on</dt><dd>{} checks and above</dd>",
        esc(&run.version),
        esc(run.fail_on.name())
    );
    s.push_str("</dl></header>");
    s
}

fn matrix(run: &RunSummary) -> String {
    let m = view::matrix(run);
    if m.rows.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "<section id=\"matrix\" aria-labelledby=\"matrix-h\"><h2 id=\"matrix-h\">Compatibility with Entra provisioning</h2>\
         <div class=\"scroll\" role=\"region\" aria-labelledby=\"matrix-h\" tabindex=\"0\"><table class=\"matrix\">\
         <caption>Trials by Entra capability (rows) and vendor in each PATCH dialect (columns). A dialect-independent trial counts in every dialect of its vendor.</caption>\
         <thead><tr><th scope=\"col\">Entra capability</th>",
    );
    for col in &m.columns {
        let _ = write!(
            s,
            "<th scope=\"col\">{}<br><span class=\"dialect\">{}</span></th>",
            esc(&col.vendor),
            esc(col.dialect.map(|d| d.name()).unwrap_or(""))
        );
    }
    s.push_str("</tr></thead><tbody>");
    for row in &m.rows {
        let _ = write!(s, "<tr><th scope=\"row\">{}</th>", esc(&row.label));
        for (ci, c) in row.cells.iter().enumerate() {
            let status = c.status();
            let class = status.map(|v| v.name()).unwrap_or("none");
            let mark = match status {
                Some(Verdict::Passed) => "✓",
                Some(Verdict::Failed) => "✗",
                Some(Verdict::Blocked) => "⊘",
                Some(Verdict::Ignored) => "–",
                None => "",
            };
            let label = match status {
                Some(v @ (Verdict::Failed | Verdict::Blocked)) => {
                    // Link the cell to its first failing trial.
                    let col = &m.columns[ci];
                    let first = run.trials.iter().position(|t| {
                        t.verdict == v && col.holds(t) && view::capability(t) == row.capability
                    });
                    match first {
                        Some(i) => format!("<a href=\"#{}\">{}</a>", anchor(i), esc(&c.detail())),
                        None => esc(&c.detail()),
                    }
                }
                _ => esc(&c.detail()),
            };
            let _ = write!(
                s,
                "<td class=\"v-{class}\"><span class=\"mark\" aria-hidden=\"true\">{mark}</span> {label}</td>"
            );
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div></section>");
    s
}

fn preflight(run: &RunSummary) -> String {
    if run.preflight.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "<section id=\"preflight\" aria-labelledby=\"preflight-h\"><h2 id=\"preflight-h\">Not tested: the preflight (Entra's Test Connection) failed</h2>",
    );
    for p in &run.preflight {
        let _ = write!(
            s,
            "<article class=\"trial v-failed\"><h3>{} <code>{}</code> at <code>{}</code></h3><dl class=\"facts\"><dt>Sent</dt><dd><code>{}</code></dd><dt>Got</dt><dd>{}</dd><dt>Fix</dt><dd class=\"why\">{}</dd></dl></article>",
            badge(Verdict::Failed),
            esc(&p.vendor),
            esc(&p.target),
            esc(&p.sent),
            esc(&p.got),
            esc(&p.fix)
        );
    }
    s.push_str("</section>");
    s
}

fn blocked(run: &RunSummary) -> String {
    let rows: Vec<(usize, &TrialOutcome)> = run
        .trials
        .iter()
        .enumerate()
        .filter(|(_, t)| t.verdict == Verdict::Blocked)
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "<section id=\"blocked\" aria-labelledby=\"blocked-h\"><h2 id=\"blocked-h\">Blocked ({})</h2>\
         <p>Not tested: another trial's defect is in the way. Fix the blocking trial first; these are not failures of their own.</p>\
         <div class=\"scroll\" role=\"region\" aria-labelledby=\"blocked-h\" tabindex=\"0\"><table><thead><tr><th scope=\"col\">Trial</th><th scope=\"col\">Blocked by</th><th scope=\"col\">Reason</th></tr></thead><tbody>",
        rows.len()
    );
    for (i, t) in rows {
        let (by, reason) = t
            .blocked
            .as_ref()
            .map(|b| (b.by.as_str(), b.reason.as_str()))
            .unwrap_or_default();
        let by_cell = match run.trials.iter().position(|x| x.name == by) {
            Some(j) => format!("<a href=\"#{}\"><code>{}</code></a>", anchor(j), esc(by)),
            None => format!("<code>{}</code>", esc(by)),
        };
        let _ = write!(
            s,
            "<tr id=\"{}\"><td><code>{}</code></td><td>{by_cell}</td><td>{}</td></tr>",
            anchor(i),
            esc(&t.name),
            esc(reason)
        );
    }
    s.push_str("</tbody></table></div></section>");
    s
}

fn warnings(run: &RunSummary) -> String {
    let warned: Vec<&TrialOutcome> = run
        .trials
        .iter()
        .filter(|t| t.verdict == Verdict::Passed && t.warnings(run.fail_on).next().is_some())
        .collect();
    let latency = run.latency();
    if warned.is_empty() && run.warnings.is_empty() && latency.slow.is_empty() {
        return String::new();
    }
    let n: usize = warned
        .iter()
        .map(|t| t.warnings(run.fail_on).count())
        .sum::<usize>()
        + run.warnings.len()
        + usize::from(!latency.slow.is_empty());
    let mut s = format!(
        "<section id=\"warnings\" aria-labelledby=\"warnings-h\"><h2 id=\"warnings-h\">Warnings ({n})</h2>\
         <p>Checks below the fail level (<code>{}</code>) — what Microsoft's gallery validation or the RFCs require though Entra tolerates it — checks the endpoint gives no way to verify, and answers slower than <code>--slow-ms</code>.</p>",
        esc(run.fail_on.name())
    );
    if !run.warnings.is_empty() {
        s.push_str("<ul>");
        for w in &run.warnings {
            let _ = write!(s, "<li>{}</li>", esc(w));
        }
        s.push_str("</ul>");
    }
    s.push_str(&slow(&latency));
    for t in warned {
        let _ = write!(
            s,
            "<details class=\"warned\"><summary><code>{}</code>: {} warning(s)</summary><ol class=\"findings warnings\">",
            esc(&t.name),
            t.warnings(run.fail_on).count()
        );
        let mut shown = Vec::new();
        for f in t.warnings(run.fail_on) {
            s.push_str(&finding(f, t, &mut shown));
        }
        s.push_str("</ol></details>");
    }
    s.push_str("</section>");
    s
}

/// The slow-answer warning: how many answers were slower than `--slow-ms`, the latency of all,
/// the slowest named; empty when none was.
fn slow(l: &Latency) -> String {
    if l.slow.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "<div class=\"slow\"><h3>Slow answers</h3><p>{} (<code>--slow-ms</code>); Entra's requests time out, so a slow endpoint risks <code>Timeout</code> errors in a real provisioning cycle. Latency: {}.</p><ol>",
        esc(&text::slow_head(l)),
        esc(&text::latency_figures(l))
    );
    for r in l.slowest() {
        let _ = write!(
            s,
            "<li><code>{} {}</code> in <code>{}</code>, {}: {}</li>",
            esc(&r.method),
            esc(&r.resource),
            esc(&r.trial),
            esc(&text::slow_where(r)),
            esc(&human(r.answer_time))
        );
    }
    s.push_str("</ol>");
    let more = l.slow.len() - l.slowest().len();
    if more > 0 {
        let _ = write!(
            s,
            "<p>… and {more} more (the JSON report lists every one).</p>"
        );
    }
    s.push_str("</div>");
    s
}

fn rest(run: &RunSummary) -> String {
    let passed: Vec<&TrialOutcome> = run
        .trials
        .iter()
        .filter(|t| t.verdict == Verdict::Passed)
        .collect();
    let ignored: Vec<&TrialOutcome> = run
        .trials
        .iter()
        .filter(|t| t.verdict == Verdict::Ignored)
        .collect();
    let mut s = String::from(
        "<section id=\"others\" aria-labelledby=\"others-h\"><h2 id=\"others-h\">Passed and not applicable</h2>",
    );
    if passed.is_empty() && ignored.is_empty() {
        s.push_str("<p>None.</p></section>");
        return s;
    }
    let _ = write!(
        s,
        "<details><summary>{} passed trial(s)</summary><ul class=\"names\">",
        passed.len()
    );
    for t in &passed {
        let _ = write!(
            s,
            "<li><code>{}</code>{}</li>",
            esc(&t.name),
            if t.title.is_empty() {
                String::new()
            } else {
                format!(" — {}", esc(&t.title))
            }
        );
    }
    s.push_str("</ul></details>");
    if ignored.is_empty() {
        s.push_str("</section>");
        return s;
    }
    let _ = write!(
        s,
        "<details><summary>{} not applicable to the vendor's profile</summary><ul class=\"names\">",
        ignored.len()
    );
    for t in &ignored {
        let _ = write!(
            s,
            "<li><code>{}</code>: {}</li>",
            esc(&t.name),
            esc(&t
                .ignored
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default())
        );
    }
    s.push_str("</ul></details></section>");
    s
}

fn cleanup(run: &RunSummary) -> String {
    let c = &run.cleanup;
    let mut s = format!(
        "<section id=\"cleanup\" aria-labelledby=\"cleanup-h\"><h2 id=\"cleanup-h\">Cleanup</h2><p>The run created {} resource(s) and deleted {}; {} left behind.</p>",
        c.created,
        c.deleted,
        c.left_behind.len()
    );
    if !c.left_behind.is_empty() {
        s.push_str("<ul>");
        for (path, trial, why) in &c.left_behind {
            let _ = write!(
                s,
                "<li><code>{}</code> (trial <code>{}</code>): {}</li>",
                esc(path),
                esc(trial),
                esc(why)
            );
        }
        let _ = write!(
            s,
            "</ul><p>Remove them with <code>scim-conformance cleanup --run-id {}</code>.</p>",
            esc(&run.run_id)
        );
    }
    s.push_str("</section>");
    s
}

/// The head of a page: charset, viewport, colour schemes, a policy that loads nothing, style.
pub fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>{}</title><style>{STYLE}</style></head><body>\
         <a class=\"skip\" href=\"#main\">Skip to the results</a>",
        esc(title)
    )
}

/// The whole page.
pub fn render(run: &RunSummary) -> String {
    let verdict = view::run_verdict(run);
    let mut s = head(&format!(
        "SCIM conformance: {} — run {}",
        verdict.headline(),
        run.run_id
    ));
    s.push_str(&header(run));
    let failures = view::failures_first(run);
    let failed: Vec<&&TrialOutcome> = failures
        .iter()
        .filter(|t| t.verdict == Verdict::Failed)
        .collect();
    s.push_str("<nav aria-label=\"Sections\"><ul>");
    if !run.preflight.is_empty() {
        s.push_str("<li><a href=\"#preflight\">Preflight</a></li>");
    }
    s.push_str("<li><a href=\"#matrix\">Compatibility</a></li>");
    let _ = write!(
        s,
        "<li><a href=\"#failures\">Failures ({})</a></li>",
        failed.len()
    );
    let blocked_html = blocked(run);
    let warnings_html = warnings(run);
    if !blocked_html.is_empty() {
        let n = failures.len() - failed.len();
        let _ = write!(s, "<li><a href=\"#blocked\">Blocked ({n})</a></li>");
    }
    if !warnings_html.is_empty() {
        s.push_str("<li><a href=\"#warnings\">Warnings</a></li>");
    }
    s.push_str("<li><a href=\"#others\">Passed</a></li><li><a href=\"#cleanup\">Cleanup</a></li></ul></nav><main id=\"main\">");
    s.push_str(&preflight(run));
    s.push_str(&matrix(run));
    let _ = write!(
        s,
        "<section id=\"failures\" aria-labelledby=\"failures-h\"><h2 id=\"failures-h\">Failures ({})</h2>",
        failed.len()
    );
    if failed.is_empty() {
        s.push_str("<p>No trial failed.</p>");
    }
    for t in &failed {
        let i = run
            .trials
            .iter()
            .position(|x| std::ptr::eq(x, **t))
            .unwrap_or_default();
        s.push_str(&failed_trial(i, t, run));
    }
    s.push_str("</section>");
    s.push_str(&blocked_html);
    s.push_str(&warnings_html);
    s.push_str(&rest(run));
    s.push_str(&cleanup(run));
    let _ = writeln!(
        s,
        "</main><footer><p>Written by scim-conformance {} from run <code>{}</code>. Self-contained: this page loads nothing from the network. Secrets are shown as <code>***</code>.</p></footer></body></html>",
        esc(&run.version),
        esc(&run.run_id)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn the_page_has_header_matrix_failures_and_escapes_everything() {
        let html = render(&sample::run());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<p class=\"verdict r-failed\" role=\"status\">FAILED</p>"));
        assert!(html.contains("<code>http://127.0.0.1:1/scim/</code>"));
        assert!(html.contains("<th scope=\"row\">Disable and enable</th>"));
        assert!(html.contains("1 of 1 failed"));
        // The request body that mattered, behind a disclosure.
        assert!(
            html.contains("&quot;value&quot;: &quot;False&quot;"),
            "pretty, escaped JSON"
        );
        assert!(html.contains("<details><summary>Request and response: disable <code>PATCH http://127.0.0.1:2/scim/Users/u1</code> → 400 Bad Request</summary>"));
        assert!(html.contains("Entra&#39;s default dialect sends active"));
        assert!(html.contains("<del>− "));
        assert!(!html.contains("<script"), "hostile text is escaped");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        // Failures before blocked before warnings before passed.
        let pos = |s: &str| html.find(s).unwrap_or_else(|| panic!("no {s}"));
        assert!(pos("id=\"failures\"") < pos("id=\"blocked\""));
        assert!(pos("id=\"blocked\"") < pos("id=\"warnings\""));
        assert!(pos("id=\"warnings\"") < pos("id=\"others\""));
        assert!(
            !html.contains("http://") || !html.contains("src=\"http"),
            "no external asset"
        );
        assert!(!html.contains("<link") && !html.contains("<img") && !html.contains("url("));
    }

    #[test]
    fn slow_answers_are_shown_among_the_warnings() {
        let html = render(&sample::run());
        let pos = |s: &str| html.find(s).unwrap_or_else(|| panic!("no {s}"));
        assert!(html.contains("<h3>Slow answers</h3><p>2 request(s) took longer than 5000 ms (<code>--slow-ms</code>)"), "{html}");
        assert!(html.contains("<li><code>POST Users</code> in <code>entra-default::users::create</code>, step 1 &quot;create&quot;: 20.10 s</li>"));
        assert!(pos("id=\"warnings\"") < pos("Slow answers"));
        assert!(pos("Slow answers") < pos("id=\"others\""));
        let mut fast = sample::run();
        fast.slow_threshold = std::time::Duration::from_secs(60);
        assert!(!render(&fast).contains("Slow answers"));
    }

    #[test]
    fn a_failed_preflight_is_shown_first() {
        let mut run = sample::run();
        run.trials.clear();
        run.preflight = vec![sample::preflight()];
        let html = render(&run);
        assert!(html.contains("NOT TESTED"));
        assert!(html.contains("Partial report:"));
        assert!(html.contains("connection refused &lt;b&gt;"));
    }

    #[test]
    fn control_characters_never_reach_the_page() {
        assert_eq!(esc("a\u{0}b\u{1b}[31m"), "a\u{FFFD}b\u{FFFD}[31m");
    }
}
