//! Vendor profiles (`fixtures/vendors/<vendor>.toml`): how one vendor's Entra app is configured,
//! as its setup guide says — attribute mappings, matching attributes, groups, role function,
//! tenant URL shape, expected dialect — and what follows from it: the capabilities entries may
//! need and the variables that shape every request ([`generate`]).
//!
//! [`model`] is the file format, [`load`] reads and checks it, [`expr`] parses mapping
//! expressions once.

pub mod expr;
pub mod expression;
pub mod generate;
pub mod import;
pub mod load;
pub mod model;

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::core::dialect::DialectChoice;
use crate::core::scim::ENTERPRISE_USER_SCHEMA;
pub use load::{load_all, ProfileError};
use model::{ResourceMapping, Source, VendorInfo};

/// Why an entry cannot run for a vendor ([`VendorProfile::unmet`]), shown beside the trial name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unmet {
    /// The vendor's Entra app does not send these (short names: `manager`, `groups`).
    NotSent {
        /// The vendor profile's id.
        vendor: String,
        /// What it does not send, in the entry's order.
        what: Vec<String>,
    },
    /// The run lacks what the entry needs (OAuth client credentials, say).
    Run {
        /// The vendor profile's id.
        vendor: String,
        /// What is missing, in words.
        why: String,
    },
}

impl std::fmt::Display for Unmet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unmet::NotSent { vendor, what } => {
                write!(f, "{vendor}'s Entra app does not send {}", what.join(", "))
            }
            Unmet::Run { vendor, why } => write!(f, "{vendor}: {why}"),
        }
    }
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
    /// The separator that splits one role value into several roles, if the guide names one.
    pub role_split: Option<String>,
    /// Display names of roles whose display differs from their value.
    pub role_display: indexmap::IndexMap<String, String>,
    /// Whether the vendor deactivates a user Entra DELETEs instead of deleting it.
    pub delete_deactivates: bool,
    /// Whether the vendor's guide types the manager as a String.
    pub manager_string: bool,
    /// The Entra source objects values are drawn from.
    pub source: Arc<Source>,
}

impl ResourceMapping {
    /// `<kind>:<target>` for every target sent (a non-empty source), and
    /// `match:<plural>:<attr>` for every matching attribute.
    fn capabilities(&self, kind: &str, plural: &str) -> BTreeSet<String> {
        let sent = self.mapping.iter().filter(|r| r.expr.is_sent());
        sent.map(|r| format!("{kind}:{}", r.target))
            .chain(self.matching.iter().map(|m| format!("match:{plural}:{m}")))
            .collect()
    }
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
        if self.role_split.is_some() {
            caps.insert("option:split-roles".into());
        }
        if self.delete_deactivates {
            caps.insert("option:delete-deactivates".into());
        }
        if self.manager_string {
            caps.insert("option:manager-string".into());
        }
        caps
    }

    /// Why an entry with these needs cannot run for this vendor, if it cannot.
    pub fn unmet(&self, needs: &[String]) -> Option<Unmet> {
        let caps = self.capabilities();
        let (target, missing): (Vec<&String>, Vec<&String>) = needs
            .iter()
            .filter(|n| !caps.contains(*n))
            .partition(|n| n.starts_with("target:"));
        let vendor = self.vendor.id.clone();
        if let Some(t) = target.first() {
            let why = match t.as_str() {
                "target:oauth" => "runs only with OAuth client credentials (--token-url)".into(),
                other => format!("the run lacks {other}"),
            };
            return Some(Unmet::Run { vendor, why });
        }
        (!missing.is_empty()).then(|| Unmet::NotSent {
            vendor,
            what: missing.iter().map(|n| short_need(n)).collect(),
        })
    }

    /// The path of the tenant URL (where an emulation serves SCIM), without a trailing `/`.
    pub fn base_path(&self) -> String {
        url::Url::parse(&self.vendor.tenant_url)
            .map(|u| u.path().trim_end_matches('/').to_string())
            .unwrap_or_default()
    }
}

/// A capability in a few words: `user:urn:...:User:department` -> `department`.
fn short_need(need: &str) -> String {
    let (kind, rest) = need.split_once(':').unwrap_or((need, ""));
    match kind {
        "user" => rest
            .strip_prefix(ENTERPRISE_USER_SCHEMA)
            .map(|a| a.trim_start_matches(':').to_string())
            .unwrap_or_else(|| rest.to_string()),
        "group" => format!("group {rest}"),
        "groups" | "" if rest.is_empty() => "groups".into(),
        "roles" => format!("{rest} roles"),
        "match" => rest.replacen(':', " matching on ", 1),
        "option" => format!("the `{rest}` behaviour of its guide"),
        _ => need.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::files::Tree;

    /// The package's profiles (embedded copies).
    pub(crate) fn profiles() -> Vec<VendorProfile> {
        load_all(&Tree::Embedded("fixtures")).unwrap()
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
    fn zenvoices_has_no_groups_and_assertive_roles() {
        let p = profiles()
            .into_iter()
            .find(|p| p.id() == "zenvoices")
            .unwrap();
        let caps = p.capabilities();
        assert!(!caps.contains("groups"));
        assert!(caps.contains("roles:AssertiveAppRoleAssignmentsComplex"));
        assert_eq!(
            p.unmet(&["groups".into()]).unwrap().to_string(),
            "zenvoices's Entra app does not send groups"
        );
        assert_eq!(
            p.unmet(&[
                format!("user:{ENTERPRISE_USER_SCHEMA}:manager"),
                "match:groups:displayName".into()
            ])
            .unwrap()
            .to_string(),
            "zenvoices's Entra app does not send manager, groups matching on displayName"
        );
        assert_eq!(p.base_path(), "/api/scim/entra/1234");
    }

    #[test]
    fn profile_errors_name_line_and_field() {
        let dir = std::env::temp_dir().join(format!("scimconf-prof-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("vendors")).unwrap();
        let fixtures = Tree::Embedded("fixtures");
        std::fs::write(
            dir.join("entra-source.toml"),
            fixtures.read("entra-source.toml").unwrap(),
        )
        .unwrap();
        let good = fixtures.read_string("vendors/zenkit.toml").unwrap();
        let bad = good.replacen("matching = ", "matchnig = ", 1);
        std::fs::write(dir.join("vendors/zenkit.toml"), &bad).unwrap();
        let err = load_all(&Tree::Disk(dir.clone())).unwrap_err();
        let line = bad.lines().position(|l| l.starts_with("matchnig")).unwrap() + 1;
        assert_eq!(err.position.map(|p| p.line), Some(line), "{err}");
        assert!(err.to_string().contains("matchnig"), "{err}");
        let bad = good.replacen("source = \"mail\"", "source = \"Now()\"", 1);
        std::fs::write(dir.join("vendors/zenkit.toml"), &bad).unwrap();
        let err = load_all(&Tree::Disk(dir.clone())).unwrap_err();
        assert!(
            err.field.as_deref().is_some_and(|f| f.ends_with(".source")),
            "{err}"
        );
        assert!(err.position.is_some(), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }
}
