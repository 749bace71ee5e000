//! Plain text: the failure message of one trial (what libtest prints under the trial) and the
//! end-of-run summary on stderr. Rendered only from the outcome model.

use std::fmt::Write as _;

use crate::core::text::{human, trim};
use crate::http::client::summary_line;
use crate::outcome::{
    CleanupSummary, DiffLine, Exchange, Finding, FindingKind, Latency, Location, Phase,
    RecordedRequest, RecordedResponse, RunSummary, SlowRequest, SnapshotResult, TrialOutcome,
    Verdict,
};
use crate::profile::Unmet;
use crate::suite::expect::Severity;

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
    summary_line(r.status, r.header("content-type"), &r.body, max_body)
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
                if let Some(b) = x.request.body.as_deref().filter(|b| !b.is_empty()) {
                    let _ = write!(
                        s,
                        "\n  sent:     {}",
                        trim(b, SHOWN_BODY).replace('\n', " ")
                    );
                }
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
            s.push_str(&diff_lines(diff));
            let _ = write!(s, "\n  {accept}");
            if let Some(p) = pending {
                s.push_str(&review_hint(p));
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
                s.push_str(&review_hint(p));
            }
            s.push_str("\n  skip snapshots for an exploratory run: `--snapshots off`");
            Some(s)
        }
        _ => None,
    }
}

/// The message libtest shows for a trial that fails the run: failing findings, then warnings,
/// then skipped steps, then the snapshot difference.
pub fn trial_message(o: &TrialOutcome, fail_on: Severity) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let (Verdict::Blocked, Some(b)) = (o.verdict, &o.blocked) {
        parts.push(format!("not tested: blocked by {} — {}", b.by, b.reason));
    }
    parts.extend(o.failures(fail_on).map(|f| finding(f, &o.exchanges)));
    parts.extend(
        o.warnings(fail_on)
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

/// The ignored trials: a count per vendor and reason, or every trial with its reason (`full`).
pub fn ignored(trials: &[&TrialOutcome], full: bool) -> Option<String> {
    if trials.is_empty() {
        return None;
    }
    let mut out = format!(
        "ignored ({}; the vendor profiles do not send what they test{}):",
        trials.len(),
        if full {
            ""
        } else {
            "; --show-ignored lists them"
        }
    );
    if full {
        for t in trials {
            let _ = write!(
                out,
                "\n  {}: {}",
                t.name,
                t.ignored
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            );
        }
        return Some(out);
    }
    // One line per vendor: how many, what its Entra app does not send (each thing once),
    // and any other reason.
    struct Line<'a> {
        vendor: &'a str,
        trials: usize,
        not_sent: Vec<&'a str>,
        other: Vec<&'a str>,
    }
    let mut lines: Vec<Line> = Vec::new();
    for t in trials {
        let i = match lines.iter().position(|l| l.vendor == t.vendor) {
            Some(i) => i,
            None => {
                lines.push(Line {
                    vendor: &t.vendor,
                    trials: 0,
                    not_sent: Vec::new(),
                    other: Vec::new(),
                });
                lines.len() - 1
            }
        };
        let line = &mut lines[i];
        line.trials += 1;
        let (items, other) = match &t.ignored {
            Some(Unmet::NotSent { what, .. }) => (what.as_slice(), None),
            Some(Unmet::Run { why, .. }) => (&[][..], Some(why.as_str())),
            None => (&[][..], None),
        };
        for item in items {
            if !line.not_sent.contains(&item.as_str()) {
                line.not_sent.push(item);
            }
        }
        if let Some(why) = other.filter(|w| !line.other.contains(w)) {
            line.other.push(why);
        }
    }
    for l in lines {
        let mut why: Vec<String> = Vec::new();
        if !l.not_sent.is_empty() {
            why.push(format!(
                "its Entra app does not send {}",
                l.not_sent.join(", ")
            ));
        }
        why.extend(l.other.iter().map(ToString::to_string));
        let _ = write!(
            out,
            "\n  {}: {} trial(s) not applicable: {}",
            l.vendor,
            l.trials,
            why.join("; ")
        );
    }
    Some(out)
}

