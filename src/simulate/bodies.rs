//! The request bodies and filters of Entra's cycles, in the run's dialect (entra-protocol.md §2.4,
//! §3.5, §3.6, §4.3). There is no second copy of the wire shapes: a manager link, a member add,
//! a member removal and a disable render the fixtures the conformance suites send
//! (`fixtures/enterprise/manager.*`, `fixtures/groups/add-batch.*`,
//! `fixtures/groups/remove-member.*`, `fixtures/users/disable.*`), an attribute change is the
//! profile's generated PATCH ([`crate::profile::generate::patch_body`]) and a match filter the
//! profile's ([`crate::profile::generate::filter_eq`]).

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::core::dialect::Dialect;
use crate::core::files::Tree;
use crate::core::scim::ENTERPRISE_USER_SCHEMA;
use crate::profile::generate::patch_body;
use crate::suite::load::PatchForm;
use crate::suite::template::Vars;

/// `attr eq "value"`, with `"` and `\` escaped in the value (the profile's match filter).
pub fn filter_eq(attr: &str, value: &str) -> String {
    crate::profile::generate::filter_eq(attr, &Value::String(value.to_string()))
}

/// The fixtures a simulation renders, parsed once per dialect.
struct Wire {
    manager: Value,
    members_add: Value,
    member_remove: Value,
    disable: Value,
}

/// The fixture bodies of `dialect`, from the fixtures built into the binary.
fn wire(dialect: Dialect) -> &'static Wire {
    static LEGACY: OnceLock<Wire> = OnceLock::new();
    static COMPLIANT: OnceLock<Wire> = OnceLock::new();
    let cell = match dialect {
        Dialect::Legacy => &LEGACY,
        Dialect::Compliant => &COMPLIANT,
    };
    cell.get_or_init(|| {
        let tree = Tree::Embedded("fixtures");
        let load = |name: &str| -> Value {
            let rel = format!("{name}.{}.json", dialect.name());
            let text = tree
                .read_string(&rel)
                .unwrap_or_else(|e| panic!("the embedded fixture {rel}: {e}"));
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("the embedded fixture {rel} is not JSON: {e}"))
        };
        Wire {
            manager: load("enterprise/manager"),
            members_add: load("groups/add-batch"),
            member_remove: load("groups/remove-member"),
            disable: load("users/disable"),
        }
    })
}

/// Renders a fixture with one variable set.
fn render(template: &Value, name: &str, value: Value) -> Value {
    let mut vars = Vars::new();
    vars.set(name, value);
    // The fixtures are embedded and their placeholders are the ones set here: a failure is a
    // packaging bug, caught by `the_fixtures_render_in_both_dialects`.
    vars.render_json(template)
        .unwrap_or_else(|e| panic!("an embedded fixture does not render: {e}"))
}

/// Links a manager: the manager's id as a bare string on the extension's manager path.
pub fn manager(dialect: Dialect, manager_id: &str) -> Value {
    render(&wire(dialect).manager, "manager_id", json!(manager_id))
}

/// Adds members (one op, a `value` array; legacy items carry `"$ref": null`).
pub fn members_add(dialect: Dialect, ids: &[&str]) -> Value {
    render(&wire(dialect).members_add, "batch_ids", json!(ids))
}

/// Removes one member: legacy `Remove` with a `value` array, compliant
/// `members[value eq "id"]`.
pub fn member_remove(dialect: Dialect, id: &str) -> Value {
    render(&wire(dialect).member_remove, "user2_id", json!(id))
}

/// Deprovisions (disables) a user: legacy `"False"` string with `Replace`, compliant boolean.
pub fn disable(dialect: Dialect) -> Value {
    wire(dialect).disable.clone()
}

/// Changes attributes: legacy sends one `Replace` per attribute with a path; compliant keeps
/// value-filtered paths as their own op and collapses the rest into one path-less `replace`.
pub fn update(dialect: Dialect, changes: &[(String, String)]) -> Value {
    let values: Vec<(String, Value)> = changes
        .iter()
        .map(|(path, v)| (path.clone(), Value::String(v.clone())))
        .collect();
    match dialect {
        Dialect::Legacy => {
            let mut body = patch_body(&values, PatchForm::PerOp);
            crate::profile::generate::capitalise_ops(&mut body);
            body
        }
        Dialect::Compliant => patch_body(&values, PatchForm::Pathless),
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
    fn the_fixtures_render_in_both_dialects() {
        for d in Dialect::ALL {
            for body in [
                manager(d, "m"),
                members_add(d, &["a"]),
                member_remove(d, "a"),
            ] {
                assert!(!body.to_string().contains("{{"), "{body}");
            }
        }
        assert_eq!(
            member_remove(Dialect::Legacy, "u1")["Operations"][0],
            json!({"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u1"}]})
        );
        assert_eq!(
            manager(Dialect::Compliant, "m1")["Operations"][0]["value"],
            json!("m1")
        );
    }

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
