//! Vendor profiles (`fixtures/vendors/<vendor>.toml`): how one vendor's Entra app is configured,
//! as its setup guide says — attribute mappings, matching attributes, groups, role function,
//! tenant URL shape, expected dialect — and what follows from it: the capabilities entries may
//! need, the variables that shape every request (generated create bodies, match filters), and the
//! reference server's emulation of the vendor.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde::de::IntoDeserializer;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::dialect::{Dialect, DialectChoice};
use crate::server::ServerConfig;
use crate::suite::model::OneOrMany;
use crate::suite::template::{Escape, Vars};

/// The enterprise user extension URN.
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The extra group schema URN legacy Entra sends on group creation.
pub const ADSCIM_GROUP: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
/// The role `type` Entra sends.
pub const ROLE_TYPE: &str = "WindowsAzureActiveDirectoryRole";

/// The Entra app-role functions.
pub const ROLE_FUNCTIONS: &[&str] = &[
    "SingleAppRoleAssignment",
    "AppRoleAssignmentsComplex",
    "AssertiveAppRoleAssignmentsComplex",
];

/// Variables every profile provides to a trial (checked statically by the suite loader).
pub const PROFILE_VARS: &[&str] = &[
    "user_create",
    "user_match",
    "user_match_attr",
    "user",
    "external_id",
    "email",
    "group_create",
    "group_match",
    "group_match_attr",
    "group",
    "group_external_id",
    "role1",
    "role2",
    "role3",
];

/// Role values used when a profile names none.
const DEFAULT_ROLES: [&str; 3] = ["User", "Test", "Admin"];

/// One `target <- source` row of an attribute mapping.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// SCIM attribute path as Entra writes it.
    pub target: String,
    /// Entra source attribute or expression; empty when the guide names none (never sent).
    pub source: String,
}

/// The `[vendor]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorInfo {
    /// Equals the file stem.
    pub id: String,
    /// Display name.
    pub title: String,
    /// The seed guide this profile comes from.
    pub seed: String,
    /// The tenant URL shape the guide gives (its path is where the emulation serves SCIM).
    pub tenant_url: String,
    /// The dialect the vendor is expected to support: `legacy`, `compliant` or `both`.
    pub dialect: String,
    /// Guide statements that matter but map to no field.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// `[users]` or `[groups]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceMapping {
    /// Whether Entra provisions this resource type (groups only; users always).
    #[serde(default = "yes")]
    pub provisioned: bool,
    /// Matching target attributes, precedence 1 first.
    #[serde(default)]
    pub matching: Vec<String>,
    /// Target attributes the vendor requires.
    #[serde(default)]
    pub required: Vec<String>,
    /// The attribute mapping, in the guide's order.
    #[serde(default)]
    pub mapping: Vec<Mapping>,
}

impl ResourceMapping {
    /// `<kind>:<target>` for every target sent (a non-empty source), and
    /// `match:<plural>:<attr>` for every matching attribute.
    fn capabilities(&self, kind: &str, plural: &str) -> BTreeSet<String> {
        let sent = self.mapping.iter().filter(|r| !r.source.trim().is_empty());
        sent.map(|r| format!("{kind}:{}", r.target))
            .chain(self.matching.iter().map(|m| format!("match:{plural}:{m}")))
            .collect()
    }
}

fn yes() -> bool {
    true
}

/// `[roles]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// `none`, or one or more of [`ROLE_FUNCTIONS`].
    pub function: OneOrMany<String>,
    /// Role values the guide names, verbatim.
    #[serde(default)]
    pub values: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    vendor: VendorInfo,
    users: ResourceMapping,
    groups: ResourceMapping,
    roles: Roles,
}

/// The Entra source objects generated requests draw their values from
/// (`fixtures/entra-source.toml`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Source user attributes (templates).
    pub user: IndexMap<String, String>,
    /// Source group attributes (templates).
    pub group: IndexMap<String, String>,
}

