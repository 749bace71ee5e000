//! The Users and Groups handlers: list (filter, paging), create, get, replace, PATCH, delete,
//! with the read-back shape and the fault hooks of each.

use crate::core::scim::{ENTERPRISE_USER_SCHEMA, LIST_RESPONSE_SCHEMA};
use crate::server::error::{scim_response, ScimError};
use crate::server::faults::Fault;
use crate::server::filter::{self, AttrPath, FilterError, MatchOptions};
use crate::server::normalize;
use crate::server::patch::{self, PatchContext};
use crate::server::projection::Projection;
use crate::server::refusals;
use crate::server::request::{method_not_allowed, ok_json, Query};
use crate::server::store::{not_found, Entry, ResourceKind, Store};
use crate::server::util::{get_ci, key_ci, remove_ci};
use crate::server::{AppState, ServerConfig};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::time::Instant;

/// Largest page a list answers with (ServiceProviderConfig `filter.maxResults`).
const MAX_RESULTS: usize = 200;
/// How long a member PATCH under `lost-member-updates` holds its stale copy of the list.
const LOST_UPDATE_WINDOW: Duration = Duration::from_millis(2);

/// Everything a resource handler needs.
pub(super) struct Ctx<'a> {
    /// Configuration and store.
    pub state: &'a AppState,
    /// Users or Groups.
    pub kind: ResourceKind,
    /// The request's query parameters.
    pub query: &'a Query,
    /// Absolute base URL (no trailing slash) for locations.
    pub base: &'a str,
}

