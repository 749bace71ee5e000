//! Applying parsed PATCH operations to a copy of a stored resource: paths, path-less values,
//! sub-attributes, the enterprise extension, clearing ("" or null on replace), with the fault
//! hooks that change each. Value-filtered paths, members, roles and manager have their own
//! modules.

use super::manager::set_manager;
use super::members::patch_members;
use super::path::PatchPath;
use super::request::{OpKind, PatchOperation};
use super::roles::patch_roles;
use super::shared::{is_clear, is_hollow, merge, need_value, set_sub, PatchContext};
use super::value_path::patch_value_path;
use crate::core::scim::ENTERPRISE_USER_SCHEMA;
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::normalize::{
    coerce_active, coerce_primary, drop_role_details, normalize_manager_in, push_unique, same_item,
};
use crate::server::store::ResourceKind;
use crate::server::util::{canonical_name, ensure_schema, key_ci, remove_ci};
use serde_json::{Map, Value};

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
    let ops = if ctx.kind == ResourceKind::User && ctx.has(Fault::PatchFirstOpOnly) {
        &ops[..ops.len().min(1)]
    } else {
        ops
    };
    for op in ops {
        apply_operation(&mut res, op, ctx)?;
    }
    if ctx.kind == ResourceKind::User {
        coerce_primary(&mut res);
        normalize_manager_in(&mut res)?;
        drop_empty_extension(&mut res, ENTERPRISE_USER_SCHEMA);
        if ctx.has(Fault::RoleDisplayDropped) {
            drop_role_details(&mut res);
        }
    }
    Ok(Value::Object(res))
}

/// `v` without the sub-attributes a replace would clear (`null-update-ignored`).
fn without_clears(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, v)| !is_clear(OpKind::Replace, v))
                .map(|(k, v)| (k.clone(), without_clears(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Removes the extension object `urn` (and its schema URN) when PATCH left it empty.
fn drop_empty_extension(res: &mut Map<String, Value>, urn: &str) {
    let empty = key_ci(res, urn)
        .and_then(|k| res.get(&k))
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty);
    if empty {
        remove_ci(res, urn);
        remove_schema(res, urn);
    }
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
            let mut wiped = std::collections::BTreeSet::new();
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
                if ctx.has(Fault::PathlessReplaceWipesComplex) && op.op == OpKind::Replace {
                    // The whole complex attribute goes, then only the given sub-attribute is set.
                    if let Some((parent, _)) = k.split_once('.').filter(|_| !k.contains(':')) {
                        if wiped.insert(parent.to_ascii_lowercase()) {
                            remove_ci(res, parent);
                        }
                    } else if v.is_object() && !k.contains(':') {
                        remove_ci(res, k);
                    }
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
    let stripped;
    let value = match value {
        Some(v) if op == OpKind::Replace && ctx.has(Fault::NullUpdateIgnored) => {
            if is_clear(op, v) {
                return Ok(());
            }
            stripped = without_clears(v);
            Some(&stripped)
        }
        other => other,
    };
    if let Some(urn) = known_extension(path) {
        if ctx.kind != ResourceKind::User {
            return Err(ScimError::InvalidPath(format!(
                "`{path}` does not apply to groups"
            )));
        }
        if ctx.has(Fault::ExtensionIgnored) {
            return Ok(());
        }
        if op == OpKind::Remove || value.is_some_and(|v| is_clear(op, v)) {
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
    if is_core
        && is_user
        && attr_l == "username"
        && op != OpKind::Remove
        && ctx.has(Fault::UsernameImmutable)
    {
        return Ok(());
    }
    let is_manager = pp.is_enterprise() && attr_l == "manager";
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
            } else if is_manager {
                set_manager(container, key, op, value, ctx)
            } else if is_core && !is_user && attr_l == "members" {
                patch_members(container, key, op, value, ctx)
            } else if is_core && is_user && attr_l == "roles" {
                patch_roles(container, key, op, value, ctx)
            } else {
                patch_whole(container, key, op, value)
            }
        }
        (None, Some(sub)) if is_manager && sub.eq_ignore_ascii_case("value") => {
            set_manager(container, key, op, value, ctx)
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
    if is_clear(op, v) {
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
        (Some(Value::Object(existing)), Value::Object(new), _) => {
            merge(existing, new, op);
            if existing.is_empty() {
                container.shift_remove(&key);
            }
        }
        _ => {
            container.insert(key, v.clone());
        }
    }
    Ok(())
}

fn patch_sub(
    container: &mut Map<String, Value>,
    key: String,
    sub: &str,
    op: OpKind,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    if op == OpKind::Remove || value.is_some_and(|v| is_clear(op, v)) {
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
                items.retain(|it| !is_hollow(it));
                if items.is_empty() {
                    container.shift_remove(&key);
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
