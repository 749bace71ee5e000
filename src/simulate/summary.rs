//! The readable summary of a [`SimReport`] (printed on stderr at the end of a run), and the plan
//! printed before it starts.

use std::fmt::Write as _;
use std::time::Duration;

use super::report::{Discrepancy, Plan, SimReport, StopReason, Throughput};
use super::settings::Settings;
use crate::core::text::human;

/// Discrepancies shown in full; the rest are counted.
const SHOWN: usize = 20;

/// The plan, before the run: objects, requests and the expected duration.
pub fn plan(settings: &Settings, plan: &Plan, target: &str) -> String {
    let mut s = format!(
        "simulate: plan against {target}\n  per job: {} users, {} groups x {} members ({} objects)\n  {} job(s), pace {}, concurrency {} per job, --max-duration {}",
        settings.users,
        settings.groups,
        settings.members_per_group,
        plan.objects,
        plan.jobs,
        settings.pace,
        settings.concurrency,
        human(settings.max_duration)
    );
    let _ = write!(
        s,
        "\n  requests per job: {} initial cycle, {} incremental cycle, about {} to verify, {} to clean up ({} in all for {} job(s))",
        plan.initial_requests,
        plan.incremental_requests,
        plan.verification_requests,
        plan.cleanup_requests,
        plan.requests_per_job() * plan.jobs as u64,
        plan.jobs
    );
    if let Some(d) = plan.expected_cycles {
        let whole = d.mul_f64(
            plan.requests_per_job() as f64
                / (plan.initial_requests + plan.incremental_requests).max(1) as f64,
        );
        let _ = write!(
            s,
            "\n  expected duration at the pace: {} for the cycles, about {} with verification and cleanup",
            human(d),
            human(whole)
        );
    }
    s
}

fn rate_line(label: &str, t: &Throughput) -> String {
    format!(
        "  {label:<8} {} requests in {}: {:.1} req/s (served {:.1}/s, {:.1} in flight on average)",
        t.requests,
        human(Duration::from_secs_f64(t.seconds)),
        t.rps,
        t.served_rps,
        t.mean_in_flight
    )
}

fn discrepancy(d: &Discrepancy) -> String {
    let what = d.kind.describe();
    let mut s = format!("  job {} {}: {what}", d.job, d.object);
    for r in &d.requests {
        let _ = write!(
            s,
            "\n      {} -> {} (at {})",
            r.line,
            r.outcome,
            human(r.at)
        );
    }
    s
}