/// A loaded, checked vendor profile.
#[derive(Clone, Debug)]
pub struct VendorProfile {
    /// The file as shown in messages.
    pub file: String,
    /// `[vendor]`.
    pub vendor: VendorInfo,
    /// The expected dialect(s): the default when `--dialect` is not given.
    pub dialects: DialectChoice,
    /// `[users]`.
    pub users: ResourceMapping,
    /// `[groups]`.
    pub groups: ResourceMapping,
    /// Role functions configured (empty: none).
    pub role_functions: Vec<String>,
    /// Role values (at least three: the guide's, then defaults).
    pub role_values: Vec<String>,
    source: Arc<Source>,
}

/// A profile file that cannot be used, located by file and field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileError {
    /// The file.
    pub file: String,
    /// The field, e.g. `users.mapping[3].source`.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} › {field}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ProfileError {}

/// Loads `fixtures/entra-source.toml`.
pub fn load_source(path: &Path) -> Result<Source, ProfileError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ProfileError {
        file: file.clone(),
        field: None,
        message: e.to_string(),
    })?;
    toml::from_str(&text).map_err(|e| ProfileError {
        file,
        field: None,
        message: e.to_string().trim().to_string(),
    })
}

/// Loads every `*.toml` in `dir`, sorted by name, each checked.
pub fn load_dir(dir: &Path, source: Source) -> Result<Vec<VendorProfile>, ProfileError> {
    let source = Arc::new(source);
    let read = std::fs::read_dir(dir).map_err(|e| ProfileError {
        file: dir.display().to_string(),
        field: None,
        message: format!("cannot read: {e}"),
    })?;
    let mut files: Vec<PathBuf> = read
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files.iter().map(|f| load_file(f, source.clone())).collect()
}

/// Loads and checks one profile.
pub fn load_file(path: &Path, source: Arc<Source>) -> Result<VendorProfile, ProfileError> {
    let file = crate::suite::load::display_path(path);
    let err = |field: Option<String>, message: String| ProfileError {
        file: file.clone(),
        field,
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(None, format!("cannot read: {e}")))?;
    let value: toml::Value = toml::from_str(&text)
        .map_err(|e| err(None, format!("not valid TOML: {}", e.to_string().trim())))?;
    let parsed: ProfileFile = serde_path_to_error::deserialize(value.into_deserializer())
        .map_err(|e| err(Some(e.path().to_string()), e.inner().to_string()))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if parsed.vendor.id != stem {
        return Err(err(
            Some("vendor.id".into()),
            format!("`{}` must equal the file name `{stem}`", parsed.vendor.id),
        ));
    }
    let dialects: DialectChoice = parsed
        .vendor
        .dialect
        .parse()
        .map_err(|e: String| err(Some("vendor.dialect".into()), e))?;
    url::Url::parse(&parsed.vendor.tenant_url)
        .map_err(|e| err(Some("vendor.tenant_url".into()), e.to_string()))?;
    for (section, m) in [("users", &parsed.users), ("groups", &parsed.groups)] {
        let targets: BTreeSet<&str> = m.mapping.iter().map(|r| r.target.as_str()).collect();
        for (i, a) in m.matching.iter().enumerate() {
            if !targets.contains(a.as_str()) {
                return Err(err(
                    Some(format!("{section}.matching[{i}]")),
                    format!("`{a}` is not a mapped target"),
                ));
            }
        }
        for (i, row) in m.mapping.iter().enumerate() {
            check_expression(&row.source, &source, section)
                .map_err(|msg| err(Some(format!("{section}.mapping[{i}].source")), msg))?;
        }
    }
    if !parsed.users.provisioned {
        return Err(err(
            Some("users.provisioned".into()),
            "users are always provisioned; remove the key".into(),
        ));
    }
    if parsed.users.matching.is_empty() {
        return Err(err(
            Some("users.matching".into()),
            "name at least one matching attribute".into(),
        ));
    }
    if parsed.groups.provisioned && parsed.groups.matching.is_empty() {
        return Err(err(
            Some("groups.matching".into()),
            "provisioned groups need a matching attribute".into(),
        ));
    }
    let mut role_functions = Vec::new();
    for f in parsed.roles.function.to_vec() {
        if f == "none" {
            continue;
        }
        if !ROLE_FUNCTIONS.contains(&f.as_str()) {
            return Err(err(
                Some("roles.function".into()),
                format!("`{f}` is not none or one of {}", ROLE_FUNCTIONS.join(", ")),
            ));
        }
        role_functions.push(f);
    }
    let mut role_values = parsed.roles.values.clone();
    for d in DEFAULT_ROLES {
        if role_values.len() >= 3 {
            break;
        }
        if !role_values.iter().any(|v| v == d) {
            role_values.push(d.to_string());
        }
    }
    Ok(VendorProfile {
        file,
        vendor: parsed.vendor,
        dialects,
        users: parsed.users,
        groups: parsed.groups,
        role_functions,
        role_values,
        source,
    })
}

