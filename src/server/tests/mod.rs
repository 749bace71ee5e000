//! Router-level tests of the reference server: requests go through [`router`] with
//! `tower::ServiceExt::oneshot` (no sockets), except one socket smoke test of [`spawn`].

mod faults;
mod isolation;
mod lifecycle;
mod load;
pub(super) mod props;
mod replay;
mod socket;
mod switches;

use super::*;
use crate::core::scim::PATCH_OP_SCHEMA;
use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};
use tower::ServiceExt as _;

/// The bearer token every test server accepts.
pub(super) const TOKEN: &str = "s3cret";
/// The Host header test requests carry (locations are built from it).
const HOST: &str = "scim.test";

/// A response, read to the end.
#[derive(Debug)]
pub(super) struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A reference server reached through its router.
pub(super) struct Api {
    state: AppState,
    /// The base URL clients see (`http://scim.test/<base path>/`), always ending with `/`.
    pub base_url: String,
}

/// `Entra`-style query encoding: form encoding, space as `+`, `+` as `%2B`.
pub(super) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Api {
    pub async fn start(faults: &[Fault]) -> Api {
        let mut cfg = ServerConfig::new(TOKEN);
        cfg.faults = faults.iter().copied().collect();
        Self::with_config(cfg).await
    }

    pub async fn with_config(cfg: ServerConfig) -> Api {
        let state = AppState::new(cfg);
        let base_url = format!("http://{HOST}{}/", state.base_path());
        Api { state, base_url }
    }

    pub fn seed(&self, resource_type: &str, resource: Value) -> String {
        self.state.seed(resource_type, resource)
    }

    pub fn dump(&self) -> Value {
        self.state.dump()
    }

    /// Sends one request; `rel` is relative to the base URL, or absolute from the host root
    /// when it starts with `/`.
    pub async fn send(
        &self,
        method: &str,
        rel: &str,
        auth: Option<&str>,
        body: Option<&str>,
    ) -> Resp {
        let uri = if rel.starts_with('/') {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.state.base_path())
        };
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", HOST);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let body = body.unwrap_or_default().to_string();
        if !body.is_empty() {
            req = req.header("content-type", "application/scim+json; charset=utf-8");
        }
        let req = req.body(Body::from(body)).expect("request");
        let resp = match router(self.state.clone()).oneshot(req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).to_string(),
        }
    }

    pub async fn call(&self, method: &str, rel: &str, body: Option<Value>) -> Resp {
        let body = body.map(|b| b.to_string());
        self.send(
            method,
            rel,
            Some(&format!("Bearer {TOKEN}")),
            body.as_deref(),
        )
        .await
    }

    pub async fn get(&self, rel: &str) -> Resp {
        self.call("GET", rel, None).await
    }

    pub async fn post(&self, rel: &str, body: Value) -> Resp {
        self.call("POST", rel, Some(body)).await
    }

    pub async fn patch(&self, rel: &str, ops: Value) -> Resp {
        self.call(
            "PATCH",
            rel,
            Some(json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops})),
        )
        .await
    }

    pub async fn filter(&self, endpoint: &str, filter: &str) -> Resp {
        self.get(&format!("{endpoint}?filter={}", enc(filter)))
            .await
    }

    pub async fn user(&self, user_name: &str) -> String {
        let r = self
            .post("Users", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name, "active": true}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_str().unwrap_or_default().to_string()
    }

    /// Creates a group and returns its id.
    pub async fn group(&self, body: Value) -> String {
        let r = self.post("Groups", body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_str().unwrap_or_default().to_string()
    }
}
