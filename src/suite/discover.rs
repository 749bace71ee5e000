//! Schema discoverability, as Microsoft's gallery validation checks it: `GET /Schemas` is
//! flattened into attribute names — `a`, `a.b`, `a[type eq "x"].b` for each canonical value of
//! `type` (else `a[primary eq "True"].b`), `<extension URN>:attr` — and every attribute the
//! vendor's profile maps must be among them, ignoring case, except the common attributes
//! (`id`, `externalId`, `meta`: RFC 7643 §3.1).

use serde_json::Value;

use super::template::{as_text, Vars};
use crate::core::scim::{GROUP_SCHEMA, USER_SCHEMA};

/// The attribute names a `/Schemas` ListResponse exposes for users or groups, flattened.
pub fn flatten(schemas: &Value, kind: &str) -> Vec<String> {
    let resources = schemas
        .get("Resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let core = if kind == "groups" {
        GROUP_SCHEMA
    } else {
        USER_SCHEMA
    };
    let mut out = Vec::new();
    for r in &resources {
        let id = r.get("id").and_then(Value::as_str).unwrap_or_default();
        let attrs = r
            .get("attributes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if id == core {
            for a in &attrs {
                flatten_core(a, &mut out);
            }
        } else if kind == "users" && id != USER_SCHEMA && id != GROUP_SCHEMA {
            // Every other schema counts as a user extension; only its top-level names.
            for a in &attrs {
                if let Some(name) = a.get("name").and_then(Value::as_str) {
                    out.push(format!("{id}:{name}"));
                }
            }
        }
    }
    out
}

fn flatten_core(a: &Value, out: &mut Vec<String>) {
    let name = a.get("name").and_then(Value::as_str).unwrap_or_default();
    let typ = a.get("type").and_then(Value::as_str).unwrap_or("string");
    let multi = a
        .get("multiValued")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let subs = a
        .get("subAttributes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let sub_name = |s: &Value| {
        s.get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    if name.eq_ignore_ascii_case("manager") || name.eq_ignore_ascii_case("members") {
        out.push(name.to_string());
    } else if typ == "complex" && multi {
        let canonical: Vec<String> = subs
            .iter()
            .find(|s| sub_name(s) == "type")
            .and_then(|t| t.get("canonicalValues"))
            .and_then(Value::as_array)
            .map(|v| v.iter().map(as_text).collect())
            .unwrap_or_default();
        for s in &subs {
            let sub = sub_name(s);
            if canonical.is_empty() {
                if sub != "primary" {
                    out.push(format!("{name}[primary eq \"True\"].{sub}"));
                }
            } else if sub != "type" && sub != "primary" {
                for cv in &canonical {
                    out.push(format!("{name}[type eq \"{cv}\"].{sub}"));
                }
            }
        }
    } else if typ == "complex" {
        for s in &subs {
            let t = s.get("type").and_then(Value::as_str).unwrap_or("string");
            if t != "complex" && t != "reference" {
                out.push(format!("{name}.{}", sub_name(s)));
            }
        }
    } else if typ != "reference" {
        out.push(name.to_string());
    }
}

/// RFC 7643 §3.1's common attributes (`id`, `externalId`, `meta`), which belong to every
/// resource rather than to a schema: `/Schemas` need not list them, and Microsoft's flattening
/// leaves them out.
pub const COMMON_ATTRIBUTES: &[&str] = &["id", "externalId", "meta"];

fn is_common(target: &str) -> bool {
    COMMON_ATTRIBUTES.iter().any(|c| {
        target.eq_ignore_ascii_case(c)
            || target
                .to_lowercase()
                .starts_with(&format!("{}.", c.to_lowercase()))
    })
}

/// The mapped attributes (variable `mapped_<users|groups>_targets`) missing from the flattened
/// `/Schemas`, as one line; `None` when every one is there.
pub fn missing(schemas: &Value, vars: &Vars, kind: &str) -> Option<String> {
    let flat: Vec<String> = flatten(schemas, kind)
        .into_iter()
        .map(|s| s.to_lowercase())
        .collect();
    if flat.is_empty() {
        return Some(format!(
            "no {kind} schema in the answer (Resources with id {})",
            if kind == "groups" {
                GROUP_SCHEMA
            } else {
                USER_SCHEMA
            }
        ));
    }
    let wanted: Vec<String> = match vars.get(&format!("mapped_{kind}_targets")) {
        Some(Value::Array(a)) => a.iter().map(as_text).collect(),
        _ => Vec::new(),
    };
    let gone: Vec<String> = wanted
        .into_iter()
        .filter(|w| !is_common(w) && !flat.contains(&w.to_lowercase()))
        .collect();
    (!gone.is_empty()).then(|| format!("missing: {}", gone.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_like_microsofts_validation() {
        let schemas = json!({"Resources": [
            {"id": USER_SCHEMA, "attributes": [
                {"name": "userName", "type": "string"},
                {"name": "name", "type": "complex", "subAttributes": [{"name": "givenName", "type": "string"}]},
                {"name": "emails", "type": "complex", "multiValued": true, "subAttributes": [
                    {"name": "value", "type": "string"}, {"name": "type", "type": "string", "canonicalValues": ["work", "home"]},
                    {"name": "primary", "type": "boolean"}]},
                {"name": "roles", "type": "complex", "multiValued": true, "subAttributes": [{"name": "value", "type": "string"}]},
                {"name": "profileUrl", "type": "reference"}
            ]},
            {"id": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "attributes": [
                {"name": "manager", "type": "complex"}, {"name": "department", "type": "string"}]}
        ]});
        let flat = flatten(&schemas, "users");
        for want in [
            "userName",
            "name.givenName",
            r#"emails[type eq "work"].value"#,
            r#"emails[type eq "home"].value"#,
            r#"roles[primary eq "True"].value"#,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        ] {
            assert!(
                flat.iter().any(|f| f == want),
                "{want} missing from {flat:?}"
            );
        }
        assert!(!flat.iter().any(|f| f == "profileUrl"));
        let mut vars = Vars::new();
        vars.set("mapped_users_targets", json!(["userName", "title"]));
        assert_eq!(
            missing(&schemas, &vars, "users"),
            Some("missing: title".into())
        );
        assert!(missing(&schemas, &vars, "groups").is_some());
    }

    #[test]
    fn common_attributes_need_not_be_listed() {
        // RFC 7643 §3.1: id, externalId and meta belong to every resource, not to a schema.
        let schemas = json!({"Resources": [
            {"id": USER_SCHEMA, "attributes": [{"name": "userName", "type": "string"}]}
        ]});
        let mut vars = Vars::new();
        vars.set(
            "mapped_users_targets",
            json!(["userName", "externalId", "meta.created", "ID"]),
        );
        assert_eq!(missing(&schemas, &vars, "users"), None);
        vars.set("mapped_users_targets", json!(["externalIdentity"]));
        assert_eq!(
            missing(&schemas, &vars, "users"),
            Some("missing: externalIdentity".into())
        );
    }
}
