//! Turning a request and its response into the redacted records the outcome keeps.

use crate::core::secret::Redactor;
use crate::http::{Request, Response};
use crate::outcome::{RecordedRequest, RecordedResponse};

/// The request as sent, every secret redacted.
pub fn request(r: &Request, redactor: &Redactor) -> RecordedRequest {
    let mut headers = Vec::new();
    if r.bearer.is_some() {
        headers.push(("Authorization".to_string(), "Bearer ***".to_string()));
    }
    for (k, v) in &r.headers {
        let v = if k.eq_ignore_ascii_case("authorization") {
            "***".to_string()
        } else {
            redactor.scrub(v)
        };
        headers.push((k.clone(), v));
    }
    RecordedRequest {
        method: r.method.clone(),
        url: redactor.scrub(r.url.as_str()),
        headers,
        body: r
            .body
            .as_ref()
            .map(|b| redactor.scrub(&String::from_utf8_lossy(b))),
    }
}

/// The response as received, every secret redacted.
pub fn response(r: &Response, redactor: &Redactor) -> RecordedResponse {
    RecordedResponse {
        status: r.status,
        headers: r
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), redactor.scrub(v)))
            .collect(),
        body: redactor.scrub(&String::from_utf8_lossy(&r.body)),
        sent_at: Some(r.sent_at),
        elapsed: r.elapsed,
        throttled: r.throttled.clone(),
        waited: r.waited,
    }
}
