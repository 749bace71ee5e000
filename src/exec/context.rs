//! What every trial of one vendor's run shares: the client, the target, the run id, the ledger,
//! the redactor, and the interruption state.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use super::ledger::Ledger;
use crate::core::naming::RunId;
use crate::core::secret::Redactor;
use crate::http::{ScimClient, Target};

/// What one vendor's trials share.
#[derive(Debug)]
pub struct Context {
    /// The HTTP client.
    pub client: ScimClient,
    /// Where requests go.
    pub target: Target,
    /// The run id (in every name the run creates).
    pub run_id: RunId,
    /// What this run created.
    pub ledger: Arc<Ledger>,
    /// Scrubs secrets from every text the run produces.
    pub redactor: Redactor,
    /// Set when the run is interrupted: no new request is sent.
    pub abort: Arc<Abort>,
}

/// Interruption state shared by every trial of a run.
#[derive(Debug, Default)]
pub struct Abort {
    stopped: AtomicBool,
    in_flight: AtomicUsize,
}

impl Abort {
    /// Stops the run: trials send no further request (cleanup aside).
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }

    /// Whether the run was stopped.
    pub fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

/// Counts one request in flight for as long as it lives.
pub(crate) struct InFlight<'a>(&'a Abort);

impl<'a> InFlight<'a> {
    pub(crate) fn new(a: &'a Abort) -> Self {
        a.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(a)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}
