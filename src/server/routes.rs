//! HTTP layer: routing under the base path, bearer auth, query handling, projection and the
//! per-route handlers for Users, Groups and the discovery endpoints.

use crate::core::scim::{ENTERPRISE_USER_SCHEMA, LIST_RESPONSE_SCHEMA};
use crate::server::discovery;
use crate::server::error::{scim_response, ScimError};
use crate::server::faults::Fault;
use crate::server::filter::{self, AttrPath, FilterError, MatchOptions};
use crate::server::normalize;
use crate::server::patch::{self, PatchContext};
use crate::server::refusals;
use crate::server::store::{not_found, ResourceKind, Store};
use crate::server::util::{get_ci, key_ci, remove_ci};
use crate::server::{AppState, ServerConfig};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Largest accepted request body.
const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Largest page a list answers with (ServiceProviderConfig `filter.maxResults`).
const MAX_RESULTS: usize = 200;

/// Entry point for every request (the router's fallback).
pub(crate) async fn dispatch(State(state): State<AppState>, req: Request) -> Response {
    let delay = state.config().delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match handle(&state, req).await {
        Ok(resp) => resp,
        Err(e) => e.to_response(&state.config().faults),
    }
}

/// Decoded query parameters (form decoding: `+` is a space, `%2B` a plus).
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(raw: Option<&str>) -> Self {
        Query(
            raw.map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
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

fn ok_json(status: StatusCode, body: &Value, faults: &BTreeSet<Fault>) -> Response {
    scim_response(status, Some(body), faults)
}

fn method_not_allowed(method: &Method, path: &str, allow: &'static str) -> ScimError {
    ScimError::MethodNotAllowed {
        detail: format!("{method} is not supported on {path}"),
        allow,
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
        return Ok(state.issuer().token(oauth_cfg, &parts.headers, &bytes));
    }
    let rest = strip_base(path, state.base_path())
        .ok_or_else(|| ScimError::NotFound(format!("no resource at {path}")))?;
    authorize(&parts.headers, cfg, state.issuer())?;
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
                (Some(id), Method::PATCH) => ctx.patch(id, read_json(body).await?),
                (Some(id), Method::DELETE) => ctx.delete(id),
                (Some(_), _) => Err(method_not_allowed(method, path, "GET, PUT, PATCH, DELETE")),
            }
        }
        _ => Err(ScimError::NotFound(format!("no resource at {path}"))),
    }
}

/// `attributes` / `excludedAttributes` as requested.
#[derive(Debug, Default)]
struct Projection {
    attributes: Vec<(String, Option<AttrPath>)>,
    excluded: Vec<(String, Option<AttrPath>)>,
}

fn split_list(raw: Option<&str>) -> Vec<(String, Option<AttrPath>)> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| (s.to_string(), AttrPath::parse(s).ok()))
        .collect()
}

fn always_returned(key: &str) -> bool {
    ["id", "schemas", "meta"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key))
}

/// Keeps only the requested sub-attributes of `v` (all of it if one request names no sub).
fn restrict_subs(v: &mut Value, paths: &[&AttrPath]) {
    if paths.iter().any(|p| p.sub.is_none()) {
        return;
    }
    let keep = |o: &mut Map<String, Value>| {
        o.retain(|k, _| {
            paths
                .iter()
                .any(|p| p.sub.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(k)))
        });
    };
    match v {
        Value::Object(o) => keep(o),
        Value::Array(items) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(keep),
        _ => {}
    }
}

fn remove_path(map: &mut Map<String, Value>, raw: &str, path: Option<&AttrPath>) {
    if always_returned(raw) {
        return;
    }
    if remove_ci(map, raw).is_some() {
        return;
    }
    let Some(p) = path else { return };
    let container = match &p.urn {
        None => Some(map),
        Some(urn) => key_ci(map, urn)
            .and_then(|k| map.get_mut(&k))
            .and_then(Value::as_object_mut),
    };
    let Some(container) = container else { return };
    match &p.sub {
        None => {
            if p.urn.is_some() || !always_returned(&p.attr) {
                remove_ci(container, &p.attr);
            }
        }
        Some(sub) => match key_ci(container, &p.attr).and_then(|k| container.get_mut(&k)) {
            Some(Value::Object(o)) => {
                remove_ci(o, sub);
            }
            Some(Value::Array(items)) => {
                for o in items.iter_mut().filter_map(Value::as_object_mut) {
                    remove_ci(o, sub);
                }
            }
            _ => {}
        },
    }
}

