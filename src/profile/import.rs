//! `profile import`: a vendor profile (the TOML of `fixtures/vendors/`) written from the
//! provisioning configuration Entra exports, Microsoft Graph's `synchronizationSchema`
//! (entra-protocol.md §11): the enabled User and Group object mappings, each attribute
//! mapping's target and source, the matching attributes (`matchingPriority`, lowest first),
//! required attributes and the manager's type from the target directory's definitions, and the
//! role function. Every line of the result says where its value came from.
//!
//! Sources are imported as Entra's expression text: attributes, constants and every function the
//! evaluator implements ([`super::expression::FUNCTIONS`]); a default value and an
//! `ObjectAddOnly` flow type are carried over. Any other function is an error naming the
//! attribute and the function: nothing is silently skipped. What a profile cannot express (the
//! other add-only flow types, a scoping filter) is a warning.

use serde_json::Value;

use super::expression;
use crate::core::scim::ROLE_FUNCTIONS;

/// What the import needs besides the schema (the export carries no vendor facts).
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The profile's id (`--name`).
    pub name: String,
    /// The tenant URL the vendor gives its customers (`--tenant-url`).
    pub tenant_url: String,
    /// The dialect(s) the vendor's Entra app sends: `legacy`, `compliant` or `both`.
    pub dialect: String,
    /// The schema file as shown (for the comments).
    pub source_file: String,
    /// The vendor profile the schema's mapping is laid over (`--base`), if any.
    pub base: Option<Base>,
}

/// What a vendor profile knows that an export does not carry (`--base VENDOR`): the role values,
/// their split and display names (app roles belong to the service principal, not to the
/// synchronization schema), and what the vendor does when Entra deletes a user.
#[derive(Clone, Debug, Default)]
pub struct Base {
    /// The base profile's file, as shown.
    pub file: String,
    /// Its `[roles]` table.
    pub roles: Option<toml::Table>,
    /// Its `users.on_delete`.
    pub on_delete: Option<String>,
    /// Its `vendor.tenant_url`.
    pub tenant_url: Option<String>,
    /// Its `vendor.dialect`.
    pub dialect: Option<String>,
}

impl Base {
    /// The facts of a profile file's text.
    pub fn parse(file: &str, text: &str) -> Result<Base, String> {
        let t: toml::Table = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        let get = |table: &str, key: &str| {
            t.get(table)
                .and_then(|v| v.get(key))
                .and_then(toml::Value::as_str)
                .map(str::to_string)
        };
        Ok(Base {
            file: file.to_string(),
            roles: t.get("roles").and_then(toml::Value::as_table).cloned(),
            on_delete: get("users", "on_delete"),
            tenant_url: get("vendor", "tenant_url"),
            dialect: get("vendor", "dialect"),
        })
    }
}

/// The profile's TOML, and warnings about what it cannot carry.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The TOML text.
    pub toml: String,
    /// One line each.
    pub warnings: Vec<String>,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// TOML basic string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML value on one line (tables inline).
