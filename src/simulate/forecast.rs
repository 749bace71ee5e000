//! The quarantine forecast: Entra's documented escrow and quarantine rules applied to the
//! failure shares a simulation observed, for a tenant of the size the user names.
//!
//! The rules (Microsoft Learn, "Application provisioning in quarantine status", `ED-QUAR`, and
//! "How provisioning works", `ED-HOW`; `entra-protocol.md` §7.2):
//! - the escrow thresholds are evaluated once a job has at least [`MIN_FAILURES`] failures;
//! - the job is quarantined when more than [`MAX_FAILED_SHARE`] of its operations failed, or
//!   more than [`MAX_FAILURES`] failed — reference failures (manager and group-member links)
//!   left out of both;
//! - or when [`MAX_ALL_FAILURES`] failed in all, reference failures included;
//! - a failed object is retried after 6 h, 12 h, 24 h, then every 24 h for 28 days
//!   ([`RETRY_SCHEDULE`]); in quarantine the job runs once a day, and after 4 weeks in
//!   quarantine it is disabled.

use std::time::Duration;

use super::kind::{RequestKind, Stage};

/// What one request kind saw: its kind, tries, and failed tries (429s included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindTries {
    /// The request kind.
    pub kind: RequestKind,
    /// Tries.
    pub count: u64,
    /// Failed tries (any error class, 429 included).
    pub errors: u64,
}

/// Failures a job must reach before the escrow thresholds are evaluated (`ED-QUAR`).
pub const MIN_FAILURES: u64 = 5_000;
/// The failed share of non-reference operations above which the job is quarantined (`ED-QUAR`).
pub const MAX_FAILED_SHARE: f64 = 0.40;
/// Non-reference failures above which the job is quarantined (`ED-QUAR`).
pub const MAX_FAILURES: u64 = 40_000;
/// Failures in all, reference failures included, above which the job is quarantined (`ED-QUAR`).
pub const MAX_ALL_FAILURES: u64 = 60_000;
/// When a failed object is tried again after its failure (`ED-QUAR`, "Retry duration").
pub const RETRY_SCHEDULE: &str = "after 6 h, 12 h and 24 h, then every 24 h for 28 days";

/// Operations of a tenant's provisioning, split as the escrow rules count them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counts {
    /// Non-reference operations that failed (creates, updates, disables...).
    pub failed: u64,
    /// Non-reference operations that succeeded.
    pub succeeded: u64,
    /// Reference operations (manager and member links) that failed.
    pub reference_failed: u64,
}

/// Whether, and by which rule, Entra would quarantine the job.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Fewer than [`MIN_FAILURES`] failures: the thresholds are not evaluated.
    BelowEvaluation,
    /// Evaluated, and under every threshold.
    NotQuarantined,
    /// Quarantined, by this rule (in words, with the figures).
    Quarantined(String),
}

/// Applies the rules to counts (the documented worked examples are the tests).
pub fn judge(c: Counts) -> Outcome {
    let all = c.failed + c.reference_failed;
    if all < MIN_FAILURES {
        return Outcome::BelowEvaluation;
    }
    if all > MAX_ALL_FAILURES {
        return Outcome::Quarantined(format!(
            "{all} failures in all, reference failures included (more than {MAX_ALL_FAILURES})"
        ));
    }
    if c.failed > MAX_FAILURES {
        return Outcome::Quarantined(format!(
            "{} failures, reference failures left out (more than {MAX_FAILURES})",
            c.failed
        ));
    }
    let attempted = c.failed + c.succeeded;
    let share = c.failed as f64 / attempted.max(1) as f64;
    if share > MAX_FAILED_SHARE {
        return Outcome::Quarantined(format!(
            "{:.0}% of operations failed, reference failures left out (more than {:.0}%)",
            share * 100.0,
            MAX_FAILED_SHARE * 100.0
        ));
    }
    Outcome::NotQuarantined
}

/// Whether a request kind is a reference operation (its failures do not count toward 40%).
fn is_reference(kind: RequestKind) -> bool {
    matches!(
        kind,
        RequestKind::ManagerLink | RequestKind::MembersAdd | RequestKind::MemberRemove
    )
}

