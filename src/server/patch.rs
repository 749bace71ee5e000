//! RFC 7644 §3.5.2 PATCH: PatchOp parsing and application in both Entra dialects, with fault hooks;
//! also the attribute normalisation shared with create/replace (active, primary, roles, manager, members).

use crate::core::scim::{ENTERPRISE_USER_SCHEMA, ENTRA_ROLE_TYPE, PATCH_OP_SCHEMA};
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::filter::{self, AttrPath, Filter, MatchOptions};
use crate::server::store::{MemberInfo, ResourceKind};
use crate::server::util::{
    canonical_name, ensure_schema, get_ci, key_ci, parse_bool_str, remove_ci,
    MULTI_VALUED_WITH_PRIMARY,
};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// A PATCH operation kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `add`
    Add,
    /// `replace`
    Replace,
    /// `remove`
    Remove,
}

/// One entry of a PatchOp `Operations` array.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// The operation.
    pub op: OpKind,
    /// The target path; `None` for path-less add/replace.
    pub path: Option<String>,
    /// The operation's value, if any.
    pub value: Option<Value>,
}

/// A parsed PATCH path: `[urn:]attr[.sub]` or `[urn:]attr[filter][.sub]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// Extension URN, `None` for core attributes.
    pub urn: Option<String>,
    /// The attribute.
    pub attr: String,
    /// Value filter selecting elements of a multi-valued attribute.
    pub filter: Option<Filter>,
    /// Sub-attribute.
    pub sub: Option<String>,
}

impl PatchPath {
    /// Parses a PATCH path; any problem is 400 invalidPath.
    pub fn parse(s: &str) -> Result<PatchPath, ScimError> {
        let s = s.trim();
        let Some(open) = s.find('[') else {
            let p = AttrPath::parse(s).map_err(ScimError::InvalidPath)?;
            return Ok(PatchPath {
                urn: p.urn,
                attr: p.attr,
                filter: None,
                sub: p.sub,
            });
        };
        let close = s
            .rfind(']')
            .filter(|c| *c > open)
            .ok_or_else(|| ScimError::InvalidPath(format!("unbalanced brackets in path `{s}`")))?;
        let base = AttrPath::parse(&s[..open]).map_err(ScimError::InvalidPath)?;
        if base.sub.is_some() {
            return Err(ScimError::InvalidPath(format!(
                "a value filter must follow a plain attribute in path `{s}`"
            )));
        }
        let filter = filter::parse_inner(&s[open + 1..close]).map_err(|e| {
            ScimError::InvalidPath(format!("invalid value filter in path `{s}`: {e}"))
        })?;
        let suffix = &s[close + 1..];
        let sub = if suffix.is_empty() {
            None
        } else {
            let rest = suffix.strip_prefix('.').unwrap_or("");
            match AttrPath::parse(rest) {
                Ok(p) if p.urn.is_none() && p.sub.is_none() && !rest.is_empty() => Some(p.attr),
                _ => {
                    return Err(ScimError::InvalidPath(format!(
                        "`{suffix}` after the value filter in path `{s}` is not a sub-attribute"
                    )))
                }
            }
        };
        Ok(PatchPath {
            urn: base.urn,
            attr: base.attr,
            filter: Some(filter),
            sub,
        })
    }

    fn is_enterprise(&self) -> bool {
        self.urn
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA))
    }
}

/// Parses a PatchOp body (`schemas` and `Operations` in any order; `op` any case unless the
/// `capitalized-ops-rejected` fault is on).
pub fn parse_patch_body(
    body: &Value,
    faults: &BTreeSet<Fault>,
) -> Result<Vec<PatchOperation>, ScimError> {
    let obj = body
        .as_object()
        .ok_or_else(|| ScimError::InvalidSyntax("PATCH body must be a JSON object".into()))?;
    if let Some(schemas) = get_ci(obj, "schemas") {
        let ok = schemas.as_array().is_some_and(|a| {
            a.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
            })
        });
        if !ok {
            return Err(ScimError::InvalidSyntax(format!(
                "PATCH body schemas must contain {PATCH_OP_SCHEMA}"
            )));
        }
    }
    let ops = get_ci(obj, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::InvalidSyntax("PATCH body needs an Operations array".into()))?;
    ops.iter()
        .enumerate()
        .map(|(i, op)| {
            let o = op.as_object().ok_or_else(|| {
                ScimError::InvalidSyntax(format!("Operations[{i}] is not an object"))
            })?;
            let name = get_ci(o, "op").and_then(Value::as_str).ok_or_else(|| {
                ScimError::InvalidSyntax(format!("Operations[{i}] has no string `op`"))
            })?;
            if faults.contains(&Fault::CapitalizedOpsRejected) && name != name.to_lowercase() {
                return Err(ScimError::InvalidSyntax(format!(
                    "unsupported op `{name}` in Operations[{i}]"
                )));
            }
            let kind = match name.to_ascii_lowercase().as_str() {
                "add" => OpKind::Add,
                "replace" => OpKind::Replace,
                "remove" => OpKind::Remove,
                _ => {
                    return Err(ScimError::InvalidSyntax(format!(
                        "unknown op `{name}` in Operations[{i}]"
                    )))
                }
            };
            let path = match get_ci(o, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) if p.trim().is_empty() => None,
                Some(Value::String(p)) => Some(p.clone()),
                Some(_) => {
                    return Err(ScimError::InvalidPath(format!(
                        "Operations[{i}].path must be a string"
                    )))
                }
            };
            Ok(PatchOperation {
                op: kind,
                path,
                value: get_ci(o, "value").cloned(),
            })
        })
        .collect()
}

