//! Reading vendor profiles and the Entra source objects, checking each profile before use. Every
//! error names the file, line and field.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use super::expr::Expr;
use super::model::{ProfileFile, Source};
use super::VendorProfile;
use crate::core::dialect::DialectChoice;
use crate::core::files::Tree;
use crate::core::scim::ROLE_FUNCTIONS;
use crate::core::toml_doc::{Doc, Position, TomlError};

/// Role values used when a profile names none.
const DEFAULT_ROLES: [&str; 3] = ["User", "Test", "Admin"];

/// The source objects' file, relative to the fixtures tree.
pub const SOURCE_FILE: &str = "entra-source.toml";
/// The profiles' folder, relative to the fixtures tree.
pub const VENDORS_DIR: &str = "vendors";

/// A profile file that cannot be used, located by file, line and field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileError {
    /// The file as shown.
    pub file: String,
    /// Line and column, when known.
    pub position: Option<Position>,
    /// The field, e.g. `users.mapping[3].source`.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(p) = &self.position {
            write!(f, ":{p}")?;
        }
        if let Some(field) = &self.field {
            write!(f, " › {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ProfileError {}

fn from_toml(file: &str, e: TomlError) -> ProfileError {
    ProfileError {
        file: file.to_string(),
        position: e.position,
        field: e.field,
        message: e.message,
    }
}

/// Loads the Entra source objects and every profile in the fixtures tree, sorted by name.
pub fn load_all(fixtures: &Tree) -> Result<Vec<VendorProfile>, ProfileError> {
    let source = Arc::new(load_source(fixtures)?);
    let files = fixtures
        .files(VENDORS_DIR, "toml")
        .map_err(|e| ProfileError {
            file: fixtures.shown(VENDORS_DIR),
            position: None,
            field: None,
            message: format!("cannot list the vendor profiles: {e}"),
        })?;
    files
        .iter()
        .map(|f| load_file(fixtures, f, source.clone()))
        .collect()
}

/// Loads `entra-source.toml`.
pub fn load_source(fixtures: &Tree) -> Result<Source, ProfileError> {
    let file = fixtures.shown(SOURCE_FILE);
    let text = fixtures
        .read_string(SOURCE_FILE)
        .map_err(|e| ProfileError {
            file: file.clone(),
            position: None,
            field: None,
            message: format!("cannot read: {e}"),
        })?;
    let doc = Doc::parse(&text).map_err(|e| from_toml(&file, e))?;
    doc.deserialize().map_err(|e| from_toml(&file, e))
}

/// Loads and checks one profile (`rel` relative to the fixtures tree).
pub fn load_file(
    fixtures: &Tree,
    rel: &str,
    source: Arc<Source>,
) -> Result<VendorProfile, ProfileError> {
    let file = fixtures.shown(rel);
    let text = fixtures.read_string(rel).map_err(|e| ProfileError {
        file: file.clone(),
        position: None,
        field: None,
        message: format!("cannot read: {e}"),
    })?;
    let stem = rel
        .rsplit('/')
        .next()
        .unwrap_or(rel)
        .trim_end_matches(".toml");
    parse_profile(file, stem, &text, source)
}

/// Parses and checks one profile's text (`file` as shown in errors; `stem` the name its
/// `vendor.id` must equal).
pub fn parse_profile(
    file: String,
    stem: &str,
    text: &str,
    source: Arc<Source>,
) -> Result<VendorProfile, ProfileError> {
    let doc = Doc::parse(text).map_err(|e| from_toml(&file, e))?;
    let mut parsed: ProfileFile = doc.deserialize().map_err(|e| from_toml(&file, e))?;
    let err = |field: &str, message: String| {
        let (top, rest) = field.split_once('.').unwrap_or((field, ""));
        let position = doc.get(top).map(|v| doc.position_in(v, rest));
        ProfileError {
            file: file.clone(),
            position,
            field: Some(field.to_string()),
            message,
        }
    };
    if parsed.vendor.id != stem {
        return Err(err(
            "vendor.id",
            format!("`{}` must equal the file name `{stem}`", parsed.vendor.id),
        ));
    }
    let dialects: DialectChoice = parsed
        .vendor
        .dialect
        .parse()
        .map_err(|e: String| err("vendor.dialect", e))?;
    url::Url::parse(&parsed.vendor.tenant_url)
        .map_err(|e| err("vendor.tenant_url", e.to_string()))?;
    for (section, m) in [("users", &mut parsed.users), ("groups", &mut parsed.groups)] {
        let attrs = if section == "users" {
            &source.user
        } else {
            &source.group
        };
        for (i, row) in m.mapping.iter_mut().enumerate() {
            row.expr = Expr::parse(&row.source, attrs)
                .map_err(|msg| err(&format!("{section}.mapping[{i}].source"), msg))?;
            // Evaluated once against the synthetic source (placeholders as they stand): an
            // expression that cannot compute a value for it (a date it cannot read, a bad
            // pattern) is a load error here, not a value silently missing from every request.
            if let Expr::Computed(ast) = &row.expr {
                ast.evaluate(attrs).map_err(|why| {
                    err(
                        &format!("{section}.mapping[{i}].source"),
                        format!("`{}`: {why}", row.source),
                    )
                })?;
            }
            if let Some(flow) = row.flow.as_deref() {
                if !matches!(flow, "Always" | "ObjectAddOnly") {
                    return Err(err(
                        &format!("{section}.mapping[{i}].flow"),
                        format!("`{flow}`: expected \"Always\" or \"ObjectAddOnly\" (Entra's flowType; the other add-only flows apply to multi-valued attributes a profile does not model)"),
                    ));
                }
            }
        }
        let targets: BTreeSet<&str> = m.mapping.iter().map(|r| r.target.as_str()).collect();
        for (i, a) in m.matching.iter().enumerate() {
            if !targets.contains(a.as_str()) {
                return Err(err(
                    &format!("{section}.matching[{i}]"),
                    format!("`{a}` is not a mapped target"),
                ));
            }
        }
    }
    if !parsed.users.provisioned {
        return Err(err(
            "users.provisioned",
            "users are always provisioned; remove the key".into(),
        ));
    }
    if parsed.users.matching.is_empty() {
        return Err(err(
            "users.matching",
            "name at least one matching attribute".into(),
        ));
    }
    if parsed.groups.provisioned && parsed.groups.matching.is_empty() {
        return Err(err(
            "groups.matching",
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
                "roles.function",
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
    let delete_deactivates = match parsed.users.on_delete.as_deref() {
        None | Some("delete") => false,
        Some("deactivate") => true,
        Some(other) => {
            return Err(err(
                "users.on_delete",
                format!("`{other}` is not `delete` or `deactivate`"),
            ))
        }
    };
    let manager_string = match parsed.users.manager_type.as_deref() {
        None | Some("reference") => false,
        Some("string") => true,
        Some(other) => {
            return Err(err(
                "users.manager_type",
                format!("`{other}` is not `reference` or `string`"),
            ))
        }
    };
    if parsed.groups.manager_type.is_some() {
        return Err(err(
            "groups.manager_type",
            "only users have a manager".into(),
        ));
    }
    if parsed.groups.on_delete.is_some() {
        return Err(err(
            "groups.on_delete",
            "only users have `on_delete`".into(),
        ));
    }
    if parsed.roles.split.as_deref() == Some("") {
        return Err(err(
            "roles.split",
            "an empty separator splits nothing".into(),
        ));
    }
    Ok(VendorProfile {
        file,
        vendor: parsed.vendor,
        dialects,
        users: parsed.users,
        groups: parsed.groups,
        role_functions,
        role_values,
        role_split: parsed.roles.split.clone(),
        role_display: parsed.roles.display.clone(),
        delete_deactivates,
        manager_string,
        source,
    })
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    fn source() -> Arc<Source> {
        Arc::new(load_source(&Tree::Embedded("fixtures")).expect("the embedded source loads"))
    }

    fn shaped(target: &str, expr: &str) -> String {
        format!(
            "[vendor]\nid = \"x\"\ntitle = \"X\"\nseed = \"s\"\ntenant_url = \"https://x.example\"\ndialect = \"legacy\"\n\
             [users]\nmatching = [\"userName\"]\nmapping = [\n  {{ target = \"userName\", source = \"userPrincipalName\" }},\n  {{ target = {target:?}, source = {expr:?} }},\n]\n\
             [groups]\nprovisioned = false\n[roles]\nfunction = \"none\"\n"
        )
    }

    #[test]
    fn the_shaped_profile_loads_when_its_mapping_is_valid() {
        let p = parse_profile(
            "x.toml".into(),
            "x",
            &shaped("displayName", "displayName"),
            source(),
        );
        assert!(p.is_ok(), "{:?}", p.err().map(|e| e.to_string()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Arbitrary text is a profile or an error naming the file, never a panic.
        #[test]
        fn any_text_loads_or_errs(t in "\\PC*") {
            if let Err(e) = parse_profile("x.toml".into(), "x", &t, source()) {
                prop_assert!(e.to_string().starts_with("x.toml"), "{}", e);
            }
        }

        /// A profile with an arbitrary mapping source expression (the Entra expression
        /// grammar) and target: never a panic; an error names the field and its line.
        #[test]
        fn any_mapping_loads_or_errs(target in "[A-Za-z.:\\[\\] \"=]{1,24}", expr in "\\PC{0,40}") {
            let t = shaped(&target, &expr);
            if let Err(e) = parse_profile("x.toml".into(), "x", &t, source()) {
                prop_assert!(e.to_string().starts_with("x.toml"), "{}", e);
            }
        }
    }
}