/// The forecast for a tenant of `users` users, from what one simulated job saw.
#[derive(Clone, Debug, PartialEq)]
pub struct Forecast {
    /// The tenant size forecast (users).
    pub users: u64,
    /// The counts scaled to that tenant.
    pub counts: Counts,
    /// What the rules say.
    pub outcome: Outcome,
    /// When the thresholds would be evaluated: the time the initial cycle takes to reach
    /// [`MIN_FAILURES`] failures at Entra's documented pace (0.01–0.08 min per object), if it
    /// gets there.
    pub evaluated_after: Option<(Duration, Duration)>,
    /// The request kinds whose failures drive it, most failures first.
    pub drivers: Vec<(RequestKind, u64)>,
}

/// Scales what the simulation observed (`kinds`, over `simulated_users` users and `objects`
/// objects) to a tenant of `users` users and applies the rules. Only the provisioning cycles'
/// exports count (every try: a failed create retried in the incremental cycle counts twice, as
/// it fails twice); a 429 is retried, not a failure, so `throttled` tries are left out.
pub fn forecast(
    kinds: &[KindTries],
    throttled: u64,
    simulated_users: u64,
    objects: u64,
    users: u64,
) -> Forecast {
    let scale = users as f64 / simulated_users.max(1) as f64;
    // Escrow counts exports: the creates, updates and deletes of the cycles (not their match
    // queries), every try.
    let cycles: Vec<&KindTries> = kinds
        .iter()
        .filter(|k| k.kind.stage() == Stage::Cycles && k.kind.method() != "GET")
        .collect();
    let all_errors: u64 = cycles.iter().map(|k| k.errors).sum();
    // The 429s are spread over the kinds in proportion to their errors.
    let keep = |errors: u64| {
        (throttled * errors)
            .checked_div(all_errors)
            .map_or(0, |share| errors.saturating_sub(share))
    };
    let mut counts = Counts::default();
    let mut drivers = Vec::new();
    for k in &cycles {
        let failed = keep(k.errors);
        let scaled_failed = (failed as f64 * scale).round() as u64;
        let scaled_ok = (k.count.saturating_sub(k.errors) as f64 * scale).round() as u64;
        if is_reference(k.kind) {
            counts.reference_failed += scaled_failed;
        } else {
            counts.failed += scaled_failed;
            counts.succeeded += scaled_ok;
        }
        if scaled_failed > 0 {
            drivers.push((k.kind, scaled_failed));
        }
    }
    drivers.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let all = counts.failed + counts.reference_failed;
    let scaled_objects = objects as f64 * scale;
    let evaluated_after = (all >= MIN_FAILURES).then(|| {
        let fraction = MIN_FAILURES as f64 / all as f64;
        let at = |minutes_per_object: f64| {
            Duration::from_secs_f64(fraction * scaled_objects * minutes_per_object * 60.0)
        };
        (at(0.01), at(0.08))
    });
    Forecast {
        users,
        counts,
        outcome: judge(counts),
        evaluated_after,
        drivers,
    }
}