/// What PATCH application needs from its surroundings.
pub struct PatchContext<'a> {
    /// The resource type being patched.
    pub kind: ResourceKind,
    /// Enabled faults.
    pub faults: &'a BTreeSet<Fault>,
    /// Looks up a member id (for `display`/`type` of group members).
    pub member_info: &'a dyn Fn(&str) -> Option<MemberInfo>,
}

impl PatchContext<'_> {
    fn has(&self, f: Fault) -> bool {
        self.faults.contains(&f)
    }
}

/// Applies `ops` to a copy of `resource`; the copy is returned only if every operation succeeded.
pub fn apply_patch(
    resource: &Value,
    ops: &[PatchOperation],
    ctx: &PatchContext<'_>,
) -> Result<Value, ScimError> {
    let mut res = resource
        .as_object()
        .cloned()
        .ok_or_else(|| ScimError::Internal("stored resource is not an object".into()))?;
    for op in ops {
        apply_operation(&mut res, op, ctx)?;
    }
    if ctx.kind == ResourceKind::User {
        coerce_primary(&mut res);
        normalize_manager_in(&mut res)?;
    }
    Ok(Value::Object(res))
}

fn is_plain_active(path: &str) -> bool {
    PatchPath::parse(path).is_ok_and(|p| {
        p.urn.is_none()
            && p.filter.is_none()
            && p.sub.is_none()
            && p.attr.eq_ignore_ascii_case("active")
    })
}

fn apply_operation(
    res: &mut Map<String, Value>,
    op: &PatchOperation,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let patch_ignored = ctx.kind == ResourceKind::User && ctx.has(Fault::PatchIgnored);
    match &op.path {
        Some(path) => {
            if patch_ignored && !is_plain_active(path) {
                return Ok(());
            }
            let lower = path.trim().to_ascii_lowercase();
            if ctx.has(Fault::MemberRemoveFilterRejected)
                && op.op == OpKind::Remove
                && lower.starts_with("members[")
            {
                return Err(ScimError::InvalidPath(format!("unsupported path `{path}`")));
            }
            if ctx.has(Fault::RolesReadonly)
                && ctx.kind == ResourceKind::User
                && lower.starts_with("roles")
            {
                return Err(ScimError::Mutability("roles are read-only".into()));
            }
            apply_at(res, op.op, path, op.value.as_ref(), ctx)
        }
        None => {
            if ctx.has(Fault::PathlessRejected) {
                return Err(ScimError::NoTarget("an operation needs a path".into()));
            }
            if op.op == OpKind::Remove {
                return Err(ScimError::NoTarget(
                    "a remove operation needs a path".into(),
                ));
            }
            let Some(Value::Object(obj)) = &op.value else {
                return Err(ScimError::InvalidValue(
                    "an add/replace without a path needs an object value".into(),
                ));
            };
            for (k, v) in obj {
                if ["id", "meta", "schemas"]
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(k))
                {
                    continue;
                }
                if ctx.has(Fault::PathlessDottedKeysIgnored) && (k.contains('.') || k.contains(':'))
                {
                    continue;
                }
                if patch_ignored && !k.eq_ignore_ascii_case("active") {
                    continue;
                }
                apply_at(res, op.op, k, Some(v), ctx)?;
            }
            Ok(())
        }
    }
}

fn known_extension(path: &str) -> Option<&'static str> {
    path.trim()
        .eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA)
        .then_some(ENTERPRISE_USER_SCHEMA)
}

fn remove_schema(res: &mut Map<String, Value>, urn: &str) {
    if let Some(Value::Array(items)) = key_ci(res, "schemas").and_then(|k| res.get_mut(&k)) {
        items.retain(|s| !s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)));
    }
}

fn apply_at(
    res: &mut Map<String, Value>,
    op: OpKind,
    path: &str,
    value: Option<&Value>,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    if let Some(urn) = known_extension(path) {
        if ctx.kind != ResourceKind::User {
            return Err(ScimError::InvalidPath(format!(
                "`{path}` does not apply to groups"
            )));
        }
        if ctx.has(Fault::ExtensionIgnored) {
            return Ok(());
        }
        if op == OpKind::Remove {
            remove_ci(res, urn);
            remove_schema(res, urn);
            return Ok(());
        }
        let Some(Value::Object(obj)) = value else {
            return Err(ScimError::InvalidValue(format!(
                "`{urn}` needs an object value"
            )));
        };
        ensure_extension(res, urn, ctx.kind)?;
        for (k, v) in obj {
            apply_at(res, op, &format!("{urn}:{k}"), Some(v), ctx)?;
        }
        return Ok(());
    }
    let mut pp = PatchPath::parse(path)?;
    if pp.urn.is_none() && ctx.kind == ResourceKind::User && pp.attr.eq_ignore_ascii_case("manager")
    {
        pp.urn = Some(ENTERPRISE_USER_SCHEMA.to_string());
    }
    if pp.is_enterprise() && ctx.has(Fault::ExtensionIgnored) {
        return Ok(());
    }
    let attr_l = pp.attr.to_ascii_lowercase();
    let is_core = pp.urn.is_none();
    if is_core && (attr_l == "id" || attr_l == "meta") {
        return Err(ScimError::Mutability(format!("`{}` is read-only", pp.attr)));
    }
    let is_user = ctx.kind == ResourceKind::User;
    if is_core && is_user && attr_l == "active" && ctx.has(Fault::ActiveIgnored) {
        return Ok(());
    }
    if is_core && is_user && attr_l == "roles" && ctx.has(Fault::RolesDropped) {
        return Ok(());
    }
    let container: &mut Map<String, Value> = match &pp.urn {
        None => res,
        Some(urn) => {
            if op == OpKind::Remove {
                let Some(k) = key_ci(res, urn) else {
                    return Ok(());
                };
                match res.get_mut(&k) {
                    Some(Value::Object(c)) => c,
                    _ => return Ok(()),
                }
            } else {
                ensure_extension(res, urn, ctx.kind)?
            }
        }
    };
    let key = key_ci(container, &pp.attr).unwrap_or_else(|| canonical_name(&pp.attr));
    match (&pp.filter, &pp.sub) {
        (None, None) => {
            if is_core && is_user && attr_l == "active" {
                set_active(container, key, op, value, ctx)
            } else if pp.is_enterprise() && attr_l == "manager" {
                set_manager(container, key, op, value)
            } else if is_core && !is_user && attr_l == "members" {
                patch_members(container, key, op, value, ctx)
            } else if is_core && is_user && attr_l == "roles" {
                patch_roles(container, key, op, value, ctx)
            } else {
                patch_whole(container, key, op, value)
            }
        }
        (None, Some(sub)) => patch_sub(container, key, sub, op, value),
        (Some(filter), sub) => {
            if is_core
                && !is_user
                && attr_l == "members"
                && op == OpKind::Remove
                && ctx.has(Fault::MemberRemoveIgnored)
            {
                return Ok(());
            }
            patch_value_path(container, key, filter, sub.as_deref(), op, value, ctx)
        }
    }
}

