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

/// The sources an entry may cite (`source = [...]`), by the short names of
/// `entra-protocol.md` §0, with what each is; a citation is a name, optionally followed by a
/// section (`RFC7644 §3.6`). §12 of that file says which level each source supports: Microsoft's
/// provisioning docs and captures of Entra's traffic `entra`, the gallery's Logic App and SCIM
/// Validator `gallery`, the RFCs alone `rfc`.
pub const SOURCES: &[(&str, &str)] = &[
    ("ED-SCIM", "Microsoft Learn: Tutorial - Develop and plan provisioning for a SCIM endpoint"),
    ("ED-COMPAT", "Microsoft Learn: Known issues and resolutions with SCIM 2.0 protocol compliance (aadOptscim062020)"),
    ("AZ-COMPAT-2020", "The same compatibility page as of 2020 (the flag's examples)"),
    ("AZ-COMPAT-2022", "The same compatibility page as of 2022"),
    ("ED-ATTR", "Microsoft Learn: Customize user provisioning attribute-mappings"),
    ("ED-FUNC", "Microsoft Learn: Reference for writing expressions for attribute mappings"),
    ("ED-HOW", "Microsoft Learn: How application provisioning works"),
    ("ED-KNOWN", "Microsoft Learn: Known issues for provisioning"),
    ("ED-VAL", "Microsoft Learn: Tutorial - Validate a SCIM endpoint (SCIM Validator)"),
    ("ED-QUAR", "Microsoft Learn: Application provisioning in quarantine status"),
    ("ED-WHEN", "Microsoft Learn: When will provisioning finish for a specific user"),
    ("ED-POD", "Microsoft Learn: On-demand provisioning"),
    ("ED-DISC", "Microsoft Learn: Account discovery"),
    ("ED-CLEAR", "Microsoft Learn: Clear attribute values (not supported for outbound provisioning)"),
    ("ED-SKIP", "Microsoft Learn: Skip deletion of out-of-scope users"),
    ("ED-LOGS", "Microsoft Learn: Provisioning logs (error codes)"),
    ("AZ-2017", "Microsoft's 2016-2017 SCIM provisioning article"),
    ("RC-POSTMAN", "AzureAD/SCIMReferenceCode Postman collection"),
    ("RC-LA", "AzureAD/SCIMReferenceCode gallery validation Logic App (25 tests)"),
    ("RC-CHECK", "AzureAD/SCIMReferenceCode gallery onboarding checklist"),
    ("PR-VAL", "Microsoft SCIM Validator result files, as transcribed by pranems/SCIMServer"),
    ("PR-RCA", "A live Entra tenant's provisioning traffic, as analysed by pranems/SCIMServer"),
    ("OBS", "A third party's capture of Entra's traffic (name the issue in the entry's doc)"),
    ("RFC7643", "RFC 7643, SCIM core schema"),
    ("RFC7644", "RFC 7644, SCIM protocol"),
    ("RFC7235", "RFC 7235, HTTP authentication"),
];

/// Checks one citation: a known short name, optionally followed by a space and a section.
pub fn check_source(citation: &str) -> Result<(), String> {
    let name = citation.split_once(' ').map_or(citation, |(n, _)| n);
    if SOURCES.iter().any(|(s, _)| *s == name) {
        Ok(())
    } else {
        Err(format!(
            "`{citation}` does not cite a known source: one of {} (optionally followed by a section, `RFC7644 §3.6`)",
            SOURCES.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ")
        ))
    }
}

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