/// Which expressions the generator understands; anything else is a load error, so a profile
/// never silently sends something other than what it says.
fn check_expression(expr: &str, source: &Source, section: &str) -> Result<(), String> {
    let e = expr.trim();
    // `members` and `manager` are references: linked by later PATCHes, never in a create body.
    if e.is_empty()
        || e == "members"
        || e == "manager"
        || e.starts_with("Switch([IsSoftDeleted]")
        || e.starts_with("Not([IsSoftDeleted])")
    {
        return Ok(());
    }
    if ROLE_FUNCTIONS
        .iter()
        .any(|f| e.starts_with(&format!("{f}(")))
    {
        return Ok(());
    }
    let attrs = if section == "users" {
        &source.user
    } else {
        &source.group
    };
    if let Some(args) = e.strip_prefix("Join(").and_then(|r| r.strip_suffix(')')) {
        let (_, rest) = join_args(args)
            .ok_or_else(|| format!("`{expr}`: Join needs a quoted separator first"))?;
        for a in rest {
            let a = a.trim_start_matches('[').trim_end_matches(']');
            if !attrs.contains_key(a) {
                return Err(format!(
                    "Join argument `{a}` is not a source attribute in fixtures/entra-source.toml"
                ));
            }
        }
        return Ok(());
    }
    let bare = e.trim_start_matches('[').trim_end_matches(']');
    if attrs.contains_key(bare) {
        return Ok(());
    }
    Err(format!(
        "unsupported source `{expr}`: use a source attribute of fixtures/entra-source.toml ({}), Join(\"sep\", [a], [b]), Switch([IsSoftDeleted], ...), a role function, or \"\" when the guide names none",
        attrs.keys().cloned().collect::<Vec<_>>().join(", ")
    ))
}

impl VendorProfile {
    /// The vendor id (file stem).
    pub fn id(&self) -> &str {
        &self.vendor.id
    }

    /// What the vendor's Entra app sends: `groups`, `roles:<function>`, `user:<target>`,
    /// `group:<target>`, `match:users:<attr>`, `match:groups:<attr>`.
    pub fn capabilities(&self) -> BTreeSet<String> {
        let mut caps = self.users.capabilities("user", "users");
        if self.groups.provisioned {
            caps.insert("groups".into());
            caps.extend(self.groups.capabilities("group", "groups"));
        }
        caps.extend(self.role_functions.iter().map(|f| format!("roles:{f}")));
        caps
    }

    /// Why an entry with these needs cannot run for this vendor, if it cannot (short: it is
    /// shown beside the trial name).
    pub fn unmet(&self, needs: &[String]) -> Option<String> {
        let caps = self.capabilities();
        let missing: Vec<String> = needs
            .iter()
            .filter(|n| !caps.contains(*n))
            .map(|n| short_need(n))
            .collect();
        if missing.is_empty() {
            None
        } else {
            Some(format!("{} has no {}", self.vendor.id, missing.join(", ")))
        }
    }

    /// The path of the tenant URL (where the emulation serves SCIM), without a trailing `/`.
    pub fn base_path(&self) -> String {
        url::Url::parse(&self.vendor.tenant_url)
            .map(|u| u.path().trim_end_matches('/').to_string())
            .unwrap_or_default()
    }

