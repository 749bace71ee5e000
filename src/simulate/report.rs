//! The simulation's result as typed data, for the summary, the chart and the JSON/HTML reports:
//! the plan, throughput overall and per job, latency percentiles per request kind, errors by
//! class, throttling, read-after-write lag, the projected initial cycle, the verdict against
//! Microsoft's 25 requests/second, the end-state discrepancies and the cleanup.

use std::time::{Duration, SystemTime};

use super::kind::{ErrorClass, RequestKind};
use super::settings::{Pace, Settings, ENTRA_REQUIRED_RPS};
use crate::core::dialect::Dialect;
use crate::outcome::CleanupSummary;

/// A job is taken to hold the required pace when it sustains at least this share of it: a
/// paced job sends exactly at the pace, and its measured rate (completions over the cycles'
/// wall time, the last answer's latency included) lands a little under it.
pub const PACE_TOLERANCE: f64 = 0.95;

/// Minutes per object in Entra's initial-cycle estimate, fastest and slowest: "Minimum minutes
/// = 0.01 x [Number of assigned users, groups, and group members]; Maximum minutes = 0.08 x
/// [...]" (Microsoft Entra docs, "When will provisioning finish"; research.md §C).
pub const ENTRA_MINUTES_PER_OBJECT: (f64, f64) = (0.01, 0.08);

/// The whole simulation run.
#[derive(Clone, Debug)]
pub struct SimReport {
    /// The run id (in every name the run created).
    pub run_id: String,
    /// The vendor profile replayed.
    pub vendor: String,
    /// The target as shown (secrets masked).
    pub target: String,
    /// Whether the target was the embedded reference server.
    pub embedded: bool,
    /// The dialect replayed.
    pub dialect: Dialect,
    /// The settings the run used.
    pub settings: Settings,
    /// What the run set out to do.
    pub plan: Plan,
    /// When the run started.
    pub started: SystemTime,
    /// The whole run, cleanup included.
    pub duration: Duration,
    /// Why the run stopped early, if it did.
    pub stopped: Option<StopReason>,
    /// The cycles' throughput over all jobs.
    pub throughput: Throughput,
    /// The cycles' throughput of each job.
    pub jobs: Vec<JobThroughput>,
    /// Latency per request kind (every stage), in cycle order.
    pub kinds: Vec<KindStats>,
    /// Failed requests by class (every stage).
    pub errors: Vec<ErrorCount>,
    /// 429 answers and the pauses they caused.
    pub throttling: Throttling,
    /// Read-after-write lag of the match query.
    pub lag: LagStats,
    /// How long an initial cycle of this tenant takes.
    pub projection: Projection,
    /// The verdict against Microsoft's 25 requests/second per tenant.
    pub verdict: Verdict,
    /// Whether Entra would quarantine the job, by its documented escrow rules.
    pub forecast: super::forecast::Forecast,
    /// The end state against what was sent.
    pub verification: Verification,
    /// What was created, deleted and left behind.
    pub cleanup: CleanupSummary,
    /// Throughput and latency over time (every stage).
    pub timeline: Vec<TimelinePoint>,
    /// How the run's time between the cycles compares with Entra's.
    pub timing: Timing,
}

/// The pause between the initial and the incremental cycle (which carries the retries of
/// failed objects), against Entra's [`ENTRA_CYCLE_INTERVAL`](super::settings::ENTRA_CYCLE_INTERVAL).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    /// The longest pause a job made between its cycles.
    pub gap: Duration,
    /// `--cycle-interval`, if given; `None`: compressed.
    pub interval: Option<Duration>,
}

impl Timing {
    /// Whether the run's cycles came closer together than Entra's.
    pub fn compressed(&self) -> bool {
        self.gap < super::settings::ENTRA_CYCLE_INTERVAL
    }

