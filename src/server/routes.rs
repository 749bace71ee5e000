//! HTTP layer: routing under the base path, bearer auth, query decoding and the discovery
//! endpoints; Users and Groups are handed to [`resources`](super::resources).

use crate::core::scim::LIST_RESPONSE_SCHEMA;
use crate::server::discovery;
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::load::{injected_failure, Admission};
use crate::server::request::{method_not_allowed, ok_json, Query};
use crate::server::resources::Ctx;
use crate::server::store::ResourceKind;
use crate::server::{AppState, ServerConfig};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

/// Largest accepted request body.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// How long a group PATCH waits before it is handled under `slow-group-patch`.
pub(crate) const SLOW_GROUP_PATCH: std::time::Duration = std::time::Duration::from_millis(300);

/// Entry point for every request (the router's fallback).
pub(crate) async fn dispatch(State(state): State<AppState>, req: Request) -> Response {
    let admission = match state.governor().admit(state.config()) {
        Ok(a) => a,
        Err(e) => return e.to_response(&state.config().faults),
    };
    let delay = state.config().delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let write = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let _writing = if write && state.config().has(Fault::ParallelWrites500) {
        match state.governor().begin_write() {
            Ok(w) => {
                tokio::time::sleep(crate::server::load::WRITE_HOLD).await;
                Some(w)
            }
            Err(e) => return e.to_response(&state.config().faults),
        }
    } else {
        None
    };
    let answer = handle(&state, req).await;
    if admission == Admission::HandleThenFail {
        return injected_failure().to_response(&state.config().faults);
    }
    match answer {
        Ok(resp) => resp,
        Err(e) => e.to_response(&state.config().faults),
    }
}

fn strip_base<'a>(path: &'a str, base: &str) -> Option<&'a str> {
    if base.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix(base)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

fn authorize(
    headers: &HeaderMap,
    cfg: &ServerConfig,
    issuer: &crate::server::oauth::Issuer,
) -> Result<(), ScimError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        if cfg.has(Fault::AuthOptional) {
            return Ok(());
        }
        return Err(ScimError::Unauthorized(
            "missing Authorization header".into(),
        ));
    };
    let text = value
        .to_str()
        .map_err(|_| ScimError::Unauthorized("malformed Authorization header".into()))?
        .trim();
    let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return Err(ScimError::Unauthorized(
            "Authorization must use the Bearer scheme".into(),
        ));
    }
    if cfg.has(Fault::AuthIgnoresToken) || token.trim() == cfg.token || issuer.valid(token.trim()) {
        return Ok(());
    }
    Err(ScimError::Unauthorized("invalid bearer token".into()))
}

/// Absolute base URL (no trailing slash) as the client sees it, from the Host header.
fn location_base(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::trim)
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ', '\\', '?', '#', '@']));
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| p.eq_ignore_ascii_case("https"))
        .map_or("http", |_| "https");
    match host {
        Some(h) => format!("{proto}://{h}{}", state.base_path()),
        None => format!("{}{}", state.fallback_origin(), state.base_path()),
    }
}

async fn read_json(body: Body) -> Result<Value, ScimError> {
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ScimError::PayloadTooLarge("request body too large or unreadable".into()))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ScimError::InvalidSyntax(format!("request body is not valid JSON: {e}")))
}