    /// The reference server configured to behave as the guide documents: served under the
    /// tenant URL's path, `/Groups` only when groups are provisioned, the required attributes
    /// enforced.
    pub fn emulation(&self, token: &str) -> ServerConfig {
        let mut c = ServerConfig::new(token);
        c.base_path = self.base_path();
        c.groups_enabled = self.groups.provisioned;
        c.required_user_attributes = self.users.required.clone();
        c.required_group_attributes = if self.groups.provisioned {
            self.groups.required.clone()
        } else {
            Vec::new()
        };
        c
    }

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
        let mut schemas = vec![json!(if user { CORE_USER } else { CORE_GROUP })];
        if !user && dialect.unwrap_or(Dialect::Legacy) == Dialect::Legacy {
            schemas.push(json!(ADSCIM_GROUP));
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
            let Some(value) = self.evaluate(&row.source, src, target) else {
                continue;
            };
            values.insert(target.to_string(), value.clone());
            insert_target(&mut body, target, value);
            if target.starts_with(ENTERPRISE) && !schemas.contains(&json!(ENTERPRISE)) {
                schemas.push(json!(ENTERPRISE));
            }
        }
        body.insert("schemas".into(), Value::Array(schemas));
        body.insert(
            "meta".into(),
            json!({"resourceType": if user { "User" } else { "Group" }}),
        );
        (Value::Object(body), values)
    }

    fn evaluate(&self, expr: &str, src: &IndexMap<String, String>, target: &str) -> Option<Value> {
        let e = expr.trim();
        if e.is_empty() {
            return None;
        }
        if target == "active"
            || e.starts_with("Switch([IsSoftDeleted]")
            || e.starts_with("Not([IsSoftDeleted])")
        {
            return Some(Value::Bool(true));
        }
        if let Some(f) = ROLE_FUNCTIONS
            .iter()
            .find(|f| e.starts_with(&format!("{f}(")))
        {
            return Some(Value::Array(vec![role_object(f, &self.role_values[0])]));
        }
        if let Some((sep, rest)) = e
            .strip_prefix("Join(")
            .and_then(|r| r.strip_suffix(')'))
            .and_then(join_args)
        {
            let joined: Vec<&str> = rest
                .iter()
                .filter_map(|a| {
                    src.get(a.trim_start_matches('[').trim_end_matches(']'))
                        .map(String::as_str)
                })
                .collect();
            return Some(Value::String(joined.join(&sep)));
        }
        src.get(e.trim_start_matches('[').trim_end_matches(']'))
            .map(|v| Value::String(v.clone()))
    }
}

/// `"sep", [a], [b]` -> (`sep`, [`[a]`, `[b]`]): the separator is a quoted string (it may hold
/// commas), the rest are comma-separated.
fn join_args(args: &str) -> Option<(String, Vec<String>)> {
    let rest = args.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    let sep = rest[..end].to_string();
    let tail = rest[end + 1..].trim_start().strip_prefix(',').unwrap_or("");
    Some((
        sep,
        tail.split(',')
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
    ))
}

/// A capability in a few words: `user:urn:...:User:department` -> `department`.
fn short_need(need: &str) -> String {
    let (kind, rest) = need.split_once(':').unwrap_or((need, ""));
    match kind {
        "user" => rest
            .strip_prefix(ENTERPRISE)
            .map(|a| a.trim_start_matches(':').to_string())
            .unwrap_or_else(|| rest.to_string()),
        "group" => format!("group {rest}"),
        "roles" => format!("{rest} roles"),
        "match" => rest.replacen(':', " matching on ", 1),
        _ => need.to_string(),
    }
}

/// One role object in the shape a role function sends on create.
pub fn role_object(function: &str, value: &str) -> Value {
    match function {
        "SingleAppRoleAssignment" => json!({"primary": true, "type": ROLE_TYPE, "value": value}),
        "AppRoleAssignmentsComplex" => {
            json!({"primary": false, "type": ROLE_TYPE, "displayName": value, "value": value})
        }
        _ => json!({"primary": false, "type": ROLE_TYPE, "display": value, "value": value}),
    }
}

