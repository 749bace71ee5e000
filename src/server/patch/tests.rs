//! Unit tests of PATCH application: both Entra dialects, value paths, manager, roles, members,
//! errors and the PATCH faults.

use super::*;
use crate::core::scim::{ENTERPRISE_USER_SCHEMA, PATCH_OP_SCHEMA};
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::store::{MemberInfo, ResourceKind};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const ENT: &str = ENTERPRISE_USER_SCHEMA;

fn lookup(id: &str) -> Option<MemberInfo> {
    match id {
        "u1" => Some(MemberInfo {
            kind: ResourceKind::User,
            display: Some("ann".into()),
        }),
        "u2" => Some(MemberInfo {
            kind: ResourceKind::User,
            display: Some("bob".into()),
        }),
        "g9" => Some(MemberInfo {
            kind: ResourceKind::Group,
            display: Some("Nested".into()),
        }),
        _ => None,
    }
}

fn run_with(
    kind: ResourceKind,
    res: Value,
    ops: Value,
    faults: &[Fault],
) -> Result<Value, ScimError> {
    let faults: BTreeSet<Fault> = faults.iter().copied().collect();
    let body = json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops});
    let ops = parse_patch_body(&body, &faults)?;
    let ctx = PatchContext {
        kind,
        faults: &faults,
        member_info: &lookup,
    };
    apply_patch(&res, &ops, &ctx)
}

fn user_patch(res: Value, ops: Value) -> Value {
    run_with(ResourceKind::User, res, ops, &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn base_user() -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "x", "userName": "ann", "active": true,
           "emails": [{"type": "work", "value": "a@w.example", "primary": true}]})
}

#[test]
fn simple_paths_and_active_coercion() {
    let r = user_patch(
        base_user(),
        json!([
            {"op": "Replace", "path": "displayName", "value": "Ann"},
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "name.givenName", "value": "Ann"},
            {"op": "add", "path": "title", "value": "Boss"},
        ]),
    );
    assert_eq!(r["displayName"], json!("Ann"));
    assert_eq!(r["active"], json!(false));
    assert_eq!(r["name"], json!({"givenName": "Ann"}));
    let r = user_patch(
        r,
        json!([{"op": "remove", "path": "title"}, {"op":"replace","path":"active","value":"TRUE"}]),
    );
    assert!(r.get("title").is_none());
    assert_eq!(r["active"], json!(true));
}

#[test]
fn pathless_keys_are_paths() {
    let r = user_patch(
        base_user(),
        json!([{"op": "replace", "value": {
            "displayName": "D",
            "name.givenName": "G",
            "name": {"familyName": "F"},
            format!("{ENT}:employeeNumber"): "42",
            ENT: {"department": "R&D", "manager": "m1"},
            "active": "False"
        }}]),
    );
    assert_eq!(r["displayName"], json!("D"));
    assert_eq!(r["name"], json!({"givenName": "G", "familyName": "F"}));
    assert!(r.get("name.givenName").is_none());
    assert_eq!(
        r[ENT],
        json!({"employeeNumber": "42", "department": "R&D", "manager": {"value": "m1"}})
    );
    assert_eq!(r["active"], json!(false));
    assert!(r["schemas"]
        .as_array()
        .is_some_and(|s| s.contains(&json!(ENT))));
}

#[test]
fn value_paths_create_update_and_remove() {
    let r = user_patch(
        base_user(),
        json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@w.example"},
            {"op": "add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555"},
            {"op": "add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
            {"op": "add", "path": "roles[primary eq \"True\"].value", "value": "Admin"},
        ]),
    );
    assert_eq!(
        r["emails"],
        json!([{"type": "work", "value": "new@w.example", "primary": true}])
    );
    assert_eq!(
        r["phoneNumbers"],
        json!([{"type": "work", "value": "+1 555"}])
    );
    assert_eq!(
        r["addresses"],
        json!([{"type": "work", "streetAddress": "1 Main St"}])
    );
    assert_eq!(r["roles"], json!([{"primary": true, "value": "Admin"}]));
    let r = user_patch(
        r,
        json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]),
    );
    assert!(r.get("emails").is_none());
    let faulty = run_with(
        ResourceKind::User,
        base_user(),
        json!([
        {"op": "add", "path": "phoneNumbers[type eq \"work\"].value", "value": "1"}]),
        &[Fault::FilteredPathNoCreate],
    );
    assert!(faulty.is_ok_and(|r| r.get("phoneNumbers").is_none()));
    let no_template = run_with(
        ResourceKind::User,
        base_user(),
        json!([
        {"op": "add", "path": "phoneNumbers[type co \"w\"].value", "value": "1"}]),
        &[],
    );
    assert!(matches!(no_template, Err(ScimError::NoTarget(_))));
}

