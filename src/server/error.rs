//! The SCIM error type and its RFC 7644 §3.12 JSON rendering, plus the shared response builder.

use crate::core::scim::ERROR_SCHEMA;
use crate::server::faults::Fault;
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Every error the reference server answers with; each maps to one HTTP status and SCIM `scimType`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScimError {
    /// 401: missing or wrong credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 404: unknown resource or route.
    #[error("{0}")]
    NotFound(String),
    /// 405: the route exists but not for this method; `allow` lists the methods it has.
    #[error("{detail}")]
    MethodNotAllowed {
        /// Human-readable detail.
        detail: String,
        /// Value for the `Allow` header.
        allow: &'static str,
    },
    /// 409 `uniqueness`.
    #[error("{0}")]
    Uniqueness(String),
    /// 400 `invalidFilter`.
    #[error("{0}")]
    InvalidFilter(String),
    /// 400 `invalidPath`.
    #[error("{0}")]
    InvalidPath(String),
    /// 400 `invalidValue`.
    #[error("{0}")]
    InvalidValue(String),
    /// 400 `noTarget`.
    #[error("{0}")]
    NoTarget(String),
    /// 400 `invalidSyntax`.
    #[error("{0}")]
    InvalidSyntax(String),
    /// 400 `mutability`.
    #[error("{0}")]
    Mutability(String),
    /// 400 without a `scimType`.
    #[error("{0}")]
    BadRequest(String),
    /// 406: the request's `Accept` header names no type the server offers.
    #[error("{0}")]
    NotAcceptable(String),
    /// 428: the request lacks a precondition header (`If-Match`) the server requires.
    #[error("{0}")]
    PreconditionRequired(String),
    /// 413: request body too large.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 429: over the rate limit; `Retry-After` says when to come back.
    #[error("{detail}")]
    TooManyRequests {
        /// Human-readable detail.
        detail: String,
        /// How long to wait (sent in whole seconds, rounded up).
        retry_after: std::time::Duration,
    },
    /// 500: should not happen.
    #[error("{0}")]
    Internal(String),
}

impl ScimError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ScimError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ScimError::NotFound(_) => StatusCode::NOT_FOUND,
            ScimError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ScimError::Uniqueness(_) => StatusCode::CONFLICT,
            ScimError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ScimError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ScimError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ScimError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ScimError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ScimError::InvalidFilter(_)
            | ScimError::InvalidPath(_)
            | ScimError::InvalidValue(_)
            | ScimError::NoTarget(_)
            | ScimError::InvalidSyntax(_)
            | ScimError::Mutability(_)
            | ScimError::BadRequest(_) => StatusCode::BAD_REQUEST,
        }
    }

    /// The RFC 7644 `scimType`, only for the errors the RFC defines one for.
    pub fn scim_type(&self) -> Option<&'static str> {
        match self {
            ScimError::Uniqueness(_) => Some("uniqueness"),
            ScimError::InvalidFilter(_) => Some("invalidFilter"),
            ScimError::InvalidPath(_) => Some("invalidPath"),
            ScimError::InvalidValue(_) => Some("invalidValue"),
            ScimError::NoTarget(_) => Some("noTarget"),
            ScimError::InvalidSyntax(_) => Some("invalidSyntax"),
            ScimError::Mutability(_) => Some("mutability"),
            _ => None,
        }
    }

    /// The error body; `status_as_number` emulates the `error-status-number` fault.
    pub fn body(&self, status_as_number: bool) -> Value {
        let code = self.status().as_u16();
        let mut body = json!({ "schemas": [ERROR_SCHEMA] });
        if let Value::Object(map) = &mut body {
            map.insert(
                "status".into(),
                if status_as_number {
                    Value::from(code)
                } else {
                    Value::from(code.to_string())
                },
            );
            if let Some(t) = self.scim_type() {
                map.insert("scimType".into(), Value::from(t));
            }
            map.insert("detail".into(), Value::from(self.to_string()));
        }
        body
    }

    /// The full HTTP response for this error, honouring the faults that change error rendering.
    pub fn to_response(&self, faults: &BTreeSet<Fault>) -> Response {
        let mut body = self.body(faults.contains(&Fault::ErrorStatusNumber));
        if faults.contains(&Fault::ErrorScimTypeMissing) {
            if let Value::Object(m) = &mut body {
                m.shift_remove("scimType");
            }
        }
        let mut resp = scim_response(self.status(), Some(&body), faults);
        match self {
            ScimError::Unauthorized(_) => {
                resp.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ScimError::MethodNotAllowed { allow, .. } => {
                resp.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(allow));
            }
            ScimError::TooManyRequests { retry_after, .. } => {
                let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            _ => {}
        }
        resp
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        self.to_response(&BTreeSet::new())
    }
}

/// Builds a response with an optional JSON body and the SCIM content type (or plain JSON under
/// the `json-content-type` fault).
pub fn scim_response(
    status: StatusCode,
    body: Option<&Value>,
    faults: &BTreeSet<Fault>,
) -> Response {
    let Some(body) = body else {
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = status;
        return resp;
    };
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = status;
    let ct = if faults.contains(&Fault::JsonContentType) {
        "application/json"
    } else {
        "application/scim+json"
    };
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_shape() {
        let e = ScimError::Uniqueness("userName taken".into());
        assert_eq!(
            e.body(false),
            json!({"schemas":[ERROR_SCHEMA],"status":"409","scimType":"uniqueness","detail":"userName taken"})
        );
        assert_eq!(e.body(true)["status"], json!(409));
        let nf = ScimError::NotFound("nope".into()).body(false);
        assert!(nf.get("scimType").is_none());
        assert_eq!(nf["status"], json!("404"));
    }

    #[test]
    fn statuses() {
        assert_eq!(
            ScimError::InvalidFilter(String::new()).status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            ScimError::MethodNotAllowed {
                detail: String::new(),
                allow: "GET"
            }
            .status(),
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(ScimError::Unauthorized(String::new()).scim_type(), None);
    }
}
