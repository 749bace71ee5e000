//! How long the endpoint took to answer: every answered request of a run's trials, the ones
//! slower than `--slow-ms`, and the run's median and maximum. A slow answer is a warning, never
//! a failure: Entra's provisioning requests time out (Microsoft asks endpoints to answer within
//! 60 seconds), so an endpoint that answers within the harness's `--timeout` but slowly passes
//! every check and still risks Entra's `Timeout` errors under a real provisioning cycle.

use std::time::Duration;

use super::{Exchange, Phase, TrialOutcome};

/// The default of `--slow-ms`: answers slower than this many milliseconds are named in a
/// warning. Well under the 60 seconds Microsoft asks of SCIM endpoints and the harness's
/// 30-second `--timeout`; at this latency the pace a gallery app must keep (25 requests per
/// second per tenant) already takes 125 requests in flight.
pub const DEFAULT_SLOW_MS: u64 = 5000;

/// How many of the slow requests the terminal summary and the document reports name (the JSON
/// report lists them all).
pub const SLOWEST_NAMED: usize = 5;

/// One request answered more slowly than the threshold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlowRequest {
    /// The trial that sent it.
    pub trial: String,
    /// The step (0-based), if it belongs to one.
    pub step: Option<usize>,
    /// The step's name, or what the harness was doing (`cleanup`).
    pub step_name: String,
    /// Scenario step, harness lookup or cleanup.
    pub phase: Phase,
    /// HTTP method.
    pub method: String,
    /// The URL as recorded (secrets redacted).
    pub url: String,
    /// The resource addressed, ids left out: `Users`, `Users/{id}`, `Groups/{id}`.
    pub resource: String,
    /// How long the endpoint took to answer (throttling waits left out).
    pub answer_time: Duration,
    /// Throttling answers (429/503) waited out before the answer.
    pub throttled: usize,
}

/// The latency of a run's answered requests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Latency {
    /// `--slow-ms`: answers slower than this are slow.
    pub threshold: Duration,
    /// How many requests were answered (transport errors have no answer time; a timeout is a
    /// failure of its own).
    pub answered: usize,
    /// The median answer time, if any request was answered.
    pub median: Option<Duration>,
    /// The slowest answer time, if any request was answered.
    pub max: Option<Duration>,
    /// Every answer slower than the threshold, slowest first (ties in run order).
    pub slow: Vec<SlowRequest>,
}

impl Latency {
    /// The latency of every answered request of these trials (scenario steps, the harness's
    /// lookups and cleanup alike), against `threshold`.
    pub fn of(trials: &[TrialOutcome], threshold: Duration) -> Latency {
        let mut times = Vec::new();
        let mut slow = Vec::new();
        for t in trials {
            for x in &t.exchanges {
                let Ok(r) = &x.response else {
                    continue;
                };
                let time = r.answer_time();
                times.push(time);
                if time > threshold {
                    slow.push(slow_request(t, x, time, r.throttled.len()));
                }
            }
        }
        // A stable sort: equally slow requests stay in run order.
        slow.sort_by_key(|s| std::cmp::Reverse(s.answer_time));
        times.sort_unstable();
        Latency {
            threshold,
            answered: times.len(),
            median: median(&times),
            max: times.last().copied(),
            slow,
        }
    }

    /// The slowest requests, at most [`SLOWEST_NAMED`].
    pub fn slowest(&self) -> &[SlowRequest] {
        &self.slow[..self.slow.len().min(SLOWEST_NAMED)]
    }
}

fn slow_request(t: &TrialOutcome, x: &Exchange, time: Duration, throttled: usize) -> SlowRequest {
    SlowRequest {
        trial: t.name.clone(),
        step: x.step,
        step_name: x.step_name.clone(),
        phase: x.phase,
        method: x.request.method.clone(),
        url: x.request.url.clone(),
        resource: super::cause::resource(&x.request.url),
        answer_time: time,
        throttled,
    }
}

