//! What a simulation run is asked to do: tenant size, jobs, pace, concurrency, bounds, and the
//! shares of the incremental cycle — with the researched defaults and the limits that keep a run
//! bounded in count and time.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Microsoft's gallery requirement: "Support at least 25 requests per second per tenant so that
/// users and groups are provisioned and deprovisioned without delay" (Entra app-gallery
/// requirements; research.md §C). The default pace per job and the verdict's threshold.
pub const ENTRA_REQUIRED_RPS: f64 = 25.0;

/// Members per member-add PATCH. Entra batches member adds ("Support updating multiple group
/// memberships with a single PATCH", gallery checklist) but its batch size is undocumented
/// (entra-protocol.md §3.5). 20 is the batch Entra's own directory uses for member changes
/// (Microsoft Graph: "Up to 20 members can be added in a single request"), and stays inside the
/// limits SCIM services publish (AWS IAM Identity Center, an Entra gallery target: at most 100
/// membership changes per PATCH). `--member-batch` changes it.
pub const DEFAULT_MEMBER_BATCH: usize = 20;

/// Requests in flight per job. Entra's concurrency is undocumented (entra-protocol.md §10.8);
/// the only Microsoft-authored figure is the gallery validation Logic App, which sends 5
/// requests in parallel (research.md §C).
pub const DEFAULT_CONCURRENCY: usize = 5;

/// Most users per job.
pub const MAX_USERS: usize = 1_000_000;
/// Most groups per job.
pub const MAX_GROUPS: usize = 100_000;
/// Most parallel jobs.
pub const MAX_JOBS: usize = 64;
/// Most requests in flight per job.
pub const MAX_CONCURRENCY: usize = 1024;

/// How fast one job sends: at most this many requests per second, or as fast as its
/// concurrency allows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    /// At most this many requests per second per job (spaced evenly).
    PerSecond(f64),
    /// No pacing: as fast as the concurrency allows (`--rate max`).
    Unpaced,
}

impl Pace {
    /// Requests per second, or `None` when unpaced.
    pub fn per_second(self) -> Option<f64> {
        match self {
            Pace::PerSecond(r) => Some(r),
            Pace::Unpaced => None,
        }
    }
}

impl FromStr for Pace {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("max") || s.eq_ignore_ascii_case("unlimited") {
            return Ok(Pace::Unpaced);
        }
        match s.parse::<f64>() {
            Ok(r) if r.is_finite() && r > 0.0 && r <= 1_000_000.0 => Ok(Pace::PerSecond(r)),
            _ => Err(format!(
                "`{s}` is not a rate: give requests per second (e.g. 25 or 2.5), or max"
            )),
        }
    }
}

impl fmt::Display for Pace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pace::PerSecond(r) => write!(f, "{r} requests/s per job"),
            Pace::Unpaced => f.write_str("unpaced (as fast as the concurrency allows)"),
        }
    }
}

