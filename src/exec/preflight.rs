//! The preflight: Entra's Test Connection, once per target, before any trial. It tells a target
//! the harness can talk to (whatever its SCIM defects: those are the trials' business) from one
//! it cannot — a refused connection, a TLS mismatch, a wrong token, a base URL without its SCIM
//! path, a login page — and says in one paragraph what was sent, what came back and the likely
//! fix.

use std::fmt;

use serde_json::Value;

use super::context::Context;
use super::record;
use crate::core::scim::{ERROR_SCHEMA, LIST_RESPONSE_SCHEMA};
use crate::core::text::trim;
use crate::http::client::reason;
use crate::http::oauth::OAuthError;
use crate::http::{Request, Response, TransportError};
use crate::outcome::Phase;

/// Why a target cannot be tested at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreflightFailure {
    /// The vendor whose target it is.
    pub vendor: String,
    /// The target as shown.
    pub target: String,
    /// The request sent (secrets redacted).
    pub sent: String,
    /// What came back, in one line.
    pub got: String,
    /// The likely cause and fix.
    pub fix: String,
}

impl fmt::Display for PreflightFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "preflight (Entra's Test Connection) failed for {} at {}: no trial was run.\n  sent: {}\n  got:  {}\n  fix:  {}",
            self.vendor, self.target, self.sent, self.got, self.fix
        )
    }
}

/// Sends Entra's Test Connection query (`<matching attribute> eq "<random GUID>"`) and judges
/// whether the answer comes from a SCIM endpoint the harness can test.
pub async fn preflight(
    ctx: &Context,
    vendor: &str,
    match_attr: &str,
) -> Result<(), PreflightFailure> {
    let filter = format!("{match_attr} eq \"{}\"", uuid::Uuid::new_v4());
    let url = ctx
        .target
        .url("Users", &[("filter".to_string(), filter)])
        .map_err(|e| PreflightFailure {
            vendor: vendor.to_string(),
            target: ctx.target.shown(),
            sent: "nothing".into(),
            got: e.to_string(),
            fix: "the target URL cannot be joined with `Users`".into(),
        })?;
    let mut request = Request {
        method: "GET".into(),
        url,
        headers: vec![("Accept".into(), "application/scim+json".into())],
        body: None,
        bearer: ctx.target.token.clone(),
    };
    let fail = |request: &Request, got: String, fix: String| {
        let r = record::request(request, &ctx.redactor);
        let auth = if request.bearer.is_some() {
            " (Authorization: Bearer ***)"
        } else {
            " (no Authorization header)"
        };
        PreflightFailure {
            vendor: vendor.to_string(),
            target: ctx.target.shown(),
            sent: format!("{} {}{auth}", r.method, r.url),
            got: ctx.redactor.scrub(&got),
            fix: ctx.redactor.scrub(&fix),
        }
    };
    if ctx.target.oauth.is_some() {
        match ctx.target.bearer(&ctx.client).await {
            Ok(token) => request.bearer = token,
            Err(e) => {
                let fix = match &e {
                    OAuthError::Refused { .. } => "the OAuth token endpoint refused the client credentials: check --client-id, SCIM_CLIENT_SECRET and --client-auth (Entra sends them in an HTTP Basic header)".to_string(),
                    OAuthError::Transport { source, .. } => {
                        let token_url = ctx.target.oauth.as_ref().map(|o| o.token_url().clone());
                        let url = token_url.as_ref().unwrap_or(&ctx.target.base);
                        format!("the OAuth token endpoint (--token-url): {}", transport_fix(source, url))
                    }
                    OAuthError::BadAnswer { .. } => "the token endpoint answered, but without a usable access_token: check --token-url".to_string(),
                };
                return Err(fail(&request, e.to_string(), fix));
            }
        }
    }
    match ctx.send_own("preflight", Phase::Harness, &request).await {
        Err(e) => Err(fail(
            &request,
            e.to_string(),
            transport_fix(&e, &ctx.target.base),
        )),
        Ok(r) if r.status == 404 => {
            // A SCIM endpoint may wrongly answer 404 for a filter that matches nothing (a
            // defect the trials report); a wrong base URL 404s for the collection itself.
            let mut list = request.clone();
            let listing = [
                ("startIndex".to_string(), "1".to_string()),
                ("count".to_string(), "1".to_string()),
            ];
            if let Ok(url) = ctx.target.url("Users", &listing) {
                list.url = url;
                if let Ok(r2) = ctx.send_own("preflight", Phase::Harness, &list).await {
                    if judge(&r2, &list, ctx).is_ok() && r2.status != 404 {
                        return Ok(());
                    }
                }
            }
            judge(&r, &request, ctx).map_err(|(got, fix)| fail(&request, got, fix))
        }
        Ok(r) => judge(&r, &request, ctx).map_err(|(got, fix)| fail(&request, got, fix)),
    }
}