#[test]
fn manager_forms() {
    for (v, want) in [
        (json!("m1"), Some(json!({"value": "m1"}))),
        (json!({"value": "m2"}), Some(json!({"value": "m2"}))),
        (
            json!([{"$ref": null, "value": "m3"}]),
            Some(json!({"value": "m3"})),
        ),
        (json!(""), None),
        (json!({"value": ""}), None),
    ] {
        let start = user_patch(
            base_user(),
            json!([{"op":"add","path":format!("{ENT}:manager"),"value":"old"}]),
        );
        let r = user_patch(
            start,
            json!([{"op": "Replace", "path": format!("{ENT}:manager"), "value": v}]),
        );
        assert_eq!(r[ENT].get("manager").cloned(), want);
    }
    let r = user_patch(
        base_user(),
        json!([{"op":"add","path":"manager","value":"m9"}]),
    );
    assert_eq!(r[ENT]["manager"], json!({"value": "m9"}));
    let r = user_patch(r, json!([{"op":"remove","path":format!("{ENT}:manager")}]));
    assert!(r[ENT].get("manager").is_none());
}

#[test]
fn roles_dialects() {
    let stringified =
        json!([{"value": "{\"id\":\"r1\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]);
    let r = user_patch(
        base_user(),
        json!([{"op": "Add", "path": "roles", "value": stringified}]),
    );
    assert_eq!(
        r["roles"],
        json!([{"value":"Admin","display":"Admin","type":"WindowsAzureActiveDirectoryRole","primary":false}])
    );
    let r = user_patch(
        r,
        json!([{"op": "add", "path": "roles", "value": [{"value": "Reader", "primary": "False"}, {"value":"Admin"}]}]),
    );
    assert_eq!(r["roles"].as_array().map(Vec::len), Some(2));
    assert_eq!(r["roles"][1], json!({"value": "Reader", "primary": false}));
    let replaced = user_patch(
        r.clone(),
        json!([{"op": "replace", "path": "roles", "value": [{"value": "Writer"}]}]),
    );
    assert_eq!(replaced["roles"], json!([{"value": "Writer"}]));
    let appended = run_with(
        ResourceKind::User,
        r.clone(),
        json!([{"op": "replace", "path": "roles", "value": [{"value": "Writer"}]}]),
        &[Fault::RolesReplaceAppends],
    );
    assert_eq!(
        appended
            .ok()
            .and_then(|a| a["roles"].as_array().map(Vec::len)),
        Some(3)
    );
    let removed = user_patch(
        r.clone(),
        json!([{"op": "remove", "path": "roles[value eq \"Admin\"]"}]),
    );
    assert_eq!(
        removed["roles"],
        json!([{"value": "Reader", "primary": false}])
    );
    let rejected = run_with(
        ResourceKind::User,
        base_user(),
        json!([{"op": "Add", "path": "roles", "value": stringified}]),
        &[Fault::RolesStringifiedRejected],
    );
    assert!(matches!(rejected, Err(ScimError::InvalidValue(_))));
    let dropped = run_with(
        ResourceKind::User,
        base_user(),
        json!([{"op": "Add", "path": "roles", "value": [{"value":"A"}]}]),
        &[Fault::RolesDropped],
    );
    assert!(dropped.is_ok_and(|d| d.get("roles").is_none()));
}

#[test]
fn members_dialects() {
    let g = json!({"id": "g", "displayName": "G", "members": []});
    let run = |g: Value, ops: Value, f: &[Fault]| {
        run_with(ResourceKind::Group, g, ops, f).unwrap_or_else(|e| panic!("{e}"))
    };
    let g = run(
        g,
        json!([{"op": "Add", "path": "members", "value": [{"value": "u1", "$ref": null}, {"value": "u2"}, {"value": "u1"}, {"value": "g9"}]}]),
        &[],
    );
    assert_eq!(
        g["members"],
        json!([
        {"value":"u1","display":"ann","type":"User"},
        {"value":"u2","display":"bob","type":"User"},
        {"value":"g9","display":"Nested","type":"Group"}])
    );
    let legacy = run(
        g.clone(),
        json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]),
        &[],
    );
    assert_eq!(legacy["members"].as_array().map(Vec::len), Some(2));
    let compliant = run(
        g.clone(),
        json!([{"op": "remove", "path": "members[value eq \"u2\"]"}]),
        &[],
    );
    assert_eq!(compliant["members"].as_array().map(Vec::len), Some(2));
    assert!(!compliant["members"].to_string().contains("u2"));
    let all = run(g.clone(), json!([{"op": "remove", "path": "members"}]), &[]);
    assert_eq!(all["members"], json!([]));
    let replaced = run(
        g.clone(),
        json!([{"op": "replace", "path": "members", "value": [{"value": "u2"}]}]),
        &[],
    );
    assert_eq!(
        replaced["members"],
        json!([{"value":"u2","display":"bob","type":"User"}])
    );
    let ignored = run(
        g.clone(),
        json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}, {"op": "remove", "path": "members[value eq \"u2\"]"}]),
        &[Fault::MemberRemoveIgnored],
    );
    assert_eq!(ignored["members"], g["members"]);
    let cleared = run(
        g.clone(),
        json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]),
        &[Fault::MemberRemoveClearsAll],
    );
    assert_eq!(cleared["members"], json!([]));
}

