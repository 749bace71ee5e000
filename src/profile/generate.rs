//! What a profile sends: the trial variables that shape every request — create bodies built
//! from the mapping the way Entra builds them, match filters on the matching attributes, role
//! values, and the Entra source values (`src_user_*`, `src_group_*`).

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use super::expr::Expr;
use super::model::ResourceMapping;
use super::VendorProfile;
use crate::core::dialect::Dialect;
use crate::core::scim::{
    ADSCIM_GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA, ENTRA_ROLE_TYPE, GROUP_SCHEMA, USER_SCHEMA,
};
use crate::suite::template::{as_text, Escape, Vars};

impl VendorProfile {
    /// Sets the trial variables this profile provides: rendered source values (`src_user_*`,
    /// `src_group_*`), generated create bodies and match filters, role values.
    pub fn set_vars(&self, vars: &mut Vars, dialect: Option<Dialect>) -> Result<(), String> {
        let mut user_src = IndexMap::new();
        for (k, tpl) in &self.source.user {
            let v = vars
                .render(tpl, Escape::None)
                .map_err(|e| format!("entra-source user.{k}: {e}"))?;
            vars.set(format!("src_user_{k}"), Value::String(v.clone()));
            user_src.insert(k.clone(), v);
        }
        let mut group_src = IndexMap::new();
        for (k, tpl) in &self.source.group {
            let v = vars
                .render(tpl, Escape::None)
                .map_err(|e| format!("entra-source group.{k}: {e}"))?;
            vars.set(format!("src_group_{k}"), Value::String(v.clone()));
            group_src.insert(k.clone(), v);
        }
        for (i, r) in self.role_values.iter().take(3).enumerate() {
            vars.set(format!("role{}", i + 1), Value::String(r.clone()));
        }

        let (user, user_values) = self.generate(&self.users, &user_src, true, dialect);
        let find = |values: &IndexMap<String, Value>, target: &str| values.get(target).cloned();
        if let Some(v) = find(&user_values, "userName") {
            vars.set("user", v);
        }
        if let Some(v) = find(&user_values, "externalId") {
            vars.set("external_id", v);
        }
        if let Some(v) = find(&user_values, r#"emails[type eq "work"].value"#) {
            vars.set("email", v);
        }
        let attr = &self.users.matching[0];
        vars.set("user_match_attr", Value::String(attr.clone()));
        if let Some(v) = find(&user_values, attr) {
            vars.set("user_match", Value::String(filter_eq(attr, &v)));
        }
        vars.set("user_create", user);

        // Entra's Test Connection probes /Groups whether or not groups are provisioned; without
        // a group mapping it filters on its default, displayName.
        vars.set("group_match_attr", Value::String("displayName".into()));
        if self.groups.provisioned {
            let (group, group_values) = self.generate(&self.groups, &group_src, false, dialect);
            if let Some(v) = find(&group_values, "displayName") {
                vars.set("group", v);
            }
            if let Some(v) = find(&group_values, "externalId") {
                vars.set("group_external_id", v);
            }
            let attr = &self.groups.matching[0];
            vars.set("group_match_attr", Value::String(attr.clone()));
            if let Some(v) = find(&group_values, attr) {
                vars.set("group_match", Value::String(filter_eq(attr, &v)));
            }
            vars.set("group_create", group);
        }
        Ok(())
    }

