//! The HTTP side: one request out, one [`Response`] (or a [`TransportError`]) back.
//!
//! Timeouts on connect and on the whole exchange, a cap on the bytes read, redirects reported
//! rather than followed, and Entra-like handling of throttling (429/503 with `Retry-After`).
//! The bearer token lives in a [`Secret`] and never appears in a dump.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use url::Url;

use crate::core::secret::Secret;
use crate::core::text::trim;

/// How the client behaves; every field has a default (see [`ClientConfig::default`]).
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Whole-request timeout (connect, send, read the body). Default 30 s.
    pub timeout: Duration,
    /// Most response-body bytes read; more is a transport error. Default 4 MiB.
    pub max_body: usize,
    /// Retries of a 429/503 answer. Default 3.
    pub retries: u32,
    /// Most time spent waiting between retries of one request. Default 60 s.
    pub retry_budget: Duration,
    /// Extra PEM CA certificates to trust (a private CA).
    pub ca_cert: Option<PathBuf>,
    /// Accept any server certificate (only when asked; a warning is printed).
    pub insecure: bool,
    /// The `User-Agent` header to send; `None` sends none. Default none.
    pub user_agent: Option<String>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeout: Duration::from_secs(30),
            max_body: 4 * 1024 * 1024,
            retries: 3,
            retry_budget: Duration::from_secs(60),
            ca_cert: None,
            insecure: false,
            user_agent: None,
        }
    }
}

/// A request about to be sent, kept whole so failures can show it.
#[derive(Clone, Debug)]
pub struct Request {
    /// HTTP method, upper case.
    pub method: String,
    /// Absolute URL, query included.
    pub url: Url,
    /// Headers besides `Authorization`, in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes, if any.
    pub body: Option<Vec<u8>>,
    /// The bearer token to send, if any (kept out of every dump).
    pub bearer: Option<Secret>,
}

impl Request {
    /// A request the harness makes on its own: no extra header, no body.
    pub fn bare(method: &str, url: Url, bearer: Option<Secret>) -> Request {
        Request {
            method: method.into(),
            url,
            headers: Vec::new(),
            body: None,
            bearer,
        }
    }

    /// `POST http://host/scim/Users`
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.url)
    }

    /// The request line, headers (with `Authorization` shown as `Bearer ***`) and body.
    pub fn dump(&self, max_body: usize) -> String {
        let mut s = self.line();
        if self.bearer.is_some() {
            s.push_str("\n  Authorization: Bearer ***");
        }
        for (k, v) in &self.headers {
            let v = if k.eq_ignore_ascii_case("authorization") {
                "***"
            } else {
                v.as_str()
            };
            s.push_str(&format!("\n  {k}: {v}"));
        }
        if let Some(b) = &self.body {
            s.push_str(&format!(
                "\n  {}",
                trim(&String::from_utf8_lossy(b), max_body)
            ));
        }
        s
    }
}

/// A response as received.
#[derive(Clone, Debug)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Headers in order (names lower-cased).
    pub headers: Vec<(String, String)>,
    /// Body bytes (at most the configured cap).
    pub body: Vec<u8>,
    /// When the request was first sent (the clock time `elapsed` counts from).
    pub sent_at: SystemTime,
    /// Time from sending to the last body byte, retries included.
    pub elapsed: Duration,
    /// Throttling answers (429/503) that were waited out before this one.
    pub throttled: Vec<String>,
    /// How much of `elapsed` was spent waiting out those answers (Retry-After or back-off).
    pub waited: Duration,
    json: OnceLock<Result<Value, String>>,
}

