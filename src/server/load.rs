//! Load behaviours for the provisioning-cycle simulation, each set by a `ServerConfig` field and
//! off by default: a token-bucket rate limit over all requests (`rate_limit`), a deterministic
//! share of 500s (`error_share`, `seed`; after handling with `error_after_commit`). Read-after-write filter lag (`filter_lag`) is applied
//! where lists are answered, and `delay` where requests are dispatched.

use crate::server::error::ScimError;
use crate::server::ServerConfig;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// A token bucket over all requests: `per_second` requests per second sustained, bursts of up
/// to `per_second`; a request over the limit answers 429 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second, and the burst size (0 refuses everything).
    pub per_second: u32,
    /// What `Retry-After` says (in whole seconds, rounded up).
    pub retry_after: Duration,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// What [`Governor::admit`] decided for a request under the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Handle it and answer as usual.
    Handle,
    /// Handle it, then answer 500 (`error_share` with `error_after_commit`).
    HandleThenFail,
}

/// The running state of the load behaviours of one server.
#[derive(Debug, Default)]
pub(crate) struct Governor {
    bucket: Mutex<Option<Bucket>>,
    admitted: AtomicU64,
    /// Writes being handled (`parallel-writes-500`).
    writing: AtomicU64,
}

/// How long a write holds the "database" under `parallel-writes-500` (as a commit would).
pub(crate) const WRITE_HOLD: std::time::Duration = std::time::Duration::from_millis(15);

/// A write in progress under `parallel-writes-500`; dropping it ends the write.
pub(crate) struct Writing<'a>(&'a AtomicU64);

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The 500 `error_share` answers.
pub(crate) fn injected_failure() -> ScimError {
    ScimError::Internal("injected failure (ServerConfig::error_share)".into())
}

/// SplitMix64: the `n`-th output for `seed`, as a number in [0, 1).
fn unit(seed: u64, n: u64) -> f64 {
    let mut z = seed.wrapping_add(n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

impl Governor {
    /// Starts a write (`parallel-writes-500`): refused with 500 "database is locked" while
    /// another write is being handled, as a single-writer database answers.
    pub(crate) fn begin_write(&self) -> Result<Writing<'_>, ScimError> {
        let busy = self.writing.fetch_add(1, Ordering::SeqCst);
        let w = Writing(&self.writing);
        if busy > 0 {
            return Err(ScimError::Internal("database is locked".into()));
        }
        Ok(w)
    }

    /// Decides whether a request may be handled: 429 over the rate limit, else 500 for the
    /// configured share of admitted requests (the same requests for the same seed; handled
    /// first under `error_after_commit`), else `Ok`.
    pub(crate) fn admit(&self, cfg: &ServerConfig) -> Result<Admission, ScimError> {
        if let Some(limit) = cfg.rate_limit {
            self.take_token(limit)?;
        }
        let n = self.admitted.fetch_add(1, Ordering::Relaxed);
        let share = if cfg.error_share.is_nan() {
            0.0
        } else {
            cfg.error_share.clamp(0.0, 1.0)
        };
        if share > 0.0 && unit(cfg.seed, n) < share {
            if cfg.error_after_commit {
                return Ok(Admission::HandleThenFail);
            }
            return Err(injected_failure());
        }
        Ok(Admission::Handle)
    }

    fn take_token(&self, limit: RateLimit) -> Result<(), ScimError> {
        let capacity = f64::from(limit.per_second);
        let now = Instant::now();
        let mut guard = self
            .bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = guard.get_or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        let refill = now.duration_since(bucket.last).as_secs_f64() * capacity;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(ScimError::TooManyRequests {
                detail: format!("over the limit of {} requests per second", limit.per_second),
                retry_after: limit.retry_after,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_is_uniform_enough_and_seeded() {
        let hits = (0..10_000).filter(|n| unit(7, *n) < 0.25).count();
        assert!((2_300..2_700).contains(&hits), "{hits}");
        assert_eq!(unit(7, 3), unit(7, 3));
        assert_ne!(unit(7, 3), unit(8, 3));
        assert!((0..1000).all(|n| (0.0..1.0).contains(&unit(u64::MAX, n))));
    }
}