#[test]
fn errors_and_atomicity() {
    let bad_op = run_with(
        ResourceKind::User,
        base_user(),
        json!([{"op": "copy", "path": "x"}]),
        &[],
    );
    assert!(matches!(bad_op, Err(ScimError::InvalidSyntax(_))));
    let bad_path = run_with(
        ResourceKind::User,
        base_user(),
        json!([{"op": "add", "path": "emails[type eq", "value": "x"}]),
        &[],
    );
    assert!(matches!(bad_path, Err(ScimError::InvalidPath(_))));
    let bad_path2 = run_with(
        ResourceKind::User,
        base_user(),
        json!([{"op": "add", "path": "a b", "value": "x"}]),
        &[],
    );
    assert!(matches!(bad_path2, Err(ScimError::InvalidPath(_))));
    let no_target = run_with(
        ResourceKind::User,
        base_user(),
        json!([{"op": "remove"}]),
        &[],
    );
    assert!(matches!(no_target, Err(ScimError::NoTarget(_))));
    let ro = run_with(
        ResourceKind::User,
        base_user(),
        json!([{"op": "replace", "path": "id", "value": "y"}]),
        &[],
    );
    assert!(matches!(ro, Err(ScimError::Mutability(_))));
    let bad_active = run_with(
        ResourceKind::User,
        base_user(),
        json!([{"op": "replace", "path": "active", "value": "maybe"}]),
        &[],
    );
    assert!(matches!(bad_active, Err(ScimError::InvalidValue(_))));
    let no_ops = parse_patch_body(&json!({"schemas": [PATCH_OP_SCHEMA]}), &BTreeSet::new());
    assert!(matches!(no_ops, Err(ScimError::InvalidSyntax(_))));
    let ops_first = parse_patch_body(
        &json!({"Operations": [{"op":"add","path":"title","value":"x"}], "schemas": [PATCH_OP_SCHEMA]}),
        &BTreeSet::new(),
    );
    assert_eq!(ops_first.map(|o| o.len()), Ok(1));
}

#[test]
fn patch_faults() {
    let ops = json!([{"op": "Replace", "path": "active", "value": "False"}, {"op": "Replace", "path": "title", "value": "T"}]);
    let ignored = run_with(
        ResourceKind::User,
        base_user(),
        ops.clone(),
        &[Fault::PatchIgnored],
    )
    .unwrap_or_default();
    assert_eq!(
        (ignored["active"].clone(), ignored.get("title").is_none()),
        (json!(false), true)
    );
    let active_ignored = run_with(
        ResourceKind::User,
        base_user(),
        ops.clone(),
        &[Fault::ActiveIgnored],
    )
    .unwrap_or_default();
    assert_eq!(
        (
            active_ignored["active"].clone(),
            active_ignored["title"].clone()
        ),
        (json!(true), json!("T"))
    );
    let rejected = run_with(
        ResourceKind::User,
        base_user(),
        ops.clone(),
        &[Fault::ActiveStringRejected],
    );
    assert!(matches!(rejected, Err(ScimError::InvalidValue(_))));
    let caps = run_with(
        ResourceKind::User,
        base_user(),
        ops,
        &[Fault::CapitalizedOpsRejected],
    );
    assert!(matches!(caps, Err(ScimError::InvalidSyntax(_))));
    let dotted = run_with(
        ResourceKind::User,
        base_user(),
        json!([{"op":"replace","value":{"name.givenName":"G","displayName":"D"}}]),
        &[Fault::PathlessDottedKeysIgnored],
    )
    .unwrap_or_default();
    assert_eq!(
        (dotted.get("name").is_none(), dotted["displayName"].clone()),
        (true, json!("D"))
    );
    let ext = run_with(
        ResourceKind::User,
        base_user(),
        json!([{"op":"add","path":format!("{ENT}:department"),"value":"X"}]),
        &[Fault::ExtensionIgnored],
    )
    .unwrap_or_default();
    assert!(ext.get(ENT).is_none());
}

#[test]
fn path_parser_never_panics_and_only_says_invalid_path() {
    use crate::server::tests::props::{config, scimish};
    use proptest::prelude::*;
    proptest!(config(), |(text in scimish())| {
        match PatchPath::parse(&text) {
            Ok(_) | Err(ScimError::InvalidPath(_)) => {}
            Err(other) => prop_assert!(false, "{text:?}: {other:?}"),
        }
    });
}