    /// A note when duplicates, or objects found although every create was answered with an
    /// error, may be the endpoint's read-after-write lag's artefact rather than its loss: the
    /// run's cycles came closer together than that lag, so the retry's match query missed a
    /// create that had landed (and sent it again), while Entra's cycles are 40 minutes apart and
    /// its retry would have found and linked it.
    pub fn lag_artefacts(&self, lag: &LagStats, found: &[Discrepancy]) -> Option<String> {
        let duplicates = found
            .iter()
            .filter(|d| {
                matches!(
                    d.kind,
                    DiscrepancyKind::DuplicateUser { .. }
                        | DiscrepancyKind::DuplicateGroup { .. }
                        | DiscrepancyKind::CreatedDespiteError { .. }
                )
            })
            .count();
        let longer = lag.not_found > 0 || lag.max.is_some_and(|m| m > self.gap);
        (duplicates > 0 && longer && self.compressed()).then(|| {
            format!(
                "{duplicates} duplicate(s) or object(s) created despite errors may be lag artefacts, not losses: the endpoint's read-after-write lag ({}) is longer than the {} this run paused between its cycles, and Entra's cycles are about 40 minutes apart; re-run with --cycle-interval 40m to see Entra's timing",
                lag.max.map_or_else(
                    || format!("over {}", crate::core::text::human(lag.bound)),
                    |m| format!("up to {}", crate::core::text::human(m))
                ),
                crate::core::text::human(self.gap)
            )
        })
    }

    /// One line: what the run did and what Entra does.
    pub fn describe(&self) -> String {
        let entra = "Entra's next cycle, which also retries what failed, comes about 40 minutes later (ED-SCIM, ED-LOGS)";
        match self.interval {
            Some(d) if !self.compressed() => format!(
                "timing: --cycle-interval {}: the incremental cycle began {} after the initial one, as Entra's does",
                crate::core::text::human(d),
                crate::core::text::human(self.gap)
            ),
            Some(d) => format!(
                "timing: compressed (--cycle-interval {}): the incremental cycle began {} after the initial one; {entra}",
                crate::core::text::human(d),
                crate::core::text::human(self.gap)
            ),
            None => format!(
                "timing: compressed: the incremental cycle began {} after the initial one; {entra} (--cycle-interval 40m replays that)",
                crate::core::text::human(self.gap)
            ),
        }
    }
}

/// What the run set out to do, per job.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Jobs (tenants) in parallel.
    pub jobs: usize,
    /// Users, groups and member links per job (Entra's "objects").
    pub objects: usize,
    /// Requests of the initial cycle per job (lag probes not counted).
    pub initial_requests: u64,
    /// Requests of the incremental cycle per job (retries not counted).
    pub incremental_requests: u64,
    /// Requests of the verification per job (about).
    pub verification_requests: u64,
    /// Requests of the cleanup per job.
    pub cleanup_requests: u64,
    /// How long the cycles take at the pace, if paced.
    pub expected_cycles: Option<Duration>,
}

impl Plan {
    /// Every request of a job, all stages.
    pub fn requests_per_job(&self) -> u64 {
        self.initial_requests
            + self.incremental_requests
            + self.verification_requests
            + self.cleanup_requests
    }
}

/// Why the run stopped before its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// SIGINT or SIGTERM (the signal's name).
    Signal(&'static str),
    /// `--max-duration` was reached.
    MaxDuration(Duration),
}

/// Requests over the cycles' wall time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Throughput {
    /// Requests sent (every try, 429s included).
    pub requests: u64,
    /// Requests the endpoint served: answers other than 429 and 5xx.
    pub served: u64,
    /// The cycles' wall time.
    pub seconds: f64,
    /// The initial cycle's wall time (over all jobs: the longest).
    pub initial: Duration,
    /// `requests / seconds`.
    pub rps: f64,
    /// `served / seconds`.
    pub served_rps: f64,
    /// The busiest interval of the timeline, requests per second.
    pub peak_rps: f64,
    /// Requests in flight on average (latency sum over wall time, Little's law).
    pub mean_in_flight: f64,
}

/// One job's cycles.
#[derive(Clone, Debug, PartialEq)]
pub struct JobThroughput {
    /// The job's number (0-based).
    pub job: usize,
    /// The name prefix of everything it created (`scimconf-<run>-<job>-`).
    pub prefix: String,
    /// Its throughput.
    pub throughput: Throughput,
}

/// Latency of one request kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindStats {
    /// The kind.
    pub kind: RequestKind,
    /// Requests (every try).
    pub count: u64,
    /// Tries that failed (any error class, 429 included).
    pub errors: u64,
    /// Median latency.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// The slowest.
    pub max: Duration,
}

/// Failed tries of one class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorCount {
    /// The class.
    pub class: ErrorClass,
    /// How many.
    pub count: u64,
}

