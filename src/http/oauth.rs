//! OAuth 2.0 client credentials, as Entra now offers for provisioning: a token request to the
//! vendor's token endpoint (form-encoded, credentials in an HTTP Basic header as Entra sends
//! them, or in the body), the access token cached and refreshed before it expires. The client
//! secret and every access token are [`Secret`]s and are added to the run's [`Redactor`].

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use base64::Engine as _;

use super::client::{Request, ScimClient, TransportError};
use super::form::form_encode;
use crate::core::secret::{Redactor, Secret};

/// Where the client credentials go in the token request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (what Entra sends).
    Header,
    /// `client_id` and `client_secret` form fields.
    Body,
}

impl std::str::FromStr for ClientAuth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "header" => Ok(ClientAuth::Header),
            "body" => Ok(ClientAuth::Body),
            other => Err(format!("`{other}` is not header or body")),
        }
    }
}

/// Why no access token could be had.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// The token endpoint could not be reached or gave no usable answer.
    #[error("OAuth token request to {url}: {source}")]
    Transport {
        /// The token endpoint.
        url: String,
        /// Why.
        source: TransportError,
    },
    /// The token endpoint refused the client credentials (401/403, or 400 `invalid_client`).
    #[error("OAuth token request to {url} answered {answer}: the client credentials were refused (check --client-id, SCIM_CLIENT_SECRET and --client-auth)")]
    Refused {
        /// The token endpoint.
        url: String,
        /// Status and trimmed body, secrets scrubbed.
        answer: String,
    },
    /// The token endpoint answered, but not with a usable token.
    #[error("OAuth token request to {url}: {why}")]
    BadAnswer {
        /// The token endpoint.
        url: String,
        /// What was wrong, secrets scrubbed.
        why: String,
    },
}

/// A client-credentials token source.
#[derive(Debug)]
pub struct OAuth {
    token_url: Url,
    client_id: String,
    secret: Secret,
    auth: ClientAuth,
    scope: Option<String>,
    redactor: Redactor,
    cache: Mutex<Option<(Secret, Instant)>>,
    /// `expires_in` of the last token answer, in seconds (3600 when absent, as Microsoft's
    /// validation assumes).
    last_expires_in: std::sync::atomic::AtomicU64,
}

impl OAuth {
    /// A token source; the secret is added to `redactor` at once.
    pub fn new(
        token_url: Url,
        client_id: String,
        secret: Secret,
        auth: ClientAuth,
        scope: Option<String>,
        redactor: Redactor,
    ) -> Self {
        redactor.add_client_secret(&client_id, &secret);
        OAuth {
            token_url,
            client_id,
            secret,
            auth,
            scope,
            redactor,
            cache: Mutex::new(None),
            last_expires_in: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The `expires_in` of the last token answer, in seconds (`None` before the first).
    pub fn last_expires_in(&self) -> Option<u64> {
        match self
            .last_expires_in
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            0 => None,
            n => Some(n),
        }
    }

    /// The token endpoint (`--token-url`).
    pub fn token_url(&self) -> &Url {
        &self.token_url
    }

    /// A valid access token: the cached one, or a new one when it is missing or about to expire.
    pub async fn bearer(&self, client: &ScimClient) -> Result<Secret, OAuthError> {
        let mut cache = self.cache.lock().await;
        if let Some((token, expires)) = cache.as_ref() {
            if Instant::now() < *expires {
                return Ok(token.clone());
            }
        }
        let (token, lifetime) = self.fetch(client).await?;
        // Refresh a little early: 10% of the lifetime, at most 60 s. The endpoint controls
        // expires_in: clamp it to a day so no arithmetic can overflow.
        let lifetime = lifetime.min(Duration::from_secs(86_400));
        let margin = (lifetime / 10).min(Duration::from_secs(60));
        let now = Instant::now();
        *cache = Some((
            token.clone(),
            now.checked_add(lifetime - margin).unwrap_or(now),
        ));
        Ok(token)
    }

    async fn fetch(&self, client: &ScimClient) -> Result<(Secret, Duration), OAuthError> {
        let mut form = vec![("grant_type".to_string(), "client_credentials".to_string())];
        if let Some(scope) = &self.scope {
            form.push(("scope".into(), scope.clone()));
        }
        let mut headers = vec![(
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded".to_string(),
        )];
        match self.auth {
            ClientAuth::Header => {
                let pair = format!(
                    "{}:{}",
                    form_encode(&self.client_id),
                    form_encode(self.secret.expose())
                );
                headers.push((
                    "Authorization".into(),
                    format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(pair.as_bytes())
                    ),
                ));
            }
            ClientAuth::Body => {
                form.push(("client_id".into(), self.client_id.clone()));
                form.push(("client_secret".into(), self.secret.expose().to_string()));
            }
        }
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect();
        let request = Request {
            method: "POST".into(),
            url: self.token_url.clone(),
            headers,
            body: Some(body.join("&").into_bytes()),
            bearer: None,
        };
        let url = self.token_url.to_string();
        let response = client
            .send(&request)
            .await
            .map_err(|source| OAuthError::Transport {
                url: url.clone(),
                source,
            })?;
        let scrubbed = |text: String| self.redactor.scrub(&text);
        let refused_client = response.status == 400
            && response
                .json()
                .ok()
                .and_then(|j| j.get("error")?.as_str().map(|e| e == "invalid_client"))
                .unwrap_or(false);
        if matches!(response.status, 401 | 403) || refused_client {
            return Err(OAuthError::Refused {
                url,
                answer: scrubbed(response.summary(300)),
            });
        }
        if !(200..300).contains(&response.status) {
            return Err(OAuthError::BadAnswer {
                url,
                why: scrubbed(format!("answered {}", response.summary(300))),
            });
        }
        let json = response.json().map_err(|why| OAuthError::BadAnswer {
            url: url.clone(),
            why: scrubbed(why),
        })?;
        let token = json
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OAuthError::BadAnswer {
                url: url.clone(),
                why: "the answer has no access_token".into(),
            })?;
        let token = Secret::new(token);
        self.redactor.add(token.clone());
        let lifetime = json
            .get("expires_in")
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(3600);
        self.last_expires_in
            .store(lifetime, std::sync::atomic::Ordering::SeqCst);
        Ok((token, Duration::from_secs(lifetime.max(1))))
    }
}
