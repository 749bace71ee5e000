//! What a profile sends: the trial variables that shape every request — create bodies built
//! from the mapping the way Entra builds them, match filters on the matching attributes, role
//! values, and the Entra source values (`src_user_*`, `src_group_*`).

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use super::expr::Expr;
use super::expression::Val;
use super::model::ResourceMapping;
use super::VendorProfile;
use crate::core::dialect::Dialect;
use crate::core::scim::{
    ADSCIM_GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA, ENTRA_ROLE_TYPE, GROUP_SCHEMA, USER_SCHEMA,
};
use crate::suite::load::{Kind, PatchForm, PatchKind};
use crate::suite::template::{as_text, Escape, Vars};

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "user",
        Kind::Group => "group",
    }
}

/// A PATCH body replacing `values` (lowercase ops, as Microsoft's gallery validation sends
/// them) in the given form.
pub fn patch_body(values: &[(String, Value)], form: PatchForm) -> Value {
    let mut ops = Vec::new();
    let mut pathless = Map::new();
    for (target, value) in values {
        if form == PatchForm::PerOp || crate::core::paths::is_filtered(target) {
            ops.push(json!({"op": "replace", "path": target, "value": value}));
        } else {
            pathless.insert(target.clone(), value.clone());
        }
    }
    if !pathless.is_empty() {
        ops.push(json!({"op": "replace", "value": Value::Object(pathless)}));
    }
    json!({"schemas": [crate::core::scim::PATCH_OP_SCHEMA], "Operations": ops})
}

/// Capitalises every op of a PATCH body (`replace` -> `Replace`), as Entra's legacy dialect
/// writes them (entra-protocol.md §3.5).
pub fn capitalise_ops(body: &mut Value) {
    if let Some(Value::Array(ops)) = body.get_mut("Operations") {
        for op in ops {
            if let Some(Value::String(name)) = op.get_mut("op") {
                let mut chars = name.chars();
                if let Some(first) = chars.next() {
                    *name = first.to_uppercase().chain(chars).collect();
                }
            }
        }
    }
}

/// A new value for an attribute in a generated update: plausible for the attribute (a
/// language tag for `preferredLanguage`, an email for `userName`), harness-named where it
/// identifies the user.
fn updated_value(target: &str, tag: &str) -> String {
    // Deterministic (the tag is already run-unique), so snapshots stay stable.
    match target {
        "userName" => format!("{tag}-updated@example.com"),
        "externalId" => format!("{tag}-updated-ext"),
        "displayName" => "Augusta Ada King".into(),
        "title" => "Senior Analyst".into(),
        "preferredLanguage" => "fr-FR".into(),
        "locale" => "fr-FR".into(),
        "timezone" => "Europe/Paris".into(),
        "name.givenName" => "Augusta".into(),
        "name.familyName" => "King".into(),
        "name.formatted" => "Augusta King".into(),
        t if t.ends_with(":department") => "Difference Engines".into(),
        t if t.ends_with(":employeeNumber") => "E-upd-2".into(),
        _ => format!("{tag}-upd"),
    }
}

/// Changes a body where a trial's subject needs it: `set` values (already rendered) at SCIM
/// paths, `remove`d top-level attributes.
pub fn customize(body: &mut Value, set: &[(String, Value)], remove: &[String]) {
    let Value::Object(map) = body else {
        return;
    };
    for attr in remove {
        map.shift_remove(attr.as_str());
    }
    for (path, value) in set {
        crate::core::paths::insert(map, path, value.clone());
        if path.starts_with(ENTERPRISE_USER_SCHEMA) {
            if let Some(Value::Array(schemas)) = map.get_mut("schemas") {
                if !schemas.contains(&json!(ENTERPRISE_USER_SCHEMA)) {
                    schemas.push(json!(ENTERPRISE_USER_SCHEMA));
                }
            }
        }
    }
}

/// One person's (or group's) create body as Entra sends it, and the value of every mapped
/// target attribute in it.
#[derive(Clone, Debug)]
pub struct Person {
    /// The create body.
    pub body: Value,
    /// Mapped target -> value (`userName`, `emails[type eq "work"].value`...).
    pub values: IndexMap<String, Value>,
}

