//! What the routes and the resource handlers share: decoded query parameters and the shapes of
//! responses.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

use crate::server::error::{scim_response, ScimError};
use crate::server::faults::Fault;

/// Decoded query parameters (form decoding: `+` is a space, `%2B` a plus).
pub(super) struct Query(Vec<(String, String)>);

impl Query {
    /// Parses a raw query string.
    pub(super) fn parse(raw: Option<&str>) -> Self {
        Query(
            raw.map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    /// The first value of parameter `name` (any case).
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A JSON response with the SCIM content type.
pub(super) fn ok_json(status: StatusCode, body: &Value, faults: &BTreeSet<Fault>) -> Response {
    scim_response(status, Some(body), faults)
}

/// 405 naming the methods `path` allows.
pub(super) fn method_not_allowed(method: &Method, path: &str, allow: &'static str) -> ScimError {
    ScimError::MethodNotAllowed {
        detail: format!("{method} is not supported on {path}"),
        allow,
    }
}
