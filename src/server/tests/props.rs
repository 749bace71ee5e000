//! Property tests through the router: no filter text and no PATCH path makes the server panic or
//! answer 500; each answers success or the RFC 7644 error for its kind of problem.

use super::*;
use proptest::prelude::*;

/// Modest case counts keep the suite fast; no regression files are written.
pub(in crate::server) fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Tokens a SCIM filter or PATCH path is made of, so random strings reach deep into the parsers.
const TOKENS: &[&str] = &[
    "userName",
    "displayName",
    "externalId",
    "id",
    "emails",
    "members",
    "name",
    "givenName",
    "active",
    "roles",
    "manager",
    "value",
    "type",
    "primary",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:",
    "urn:ietf:params:scim:schemas:core:2.0:User:",
    "eq",
    "ne",
    "co",
    "sw",
    "pr",
    "gt",
    "and",
    "or",
    "not",
    " ",
    " ",
    "(",
    ")",
    "[",
    "]",
    ".",
    ":",
    "\"",
    "\"x\"",
    "\"work\"",
    "\\",
    "\\u00e9",
    "\\ud800",
    "true",
    "null",
    "1.5",
    "é",
    "Ü",
    "👍",
    "'",
    "+",
    "%",
    "$ref",
    "-",
    "\u{0}",
];

/// Arbitrary text, or text assembled from [`TOKENS`].
pub(in crate::server) fn scimish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(proptest::sample::select(TOKENS), 0..16).prop_map(|t| t.concat()),
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

#[test]
fn any_filter_answers_200_or_invalid_filter() {
    let rt = runtime();
    let api = rt.block_on(Api::start(&[]));
    let uid = rt.block_on(api.user("prop@x.io"));
    api.seed(
        "Group",
        json!({"displayName": "P", "members": [{"value": uid, "type": "User"}]}),
    );
    proptest!(config(), |(filter in scimish(), groups in any::<bool>())| {
        let endpoint = if groups { "Groups" } else { "Users" };
        let r = rt.block_on(api.filter(endpoint, &filter));
        let scim_type = r.json()["scimType"].clone();
        prop_assert!(
            r.status == 200 || (r.status == 400 && scim_type == json!("invalidFilter")),
            "{filter:?}: {} {}", r.status, r.body
        );
    });
}

#[test]
fn any_patch_path_answers_success_404_or_a_path_error() {
    let rt = runtime();
    let api = rt.block_on(Api::start(&[]));
    let uid = rt.block_on(api.user("prop@x.io"));
    let gid = rt.block_on(api.group(json!({"displayName": "P"})));
    let values = prop_oneof![
        Just(json!("x")),
        Just(json!("")),
        Just(Value::Null),
        Just(json!(true)),
        Just(json!({"value": "v"})),
        Just(json!([{"value": "v"}])),
    ];
    let ops = proptest::sample::select(&["add", "Replace", "remove"][..]);
    proptest!(config(), |(path in scimish(), op in ops, value in values, group in any::<bool>())| {
        let rel = if group { format!("Groups/{gid}") } else { format!("Users/{uid}") };
        let r = rt.block_on(api.patch(&rel, json!([{"op": op, "path": path, "value": value}])));
        let scim_type = r.json()["scimType"].as_str().unwrap_or_default().to_string();
        // mutability: RFC 7644 §3.5.2 for read-only targets such as `id`.
        let allowed = ["invalidPath", "noTarget", "invalidValue", "mutability"];
        prop_assert!(
            (200..300).contains(&r.status)
                || r.status == 404
                || (r.status == 400 && allowed.contains(&scim_type.as_str())),
            "{op} {path:?} {value}: {} {}", r.status, r.body
        );
    });
}

#[test]
fn the_filter_that_sliced_a_character_in_half() {
    let rt = runtime();
    let api = rt.block_on(Api::start(&[]));
    let r = rt.block_on(api.get("Users?filter=a%C3%A9%C3%A9%20eq%20%22x%22"));
    assert_eq!(
        (r.status, r.json()["scimType"].clone()),
        (400, json!("invalidFilter"))
    );
}
