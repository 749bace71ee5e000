//! Measurements while the run goes: every try of every request lands here (latency in an HDR
//! histogram per kind, its error class, its interval of the timeline, its job's counters), as do
//! 429 pauses and lag probes. [`Live`] is the cheap view the progress display reads.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::kind::{ErrorClass, RequestKind, Stage};
use super::report::{
    ErrorCount, JobThroughput, KindStats, LagStats, Throttling, Throughput, TimelinePoint,
};

/// Highest latency tracked exactly, in microseconds (an hour; longer ones count as an hour).
const MAX_MICROS: u64 = 3_600_000_000;
/// The timeline keeps at most this many intervals; past it, neighbours merge (width doubles).
const MAX_INTERVALS: usize = 600;

/// What one try of a request came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryResult {
    /// An answer with this status.
    Answered(u16),
    /// No usable answer.
    Failed(ErrorClass),
}

impl TryResult {
    /// Whether the endpoint served it: a 2xx (a 4xx did not do what was asked, however fast).
    pub fn served(self) -> bool {
        matches!(self, TryResult::Answered(s) if (200..300).contains(&s))
    }

    /// Its error class, if it is an error (a 429 counts as throttling, not here).
    pub fn error(self) -> Option<ErrorClass> {
        match self {
            TryResult::Answered(429) => None,
            TryResult::Answered(s) => ErrorClass::of_status(s),
            TryResult::Failed(c) => Some(c),
        }
    }
}

/// What the progress display shows, updated as requests complete.
#[derive(Debug, Default)]
pub struct Live {
    /// Requests completed (every try).
    pub done: AtomicU64,
    /// Tries that failed (429 included).
    pub errors: AtomicU64,
    /// Requests the plan expects (all stages, all jobs).
    pub planned: AtomicU64,
    stage: Mutex<String>,
}