/// 429 answers, honoured as Entra does: the job pauses for `Retry-After`, then retries only
/// the failed request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Throttling {
    /// 429 answers.
    pub responses: u64,
    /// Pauses the jobs took (one per 429 that found its job not yet paused long enough).
    pub pauses: u64,
    /// Wall time the jobs spent paused, added up over jobs.
    pub paused: Duration,
    /// Requests still answered 429 after every try.
    pub gave_up: u64,
}

/// Read-after-write lag: from a create's answer until the match query finds the user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LagStats {
    /// Users probed.
    pub probes: u64,
    /// Probes that found their user.
    pub found: u64,
    /// Probes that gave up after `bound`.
    pub not_found: u64,
    /// How long a probe kept asking.
    pub bound: Duration,
    /// Median lag of the probes that found their user (an upper bound: probes poll).
    pub p50: Option<Duration>,
    /// 95th percentile.
    pub p95: Option<Duration>,
    /// The longest.
    pub max: Option<Duration>,
}

/// How long an initial cycle of this tenant takes (per job).
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    /// Users, groups and member links (Entra's "objects").
    pub objects: usize,
    /// Entra's documented estimate, fastest: 0.01 min per object.
    pub entra_min: Duration,
    /// Entra's documented estimate, slowest: 0.08 min per object.
    pub entra_max: Duration,
    /// Requests of the initial cycle.
    pub requests: u64,
    /// At Microsoft's required 25 requests/second.
    pub at_required: Duration,
    /// At the rate this endpoint sustained (slowest job), if measured.
    pub at_measured: Option<Duration>,
}

impl Projection {
    /// The projection for `objects` objects and `requests` initial-cycle requests per job, at
    /// `measured_rps` (per job) if known.
    pub fn new(objects: usize, requests: u64, measured_rps: Option<f64>) -> Projection {
        let minutes = |m: f64| Duration::from_secs_f64(m * 60.0 * objects as f64);
        let at = |rps: f64| Duration::from_secs_f64(requests as f64 / rps);
        Projection {
            objects,
            entra_min: minutes(ENTRA_MINUTES_PER_OBJECT.0),
            entra_max: minutes(ENTRA_MINUTES_PER_OBJECT.1),
            requests,
            at_required: at(ENTRA_REQUIRED_RPS),
            at_measured: measured_rps.filter(|r| *r > 0.0 && r.is_finite()).map(at),
        }
    }
}

/// Whether the endpoint held Microsoft's pace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerdictStatus {
    /// Every job sustained at least 25 served requests per second.
    Met,
    /// Some job did not.
    NotMet,
    /// The run cannot say (paced below 25, or too little was sent).
    NotAssessed,
}

impl VerdictStatus {
    /// How the verdict reads: `MEETS`, `DOES NOT MEET` or `cannot judge`.
    pub fn head(self) -> &'static str {
        match self {
            VerdictStatus::Met => "MEETS",
            VerdictStatus::NotMet => "DOES NOT MEET",
            VerdictStatus::NotAssessed => "cannot judge",
        }
    }

    /// `met`, `not_met` or `not_assessed`, as the reports name it.
    pub fn name(self) -> &'static str {
        match self {
            VerdictStatus::Met => "met",
            VerdictStatus::NotMet => "not_met",
            VerdictStatus::NotAssessed => "not_assessed",
        }
    }
}

/// The verdict against Microsoft's "at least 25 requests per second per tenant".
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Met, not met, or not assessed.
    pub status: VerdictStatus,
    /// The requirement (25).
    pub required_rps: f64,
    /// The slowest job's served requests per second.
    pub achieved_rps: f64,
    /// The concurrency allowed per job.
    pub concurrency: usize,
    /// Requests in flight on average in that job (what the rate actually needed).
    pub mean_in_flight: f64,
    /// One sentence: why.
    pub reason: String,
}

/// The share of failed requests (4xx other than 429, 5xx, transport) a run may have and still
/// meet the verdict: a few failures are what any real tenant sees; more say the endpoint does not
/// do what Entra asks, however fast it answers.
pub const ERROR_TOLERANCE: f64 = 0.01;

