//! JUnit XML for CI test publishers (GitHub, Azure Pipelines, GitLab, Jenkins), written with
//! nextest's `quick-junit`. One `testsuite` per vendor and dialect (dialect-independent
//! entries in the vendor's own suite), one `testcase` per trial (`classname` `vendor::suite`,
//! `name` the entry, with `::dialect` for dialect-dependent entries so every case stays unique
//! where publishers key cases by classname and name).
//!
//! An unmet expectation (or a snapshot difference) is a `failure`; a trial that could not be
//! run for a reason of its own (transport, authentication, setup, safety) is an `error`; an
//! ignored trial is `skipped` with the reason; a blocked trial is `skipped` with its root cause:
//! its subject was not tested, because another trial's defect is in the way, and that trial
//! already fails — counting it again would multiply one defect. Warnings and the trial's
//! exchanges (redacted) go in `system-out`. After a failed preflight there is one `error` case
//! per untestable target.

use std::fmt::Write as _;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::text;
use super::view;
use crate::core::dialect::Dialect;
use crate::outcome::{Exchange, RunSummary, TrialOutcome, Verdict};

/// How many body bytes of each exchange `system-out` keeps (the JSON report keeps them all).
pub const SYSTEM_OUT_BODY: usize = 4000;

/// Why the JUnit report could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("cannot write JUnit XML: {0}")]
pub struct JunitError(#[from] quick_junit::SerializeError);

fn properties(run: &RunSummary, vendor: &str, dialect: Option<Dialect>) -> Vec<Property> {
    let target = run
        .vendors
        .iter()
        .find(|v| v.vendor == vendor)
        .map(|v| v.target.clone())
        .unwrap_or_default();
    vec![
        Property::new("target", target),
        Property::new("vendor", vendor),
        Property::new("dialect", dialect.map(|d| d.name()).unwrap_or("any")),
        Property::new("run_id", run.run_id.as_str()),
        Property::new("harness_version", run.version.as_str()),
        Property::new("fail_on", run.fail_on.name()),
        Property::new("partial", run.partial().to_string()),
    ]
}

/// The exchanges as text: request line, headers and body, then the answer.
fn exchanges(xs: &[Exchange]) -> String {
    let mut s = String::new();
    for (i, x) in xs.iter().enumerate() {
        let _ = write!(
            s,
            "\n[{i}] {} ({:?})\n> {}",
            x.step_name,
            x.phase,
            text::request_dump(&x.request, SYSTEM_OUT_BODY).replace("\n  ", "\n> ")
        );
        match &x.response {
            Ok(r) => {
                let _ = write!(
                    s,
                    "\n< {} {}",
                    r.status,
                    crate::http::client::reason(r.status)
                );
                for (k, v) in &r.headers {
                    let _ = write!(s, "\n< {k}: {v}");
                }
                if !r.body.is_empty() {
                    let _ = write!(
                        s,
                        "\n< {}",
                        crate::core::text::trim(&r.body, SYSTEM_OUT_BODY)
                    );
                }
            }
            Err(e) => {
                let _ = write!(s, "\n< no response: {e}");
            }
        }
    }
    s
}

fn system_out(t: &TrialOutcome, run: &RunSummary) -> String {
    let mut s = format!("{}\n", t.title);
    for w in t.warnings(run.fail_on) {
        let _ = writeln!(s, "warning: {}", text::finding(w, &t.exchanges));
    }
    if !t.exchanges.is_empty() {
        let _ = write!(s, "exchanges:{}", exchanges(&t.exchanges));
    }
    s
}

fn case(t: &TrialOutcome, run: &RunSummary) -> TestCase {
    let status = match t.verdict {
        Verdict::Passed => TestCaseStatus::success(),
        Verdict::Failed => {
            let kind = if view::is_error(t, run) {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            };
            let mut s = TestCaseStatus::non_success(kind);
            let first = t.failures(run.fail_on).next();
            s.set_type(first.map(|f| f.kind.name()).unwrap_or("snapshot"));
            if let Some(rc) = t.root_cause(run.fail_on) {
                s.set_message(rc.summary);
            }
            s.set_description(text::trial_message(t, run.fail_on));
            s
        }
        Verdict::Blocked => {
            let mut s = TestCaseStatus::skipped();
            s.set_type("blocked");
            if let Some(b) = &t.blocked {
                s.set_message(format!(
                    "blocked, not tested: {} fails — {}",
                    b.by, b.reason
                ));
            }
            s
        }
        Verdict::Ignored => {
            let mut s = TestCaseStatus::skipped();
            s.set_type("ignored");
            s.set_message(format!(
                "not applicable: {}",
                t.ignored
                    .as_ref()
                    .map_or("not in the vendor's profile".into(), ToString::to_string)
            ));
            s
        }
    };
    let name = match (view::dialect_of(t), t.entry.is_empty()) {
        (_, true) => t.name.clone(),
        (Some(d), false) => format!("{}::{d}", t.entry),
        (None, false) => t.entry.clone(),
    };
    let mut c = TestCase::new(name, status);
    c.set_classname(format!("{}::{}", t.vendor, t.suite));
    c.set_time(t.duration);
    if t.verdict != Verdict::Ignored {
        c.set_system_out(system_out(t, run));
    }
    c
}

/// The JUnit report of a run.
pub fn report(run: &RunSummary) -> Report {
    let mut report = Report::new(format!("scim-conformance run {}", run.run_id));
    report.set_timestamp(view::fixed(run.started));
    report.set_time(run.duration);
    for p in &run.preflight {
        let mut suite = TestSuite::new(format!("{}::preflight", p.vendor));
        suite.set_timestamp(view::fixed(run.started));
        suite.add_properties(properties(run, &p.vendor, None));
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status
            .set_type("preflight")
            .set_message(format!("target cannot be tested: {}", p.got))
            .set_description(format!(
                "preflight (Entra's Test Connection) failed for {} at {}: no trial was run.\n  sent: {}\n  got:  {}\n  fix:  {}",
                p.vendor, p.target, p.sent, p.got, p.fix
            ));
        let mut c = TestCase::new("test-connection", status);
        c.set_classname(format!("{}::preflight", p.vendor));
        suite.add_test_case(c);
        report.add_test_suite(suite);
    }
    for v in &run.vendors {
        let groups: Vec<Option<Dialect>> = std::iter::once(None)
            .chain(v.dialects.iter().copied().map(Some))
            .collect();
        for dialect in groups {
            let trials: Vec<&TrialOutcome> = run
                .trials
                .iter()
                .filter(|t| t.vendor == v.vendor && view::dialect_of(t) == dialect)
                .collect();
            if trials.is_empty() {
                continue;
            }
            let name = match dialect {
                Some(d) => format!("{}::{d}", v.vendor),
                None => v.vendor.clone(),
            };
            let mut suite = TestSuite::new(name);
            suite.set_timestamp(view::fixed(run.started));
            suite.set_time(trials.iter().map(|t| t.duration).sum());
            suite.add_properties(properties(run, &v.vendor, dialect));
            suite.add_test_cases(trials.iter().map(|t| case(t, run)));
            report.add_test_suite(suite);
        }
    }
    if !run.cleanup.left_behind.is_empty() {
        let mut suite = TestSuite::new("cleanup");
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status
            .set_type("cleanup")
            .set_message(format!(
                "the run left {} resource(s) behind",
                run.cleanup.left_behind.len()
            ))
            .set_description(text::cleanup(&run.run_id, &run.cleanup));
        let mut c = TestCase::new("nothing-left-behind", status);
        c.set_classname("scim-conformance::cleanup");
        suite.add_test_case(c);
        report.add_test_suite(suite);
    }
    report
}

/// The JUnit XML text of a run.
pub fn render(run: &RunSummary) -> Result<String, JunitError> {
    Ok(report(run).to_string()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    fn parsed(run: &RunSummary) -> junit_parser::TestSuites {
        let xml = render(run).unwrap();
        junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes())).unwrap()
    }

    #[test]
    fn a_junit_reader_sees_each_verdict() {
        let run = sample::run();
        let suites = parsed(&run);
        let names: Vec<&str> = suites.suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "zenkit",
                "zenkit::legacy",
                "entra-default",
                "entra-default::legacy"
            ]
        );
        let case = |name: &str| {
            suites
                .suites
                .iter()
                .flat_map(|s| s.cases.iter())
                .find(|c| c.original_name == name)
                .unwrap_or_else(|| panic!("no case {name}"))
        };
        let failed = case("disable-and-enable::legacy");
        assert!(failed.status.is_failure());
        assert_eq!(
            failed.name, "entra-default::users::disable-and-enable::legacy",
            "classname::name is the libtest trial name"
        );
        assert_eq!(failed.classname.as_deref(), Some("entra-default::users"));
        let f = failed.status.failure_as_ref();
        assert_eq!(f.message, "expected status in [200, 204], got status 400");
        assert!(
            f.text.contains("expected: status in [200, 204]"),
            "{}",
            f.text
        );
        let out = text_of(
            &render(&run).unwrap(),
            "disable-and-enable::legacy",
            "system-out",
        );
        assert!(out.contains(r#""value":"False""#), "{out}");
        assert!(out.contains("Bearer ***"));
        let transport = suites.suites[0]
            .cases
            .iter()
            .find(|c| c.original_name == "create")
            .unwrap();
        assert!(transport.status.is_error());
        let blocked = case("add-members::legacy");
        assert!(blocked.status.is_skipped());
        assert!(blocked
            .status
            .skipped_as_ref()
            .message
            .contains("entra-default::groups::create::legacy"));
        let ignored = case("complex-add::legacy");
        assert!(ignored
            .status
            .skipped_as_ref()
            .message
            .contains("zenkit's Entra app does not send roles"));
        let warned = suites
            .suites
            .iter()
            .find(|s| s.name == "entra-default")
            .unwrap()
            .cases
            .iter()
            .find(|c| c.original_name == "create")
            .unwrap();
        assert!(warned.status.is_success());
        assert!(warned.system_out.is_some());
        let props = &suites.suites[1].properties.vec;
        let prop = |k: &str| {
            props
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        assert_eq!(prop("vendor"), "zenkit");
        assert_eq!(prop("dialect"), "legacy");
        assert_eq!(prop("run_id"), "abc123");
        assert_eq!(prop("target"), "http://127.0.0.1:1/scim/");
        assert_eq!(suites.suites[3].failures, 1);
        assert_eq!(suites.suites[3].skipped, 1);
    }

    /// The text of a case's child element, read by a strict XML parser. (junit-parser 1.7
    /// drops entity references such as `&quot;` from element text, so text is checked here.)
    fn text_of(xml: &str, case: &str, child: &str) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(case))
            .flat_map(|n| n.children().filter(|c| c.has_tag_name(child)))
            .map(|c| c.text().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn hostile_text_survives_as_text() {
        let xml = render(&sample::run()).unwrap();
        assert!(!xml.contains("<script>"));
        let out = text_of(&xml, "disable-and-enable::legacy", "system-out");
        assert!(out.contains("<script>alert('x')</script>"), "{out}");
        let failure = text_of(&xml, "disable-and-enable::legacy", "failure");
        assert!(
            failure.contains("why: Entra's default dialect"),
            "{failure}"
        );
        let warned = text_of(&xml, "create", "system-out");
        assert!(warned.contains("warning: suites/users.toml:42"), "{warned}");
    }

    #[test]
    fn a_failed_preflight_is_one_error_case() {
        let mut run = sample::run();
        run.trials.clear();
        run.preflight = vec![sample::preflight()];
        let suites = parsed(&run);
        assert_eq!(suites.suites.len(), 1);
        let c = &suites.suites[0].cases[0];
        assert!(c.status.is_error());
        assert!(c
            .status
            .error_as_ref()
            .message
            .contains("connection refused"));
        assert_eq!(suites.errors, 1);
    }
}