    /// Builds a create body from a mapping, the way Entra does: only mapped attributes with a
    /// value, in mapping order; `active` is `true` on create; manager is linked later, not sent.
    fn generate(
        &self,
        m: &ResourceMapping,
        src: &IndexMap<String, String>,
        user: bool,
        dialect: Option<Dialect>,
    ) -> (Value, IndexMap<String, Value>) {
        let mut body = Map::new();
        let mut values = IndexMap::new();
        let mut schemas = vec![json!(if user { USER_SCHEMA } else { GROUP_SCHEMA })];
        if !user && dialect.unwrap_or(Dialect::Legacy) == Dialect::Legacy {
            schemas.push(json!(ADSCIM_GROUP_SCHEMA));
        }
        body.insert("schemas".into(), Value::Array(Vec::new()));
        for row in &m.mapping {
            let target = row.target.as_str();
            if target.eq_ignore_ascii_case("members")
                || target.ends_with(":manager")
                || target == "manager"
            {
                continue;
            }
            let Some(value) = self.evaluate(&row.expr, src, target) else {
                continue;
            };
            values.insert(target.to_string(), value.clone());
            insert_target(&mut body, target, value);
            if target.starts_with(ENTERPRISE_USER_SCHEMA)
                && !schemas.contains(&json!(ENTERPRISE_USER_SCHEMA))
            {
                schemas.push(json!(ENTERPRISE_USER_SCHEMA));
            }
        }
        body.insert("schemas".into(), Value::Array(schemas));
        body.insert(
            "meta".into(),
            json!({"resourceType": if user { "User" } else { "Group" }}),
        );
        (Value::Object(body), values)
    }

    fn evaluate(&self, expr: &Expr, src: &IndexMap<String, String>, target: &str) -> Option<Value> {
        match expr {
            Expr::Unmapped | Expr::Reference(_) => None,
            _ if target == "active" => Some(Value::Bool(true)),
            Expr::SoftDelete => Some(Value::Bool(true)),
            Expr::Roles(f) => Some(Value::Array(vec![role_object(f, &self.role_values[0])])),
            Expr::Join { sep, attrs } => {
                let joined: Vec<&str> = attrs
                    .iter()
                    .filter_map(|a| src.get(a).map(String::as_str))
                    .collect();
                Some(Value::String(joined.join(sep)))
            }
            Expr::Attr(a) => src.get(a).map(|v| Value::String(v.clone())),
        }
    }
}

/// One role object in the shape a role function sends on create.
pub fn role_object(function: &str, value: &str) -> Value {
    match function {
        "SingleAppRoleAssignment" => {
            json!({"primary": true, "type": ENTRA_ROLE_TYPE, "value": value})
        }
        "AppRoleAssignmentsComplex" => {
            json!({"primary": false, "type": ENTRA_ROLE_TYPE, "displayName": value, "value": value})
        }
        _ => json!({"primary": false, "type": ENTRA_ROLE_TYPE, "display": value, "value": value}),
    }
}

/// `attr eq "value"` with `"` and `\` escaped inside the value.
fn filter_eq(attr: &str, value: &Value) -> String {
    let text = as_text(value).replace('\\', "\\\\").replace('"', "\\\"");
    format!("{attr} eq \"{text}\"")
}

