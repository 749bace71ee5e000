//! The harness's own requests outside the trials' steps — the preflight, every cleanup DELETE
//! and the read-back that verifies it, the final sweep — recorded (redacted) for the HAR, so it
//! holds every request the run sent. It records only once [`Journal::enable`]d: without a HAR
//! nothing renders them, and a full run sends thousands.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::record;
use crate::core::secret::Redactor;
use crate::http::{Request, Response, TransportError};
use crate::outcome::{Exchange, Phase};

/// The harness's own exchanges, in the order they ended; clones of a context share one.
#[derive(Debug, Default)]
pub struct Journal {
    enabled: AtomicBool,
    entries: Mutex<Vec<Exchange>>,
}

impl Journal {
    /// Starts recording.
    pub fn enable(&self) {
        self.enabled.store(true, Ordering::Relaxed);
    }

    /// Records one exchange (`what`: `preflight`, `cleanup`), redacted, if recording.
    pub fn record(
        &self,
        what: &str,
        phase: Phase,
        request: &Request,
        result: &Result<Response, TransportError>,
        redactor: &Redactor,
    ) {
        if !self.enabled.load(Ordering::Relaxed) {
            return;
        }
        let exchange = Exchange {
            step: None,
            step_name: what.to_string(),
            phase,
            request: record::request(request, redactor),
            response: result
                .as_ref()
                .map(|r| record::response(r, redactor))
                .map_err(Clone::clone),
        };
        if let Ok(mut entries) = self.entries.lock() {
            entries.push(exchange);
        }
    }

    /// Everything recorded so far.
    pub fn entries(&self) -> Vec<Exchange> {
        self.entries.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::secret::Secret;

    #[test]
    fn records_redacted_and_only_once_enabled() {
        let j = Journal::default();
        let redactor = Redactor::new([Secret::new("journal-secret-1")]);
        let url = url::Url::parse("http://127.0.0.1:1/scim/Users/1").unwrap();
        let request = Request::bare("DELETE", url, Some(Secret::new("journal-secret-1")));
        let answer = Ok(Response::for_test(404, &[], "journal-secret-1 not found"));
        j.record("cleanup", Phase::Cleanup, &request, &answer, &redactor);
        assert!(j.entries().is_empty(), "nothing before enable");
        j.enable();
        j.record("cleanup", Phase::Cleanup, &request, &answer, &redactor);
        let e = j.entries();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].phase, Phase::Cleanup);
        let shown = format!("{:?}", e[0]);
        assert!(!shown.contains("journal-secret-1"), "{shown}");
    }
}