impl VendorProfile {
    /// Sets the trial variables this profile provides: rendered source values (`src_user_*`,
    /// `src_group_*`), generated create bodies and match filters for the trial's main user and
    /// group, role values, the ops of the dialect.
    pub fn set_vars(&self, vars: &mut Vars, dialect: Option<Dialect>) -> Result<(), String> {
        for (kind, src) in [("user", &self.source.user), ("group", &self.source.group)] {
            for (k, tpl) in src {
                let v = vars
                    .render(tpl, Escape::None)
                    .map_err(|e| format!("entra-source {kind}.{k}: {e}"))?;
                vars.set(format!("src_{kind}_{k}"), Value::String(v));
            }
        }
        for (i, r) in self.role_values.iter().take(3).enumerate() {
            vars.set(format!("role{}", i + 1), Value::String(r.clone()));
            let display = self.role_display.get(r).unwrap_or(r);
            vars.set(
                format!("role{}_display", i + 1),
                Value::String(display.clone()),
            );
        }
        for (var, m) in [
            ("mapped_users_targets", &self.users),
            ("mapped_groups_targets", &self.groups),
        ] {
            let targets: Vec<Value> = m
                .mapping
                .iter()
                .filter(|r| r.expr.is_sent() && !matches!(r.expr, Expr::Roles(_)))
                .map(|r| Value::String(r.target.clone()))
                .collect();
            vars.set(var, Value::Array(targets));
        }
        for (name, upto) in [("roles_1", 1), ("roles_12", 2), ("roles_123", 3)] {
            vars.set(name, Value::Array(self.stored_roles(upto)));
        }
        vars.set(
            "roles_3",
            Value::Array(
                self.split_role(
                    self.role_values
                        .get(2)
                        .map(String::as_str)
                        .unwrap_or_default(),
                ),
            ),
        );
        let legacy = dialect.unwrap_or(Dialect::Legacy) == Dialect::Legacy;
        // `active = false` as the dialect sends it: the string "False" (legacy) or a boolean.
        vars.set(
            "active_false",
            if legacy { json!("False") } else { json!(false) },
        );
        for (var, op) in [
            ("op_add", "Add"),
            ("op_replace", "Replace"),
            ("op_remove", "Remove"),
        ] {
            let op = if legacy {
                op.to_string()
            } else {
                op.to_lowercase()
            };
            vars.set(var, Value::String(op));
        }

        let user = self.person(Kind::User, vars, dialect, "src_user_")?;
        let find = |p: &Person, target: &str| p.values.get(target).cloned();
        if let Some(v) = find(&user, "userName") {
            vars.set("user", v);
        }
        if let Some(v) = find(&user, "externalId") {
            vars.set("external_id", v);
        }
        if let Some(v) = find(&user, r#"emails[type eq "work"].value"#) {
            vars.set("email", v);
        }
        let attr = &self.users.matching[0];
        vars.set("user_match_attr", Value::String(attr.clone()));
        if let Some(v) = find(&user, attr) {
            vars.set("user_match", Value::String(filter_eq(attr, &v)));
        }
        vars.set("user_create", user.body);
        vars.set(
            "user_values",
            Value::Object(user.values.into_iter().collect()),
        );

        // Entra's Test Connection probes /Groups whether or not groups are provisioned; without
        // a group mapping it filters on its default, displayName.
        vars.set("group_match_attr", Value::String("displayName".into()));
        if self.groups.provisioned {
            let group = self.person(Kind::Group, vars, dialect, "src_group_")?;
            if let Some(v) = find(&group, "displayName") {
                vars.set("group", v);
            }
            if let Some(v) = find(&group, "externalId") {
                vars.set("group_external_id", v);
            }
            let attr = &self.groups.matching[0];
            vars.set("group_match_attr", Value::String(attr.clone()));
            if let Some(v) = find(&group, attr) {
                vars.set("group_match", Value::String(filter_eq(attr, &v)));
            }
            vars.set("group_create", group.body);
            vars.set(
                "group_values",
                Value::Object(group.values.into_iter().collect()),
            );
        }
        Ok(())
    }