/// `attr eq "value"` with `"` and `\` escaped inside the value.
fn filter_eq(attr: &str, value: &Value) -> String {
    let text = crate::suite::template::as_text(value)
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    format!("{attr} eq \"{text}\"")
}

/// Puts a value at a SCIM target path inside a body: `a`, `a.b`, `a[type eq "x"].b`, or an
/// extension URN path `urn:...:User:attr`.
fn insert_target(body: &mut Map<String, Value>, target: &str, value: Value) {
    if let Some(attr) = target
        .strip_prefix(ENTERPRISE)
        .and_then(|r| r.strip_prefix(':'))
    {
        let ext = body.entry(ENTERPRISE).or_insert_with(|| json!({}));
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

    fn profiles() -> Vec<VendorProfile> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let source = load_source(&root.join("entra-source.toml")).unwrap();
        load_dir(&root.join("vendors"), source).unwrap()
    }

    fn vars_for(id: &str, dialect: Option<Dialect>) -> Vars {
        let p = profiles().into_iter().find(|p| p.id() == id).unwrap();
        let mut v = Vars::new();
        v.set("tag", json!("scimconf-r-1"));
        p.set_vars(&mut v, dialect).unwrap();
        v
    }

    #[test]
    fn every_committed_profile_loads() {
        let ids: Vec<String> = profiles().iter().map(|p| p.id().to_string()).collect();
        for want in [
            "entra-default",
            "zenya",
            "zenvoices",
            "zero",
            "zscaler-private-access",
            "zenkit",
        ] {
            assert!(ids.iter().any(|i| i == want), "{want} missing from {ids:?}");
        }
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
        assert_eq!(body["schemas"], json!([CORE_USER, ENTERPRISE]));
        assert!(
            body[ENTERPRISE].get("manager").is_none(),
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
            json!(ADSCIM_GROUP)
        );
    }

    #[test]
    fn zenvoices_has_no_groups_and_assertive_roles() {
        let p = profiles()
            .into_iter()
            .find(|p| p.id() == "zenvoices")
            .unwrap();
        let caps = p.capabilities();
        assert!(!caps.contains("groups"));
        assert!(caps.contains("roles:AssertiveAppRoleAssignmentsComplex"));
        assert_eq!(
            p.unmet(&["groups".into()]).unwrap(),
            "zenvoices has no groups"
        );
        assert_eq!(
            p.unmet(&[
                format!("user:{ENTERPRISE}:manager"),
                "match:groups:displayName".into()
            ])
            .unwrap(),
            "zenvoices has no manager, groups matching on displayName"
        );
        assert!(!p.emulation("t").groups_enabled);
        assert_eq!(p.base_path(), "/api/scim/entra/1234");
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
        insert_target(&mut m, &format!("{ENTERPRISE}:department"), json!("D"));
        assert_eq!(
            Value::Object(m),
            json!({"phoneNumbers": [{"type": "work", "value": "1"}, {"type": "mobile", "value": "2"}],
                   "addresses": [{"type": "work", "locality": "L"}], "name": {"givenName": "A"},
                   ENTERPRISE: {"department": "D"}})
        );
    }

    #[test]
    fn unsupported_expressions_are_load_errors() {
        let src = Source {
            user: [("mail".to_string(), "m".to_string())]
                .into_iter()
                .collect(),
            group: IndexMap::new(),
        };
        assert!(check_expression("ToLower([mail])", &src, "users").is_err());
        assert!(check_expression("Join(\" \", [mail], [nope])", &src, "users").is_err());
        assert!(check_expression("[mail]", &src, "users").is_ok());
        assert!(check_expression("Join(\", \", [mail], [mail])", &src, "users").is_ok());
        assert_eq!(
            join_args("\", \", [a], [b]"),
            Some((", ".to_string(), vec!["[a]".to_string(), "[b]".to_string()]))
        );
    }
}