impl Forecast {
    /// The forecast in one paragraph.
    pub fn describe(&self) -> String {
        let c = &self.counts;
        let figures = format!(
            "{} failed and {} succeeded exports (every try), {} failed reference links (manager, members)",
            c.failed, c.succeeded, c.reference_failed
        );
        let drivers = if self.drivers.is_empty() {
            String::new()
        } else {
            format!(
                "; driven by {}",
                self.drivers
                    .iter()
                    .map(|(k, n)| format!("{} ({n})", k.name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let when = self
            .evaluated_after
            .map(|(lo, hi)| {
                format!(
                    ", about {} to {} into the initial cycle at Entra's documented pace",
                    crate::core::text::human(lo),
                    crate::core::text::human(hi)
                )
            })
            .unwrap_or_default();
        match &self.outcome {
            Outcome::BelowEvaluation => format!(
                "quarantine forecast for {} users: not quarantined — {figures}: fewer than {MIN_FAILURES} failures, the escrow thresholds are never evaluated{drivers}",
                self.users
            ),
            Outcome::NotQuarantined => format!(
                "quarantine forecast for {} users: not quarantined — {figures}: under every threshold{drivers}; failed objects are retried {RETRY_SCHEDULE}",
                self.users
            ),
            Outcome::Quarantined(rule) => format!(
                "quarantine forecast for {} users: QUARANTINED{when} — {rule}; {figures}{drivers}. In quarantine the job runs once a day and is disabled after 4 weeks; failed objects are retried {RETRY_SCHEDULE}",
                self.users
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_worked_examples() {
        // 45,000 failed: more than 40,000.
        let c = Counts {
            failed: 45_000,
            succeeded: 200_000,
            reference_failed: 0,
        };
        assert!(matches!(judge(c), Outcome::Quarantined(r) if r.contains("40000")));
        // 30,000 failed and 5,000 succeeded: 86% failed, more than 40%.
        let c = Counts {
            failed: 30_000,
            succeeded: 5_000,
            reference_failed: 0,
        };
        assert!(matches!(judge(c), Outcome::Quarantined(r) if r.contains("86%")));
        // 20,000 failed and 100,000 succeeded: 17%, and under 40,000: not quarantined.
        let c = Counts {
            failed: 20_000,
            succeeded: 100_000,
            reference_failed: 0,
        };
        assert_eq!(judge(c), Outcome::NotQuarantined);
    }

    #[test]
    fn each_rule_on_its_own() {
        let below = Counts {
            failed: 4_999,
            succeeded: 0,
            reference_failed: 0,
        };
        assert_eq!(
            judge(below),
            Outcome::BelowEvaluation,
            "100% failed, but under 5,000"
        );
        // Reference failures count toward 5,000 and 60,000 only.
        let references = Counts {
            failed: 1_000,
            succeeded: 100_000,
            reference_failed: 50_000,
        };
        assert_eq!(judge(references), Outcome::NotQuarantined);
        let all = Counts {
            failed: 1_000,
            succeeded: 100_000,
            reference_failed: 60_000,
        };
        assert!(matches!(judge(all), Outcome::Quarantined(r) if r.contains("60000")));
    }

    fn kind(kind: RequestKind, count: u64, errors: u64) -> KindTries {
        KindTries {
            kind,
            count,
            errors,
        }
    }

    #[test]
    fn failure_shares_scale_to_the_named_tenant() {
        // 100 users simulated, every create refused: at 100,000 users that is 100,000 failed
        // creates — quarantined, driven by the creates.
        let kinds = [
            kind(RequestKind::UserMatch, 100, 0),
            kind(RequestKind::UserCreate, 100, 100),
            kind(RequestKind::ManagerLink, 99, 0),
        ];
        let f = forecast(&kinds, 0, 100, 120, 100_000);
        assert!(matches!(f.outcome, Outcome::Quarantined(_)), "{f:?}");
        assert_eq!(
            f.drivers.first().map(|d| d.0),
            Some(RequestKind::UserCreate)
        );
        assert!(f.evaluated_after.is_some());
        assert!(f.describe().contains("QUARANTINED"));
        // The same share at 1,000 users stays under 5,000 failures.
        let small = forecast(&kinds, 0, 100, 120, 1_000);
        assert_eq!(small.outcome, Outcome::BelowEvaluation);
        // 429s are retried, not failures.
        let throttled = [
            kind(RequestKind::UserCreate, 200, 100),
            kind(RequestKind::UserMatch, 100, 0),
        ];
        let f = forecast(&throttled, 100, 100, 120, 100_000);
        assert_eq!(f.counts.failed, 0);
        // Failed manager links are reference failures: they alone never reach 40%.
        let refs = [
            kind(RequestKind::UserCreate, 100, 0),
            kind(RequestKind::ManagerLink, 100, 50),
        ];
        let f = forecast(&refs, 0, 100, 200, 100_000);
        assert_eq!(f.counts.reference_failed, 50_000);
        assert_eq!(f.outcome, Outcome::NotQuarantined);
    }
}