impl Verdict {
    /// Turns a verdict into NOT MET when more than [`ERROR_TOLERANCE`] of `requests` failed,
    /// naming every failure class with its count: speed does not count when answers fail.
    pub fn require_success(&mut self, errors: &[ErrorCount], requests: u64) {
        let failed: u64 = errors.iter().map(|e| e.count).sum();
        if failed == 0 || (failed as f64) <= ERROR_TOLERANCE * requests as f64 {
            return;
        }
        let classes = errors
            .iter()
            .map(|e| format!("{} x{}", e.class, e.count))
            .collect::<Vec<_>>()
            .join(", ");
        self.status = VerdictStatus::NotMet;
        self.reason = format!(
            "{failed} of {requests} requests failed ({classes}), more than the {:.0}% tolerated: a request that fails is not served, however fast",
            ERROR_TOLERANCE * 100.0
        );
    }

    /// Judges the jobs' throughput: the slowest job decides; `throttling` tells whether 429s
    /// held it back.
    pub fn judge(
        jobs: &[JobThroughput],
        pace: Pace,
        concurrency: usize,
        throttling: &Throttling,
    ) -> Verdict {
        let slowest = jobs
            .iter()
            .min_by(|a, b| a.throughput.served_rps.total_cmp(&b.throughput.served_rps));
        let (achieved, in_flight, requests, throttled_share) = match slowest {
            Some(j) => {
                let t = &j.throughput;
                let failed = t.requests.saturating_sub(t.served);
                (
                    t.served_rps,
                    t.mean_in_flight,
                    t.requests,
                    failed as f64 / t.requests.max(1) as f64,
                )
            }
            None => (0.0, 0.0, 0, 0.0),
        };
        let mut v = Verdict {
            status: VerdictStatus::NotAssessed,
            required_rps: ENTRA_REQUIRED_RPS,
            achieved_rps: achieved,
            concurrency,
            mean_in_flight: in_flight,
            reason: String::new(),
        };
        if let Some(rate) = pace.per_second().filter(|r| *r < ENTRA_REQUIRED_RPS) {
            v.reason = format!(
                "paced at {rate} requests/s per job, below the {ENTRA_REQUIRED_RPS} to assess: raise --rate"
            );
            return v;
        }
        if requests < ENTRA_REQUIRED_RPS as u64 {
            v.reason = format!(
                "too few requests ({requests}) to measure a rate: simulate a larger tenant"
            );
            return v;
        }
        if achieved >= ENTRA_REQUIRED_RPS * PACE_TOLERANCE {
            v.status = VerdictStatus::Met;
            v.reason = format!(
                "{achieved:.1} served requests/s per job at concurrency {concurrency} ({in_flight:.1} in flight on average)"
            );
        } else {
            v.status = VerdictStatus::NotMet;
            let why = if throttling.responses > 0 {
                format!(
                    "it answered 429 {} time(s), pausing the job(s) {:.1} s in all",
                    throttling.responses,
                    throttling.paused.as_secs_f64()
                )
            } else if throttled_share > 0.05 {
                format!(
                    "{:.0}% of requests failed (5xx, transport)",
                    throttled_share * 100.0
                )
            } else if in_flight >= concurrency as f64 * 0.8 {
                format!(
                    "all {concurrency} requests in flight were busy: answers are too slow for this concurrency"
                )
            } else {
                "the endpoint answered too slowly".to_string()
            };
            v.reason = format!(
                "only {achieved:.1} served requests/s per job at concurrency {concurrency}: {why}"
            );
        }
        v
    }
}

/// The end state compared with what was sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Verification {
    /// Users read back.
    pub users_checked: usize,
    /// Groups read back.
    pub groups_checked: usize,
    /// Why verification did not run, if it did not.
    pub skipped: Option<String>,
    /// Everything that differs from what was sent.
    pub discrepancies: Vec<Discrepancy>,
    /// Observations that are not losses (a filter still lagging at verification...).
    pub notes: Vec<String>,
}

/// One difference between the endpoint's end state and what was sent, with the requests that
/// led to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Discrepancy {
    /// The job (tenant).
    pub job: usize,
    /// The object: its userName or displayName (its matching value).
    pub object: String,
    /// What differs.
    pub kind: DiscrepancyKind,
    /// The requests sent for it, in order.
    pub requests: Vec<SentRequest>,
}

