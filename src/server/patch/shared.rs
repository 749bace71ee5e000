//! What every part of PATCH application shares: the context (resource kind, faults, member
//! lookup) and the small value helpers. A module of its own, so that `apply` and the
//! attribute-specific modules it calls (`manager`, `members`, `roles`, `value_path`) all import
//! it and none imports `apply` back.

use super::request::OpKind;
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::store::{MemberInfo, ResourceKind};
use crate::server::util::{canonical_name, key_ci};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

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
    /// True if `f` is switched on.
    pub(in crate::server::patch) fn has(&self, f: Fault) -> bool {
        self.faults.contains(&f)
    }
}

/// True for the values that clear an attribute: null always, `""` on replace.
pub(in crate::server::patch) fn is_clear(op: OpKind, v: &Value) -> bool {
    v.is_null() || (op == OpKind::Replace && v.as_str() == Some(""))
}

pub(in crate::server::patch) fn need_value<'v>(
    value: Option<&'v Value>,
    what: &str,
) -> Result<&'v Value, ScimError> {
    value
        .ok_or_else(|| ScimError::InvalidValue(format!("an add/replace of `{what}` needs a value")))
}

pub(in crate::server::patch) fn existing_list(
    container: &Map<String, Value>,
    key: &str,
) -> Vec<Value> {
    match container.get(key) {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    }
}

/// Merges `new` into `existing` sub-attribute by sub-attribute; a clearing value (see
/// [`is_clear`]) removes the sub-attribute, and an object left empty is removed.
pub(in crate::server::patch) fn merge(
    existing: &mut Map<String, Value>,
    new: &Map<String, Value>,
    op: OpKind,
) {
    for (k, v) in new {
        let ek = key_ci(existing, k).unwrap_or_else(|| canonical_name(k));
        if is_clear(op, v) {
            existing.shift_remove(&ek);
            continue;
        }
        match (existing.get_mut(&ek), v) {
            (Some(Value::Object(e)), Value::Object(n)) => {
                merge(e, n, op);
                if e.is_empty() {
                    existing.shift_remove(&ek);
                }
            }
            _ => {
                existing.insert(ek, v.clone());
            }
        }
    }
}

/// Sets (or, for null, removes) sub-attribute `sub` of `obj`.
pub(in crate::server::patch) fn set_sub(obj: &mut Map<String, Value>, sub: &str, v: &Value) {
    let k = key_ci(obj, sub).unwrap_or_else(|| canonical_name(sub));
    if v.is_null() {
        obj.shift_remove(&k);
    } else {
        obj.insert(k, v.clone());
    }
}

/// True for a multi-valued item with nothing left but `type` / `primary` (or nothing at all).
pub(in crate::server::patch) fn is_hollow(item: &Value) -> bool {
    match item {
        Value::Object(o) => o
            .keys()
            .all(|k| k.eq_ignore_ascii_case("type") || k.eq_ignore_ascii_case("primary")),
        Value::Null => true,
        _ => false,
    }
}
