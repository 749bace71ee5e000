//! Attribute normalisation shared by create/replace and PATCH: `active` coercion, `primary`
//! flags, roles (legacy stringified items), the enterprise `manager`, group members.

use crate::core::scim::{ENTERPRISE_USER_SCHEMA, ENTRA_ROLE_TYPE};
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::store::MemberInfo;
use crate::server::util::{get_ci, key_ci, parse_bool_str, MULTI_VALUED_WITH_PRIMARY};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

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

/// The `value` of a multi-valued item, if it is an object with one.
pub(crate) fn item_value(v: &Value) -> Option<&Value> {
    v.as_object().and_then(|o| get_ci(o, "value"))
}

/// Two items are the same when their `value`s are equal (or, without values, the items are).
pub(crate) fn same_item(a: &Value, b: &Value) -> bool {
    match (item_value(a), item_value(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Appends each of `items` not already in `list` (by [`same_item`]).
pub(crate) fn push_unique(list: &mut Vec<Value>, items: Vec<Value>) {
    for it in items {
        if !list.iter().any(|e| same_item(e, &it)) {
            list.push(it);
        }
    }
}

/// The items of a multi-valued value: an array, one object, or nothing for null.
pub(crate) fn items_of(v: &Value, what: &str) -> Result<Vec<Value>, ScimError> {
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
    if faults.contains(&Fault::RoleDisplayDropped) {
        drop_role_details(res);
    }
    coerce_primary(res);
    normalize_manager_in(res)
}

/// `values-lowercased`: displayName, title and every `name` sub-attribute lower-cased and
/// trimmed, as a server that normalises what it stores would return them.
pub fn lowercase_values(res: &mut Map<String, Value>) {
    let fold = |v: &mut Value| {
        if let Value::String(s) = v {
            *s = s.trim().to_lowercase();
        }
    };
    for attr in ["displayName", "title"] {
        if let Some(k) = key_ci(res, attr) {
            if let Some(v) = res.get_mut(&k) {
                fold(v);
            }
        }
    }
    if let Some(Value::Object(name)) = key_ci(res, "name").and_then(|k| res.get_mut(&k)) {
        name.values_mut().for_each(fold);
    }
}

/// Keeps only `value` in each role (`role-display-dropped`: display, displayName, type and
/// primary are lost).
pub fn drop_role_details(res: &mut Map<String, Value>) {
    if let Some(Value::Array(items)) = key_ci(res, "roles").and_then(|k| res.get_mut(&k)) {
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            item.retain(|k, _| k.eq_ignore_ascii_case("value"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENT: &str = ENTERPRISE_USER_SCHEMA;

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