async fn handle(state: &AppState, req: Request) -> Result<Response, ScimError> {
    let (parts, body) = req.into_parts();
    let cfg = state.config();
    let faults = &cfg.faults;
    let path = parts.uri.path();
    if let (Some(oauth_cfg), true) = (&cfg.oauth, path == crate::server::oauth::TOKEN_PATH) {
        if parts.method != Method::POST {
            return Err(method_not_allowed(&parts.method, path, "POST"));
        }
        let bytes = axum::body::to_bytes(body, 64 * 1024)
            .await
            .map_err(|e| ScimError::BadRequest(format!("cannot read the body: {e}")))?;
        if state.config().has(Fault::TokenLifetimeShort) {
            let mut short = oauth_cfg.clone();
            short.lifetime = std::time::Duration::from_secs(30 * 60);
            return Ok(state.issuer().token(&short, &parts.headers, &bytes));
        }
        return Ok(state.issuer().token(oauth_cfg, &parts.headers, &bytes));
    }
    let rest = strip_base(path, state.base_path())
        .ok_or_else(|| ScimError::NotFound(format!("no resource at {path}")))?;
    authorize(&parts.headers, cfg, state.issuer())?;
    let accepts_json = parts.headers.get_all(header::ACCEPT).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("json"))
    });
    if cfg.has(Fault::AcceptRequired) && !accepts_json {
        // What a framework that negotiates the answer's format does (Rails answered a captured
        // Test Connection GET, which had no SCIM Accept header, as HTML: 406).
        return Err(ScimError::NotAcceptable(
            "the Accept header names no JSON media type: cannot choose a response format".into(),
        ));
    }
    let writes = matches!(parts.method, Method::PATCH | Method::PUT | Method::DELETE);
    if cfg.has(Fault::IfMatchRequired) && writes && !parts.headers.contains_key(header::IF_MATCH) {
        return Err(ScimError::PreconditionRequired(
            "this resource can only be changed with If-Match: <version>".into(),
        ));
    }
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let query = Query::parse(parts.uri.query());
    let base = location_base(state, &parts.headers);
    let method = &parts.method;
    let is = |s: &str, name: &str| s.eq_ignore_ascii_case(name);
    match segs.as_slice() {
        [ep] if is(ep, "ServiceProviderConfig") => {
            if method != Method::GET {
                return Err(method_not_allowed(method, path, "GET"));
            }
            Ok(ok_json(
                StatusCode::OK,
                &discovery::service_provider_config(&base),
                faults,
            ))
        }
        [ep, rest @ ..] if (is(ep, "Schemas") || is(ep, "ResourceTypes")) && rest.len() <= 1 => {
            if method != Method::GET {
                return Err(method_not_allowed(method, path, "GET"));
            }
            if is(ep, "Schemas") && cfg.has(Fault::SchemasUnsupported) {
                return Err(ScimError::NotFound(format!("{path} is not served")));
            }
            if is(ep, "ResourceTypes") && cfg.has(Fault::ResourceTypesMissing) {
                return Err(ScimError::NotFound(format!("{path} is not served")));
            }
            let docs = if is(ep, "Schemas") {
                discovery::schemas(&base, cfg.groups_served(), faults)
            } else {
                discovery::resource_types(&base, cfg.groups_served())
            };
            match rest.first() {
                None => Ok(ok_json(StatusCode::OK, &discovery::list_of(docs), faults)),
                Some(id) => docs
                    .into_iter()
                    .find(|d| d["id"].as_str().is_some_and(|d| d.eq_ignore_ascii_case(id)))
                    .map(|d| ok_json(StatusCode::OK, &d, faults))
                    .ok_or_else(|| ScimError::NotFound(format!("no {ep} entry `{id}`"))),
            }
        }
        [ep, rest @ ..]
            if rest.len() <= 1
                && ResourceKind::from_name(ep).is_some()
                && ep.ends_with(['s', 'S']) =>
        {
            let Some(kind) = ResourceKind::from_name(ep) else {
                return Err(ScimError::NotFound(format!("no resource at {path}")));
            };
            if kind == ResourceKind::Group && !cfg.groups_served() {
                // A user-only vendor still answers Entra's Test Connection probe of /Groups with
                // an empty list (a 404 there fails Test Connection); the fault answers 404.
                let probe =
                    method == Method::GET && rest.is_empty() && !cfg.has(Fault::GroupsUnsupported);
                if probe {
                    let empty = json!({"schemas": [LIST_RESPONSE_SCHEMA], "totalResults": 0, "Resources": [], "startIndex": 1, "itemsPerPage": 0});
                    return Ok(ok_json(StatusCode::OK, &empty, faults));
                }
                return Err(ScimError::NotFound(
                    "this service provider does not support groups".into(),
                ));
            }
            let ctx = Ctx {
                state,
                kind,
                query: &query,
                base: &base,
            };
            match (rest.first(), method.clone()) {
                (None, Method::GET) => ctx.list(),
                (None, Method::POST) => ctx.create(read_json(body).await?),
                (None, _) => Err(method_not_allowed(method, path, "GET, POST")),
                (Some(id), Method::GET) => ctx.get(id),
                (Some(id), Method::PUT) => ctx.replace(id, read_json(body).await?),
                (Some(id), Method::PATCH) => {
                    if kind == ResourceKind::Group && cfg.has(Fault::SlowGroupPatch) {
                        tokio::time::sleep(SLOW_GROUP_PATCH).await;
                    }
                    ctx.patch(id, read_json(body).await?).await
                }
                (Some(id), Method::DELETE) => ctx.delete(id),
                (Some(_), _) => Err(method_not_allowed(method, path, "GET, PUT, PATCH, DELETE")),
            }
        }
        _ => Err(ScimError::NotFound(format!("no resource at {path}"))),
    }
}
