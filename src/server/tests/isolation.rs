//! Faults that let the self-tests prove the harness's isolation checks (the specific defect is
//! reported by its own trial, not hidden behind a precondition): each changes what a client
//! observes versus the correct server.

use serde_json::{json, Value};

use super::Api;
use crate::server::Fault;

/// The faults of this family.
pub(super) const FAMILY: &[Fault] = &[
    Fault::ListRequiresFilter,
    Fault::FilterApostropheBroken,
    Fault::GroupRenameIgnored,
    Fault::FilterIndexStale,
    Fault::FilterExcludesDisabled,
    Fault::ResourceTypesMissing,
    Fault::TokenLifetimeShort,
    Fault::GroupPatchIgnored,
    Fault::MemberRemoveEverywhere,
    Fault::ManagerChangeRejected,
    Fault::NullUpdateRejected,
    Fault::PatchOpsLimit,
    Fault::GroupPatchRejected,
    Fault::SchemasUnsupported,
    Fault::MemberAddNonemptyRejected,
    Fault::MemberReaddRejected,
    Fault::FilterMissesChanges,
    Fault::EmptyMembersRefused,
    Fault::NameRequired,
    Fault::MembersKeyRequired,
    Fault::ManagerBareIdRefused,
    Fault::RolesRefusedOnCreate,
    Fault::FilterEqSubstring,
    Fault::MemberAddIgnored,
    Fault::ManagerClearRefused,
    Fault::FilteredPathAddRefused,
    Fault::AcceptRequired,
    Fault::IfMatchRequired,
    Fault::PatchFirstOpOnly,
    Fault::PathlessReplaceWipesComplex,
    Fault::DisabledUpdatesRefused,
    Fault::ValuesLowercased,
    Fault::ActiveAsString,
    Fault::FilterGuidRefused,
    Fault::FilterParenthesesBroken,
    Fault::FilteredPrimaryIgnored,
    Fault::SchemaWithoutDataRefused,
];

