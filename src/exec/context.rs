//! What every trial of one vendor's run shares: the client, the target, the run id, the ledger,
//! the redactor, the interruption state, and the journal of the harness's own requests.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use super::ledger::Ledger;
use crate::core::naming::RunId;
use crate::core::secret::Redactor;
use crate::http::{Request, Response, ScimClient, Target, TransportError};
use crate::outcome::Phase;

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
    /// Whether the target still answers.
    pub health: Arc<Health>,
    /// The body edits this vendor's endpoint needed for preparation, found once per kind.
    pub adaptations: Arc<super::adapt::Adaptations>,
    /// The harness's own requests outside the trials' steps (preflight, cleanup), for the HAR.
    pub journal: Arc<super::journal::Journal>,
    /// Whether the vendor's profile says a DELETE of a user deactivates it (`on_delete =
    /// "deactivate"`): a user that reads back with `active` false after its DELETE is then
    /// gone as far as the vendor is concerned, not left behind. False for `cleanup`, which
    /// knows no profile.
    pub delete_deactivates: bool,
}

impl Context {
    /// A context with its own, fresh ledger, interruption state, health and adaptations, for a
    /// vendor whose DELETE deletes (struct update syntax sets the rest).
    pub fn new(client: ScimClient, target: Target, run_id: RunId, redactor: Redactor) -> Self {
        Context {
            client,
            target,
            run_id,
            ledger: Arc::new(Ledger::new()),
            redactor,
            abort: Arc::default(),
            health: Arc::default(),
            adaptations: Arc::default(),
            journal: Arc::default(),
            delete_deactivates: false,
        }
    }

    /// Sends a request of the harness's own (`what`: `preflight`, `cleanup`) and records it in
    /// the [`journal`](Context::journal).
    pub async fn send_own(
        &self,
        what: &str,
        phase: Phase,
        request: &Request,
    ) -> Result<Response, TransportError> {
        let result = self.client.send(request).await;
        self.journal
            .record(what, phase, request, &result, &self.redactor);
        result
    }
}

/// After this many requests in a row without an answer (timeouts, refused or dropped
/// connections), the target is taken for dead and the remaining trials are blocked at once.
pub const DEAD_AFTER: usize = 3;

/// Whether the target still answers: consecutive requests without an answer.
#[derive(Debug, Default)]
pub struct Health {
    silent: AtomicUsize,
    last: std::sync::Mutex<String>,
}

impl Health {
    /// Records an answer (any status): the target is alive.
    pub fn answered(&self) {
        self.silent.store(0, Ordering::SeqCst);
    }

    /// Records a request that got no answer, and why.
    pub fn unanswered(&self, why: &str) {
        self.silent.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut last) = self.last.lock() {
            *last = why.to_string();
        }
    }

    /// Why the target is taken for dead, if it is.
    pub fn dead(&self) -> Option<String> {
        let n = self.silent.load(Ordering::SeqCst);
        (n >= DEAD_AFTER).then(|| {
            let last = self.last.lock().map(|l| l.clone()).unwrap_or_default();
            format!("it stopped answering: {n} requests in a row got no answer (last: {last})")
        })
    }
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