fn ensure_extension<'m>(
    res: &'m mut Map<String, Value>,
    urn: &str,
    kind: ResourceKind,
) -> Result<&'m mut Map<String, Value>, ScimError> {
    ensure_schema(res, urn, kind.core_schema());
    let key = key_ci(res, urn).unwrap_or_else(|| urn.to_string());
    let entry = res.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry
        .as_object_mut()
        .ok_or_else(|| ScimError::Internal(format!("`{urn}` is not an object")))
}

fn need_value<'v>(value: Option<&'v Value>, what: &str) -> Result<&'v Value, ScimError> {
    value
        .ok_or_else(|| ScimError::InvalidValue(format!("an add/replace of `{what}` needs a value")))
}

/// Coerces an `active` value: a JSON bool, or `"True"`/`"False"` in any case.
pub fn coerce_active(v: &Value, faults: &BTreeSet<Fault>) -> Result<bool, ScimError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => {
            if faults.contains(&Fault::ActiveStringRejected) {
                return Err(ScimError::InvalidValue(format!(
                    "active must be a boolean, not the string \"{s}\""
                )));
            }
            parse_bool_str(s).ok_or_else(|| {
                ScimError::InvalidValue(format!("active must be true or false, not \"{s}\""))
            })
        }
        other => Err(ScimError::InvalidValue(format!(
            "active must be a boolean, not {other}"
        ))),
    }
}

fn set_active(
    container: &mut Map<String, Value>,
    key: String,
    op: OpKind,
    value: Option<&Value>,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    if op == OpKind::Remove {
        container.shift_remove(&key);
        return Ok(());
    }
    let b = coerce_active(need_value(value, "active")?, ctx.faults)?;
    container.insert(key, Value::Bool(b));
    Ok(())
}

/// Normalises a manager value: a bare id, `{"value": id}` or `[{"value": id}]` becomes
/// `Some({"value": id, ...})`; empty values become `None` (manager removed).
pub fn normalize_manager(v: Option<&Value>) -> Result<Option<Value>, ScimError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(serde_json::json!({ "value": s }))),
        Some(Value::Object(o)) => match get_ci(o, "value") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(_)) => Ok(Some(Value::Object(o.clone()))),
            Some(other) => Err(ScimError::InvalidValue(format!(
                "manager value must be a string id, not {other}"
            ))),
        },
        Some(Value::Array(items)) => match items.first() {
            None => Ok(None),
            Some(first) => Ok(
                normalize_manager(Some(first))?.map(|m| match m.get("value") {
                    Some(id) => serde_json::json!({ "value": id }),
                    None => m,
                }),
            ),
        },
        Some(other) => Err(ScimError::InvalidValue(format!(
            "manager must be an id or an object with a value, not {other}"
        ))),
    }
}

fn set_manager(
    container: &mut Map<String, Value>,
    key: String,
    op: OpKind,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let new = if op == OpKind::Remove {
        None
    } else {
        normalize_manager(value)?
    };
    match new {
        Some(m) => {
            container.insert(key, m);
        }
        None => {
            container.shift_remove(&key);
        }
    }
    Ok(())
}

fn item_value(v: &Value) -> Option<&Value> {
    v.as_object().and_then(|o| get_ci(o, "value"))
}