async fn observe(fault: Fault, api: &Api) -> Value {
    let group = |name: &str| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name});
    match fault {
        Fault::ResourceTypesMissing => json!(api.get("ResourceTypes").await.status),
        Fault::TokenLifetimeShort => {
            use tower::ServiceExt as _;
            let req = axum::http::Request::builder()
                .method("POST")
                .uri(crate::server::oauth::TOKEN_PATH)
                .header("host", "scim.test")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("authorization", "Basic Yzpz")
                .body(axum::body::Body::from("grant_type=client_credentials"))
                .expect("request");
            let Ok(resp) = crate::server::router(api.state.clone()).oneshot(req).await;
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap_or_default();
            serde_json::from_slice::<Value>(&bytes).unwrap_or_default()["expires_in"].clone()
        }
        Fault::GroupPatchIgnored => {
            let id = api.group(group("G")).await;
            api.patch(
                &format!("Groups/{id}"),
                json!([{"op": "replace", "path": "externalId", "value": "E"}]),
            )
            .await;
            api.get(&format!("Groups/{id}")).await.json()["externalId"].clone()
        }
        Fault::MemberRemoveEverywhere => {
            let u = api.user("m@x.io").await;
            let a = api.group(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "A", "members": [{"value": u}]})).await;
            let b = api.group(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "B", "members": [{"value": u}]})).await;
            api.patch(
                &format!("Groups/{a}"),
                json!([{"op": "remove", "path": format!("members[value eq \"{u}\"]")}]),
            )
            .await;
            json!(api.get(&format!("Groups/{b}")).await.json()["members"].as_array().map(|m| m.len()))
        }
        Fault::ListRequiresFilter => json!(api.get("Users?startIndex=1&count=1").await.status),
        Fault::FilterApostropheBroken => {
            api.user("o'brien@x.io").await;
            api.filter("Users", r#"userName eq "o'brien@x.io""#)
                .await
                .json()["totalResults"]
                .clone()
        }
        Fault::GroupRenameIgnored => {
            let id = api
                .group(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Old"}))
                .await;
            api.patch(
                &format!("Groups/{id}"),
                json!([{"op": "Replace", "path": "displayName", "value": "New"}]),
            )
            .await;
            api.get(&format!("Groups/{id}")).await.json()["displayName"].clone()
        }
        Fault::FilterIndexStale => {
            let id = api
                .group(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Old"}))
                .await;
            api.patch(
                &format!("Groups/{id}"),
                json!([{"op": "Replace", "path": "displayName", "value": "New"}]),
            )
            .await;
            let gone = api.user("gone@x.io").await;
            api.call("DELETE", &format!("Users/{gone}"), None).await;
            json!([
                api.filter("Groups", r#"displayName eq "Old""#).await.json()["totalResults"],
                api.filter("Users", r#"userName eq "gone@x.io""#)
                    .await
                    .json()["totalResults"],
            ])
        }
        Fault::FilterExcludesDisabled => {
            let id = api.user("off@x.io").await;
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "replace", "path": "active", "value": false}]),
            )
            .await;
            json!([
                api.filter("Users", r#"userName eq "off@x.io""#)
                    .await
                    .json()["totalResults"],
                api.get(&format!("Users/{id}")).await.status,
            ])
        }
        Fault::ManagerChangeRejected => {
            let boss = api.user("boss@x.io").await;
            let boss2 = api.user("boss2@x.io").await;
            let id = api.user("emp@x.io").await;
            let path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
            let set = |m: &str| json!([{"op": "replace", "path": path, "value": m}]);
            api.patch(&format!("Users/{id}"), set(&boss)).await;
            json!(api.patch(&format!("Users/{id}"), set(&boss2)).await.status)
        }
        Fault::NullUpdateRejected => {
            let id = api.user("n@x.io").await;
            json!(
                api.patch(
                    &format!("Users/{id}"),
                    json!([{"op": "replace", "path": "title", "value": null}]),
                )
                .await
                .status
            )
        }
        Fault::PatchOpsLimit => {
            let id = api.user("ops@x.io").await;
            let ops: Vec<Value> = (0..6)
                .map(|i| json!({"op": "replace", "path": "title", "value": format!("T{i}")}))
                .collect();
            json!(api.patch(&format!("Users/{id}"), json!(ops)).await.status)
        }
        Fault::GroupPatchRejected => {
            let id = api.group(group("G")).await;
            json!(
                api.patch(
                    &format!("Groups/{id}"),
                    json!([{"op": "replace", "path": "externalId", "value": "E"}]),
                )
                .await
                .status
            )
        }
        Fault::SchemasUnsupported => json!(api.get("Schemas").await.status),
        Fault::MemberAddNonemptyRejected | Fault::MemberReaddRejected => {
            let u = api.user("m@x.io").await;
            let v = api.user("m2@x.io").await;
            let id = api.group(group("G")).await;
            let add = |m: &str| json!([{"op": "add", "path": "members", "value": [{"value": m}]}]);
            api.patch(&format!("Groups/{id}"), add(&u)).await;
            let second = if fault == Fault::MemberReaddRejected { &u } else { &v };
            json!(api.patch(&format!("Groups/{id}"), add(second)).await.status)
        }
        Fault::FilterMissesChanges => {
            let id = api.user("before@x.io").await;
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "replace", "path": "userName", "value": "after@x.io"}]),
            )
            .await;
            api.filter("Users", r#"userName eq "after@x.io""#)
                .await
                .json()["totalResults"]
                .clone()
        }
        Fault::EmptyMembersRefused => json!(
            api.call(
                "POST",
                "Groups",
                Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "E", "members": []})),
            )
            .await
            .status
        ),
        Fault::NameRequired => json!(
            api.call(
                "POST",
                "Users",
                Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "n@x.io"})),
            )
            .await
            .status
        ),
        Fault::MembersKeyRequired => json!(api.call("POST", "Groups", Some(group("K"))).await.status),
        Fault::ManagerBareIdRefused => {
            let m = api.user("boss@x.io").await;
            let u = api.user("emp@x.io").await;
            json!(
                api.patch(
                    &format!("Users/{u}"),
                    json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": m}]),
                )
                .await
                .status
            )
        }
        Fault::RolesRefusedOnCreate => json!(
            api.call(
                "POST",
                "Users",
                Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "r@x.io", "roles": [{"value": "Admin"}]})),
            )
            .await
            .status
        ),
        Fault::ManagerClearRefused => {
            let m = api.user("chief@x.io").await;
            let u = api.user("staff@x.io").await;
            let path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
            api.patch(&format!("Users/{u}"), json!([{"op": "add", "path": path, "value": {"value": m}}]))
                .await;
            json!(
                api.patch(&format!("Users/{u}"), json!([{"op": "replace", "path": path, "value": ""}]))
                    .await
                    .status
            )
        }
        Fault::FilteredPathAddRefused => {
            let u = api.user("nophone@x.io").await;
            json!(
                api.patch(
                    &format!("Users/{u}"),
                    json!([{"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "1"}]),
                )
                .await
                .status
            )
        }
        Fault::MemberAddIgnored => {
            let u = api.user("joiner@x.io").await;
            let g = api.group(group("J")).await;
            api.patch(
                &format!("Groups/{g}"),
                json!([{"op": "add", "path": "members", "value": [{"value": u}]}]),
            )
            .await;
            json!(api.get(&format!("Groups/{g}")).await.json()["members"].as_array().map(Vec::len))
        }
        Fault::FilterEqSubstring => {
            api.user("ada@x.io").await;
            api.user("ada@x.io.d").await;
            api.filter("Users", r#"userName eq "ada@x.io""#)
                .await
                .json()["totalResults"]
                .clone()
        }
        // The test client sends no Accept header, as Entra's Test Connection GET.
        Fault::AcceptRequired => json!(api.get("Users?count=1").await.status),
        Fault::IfMatchRequired => {
            let u = api.user("etag@x.io").await;
            json!(
                api.patch(&format!("Users/{u}"), json!([{"op": "replace", "path": "title", "value": "T"}]))
                    .await
                    .status
            )
        }
        Fault::PatchFirstOpOnly => {
            let u = api.user("two-ops@x.io").await;
            let ops = json!([
                {"op": "replace", "path": "title", "value": "T"},
                {"op": "replace", "path": "displayName", "value": "D"}
            ]);
            api.patch(&format!("Users/{u}"), ops).await.json()["displayName"].clone()
        }
        Fault::PathlessReplaceWipesComplex => {
            let r = api
                .post("Users", json!({"userName": "wipe@x.io", "name": {"givenName": "A", "familyName": "B"}}))
                .await
                .json();
            let u = r["id"].as_str().unwrap_or_default().to_string();
            let ops = json!([{"op": "replace", "value": {"name.givenName": "C"}}]);
            api.patch(&format!("Users/{u}"), ops).await.json()["name"].clone()
        }
        Fault::DisabledUpdatesRefused => {
            let u = api.user("leaver@x.io").await;
            api.patch(&format!("Users/{u}"), json!([{"op": "replace", "path": "active", "value": false}]))
                .await;
            json!(
                api.patch(&format!("Users/{u}"), json!([{"op": "replace", "path": "title", "value": "T"}]))
                    .await
                    .status
            )
        }
        Fault::ValuesLowercased => {
            let r = api
                .post("Users", json!({"userName": "case@x.io", "displayName": " Ada Lovelace "}))
                .await
                .json();
            r["displayName"].clone()
        }
        Fault::ActiveAsString => {
            let u = api.user("flag@x.io").await;
            api.get(&format!("Users/{u}")).await.json()["active"].clone()
        }
        Fault::FilterGuidRefused => json!(
            api.filter("Users", r#"userName eq "7d420df3-9995-4831-a406-ecf8166f5f6a""#)
                .await
                .status
        ),
        Fault::FilterParenthesesBroken => {
            api.group(group("LACreateGroup-(1)")).await;
            api.filter("Groups", r#"displayName eq "LACreateGroup-(1)""#)
                .await
                .json()["totalResults"]
                .clone()
        }
        Fault::SchemaWithoutDataRefused => json!(
            api.post(
                "Users",
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"], "userName": "sample@x.io"}),
            )
            .await
            .status
        ),
        Fault::FilteredPrimaryIgnored => {
            let r = api
                .post("Users", json!({"userName": "prim@x.io", "emails": [{"type": "work", "value": "p@x.io"}]}))
                .await
                .json();
            let u = r["id"].as_str().unwrap_or_default().to_string();
            let ops = json!([{"op": "replace", "path": "emails[type eq \"work\"].primary", "value": true}]);
            api.patch(&format!("Users/{u}"), ops).await.json()["emails"][0]["primary"].clone()
        }
        _ => Value::Null,
    }
}

#[tokio::test]
async fn every_fault_changes_what_a_client_sees() {
    for &fault in FAMILY {
        let good = observe(fault, &with_oauth(&[]).await).await;
        let bad = observe(fault, &with_oauth(&[fault]).await).await;
        assert_ne!(
            good, bad,
            "fault {fault} did not change behaviour (observed {good})"
        );
    }
}

#[tokio::test]
async fn a_deactivating_vendor_keeps_deleted_users_inactive() {
    let mut cfg = crate::server::ServerConfig::new(super::TOKEN);
    cfg.delete_deactivates = true;
    let api = Api::with_config(cfg).await;
    let id = api.user("kept@x.io").await;
    assert_eq!(
        api.call("DELETE", &format!("Users/{id}"), None)
            .await
            .status,
        204
    );
    let r = api.get(&format!("Users/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["active"], json!(false));
}

/// A test server that is also a token endpoint (client `c`, secret `s`).
async fn with_oauth(faults: &[Fault]) -> Api {
    let mut cfg = crate::server::ServerConfig::new(super::TOKEN);
    cfg.faults = faults.iter().copied().collect();
    cfg.oauth = Some(crate::server::oauth::OAuthConfig {
        client_id: "c".into(),
        client_secret: "s".into(),
        accept_header: true,
        accept_body: true,
        lifetime: std::time::Duration::from_secs(3600),
    });
    Api::with_config(cfg).await
}
