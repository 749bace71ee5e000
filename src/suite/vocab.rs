//! The contract between suites and vendor profiles: the variables every profile provides to a
//! trial, and the grammar of capabilities an entry may `need`. Profiles implement it; suites
//! are checked against it at load time.

use crate::core::scim::ROLE_FUNCTIONS;

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
    "user_values",
    "group_values",
    "roles_1",
    "roles_12",
    "roles_123",
    "op_add",
    "op_replace",
    "active_false",
    "op_remove",
    "role1_display",
    "role2_display",
    "role3_display",
    "roles_3",
    "mapped_users_targets",
    "mapped_groups_targets",
];

/// Variables drawn from the Entra source objects (`src_user_<attr>`, `src_group_<attr>`): any
/// name with this prefix is accepted by the loader.
pub const SOURCE_VAR_PREFIX: &str = "src_";

/// Profile options a capability can name (`option:<name>`): what a vendor's guide says it does
/// differently from Entra's defaults.
pub const OPTIONS: &[&str] = &["split-roles", "delete-deactivates", "manager-string"];

/// What a run's target may offer besides the profile (`target:<name>`): `oauth` when the run
/// uses OAuth client credentials (`--token-url`).
pub const TARGET: &[&str] = &["oauth"];

/// Checks a capability name as vendor profiles provide them: `groups`, `roles:<function>`,
/// `user:<attribute>`, `group:<attribute>`, `match:users:<attribute>`, `match:groups:<attribute>`.
pub fn check_need(need: &str) -> Result<(), String> {
    let ok = match need.split_once(':') {
        None => need == "groups",
        Some(("roles", f)) => ROLE_FUNCTIONS.contains(&f),
        Some(("option", o)) => OPTIONS.contains(&o),
        Some(("target", t)) => TARGET.contains(&t),
        Some(("user" | "group", attr)) => !attr.is_empty(),
        Some(("match", rest)) => rest
            .split_once(':')
            .is_some_and(|(kind, attr)| matches!(kind, "users" | "groups") && !attr.is_empty()),
        Some(_) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{need}` is not a capability: groups, roles:<{}>, option:<{}>, target:oauth, user:<attribute>, group:<attribute>, match:users:<attribute>, match:groups:<attribute>",
            ROLE_FUNCTIONS.join("|"),
            OPTIONS.join("|")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities() {
        for ok in [
            "groups",
            "roles:SingleAppRoleAssignment",
            "user:userName",
            "match:groups:externalId",
        ] {
            assert!(check_need(ok).is_ok(), "{ok}");
        }
        for bad in ["group", "roles:Nope", "user:", "match:things:x", "x:y"] {
            assert!(check_need(bad).is_err(), "{bad}");
        }
    }
}