    /// The create body for one person: `main` is the trial's own (the `user_create` /
    /// `group_create` variables); any other name is a distinct person whose unique values carry
    /// `{{tag}}-<name>`. Exports `<name>_user`, `<name>_email`, `<name>_external_id` (users) or
    /// `<name>_group`, `<name>_group_external_id` (groups) for other persons.
    pub fn person_for(
        &self,
        kind: Kind,
        name: &str,
        vars: &mut Vars,
        dialect: Option<Dialect>,
    ) -> Result<Person, String> {
        let (body_var, values_var) = match kind {
            Kind::User => ("user_create", "user_values"),
            Kind::Group => ("group_create", "group_values"),
        };
        if name == "main" {
            let body = vars
                .get(body_var)
                .cloned()
                .ok_or_else(|| format!("the profile provisions no {}s", kind_name(kind)))?;
            let values = match vars.get(values_var) {
                Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                _ => IndexMap::new(),
            };
            return Ok(Person { body, values });
        }
        if kind == Kind::Group && !self.groups.provisioned {
            return Err("the profile provisions no groups".into());
        }
        let mut local = vars.clone();
        let tag = vars.get("tag").map(as_text).unwrap_or_default();
        local.set("tag", Value::String(format!("{tag}-{name}")));
        let prefix = format!("src_{name}_");
        let src = match kind {
            Kind::User => &self.source.user,
            Kind::Group => &self.source.group,
        };
        for (k, tpl) in src {
            let v = local
                .render(tpl, Escape::None)
                .map_err(|e| format!("entra-source {}.{k}: {e}", kind_name(kind)))?;
            local.set(format!("{prefix}{k}"), Value::String(v));
        }
        let person = self.person(kind, &local, dialect, &prefix)?;
        let matching = match kind {
            Kind::User => self.users.matching.first(),
            Kind::Group => self.groups.matching.first(),
        };
        if let Some(attr) = matching {
            if let Some(v) = person.values.get(attr) {
                vars.set(format!("{name}_match"), Value::String(filter_eq(attr, v)));
            }
        }
        let exports: &[(&str, &str)] = match kind {
            Kind::User => &[
                ("user", "userName"),
                ("email", r#"emails[type eq "work"].value"#),
                ("external_id", "externalId"),
            ],
            Kind::Group => &[
                ("group", "displayName"),
                ("group_external_id", "externalId"),
            ],
        };
        for (var, target) in exports {
            if let Some(v) = person.values.get(*target) {
                vars.set(format!("{name}_{var}"), v.clone());
            }
        }
        Ok(person)
    }

    /// A person from source values already rendered into `vars` under `prefix`.
    fn person(
        &self,
        kind: Kind,
        vars: &Vars,
        dialect: Option<Dialect>,
        prefix: &str,
    ) -> Result<Person, String> {
        let (mapping, attrs) = match kind {
            Kind::User => (&self.users, &self.source.user),
            Kind::Group => (&self.groups, &self.source.group),
        };
        let src: IndexMap<String, String> = attrs
            .keys()
            .filter_map(|k| {
                vars.get(&format!("{prefix}{k}"))
                    .map(|v| (k.clone(), as_text(v)))
            })
            .collect();
        let (body, values) = self.generate(mapping, &src, kind == Kind::User, dialect);
        Ok(Person { body, values })
    }

    /// The tolerant form of a person's create body: what a strict endpoint accepts when it
    /// refuses Entra's — the core schema only, the identifying attributes (userName or
    /// displayName, externalId), `active`, the work email as a bare value, and every attribute
    /// the profile marks required.
    pub fn tolerant(&self, kind: Kind, person: &Person) -> Value {
        let (schema, required, keep): (&str, &[String], &[&str]) = match kind {
            Kind::User => (
                USER_SCHEMA,
                &self.users.required,
                &["userName", "externalId", "active"],
            ),
            Kind::Group => (
                GROUP_SCHEMA,
                &self.groups.required,
                &["displayName", "externalId"],
            ),
        };
        let mut body = Map::new();
        body.insert("schemas".into(), json!([schema]));
        for (target, value) in &person.values {
            if keep.contains(&target.as_str()) || required.contains(target) {
                crate::core::paths::insert(&mut body, target, value.clone());
            }
        }
        if let Some(email) = person.values.get(r#"emails[type eq "work"].value"#) {
            body.insert("emails".into(), json!([{ "value": email }]));
        }
        if body.contains_key(ENTERPRISE_USER_SCHEMA) {
            body.insert("schemas".into(), json!([schema, ENTERPRISE_USER_SCHEMA]));
        }
        Value::Object(body)
    }

    /// The user attributes a generated PATCH of `kind` touches, with the value it sends each
    /// (`tag` keeps new userNames and externalIds run-unique and harness-named).
    pub fn patch_values(&self, kind: PatchKind, tag: &str) -> Vec<(String, Value)> {
        let skip = |t: &str| {
            matches!(t, "active" | "roles" | "members") || t.ends_with(":manager") || t == "manager"
        };
        let rows = self
            .users
            .mapping
            .iter()
            .filter(|r| r.expr.is_sent() && !matches!(r.expr, Expr::Reference(_) | Expr::Roles(_)))
            // An add-only attribute is never in an update (flowType ObjectAddOnly).
            .filter(|r| !r.add_only())
            .filter(|r| !skip(&r.target));
        match kind {
            PatchKind::Update => rows
                .filter(|r| !crate::core::paths::is_filtered(&r.target))
                .map(|r| {
                    (
                        r.target.clone(),
                        Value::String(updated_value(&r.target, tag)),
                    )
                })
                .collect(),
            PatchKind::ClearEmpty | PatchKind::ClearNull => {
                let value = if kind == PatchKind::ClearEmpty {
                    Value::String(String::new())
                } else {
                    Value::Null
                };
                rows.filter(|r| {
                    !matches!(r.target.as_str(), "userName" | "externalId")
                        && !self.users.matching.contains(&r.target)
                        && !self.users.required.contains(&r.target)
                })
                .map(|r| (r.target.clone(), value.clone()))
                .collect()
            }
        }
    }

    /// One role value as the endpoint stores it: split on the guide's separator, if any.
    pub fn split_role(&self, value: &str) -> Vec<Value> {
        match &self.role_split {
            Some(sep) => value
                .split(sep.as_str())
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Value::String(p.to_string()))
                .collect(),
            None => vec![Value::String(value.to_string())],
        }
    }