impl Live {
    /// What the run is doing now.
    pub fn stage(&self) -> String {
        self.stage.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Says what the run is doing now.
    pub fn set_stage(&self, text: impl Into<String>) {
        if let Ok(mut s) = self.stage.lock() {
            *s = text.into();
        }
    }
}

#[derive(Debug, Default, Clone)]
struct JobCounts {
    requests: u64,
    served: u64,
    latency: Duration,
    window: Option<(Duration, Duration)>,
    initial: Duration,
    /// The pause between the job's cycles (not part of its throughput).
    paused: Duration,
}

#[derive(Debug)]
struct Interval {
    requests: u64,
    errors: u64,
    throttled: u64,
    latency: Histogram<u32>,
}

impl Interval {
    fn new() -> Interval {
        Interval {
            requests: 0,
            errors: 0,
            throttled: 0,
            latency: micros_histogram(2),
        }
    }
}

#[derive(Debug)]
struct Inner {
    kinds: BTreeMap<RequestKind, (Histogram<u64>, u64)>,
    errors: BTreeMap<ErrorClass, u64>,
    throttling: Throttling,
    jobs: Vec<JobCounts>,
    width: Duration,
    intervals: Vec<Interval>,
    lag: Histogram<u64>,
    lag_missed: u64,
    lag_probes: u64,
}

/// Everything measured in a run, shared by its jobs.
#[derive(Debug)]
pub struct Recorder {
    start: Instant,
    inner: Mutex<Inner>,
    /// The progress view.
    pub live: Live,
}

fn micros_histogram<T: hdrhistogram::Counter>(sigfig: u8) -> Histogram<T> {
    // The bounds are constants that hdrhistogram accepts; a refusal would be a bug here.
    Histogram::new_with_bounds(1, MAX_MICROS, sigfig)
        .unwrap_or_else(|e| unreachable!("histogram bounds: {e}"))
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

fn from_micros(v: u64) -> Duration {
    Duration::from_micros(v)
}

impl Recorder {
    /// A recorder for `jobs` jobs, its clock starting now.
    pub fn new(jobs: usize) -> Recorder {
        Recorder {
            start: Instant::now(),
            inner: Mutex::new(Inner {
                kinds: BTreeMap::new(),
                errors: BTreeMap::new(),
                throttling: Throttling::default(),
                jobs: vec![JobCounts::default(); jobs],
                width: Duration::from_secs(1),
                intervals: Vec::new(),
                lag: micros_histogram(3),
                lag_missed: 0,
                lag_probes: 0,
            }),
            live: Live::default(),
        }
    }

    /// When the run started.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// Time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Records one try: `job`'s request of `kind`, answered (or failed) `latency` after it was
    /// sent, now.
    pub fn record(&self, job: usize, kind: RequestKind, latency: Duration, result: TryResult) {
        self.record_at(job, kind, self.elapsed(), latency, result);
    }

    /// Records one try answered `at` (from the run's start): a try measured elsewhere, such as
    /// a Locust worker's (`simulate verify`).
    pub fn record_at(
        &self,
        job: usize,
        kind: RequestKind,
        at: Duration,
        latency: Duration,
        result: TryResult,
    ) {
        let us = micros(latency);
        // A read-back of a deleted resource is meant to answer 404: that is its success.
        let expected_gone =
            kind == RequestKind::CleanupCheck && matches!(result, TryResult::Answered(404 | 410));
        let error = result.error().filter(|_| !expected_gone);
        let throttled = result == TryResult::Answered(429);
        self.live.done.fetch_add(1, Ordering::Relaxed);
        if error.is_some() || throttled {
            self.live.errors.fetch_add(1, Ordering::Relaxed);
        }
        self.with(|inner| {
            let entry = inner
                .kinds
                .entry(kind)
                .or_insert_with(|| (micros_histogram(3), 0));
            entry.0.saturating_record(us);
            if error.is_some() || throttled {
                entry.1 += 1;
            }
            if let Some(c) = error {
                *inner.errors.entry(c).or_default() += 1;
            }
            if throttled {
                inner.throttling.responses += 1;
            }
            if kind.stage() == Stage::Cycles {
                if let Some(j) = inner.jobs.get_mut(job) {
                    j.requests += 1;
                    j.served += u64::from(result.served());
                    j.latency += latency;
                }
            }
            let mut index = (at.as_nanos() / inner.width.as_nanos().max(1)) as usize;
            while index >= MAX_INTERVALS {
                merge_intervals(inner);
                index = (at.as_nanos() / inner.width.as_nanos().max(1)) as usize;
            }
            while inner.intervals.len() <= index {
                inner.intervals.push(Interval::new());
            }
            if let Some(iv) = inner.intervals.get_mut(index) {
                iv.requests += 1;
                iv.errors += u64::from(error.is_some() || throttled);
                iv.throttled += u64::from(throttled);
                iv.latency.saturating_record(us);
            }
        });
    }

    /// Records a pause of `job` for a 429's `Retry-After` (`extended`: the pause was taken or
    /// lengthened by this amount).
    pub fn paused(&self, extended: Duration) {
        self.with(|inner| {
            inner.throttling.pauses += 1;
            inner.throttling.paused += extended;
        });
    }

    /// Records a request still answered 429 after every try.
    pub fn gave_up(&self) {
        self.with(|inner| {
            inner.throttling.gave_up += 1;
            *inner.errors.entry(ErrorClass::Status(429)).or_default() += 1;
        });
    }

    /// Records a lag probe: the lag it found, or `None` when it gave up.
    pub fn lag(&self, found: Option<Duration>) {
        self.with(|inner| {
            inner.lag_probes += 1;
            match found {
                Some(d) => {
                    inner.lag.saturating_record(micros(d));
                }
                None => inner.lag_missed += 1,
            }
        });
    }

    /// Marks the start and end of `job`'s cycles (from the run's start), how long its initial
    /// cycle took, and how long it paused between its cycles: the pause is not throughput.
    pub fn cycles(
        &self,
        job: usize,
        from: Duration,
        to: Duration,
        initial: Duration,
        paused: Duration,
    ) {
        self.with(|inner| {
            if let Some(j) = inner.jobs.get_mut(job) {
                j.window = Some((from, to));
                j.initial = initial;
                j.paused = paused;
            }
        });
    }

    /// How long `job` paused between its cycles, as [`Recorder::cycles`] recorded it.
    pub fn paused_of(&self, job: usize) -> Duration {
        self.with(|inner| inner.jobs.get(job).map(|j| j.paused).unwrap_or_default())
    }

    /// The latency of every kind seen, in cycle order.
    pub fn kinds(&self) -> Vec<KindStats> {
        self.with(|inner| {
            inner
                .kinds
                .iter()
                .map(|(kind, (h, errors))| KindStats {
                    kind: *kind,
                    count: h.len(),
                    errors: *errors,
                    p50: from_micros(h.value_at_quantile(0.50)),
                    p95: from_micros(h.value_at_quantile(0.95)),
                    p99: from_micros(h.value_at_quantile(0.99)),
                    max: from_micros(h.max()),
                })
                .collect()
        })
    }

    /// Failed tries by class.
    pub fn errors(&self) -> Vec<ErrorCount> {
        self.with(|inner| {
            inner
                .errors
                .iter()
                .map(|(class, count)| ErrorCount {
                    class: *class,
                    count: *count,
                })
                .collect()
        })
    }

    /// 429s and pauses.
    pub fn throttling(&self) -> Throttling {
        self.with(|inner| inner.throttling.clone())
    }

    /// The lag probes' findings; `bound` is how long each kept asking.
    pub fn lag_stats(&self, bound: Duration) -> LagStats {
        self.with(|inner| {
            let found = inner.lag.len();
            let q = |q: f64| (found > 0).then(|| from_micros(inner.lag.value_at_quantile(q)));
            LagStats {
                probes: inner.lag_probes,
                found,
                not_found: inner.lag_missed,
                bound,
                p50: q(0.5),
                p95: q(0.95),
                max: (found > 0).then(|| from_micros(inner.lag.max())),
            }
        })
    }

    /// The longest lag a probe found, if any found one.
    pub fn max_lag(&self) -> Option<Duration> {
        self.with(|inner| (!inner.lag.is_empty()).then(|| from_micros(inner.lag.max())))
    }

    /// The timeline, interval by interval.
    pub fn timeline(&self) -> Vec<TimelinePoint> {
        self.with(|inner| {
            let width = inner.width;
            inner
                .intervals
                .iter()
                .enumerate()
                .map(|(i, iv)| TimelinePoint {
                    at: width * i as u32,
                    width,
                    requests: iv.requests,
                    errors: iv.errors,
                    throttled: iv.throttled,
                    p50: if iv.requests > 0 {
                        from_micros(iv.latency.value_at_quantile(0.5))
                    } else {
                        Duration::ZERO
                    },
                    p99: if iv.requests > 0 {
                        from_micros(iv.latency.value_at_quantile(0.99))
                    } else {
                        Duration::ZERO
                    },
                })
                .collect()
        })
    }

    /// Throughput of each job's cycles, and over all jobs.
    pub fn throughput(&self, prefixes: &[String]) -> (Throughput, Vec<JobThroughput>) {
        let peak = self
            .timeline()
            .iter()
            .map(TimelinePoint::rps)
            .fold(0.0, f64::max);
        self.with(|inner| {
            let rate = |requests: u64, served: u64, latency: Duration, secs: f64| {
                let secs = secs.max(1e-6);
                Throughput {
                    requests,
                    served,
                    seconds: secs,
                    initial: Duration::ZERO,
                    rps: requests as f64 / secs,
                    served_rps: served as f64 / secs,
                    peak_rps: 0.0,
                    mean_in_flight: latency.as_secs_f64() / secs,
                }
            };
            let jobs: Vec<JobThroughput> = inner
                .jobs
                .iter()
                .enumerate()
                .map(|(i, j)| {
                    let secs = j
                        .window
                        .map_or(0.0, |(a, b)| (b - a).saturating_sub(j.paused).as_secs_f64());
                    JobThroughput {
                        job: i,
                        prefix: prefixes.get(i).cloned().unwrap_or_default(),
                        throughput: Throughput {
                            initial: j.initial,
                            ..rate(j.requests, j.served, j.latency, secs)
                        },
                    }
                })
                .collect();
            let from = inner
                .jobs
                .iter()
                .filter_map(|j| j.window.map(|w| w.0))
                .min();
            let to = inner
                .jobs
                .iter()
                .filter_map(|j| j.window.map(|w| w.1))
                .max();
            // Every job paused at least this long between its cycles.
            let paused = inner
                .jobs
                .iter()
                .map(|j| j.paused)
                .min()
                .unwrap_or_default();
            let secs = match (from, to) {
                (Some(a), Some(b)) => (b - a).saturating_sub(paused).as_secs_f64(),
                _ => 0.0,
            };
            let sum = |f: fn(&JobCounts) -> u64| inner.jobs.iter().map(f).sum::<u64>();
            let latency = inner.jobs.iter().map(|j| j.latency).sum();
            let mut all = rate(sum(|j| j.requests), sum(|j| j.served), latency, secs);
            all.peak_rps = peak;
            all.initial = inner
                .jobs
                .iter()
                .map(|j| j.initial)
                .max()
                .unwrap_or_default();
            (all, jobs)
        })
    }
}

fn merge_intervals(inner: &mut Inner) {
    let old = std::mem::take(&mut inner.intervals);
    let mut merged: Vec<Interval> = Vec::with_capacity(old.len() / 2 + 1);
    for (i, iv) in old.into_iter().enumerate() {
        if i % 2 == 0 {
            merged.push(iv);
        } else if let Some(last) = merged.last_mut() {
            last.requests += iv.requests;
            last.errors += iv.errors;
            last.throttled += iv.throttled;
            // Same bounds on both sides: adding cannot fail.
            let _ = last.latency.add(&iv.latency);
        }
    }
    inner.intervals = merged;
    inner.width *= 2;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tries_land_in_kinds_errors_jobs_and_the_timeline() {
        let r = Recorder::new(2);
        let ms = Duration::from_millis;
        r.record(0, RequestKind::UserCreate, ms(10), TryResult::Answered(201));
        r.record(0, RequestKind::UserCreate, ms(30), TryResult::Answered(500));
        r.record(1, RequestKind::UserMatch, ms(5), TryResult::Answered(429));
        r.record(
            1,
            RequestKind::UserMatch,
            ms(5),
            TryResult::Failed(ErrorClass::Timeout),
        );
        r.record(0, RequestKind::VerifyUser, ms(1), TryResult::Answered(404));
        r.cycles(
            0,
            Duration::ZERO,
            Duration::from_secs(2),
            Duration::from_secs(1),
            Duration::ZERO,
        );
        r.cycles(
            1,
            Duration::ZERO,
            Duration::from_secs(1),
            Duration::from_secs(1),
            Duration::ZERO,
        );
        let kinds = r.kinds();
        let create = kinds
            .iter()
            .find(|k| k.kind == RequestKind::UserCreate)
            .unwrap();
        assert_eq!((create.count, create.errors), (2, 1));
        assert!(create.max >= ms(29) && create.p50 <= ms(11), "{create:?}");
        let errors = r.errors();
        assert!(errors.contains(&ErrorCount {
            class: ErrorClass::ServerError,
            count: 1
        }));
        assert!(errors.contains(&ErrorCount {
            class: ErrorClass::Timeout,
            count: 1
        }));
        assert!(errors.contains(&ErrorCount {
            class: ErrorClass::Status(404),
            count: 1
        }));
        assert_eq!(r.throttling().responses, 1);
        let (all, jobs) = r.throughput(&["a".into(), "b".into()]);
        assert_eq!(
            (all.requests, all.served),
            (4, 1),
            "verification is not a cycle"
        );
        assert_eq!(jobs[0].throughput.served_rps, 0.5);
        assert_eq!(r.timeline().iter().map(|p| p.requests).sum::<u64>(), 5);
        assert_eq!(r.live.done.load(Ordering::Relaxed), 5);
    }

    #[test]
    fn a_long_timeline_merges_intervals() {
        let r = Recorder::new(1);
        r.with(|inner| {
            for _ in 0..MAX_INTERVALS {
                let mut iv = Interval::new();
                iv.requests = 1;
                inner.intervals.push(iv);
            }
            merge_intervals(inner);
        });
        let t = r.timeline();
        assert_eq!(t.len(), MAX_INTERVALS / 2);
        assert_eq!(t[0].width, Duration::from_secs(2));
        assert_eq!(t[0].requests, 2);
    }

    #[test]
    fn lag_probes_are_summarised() {
        let r = Recorder::new(1);
        r.lag(Some(Duration::from_millis(100)));
        r.lag(None);
        let l = r.lag_stats(Duration::from_secs(30));
        assert_eq!((l.probes, l.found, l.not_found), (2, 1, 1));
        assert!(l.max.unwrap() >= Duration::from_millis(99));
    }
}