/// Puts a value at a SCIM target path inside a body: `a`, `a.b`, `a[type eq "x"].b`, or an
/// extension URN path `urn:...:User:attr`.
fn insert_target(body: &mut Map<String, Value>, target: &str, value: Value) {
    if let Some(attr) = target
        .strip_prefix(ENTERPRISE_USER_SCHEMA)
        .and_then(|r| r.strip_prefix(':'))
    {
        let ext = body
            .entry(ENTERPRISE_USER_SCHEMA)
            .or_insert_with(|| json!({}));
        if let Value::Object(ext) = ext {
            ext.insert(attr.to_string(), value);
        }
        return;
    }
    if let Some((attr, rest)) = target.split_once('[') {
        let (filter, sub) = rest.split_once(']').unwrap_or((rest, ""));
        let sub = sub.trim_start_matches('.');
        let (fkey, fval) = filter
            .split_once(" eq ")
            .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
            .unwrap_or_default();
        let list = body.entry(attr.to_string()).or_insert_with(|| json!([]));
        if let Value::Array(items) = list {
            let pos = items
                .iter()
                .position(|i| i.get(&fkey).and_then(Value::as_str) == Some(fval.as_str()));
            let idx = match pos {
                Some(i) => i,
                None => {
                    let mut el = Map::new();
                    el.insert(fkey.clone(), Value::String(fval.clone()));
                    if attr == "emails" && items.is_empty() {
                        el.insert("primary".into(), Value::Bool(true));
                    }
                    items.push(Value::Object(el));
                    items.len() - 1
                }
            };
            if let Some(Value::Object(el)) = items.get_mut(idx) {
                el.insert(
                    if sub.is_empty() {
                        "value".into()
                    } else {
                        sub.to_string()
                    },
                    value,
                );
            }
        }
        return;
    }
    if let Some((parent, sub)) = target.split_once('.') {
        let obj = body.entry(parent.to_string()).or_insert_with(|| json!({}));
        if let Value::Object(obj) = obj {
            obj.insert(sub.to_string(), value);
        }
        return;
    }
    body.insert(target.to_string(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::profile::tests::profiles;

    fn vars_for(id: &str, dialect: Option<Dialect>) -> Vars {
        let p = profiles().into_iter().find(|p| p.id() == id).unwrap();
        let mut v = Vars::new();
        v.set("tag", json!("scimconf-r-1"));
        p.set_vars(&mut v, dialect).unwrap();
        v
    }

    #[test]
    fn entra_default_generates_entras_create_body() {
        let v = vars_for("entra-default", None);
        let body = v.get("user_create").unwrap();
        assert_eq!(
            body["userName"],
            json!("scimconf-r-1-Ada.Lovelace@example.com")
        );
        assert_eq!(body["active"], json!(true));
        assert_eq!(
            body["emails"],
            json!([{"type": "work", "primary": true, "value": "scimconf-r-1-ada@example.com"}])
        );
        assert_eq!(body["name"]["formatted"], json!("Ada Lovelace"));
        assert_eq!(
            body["schemas"],
            json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA])
        );
        assert!(
            body[ENTERPRISE_USER_SCHEMA].get("manager").is_none(),
            "manager is linked later, never on create"
        );
        assert_eq!(
            v.get("user_match").unwrap(),
            &json!("userName eq \"scimconf-r-1-Ada.Lovelace@example.com\"")
        );
    }

    #[test]
    fn zenkit_sends_only_what_it_maps_and_matches_groups_on_external_id() {
        let v = vars_for("zenkit", Some(Dialect::Legacy));
        let body = v.get("user_create").unwrap().as_object().unwrap();
        let keys: Vec<&str> = body.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "schemas",
                "userName",
                "active",
                "displayName",
                "preferredLanguage",
                "meta"
            ]
        );
        assert_eq!(
            body["userName"],
            json!("scimconf-r-1-ada@example.com"),
            "userName <- mail"
        );
        let gm = v.get("group_match").unwrap().as_str().unwrap();
        assert!(gm.starts_with("externalId eq \""), "{gm}");
        assert_eq!(
            v.get("group_create").unwrap()["schemas"][1],
            json!(ADSCIM_GROUP_SCHEMA)
        );
    }

    #[test]
    fn insert_target_builds_nested_shapes() {
        let mut m = Map::new();
        insert_target(&mut m, r#"phoneNumbers[type eq "work"].value"#, json!("1"));
        insert_target(
            &mut m,
            r#"phoneNumbers[type eq "mobile"].value"#,
            json!("2"),
        );
        insert_target(&mut m, r#"addresses[type eq "work"].locality"#, json!("L"));
        insert_target(&mut m, "name.givenName", json!("A"));
        insert_target(
            &mut m,
            &format!("{ENTERPRISE_USER_SCHEMA}:department"),
            json!("D"),
        );
        assert_eq!(
            Value::Object(m),
            json!({"phoneNumbers": [{"type": "work", "value": "1"}, {"type": "mobile", "value": "2"}],
                   "addresses": [{"type": "work", "locality": "L"}], "name": {"givenName": "A"},
                   ENTERPRISE_USER_SCHEMA: {"department": "D"}})
        );
    }
}
