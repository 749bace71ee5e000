//! How one job sends a request: at its pace, within its concurrency, measured, with 429 honoured
//! as Entra does (the whole job pauses for `Retry-After`, then only the refused request is sent
//! again), bounded in tries and pause length.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Semaphore;

use super::capture::Capture;
use super::kind::{ErrorClass, RequestKind, Stage};
use super::metrics::{Recorder, TryResult};
use super::pace::Pacer;
use super::stop::Stop;
use crate::core::secret::Redactor;
use crate::http::client::retry_after;
use crate::http::{Request, Response, ScimClient, Target, TransportError};

/// The content type Entra sends on bodies (entra-protocol.md §7.4).
const BODY_TYPE: &str = "application/scim+json; charset=utf-8";

/// Why a request brought no answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The run stopped before it was sent.
    #[error("not sent (the run stopped)")]
    Stopped,
    /// It failed without an answer.
    #[error("{class}: {why}")]
    Failed {
        /// The class of failure.
        class: ErrorClass,
        /// What went wrong (secrets scrubbed).
        why: String,
    },
}

/// An answer, and when it came (from the run's start).
#[derive(Debug)]
pub struct Answer {
    /// The response.
    pub response: Response,
    /// When it came.
    pub at: Duration,
}

impl Answer {
    /// Its status.
    pub fn status(&self) -> u16 {
        self.response.status
    }

    /// Whether it is a 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.response.status)
    }
}

/// What a job sends with.
#[derive(Debug)]
pub struct Sender {
    /// The job's number.
    pub job: usize,
    client: ScimClient,
    target: Target,
    pacer: Pacer,
    slots: Semaphore,
    /// Where every try is measured.
    pub recorder: Arc<Recorder>,
    /// The run's stop.
    pub stop: Arc<Stop>,
    redactor: Redactor,
    throttle_tries: u32,
    max_pause: Duration,
    capture: Option<Arc<Capture>>,
}

/// The pieces a [`Sender`] is made of.
#[derive(Debug)]
pub struct SenderParts {
    /// The job's number.
    pub job: usize,
    /// The HTTP client (built without its own 429/503 retries).
    pub client: ScimClient,
    /// Where requests go.
    pub target: Target,
    /// The job's pacer.
    pub pacer: Pacer,
    /// Requests in flight, at most.
    pub concurrency: usize,
    /// Where tries are measured.
    pub recorder: Arc<Recorder>,
    /// The run's stop.
    pub stop: Arc<Stop>,
    /// Scrubs secrets from failure texts.
    pub redactor: Redactor,
    /// Tries of a request answered 429.
    pub throttle_tries: u32,
    /// Longest pause one 429 may cause.
    pub max_pause: Duration,
    /// Where the cycles' requests are captured (`--export-scenario`), if anywhere.
    pub capture: Option<Arc<Capture>>,
}

impl Sender {
    /// Where the cycles' requests are captured, if anywhere.
    pub fn capture(&self) -> Option<&Arc<Capture>> {
        self.capture.as_ref()
    }

    /// A sender from its parts.
    pub fn new(p: SenderParts) -> Sender {
        Sender {
            job: p.job,
            client: p.client,
            target: p.target,
            pacer: p.pacer,
            slots: Semaphore::new(p.concurrency.max(1)),
            recorder: p.recorder,
            stop: p.stop,
            redactor: p.redactor,
            throttle_tries: p.throttle_tries.max(1),
            max_pause: p.max_pause,
            capture: p.capture,
        }
    }

    /// The HTTP client.
    pub fn client(&self) -> &ScimClient {
        &self.client
    }

    /// Where requests go.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Sends a `kind` request to `rel` (relative to the target) with `query` and `body`;
    /// waits out 429s by pausing the job. Requests of the cleanup are sent even after a stop;
    /// lag probes are not paced.
    pub async fn send(
        &self,
        kind: RequestKind,
        rel: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Answer, SendError> {
        let result = self.send_once(kind, rel, query, body).await;
        if let (Some(c), Stage::Cycles) = (&self.capture, kind.stage()) {
            let answer = result.as_ref().ok();
            let json = answer.and_then(|a| a.response.json().ok());
            c.record(
                self.job,
                kind,
                rel,
                query,
                body,
                answer.map(|a| (a.status(), json)),
            );
        }
        result
    }

    async fn send_once(
        &self,
        kind: RequestKind,
        rel: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Answer, SendError> {
        let ignore_stop = kind.stage() == Stage::Cleanup;
        // A lag probe measures time: it honours the job's 429 pauses but takes no pace slot.
        let paced = kind != RequestKind::LagProbe;
        let failed = |class, why: String| SendError::Failed {
            class,
            why: self.redactor.scrub(&why),
        };
        let url = self
            .target
            .url(rel, query)
            .map_err(|e| failed(ErrorClass::Transport, e.to_string()))?;
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| failed(ErrorClass::Transport, e.to_string()))?;
        let mut headers = vec![("Accept".to_string(), "application/scim+json".to_string())];
        if body.is_some() {
            headers.push(("Content-Type".to_string(), BODY_TYPE.to_string()));
        }
        let mut request = Request {
            method: kind.method().to_string(),
            url,
            headers,
            body,
            bearer: None,
        };
        let mut tries = 0u32;
        loop {
            if (!ignore_stop && self.stop.stopped())
                || !self.pacer.wait(&self.stop, ignore_stop, paced).await
            {
                return Err(SendError::Stopped);
            }
            request.bearer = self
                .target
                .bearer(&self.client)
                .await
                .map_err(|e| failed(ErrorClass::Connection, e.to_string()))?;
            let result = {
                // The semaphore is never closed.
                let _slot = self.slots.acquire().await;
                let started = Instant::now();
                let result = self.client.send(&request).await;
                (result, started.elapsed())
            };
            match result {
                (Err(e), latency) => {
                    let class = classify(&e);
                    self.recorder
                        .record(self.job, kind, latency, TryResult::Failed(class));
                    return Err(failed(class, e.to_string()));
                }
                (Ok(response), latency) => {
                    let status = response.status;
                    self.recorder
                        .record(self.job, kind, latency, TryResult::Answered(status));
                    if status == 429 {
                        tries += 1;
                        if tries < self.throttle_tries {
                            let wait =
                                retry_after(&response, tries.saturating_sub(1)).min(self.max_pause);
                            let extended = self.pacer.pause(wait);
                            if !extended.is_zero() {
                                self.recorder.paused(extended);
                            }
                            continue;
                        }
                        self.recorder.gave_up();
                    }
                    return Ok(Answer {
                        response,
                        at: self.recorder.elapsed(),
                    });
                }
            }
        }
    }
}

/// The class of a transport failure.
pub fn classify(e: &TransportError) -> ErrorClass {
    match e {
        TransportError::Timeout(_) => ErrorClass::Timeout,
        TransportError::Dns(_) | TransportError::Connect(_) | TransportError::Tls(_) => {
            ErrorClass::Connection
        }
        TransportError::Redirect { .. }
        | TransportError::BodyTooLarge(_)
        | TransportError::Interrupted(_)
        | TransportError::Other(_) => ErrorClass::Transport,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_failures_have_classes() {
        assert_eq!(
            classify(&TransportError::Timeout(Duration::from_secs(1))),
            ErrorClass::Timeout
        );
        assert_eq!(
            classify(&TransportError::Connect("refused".into())),
            ErrorClass::Connection
        );
        assert_eq!(
            classify(&TransportError::Interrupted("eof".into())),
            ErrorClass::Transport
        );
    }
}
