//! One job's pace: requests spaced evenly at the job's rate, and the pause a 429 imposes on the
//! whole job (Entra "will suspend all provisioning activities for the time period indicated in
//! the Retry-After header for that particular client", Microsoft Q&A 2284725; research.md §C).

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::settings::Pace;
use super::stop::Stop;

/// A job's pacer.
#[derive(Debug)]
pub struct Pacer {
    interval: Option<Duration>,
    next: Mutex<Instant>,
    paused_until: Mutex<Instant>,
}

impl Pacer {
    /// A pacer at `pace`.
    pub fn new(pace: Pace) -> Pacer {
        let now = Instant::now();
        Pacer {
            interval: pace.per_second().map(|r| Duration::from_secs_f64(1.0 / r)),
            next: Mutex::new(now),
            paused_until: Mutex::new(now),
        }
    }

    /// Waits for the job's next slot (after any pause; without taking a slot when not
    /// `paced`); false if the run stopped meanwhile (unless `ignore_stop`).
    pub async fn wait(&self, stop: &Stop, ignore_stop: bool, paced: bool) -> bool {
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            if until <= now {
                break;
            }
            if !stop.sleep(until - now, ignore_stop).await {
                return false;
            }
        }
        let Some(interval) = self.interval.filter(|_| paced) else {
            return true;
        };
        let now = Instant::now();
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let slot = (*next).max(now);
            *next = slot + interval;
            slot
        };
        slot <= now || stop.sleep(slot - now, ignore_stop).await
    }

    /// Pauses the job for `d` from now; returns by how much that lengthened the pause in force.
    pub fn pause(&self, d: Duration) -> Duration {
        let now = Instant::now();
        let until = now + d;
        let mut p = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        if until <= *p {
            return Duration::ZERO;
        }
        let extended = until - (*p).max(now);
        *p = until;
        extended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_spaced_and_pauses_hold_everyone() {
        let stop = Stop::new(Duration::from_secs(3600));
        let p = Pacer::new(Pace::PerSecond(10.0));
        let t0 = Instant::now();
        for _ in 0..11 {
            assert!(p.wait(&stop, false, true).await);
        }
        assert_eq!(t0.elapsed(), Duration::from_secs(1));
        assert_eq!(p.pause(Duration::from_secs(2)), Duration::from_secs(2));
        assert_eq!(p.pause(Duration::from_secs(1)), Duration::ZERO);
        let t1 = Instant::now();
        assert!(p.wait(&stop, false, true).await);
        assert!(t1.elapsed() >= Duration::from_secs(2));
        let unpaced = Pacer::new(Pace::Unpaced);
        let t2 = Instant::now();
        assert!(unpaced.wait(&stop, false, true).await);
        assert_eq!(t2.elapsed(), Duration::ZERO);
    }
}
