//! The Markdown summary: the verdict, the compatibility matrix and one line per failure — short
//! enough for `$GITHUB_STEP_SUMMARY` or a ticket. Every text from the run is escaped for
//! Markdown tables and inline code.

use std::fmt::Write as _;

use super::text;
use super::view::{self, Counts};
use crate::core::text::{human, trim};
use crate::outcome::{RunSummary, Verdict};

/// How many failures are listed one per line before the rest are counted.
pub const LISTED: usize = 50;

/// Text safe in a table cell or a list item: no line breaks, pipes and markup escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A cell of the matrix: `✅ passed`, `❌ 2 of 5 failed`...
pub fn cell(c: &Counts) -> String {
    let mark = match c.status() {
        Some(Verdict::Passed) => "✅",
        Some(Verdict::Failed) => "❌",
        Some(Verdict::Blocked) => "⛔",
        Some(Verdict::Ignored) => "➖",
        None => return "·".into(),
    };
    format!("{mark} {}", c.detail())
}

/// The summary of a run.
pub fn render(run: &RunSummary) -> String {
    let verdict = view::run_verdict(run);
    let c = Counts::of(&run.trials);
    let mut s = format!(
        "## SCIM conformance: {}{}\n\n",
        verdict.headline(),
        if run.interrupted {
            " (partial: interrupted)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "{} passed, {} failed, {} blocked, {} not applicable · run `{}` · scim-conformance {} · fail on `{}` · {}\n",
        c.passed,
        c.failed,
        c.blocked,
        c.ignored,
        escape(&run.run_id),
        escape(&run.version),
        run.fail_on.name(),
        view::rfc3339(run.started)
    );
    for v in &run.vendors {
        let _ = writeln!(
            s,
            "- **{}** at {} ({})",
            escape(&v.vendor),
            escape(&v.target),
            if v.dialects.is_empty() {
                "no dialect".to_string()
            } else {
                v.dialects
                    .iter()
                    .map(|d| d.name())
                    .collect::<Vec<_>>()
                    .join(" + ")
            }
        );
    }
    if !run.preflight.is_empty() {
        s.push_str("\n### Not tested: the preflight (Entra's Test Connection) failed\n\n");
        for p in &run.preflight {
            let _ = writeln!(
                s,
                "- **{}** at {}: {} — {}",
                escape(&p.vendor),
                escape(&p.target),
                escape(&p.got),
                escape(&p.fix)
            );
        }
    }
    let m = view::matrix(run);
    if !m.rows.is_empty() {
        s.push_str("\n### Compatibility\n\n| Entra capability |");
        for col in &m.columns {
            let _ = write!(s, " {} |", escape(&col.label()));
        }
        s.push_str("\n|---|");
        for _ in &m.columns {
            s.push_str("---|");
        }
        for row in &m.rows {
            let _ = write!(s, "\n| {} |", escape(&row.label));
            for c in &row.cells {
                let _ = write!(s, " {} |", cell(c));
            }
        }
        s.push('\n');
    }
    let failed: Vec<_> = run
        .trials
        .iter()
        .filter(|t| t.verdict == Verdict::Failed)
        .collect();
    if !failed.is_empty() {
        s.push_str("\n### Failures\n\n");
        for t in failed.iter().take(LISTED) {
            let summary = t
                .root_cause(run.fail_on)
                .map(|r| r.summary)
                .unwrap_or_default();
            let why = t
                .failures(run.fail_on)
                .find_map(|f| f.why.clone())
                .map(|w| format!(" — {}", escape(&trim(&w, 200))))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "- `{}`: {}{why}",
                t.name.replace('`', "'"),
                escape(&trim(&summary, 300))
            );
        }
        if failed.len() > LISTED {
            let _ = writeln!(s, "- … and {} more", failed.len() - LISTED);
        }
    }
    let blocked: Vec<_> = run
        .trials
        .iter()
        .filter_map(|t| t.blocked.as_ref().filter(|_| t.verdict == Verdict::Blocked))
        .collect();
    if !blocked.is_empty() {
        let mut by: Vec<(&str, usize)> = Vec::new();
        for b in &blocked {
            match by.iter_mut().find(|(n, _)| *n == b.by) {
                Some(e) => e.1 += 1,
                None => by.push((&b.by, 1)),
            }
        }
        let _ = writeln!(
            s,
            "\n{} trial(s) blocked (not tested: another trial's defect is in the way): {}",
            blocked.len(),
            by.iter()
                .map(|(n, k)| format!("{k} by `{}`", n.replace('`', "'")))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    s.push_str(&slow(run));
    if !run.cleanup.left_behind.is_empty() {
        let _ = writeln!(
            s,
            "\n**Left behind on the target:** {} resource(s); run `scim-conformance cleanup --run-id {}`",
            run.cleanup.left_behind.len(),
            escape(&run.run_id)
        );
    }
    s
}

/// Inline code safe in Markdown: backticks become apostrophes, line breaks spaces.
fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'").replace(['\n', '\r'], " "))
}

/// The slow-answer warning: how many, the latency of all, the slowest named; empty when no
/// answer was slower than `--slow-ms`.
fn slow(run: &RunSummary) -> String {
    let l = run.latency();
    if l.slow.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "\n### Slow answers (a warning)\n\n{} (`--slow-ms`); Entra's requests time out. Latency: {}.\n\n",
        escape(&text::slow_head(&l)),
        escape(&text::latency_figures(&l))
    );
    for r in l.slowest() {
        let _ = writeln!(
            s,
            "- {} in {}, {}: {}",
            code(&format!("{} {}", r.method, r.resource)),
            code(&r.trial),
            escape(&text::slow_where(r)),
            human(r.answer_time)
        );
    }
    let more = l.slow.len() - l.slowest().len();
    if more > 0 {
        let _ = writeln!(s, "- … and {more} more");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn summary_has_verdict_matrix_and_one_line_per_failure() {
        let md = render(&sample::run());
        assert!(md.starts_with("## SCIM conformance: FAILED"), "{md}");
        assert!(md.contains("| Entra capability | zenkit (legacy) | entra-default (legacy) | entra-default (compliant) |"), "{md}");
        assert!(md.contains("| Disable and enable |"), "{md}");
        assert!(md.contains("❌ 1 of 1 failed"), "{md}");
        assert!(md.contains(
            "- `entra-default::users::disable-and-enable::legacy`: expected status in \\[200, 204\\], got status 400"
        ), "{md}");
        assert!(md.contains("1 trial(s) blocked"), "{md}");
        assert!(!md.contains("<script>"));
    }

    #[test]
    fn slow_answers_are_a_short_warning() {
        let md = render(&sample::run());
        assert!(md.contains("### Slow answers (a warning)\n\n2 request(s) took longer than 5000 ms (`--slow-ms`); Entra's requests time out. Latency: median 2.76 s, max 20.10 s over 4 answered request(s).\n\n"), "{md}");
        assert!(
            md.contains(
                "- `POST Users` in `entra-default::users::create`, step 1 \"create\": 20.10 s\n"
            ),
            "{md}"
        );
        assert!(md.contains("- `DELETE Users/{id}` in `entra-default::users::disable-and-enable::legacy`, cleanup: 5.50 s\n"), "{md}");
        let mut fast = sample::run();
        fast.slow_threshold = std::time::Duration::from_secs(60);
        assert!(!render(&fast).contains("Slow answers"));
    }

    #[test]
    fn escaping_keeps_tables_whole() {
        assert_eq!(escape("a|b\nc<d>"), "a\\|b c\\<d\\>");
    }
}
