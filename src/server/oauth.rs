//! The reference server as an OAuth 2.0 token endpoint (client credentials grant), so the
//! harness's OAuth support can be tested end to end: `POST /oauth2/token`, form-encoded, the
//! client credentials in an HTTP Basic header and/or the body as configured; issued access
//! tokens are accepted as bearer tokens until they expire.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde_json::json;

/// The path of the token endpoint (outside the SCIM base path).
pub const TOKEN_PATH: &str = "/oauth2/token";

/// Which client credentials the endpoint accepts, and for how long tokens live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthConfig {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
    /// Accept credentials in `Authorization: Basic` (what Entra sends).
    pub accept_header: bool,
    /// Accept `client_id`/`client_secret` form fields.
    pub accept_body: bool,
    /// Access token lifetime (`expires_in`).
    pub lifetime: Duration,
}

/// Issued tokens and a request count.
#[derive(Debug, Default)]
pub struct Issuer {
    tokens: Mutex<HashMap<String, Instant>>,
    requests: AtomicUsize,
}

impl Issuer {
    /// Whether `token` was issued here and has not expired.
    pub fn valid(&self, token: &str) -> bool {
        self.tokens
            .lock()
            .map(|t| t.get(token).is_some_and(|exp| Instant::now() < *exp))
            .unwrap_or(false)
    }

    /// How many token requests were answered (successful or not).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Answers one token request.
    pub fn token(&self, cfg: &OAuthConfig, headers: &HeaderMap, body: &[u8]) -> Response {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let form: HashMap<String, String> =
            url::form_urlencoded::parse(body).into_owned().collect();
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
        if !is_form {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the body must be application/x-www-form-urlencoded",
            );
        }
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only client_credentials is supported",
            );
        }
        let from_header = basic_credentials(headers);
        let from_body = match (form.get("client_id"), form.get("client_secret")) {
            (Some(id), Some(secret)) => Some((id.clone(), secret.clone())),
            _ => None,
        };
        let presented = match (from_header, from_body) {
            (Some(h), _) if cfg.accept_header => Some(h),
            (_, Some(b)) if cfg.accept_body => Some(b),
            _ => None,
        };
        match presented {
            Some((id, secret)) if id == cfg.client_id && secret == cfg.client_secret => {
                let token = format!("at-{}", uuid::Uuid::new_v4().simple());
                if let Ok(mut t) = self.tokens.lock() {
                    t.insert(token.clone(), Instant::now() + cfg.lifetime);
                }
                let body = json!({"access_token": token, "token_type": "Bearer", "expires_in": cfg.lifetime.as_secs()});
                (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json")],
                    body.to_string(),
                )
                    .into_response()
            }
            _ => {
                let mut r = error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "client authentication failed",
                );
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
                r
            }
        }
    }
}

fn error(status: StatusCode, code: &str, description: &str) -> Response {
    let body = json!({"error": code, "error_description": description});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Standard base64, padded or not (clients differ on the trailing `=`).
const BASIC_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` -> (id, secret).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(BASIC_B64.decode(b64.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let dec = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((dec(id)?, dec(secret)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_round_trip() {
        let mut h = HeaderMap::new();
        let encoded = BASIC_B64.encode(b"my%20id:s%3Acret");
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {encoded}")).unwrap(),
        );
        assert_eq!(
            basic_credentials(&h),
            Some(("my id".into(), "s:cret".into()))
        );
        // Unpadded is accepted too; garbage is not credentials.
        let unpadded = BASIC_B64.encode(b"ab:c").trim_end_matches('=').to_string();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {unpadded}")).unwrap(),
        );
        assert_eq!(basic_credentials(&h), Some(("ab".into(), "c".into())));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic %%%"));
        assert_eq!(basic_credentials(&h), None);
    }
}