impl Projection {
    fn from_query(q: &Query, faults: &BTreeSet<Fault>) -> Self {
        let mut excluded = split_list(q.get("excludedAttributes"));
        if faults.contains(&Fault::MembersDespiteExcluded) {
            excluded.retain(|(raw, _)| !raw.eq_ignore_ascii_case("members"));
        }
        Projection {
            attributes: split_list(q.get("attributes")),
            excluded,
        }
    }

    fn apply(&self, resource: &Value) -> Value {
        let Value::Object(map) = resource else {
            return resource.clone();
        };
        let mut out = map.clone();
        if !self.attributes.is_empty() {
            out.retain(|k, v| {
                if always_returned(k)
                    || self
                        .attributes
                        .iter()
                        .any(|(raw, _)| raw.eq_ignore_ascii_case(k))
                {
                    return true;
                }
                let core: Vec<&AttrPath> = self
                    .attributes
                    .iter()
                    .filter_map(|(_, p)| p.as_ref())
                    .filter(|p| p.urn.is_none() && p.attr.eq_ignore_ascii_case(k))
                    .collect();
                if !core.is_empty() {
                    restrict_subs(v, &core);
                    return true;
                }
                let ext: Vec<&AttrPath> = self
                    .attributes
                    .iter()
                    .filter_map(|(_, p)| p.as_ref())
                    .filter(|p| p.urn.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(k)))
                    .collect();
                if ext.is_empty() {
                    return false;
                }
                if let Value::Object(e) = v {
                    e.retain(|ek, ev| {
                        let hits: Vec<&AttrPath> = ext
                            .iter()
                            .copied()
                            .filter(|p| p.attr.eq_ignore_ascii_case(ek))
                            .collect();
                        restrict_subs(ev, &hits);
                        !hits.is_empty()
                    });
                }
                true
            });
        } else {
            for (raw, p) in &self.excluded {
                remove_path(&mut out, raw, p.as_ref());
            }
        }
        Value::Object(out)
    }
}

/// Everything a resource handler needs.
struct Ctx<'a> {
    state: &'a AppState,
    kind: ResourceKind,
    query: &'a Query,
    base: &'a str,
}

fn is_disabled(resource: &Value) -> bool {
    resource
        .as_object()
        .and_then(|m| get_ci(m, "active"))
        .is_some_and(|a| a == &Value::Bool(false))
}

fn present(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    }
}