/// The median of sorted times (the mean of the middle two for an even count).
fn median(sorted: &[Duration]) -> Option<Duration> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::TransportError;
    use crate::outcome::{RecordedRequest, RecordedResponse};

    fn exchange(method: &str, path: &str, phase: Phase, ms: Option<u64>) -> Exchange {
        Exchange {
            step: (phase == Phase::Step).then_some(1),
            step_name: match phase {
                Phase::Step => "read back".into(),
                Phase::Harness => "find the unanswered create".into(),
                Phase::Cleanup => "cleanup".into(),
            },
            phase,
            request: RecordedRequest {
                method: method.into(),
                url: format!("http://127.0.0.1:9/scim/{path}"),
                headers: vec![],
                body: None,
            },
            response: match ms {
                Some(ms) => Ok(RecordedResponse {
                    status: 200,
                    headers: vec![],
                    body: String::new(),
                    sent_at: None,
                    elapsed: Duration::from_millis(ms),
                    throttled: vec![],
                    waited: Duration::ZERO,
                }),
                None => Err(TransportError::Timeout(Duration::from_secs(30))),
            },
        }
    }

    fn trial(name: &str, exchanges: Vec<Exchange>) -> TrialOutcome {
        let mut t = TrialOutcome::new(name);
        t.exchanges = exchanges;
        t
    }

    #[test]
    fn every_phase_counts_and_the_slowest_come_first() {
        let trials = vec![
            trial(
                "v::users::create",
                vec![
                    exchange("POST", "Users", Phase::Step, Some(40)),
                    exchange("GET", "Users/abc", Phase::Step, Some(6000)),
                    exchange("DELETE", "Users/abc", Phase::Cleanup, Some(7000)),
                ],
            ),
            trial(
                "v::users::rename",
                vec![
                    exchange("GET", "Users?filter=x", Phase::Harness, Some(5001)),
                    exchange("PATCH", "Users/abc", Phase::Step, Some(20_100)),
                    // No answer: no answer time (the timeout is a failure of its own).
                    exchange("POST", "Users", Phase::Step, None),
                ],
            ),
        ];
        let l = Latency::of(&trials, Duration::from_millis(5000));
        assert_eq!(l.answered, 5);
        let named: Vec<(&str, &str, Phase, u128)> = l
            .slow
            .iter()
            .map(|s| {
                (
                    s.method.as_str(),
                    s.resource.as_str(),
                    s.phase,
                    s.answer_time.as_millis(),
                )
            })
            .collect();
        assert_eq!(
            named,
            [
                ("PATCH", "Users/{id}", Phase::Step, 20_100),
                ("DELETE", "Users/{id}", Phase::Cleanup, 7000),
                ("GET", "Users/{id}", Phase::Step, 6000),
                ("GET", "Users", Phase::Harness, 5001),
            ]
        );
        assert_eq!(l.slow[0].trial, "v::users::rename");
        assert_eq!(l.slow[0].step, Some(1));
        assert_eq!(l.slow[1].step, None);
        assert_eq!(l.median, Some(Duration::from_millis(6000)));
        assert_eq!(l.max, Some(Duration::from_millis(20_100)));
    }

    #[test]
    fn the_threshold_itself_is_not_slow_and_at_most_five_are_named() {
        let exchanges = (0..8)
            .map(|i| exchange("GET", "Users/a", Phase::Step, Some(100 + i)))
            .collect();
        let l = Latency::of(&[trial("v::s::e", exchanges)], Duration::from_millis(100));
        assert_eq!(l.slow.len(), 7, "exactly 100 ms is not over 100 ms");
        assert_eq!(l.slowest().len(), SLOWEST_NAMED);
        assert_eq!(l.slowest()[0].answer_time, Duration::from_millis(107));
        // Even count: the mean of the middle two.
        assert_eq!(l.median, Some(Duration::from_micros(103_500)));
    }

    #[test]
    fn throttling_waits_are_not_the_endpoints_slowness() {
        let mut x = exchange("GET", "Users/a", Phase::Step, Some(10_050));
        if let Ok(r) = &mut x.response {
            r.waited = Duration::from_secs(10);
            r.throttled = vec!["429 Too Many Requests (waited 10.0s)".into()];
        }
        let l = Latency::of(&[trial("v::s::e", vec![x])], Duration::from_millis(5000));
        assert!(l.slow.is_empty(), "{l:?}");
        assert_eq!(l.max, Some(Duration::from_millis(50)));
    }

    #[test]
    fn a_run_without_answers_has_no_median() {
        let l = Latency::of(&[], Duration::from_millis(5000));
        assert_eq!((l.answered, l.median, l.max), (0, None, None));
        assert!(l.slowest().is_empty());
    }
}
