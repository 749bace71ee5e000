//! The final sweep: deletes what a run created and did not delete itself. Shared by the end of
//! the run and the signal handler.

use std::sync::Arc;

use super::context::Context;
use super::ledger::Ledger;
use super::ownership::{delete, verify_deleted};

/// Deletes every live resource in the ledger, each through the context it was created in.
#[derive(Debug)]
pub struct Sweep {
    /// Trial-name prefix (`<vendor>::`) -> the context its resources live in.
    contexts: Vec<(String, Arc<Context>)>,
    /// The run's ledger.
    pub ledger: Arc<Ledger>,
}

impl Sweep {
    /// A sweep over these vendors' contexts (prefix `<vendor>::`).
    pub fn new(contexts: Vec<(String, Arc<Context>)>, ledger: Arc<Ledger>) -> Sweep {
        Sweep { contexts, ledger }
    }

    /// The contexts swept.
    pub fn contexts(&self) -> impl Iterator<Item = &Arc<Context>> {
        self.contexts.iter().map(|(_, c)| c)
    }

    /// Deletes every live resource in the ledger and reads back every one whose DELETE a step
    /// sent (bounded retries each), recording the outcome: a resource counts as deleted only
    /// once a GET no longer finds it.
    pub async fn run(&self) {
        let live = self.ledger.live(None);
        let unverified = self.ledger.unverified(None);
        for item in self.ledger.items() {
            let pending = live.contains(&item.path);
            if !pending && !unverified.contains(&item.path) {
                continue;
            }
            let Some((_, ctx)) = self
                .contexts
                .iter()
                .find(|(prefix, _)| item.trial.starts_with(prefix))
            else {
                continue;
            };
            let result = if pending {
                delete(ctx, &item.path).await
            } else {
                verify_deleted(ctx, &item.path).await
            };
            match result {
                Ok(()) => self.ledger.deleted(&item.path),
                Err(e) => self.ledger.stuck(&item.path, e),
            }
        }
    }
}
