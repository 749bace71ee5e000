//! Requests a picky or broken server refuses: the fault-switched checks on create/replace bodies
//! and on filters, each answering the SCIM error such a server would.

use crate::core::scim::ADSCIM_GROUP_SCHEMA;
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::filter::Filter;
use crate::server::util::get_ci;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The items of `emails` that are objects (none when absent or not an array).
fn email_items(body: &Map<String, Value>) -> impl Iterator<Item = &Map<String, Value>> {
    get_ci(body, "emails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

/// Checks a User body on POST and PUT (`user-body-refused`: no `primary` or `type` on emails).
pub fn check_user_body(
    body: &Map<String, Value>,
    faults: &BTreeSet<Fault>,
) -> Result<(), ScimError> {
    if faults.contains(&Fault::UserBodyRefused)
        && email_items(body).any(|e| get_ci(e, "primary").is_some() || get_ci(e, "type").is_some())
    {
        return Err(ScimError::InvalidValue(
            "emails items may only carry a value".into(),
        ));
    }
    Ok(())
}

/// True if `s` looks like an email address: `local@domain.tld`.
fn is_email(s: &str) -> bool {
    match s.trim().split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain
                    .split_once('.')
                    .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
        }
        None => false,
    }
}

/// Checks a User body on POST only (`email-required`: a userName that is not an email address
/// needs a work email).
pub fn check_user_create(
    body: &Map<String, Value>,
    faults: &BTreeSet<Fault>,
) -> Result<(), ScimError> {
    if !faults.contains(&Fault::EmailRequired) {
        return Ok(());
    }
    let user_name = get_ci(body, "userName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let work_email = email_items(body).any(|e| {
        get_ci(e, "type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("work"))
            && get_ci(e, "value")
                .and_then(Value::as_str)
                .is_some_and(|v| !v.trim().is_empty())
    });
    if is_email(user_name) || work_email {
        Ok(())
    } else {
        Err(ScimError::InvalidValue(
            "a user whose userName is not an email address needs a work email".into(),
        ))
    }
}

/// Checks a Group body on POST (`group-urn-refused`: Entra's ADSCIM URN in `schemas`).
pub fn check_group_create(
    body: &Map<String, Value>,
    faults: &BTreeSet<Fault>,
) -> Result<(), ScimError> {
    let adscim = get_ci(body, "schemas")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|s| s.eq_ignore_ascii_case(ADSCIM_GROUP_SCHEMA));
    if faults.contains(&Fault::GroupUrnRefused) && adscim {
        return Err(ScimError::InvalidValue(format!(
            "unsupported schema {ADSCIM_GROUP_SCHEMA}"
        )));
    }
    Ok(())
}

/// Checks a group create body as sent, before normalisation (`empty-members-refused`,
/// `members-key-required`).
pub fn check_group_create_raw(body: &Value, faults: &BTreeSet<Fault>) -> Result<(), ScimError> {
    let members = body.as_object().and_then(|m| get_ci(m, "members"));
    let empty_members = members.and_then(Value::as_array).is_some_and(Vec::is_empty);
    if faults.contains(&Fault::EmptyMembersRefused) && empty_members {
        return Err(ScimError::InvalidValue(
            "members must name at least one member".into(),
        ));
    }
    if faults.contains(&Fault::MembersKeyRequired) && members.is_none() {
        return Err(ScimError::InvalidValue(
            "attribute 'members' is required".into(),
        ));
    }
    Ok(())
}

/// Checks a user create body as sent, before normalisation (`name-required`,
/// `roles-refused-on-create`, `manager-bare-id-refused`).
pub fn check_user_create_raw(body: &Value, faults: &BTreeSet<Fault>) -> Result<(), ScimError> {
    let Some(map) = body.as_object() else {
        return Ok(());
    };
    if faults.contains(&Fault::SchemaWithoutDataRefused) {
        let listed = get_ci(map, "schemas")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|s| s.to_ascii_lowercase().contains(":extension:"));
        for urn in listed {
            if get_ci(map, urn).is_none() {
                return Err(ScimError::InvalidValue(format!(
                    "schemas lists {urn}, but the body has no such extension"
                )));
            }
        }
    }
    if faults.contains(&Fault::NameRequired) {
        let named = get_ci(map, "name")
            .and_then(Value::as_object)
            .is_some_and(|n| {
                ["givenName", "familyName", "formatted"].iter().any(|k| {
                    get_ci(n, k)
                        .and_then(Value::as_str)
                        .is_some_and(|v| !v.is_empty())
                })
            });
        if !named {
            return Err(ScimError::InvalidValue(
                "attribute 'name' is required".into(),
            ));
        }
    }
    if faults.contains(&Fault::RolesRefusedOnCreate)
        && get_ci(map, "roles")
            .and_then(Value::as_array)
            .is_some_and(|r| !r.is_empty())
    {
        return Err(ScimError::InvalidValue(
            "roles cannot be assigned when a user is created".into(),
        ));
    }
    let bare_manager = get_ci(map, crate::core::scim::ENTERPRISE_USER_SCHEMA)
        .and_then(Value::as_object)
        .and_then(|ext| get_ci(ext, "manager"))
        .is_some_and(Value::is_string);
    if faults.contains(&Fault::ManagerBareIdRefused) && bare_manager {
        return Err(ScimError::InvalidValue(
            "manager must be a complex attribute with a value".into(),
        ));
    }
    Ok(())
}