/// `Ok` when the answer comes from a SCIM endpoint; else what came back and the likely fix.
fn judge(r: &Response, request: &Request, ctx: &Context) -> Result<(), (String, String)> {
    let got = format!(
        "{} {}, {}, body: {}",
        r.status,
        reason(r.status),
        r.header("content-type").unwrap_or("no content-type"),
        if r.body.is_empty() {
            "(empty)".into()
        } else {
            r.preview(200)
        }
    );
    let json = r.json().ok();
    let schemas = |urn: &str| {
        json.and_then(|j| j.get("schemas"))
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(urn)))
    };
    let scim_error = schemas(ERROR_SCHEMA);
    let labelled_html = r
        .header("content-type")
        .is_some_and(|c| c.to_ascii_lowercase().contains("html"));
    // A JSON body labelled text/html is a mislabelled SCIM answer, not a login page.
    let html = (labelled_html && json.is_none())
        || String::from_utf8_lossy(&r.body)
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("<!doctype html")
        || String::from_utf8_lossy(&r.body)
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("<html");
    let path = ctx
        .target
        .relative(&request.url)
        .map(|p| format!("{}{p}", ctx.target.base.path()))
        .unwrap_or_else(|| request.url.path().to_string());
    let body_says = |needle: &str| {
        String::from_utf8_lossy(&r.body)
            .to_ascii_lowercase()
            .contains(needle)
    };
    match r.status {
        400 if body_says("plain http request") || body_says("https port") => Err((
            got,
            "the port speaks HTTPS, and the request went in plain HTTP: use https:// in --target-url".into(),
        )),
        401 => Err((
            got,
            if request.bearer.is_some() {
                "401 with the token from SCIM_TOKEN (or --token): a wrong or expired token".into()
            } else {
                "401 and no token was given: set SCIM_TOKEN to the secret token Entra would use".into()
            },
        )),
        403 => Err((
            got,
            "403: the token was accepted but may not read users; give it the rights Entra's provisioning needs".into(),
        )),
        404 => Err((
            got,
            format!("404 on GET {path}: the base URL probably lacks its SCIM path (e.g. /scim or /scim/v2)"),
        )),
        405 | 501 if !scim_error => Err((
            got,
            format!("GET {path} is not served here: not a SCIM endpoint, or the base URL is wrong"),
        )),
        s if (500..600).contains(&s) => Err((
            got,
            "the endpoint fails on Entra's Test Connection query; Entra would quarantine the job".into(),
        )),
        _ if html => Err((
            got,
            format!(
                "an HTML page with status {}: a login page or a proxy, not a SCIM endpoint (check the URL and that the token reaches the SCIM service)",
                r.status
            ),
        )),
        s if (200..300).contains(&s) => {
            let list = schemas(LIST_RESPONSE_SCHEMA)
                || json.is_some_and(|j| j.get("Resources").is_some() || j.get("totalResults").is_some());
            if list {
                Ok(())
            } else if json.is_none() {
                Err((got, "the answer is not JSON: not a SCIM endpoint".into()))
            } else {
                Err((
                    got,
                    "the answer is JSON but not a SCIM ListResponse: not a SCIM endpoint, or the base URL points elsewhere".into(),
                ))
            }
        }
        _ if scim_error => Ok(()),
        s => Err((
            got,
            format!("{s} to Entra's Test Connection query, not from a SCIM endpoint ({})", trim(&r.preview(80), 80)),
        )),
    }
}

/// The likely fix for a request to `url` that got no answer.
fn transport_fix(e: &TransportError, url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("the host");
    let port = url
        .port_or_known_default()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let reset = |m: &str| {
        let m = m.to_ascii_lowercase();
        m.contains("reset") || m.contains("connection closed before message completed")
    };
    match e {
        TransportError::Connect(m) | TransportError::Other(m) | TransportError::Interrupted(m)
            if reset(m) =>
        {
            format!(
                "{host}:{port} reset the connection{}: a TLS port spoken to in plain HTTP, or a firewall or proxy cutting it",
                if url.scheme() == "http" { " (try https://)" } else { "" }
            )
        }
        TransportError::Connect(m) if m.to_ascii_lowercase().contains("refused") => {
            format!("connection refused: nothing listens at {host}:{port} (is the service up, and the port right?)")
        }
        TransportError::Connect(_) => format!("{host}:{port} cannot be reached (a firewall, a VPN, or the wrong host?)"),
        TransportError::Dns(_) => format!("the host name {host} does not resolve"),
        TransportError::Tls(m) => {
            let m = m.to_ascii_lowercase();
            if m.contains("notvalidforname") || m.contains("not valid for") {
                format!("TLS: the certificate is for another host than {host}")
            } else if m.contains("unknownissuer") || m.contains("unknown issuer") {
                "TLS: the certificate is not trusted (a private CA? give it with --ca-cert)".into()
            } else if m.contains("corrupt message") || m.contains("invalidcontenttype") || m.contains("wrong version") {
                "TLS: the port does not speak TLS (try http://)".into()
            } else {
                "the TLS handshake failed (check the URL's scheme and the certificate)".into()
            }
        }
        TransportError::Timeout(d) => format!(
            "no answer within {}s (--timeout): the target accepts connections but does not answer",
            d.as_secs()
        ),
        TransportError::Redirect { location, .. } => format!(
            "a redirect to {location}: point --target-url at the final URL (a redirect to a login page means the SCIM path is not public)"
        ),
        TransportError::BodyTooLarge(_) => "the answer is larger than a SCIM ListResponse can be: not a SCIM endpoint".into(),
        TransportError::Interrupted(_) => "the connection broke mid-answer (a proxy, or a crashing server)".into(),
        TransportError::Other(_) => "the request failed; see the reason above".into(),
    }
}