/// Warnings of passing trials (rfc findings, unverifiable checks) and throttling waited out.
pub fn warnings(run: &RunSummary) -> Option<String> {
    let mut warnings: Vec<String> = Vec::new();
    // Failures that went away when the trial was re-run alone: one line for all of them.
    let concurrent: Vec<(&TrialOutcome, &Finding)> = run
        .trials
        .iter()
        .filter(|t| t.verdict == Verdict::Passed)
        .flat_map(|t| {
            t.warnings(run.fail_on)
                .filter(|f| f.kind == FindingKind::Concurrency)
                .map(move |f| (t, f))
        })
        .collect();
    if let Some((first, f)) = concurrent.first() {
        warnings.push(format!(
            "warning: {} trial(s) failed among concurrent trials and passed when re-run alone (Entra sends requests in parallel), first [{}]: {}{}",
            concurrent.len(),
            first.name,
            f.summary,
            if concurrent.len() > 1 {
                format!(
                    "; also {}",
                    concurrent[1..]
                        .iter()
                        .take(5)
                        .map(|(t, _)| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                        + if concurrent.len() > 6 { ", ..." } else { "" }
                )
            } else {
                String::new()
            }
        ));
    }
    for t in run.trials.iter().filter(|t| t.verdict == Verdict::Passed) {
        for f in t
            .warnings(run.fail_on)
            .filter(|f| f.kind != FindingKind::Concurrency)
        {
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
    (!warnings.is_empty()).then(|| {
        format!(
            "warnings ({}: checks Entra tolerates, which --fail_on fails on, checks the endpoint gives no way to verify, and throttling waited out):\n{}",
            warnings.len(),
            warnings.join("\n\n")
        )
    })
}

/// Where in its trial a request was sent: `step 2 "rename"`, `harness lookup "find the
/// create"`, `cleanup`.
pub fn slow_where(r: &SlowRequest) -> String {
    match (r.phase, r.step) {
        (Phase::Step, Some(i)) => format!("step {} \"{}\"", i + 1, r.step_name),
        (Phase::Step, None) => format!("step \"{}\"", r.step_name),
        (Phase::Harness, _) => format!("harness lookup \"{}\"", r.step_name),
        (Phase::Cleanup, _) => "cleanup".into(),
    }
}

/// One slow request: `PATCH Users/{id} in v::users::rename, step 2 "rename" (20.10 s)`.
pub fn slow_request(r: &SlowRequest) -> String {
    let throttled = match r.throttled {
        0 => String::new(),
        n => format!(", after {n} throttling answer(s) waited out"),
    };
    format!(
        "{} {} in {}, {} ({}{throttled})",
        r.method,
        r.resource,
        r.trial,
        slow_where(r),
        human(r.answer_time)
    )
}

/// `3 request(s) took longer than 5000 ms`: the head of the slow-answer warning.
pub fn slow_head(l: &Latency) -> String {
    format!(
        "{} request(s) took longer than {} ms",
        l.slow.len(),
        l.threshold.as_millis()
    )
}

/// `median 12.3 ms, max 20.10 s over 412 answered request(s)`.
pub fn latency_figures(l: &Latency) -> String {
    match (l.median, l.max) {
        (Some(median), Some(max)) => format!(
            "median {}, max {} over {} answered request(s)",
            human(median),
            human(max),
            l.answered
        ),
        _ => "no request was answered".into(),
    }
}

/// The slow-answer warning: how many answers were slower than `--slow-ms`, the slowest named,
/// and the latency of all; none when no answer was slow. A warning only: it never fails a
/// trial or the run.
pub fn latency(run: &RunSummary) -> Option<String> {
    let l = run.latency();
    if l.slow.is_empty() {
        return None;
    }
    let mut s = format!(
        "warning: {} (--slow-ms; Entra's requests time out, and Microsoft asks for an answer within 60 s): slowest:",
        slow_head(&l)
    );
    for r in l.slowest() {
        let _ = write!(s, "\n  {}", slow_request(r));
    }
    let more = l.slow.len() - l.slowest().len();
    if more > 0 {
        let _ = write!(s, "\n  … and {more} more (the JSON report lists every one)");
    }
    let _ = write!(s, "\n  latency: {}", latency_figures(&l));
    Some(s)
}

/// The failures grouped by root cause, and the verdict line:
/// `verdict: FAILED — 14 of 49 trials did not pass: 3 root causes, 9 blocked`.
pub fn verdict(run: &RunSummary) -> String {
    let ran: Vec<&TrialOutcome> = run
        .trials
        .iter()
        .filter(|t| t.verdict != Verdict::Ignored)
        .collect();
    let failed: Vec<&TrialOutcome> = ran
        .iter()
        .copied()
        .filter(|t| t.verdict == Verdict::Failed)
        .collect();
    let blocked: Vec<&TrialOutcome> = ran
        .iter()
        .copied()
        .filter(|t| t.verdict == Verdict::Blocked)
        .collect();
    let ignored = run.trials.len() - ran.len();
    if failed.is_empty() && blocked.is_empty() {
        let warned = ran
            .iter()
            .filter(|t| t.warnings(run.fail_on).next().is_some())
            .count();
        return format!(
            "verdict: PASSED — {} trial(s) passed{}{}",
            ran.len(),
            if warned > 0 {
                format!(" ({warned} with warnings)")
            } else {
                String::new()
            },
            if ignored > 0 {
                format!(", {ignored} ignored")
            } else {
                String::new()
            }
        );
    }
    let causes = root_causes(run);
    let mut out = format!(
        "verdict: FAILED — {} of {} trial(s) did not pass: {} root cause(s){}{}",
        failed.len() + blocked.len(),
        ran.len(),
        causes.len(),
        if blocked.is_empty() {
            String::new()
        } else {
            format!(", {} blocked", blocked.len())
        },
        if ignored > 0 {
            format!(", {ignored} ignored")
        } else {
            String::new()
        }
    );
    for c in &causes {
        let first = c
            .trials
            .first()
            .cloned()
            .unwrap_or_else(|| format!("blocked by {}", c.cause.trial));
        let more = if c.trials.len() > 1 {
            format!(
                " (and {} more trial(s) with the same defect)",
                c.trials.len() - 1
            )
        } else {
            String::new()
        };
        let blocks = if c.blocks > 0 {
            format!("; blocks {}", c.blocks)
        } else {
            String::new()
        };
        let head = match c.cause.diagnosis {
            Some(d) => d.says.clone(),
            None => trim(&c.cause.summary, 200),
        };
        let _ = write!(out, "\n  [{}] {first}{more}: {head}{blocks}", c.cause.id);
        if !c.cause.defect.method.is_empty() {
            let _ = write!(
                out,
                "\n      defect: {}",
                trim(&c.cause.defect.label(), 200)
            );
        }
        if c.cause.diagnosis.is_some() {
            let _ = write!(out, "\n      seen: {}", trim(&c.cause.summary, 200));
        }
        if let Some(sent) = &c.cause.sent {
            let _ = write!(out, "\n      sent: {}", trim(sent, 200));
        }
        if let Some(d) = c.cause.diagnosis {
            let _ = write!(out, "\n      fix: {}", d.fix);
        }
    }
    out
}

/// One defect of a run: its root cause, the trials that fail on it, and how many trials it
/// blocks.
#[derive(Clone, Debug)]
pub struct CauseGroup {
    /// The root cause (of its first trial).
    pub cause: crate::outcome::RootCause,
    /// The trials failing on it (or, for a block no failing trial reports, blocked by it).
    pub trials: Vec<String>,
    /// Trials blocked by one of `trials`.
    pub blocks: usize,
}

/// The run's defects, grouped by root-cause id, in the order a vendor should fix them: what
/// blocks (and fails) the most first. A blocked trial counts under the defect of the trial
/// that blocks it; when that trial did not fail (it reports nothing), the refused request that
/// blocked it is a defect of its own.
pub fn root_causes(run: &RunSummary) -> Vec<CauseGroup> {
    let mut groups: Vec<CauseGroup> = Vec::new();
    let mut owner: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for t in run.trials.iter().filter(|t| t.verdict == Verdict::Failed) {
        let Some(rc) = t.root_cause(run.fail_on) else {
            continue;
        };
        let i = match groups.iter().position(|g| g.cause.id == rc.id) {
            Some(i) => i,
            None => {
                groups.push(CauseGroup {
                    cause: rc,
                    trials: Vec::new(),
                    blocks: 0,
                });
                groups.len() - 1
            }
        };
        groups[i].trials.push(t.name.clone());
        owner.insert(t.name.clone(), i);
    }
    for t in run.trials.iter().filter(|t| t.verdict == Verdict::Blocked) {
        let by = t.blocked.as_ref().map(|b| b.by.clone()).unwrap_or_default();
        if let Some(&i) = owner.get(&by) {
            groups[i].blocks += 1;
            continue;
        }
        let Some(rc) = t.root_cause(run.fail_on) else {
            continue;
        };
        match groups.iter_mut().find(|g| g.cause.id == rc.id) {
            Some(g) => g.blocks += 1,
            None => groups.push(CauseGroup {
                cause: rc,
                trials: Vec::new(),
                blocks: 1,
            }),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.blocks + g.trials.len()));
    groups
}

/// `requests: 812 sent — 560 by the trials (users 210, groups 180, ...), 252 preflight and
/// cleanup`: the run's request budget.
pub fn requests(run: &RunSummary) -> String {
    let by_suite = run.requests_by_suite();
    let in_trials: u64 = by_suite.iter().map(|(_, n)| n).sum();
    let total = run.requests_sent.max(in_trials);
    let mut suites = by_suite;
    suites.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let listed = suites
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "requests: {total} sent — {in_trials} by the trials ({listed}), {} preflight and cleanup",
        total - in_trials
    )
}

/// How to review the pending file `p` (`<dir>/<vendor>/<name>.snap.new`), one by one or all
/// at once, with or without cargo-insta.
fn review_hint(p: &str) -> String {
    let dir = std::path::Path::new(p)
        .parent()
        .and_then(std::path::Path::parent)
        .map_or_else(|| ".".into(), |d| d.display().to_string());
    format!(
        " (or review {p}: `scim-conformance review --snapshot-dir {dir}`, or `cargo insta review`)"
    )
}

/// A snapshot diff as text, a line each (each starting with a newline): `@` heads the exchange
/// that changed, `-` the baseline, `+` the new answer.
pub fn diff_lines(diff: &[DiffLine]) -> String {
    let mut s = String::new();
    for line in diff {
        let _ = match line {
            DiffLine::Same(t) => write!(s, "\n    {t}"),
            DiffLine::Removed(t) => write!(s, "\n  - {t}"),
            DiffLine::Added(t) => write!(s, "\n  + {t}"),
            DiffLine::Gap(n) => write!(s, "\n  … {n} unchanged line(s)"),
            DiffLine::Step(t) => write!(s, "\n  @ {t}"),
        };
    }
    s
}

/// The end-of-run summary for stderr: ignored trials (those `shown`), warnings, throttling,
/// slow answers, cleanup, and the verdict with the failures' root causes.
pub fn summary(run: &RunSummary, shown_ignored: &[&TrialOutcome], full_ignored: bool) -> String {
    let mut out: Vec<String> = Vec::new();
    out.extend(ignored(shown_ignored, full_ignored));
    out.extend(warnings(run));
    out.extend(latency(run));
    out.push(requests(run));
    // Always, also when the run created nothing ("created 0").
    out.push(cleanup(&run.run_id, &run.cleanup));
    out.push(verdict(run));
    out.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;
    use std::time::Duration;

    #[test]
    fn ignored_trials_are_one_line_per_vendor() {
        let t = |name: &str, why: Unmet| {
            let mut o = TrialOutcome::new(name);
            o.ignored = Some(why);
            o
        };
        let not_sent = |vendor: &str, what: &[&str]| Unmet::NotSent {
            vendor: vendor.into(),
            what: what.iter().map(|w| w.to_string()).collect(),
        };
        let trials = [
            t("zenkit::users::a", not_sent("zenkit", &["manager"])),
            t(
                "zenkit::users::b",
                not_sent("zenkit", &["title", "manager"]),
            ),
            t(
                "zenkit::auth::c",
                Unmet::Run {
                    vendor: "zenkit".into(),
                    why: "runs only with OAuth client credentials (--token-url)".into(),
                },
            ),
            t("zenya::users::d", not_sent("zenya", &["employeeNumber"])),
        ];
        let shown: Vec<&TrialOutcome> = trials.iter().collect();
        let text = ignored(&shown, false).unwrap();
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(
            lines,
            [
                "  zenkit: 3 trial(s) not applicable: its Entra app does not send manager, title; runs only with OAuth client credentials (--token-url)",
                "  zenya: 1 trial(s) not applicable: its Entra app does not send employeeNumber",
            ],
            "{text}"
        );
        let full = ignored(&shown, true).unwrap();
        assert!(full.contains("zenkit::users::b: zenkit's Entra app does not send title, manager"));
    }

    #[test]
    fn the_request_budget_is_per_suite_and_in_all() {
        let mut run = sample::run();
        let in_trials: usize = run.trials.iter().map(|t| t.exchanges.len()).sum();
        run.requests_sent = in_trials as u64 + 7;
        let line = requests(&run);
        assert!(
            line.starts_with(&format!(
                "requests: {} sent — {in_trials} by the trials (",
                in_trials + 7
            )),
            "{line}"
        );
        assert!(line.ends_with("7 preflight and cleanup"), "{line}");
        assert!(summary(&run, &[], false).contains(&line));
    }

    #[test]
    fn slow_answers_are_a_warning_naming_the_slowest() {
        let run = sample::run();
        let warning = latency(&run).expect("the sample has two slow answers");
        assert_eq!(
            warning,
            "warning: 2 request(s) took longer than 5000 ms (--slow-ms; Entra's requests time out, and Microsoft asks for an answer within 60 s): slowest:\n  \
             POST Users in entra-default::users::create, step 1 \"create\" (20.10 s)\n  \
             DELETE Users/{id} in entra-default::users::disable-and-enable::legacy, cleanup (5.50 s)\n  \
             latency: median 2.76 s, max 20.10 s over 4 answered request(s)"
        );
        let summary = summary(&run, &[], false);
        assert!(summary.contains(&warning), "{summary}");
        assert!(
            summary.find(&warning) < summary.find("verdict:"),
            "before the verdict"
        );
    }

    #[test]
    fn slow_answers_never_change_the_verdict() {
        let mut run = sample::run();
        run.slow_threshold = Duration::from_secs(3600);
        assert_eq!(latency(&run), None, "nothing slower than an hour");
        let unhurried = verdict(&run);
        run.slow_threshold = Duration::from_millis(1);
        assert!(latency(&run).is_some());
        assert_eq!(verdict(&run), unhurried);
        assert_eq!(
            crate::report::view::run_verdict(&run),
            crate::report::view::RunVerdict::Failed,
            "the sample fails for its own defects only"
        );
    }

    #[test]
    fn at_most_five_are_named_and_the_rest_counted() {
        let mut run = sample::run();
        run.slow_threshold = Duration::from_millis(1);
        let more = run.trials[2].exchanges[0].clone();
        run.trials[2]
            .exchanges
            .extend([more.clone(), more.clone(), more]);
        let warning = latency(&run).unwrap_or_default();
        assert!(
            warning.starts_with("warning: 7 request(s) took longer than 1 ms"),
            "{warning}"
        );
        let lines: Vec<&str> = warning.lines().collect();
        assert_eq!(lines.len(), 1 + 5 + 2, "{warning}");
        assert_eq!(lines[6], "  … and 2 more (the JSON report lists every one)");
        assert!(lines[7].starts_with("  latency: median "), "{warning}");
    }

    #[test]
    fn where_a_slow_request_was_sent() {
        let mut run = sample::run();
        run.slow_threshold = Duration::ZERO;
        let l = run.latency();
        let mut r = l.slow[0].clone();
        assert_eq!(slow_where(&r), "step 1 \"create\"");
        r.phase = Phase::Harness;
        r.step = None;
        r.step_name = "find the unanswered create".into();
        r.throttled = 2;
        assert_eq!(
            slow_request(&r),
            "POST Users in entra-default::users::create, harness lookup \"find the unanswered create\" (20.10 s, after 2 throttling answer(s) waited out)"
        );
    }
}