fn same_item(a: &Value, b: &Value) -> bool {
    match (item_value(a), item_value(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn push_unique(list: &mut Vec<Value>, items: Vec<Value>) {
    for it in items {
        if !list.iter().any(|e| same_item(e, &it)) {
            list.push(it);
        }
    }
}

fn items_of(v: &Value, what: &str) -> Result<Vec<Value>, ScimError> {
    match v {
        Value::Array(a) => Ok(a.clone()),
        Value::Null => Ok(Vec::new()),
        Value::Object(_) => Ok(vec![v.clone()]),
        other => Err(ScimError::InvalidValue(format!(
            "`{what}` needs an array of objects, not {other}"
        ))),
    }
}

/// Normalises group members to `{"value", "display", "type"}` (deduplicated by value).
pub fn normalize_members(
    v: &Value,
    member_info: &dyn Fn(&str) -> Option<MemberInfo>,
) -> Result<Vec<Value>, ScimError> {
    let mut out: Vec<Value> = Vec::new();
    for it in items_of(v, "members")? {
        let o = it
            .as_object()
            .ok_or_else(|| ScimError::InvalidValue(format!("member {it} is not an object")))?;
        let id = get_ci(o, "value")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ScimError::InvalidValue(format!("member {it} has no string value")))?;
        let info = member_info(id);
        let display = info.as_ref().and_then(|i| i.display.clone()).or_else(|| {
            get_ci(o, "display")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        let typ = info
            .as_ref()
            .map(|i| i.kind.resource_type().to_string())
            .or_else(|| {
                get_ci(o, "type")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "User".to_string());
        let mut m = Map::new();
        m.insert("value".into(), Value::from(id));
        if let Some(d) = display {
            m.insert("display".into(), Value::from(d));
        }
        m.insert("type".into(), Value::from(typ));
        push_unique(&mut out, vec![Value::Object(m)]);
    }
    Ok(out)
}

fn existing_list(container: &Map<String, Value>, key: &str) -> Vec<Value> {
    match container.get(key) {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    }
}

fn patch_members(
    container: &mut Map<String, Value>,
    key: String,
    op: OpKind,
    value: Option<&Value>,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let mut list = existing_list(container, &key);
    match op {
        OpKind::Add => {
            let mut items = normalize_members(need_value(value, "members")?, ctx.member_info)?;
            if ctx.has(Fault::MemberAddFirstOnly) {
                items.truncate(1);
            }
            push_unique(&mut list, items);
        }
        OpKind::Replace => {
            list = normalize_members(need_value(value, "members")?, ctx.member_info)?;
        }
        OpKind::Remove => {
            if ctx.has(Fault::MemberRemoveIgnored) {
                return Ok(());
            }
            match value {
                None | Some(Value::Null) => list.clear(),
                Some(_) if ctx.has(Fault::MemberRemoveClearsAll) => list.clear(),
                Some(v) => {
                    let targets = items_of(v, "members")?;
                    let ids: Vec<&Value> = targets
                        .iter()
                        .map(|t| {
                            item_value(t).ok_or_else(|| {
                                ScimError::InvalidValue(format!("member {t} has no value"))
                            })
                        })
                        .collect::<Result<_, _>>()?;
                    list.retain(|m| !item_value(m).is_some_and(|v| ids.contains(&v)));
                }
            }
        }
    }
    container.insert(key, Value::Array(list));
    Ok(())
}

fn coerce_primary_in(item: &mut Value) {
    if let Value::Object(o) = item {
        if let Some(k) = key_ci(o, "primary") {
            if let Some(b) = o.get(&k).and_then(Value::as_str).and_then(parse_bool_str) {
                o.insert(k, Value::Bool(b));
            }
        }
    }
}

/// Normalises role items: legacy stringified items (`{"value":"{\"id\":..,\"value\":..}"}`) are
/// unwrapped, `primary` strings become booleans, duplicates (by value) are dropped.
pub fn normalize_roles(v: &Value, faults: &BTreeSet<Fault>) -> Result<Vec<Value>, ScimError> {
    let items = match v {
        Value::String(s) => vec![serde_json::json!({ "value": s })],
        other => items_of(other, "roles")?,
    };
    let mut out = Vec::new();
    for it in items {
        let o = match it {
            Value::Object(o) => o,
            Value::String(s) => {
                let mut m = Map::new();
                m.insert("value".into(), Value::from(s));
                m
            }
            other => {
                return Err(ScimError::InvalidValue(format!(
                    "role {other} is not an object"
                )))
            }
        };
        let inner = get_ci(&o, "value")
            .and_then(Value::as_str)
            .filter(|s| s.trim_start().starts_with('{'))
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .and_then(|v| match v {
                Value::Object(m) if get_ci(&m, "value").is_some() => Some(m),
                _ => None,
            });
        let mut role = match inner {
            Some(inner) => {
                if faults.contains(&Fault::RolesStringifiedRejected) {
                    return Err(ScimError::InvalidValue(
                        "role value is a stringified JSON object".into(),
                    ));
                }
                let mut m = Map::new();
                m.insert(
                    "value".into(),
                    get_ci(&inner, "value").cloned().unwrap_or_default(),
                );
                let display = get_ci(&inner, "display")
                    .or_else(|| get_ci(&inner, "displayName"))
                    .or_else(|| get_ci(&o, "display"))
                    .cloned();
                if let Some(d) = display {
                    m.insert("display".into(), d);
                }
                let typ = get_ci(&o, "type")
                    .filter(|t| t.is_string())
                    .cloned()
                    .unwrap_or_else(|| Value::from(ENTRA_ROLE_TYPE));
                m.insert("type".into(), typ);
                let primary = get_ci(&o, "primary")
                    .or_else(|| get_ci(&inner, "primary"))
                    .cloned()
                    .unwrap_or(Value::Bool(false));
                m.insert("primary".into(), primary);
                Value::Object(m)
            }
            None => Value::Object(o),
        };
        coerce_primary_in(&mut role);
        push_unique(&mut out, vec![role]);
    }
    Ok(out)
}

fn patch_roles(
    container: &mut Map<String, Value>,
    key: String,
    op: OpKind,
    value: Option<&Value>,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let mut list = existing_list(container, &key);
    match op {
        OpKind::Add => push_unique(
            &mut list,
            normalize_roles(need_value(value, "roles")?, ctx.faults)?,
        ),
        OpKind::Replace => {
            let items = normalize_roles(need_value(value, "roles")?, ctx.faults)?;
            if ctx.has(Fault::RolesReplaceAppends) {
                push_unique(&mut list, items);
            } else {
                list = items;
            }
        }
        OpKind::Remove => match value {
            None | Some(Value::Null) => list.clear(),
            Some(v) => {
                let targets = normalize_roles(v, ctx.faults)?;
                list.retain(|r| !targets.iter().any(|t| same_item(r, t)));
            }
        },
    }
    if list.is_empty() {
        container.shift_remove(&key);
    } else {
        container.insert(key, Value::Array(list));
    }
    Ok(())
}

/// Merges `new` into `existing` sub-attribute by sub-attribute (null removes).
fn merge(existing: &mut Map<String, Value>, new: &Map<String, Value>) {
    for (k, v) in new {
        let ek = key_ci(existing, k).unwrap_or_else(|| k.clone());
        match (existing.get_mut(&ek), v) {
            (_, Value::Null) => {
                existing.shift_remove(&ek);
            }
            (Some(Value::Object(e)), Value::Object(n)) => merge(e, n),
            _ => {
                existing.insert(ek, v.clone());
            }
        }
    }
}

fn patch_whole(
    container: &mut Map<String, Value>,
    key: String,
    op: OpKind,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    if op == OpKind::Remove {
        match (container.get_mut(&key), value) {
            (Some(Value::Array(items)), Some(v)) if !v.is_null() => {
                let targets = match v {
                    Value::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                items.retain(|it| !targets.iter().any(|t| same_item(it, t)));
                if items.is_empty() {
                    container.shift_remove(&key);
                }
            }
            _ => {
                container.shift_remove(&key);
            }
        }
        return Ok(());
    }
    let v = need_value(value, &key)?;
    if v.is_null() {
        container.shift_remove(&key);
        return Ok(());
    }
    match (container.get_mut(&key), v, op) {
        (Some(Value::Array(items)), Value::Array(new), OpKind::Add) => {
            push_unique(items, new.clone());
        }
        (Some(Value::Array(items)), Value::Object(_), OpKind::Add) => {
            push_unique(items, vec![v.clone()]);
        }
        (Some(Value::Object(existing)), Value::Object(new), _) => merge(existing, new),
        _ => {
            container.insert(key, v.clone());
        }
    }
    Ok(())
}

fn set_sub(obj: &mut Map<String, Value>, sub: &str, v: &Value) {
    let k = key_ci(obj, sub).unwrap_or_else(|| canonical_name(sub));
    if v.is_null() {
        obj.shift_remove(&k);
    } else {
        obj.insert(k, v.clone());
    }
}

fn patch_sub(
    container: &mut Map<String, Value>,
    key: String,
    sub: &str,
    op: OpKind,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    if op == OpKind::Remove {
        match container.get_mut(&key) {
            Some(Value::Object(o)) => {
                remove_ci(o, sub);
                if o.is_empty() {
                    container.shift_remove(&key);
                }
            }
            Some(Value::Array(items)) => {
                for it in items.iter_mut() {
                    if let Value::Object(o) = it {
                        remove_ci(o, sub);
                    }
                }
            }
            _ => {}
        }
        return Ok(());
    }
    let v = need_value(value, &format!("{key}.{sub}"))?;
    let entry = container
        .entry(key)
        .or_insert_with(|| Value::Object(Map::new()));
    match entry {
        Value::Object(o) => set_sub(o, sub, v),
        Value::Array(items) if items.is_empty() => {
            let mut o = Map::new();
            set_sub(&mut o, sub, v);
            items.push(Value::Object(o));
        }
        Value::Array(items) => {
            for it in items.iter_mut() {
                if let Value::Object(o) = it {
                    set_sub(o, sub, v);
                }
            }
        }
        other => {
            let mut o = Map::new();
            set_sub(&mut o, sub, v);
            *other = Value::Object(o);
        }
    }
    Ok(())
}

fn patch_value_path(
    container: &mut Map<String, Value>,
    key: String,
    filter: &Filter,
    sub: Option<&str>,
    op: OpKind,
    value: Option<&Value>,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let opts = MatchOptions::default();
    let mut list = existing_list(container, &key);
    let hits: Vec<usize> = list
        .iter()
        .enumerate()
        .filter(|(_, el)| filter::matches_element(el, &key, filter, &opts))
        .map(|(i, _)| i)
        .collect();
    match op {
        OpKind::Remove => {
            match sub {
                None => {
                    let mut i = 0;
                    list.retain(|_| {
                        i += 1;
                        !hits.contains(&(i - 1))
                    });
                }
                Some(s) => {
                    for &i in &hits {
                        if let Some(Value::Object(o)) = list.get_mut(i) {
                            remove_ci(o, s);
                        }
                    }
                }
            }
            if hits.is_empty() {
                return Ok(());
            }
        }
        OpKind::Add | OpKind::Replace => {
            let v = need_value(value, &key)?;
            if hits.is_empty() {
                if ctx.has(Fault::FilteredPathNoCreate) {
                    return Ok(());
                }
                let mut el = filter::template(filter).ok_or_else(|| {
                    ScimError::NoTarget(format!(
                        "no `{key}` element matches the path filter and it does not describe one to create"
                    ))
                })?;
                match (sub, v) {
                    (Some(s), _) => set_sub(&mut el, s, v),
                    (None, Value::Object(o)) => merge(&mut el, o),
                    (None, other) => {
                        return Err(ScimError::InvalidValue(format!(
                            "a value-filtered `{key}` path without a sub-attribute needs an object value, not {other}"
                        )))
                    }
                }
                list.push(Value::Object(el));
            } else {
                for &i in &hits {
                    let Some(Value::Object(o)) = list.get_mut(i) else {
                        continue;
                    };
                    match (sub, v) {
                        (Some(s), _) => set_sub(o, s, v),
                        (None, Value::Object(n)) if op == OpKind::Add => merge(o, n),
                        (None, Value::Object(n)) => *o = n.clone(),
                        (None, other) => {
                            return Err(ScimError::InvalidValue(format!(
                                "a value-filtered `{key}` path without a sub-attribute needs an object value, not {other}"
                            )))
                        }
                    }
                }
            }
        }
    }
    if list.is_empty() && !key.eq_ignore_ascii_case("members") {
        container.shift_remove(&key);
    } else {
        container.insert(key, Value::Array(list));
    }
    Ok(())
}

/// Turns `"True"`/`"False"` `primary` flags inside multi-valued attributes into booleans.
pub fn coerce_primary(res: &mut Map<String, Value>) {
    for attr in MULTI_VALUED_WITH_PRIMARY {
        if let Some(Value::Array(items)) = key_ci(res, attr).and_then(|k| res.get_mut(&k)) {
            items.iter_mut().for_each(coerce_primary_in);
        }
    }
}

/// Brings the enterprise `manager` into object form (or removes it when empty).
pub fn normalize_manager_in(res: &mut Map<String, Value>) -> Result<(), ScimError> {
    let Some(ext_key) = key_ci(res, ENTERPRISE_USER_SCHEMA) else {
        return Ok(());
    };
    let Some(Value::Object(ext)) = res.get_mut(&ext_key) else {
        return Ok(());
    };
    let Some(mk) = key_ci(ext, "manager") else {
        return Ok(());
    };
    match normalize_manager(ext.get(&mk))? {
        Some(m) => {
            ext.insert(mk, m);
        }
        None => {
            ext.shift_remove(&mk);
        }
    }
    Ok(())
}

/// Normalises a User body on create/replace: `active` defaults to true and string booleans are
/// coerced, roles and `primary` flags are normalised, `manager` is brought into object form.
pub fn normalize_new_user(
    res: &mut Map<String, Value>,
    faults: &BTreeSet<Fault>,
) -> Result<(), ScimError> {
    match key_ci(res, "active") {
        None => {
            res.insert("active".into(), Value::Bool(true));
        }
        Some(k) => {
            let v = res.get(&k).cloned().unwrap_or_default();
            let b = match v {
                Value::Null => true,
                Value::String(s) => parse_bool_str(&s).ok_or_else(|| {
                    ScimError::InvalidValue(format!("active must be true or false, not \"{s}\""))
                })?,
                other => coerce_active(&other, faults)?,
            };
            res.insert(k, Value::Bool(b));
        }
    }
    if let Some(k) = key_ci(res, "roles") {
        if faults.contains(&Fault::RolesDropped) {
            res.shift_remove(&k);
        } else {
            let roles = normalize_roles(res.get(&k).unwrap_or(&Value::Null), faults)?;
            res.insert(k, Value::Array(roles));
        }
    }
    coerce_primary(res);
    normalize_manager_in(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENT: &str = ENTERPRISE_USER_SCHEMA;

    fn lookup(id: &str) -> Option<MemberInfo> {
        match id {
            "u1" => Some(MemberInfo {
                kind: ResourceKind::User,
                display: Some("ann".into()),
            }),
            "u2" => Some(MemberInfo {
                kind: ResourceKind::User,
                display: Some("bob".into()),
            }),
            "g9" => Some(MemberInfo {
                kind: ResourceKind::Group,
                display: Some("Nested".into()),
            }),
            _ => None,
        }
    }

    fn run_with(
        kind: ResourceKind,
        res: Value,
        ops: Value,
        faults: &[Fault],
    ) -> Result<Value, ScimError> {
        let faults: BTreeSet<Fault> = faults.iter().copied().collect();
        let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops});
        let ops = parse_patch_body(&body, &faults)?;
        let ctx = PatchContext {
            kind,
            faults: &faults,
            member_info: &lookup,
        };
        apply_patch(&res, &ops, &ctx)
    }

    fn user_patch(res: Value, ops: Value) -> Value {
        run_with(ResourceKind::User, res, ops, &[]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn base_user() -> Value {
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "x", "userName": "ann", "active": true,
               "emails": [{"type": "work", "value": "a@w.example", "primary": true}]})
    }

    #[test]
    fn simple_paths_and_active_coercion() {
        let r = user_patch(
            base_user(),
            json!([
                {"op": "Replace", "path": "displayName", "value": "Ann"},
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Add", "path": "name.givenName", "value": "Ann"},
                {"op": "add", "path": "title", "value": "Boss"},
            ]),
        );
        assert_eq!(r["displayName"], json!("Ann"));
        assert_eq!(r["active"], json!(false));
        assert_eq!(r["name"], json!({"givenName": "Ann"}));
        let r = user_patch(
            r,
            json!([{"op": "remove", "path": "title"}, {"op":"replace","path":"active","value":"TRUE"}]),
        );
        assert!(r.get("title").is_none());
        assert_eq!(r["active"], json!(true));
    }

    #[test]
    fn pathless_keys_are_paths() {
        let r = user_patch(
            base_user(),
            json!([{"op": "replace", "value": {
                "displayName": "D",
                "name.givenName": "G",
                "name": {"familyName": "F"},
                format!("{ENT}:employeeNumber"): "42",
                ENT: {"department": "R&D", "manager": "m1"},
                "active": "False"
            }}]),
        );
        assert_eq!(r["displayName"], json!("D"));
        assert_eq!(r["name"], json!({"givenName": "G", "familyName": "F"}));
        assert!(r.get("name.givenName").is_none());
        assert_eq!(
            r[ENT],
            json!({"employeeNumber": "42", "department": "R&D", "manager": {"value": "m1"}})
        );
        assert_eq!(r["active"], json!(false));
        assert!(r["schemas"]
            .as_array()
            .is_some_and(|s| s.contains(&json!(ENT))));
    }

    #[test]
    fn value_paths_create_update_and_remove() {
        let r = user_patch(
            base_user(),
            json!([
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@w.example"},
                {"op": "add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555"},
                {"op": "add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
                {"op": "add", "path": "roles[primary eq \"True\"].value", "value": "Admin"},
            ]),
        );
        assert_eq!(
            r["emails"],
            json!([{"type": "work", "value": "new@w.example", "primary": true}])
        );
        assert_eq!(
            r["phoneNumbers"],
            json!([{"type": "work", "value": "+1 555"}])
        );
        assert_eq!(
            r["addresses"],
            json!([{"type": "work", "streetAddress": "1 Main St"}])
        );
        assert_eq!(r["roles"], json!([{"primary": true, "value": "Admin"}]));
        let r = user_patch(
            r,
            json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]),
        );
        assert!(r.get("emails").is_none());
        let faulty = run_with(
            ResourceKind::User,
            base_user(),
            json!([
            {"op": "add", "path": "phoneNumbers[type eq \"work\"].value", "value": "1"}]),
            &[Fault::FilteredPathNoCreate],
        );
        assert!(faulty.is_ok_and(|r| r.get("phoneNumbers").is_none()));
        let no_template = run_with(
            ResourceKind::User,
            base_user(),
            json!([
            {"op": "add", "path": "phoneNumbers[type co \"w\"].value", "value": "1"}]),
            &[],
        );
        assert!(matches!(no_template, Err(ScimError::NoTarget(_))));
    }

    #[test]
    fn manager_forms() {
        for (v, want) in [
            (json!("m1"), Some(json!({"value": "m1"}))),
            (json!({"value": "m2"}), Some(json!({"value": "m2"}))),
            (
                json!([{"$ref": null, "value": "m3"}]),
                Some(json!({"value": "m3"})),
            ),
            (json!(""), None),
            (json!({"value": ""}), None),
        ] {
            let start = user_patch(
                base_user(),
                json!([{"op":"add","path":format!("{ENT}:manager"),"value":"old"}]),
            );
            let r = user_patch(
                start,
                json!([{"op": "Replace", "path": format!("{ENT}:manager"), "value": v}]),
            );
            assert_eq!(r[ENT].get("manager").cloned(), want);
        }
        let r = user_patch(
            base_user(),
            json!([{"op":"add","path":"manager","value":"m9"}]),
        );
        assert_eq!(r[ENT]["manager"], json!({"value": "m9"}));
        let r = user_patch(r, json!([{"op":"remove","path":format!("{ENT}:manager")}]));
        assert!(r[ENT].get("manager").is_none());
    }

    #[test]
    fn roles_dialects() {
        let stringified =
            json!([{"value": "{\"id\":\"r1\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]);
        let r = user_patch(
            base_user(),
            json!([{"op": "Add", "path": "roles", "value": stringified}]),
        );
        assert_eq!(
            r["roles"],
            json!([{"value":"Admin","display":"Admin","type":"WindowsAzureActiveDirectoryRole","primary":false}])
        );
        let r = user_patch(
            r,
            json!([{"op": "add", "path": "roles", "value": [{"value": "Reader", "primary": "False"}, {"value":"Admin"}]}]),
        );
        assert_eq!(r["roles"].as_array().map(Vec::len), Some(2));
        assert_eq!(r["roles"][1], json!({"value": "Reader", "primary": false}));
        let replaced = user_patch(
            r.clone(),
            json!([{"op": "replace", "path": "roles", "value": [{"value": "Writer"}]}]),
        );
        assert_eq!(replaced["roles"], json!([{"value": "Writer"}]));
        let appended = run_with(
            ResourceKind::User,
            r.clone(),
            json!([{"op": "replace", "path": "roles", "value": [{"value": "Writer"}]}]),
            &[Fault::RolesReplaceAppends],
        );
        assert_eq!(
            appended
                .ok()
                .and_then(|a| a["roles"].as_array().map(Vec::len)),
            Some(3)
        );
        let removed = user_patch(
            r.clone(),
            json!([{"op": "remove", "path": "roles[value eq \"Admin\"]"}]),
        );
        assert_eq!(
            removed["roles"],
            json!([{"value": "Reader", "primary": false}])
        );
        let rejected = run_with(
            ResourceKind::User,
            base_user(),
            json!([{"op": "Add", "path": "roles", "value": stringified}]),
            &[Fault::RolesStringifiedRejected],
        );
        assert!(matches!(rejected, Err(ScimError::InvalidValue(_))));
        let dropped = run_with(
            ResourceKind::User,
            base_user(),
            json!([{"op": "Add", "path": "roles", "value": [{"value":"A"}]}]),
            &[Fault::RolesDropped],
        );
        assert!(dropped.is_ok_and(|d| d.get("roles").is_none()));
    }

    #[test]
    fn members_dialects() {
        let g = json!({"id": "g", "displayName": "G", "members": []});
        let run = |g: Value, ops: Value, f: &[Fault]| {
            run_with(ResourceKind::Group, g, ops, f).unwrap_or_else(|e| panic!("{e}"))
        };
        let g = run(
            g,
            json!([{"op": "Add", "path": "members", "value": [{"value": "u1", "$ref": null}, {"value": "u2"}, {"value": "u1"}, {"value": "g9"}]}]),
            &[],
        );
        assert_eq!(
            g["members"],
            json!([
            {"value":"u1","display":"ann","type":"User"},
            {"value":"u2","display":"bob","type":"User"},
            {"value":"g9","display":"Nested","type":"Group"}])
        );
        let legacy = run(
            g.clone(),
            json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]),
            &[],
        );
        assert_eq!(legacy["members"].as_array().map(Vec::len), Some(2));
        let compliant = run(
            g.clone(),
            json!([{"op": "remove", "path": "members[value eq \"u2\"]"}]),
            &[],
        );
        assert_eq!(compliant["members"].as_array().map(Vec::len), Some(2));
        assert!(!compliant["members"].to_string().contains("u2"));
        let all = run(g.clone(), json!([{"op": "remove", "path": "members"}]), &[]);
        assert_eq!(all["members"], json!([]));
        let replaced = run(
            g.clone(),
            json!([{"op": "replace", "path": "members", "value": [{"value": "u2"}]}]),
            &[],
        );
        assert_eq!(
            replaced["members"],
            json!([{"value":"u2","display":"bob","type":"User"}])
        );
        let ignored = run(
            g.clone(),
            json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}, {"op": "remove", "path": "members[value eq \"u2\"]"}]),
            &[Fault::MemberRemoveIgnored],
        );
        assert_eq!(ignored["members"], g["members"]);
        let cleared = run(
            g.clone(),
            json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]),
            &[Fault::MemberRemoveClearsAll],
        );
        assert_eq!(cleared["members"], json!([]));
    }

    #[test]
    fn errors_and_atomicity() {
        let bad_op = run_with(
            ResourceKind::User,
            base_user(),
            json!([{"op": "copy", "path": "x"}]),
            &[],
        );
        assert!(matches!(bad_op, Err(ScimError::InvalidSyntax(_))));
        let bad_path = run_with(
            ResourceKind::User,
            base_user(),
            json!([{"op": "add", "path": "emails[type eq", "value": "x"}]),
            &[],
        );
        assert!(matches!(bad_path, Err(ScimError::InvalidPath(_))));
        let bad_path2 = run_with(
            ResourceKind::User,
            base_user(),
            json!([{"op": "add", "path": "a b", "value": "x"}]),
            &[],
        );
        assert!(matches!(bad_path2, Err(ScimError::InvalidPath(_))));
        let no_target = run_with(
            ResourceKind::User,
            base_user(),
            json!([{"op": "remove"}]),
            &[],
        );
        assert!(matches!(no_target, Err(ScimError::NoTarget(_))));
        let ro = run_with(
            ResourceKind::User,
            base_user(),
            json!([{"op": "replace", "path": "id", "value": "y"}]),
            &[],
        );
        assert!(matches!(ro, Err(ScimError::Mutability(_))));
        let bad_active = run_with(
            ResourceKind::User,
            base_user(),
            json!([{"op": "replace", "path": "active", "value": "maybe"}]),
            &[],
        );
        assert!(matches!(bad_active, Err(ScimError::InvalidValue(_))));
        let no_ops = parse_patch_body(&json!({"schemas": [PATCH_OP_SCHEMA]}), &BTreeSet::new());
        assert!(matches!(no_ops, Err(ScimError::InvalidSyntax(_))));
        let ops_first = parse_patch_body(
            &json!({"Operations": [{"op":"add","path":"title","value":"x"}], "schemas": [PATCH_OP_SCHEMA]}),
            &BTreeSet::new(),
        );
        assert_eq!(ops_first.map(|o| o.len()), Ok(1));
    }

    #[test]
    fn patch_faults() {
        let ops = json!([{"op": "Replace", "path": "active", "value": "False"}, {"op": "Replace", "path": "title", "value": "T"}]);
        let ignored = run_with(
            ResourceKind::User,
            base_user(),
            ops.clone(),
            &[Fault::PatchIgnored],
        )
        .unwrap_or_default();
        assert_eq!(
            (ignored["active"].clone(), ignored.get("title").is_none()),
            (json!(false), true)
        );
        let active_ignored = run_with(
            ResourceKind::User,
            base_user(),
            ops.clone(),
            &[Fault::ActiveIgnored],
        )
        .unwrap_or_default();
        assert_eq!(
            (
                active_ignored["active"].clone(),
                active_ignored["title"].clone()
            ),
            (json!(true), json!("T"))
        );
        let rejected = run_with(
            ResourceKind::User,
            base_user(),
            ops.clone(),
            &[Fault::ActiveStringRejected],
        );
        assert!(matches!(rejected, Err(ScimError::InvalidValue(_))));
        let caps = run_with(
            ResourceKind::User,
            base_user(),
            ops,
            &[Fault::CapitalizedOpsRejected],
        );
        assert!(matches!(caps, Err(ScimError::InvalidSyntax(_))));
        let dotted = run_with(
            ResourceKind::User,
            base_user(),
            json!([{"op":"replace","value":{"name.givenName":"G","displayName":"D"}}]),
            &[Fault::PathlessDottedKeysIgnored],
        )
        .unwrap_or_default();
        assert_eq!(
            (dotted.get("name").is_none(), dotted["displayName"].clone()),
            (true, json!("D"))
        );
        let ext = run_with(
            ResourceKind::User,
            base_user(),
            json!([{"op":"add","path":format!("{ENT}:department"),"value":"X"}]),
            &[Fault::ExtensionIgnored],
        )
        .unwrap_or_default();
        assert!(ext.get(ENT).is_none());
    }

    #[test]
    fn new_user_normalisation() {
        let mut u = json!({"userName": "a", "active": "False", "roles": [{"value": "R", "primary": "True"}],
                           "emails": [{"value": "e", "primary": "true"}], ENT: {"manager": "m"}})
            .as_object().cloned().unwrap_or_default();
        assert!(normalize_new_user(&mut u, &BTreeSet::new()).is_ok());
        let u = Value::Object(u);
        assert_eq!(u["active"], json!(false));
        assert_eq!(u["roles"][0]["primary"], json!(true));
        assert_eq!(u["emails"][0]["primary"], json!(true));
        assert_eq!(u[ENT]["manager"], json!({"value": "m"}));
        let mut d = json!({"userName": "a"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert!(normalize_new_user(&mut d, &BTreeSet::new()).is_ok());
        assert_eq!(d.get("active"), Some(&json!(true)));
    }
}