impl Response {
    /// A response built in memory (unit tests, and answers the harness derives from others).
    pub fn for_test(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            sent_at: SystemTime::UNIX_EPOCH,
            elapsed: Duration::ZERO,
            throttled: Vec::new(),
            waited: Duration::ZERO,
            json: OnceLock::new(),
        }
    }

    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, or a readable reason it is not JSON.
    pub fn json(&self) -> Result<&Value, String> {
        self.json
            .get_or_init(|| {
                let ct = self.header("content-type").unwrap_or("no content-type");
                if self.body.iter().all(u8::is_ascii_whitespace) {
                    return Err(format!(
                        "response body is empty ({ct}) where JSON is required"
                    ));
                }
                if std::str::from_utf8(&self.body).is_err() {
                    return Err(format!(
                        "response body is not valid UTF-8 ({ct}, {} bytes)",
                        self.body.len()
                    ));
                }
                serde_json::from_slice(&self.body).map_err(|e| {
                    format!(
                        "response body is not JSON ({ct}; {e}): {}",
                        self.preview(200)
                    )
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The body as text, shortened to about `max` bytes.
    pub fn preview(&self, max: usize) -> String {
        trim(&String::from_utf8_lossy(&self.body), max).replace('\n', " ")
    }

    /// `201 Created, application/scim+json, body: {"id":...}` — see [`summary_line`].
    pub fn summary(&self, max_body: usize) -> String {
        summary_line(
            self.status,
            self.header("content-type"),
            &String::from_utf8_lossy(&self.body),
            max_body,
        )
    }
}

/// Why no usable response came back: kept apart from expectation failures all the way to output.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No complete response within the timeout.
    #[error("timed out after {0:?} (--timeout)")]
    Timeout(Duration),
    /// The host name did not resolve.
    #[error("DNS lookup failed: {0}")]
    Dns(String),
    /// TCP connect failed (refused, unreachable).
    #[error("could not connect: {0}")]
    Connect(String),
    /// The TLS handshake failed (untrusted or wrong certificate...).
    #[error("TLS failure: {0}")]
    Tls(String),
    /// A 3xx answer: reported, never followed silently.
    #[error("redirect {status} to {location} (not followed: point --target-url at the final URL)")]
    Redirect {
        /// The 3xx status.
        status: u16,
        /// The `Location` header, or `(none)`.
        location: String,
    },
    /// The body exceeded the cap.
    #[error("response body larger than {0} bytes (cap): not read further")]
    BodyTooLarge(usize),
    /// The connection broke while the response was being read.
    #[error("connection closed mid-response: {0}")]
    Interrupted(String),
    /// Anything else reqwest reported.
    #[error("request failed: {0}")]
    Other(String),
}

/// A SCIM HTTP client for one target.
#[derive(Clone, Debug)]
pub struct ScimClient {
    http: reqwest::Client,
    /// The same settings without any proxy: loopback targets (the embedded servers) are never
    /// proxied, whatever HTTP_PROXY says.
    direct: reqwest::Client,
    config: ClientConfig,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Requests sent by this client and its clones (every try, retries included).
    sent: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// A client could not be built (bad CA file...).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The `--ca-cert` file could not be read or parsed.
    #[error("cannot use CA certificate {path}: {reason}")]
    CaCert {
        /// The file given.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// reqwest refused the configuration.
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

impl ScimClient {
    /// Builds a client (rustls with the ring provider; proxies from the standard env vars,
    /// except for loopback targets).
    pub fn new(config: ClientConfig) -> Result<ScimClient, ClientError> {
        // Ignore the error: another client in this process may have installed it already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = Self::builder(&config)?
            .build()
            .map_err(|e| ClientError::Build(error_chain(&e)))?;
        let direct = Self::builder(&config)?
            .no_proxy()
            .build()
            .map_err(|e| ClientError::Build(error_chain(&e)))?;
        Ok(ScimClient {
            http,
            direct,
            config,
            stop: Default::default(),
            sent: Default::default(),
        })
    }

    fn builder(config: &ClientConfig) -> Result<reqwest::ClientBuilder, ClientError> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(ua) = &config.user_agent {
            builder = builder.user_agent(ua.clone());
        }
        if let Some(path) = &config.ca_cert {
            let pem = std::fs::read(path).map_err(|e| ClientError::CaCert {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| ClientError::CaCert {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            builder = builder.tls_certs_merge(certs);
        }
        if config.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        Ok(builder)
    }

    /// The configuration in force.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Sends a request; waits out 429/503 answers as Entra does (bounded), then returns the
    /// final response or a transport error.
    pub async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let (started, sent_at) = (Instant::now(), SystemTime::now());
        let mut throttled = Vec::new();
        let mut waited = Duration::ZERO;
        loop {
            let mut response = self.send_once(request).await?;
            let retryable = matches!(response.status, 429 | 503);
            if retryable
                && (throttled.len() as u32) < self.config.retries
                && !self.retries_stopped()
            {
                // A target controls Retry-After: never overflow, never exceed the budget.
                let wait = retry_after(&response, throttled.len() as u32);
                if let Some(total) = waited
                    .checked_add(wait)
                    .filter(|t| *t <= self.config.retry_budget)
                {
                    throttled.push(format!(
                        "{} {} (waited {:.1}s)",
                        response.status,
                        reason(response.status),
                        wait.as_secs_f64()
                    ));
                    tokio::time::sleep(wait).await;
                    waited = total;
                    continue;
                }
            }
            response.sent_at = sent_at;
            response.elapsed = started.elapsed();
            response.throttled = throttled;
            response.waited = waited;
            return Ok(response);
        }
    }

    /// Stops waiting out 429/503 answers (for every clone of this client): after an interrupt,
    /// requests already sent end at their first answer.
    pub fn stop_retrying(&self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn retries_stopped(&self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many requests this client and its clones have sent (every try, retries included).
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn send_once(&self, request: &Request) -> Result<Response, TransportError> {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|e| TransportError::Other(e.to_string()))?;
        let loopback = match request.url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        };
        let http = if loopback { &self.direct } else { &self.http };
        let mut rb = http.request(method, request.url.clone());
        if let Some(token) = &request.bearer {
            rb = rb.header("Authorization", format!("Bearer {}", token.expose()));
        }
        for (k, v) in &request.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        if let Some(body) = &request.body {
            rb = rb.body(body.clone());
        }
        let (started, sent_at) = (Instant::now(), SystemTime::now());
        let mut resp = rb.send().await.map_err(|e| self.classify(&e))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        if (300..400).contains(&status) {
            let location = headers
                .iter()
                .find(|(k, _)| k == "location")
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| "(none)".into());
            return Err(TransportError::Redirect { status, location });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify(&e))? {
            if body.len() + chunk.len() > self.config.max_body {
                return Err(TransportError::BodyTooLarge(self.config.max_body));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
            sent_at,
            elapsed: started.elapsed(),
            throttled: Vec::new(),
            waited: Duration::ZERO,
            json: OnceLock::new(),
        })
    }

    fn classify(&self, e: &reqwest::Error) -> TransportError {
        let chain = error_chain(e);
        let lower = chain.to_ascii_lowercase();
        if e.is_timeout() {
            TransportError::Timeout(self.config.timeout)
        } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
            TransportError::Dns(chain)
        } else if [
            "certificate",
            "tls",
            "handshake",
            "corrupt message",
            "alert",
            "unknownissuer",
            "notvalidforname",
        ]
        .iter()
        .any(|w| lower.contains(w))
        {
            TransportError::Tls(chain)
        } else if e.is_connect() {
            TransportError::Connect(chain)
        } else if e.is_body() || e.is_decode() {
            TransportError::Interrupted(chain)
        } else {
            TransportError::Other(chain)
        }
    }
}

/// The error and its sources joined: reqwest's `Display` alone hides the cause.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = inner.source();
    }
    s
}

/// How long to wait before retrying: `Retry-After` seconds or HTTP date, else a bounded backoff
/// (1 s, 2 s, 4 s...).
/// How long a 429/503 asks to wait before try `attempt + 1` (`attempt`: the waits already
/// taken): `Retry-After` in seconds (at most a day: a target controls it) or as an HTTP date,
/// else a back-off of 1 s, 2 s, 4 s... up to 64 s. Shared by the client's own retries and the
/// simulation's job pauses; each caller bounds the wait by its budget.
pub fn retry_after(response: &Response, attempt: u32) -> Duration {
    let backoff = Duration::from_secs(1u64 << attempt.min(6));
    match response.header("retry-after").map(str::trim) {
        Some(v) => {
            if let Ok(secs) = v.parse::<u64>() {
                Duration::from_secs(secs.min(86_400))
            } else if let Ok(when) = httpdate::parse_http_date(v) {
                when.duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO)
            } else {
                backoff
            }
        }
        None => backoff,
    }
}

/// One line for a response: `201 Created, application/scim+json, body: {...}` (status, reason,
/// content type, the body trimmed to about `max_body` bytes on one line).
pub fn summary_line(
    status: u16,
    content_type: Option<&str>,
    body: &str,
    max_body: usize,
) -> String {
    format!(
        "{} {}, {}, body: {}",
        status,
        reason(status),
        content_type.unwrap_or("no content-type"),
        if body.is_empty() {
            "(empty)".to_string()
        } else {
            trim(body, max_body).replace('\n', " ")
        }
    )
}

/// The reason phrase of a status (`Not Found`), or `""` for an unknown one.
pub fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_date_and_backoff() {
        let r = Response::for_test(429, &[("Retry-After", "2")], "");
        assert_eq!(retry_after(&r, 0), Duration::from_secs(2));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let r = Response::for_test(503, &[("Retry-After", later.as_str())], "");
        let d = retry_after(&r, 0);
        assert!(
            d <= Duration::from_secs(30) && d >= Duration::from_secs(28),
            "{d:?}"
        );
        let r = Response::for_test(429, &[], "");
        assert_eq!(retry_after(&r, 2), Duration::from_secs(4));
        assert_eq!(retry_after(&r, 0), Duration::from_secs(1));
        assert_eq!(retry_after(&r, 98), Duration::from_secs(64));
        let r = Response::for_test(429, &[("Retry-After", "99999999999999")], "");
        assert_eq!(retry_after(&r, 0), Duration::from_secs(86_400));
        let r = Response::for_test(429, &[("Retry-After", "soon")], "");
        assert_eq!(retry_after(&r, 2), Duration::from_secs(4));
    }

    #[test]
    fn huge_retry_after_is_bounded_not_a_panic() {
        let r = Response::for_test(429, &[("Retry-After", "18446744073709551615")], "");
        let wait = retry_after(&r, 0);
        assert!(Duration::from_secs(60)
            .checked_add(wait)
            .is_none_or(|t| t > Duration::from_secs(60)));
    }

    #[test]
    fn dump_never_shows_the_token() {
        let req = Request {
            method: "GET".into(),
            url: Url::parse("http://h/scim/Users").unwrap(),
            headers: vec![],
            body: None,
            bearer: Some(Secret::new("canary-secret")),
        };
        let d = req.dump(100);
        assert!(d.contains("Bearer ***") && !d.contains("canary"), "{d}");
    }

    #[test]
    fn json_errors_are_readable() {
        assert!(Response::for_test(200, &[], "")
            .json()
            .unwrap_err()
            .contains("empty"));
        let r = Response {
            body: vec![0xff, 0xfe],
            ..Response::for_test(200, &[], "")
        };
        assert!(r.json().unwrap_err().contains("UTF-8"));
        let r = Response::for_test(200, &[("content-type", "text/html")], "<html>");
        assert!(r.json().unwrap_err().contains("not JSON (text/html"));
    }
}
