//! The vendor profile file format (`fixtures/vendors/<vendor>.toml`) and the Entra source
//! objects (`fixtures/entra-source.toml`), as serde types.

use indexmap::IndexMap;
use serde::Deserialize;

use super::expr::Expr;
use crate::suite::model::OneOrMany;

/// One `target <- source` row of an attribute mapping.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// SCIM attribute path as Entra writes it.
    pub target: String,
    /// Entra source attribute or expression; empty when the guide names none (never sent).
    pub source: String,
    /// Entra's `defaultValue`: sent when the source evaluates to null.
    #[serde(default)]
    pub default: Option<String>,
    /// Entra's `flowType`: `Always` (the default: sent on create and update) or
    /// `ObjectAddOnly` (sent only when the object is created).
    #[serde(default)]
    pub flow: Option<String>,
    /// `source`, parsed when the profile loads.
    #[serde(skip)]
    pub expr: Expr,
}

impl Mapping {
    /// Whether Entra sends this attribute only on create (`flowType = ObjectAddOnly`).
    pub fn add_only(&self) -> bool {
        self.flow.as_deref() == Some("ObjectAddOnly")
    }
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
    /// What the vendor does when Entra DELETEs a user (users only): `delete` (the default: the
    /// user is gone) or `deactivate` (the guide says removed users are set to inactive).
    #[serde(default)]
    pub on_delete: Option<String>,
    /// How the vendor's guide types the enterprise manager (users only): `reference` (the
    /// default: read back as `{"value": id}`) or `string` (the guide's attribute table says
    /// String).
    #[serde(default)]
    pub manager_type: Option<String>,
}

fn yes() -> bool {
    true
}

/// `[roles]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// `none`, or one or more of Entra's role functions.
    pub function: OneOrMany<String>,
    /// Role values the guide names, verbatim.
    #[serde(default)]
    pub values: Vec<String>,
    /// A separator the guide says splits one role value into several roles (Zenvoices:
    /// `Uploader,Authorizer` is two roles).
    #[serde(default)]
    pub split: Option<String>,
    /// Display names the guide gives app roles whose display differs from their value
    /// (value -> display name); a role without one is displayed as its value.
    #[serde(default)]
    pub display: IndexMap<String, String>,
}

/// A whole profile file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    /// `[vendor]`.
    pub vendor: VendorInfo,
    /// `[users]`.
    pub users: ResourceMapping,
    /// `[groups]`.
    pub groups: ResourceMapping,
    /// `[roles]`.
    pub roles: Roles,
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