/// What differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiscrepancyKind {
    /// The match query finds several users: a match missed a user created earlier.
    DuplicateUser {
        /// Every id found.
        ids: Vec<String>,
    },
    /// The match query finds several groups.
    DuplicateGroup {
        /// Every id found.
        ids: Vec<String>,
    },
    /// A user whose create was answered 2xx is gone.
    MissingUser {
        /// Its id.
        id: String,
    },
    /// A group whose create was answered 2xx is gone.
    MissingGroup {
        /// Its id.
        id: String,
    },
    /// A resource exists although every create for it was answered with an error.
    CreatedDespiteError {
        /// Its id.
        id: String,
    },
    /// An attribute does not hold the last value sent.
    WrongValue {
        /// The attribute path.
        attribute: String,
        /// The last value sent.
        expected: String,
        /// What the endpoint holds (`None`: absent).
        actual: Option<String>,
    },
    /// A deprovisioned user is still active.
    StillActive,
    /// A user never deprovisioned is inactive.
    Inactive,
    /// A user deprovisioned by DELETE is still there.
    StillPresent,
    /// A member added (and not removed) is missing.
    MemberMissing {
        /// The member's id.
        id: String,
    },
    /// A member never added, or removed, is present.
    UnexpectedMember {
        /// The member's id.
        id: String,
    },
}

impl DiscrepancyKind {
    /// The kind in one word, as the reports name it (`duplicate_user`, `wrong_value`...).
    pub fn name(&self) -> &'static str {
        match self {
            DiscrepancyKind::DuplicateUser { .. } => "duplicate_user",
            DiscrepancyKind::DuplicateGroup { .. } => "duplicate_group",
            DiscrepancyKind::MissingUser { .. } => "missing_user",
            DiscrepancyKind::MissingGroup { .. } => "missing_group",
            DiscrepancyKind::CreatedDespiteError { .. } => "created_despite_error",
            DiscrepancyKind::WrongValue { .. } => "wrong_value",
            DiscrepancyKind::StillActive => "still_active",
            DiscrepancyKind::Inactive => "inactive",
            DiscrepancyKind::StillPresent => "still_present",
            DiscrepancyKind::MemberMissing { .. } => "member_missing",
            DiscrepancyKind::UnexpectedMember { .. } => "unexpected_member",
        }
    }

    /// What is wrong, in words.
    pub fn describe(&self) -> String {
        match self {
            DiscrepancyKind::DuplicateUser { ids } => {
                format!("{} users match it (ids {})", ids.len(), ids.join(", "))
            }
            DiscrepancyKind::DuplicateGroup { ids } => {
                format!("{} groups match it (ids {})", ids.len(), ids.join(", "))
            }
            DiscrepancyKind::MissingUser { id } => {
                format!("user {id} is gone although its create was acknowledged")
            }
            DiscrepancyKind::MissingGroup { id } => {
                format!("group {id} is gone although its create was acknowledged")
            }
            DiscrepancyKind::CreatedDespiteError { id } => {
                format!("{id} exists although every create for it was answered with an error")
            }
            DiscrepancyKind::WrongValue {
                attribute,
                expected,
                actual,
            } => format!(
                "{attribute} is {} instead of {expected:?} (the last value sent)",
                actual
                    .as_ref()
                    .map_or("absent".to_string(), |a| format!("{a:?}"))
            ),
            DiscrepancyKind::StillActive => "still active after its deprovisioning".into(),
            DiscrepancyKind::Inactive => "inactive although never deprovisioned".into(),
            DiscrepancyKind::StillPresent => "still present after its deprovisioning DELETE".into(),
            DiscrepancyKind::MemberMissing { id } => {
                format!("member {id} is missing (its add was acknowledged)")
            }
            DiscrepancyKind::UnexpectedMember { id } => {
                format!("member {id} is present but was never added, or was removed")
            }
        }
    }
}

/// One request as shown beside a discrepancy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentRequest {
    /// What it was for.
    pub kind: RequestKind,
    /// `PATCH Groups/<id>`.
    pub line: String,
    /// What came back: `201`, `500 Internal Server Error`, `timeout`, `not sent (stopped)`.
    pub outcome: String,
    /// When it was answered, from the run's start.
    pub at: Duration,
}

/// One interval of the timeline (every stage).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelinePoint {
    /// The interval's start, from the run's start.
    pub at: Duration,
    /// Its length.
    pub width: Duration,
    /// Requests answered in it (or failed).
    pub requests: u64,
    /// Of those, errors (429 included).
    pub errors: u64,
    /// Of those, 429s.
    pub throttled: u64,
    /// Median latency of its requests.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
}