fn inline(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) => format!(
            "{{ {} }}",
            t.iter()
                .map(|(k, v)| format!("{} = {}", quoted(k), inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        toml::Value::Array(a) => {
            format!("[{}]", a.iter().map(inline).collect::<Vec<_>>().join(", "))
        }
        other => other.to_string(),
    }
}

/// One object mapping's lines (`[users]` or `[groups]`).
fn section(
    header: &str,
    mapping: Option<&Value>,
    target_defs: &[Value],
    warnings: &mut Vec<String>,
    roles: &mut Vec<String>,
) -> Result<String, String> {
    let Some(mapping) = mapping else {
        return Ok(format!(
            "\n[{header}]\nprovisioned = false                  # no enabled object mapping in the schema\n"
        ));
    };
    let mapping_name = text(mapping, "name").unwrap_or("(unnamed)");
    let attrs = mapping
        .get("attributeMappings")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("object mapping `{mapping_name}`: no attributeMappings list"))?;
    if !mapping.get("scope").is_none_or(Value::is_null) {
        warnings.push(format!(
            "object mapping `{mapping_name}` has a scoping filter: profiles do not model scope, every synthetic {header} is in scope"
        ));
    }
    let mut matching: Vec<(u64, String)> = Vec::new();
    let mut lines = Vec::new();
    for a in attrs {
        let target = text(a, "targetAttributeName").ok_or_else(|| {
            format!("`{mapping_name}`: an attribute mapping without targetAttributeName")
        })?;
        let source = a.get("source").unwrap_or(&Value::Null);
        let kind = text(source, "type").unwrap_or("Attribute");
        let expression = match kind {
            "Attribute" => text(source, "name")
                .or_else(|| text(source, "expression"))
                .map(|s| s.trim_start_matches('[').trim_end_matches(']').to_string())
                .ok_or_else(|| format!("`{target}`: an Attribute source without a name"))?,
            "Function" => text(source, "expression")
                .map(str::to_string)
                .ok_or_else(|| {
                    format!("`{target}`: a Function source without its expression text")
                })?,
            "Constant" => {
                let value = text(source, "name")
                    .or_else(|| text(source, "expression"))
                    .unwrap_or_default();
                let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
                format!("\"{escaped}\"")
            }
            other => return Err(format!("`{target}`: unknown source type `{other}`")),
        };
        let function = expression.split('(').next().unwrap_or_default().trim();
        if kind == "Function" {
            // Functions are checked here (attributes when the profile loads, against the
            // synthetic source).
            expression::parse(&expression)
                .and_then(|ast| ast.check(&|_| true))
                .map_err(|why| format!("attribute `{target}`: `{expression}`: {why}"))?;
        }
        // A role mapping is a row like any other (it puts the roles in the create body) and
        // names the profile's role function.
        if ROLE_FUNCTIONS.contains(&function) {
            roles.push(function.to_string());
        }
        let priority = a
            .get("matchingPriority")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if priority > 0 {
            matching.push((priority, target.to_string()));
        }
        let mut extra = String::new();
        match text(a, "flowType").unwrap_or("Always") {
            "Always" => {}
            "ObjectAddOnly" => extra.push_str(", flow = \"ObjectAddOnly\""),
            other => warnings.push(format!(
                "`{target}` flows `{other}`: profiles model Always and ObjectAddOnly; it is sent on create and update"
            )),
        }
        if let Some(d) = text(a, "defaultValue").filter(|d| !d.is_empty()) {
            extra.push_str(&format!(", default = {}", quoted(d)));
        }
        lines.push(format!(
            "  {{ target = {}, source = {}{extra} }},",
            quoted(target),
            quoted(&expression)
        ));
    }
    matching.sort();
    let matching: Vec<String> = matching.into_iter().map(|(_, t)| t).collect();
    if matching.is_empty() {
        return Err(format!(
            "object mapping `{mapping_name}`: no attribute has a matchingPriority above 0 (Entra needs one to match)"
        ));
    }
    let def = |name: &str| {
        target_defs
            .iter()
            .find(|d| text(d, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
    };
    let mut required: Vec<String> = target_defs
        .iter()
        .filter(|d| d.get("required").and_then(Value::as_bool) == Some(true))
        .filter_map(|d| text(d, "name").map(str::to_string))
        .collect();
    let required_from = if required.is_empty() {
        required.push(matching[0].clone());
        "no target attribute is required: the first matching attribute"
    } else {
        "the target directory's required attributes"
    };
    let list = |v: &[String]| v.iter().map(|s| quoted(s)).collect::<Vec<_>>().join(", ");
    let mut out =
        format!("\n[{header}]                              # object mapping `{mapping_name}`\n");
    if header == "groups" {
        out.push_str("provisioned = true\n");
    }
    let manager = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
    if header == "users" && def(manager).and_then(|d| text(d, "type")) == Some("String") {
        out.push_str("manager_type = \"string\"             # the target directory types manager as String\n");
    }
    out.push_str(&format!(
        "matching = [{}]  # matchingPriority, lowest first\nrequired = [{}]  # {required_from}\nmapping = [\n{}\n]\n",
        list(&matching),
        list(&required),
        lines.join("\n")
    ));
    Ok(out)
}

/// The profile TOML for `schema` (the JSON text of a `synchronizationSchema`).
pub fn import(schema: &str, opts: &ImportOptions) -> Result<Imported, String> {
    let v: Value = serde_json::from_str(schema)
        .map_err(|e| format!("not a JSON synchronizationSchema: {e}"))?;
    let rules = v
        .get("synchronizationRules")
        .and_then(Value::as_array)
        .ok_or("no synchronizationRules: not an exported synchronizationSchema")?;
    let mappings: Vec<&Value> = rules
        .iter()
        .flat_map(|r| {
            r.get("objectMappings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter(|m| m.get("enabled").and_then(Value::as_bool) != Some(false))
        .collect();
    let of = |source: &str| {
        mappings
            .iter()
            .copied()
            .find(|m| text(m, "sourceObjectName") == Some(source))
    };
    let users = of("User").ok_or(
        "no enabled object mapping for User: not a SCIM provisioning configuration (or its users are off)",
    )?;
    let defs_of = |mapping: Option<&Value>| -> Vec<Value> {
        let Some(target) = mapping.and_then(|m| text(m, "targetObjectName")) else {
            return Vec::new();
        };
        v.get("directories")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|d| {
                d.get("objects")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .find(|o| text(o, "name") == Some(target))
            .and_then(|o| o.get("attributes").and_then(Value::as_array).cloned())
            .unwrap_or_default()
    };
    let mut warnings = Vec::new();
    let mut roles = Vec::new();
    let users_section = section(
        "users",
        Some(users),
        &defs_of(Some(users)),
        &mut warnings,
        &mut roles,
    )?;
    let groups = of("Group");
    let groups_section = section(
        "groups",
        groups,
        &defs_of(groups),
        &mut warnings,
        &mut roles,
    )?;
    let base_roles = opts
        .base
        .as_ref()
        .and_then(|b| b.roles.as_ref().map(|r| (b, r)));
    let roles_section = if roles.is_empty() {
        "\n[roles]\nfunction = \"none\"                    # no role function in the mappings\nvalues = []\n".to_string()
    } else {
        roles.dedup();
        let mut out = format!(
            "\n[roles]\nfunction = [{}]  # the role mappings' functions\n",
            roles
                .iter()
                .map(|r| quoted(r))
                .collect::<Vec<_>>()
                .join(", ")
        );
        match base_roles {
            Some((base, table)) => {
                for key in ["values", "split", "display"] {
                    if let Some(v) = table.get(key) {
                        out.push_str(&format!(
                            "{key} = {}  # from {}\n",
                            inline(v),
                            base.file
                        ));
                    }
                }
                if !table.contains_key("values") {
                    out.push_str("values = []\n");
                }
            }
            None => out.push_str(
                "values = []                          # app roles are not in the schema: --base VENDOR takes a profile's\n",
            ),
        }
        out
    };
    let users_section = match opts
        .base
        .as_ref()
        .and_then(|b| b.on_delete.as_ref().map(|d| (b, d)))
    {
        Some((base, on_delete)) => users_section.replacen(
            "\nmatching = ",
            &format!(
                "\non_delete = {}  # from {}\nmatching = ",
                quoted(on_delete),
                base.file
            ),
            1,
        ),
        None => users_section,
    };
    let toml = format!(
        "# Imported by `scim-conformance profile import` from {} (schema id {}, version {}).\n# Review it (`scim-conformance profile show --vendor {}`) before relying on it.\n\n[vendor]\nid = {}\ntitle = {}\nseed = {}\ntenant_url = {}\ndialect = {}\nnotes = [{}]\n{users_section}{groups_section}{roles_section}",
        opts.source_file,
        text(&v, "id").unwrap_or("?"),
        text(&v, "version").unwrap_or("?"),
        opts.name,
        quoted(&opts.name),
        quoted(&opts.name),
        quoted(&opts.source_file),
        quoted(&opts.tenant_url),
        quoted(&opts.dialect),
        quoted(&format!("Imported from the Entra provisioning schema {}", opts.source_file)),
    );
    Ok(Imported { toml, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::files::Tree;
    use crate::profile::load::{load_source, parse_profile};
    use std::sync::Arc;

    fn zenya_schema() -> String {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/selftest/schemas/zenya.json"),
        )
        .unwrap()
    }

    fn opts(name: &str) -> ImportOptions {
        ImportOptions {
            name: name.into(),
            tenant_url: "https://zenya.example.com/scim/".into(),
            dialect: "both".into(),
            source_file: "zenya.json".into(),
            base: None,
        }
    }

    /// The schema built from Zenya's guide imports to a profile with the hand-written one's
    /// mappings, matching, required attributes, manager type and roles.
    #[test]
    fn zenyas_schema_imports_to_zenyas_mapping() {
        let fixtures = Tree::Embedded("fixtures");
        let source = Arc::new(load_source(&fixtures).unwrap());
        let imported = import(&zenya_schema(), &opts("zenya")).unwrap();
        assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
        let got = parse_profile("imported".into(), "zenya", &imported.toml, source.clone())
            .unwrap_or_else(|e| panic!("{e}\n{}", imported.toml));
        let all = crate::profile::load_all(&fixtures).unwrap();
        let want = all.iter().find(|p| p.id() == "zenya").unwrap();
        let pairs = |m: &crate::profile::model::ResourceMapping| -> Vec<(String, String)> {
            m.mapping
                .iter()
                .map(|x| (x.target.clone(), x.source.clone()))
                .collect()
        };
        assert_eq!(pairs(&got.users), pairs(&want.users));
        assert_eq!(pairs(&got.groups), pairs(&want.groups));
        assert_eq!(got.users.matching, want.users.matching);
        assert_eq!(got.groups.matching, want.groups.matching);
        assert_eq!(got.users.required, want.users.required);
        assert_eq!(got.users.manager_type, want.users.manager_type);
        assert_eq!(got.role_functions, want.role_functions);
        assert_eq!(got.capabilities(), want.capabilities());
    }

    fn schema_file(name: &str) -> String {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("fixtures/selftest/schemas/{name}.json")),
        )
        .unwrap()
    }

    /// A customised schema fixture, imported and loaded, and the variables its trials draw on.
    fn customised(name: &str) -> (crate::profile::VendorProfile, crate::suite::template::Vars) {
        let fixtures = Tree::Embedded("fixtures");
        let source = Arc::new(load_source(&fixtures).unwrap());
        let imported = import(&schema_file(name), &opts("acme")).unwrap();
        let profile = parse_profile("imported".into(), "acme", &imported.toml, source)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", imported.toml));
        let mut vars = crate::suite::template::Vars::new();
        vars.set("tag", Value::from("scimconf-0000abcd-1"));
        profile.set_vars(&mut vars, None).unwrap();
        (profile, vars)
    }

    /// Each customised mapping (fixtures/selftest/schemas/custom-*.json) shapes what the trials
    /// send: the create body, the match filter, the update.
    #[test]
    fn customised_mappings_shape_the_requests() {
        let user = |vars: &crate::suite::template::Vars, path: &str| -> Value {
            vars.get("user_create")
                .unwrap()
                .pointer(path)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let (_, v) = customised("custom-join-display-name");
        assert_eq!(user(&v, "/displayName"), "Lovelace, Ada");
        let (_, v) = customised("custom-lower-username");
        assert_eq!(
            user(&v, "/userName"),
            "scimconf-0000abcd-1-ada.lovelace@example.com"
        );
        assert_eq!(
            v.get("user_match").unwrap(),
            r#"userName eq "scimconf-0000abcd-1-ada.lovelace@example.com""#
        );
        let (_, v) = customised("custom-switch-department");
        let dept = format!("/{}/department", crate::core::scim::ENTERPRISE_USER_SCHEMA);
        assert_eq!(user(&v, &dept), "Engines");
        let (p, v) = customised("custom-add-only-title");
        assert_eq!(user(&v, "/title"), "Analyst", "sent on create");
        let updated: Vec<String> = p
            .patch_values(crate::suite::load::PatchKind::Update, "t")
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert!(!updated.contains(&"title".to_string()), "{updated:?}");
        assert!(updated.contains(&"displayName".to_string()), "{updated:?}");
        let (p, _) = customised("custom-second-matching");
        assert_eq!(p.users.matching, ["userName", "externalId"]);
        let (p, v) = customised("custom-groups-disabled");
        assert!(!p.groups.provisioned);
        assert!(v.get("group_create").is_none());
    }

    /// The zenya schema with `edit` applied.
    fn edited(edit: impl FnOnce(&mut Value)) -> String {
        let mut v: Value = serde_json::from_str(&zenya_schema()).unwrap();
        edit(&mut v);
        v.to_string()
    }

    fn user_mapping<'a>(v: &'a mut Value, target: &str) -> &'a mut Value {
        v["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|a| a["targetAttributeName"] == target)
            .unwrap()
    }

    #[test]
    fn what_a_profile_cannot_carry_is_an_error_or_a_warning() {
        // An unsupported function names the attribute, the function and the list.
        let now = edited(|v| {
            user_mapping(v, "userName")["source"] = serde_json::json!({
                "expression": "Join(\"-\", [mail], Now())", "name": "Join", "type": "Function"
            });
        });
        let e = import(&now, &opts("x")).unwrap_err();
        assert!(
            e.contains("`userName`") && e.contains("function Now") && e.contains("supported:"),
            "{e}"
        );
        // Malformed, and without a SCIM user mapping.
        assert!(import("{", &opts("x")).unwrap_err().contains("not a JSON"));
        assert!(import(r#"{"synchronizationRules": []}"#, &opts("x"))
            .unwrap_err()
            .contains("no enabled object mapping for User"));
        // Groups switched off: not provisioned.
        let off = edited(|v| {
            v["synchronizationRules"][0]["objectMappings"][1]["enabled"] = Value::Bool(false);
        });
        let imported = import(&off, &opts("x")).unwrap();
        assert!(
            imported.toml.contains("[groups]\nprovisioned = false"),
            "{}",
            imported.toml
        );
        // An ObjectAddOnly mapping is carried over; a scoping filter is a warning.
        let add_only = edited(|v| {
            user_mapping(v, "title")["flowType"] = Value::from("ObjectAddOnly");
            v["synchronizationRules"][0]["objectMappings"][0]["scope"] =
                serde_json::json!({"categoryFilterGroups": []});
        });
        let imported = import(&add_only, &opts("x")).unwrap();
        assert!(
            imported
                .toml
                .contains(r#"target = "title", source = "jobTitle", flow = "ObjectAddOnly""#),
            "{}",
            imported.toml
        );
        let w = &imported.warnings;
        assert!(
            !w.iter().any(|w| w.contains("`title` flows")),
            "ObjectAddOnly is carried over, not warned about: {w:?}"
        );
        assert!(w.iter().any(|w| w.contains("scoping filter")), "{w:?}");
    }

    proptest::proptest! {
        /// Whatever the file holds, the import answers with a profile or an error, never a
        /// panic.
        #[test]
        fn never_panics(text in ".{0,400}", cut in 0usize..4000) {
            let _ = import(&text, &opts("x"));
            let schema = zenya_schema();
            let at = cut.min(schema.len());
            if schema.is_char_boundary(at) {
                let _ = import(&schema[..at], &opts("x"));
            }
        }
    }
}