/// A listed resource: a stored entry (decoded when sent) or, for `filter-index-stale`, an
/// earlier version the stale index still finds.
enum Found<'a> {
    Stored(&'a Entry),
    Stale(&'a Value),
}

impl Found<'_> {
    fn id(&self) -> Option<&str> {
        match self {
            Found::Stored(e) => Some(&e.id),
            Found::Stale(v) => v.get("id").and_then(Value::as_str),
        }
    }

    fn resource(&self) -> Value {
        match self {
            Found::Stored(e) => e.resource(),
            Found::Stale(v) => (*v).clone(),
        }
    }
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
        let mut out = Projection::new(
            self.query.get("attributes"),
            self.query.get("excludedAttributes"),
            self.faults(),
        )
        .apply(resource);
        let hide_members =
            self.has(Fault::MembersNeverReturned) || self.has(Fault::MembersUnverifiable);
        if self.kind == ResourceKind::Group && hide_members {
            if let Value::Object(m) = &mut out {
                remove_ci(m, "members");
            }
        }
        if self.kind == ResourceKind::User {
            if let Value::Object(m) = &mut out {
                if self.has(Fault::ValuesLowercased) {
                    crate::server::normalize::lowercase_values(m);
                }
                if self.has(Fault::ActiveAsString) {
                    if let Some(k) = key_ci(m, "active") {
                        if let Some(b) = m.get(&k).and_then(Value::as_bool) {
                            let text = if b { "True" } else { "False" };
                            m.insert(k, Value::from(text));
                        }
                    }
                }
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

    pub(super) fn list(&self) -> Result<Response, ScimError> {
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
        if !filtering && self.has(Fault::ListRequiresFilter) {
            return Err(ScimError::InvalidFilter(
                "listing without a filter is not supported".into(),
            ));
        }
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
        if self.has(Fault::ListLargeCount500)
            && self
                .query
                .get("count")
                .and_then(|c| c.trim().parse::<u64>().ok())
                .is_some_and(|c| c > 20)
        {
            return Err(ScimError::Internal(
                "listing more than 20 resources per page failed".into(),
            ));
        }
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
            apostrophe_never_matches: self.has(Fault::FilterApostropheBroken),
            parentheses_never_match: self.has(Fault::FilterParenthesesBroken),
            eq_as_contains: self.has(Fault::FilterEqSubstring),
        };
        let hide_disabled = filtering
            && self.kind == ResourceKind::User
            && (self.has(Fault::DisabledHidden) || self.has(Fault::FilterExcludesDisabled));
        let lag = self.cfg().filter_lag;
        let now = Instant::now();
        // Read-after-write lag: a resource younger than `filter_lag` is not yet visible to filters.
        let settled = |e: &Entry| !filtering || now.duration_since(e.created_at) >= lag;
        let plain = lag.is_zero()
            && !hide_disabled
            && !self.has(Fault::FilterMissesChanges)
            && !self.has(Fault::FilterIndexStale)
            && !self.has(Fault::FilterEmpty404)
            && !opts.eq_as_contains;
        let (total, page) = if let (Some(f), true) = (&parsed, plain) {
            // Nothing but the filter decides: the store pages its (kept) matches itself.
            let store = self.state.store();
            let (total, page) = store.query_page(self.kind, f, &opts, start_index - 1, count);
            (
                total,
                page.iter().map(|e| self.render(&e.resource())).collect(),
            )
        } else {
            let store = self.state.store();
            let kind = self.kind;
            let scan = self.has(Fault::FilterMissesChanges) || opts.eq_as_contains;
            let candidates: Vec<&Entry> = match (&parsed, scan) {
                // An index that never saw a change: match each resource as it was created.
                (Some(f), true) => store
                    .entries(kind)
                    .filter(|e| {
                        let current = e.resource();
                        let indexed = if opts.eq_as_contains {
                            &current
                        } else {
                            store.original(kind, &e.id).unwrap_or(&current)
                        };
                        filter::matches(indexed, f, &opts)
                    })
                    .collect(),
                _ => store.query(kind, parsed.as_ref(), &opts).matches,
            };
            // Decoded only where a fault looks inside, and for the page sent.
            let mut matched: Vec<Found<'_>> = candidates
                .into_iter()
                .filter(|e| settled(e))
                .filter(|e| !(hide_disabled && is_disabled(&e.resource())))
                .map(Found::Stored)
                .collect();
            if let (Some(f), true) = (&parsed, self.has(Fault::FilterIndexStale)) {
                for old in store.stale(self.kind) {
                    let old_id = old.get("id").and_then(Value::as_str);
                    let seen = matched.iter().any(|m| m.id() == old_id);
                    if !seen && filter::matches(old, f, &opts) {
                        matched.push(Found::Stale(old));
                    }
                }
            }
            if filtering && matched.is_empty() && self.has(Fault::FilterEmpty404) {
                return Err(ScimError::NotFound("no resource matches the filter".into()));
            }
            let page: Vec<Value> = matched
                .iter()
                .skip(start_index - 1)
                .take(count)
                .map(|r| self.render(&r.resource()))
                .collect();
            (matched.len(), page)
        };
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

    pub(super) fn create(&self, body: Value) -> Result<Response, ScimError> {
        match self.kind {
            ResourceKind::Group => refusals::check_group_create_raw(&body, self.faults())?,
            ResourceKind::User => refusals::check_user_create_raw(&body, self.faults())?,
        }
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
            if self.has(Fault::RecreateConflict)
                && store.was_retired(self.kind, &Value::Object(body.clone()))
            {
                return Err(ScimError::Uniqueness(format!(
                    "this {} belonged to a deleted resource and cannot be reused",
                    self.kind.unique_attribute()
                )));
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

    pub(super) fn get(&self, id: &str) -> Result<Response, ScimError> {
        let resource = self
            .state
            .store()
            .get(self.kind, id)
            .map(Entry::resource)
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

    pub(super) fn replace(&self, id: &str, body: Value) -> Result<Response, ScimError> {
        let replaced = {
            let mut store = self.state.store();
            let Some(current) = store.get(self.kind, id).map(Entry::resource) else {
                return Err(not_found(self.kind, id));
            };
            if self.has(Fault::FilterMissesChanges) {
                store.remember_original(self.kind, id, current);
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

    pub(super) async fn patch(&self, id: &str, body: Value) -> Result<Response, ScimError> {
        refusals::check_patch_raw(&body, self.faults())?;
        let ops = patch::parse_patch_body(&body, self.faults())?;
        if self.kind == ResourceKind::Group {
            if let Some(edits) = self.plan_member_edits(id, &ops)? {
                return self.edit_members(id, &edits).await;
            }
        }
        self.patch_resource(id, &ops)
    }

    /// The member edits `ops` amount to when every op targets `members` of an existing group.
    fn plan_member_edits(
        &self,
        id: &str,
        ops: &[patch::PatchOperation],
    ) -> Result<Option<Vec<patch::MemberEdit>>, ScimError> {
        let store = self.state.store();
        if store.get(self.kind, id).is_none() {
            return Ok(None);
        }
        let lookup = |member: &str| store.member_info(member);
        let ctx = PatchContext {
            kind: self.kind,
            faults: self.faults(),
            member_info: &lookup,
        };
        patch::plan_member_edits(ops, &ctx)
    }

    /// Applies member edits to the stored list in place; under `lost-member-updates` the list is
    /// read, the task yields, and the edited copy is written back over whatever happened meanwhile.
    async fn edit_members(
        &self,
        id: &str,
        edits: &[patch::MemberEdit],
    ) -> Result<Response, ScimError> {
        self.refuse_member_adds(id, edits)?;
        if self.has(Fault::LostMemberUpdates) {
            let stale = self.state.store().members(id);
            let mut members = stale.ok_or_else(|| not_found(self.kind, id))?;
            tokio::task::yield_now().await;
            tokio::time::sleep(LOST_UPDATE_WINDOW).await;
            patch::apply_member_edits(&mut members, edits);
            self.state
                .store()
                .edit_members(id, |list| *list = members)?;
        } else {
            self.state
                .store()
                .edit_members(id, |list| patch::apply_member_edits(list, edits))?;
        }
        if self.has(Fault::MemberRemoveEverywhere) {
            let removed: Vec<patch::MemberEdit> = edits
                .iter()
                .filter(|e| {
                    matches!(
                        e,
                        patch::MemberEdit::Remove(_) | patch::MemberEdit::RemoveWhere(_)
                    )
                })
                .cloned()
                .collect();
            if !removed.is_empty() {
                let mut store = self.state.store();
                let others: Vec<String> = store
                    .entries(ResourceKind::Group)
                    .map(|e| e.id.clone())
                    .filter(|g| g != id)
                    .collect();
                for g in others {
                    // Only groups the removal changes (the others keep their version).
                    let Some(before) = store.members(&g) else {
                        continue;
                    };
                    let mut after = before.clone();
                    patch::apply_member_edits(&mut after, &removed);
                    if after != before {
                        store.edit_members(&g, |list| *list = after)?;
                    }
                }
            }
        }
        Ok(scim_response(StatusCode::NO_CONTENT, None, self.faults()))
    }

    /// `member-add-nonempty-rejected` and `member-readd-rejected`: member Adds refused by the
    /// members the group already has.
    fn refuse_member_adds(&self, id: &str, edits: &[patch::MemberEdit]) -> Result<(), ScimError> {
        let nonempty = self.has(Fault::MemberAddNonemptyRejected);
        let readd = self.has(Fault::MemberReaddRejected);
        if !nonempty && !readd {
            return Ok(());
        }
        let current = self.state.store().members(id).unwrap_or_default();
        let present = |m: &Value| current.iter().any(|c| c.get("value") == m.get("value"));
        for edit in edits {
            if let patch::MemberEdit::Add { members, .. } = edit {
                if nonempty && !current.is_empty() {
                    return Err(ScimError::InvalidValue(
                        "members can only be added to an empty group".into(),
                    ));
                }
                if readd && members.iter().any(present) {
                    return Err(ScimError::Uniqueness(
                        "the member is already in the group".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// PATCH through a patched copy of the whole resource (every op but member-only PATCHes).
    fn patch_resource(
        &self,
        id: &str,
        ops: &[patch::PatchOperation],
    ) -> Result<Response, ScimError> {
        let committed = {
            let mut store = self.state.store();
            let (patched, was_disabled) = {
                let Some(current) = store.get(self.kind, id).map(Entry::resource) else {
                    if self.has(Fault::UnknownId200) {
                        return Ok(scim_response(StatusCode::OK, None, self.faults()));
                    }
                    return Err(not_found(self.kind, id));
                };
                let lookup = |member: &str| store.member_info(member);
                let ctx = PatchContext {
                    kind: self.kind,
                    faults: self.faults(),
                    member_info: &lookup,
                };
                if self.kind == ResourceKind::Group && self.has(Fault::GroupPatchRejected) {
                    return Err(ScimError::Mutability(
                        "group attributes cannot change after creation".into(),
                    ));
                }
                let mut patched =
                    if self.kind == ResourceKind::Group && self.has(Fault::GroupPatchIgnored) {
                        current.clone()
                    } else {
                        patch::apply_patch(&current, ops, &ctx)?
                    };
                if self.kind == ResourceKind::Group && self.has(Fault::GroupRenameIgnored) {
                    if let (Value::Object(p), Some(old)) =
                        (&mut patched, current.get("displayName"))
                    {
                        p.insert("displayName".into(), old.clone());
                    }
                }
                (patched, is_disabled(&current))
            };
            if self.has(Fault::FilterIndexStale) {
                if let Some(current) = store.get(self.kind, id).map(Entry::resource) {
                    store.remember_stale(self.kind, current);
                }
            }
            if self.has(Fault::FilterMissesChanges) {
                if let Some(current) = store.get(self.kind, id).map(Entry::resource) {
                    store.remember_original(self.kind, id, current);
                }
            }
            let reenabling =
                self.kind == ResourceKind::User && was_disabled && !is_disabled(&patched);
            if self.kind == ResourceKind::User
                && was_disabled
                && !reenabling
                && self.has(Fault::DisabledUpdatesRefused)
            {
                return Err(ScimError::InvalidValue(
                    "a deactivated user cannot be changed".into(),
                ));
            }
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

    pub(super) fn delete(&self, id: &str) -> Result<Response, ScimError> {
        if self.has(Fault::DeleteUnsupported) {
            return Err(method_not_allowed(&Method::DELETE, id, "GET, PATCH, PUT"));
        }
        let mut store = self.state.store();
        let deactivate = self.kind == ResourceKind::User && self.state.config().delete_deactivates;
        let existed = if self.has(Fault::DeleteKeepsResource) {
            store.get(self.kind, id).is_some()
        } else if self.has(Fault::FilterIndexStale) {
            if let Some(old) = store.get(self.kind, id).map(Entry::resource) {
                store.remember_stale(self.kind, old);
            }
            store.delete(self.kind, id)
        } else if deactivate {
            // The vendor's guide: a user removed in Entra is set to inactive, not deleted.
            match store.get(self.kind, id).map(Entry::resource) {
                Some(mut user) => {
                    if let Value::Object(m) = &mut user {
                        m.insert("active".into(), Value::Bool(false));
                    }
                    store.commit(self.kind, id, user, false)?;
                    true
                }
                None => false,
            }
        } else {
            store.delete(self.kind, id)
        };
        if !existed && (self.has(Fault::UnknownId200) || self.has(Fault::DeleteUnknown204)) {
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