/// A duration flag: `90`, `90s`, `15m`, `2h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (e.g. 90, 90s, 15m, 2h)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("`{s}`: unknown unit `{unit}` (ms, s, m or h)")),
    };
    if !secs.is_finite() || secs <= 0.0 || secs > 7.0 * 24.0 * 3600.0 {
        return Err(format!("`{s}` must be more than 0 and at most a week"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The settings of one simulation run.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Users per job's tenant.
    pub users: usize,
    /// Groups per job's tenant.
    pub groups: usize,
    /// Members of each group.
    pub members_per_group: usize,
    /// Independent tenants run in parallel, each its own job and name space.
    pub jobs: usize,
    /// The pace per job.
    pub pace: Pace,
    /// Requests in flight per job, at most.
    pub concurrency: usize,
    /// The hard bound on the provisioning cycles: when reached, no new request is sent and the
    /// run cleans up.
    pub max_duration: Duration,
    /// Members per member-add PATCH.
    pub member_batch: usize,
    /// Share of users whose attributes change in the incremental cycle.
    pub change_share: f64,
    /// Share of users deprovisioned (disabled) in the incremental cycle.
    pub disable_share: f64,
    /// Share of groups whose membership changes (one removed, one added) in the incremental
    /// cycle.
    pub membership_share: f64,
    /// Users per job whose match query is repeated after their create until it finds them
    /// (read-after-write lag).
    pub lag_probes: usize,
    /// How long a lag probe keeps asking.
    pub lag_bound: Duration,
    /// Leave what was created on the target (no cleanup).
    pub keep: bool,
    /// Seed for the tenant's shape (memberships, who changes).
    pub seed: u64,
    /// Tries of a request answered 429 before it counts as failed (each after the job's pause).
    pub throttle_tries: u32,
    /// Most time one 429 may pause a job (a target controls `Retry-After`).
    pub max_pause: Duration,
    /// The tenant size (users) the quarantine forecast is for; `None`: the simulated size.
    pub forecast_users: Option<u64>,
    /// The pause between the initial and the incremental cycle, which also carries the
    /// retries of failed objects (Entra's: about [`ENTRA_CYCLE_INTERVAL`]); `None`: compressed,
    /// waiting out only the longest read-after-write lag measured before retried creates.
    pub cycle_interval: Option<Duration>,
}

/// How long after a cycle Entra's next one comes: "approximately every 40 minutes as long as
/// the service is running" (ED-SCIM); failed objects are "retried in the next sync cycle"
/// (ED-HOW), 5xx and timeouts "automatically retried in 40 minutes" (ED-LOGS).
pub const ENTRA_CYCLE_INTERVAL: Duration = Duration::from_secs(40 * 60);

impl Default for Settings {
    fn default() -> Self {
        Settings {
            users: 100,
            groups: 10,
            members_per_group: 10,
            jobs: 1,
            pace: Pace::PerSecond(ENTRA_REQUIRED_RPS),
            concurrency: DEFAULT_CONCURRENCY,
            max_duration: Duration::from_secs(3600),
            member_batch: DEFAULT_MEMBER_BATCH,
            change_share: 0.10,
            disable_share: 0.05,
            membership_share: 0.10,
            lag_probes: 20,
            lag_bound: Duration::from_secs(30),
            keep: false,
            seed: 1,
            throttle_tries: 10,
            max_pause: Duration::from_secs(60),
            forecast_users: None,
            cycle_interval: None,
        }
    }
}

impl Settings {
    /// Why these settings cannot run, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        let share = |name: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!("{name} must be between 0 and 1, not {v}"))
            }
        };
        if !(1..=MAX_USERS).contains(&self.users) {
            return Err(format!("--users must be 1 to {MAX_USERS}"));
        }
        if let Some(d) = self.cycle_interval.filter(|d| *d >= self.max_duration) {
            return Err(format!(
                "--cycle-interval {}s needs a longer --max-duration (now {}s): the run would stop before its incremental cycle",
                d.as_secs(),
                self.max_duration.as_secs()
            ));
        }
        if self.groups > MAX_GROUPS {
            return Err(format!("--groups must be at most {MAX_GROUPS}"));
        }
        if self.groups > 0 && self.members_per_group > self.users {
            return Err(format!(
                "--members-per-group {} is more than --users {}",
                self.members_per_group, self.users
            ));
        }
        if !(1..=MAX_JOBS).contains(&self.jobs) {
            return Err(format!("--jobs must be 1 to {MAX_JOBS}"));
        }
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(format!("--concurrency must be 1 to {MAX_CONCURRENCY}"));
        }
        if !(1..=1000).contains(&self.member_batch) {
            return Err("--member-batch must be 1 to 1000".into());
        }
        share("--change-share", self.change_share)?;
        share("--disable-share", self.disable_share)?;
        share("--membership-share", self.membership_share)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paces_and_durations_parse() {
        assert_eq!("25".parse::<Pace>().unwrap(), Pace::PerSecond(25.0));
        assert_eq!("MAX".parse::<Pace>().unwrap(), Pace::Unpaced);
        assert!("0".parse::<Pace>().is_err());
        assert!("-3".parse::<Pace>().is_err());
        assert!("NaN".parse::<Pace>().is_err());
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("3 weeks").is_err());
        assert!(parse_duration("é").is_err());
    }

    #[test]
    fn settings_are_bounded() {
        assert!(Settings::default().check().is_ok());
        let bad = |edit: fn(&mut Settings)| {
            let mut s = Settings::default();
            edit(&mut s);
            s.check().is_err()
        };
        assert!(bad(|s| s.users = 0));
        assert!(bad(|s| s.members_per_group = 101));
        assert!(bad(|s| s.jobs = 65));
        assert!(bad(|s| s.concurrency = 0));
        assert!(bad(|s| s.change_share = 1.5));
    }
}