/// The whole summary.
pub fn summary(r: &SimReport) -> String {
    let mut s = String::new();
    let st = &r.settings;
    let _ = writeln!(
        s,
        "simulate: run {}, vendor {} ({} dialect), target {}{}",
        r.run_id,
        r.vendor,
        r.dialect,
        r.target,
        if r.embedded { " (embedded)" } else { "" }
    );
    let _ = writeln!(
        s,
        "tenant per job: {} users, {} groups x {} members ({} objects); {} job(s); pace {}; concurrency {}",
        st.users, st.groups, st.members_per_group, r.plan.objects, st.jobs, st.pace, st.concurrency
    );
    match &r.stopped {
        Some(StopReason::Signal(sig)) => {
            let _ = writeln!(s, "stopped by {sig}: no new request was sent after it");
        }
        Some(StopReason::MaxDuration(d)) => {
            let _ = writeln!(s, "stopped at --max-duration ({})", human(*d));
        }
        None => {}
    }
    let _ = writeln!(s, "\nthroughput of the provisioning cycles");
    let _ = writeln!(s, "{}", rate_line("overall", &r.throughput));
    let _ = writeln!(
        s,
        "  initial cycle took {}; peak {:.1} req/s",
        human(r.throughput.initial),
        r.throughput.peak_rps
    );
    let _ = writeln!(s, "  {}", r.timing.describe());
    if r.jobs.len() > 1 {
        for j in &r.jobs {
            let _ = writeln!(s, "{}", rate_line(&format!("job {}", j.job), &j.throughput));
        }
    }
    let _ = writeln!(
        s,
        "\nlatency by request kind         count  errors       p50       p95       p99       max"
    );
    for k in &r.kinds {
        let _ = writeln!(
            s,
            "  {:<26} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9}",
            k.kind.name(),
            k.count,
            k.errors,
            human(k.p50),
            human(k.p95),
            human(k.p99),
            human(k.max)
        );
    }
    if r.errors.is_empty() && r.throttling.responses > 0 {
        let _ = writeln!(
            s,
            "\nerrors: none besides the {} throttled (429) answer(s) below",
            r.throttling.responses
        );
    } else if r.errors.is_empty() {
        let _ = writeln!(s, "\nerrors: none");
    } else {
        let list: Vec<String> = r
            .errors
            .iter()
            .map(|e| format!("{} x{}", e.class, e.count))
            .collect();
        let _ = writeln!(s, "\nerrors: {}", list.join(", "));
    }
    let t = &r.throttling;
    if t.responses == 0 {
        let _ = writeln!(s, "throttling: no 429");
    } else {
        let _ = writeln!(
            s,
            "throttling: {} x 429; jobs paused {} in all ({} pauses, Retry-After honoured); {} request(s) still refused after {} tries",
            t.responses,
            human(t.paused),
            t.pauses,
            t.gave_up,
            st.throttle_tries
        );
    }
    let l = &r.lag;
    if l.probes == 0 {
        let _ = writeln!(s, "read-after-write lag: not probed");
    } else {
        let q = |d: Option<Duration>| d.map_or("-".to_string(), human);
        let _ = writeln!(
            s,
            "read-after-write lag (create answered -> match query finds the user): {} probes, p50 <= {}, p95 <= {}, max <= {}{}",
            l.probes,
            q(l.p50),
            q(l.p95),
            q(l.max),
            if l.not_found > 0 {
                format!("; {} not found within {}", l.not_found, human(l.bound))
            } else {
                String::new()
            }
        );
    }
    let p = &r.projection;
    let _ = writeln!(
        s,
        "\ninitial cycle of this tenant ({} objects, {} requests per job):",
        p.objects, p.requests
    );
    let _ = writeln!(
        s,
        "  at Entra's documented pace (0.01-0.08 min per object): {} to {}",
        human(p.entra_min),
        human(p.entra_max)
    );
    let _ = writeln!(
        s,
        "  at Microsoft's required 25 req/s: {}",
        human(p.at_required)
    );
    if let Some(d) = p.at_measured {
        let _ = writeln!(s, "  at the rate this endpoint sustained: {}", human(d));
    }
    let v = &r.verdict;
    let head = v.status.head();
    let _ = writeln!(
        s,
        "\nverdict: {head} Microsoft's {} requests/second per tenant: {}",
        v.required_rps, v.reason
    );
    let _ = writeln!(s, "\n{}", r.forecast.describe());
    let ver = &r.verification;
    match &ver.skipped {
        Some(why) => {
            let _ = writeln!(s, "\nend state: not verified ({why})");
        }
        None if ver.discrepancies.is_empty() => {
            let _ = writeln!(
                s,
                "\nend state: {} users and {} groups read back: nothing lost, no duplicate, every value as last sent",
                ver.users_checked, ver.groups_checked
            );
        }
        None => {
            let _ = writeln!(
                s,
                "\nend state: {} users and {} groups read back: {} discrepanc{}",
                ver.users_checked,
                ver.groups_checked,
                ver.discrepancies.len(),
                if ver.discrepancies.len() == 1 {
                    "y"
                } else {
                    "ies"
                }
            );
            for d in ver.discrepancies.iter().take(SHOWN) {
                let _ = writeln!(s, "{}", discrepancy(d));
            }
            if ver.discrepancies.len() > SHOWN {
                let _ = writeln!(
                    s,
                    "  ... and {} more (every one, with its requests, in --report json or html)",
                    ver.discrepancies.len() - SHOWN
                );
            }
        }
    }
    for n in ver.notes.iter().take(SHOWN) {
        let _ = writeln!(s, "  note: {n}");
    }
    if ver.notes.len() > SHOWN {
        let _ = writeln!(s, "  ... and {} more notes", ver.notes.len() - SHOWN);
    }
    let c = &r.cleanup;
    if st.keep {
        let _ = writeln!(
            s,
            "\ncleanup: --keep: {} resource(s) left on the target on purpose (`scimconf-{}-*`; `scim-conformance cleanup --run-id {}` removes them)",
            c.created, r.run_id, r.run_id
        );
    } else if c.left_behind.is_empty() {
        let _ = writeln!(
            s,
            "\ncleanup: created {}, deleted {}: nothing left behind",
            c.created, c.deleted
        );
    } else {
        let _ = writeln!(
            s,
            "\ncleanup: created {}, deleted {}, LEFT BEHIND {} (run `scim-conformance cleanup --run-id {}`):",
            c.created,
            c.deleted,
            c.left_behind.len(),
            r.run_id
        );
        for (path, job, why) in c.left_behind.iter().take(SHOWN) {
            let _ = writeln!(s, "  {path} ({job}): {why}");
        }
    }
    let _ = write!(s, "run took {}", human(r.duration));
    s
}
