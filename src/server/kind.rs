//! The two resource types the server stores, and their fixed facts (endpoint, schema, unique
//! attribute).

use crate::core::scim::{GROUP_SCHEMA, USER_SCHEMA};

/// The two resource types the server stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

impl ResourceKind {
    /// Parses `User`, `Users`, `Group` or `Groups` (any case).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "user" | "users" => Some(ResourceKind::User),
            "group" | "groups" => Some(ResourceKind::Group),
            _ => None,
        }
    }

    /// The endpoint segment, `Users` or `Groups`.
    pub fn endpoint(&self) -> &'static str {
        match self {
            ResourceKind::User => "Users",
            ResourceKind::Group => "Groups",
        }
    }

    /// The `meta.resourceType` value, `User` or `Group`.
    pub fn resource_type(&self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }

    /// The core schema URN.
    pub fn core_schema(&self) -> &'static str {
        match self {
            ResourceKind::User => USER_SCHEMA,
            ResourceKind::Group => GROUP_SCHEMA,
        }
    }

    /// The attribute that must be unique (case-insensitively): `userName` or `displayName`.
    pub fn unique_attribute(&self) -> &'static str {
        match self {
            ResourceKind::User => "userName",
            ResourceKind::Group => "displayName",
        }
    }
}
