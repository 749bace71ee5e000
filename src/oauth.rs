//! OAuth 2.0 client credentials, as Entra now offers for provisioning: a token request to the
//! vendor's token endpoint (form-encoded, credentials in an HTTP Basic header as Entra sends
//! them, or in the body), the access token cached and refreshed before it expires. The client
//! secret and every access token are [`Secret`]s and are added to the run's [`Redactor`].

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use crate::client::{Request, ScimClient};
use crate::exec::form_encode;
use crate::secret::{Redactor, Secret};

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
        redactor.add(secret.clone());
        OAuth {
            token_url,
            client_id,
            secret,
            auth,
            scope,
            redactor,
            cache: Mutex::new(None),
        }
    }

    /// A valid access token: the cached one, or a new one when it is missing or about to expire.
    pub async fn bearer(&self, client: &ScimClient) -> Result<Secret, String> {
        let mut cache = self.cache.lock().await;
        if let Some((token, expires)) = cache.as_ref() {
            if Instant::now() < *expires {
                return Ok(token.clone());
            }
        }
        let (token, lifetime) = self
            .fetch(client)
            .await
            .map_err(|e| self.redactor.scrub(&e))?;
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

    async fn fetch(&self, client: &ScimClient) -> Result<(Secret, Duration), String> {
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
                    format!("Basic {}", base64(pair.as_bytes())),
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
        let at = format!("OAuth token request to {}", self.token_url);
        let response = client
            .send(&request)
            .await
            .map_err(|e| format!("{at}: {e}"))?;
        if !(200..300).contains(&response.status) {
            return Err(format!("{at} answered {}", response.summary(300)));
        }
        let json = response.json().map_err(|e| format!("{at}: {e}"))?;
        let token = json
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| format!("{at}: the answer has no access_token"))?;
        let token = Secret::new(token);
        self.redactor.add(token.clone());
        let lifetime = json
            .get("expires_in")
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(3600);
        Ok((token, Duration::from_secs(lifetime.max(1))))
    }
}

/// Standard base64 with padding.
pub fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }
}