    /// The role values an endpoint stores for roles 1..=`upto`: each value split on the
    /// profile's separator (when its guide says a value holds several roles), first occurrence
    /// kept.
    pub fn stored_roles(&self, upto: usize) -> Vec<Value> {
        let mut out: Vec<String> = Vec::new();
        for v in self.role_values.iter().take(upto) {
            let parts: Vec<&str> = match &self.role_split {
                Some(sep) => v.split(sep.as_str()).map(str::trim).collect(),
                None => vec![v.as_str()],
            };
            for p in parts {
                if !p.is_empty() && !out.iter().any(|o| o == p) {
                    out.push(p.to_string());
                }
            }
        }
        out.into_iter().map(Value::String).collect()
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
            let value = self.evaluate(&row.expr, src, target).or_else(|| {
                row.default
                    .as_ref()
                    .filter(|_| row.expr.is_sent())
                    .map(|d| Value::String(d.clone()))
            });
            let Some(value) = value else {
                continue;
            };
            values.insert(target.to_string(), value.clone());
            crate::core::paths::insert(&mut body, target, value);
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
            // Validated at load (`profile::load` evaluates every expression once): a value that
            // cannot be computed for this person is not sent, as Entra drops it.
            Expr::Computed(ast) => match ast.evaluate(src).ok()? {
                Val::Null => None,
                Val::Text(t) => Some(Value::String(t)),
                Val::Many(v) => Some(Value::Array(v.into_iter().map(Value::String).collect())),
            },
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
pub fn filter_eq(attr: &str, value: &Value) -> String {
    let text = as_text(value).replace('\\', "\\\\").replace('"', "\\\"");
    format!("{attr} eq \"{text}\"")
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
}
