//! When the run stops sending: a signal (SIGINT/SIGTERM) or the `--max-duration` deadline. Every
//! request of the cycles and the verification asks first; the cleanup does not.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use tokio::time::Instant;

use super::report::StopReason;

/// The longest a stop-aware sleep goes without looking at the stop.
const LOOK_EVERY: Duration = Duration::from_millis(50);

/// The run's stop state, shared by every job.
#[derive(Debug)]
pub struct Stop {
    flag: AtomicBool,
    reason: OnceLock<StopReason>,
    deadline: Instant,
    max: Duration,
}

impl Stop {
    /// A stop that trips by itself `max_duration` from now.
    pub fn new(max_duration: Duration) -> Stop {
        Stop {
            flag: AtomicBool::new(false),
            reason: OnceLock::new(),
            deadline: Instant::now() + max_duration,
            max: max_duration,
        }
    }

    /// Stops the run for a signal (the first reason given is kept).
    pub fn signal(&self, name: &'static str) {
        let _ = self.reason.set(StopReason::Signal(name));
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Whether the run has stopped (a signal came, or the deadline passed).
    pub fn stopped(&self) -> bool {
        if self.flag.load(Ordering::SeqCst) {
            return true;
        }
        if Instant::now() >= self.deadline {
            let _ = self.reason.set(StopReason::MaxDuration(self.max));
            self.flag.store(true, Ordering::SeqCst);
            return true;
        }
        false
    }

    /// Why the run stopped, if it did.
    pub fn reason(&self) -> Option<StopReason> {
        self.stopped();
        self.reason.get().cloned()
    }

    /// Sleeps `d`, or less when the run stops (unless `ignore_stop`); says whether it slept
    /// the whole time.
    pub async fn sleep(&self, d: Duration, ignore_stop: bool) -> bool {
        let end = Instant::now() + d;
        loop {
            if !ignore_stop && self.stopped() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            tokio::time::sleep((end - now).min(LOOK_EVERY)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_deadline_stops_and_says_why() {
        let s = Stop::new(Duration::from_secs(5));
        assert!(!s.stopped());
        assert!(s.sleep(Duration::from_secs(1), false).await);
        assert!(!s.sleep(Duration::from_secs(10), false).await);
        assert_eq!(
            s.reason(),
            Some(StopReason::MaxDuration(Duration::from_secs(5)))
        );
        assert!(s.sleep(Duration::from_secs(1), true).await);
    }

    #[test]
    fn the_first_reason_is_kept() {
        let s = Stop::new(Duration::from_secs(60));
        s.signal("SIGINT");
        s.signal("SIGTERM");
        assert_eq!(s.reason(), Some(StopReason::Signal("SIGINT")));
    }
}