/// Checks a PATCH body as sent (`manager-bare-id-refused`: a bare id string as the manager's
/// value, a non-empty one: clearing with `""` stays accepted).
pub fn check_patch_raw(body: &Value, faults: &BTreeSet<Fault>) -> Result<(), ScimError> {
    if !faults.contains(&Fault::ManagerBareIdRefused) {
        return Ok(());
    }
    let ops = body
        .as_object()
        .and_then(|m| get_ci(m, "Operations"))
        .and_then(Value::as_array);
    for op in ops.into_iter().flatten().filter_map(Value::as_object) {
        let path = get_ci(op, "path").and_then(Value::as_str).unwrap_or("");
        let bare = get_ci(op, "value")
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty());
        if path.to_ascii_lowercase().ends_with(":manager") && bare {
            return Err(ScimError::InvalidValue(
                "manager must be a complex attribute with a value".into(),
            ));
        }
    }
    Ok(())
}

/// True for the characters Entra documents it cannot filter on: an apostrophe, a plus sign, a
/// non-ASCII letter.
fn special(c: char) -> bool {
    c == '\'' || c == '+' || (c.is_alphabetic() && !c.is_ascii())
}

/// Checks a parsed filter (`filter-special-chars-400`, `members-unverifiable`).
pub fn check_filter(filter: &Filter, faults: &BTreeSet<Fault>) -> Result<(), ScimError> {
    if faults.contains(&Fault::FilterSpecialChars400)
        && filter
            .literals()
            .iter()
            .filter_map(|v| v.as_str())
            .any(|s| s.chars().any(special))
    {
        return Err(ScimError::InvalidFilter(
            "filter values with special characters are not supported".into(),
        ));
    }
    if faults.contains(&Fault::FilterGuidRefused)
        && filter
            .literals()
            .iter()
            .filter_map(|v| v.as_str())
            .any(|s| uuid::Uuid::parse_str(s).is_ok())
    {
        return Err(ScimError::InvalidFilter(
            "filter values must not be identifiers".into(),
        ));
    }
    if faults.contains(&Fault::MembersUnverifiable)
        && filter
            .attributes()
            .iter()
            .any(|p| p.urn.is_none() && p.attr.eq_ignore_ascii_case("members"))
    {
        return Err(ScimError::InvalidFilter(
            "filtering on members is not supported".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::filter::parse;
    use serde_json::json;

    fn faults(f: &[Fault]) -> BTreeSet<Fault> {
        f.iter().copied().collect()
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn emails() {
        assert!(is_email("a@b.io"));
        assert!(!is_email("a@b"));
        assert!(!is_email("ab.io"));
        assert!(!is_email("@b.io"));
        assert!(!is_email("a@@b.io"));
        let on = faults(&[Fault::EmailRequired]);
        let bare = obj(json!({"userName": "jdoe"}));
        assert!(matches!(
            check_user_create(&bare, &on),
            Err(ScimError::InvalidValue(_))
        ));
        assert!(check_user_create(&bare, &BTreeSet::new()).is_ok());
        let with_work =
            obj(json!({"userName": "jdoe", "emails": [{"type": "Work", "value": "j@x.io"}]}));
        assert!(check_user_create(&with_work, &on).is_ok());
        let home =
            obj(json!({"userName": "jdoe", "emails": [{"type": "home", "value": "j@x.io"}]}));
        assert!(check_user_create(&home, &on).is_err());
        assert!(check_user_create(&obj(json!({"userName": "j@x.io"})), &on).is_ok());
    }

    #[test]
    fn user_bodies() {
        let on = faults(&[Fault::UserBodyRefused]);
        let entra = obj(
            json!({"userName": "u", "emails": [{"primary": true, "type": "work", "value": "e"}]}),
        );
        assert!(matches!(
            check_user_body(&entra, &on),
            Err(ScimError::InvalidValue(_))
        ));
        assert!(check_user_body(
            &obj(json!({"userName": "u", "emails": [{"value": "e"}]})),
            &on
        )
        .is_ok());
        assert!(check_user_body(&entra, &BTreeSet::new()).is_ok());
    }

    #[test]
    fn filters() {
        let on = faults(&[Fault::FilterSpecialChars400, Fault::MembersUnverifiable]);
        let f = |s: &str| parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        for bad in [
            r#"userName eq "o'neil@x.io""#,
            r#"userName eq "a+b@x.io""#,
            r#"displayName eq "Zoë""#,
            r#"emails[type eq "wörk"]"#,
            r#"members[value eq "u1"]"#,
            r#"id eq "g" and members.value eq "u1""#,
        ] {
            assert!(
                matches!(check_filter(&f(bad), &on), Err(ScimError::InvalidFilter(_))),
                "{bad}"
            );
            assert!(check_filter(&f(bad), &BTreeSet::new()).is_ok());
        }
        assert!(check_filter(&f(r#"userName eq "plain@x.io""#), &on).is_ok());
    }

    #[test]
    fn group_urn() {
        let body = obj(
            json!({"displayName": "g", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", ADSCIM_GROUP_SCHEMA]}),
        );
        assert!(check_group_create(&body, &faults(&[Fault::GroupUrnRefused])).is_err());
        assert!(check_group_create(&body, &BTreeSet::new()).is_ok());
    }
}