impl TimelinePoint {
    /// Requests per second in the interval.
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.width.as_secs_f64().max(1e-9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_within_the_lag_are_named_lag_artefacts() {
        let dup = Discrepancy {
            job: 0,
            object: "user 3".into(),
            kind: DiscrepancyKind::DuplicateUser {
                ids: vec!["a".into(), "b".into()],
            },
            requests: vec![],
        };
        let lag = LagStats {
            probes: 3,
            found: 3,
            max: Some(Duration::from_millis(300)),
            ..LagStats::default()
        };
        let quick = Timing {
            gap: Duration::from_millis(10),
            interval: None,
        };
        let note = quick
            .lag_artefacts(&lag, std::slice::from_ref(&dup))
            .unwrap();
        assert!(
            note.starts_with(
                "1 duplicate(s) or object(s) created despite errors may be lag artefacts"
            ),
            "{note}"
        );
        // No duplicate, a gap longer than the lag, or Entra's own interval: no note.
        assert!(quick.lag_artefacts(&lag, &[]).is_none());
        let patient = Timing {
            gap: Duration::from_secs(1),
            interval: Some(Duration::from_secs(1)),
        };
        assert!(patient
            .lag_artefacts(&lag, std::slice::from_ref(&dup))
            .is_none());
        let entra = Timing {
            gap: crate::simulate::settings::ENTRA_CYCLE_INTERVAL,
            interval: Some(crate::simulate::settings::ENTRA_CYCLE_INTERVAL),
        };
        assert!(!entra.compressed());
        assert!(entra.describe().contains("as Entra's does"));
        // A lag longer than the probes' bound is longer than any short gap.
        let unbounded = LagStats {
            probes: 3,
            not_found: 1,
            bound: Duration::from_secs(30),
            ..LagStats::default()
        };
        assert!(patient
            .lag_artefacts(&unbounded, std::slice::from_ref(&dup))
            .unwrap()
            .contains("over 30"));
    }

    fn job(served_rps: f64, requests: u64, served: u64, in_flight: f64) -> JobThroughput {
        JobThroughput {
            job: 0,
            prefix: "scimconf-r-0-".into(),
            throughput: Throughput {
                requests,
                served,
                served_rps,
                mean_in_flight: in_flight,
                ..Throughput::default()
            },
        }
    }

    #[test]
    fn the_slowest_job_decides() {
        let pace = Pace::PerSecond(25.0);
        let none = Throttling::default();
        let v = Verdict::judge(&[job(24.9, 500, 500, 1.2)], pace, 5, &none);
        assert_eq!(v.status, VerdictStatus::Met, "{}", v.reason);
        let v = Verdict::judge(
            &[job(40.0, 500, 500, 1.0), job(9.0, 500, 200, 1.0)],
            pace,
            5,
            &none,
        );
        assert_eq!(v.status, VerdictStatus::NotMet);
        assert!(v.reason.contains("5xx"), "{}", v.reason);
        let throttled = Throttling {
            responses: 3,
            ..Throttling::default()
        };
        let v = Verdict::judge(&[job(9.0, 500, 500, 1.0)], pace, 5, &throttled);
        assert!(v.reason.contains("429 3 time"), "{}", v.reason);
        let v = Verdict::judge(&[job(12.0, 500, 500, 4.9)], pace, 5, &none);
        assert!(v.reason.contains("busy"), "{}", v.reason);
        let v = Verdict::judge(&[job(10.0, 500, 500, 1.0)], Pace::PerSecond(10.0), 5, &none);
        assert_eq!(v.status, VerdictStatus::NotAssessed);
        let v = Verdict::judge(&[job(10.0, 3, 3, 1.0)], Pace::Unpaced, 5, &none);
        assert_eq!(v.status, VerdictStatus::NotAssessed);
    }

    #[test]
    fn projection_uses_entras_formula() {
        let p = Projection::new(21_000, 33_000, Some(100.0));
        assert_eq!(p.entra_min, Duration::from_secs(210 * 60));
        assert_eq!(p.entra_max, Duration::from_secs(1680 * 60));
        assert_eq!(p.at_required, Duration::from_secs(1320));
        assert_eq!(p.at_measured, Some(Duration::from_secs(330)));
        assert_eq!(Projection::new(1, 1, Some(f64::NAN)).at_measured, None);
    }
}