impl Ctx<'_> {
    fn cfg(&self) -> &ServerConfig {
        self.state.config()
    }

    fn faults(&self) -> &BTreeSet<Fault> {
        &self.cfg().faults
    }

    fn has(&self, f: Fault) -> bool {
        self.cfg().has(f)
    }

    fn unknown_id(&self, id: &str) -> ScimError {
        if self.has(Fault::UnknownId400) {
            ScimError::BadRequest(format!(
                "{} {id} could not be read",
                self.kind.resource_type()
            ))
        } else {
            not_found(self.kind, id)
        }
    }

    /// Read-back shape: projection, then the `manager-as-string` and `members-never-returned`
    /// faults.
    fn render(&self, resource: &Value) -> Value {
        let mut out = Projection::from_query(self.query, self.faults()).apply(resource);
        let hide_members =
            self.has(Fault::MembersNeverReturned) || self.has(Fault::MembersUnverifiable);
        if self.kind == ResourceKind::Group && hide_members {
            if let Value::Object(m) = &mut out {
                remove_ci(m, "members");
            }
        }
        if self.has(Fault::ManagerAsString) {
            if let Some(Value::Object(ext)) = out
                .as_object_mut()
                .and_then(|m| key_ci(m, ENTERPRISE_USER_SCHEMA).and_then(|k| m.get_mut(&k)))
            {
                if let Some(k) = key_ci(ext, "manager") {
                    let id = ext.get(&k).and_then(|m| m.get("value")).cloned();
                    if let Some(id) = id {
                        ext.insert(k, id);
                    }
                }
            }
        }
        out
    }

    /// Fails with 400 invalidValue unless the unique attribute is a string and every
    /// configured required attribute is present.
    fn check_required(&self, resource: &Map<String, Value>) -> Result<(), ScimError> {
        let unique = self.kind.unique_attribute();
        match get_ci(resource, unique) {
            Some(Value::String(s)) if !s.trim().is_empty() => {}
            Some(Value::String(_)) | None | Some(Value::Null) => {
                return Err(ScimError::InvalidValue(format!(
                    "required attribute `{unique}` is missing"
                )))
            }
            Some(other) => {
                return Err(ScimError::InvalidValue(format!(
                    "`{unique}` must be a string, not {other}"
                )))
            }
        }
        let required = match self.kind {
            ResourceKind::User => &self.cfg().required_user_attributes,
            ResourceKind::Group => &self.cfg().required_group_attributes,
        };
        for name in required {
            let value = match AttrPath::parse(name) {
                Ok(p) => {
                    let container = match &p.urn {
                        None => Some(resource),
                        Some(u) => get_ci(resource, u).and_then(Value::as_object),
                    };
                    let v = container.and_then(|c| get_ci(c, &p.attr));
                    match &p.sub {
                        None => v,
                        Some(s) => v.and_then(Value::as_object).and_then(|o| get_ci(o, s)),
                    }
                }
                Err(_) => get_ci(resource, name),
            };
            if !present(value) {
                return Err(ScimError::InvalidValue(format!(
                    "required attribute `{name}` is missing"
                )));
            }
        }
        Ok(())
    }

    /// Normalises and validates a POST/PUT body.
    fn prepare(&self, body: Value, store: &Store) -> Result<Map<String, Value>, ScimError> {
        let Value::Object(mut body) = body else {
            return Err(ScimError::InvalidSyntax(
                "request body must be a JSON object".into(),
            ));
        };
        remove_ci(&mut body, "meta");
        remove_ci(&mut body, "id");
        if key_ci(&body, "schemas").is_none() {
            body.insert("schemas".into(), json!([self.kind.core_schema()]));
        }
        match self.kind {
            ResourceKind::User => {
                refusals::check_user_body(&body, self.faults())?;
                normalize::normalize_new_user(&mut body, self.faults())?;
            }
            ResourceKind::Group => {
                let key = key_ci(&body, "members").unwrap_or_else(|| "members".into());
                let members = match body.get(&key) {
                    None | Some(Value::Null) => Vec::new(),
                    Some(v) => normalize::normalize_members(v, &|id| store.member_info(id))?,
                };
                body.insert(key, Value::Array(members));
            }
        }
        self.check_required(&body)?;
        Ok(body)
    }

    fn list(&self) -> Result<Response, ScimError> {
        let raw_filter = if self.has(Fault::FilterIgnored) {
            None
        } else {
            self.query.get("filter").map(|f| {
                if self.has(Fault::FilterPlusAsSpace) {
                    f.replace('+', " ")
                } else {
                    f.to_string()
                }
            })
        };
        let filtering = raw_filter.is_some();
        if filtering && self.has(Fault::FilterUnsupported) {
            return Err(ScimError::InvalidFilter(
                "filtering is not supported".into(),
            ));
        }
        let parsed = match raw_filter {
            None => None,
            Some(text) => {
                let f = filter::parse(&text)?;
                refusals::check_filter(&f, self.faults())?;
                match filter::validate(&f, self.kind, !self.has(Fault::FilterExternalIdUnsupported))
                {
                    Ok(()) => Some(f),
                    Err(FilterError::UnknownAttribute(_))
                        if self.has(Fault::FilterUnknownAttributeMatchesAll) =>
                    {
                        None
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let (start_index, count) = if self.has(Fault::PaginationIgnored) {
            (1, usize::MAX)
        } else {
            (
                self.positive("startIndex")?.unwrap_or(1).max(1),
                self.positive("count")?
                    .unwrap_or(MAX_RESULTS)
                    .min(MAX_RESULTS),
            )
        };
        let opts = MatchOptions {
            case_exact_everything: self.has(Fault::FilterCaseSensitive),
            non_ascii_never_matches: self.has(Fault::FilterNonAsciiBroken),
        };
        let hide_disabled =
            filtering && self.kind == ResourceKind::User && self.has(Fault::DisabledHidden);
        let matched: Vec<Value> = {
            let store = self.state.store();
            store
                .entries(self.kind)
                .iter()
                .map(|e| &e.resource)
                .filter(|r| parsed.as_ref().is_none_or(|f| filter::matches(r, f, &opts)))
                .filter(|r| !(hide_disabled && is_disabled(r)))
                .cloned()
                .collect()
        };
        if filtering && matched.is_empty() && self.has(Fault::FilterEmpty404) {
            return Err(ScimError::NotFound("no resource matches the filter".into()));
        }
        let total = matched.len();
        let page: Vec<Value> = matched
            .iter()
            .skip(start_index - 1)
            .take(count)
            .map(|r| self.render(r))
            .collect();
        let mut body = Map::new();
        body.insert("schemas".into(), json!([LIST_RESPONSE_SCHEMA]));
        if !self.has(Fault::ListTotalMissing) {
            body.insert("totalResults".into(), json!(total));
        }
        let items = page.len();
        body.insert("Resources".into(), Value::Array(page));
        body.insert("startIndex".into(), json!(start_index));
        body.insert("itemsPerPage".into(), json!(items));
        Ok(ok_json(StatusCode::OK, &Value::Object(body), self.faults()))
    }

    /// A non-negative integer query parameter (negative values count as 0).
    fn positive(&self, name: &str) -> Result<Option<usize>, ScimError> {
        match self.query.get(name).map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(|n| Some(usize::try_from(n.max(0)).unwrap_or(usize::MAX)))
                .map_err(|_| {
                    ScimError::InvalidValue(format!("`{name}` must be an integer, not `{v}`"))
                }),
        }
    }

    fn create(&self, body: Value) -> Result<Response, ScimError> {
        let created = {
            let mut store = self.state.store();
            let mut body = self.prepare(body, &store)?;
            match self.kind {
                ResourceKind::User => refusals::check_user_create(&body, self.faults())?,
                ResourceKind::Group => refusals::check_group_create(&body, self.faults())?,
            }
            if self.kind == ResourceKind::User && self.has(Fault::CreateDropsAttributes) {
                body.retain(|k, _| {
                    ["userName", "active", "emails", "externalId", "schemas"]
                        .iter()
                        .any(|kept| kept.eq_ignore_ascii_case(k))
                });
            }
            if self.kind == ResourceKind::User
                && self.has(Fault::RecreateConflict)
                && store.was_retired(self.kind, &Value::Object(body.clone()))
            {
                return Err(ScimError::Uniqueness(
                    "this userName belonged to a deleted user and cannot be reused".into(),
                ));
            }
            if self.kind == ResourceKind::User && self.has(Fault::UsernameLowercased) {
                if let Some(Value::String(u)) = body.get_mut("userName") {
                    *u = u.to_lowercase();
                }
            }
            store.create(
                self.kind,
                body,
                self.base,
                !self.has(Fault::DuplicatesAllowed),
            )?
        };
        let mut out = self.render(&created);
        if self.has(Fault::CreateOmitsId) {
            if let Value::Object(m) = &mut out {
                m.shift_remove("id");
            }
        }
        let status = if self.has(Fault::CreateReturns200) {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        let mut resp = ok_json(status, &out, self.faults());
        if let Some(loc) = created["meta"]["location"].as_str() {
            if let Ok(v) = HeaderValue::from_str(loc) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
        }
        Ok(resp)
    }

    fn get(&self, id: &str) -> Result<Response, ScimError> {
        let resource = self
            .state
            .store()
            .get(self.kind, id)
            .map(|e| e.resource.clone())
            .ok_or_else(|| self.unknown_id(id))?;
        if (self.kind == ResourceKind::User
            && self.has(Fault::DisabledHidden)
            && is_disabled(&resource))
            || self.has(Fault::GetById404)
        {
            return Err(not_found(self.kind, id));
        }
        let mut out = self.render(&resource);
        if self.has(Fault::MembersDespiteExcludedById) {
            if let (Value::Object(m), Some(members)) = (&mut out, resource.get("members")) {
                m.insert("members".into(), members.clone());
            }
        }
        if self.has(Fault::GetReturnsList) {
            out = json!({"schemas": [LIST_RESPONSE_SCHEMA], "totalResults": 1, "Resources": [out]});
        }
        Ok(ok_json(StatusCode::OK, &out, self.faults()))
    }

    fn replace(&self, id: &str, body: Value) -> Result<Response, ScimError> {
        let replaced = {
            let mut store = self.state.store();
            if store.get(self.kind, id).is_none() {
                return Err(not_found(self.kind, id));
            }
            let body = self.prepare(body, &store)?;
            store.replace(self.kind, id, body, !self.has(Fault::DuplicatesAllowed))?
        };
        Ok(ok_json(
            StatusCode::OK,
            &self.render(&replaced),
            self.faults(),
        ))
    }

    fn patch(&self, id: &str, body: Value) -> Result<Response, ScimError> {
        let ops = patch::parse_patch_body(&body, self.faults())?;
        let committed = {
            let mut store = self.state.store();
            let Some(current) = store.get(self.kind, id).map(|e| e.resource.clone()) else {
                if self.has(Fault::UnknownId200) {
                    return Ok(scim_response(StatusCode::OK, None, self.faults()));
                }
                return Err(not_found(self.kind, id));
            };
            let patched = {
                let lookup = |member: &str| store.member_info(member);
                let ctx = PatchContext {
                    kind: self.kind,
                    faults: self.faults(),
                    member_info: &lookup,
                };
                patch::apply_patch(&current, &ops, &ctx)?
            };
            let reenabling =
                self.kind == ResourceKind::User && is_disabled(&current) && !is_disabled(&patched);
            let patched = if reenabling && self.has(Fault::ReenableRejected) {
                return Err(ScimError::InvalidValue(
                    "a deactivated user cannot be re-activated".into(),
                ));
            } else if reenabling && self.has(Fault::ReenableIgnored) {
                let mut p = patched;
                if let Value::Object(m) = &mut p {
                    m.insert("active".into(), Value::Bool(false));
                }
                p
            } else {
                patched
            };
            if let Value::Object(m) = &patched {
                self.check_required(m)?;
            }
            store.commit(self.kind, id, patched, !self.has(Fault::DuplicatesAllowed))?
        };
        match self.kind {
            ResourceKind::User => Ok(ok_json(
                StatusCode::OK,
                &self.render(&committed),
                self.faults(),
            )),
            ResourceKind::Group => Ok(scim_response(StatusCode::NO_CONTENT, None, self.faults())),
        }
    }

    fn delete(&self, id: &str) -> Result<Response, ScimError> {
        if self.has(Fault::DeleteUnsupported) {
            return Err(method_not_allowed(&Method::DELETE, id, "GET, PATCH, PUT"));
        }
        let mut store = self.state.store();
        let existed = if self.has(Fault::DeleteNoop) {
            store.get(self.kind, id).is_some()
        } else {
            store.delete(self.kind, id)
        };
        if !existed && self.has(Fault::UnknownId200) {
            return Ok(scim_response(StatusCode::NO_CONTENT, None, self.faults()));
        }
        if !existed {
            return Err(self.unknown_id(id));
        }
        let status = if self.has(Fault::DeleteReturns200) {
            StatusCode::OK
        } else {
            StatusCode::NO_CONTENT
        };
        Ok(scim_response(status, None, self.faults()))
    }
}
