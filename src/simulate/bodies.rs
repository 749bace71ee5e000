//! The request bodies and filters of Entra's cycles, in the run's dialect (entra-protocol.md §2.4,
//! §3.5, §3.6, §4.3): the same shapes the conformance suites send (`fixtures/users`,
//! `fixtures/groups`, `fixtures/enterprise`).

use serde_json::{json, Map, Value};

use crate::core::dialect::Dialect;
use crate::core::scim::{ENTERPRISE_USER_SCHEMA, PATCH_OP_SCHEMA};

/// `attr eq "value"`, with `"` and `\` escaped in the value.
pub fn filter_eq(attr: &str, value: &str) -> String {
    let text = value.replace('\\', "\\\\").replace('"', "\\\"");
    format!("{attr} eq \"{text}\"")
}

/// The op name in the dialect: `Add` (legacy) or `add` (compliant).
fn op(dialect: Dialect, legacy: &str) -> String {
    match dialect {
        Dialect::Legacy => legacy.to_string(),
        Dialect::Compliant => legacy.to_ascii_lowercase(),
    }
}

fn patch(ops: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops})
}

/// Links a manager: the manager's id as a bare string on the extension's manager path.
pub fn manager(dialect: Dialect, manager_id: &str) -> Value {
    patch(vec![json!({
        "op": op(dialect, "Add"),
        "path": format!("{ENTERPRISE_USER_SCHEMA}:manager"),
        "value": manager_id,
    })])
}

/// Adds members (one op, a `value` array; legacy items carry `"$ref": null`).
pub fn members_add(dialect: Dialect, ids: &[&str]) -> Value {
    let items: Vec<Value> = ids
        .iter()
        .map(|id| match dialect {
            Dialect::Legacy => json!({"$ref": null, "value": id}),
            Dialect::Compliant => json!({"value": id}),
        })
        .collect();
    patch(vec![
        json!({"op": op(dialect, "Add"), "path": "members", "value": items}),
    ])
}

/// Removes one member: legacy `Remove` with a `value` array, compliant
/// `members[value eq "id"]`.
pub fn member_remove(dialect: Dialect, id: &str) -> Value {
    match dialect {
        Dialect::Legacy => patch(vec![json!({
            "op": "Remove",
            "path": "members",
            "value": [{"$ref": null, "value": id}],
        })]),
        Dialect::Compliant => patch(vec![json!({
            "op": "remove",
            "path": format!("members[value eq \"{}\"]", id.replace('"', "\\\"")),
        })]),
    }
}

/// Deprovisions (disables) a user: legacy `"False"` string with `Replace`, compliant boolean.
pub fn disable(dialect: Dialect) -> Value {
    let value = match dialect {
        Dialect::Legacy => json!("False"),
        Dialect::Compliant => json!(false),
    };
    patch(vec![
        json!({"op": op(dialect, "Replace"), "path": "active", "value": value}),
    ])
}

/// Changes attributes: legacy sends one `Replace` per attribute with a path; compliant keeps
/// value-filtered paths as their own op and collapses the rest into one path-less `replace`.
pub fn update(dialect: Dialect, changes: &[(String, String)]) -> Value {
    match dialect {
        Dialect::Legacy => patch(
            changes
                .iter()
                .map(|(path, v)| json!({"op": "Replace", "path": path, "value": v}))
                .collect(),
        ),
        Dialect::Compliant => {
            let mut ops: Vec<Value> = Vec::new();
            let mut pathless = Map::new();
            for (path, v) in changes {
                if path.contains('[') {
                    ops.push(json!({"op": "replace", "path": path, "value": v}));
                } else {
                    pathless.insert(path.clone(), json!(v));
                }
            }
            if !pathless.is_empty() {
                ops.push(json!({"op": "replace", "value": pathless}));
            }
            patch(ops)
        }
    }
}

/// The value at a SCIM attribute path in a resource, as text: `a`, `a.b`, `a[type eq "x"].b`,
/// or an extension path `urn:...:User:attr` (a manager object reads as its `value`).
pub fn read_path(resource: &Value, path: &str) -> Option<String> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        Value::Object(o) => o.get("value").and_then(|v| v.as_str().map(str::to_string)),
        other => Some(other.to_string()),
    };
    if let Some(attr) = path
        .strip_prefix(ENTERPRISE_USER_SCHEMA)
        .and_then(|r| r.strip_prefix(':'))
    {
        return resource
            .get(ENTERPRISE_USER_SCHEMA)?
            .get(attr)
            .and_then(text);
    }
    if let Some((attr, rest)) = path.split_once('[') {
        let (filter, sub) = rest.split_once(']').unwrap_or((rest, ""));
        let sub = sub.trim_start_matches('.');
        let (key, want) = filter.split_once(" eq ")?;
        let want = want.trim().trim_matches('"');
        let item = resource.get(attr)?.as_array()?.iter().find(|i| {
            i.get(key.trim())
                .and_then(Value::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case(want))
        })?;
        return item
            .get(if sub.is_empty() { "value" } else { sub })
            .and_then(text);
    }
    if let Some((parent, sub)) = path.split_once('.') {
        return resource.get(parent)?.get(sub).and_then(text);
    }
    resource.get(path).and_then(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_shapes_match_the_fixtures() {
        assert_eq!(
            disable(Dialect::Legacy)["Operations"][0],
            json!({"op": "Replace", "path": "active", "value": "False"})
        );
        assert_eq!(
            disable(Dialect::Compliant)["Operations"][0],
            json!({"op": "replace", "path": "active", "value": false})
        );
        assert_eq!(
            member_remove(Dialect::Compliant, "u1")["Operations"][0],
            json!({"op": "remove", "path": "members[value eq \"u1\"]"})
        );
        assert_eq!(
            members_add(Dialect::Legacy, &["a", "b"])["Operations"][0]["value"],
            json!([{"$ref": null, "value": "a"}, {"$ref": null, "value": "b"}])
        );
        let changes = vec![
            ("displayName".to_string(), "D".to_string()),
            (
                r#"emails[type eq "work"].value"#.to_string(),
                "e@x".to_string(),
            ),
        ];
        let c = update(Dialect::Compliant, &changes);
        assert_eq!(
            c["Operations"],
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "e@x"},
                   {"op": "replace", "value": {"displayName": "D"}}])
        );
        assert_eq!(
            update(Dialect::Legacy, &changes)["Operations"][1]["op"],
            "Replace"
        );
        assert_eq!(filter_eq("userName", "a\"b"), r#"userName eq "a\"b""#);
    }

    #[test]
    fn paths_read_back() {
        let r = json!({"displayName": "D", "name": {"givenName": "G"},
            "emails": [{"type": "Work", "value": "e@x"}],
            ENTERPRISE_USER_SCHEMA: {"manager": {"value": "m1"}, "department": "Dep"},
            "active": false});
        assert_eq!(read_path(&r, "displayName").as_deref(), Some("D"));
        assert_eq!(read_path(&r, "name.givenName").as_deref(), Some("G"));
        assert_eq!(
            read_path(&r, r#"emails[type eq "work"].value"#).as_deref(),
            Some("e@x")
        );
        assert_eq!(
            read_path(&r, &format!("{ENTERPRISE_USER_SCHEMA}:manager")).as_deref(),
            Some("m1")
        );
        assert_eq!(read_path(&r, "active").as_deref(), Some("false"));
        assert_eq!(read_path(&r, "title"), None);
        assert_eq!(read_path(&json!("not an object"), "a[b eq c]"), None);
    }
}
