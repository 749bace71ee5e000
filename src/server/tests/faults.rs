//! Every fault changes observable behaviour: each family of faults is run against a correct
//! and a faulty server with the same scenario, and the observations must differ.

use super::*;
use crate::core::scim::ENTERPRISE_USER_SCHEMA as ENT;

/// Runs the scenario that exposes `fault` and returns only deterministic observations.
async fn observe(fault: Fault, api: &Api) -> Value {
    if let Some(v) = observe_first_catalogue(fault, api).await {
        return v;
    }
    if let Some(v) = super::switches::observe(fault, api).await {
        return v;
    }
    if let Some(v) = super::replay::observe(fault, api).await {
        return v;
    }
    if let Some(v) = super::load::observe(fault, api).await {
        return v;
    }
    Value::Null
}

/// Observations for the faults of the first catalogue (`None` for later faults).
async fn observe_first_catalogue(fault: Fault, api: &Api) -> Option<Value> {
    let seed = |name: &str| {
        api.seed(
            "User",
            json!({"userName": name, "externalId": "E1", "active": true}),
        )
    };
    Some(match fault {
        Fault::AuthIgnoresToken => json!(
            api.send("GET", "Users", Some("Bearer wrong"), None)
                .await
                .status
        ),
        Fault::AuthOptional => json!(api.send("GET", "Users", None, None).await.status),
        Fault::FilterIgnored => {
            seed("a@x.io");
            seed("b@x.io");
            api.filter("Users", r#"userName eq "a@x.io""#).await.json()["totalResults"].clone()
        }
        Fault::FilterCaseSensitive => {
            seed("Alice@X.io");
            api.filter("Users", r#"userName eq "alice@x.io""#)
                .await
                .json()["totalResults"]
                .clone()
        }
        Fault::FilterEmpty404 => json!(api.filter("Users", r#"userName eq "nobody""#).await.status),
        Fault::FilterExternalIdUnsupported => {
            seed("a@x.io");
            json!(api.filter("Users", r#"externalId eq "E1""#).await.status)
        }
        Fault::FilterUnknownAttributeMatchesAll => {
            json!(api.filter("Users", r#"nickName eq "x""#).await.status)
        }
        Fault::ListLargeCount500 => json!([
            api.get("Users?count=100").await.status,
            api.get("Users?count=20").await.status,
            api.get("Users").await.status
        ]),
        Fault::ListTotalMissing => {
            json!(api.get("Users").await.json().get("totalResults").is_some())
        }
        Fault::FilterPlusAsSpace => {
            seed("first+tag@x.io");
            api.filter("Users", r#"userName eq "first+tag@x.io""#)
                .await
                .json()["totalResults"]
                .clone()
        }
        Fault::FilterNonAsciiBroken => {
            seed("zoë@x.io");
            api.filter("Users", r#"userName eq "zoë@x.io""#)
                .await
                .json()["totalResults"]
                .clone()
        }
        Fault::CreateReturns200 => json!(
            api.post("Users", json!({"userName": "n@x.io"}))
                .await
                .status
        ),
        Fault::CreateOmitsId => json!(api
            .post("Users", json!({"userName": "n@x.io"}))
            .await
            .json()
            .get("id")
            .is_some()),
        Fault::DuplicatesAllowed => {
            api.post("Users", json!({"userName": "d@x.io"})).await;
            json!(
                api.post("Users", json!({"userName": "D@X.io"}))
                    .await
                    .status
            )
        }
        Fault::UnknownId400 => json!([
            api.get("Users/nope").await.status,
            api.call("DELETE", "Users/nope", None).await.status
        ]),
        Fault::ErrorStatusNumber => api.get("Users/nope").await.json()["status"].clone(),
        Fault::JsonContentType => json!(api.get("Users").await.header("content-type")),
        Fault::DisabledHidden => {
            let id = api.seed("User", json!({"userName": "off@x.io", "active": false}));
            json!([
                api.get(&format!("Users/{id}")).await.status,
                api.filter("Users", r#"userName eq "off@x.io""#)
                    .await
                    .json()["totalResults"]
            ])
        }
        Fault::ManagerAsString => {
            let id = api.seed(
                "User",
                json!({"userName": "m@x.io", ENT: {"manager": {"value": "boss"}}}),
            );
            api.get(&format!("Users/{id}")).await.json()[ENT]["manager"].clone()
        }
        Fault::PatchIgnored => {
            let id = seed("p@x.io");
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "replace", "path": "displayName", "value": "P"}]),
            )
            .await
            .json()["displayName"]
                .clone()
        }
        Fault::ActiveIgnored => {
            let id = seed("p@x.io");
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "Replace", "path": "active", "value": false}]),
            )
            .await
            .json()["active"]
                .clone()
        }
        Fault::ActiveStringRejected => {
            let id = seed("p@x.io");
            json!(
                api.patch(
                    &format!("Users/{id}"),
                    json!([{"op": "Replace", "path": "active", "value": "False"}])
                )
                .await
                .status
            )
        }
        Fault::CapitalizedOpsRejected => {
            let id = seed("p@x.io");
            json!(
                api.patch(
                    &format!("Users/{id}"),
                    json!([{"op": "Replace", "path": "title", "value": "T"}])
                )
                .await
                .status
            )
        }
        Fault::PathlessDottedKeysIgnored => {
            let id = seed("p@x.io");
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "replace", "value": {"name.givenName": "G"}}]),
            )
            .await
            .json()["name"]
                .clone()
        }
        Fault::FilteredPathNoCreate => {
            let id = seed("p@x.io");
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "add", "path": "emails[type eq \"work\"].value", "value": "w@x.io"}]),
            )
            .await
            .json()["emails"]
                .clone()
        }
        Fault::ExtensionIgnored => {
            let id = seed("p@x.io");
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "add", "path": format!("{ENT}:department"), "value": "R&D"}]),
            )
            .await
            .json()[ENT]
                .clone()
        }
        Fault::MemberRemoveIgnored
        | Fault::MemberRemoveClearsAll
        | Fault::MembersDespiteExcluded => {
            let (u1, u2) = (seed("m1@x.io"), seed("m2@x.io"));
            let gid = api.seed("Group", json!({"displayName": "G", "members": [{"value": u1, "type": "User"}, {"value": u2, "type": "User"}]}));
            if fault == Fault::MembersDespiteExcluded {
                return Some(json!(api
                    .get(&format!("Groups/{gid}?excludedAttributes=members"))
                    .await
                    .json()
                    .get("members")
                    .is_some()));
            }
            let op = if fault == Fault::MemberRemoveIgnored {
                json!([{"op": "remove", "path": format!("members[value eq \"{u1}\"]")}])
            } else {
                json!([{"op": "Remove", "path": "members", "value": [{"value": u1}]}])
            };
            let status = api.patch(&format!("Groups/{gid}"), op).await.status;
            json!([
                status,
                api.get(&format!("Groups/{gid}")).await.json()["members"]
                    .as_array()
                    .map(Vec::len)
            ])
        }
        Fault::RolesDropped => api
            .post(
                "Users",
                json!({"userName": "r@x.io", "roles": [{"value": "Admin"}]}),
            )
            .await
            .json()["roles"]
            .clone(),
        Fault::RolesReplaceAppends => {
            let id = api.seed(
                "User",
                json!({"userName": "r@x.io", "roles": [{"value": "Old"}]}),
            );
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "replace", "path": "roles", "value": [{"value": "New"}]}]),
            )
            .await
            .json()["roles"]
                .clone()
        }
        Fault::RolesStringifiedRejected => {
            let id = seed("r@x.io");
            json!(api.patch(&format!("Users/{id}"), json!([{"op": "Add", "path": "roles", "value": [{"value": "{\"id\":\"1\",\"value\":\"A\",\"displayName\":\"A\"}"}]}])).await.status)
        }
        Fault::DeleteKeepsResource => {
            let id = seed("del@x.io");
            let d = api
                .call("DELETE", &format!("Users/{id}"), None)
                .await
                .status;
            json!([d, api.get(&format!("Users/{id}")).await.status])
        }
        Fault::GroupsUnsupported => json!([
            api.get("Groups").await.status,
            api.post("Groups", json!({"displayName": "x"})).await.status
        ]),
        Fault::FilterUnsupported => json!(api.filter("Users", r#"userName eq "x""#).await.status),
        Fault::GetById404 => {
            let id = seed("g@x.io");
            json!(api.get(&format!("Users/{id}")).await.status)
        }
        Fault::GetReturnsList => {
            let id = seed("g@x.io");
            json!(api
                .get(&format!("Users/{id}"))
                .await
                .json()
                .get("id")
                .is_some())
        }
        Fault::DeleteReturns200 => {
            let id = seed("d@x.io");
            json!(
                api.call("DELETE", &format!("Users/{id}"), None)
                    .await
                    .status
            )
        }
        Fault::DeleteUnsupported => {
            let id = seed("d@x.io");
            json!(
                api.call("DELETE", &format!("Users/{id}"), None)
                    .await
                    .status
            )
        }
        Fault::MemberAddFirstOnly => {
            let (a, b) = (seed("a@x.io"), seed("b@x.io"));
            let g = api.post("Groups", json!({"displayName": "g"})).await.json()["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            api.patch(
                &format!("Groups/{g}"),
                json!([{"op": "add", "path": "members", "value": [{"value": a}, {"value": b}]}]),
            )
            .await;
            json!(api.get(&format!("Groups/{g}")).await.json()["members"]
                .as_array()
                .map(Vec::len))
        }
        Fault::MembersDespiteExcludedById => {
            let a = seed("a@x.io");
            let g = api
                .post(
                    "Groups",
                    json!({"displayName": "g", "members": [{"value": a}]}),
                )
                .await
                .json()["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            json!(api
                .get(&format!("Groups/{g}?excludedAttributes=members"))
                .await
                .json()
                .get("members")
                .is_some())
        }
        Fault::MemberRemoveFilterRejected => {
            let a = seed("a@x.io");
            let g = api
                .post(
                    "Groups",
                    json!({"displayName": "g", "members": [{"value": a}]}),
                )
                .await
                .json()["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            json!(
                api.patch(
                    &format!("Groups/{g}"),
                    json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}])
                )
                .await
                .status
            )
        }
        Fault::RolesReadonly => {
            let id = seed("r@x.io");
            json!(
                api.patch(
                    &format!("Users/{id}"),
                    json!([{"op": "replace", "path": "roles", "value": [{"value": "A"}]}])
                )
                .await
                .status
            )
        }
        Fault::UsernameLowercased => api
            .post("Users", json!({"userName": "Mixed@X.io"}))
            .await
            .json()["userName"]
            .clone(),
        Fault::ReenableRejected | Fault::ReenableIgnored => {
            let id = api
                .post("Users", json!({"userName": "e@x.io", "active": false}))
                .await
                .json()["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let r = api
                .patch(
                    &format!("Users/{id}"),
                    json!([{"op": "replace", "path": "active", "value": true}]),
                )
                .await;
            json!([
                r.status,
                api.get(&format!("Users/{id}")).await.json()["active"]
            ])
        }
        Fault::PathlessRejected => {
            let id = seed("p@x.io");
            json!(
                api.patch(
                    &format!("Users/{id}"),
                    json!([{"op": "replace", "value": {"displayName": "P"}}])
                )
                .await
                .status
            )
        }
        Fault::ErrorScimTypeMissing => {
            api.post("Users", json!({"userName": "d@x.io"})).await;
            api.post("Users", json!({"userName": "d@x.io"}))
                .await
                .json()["scimType"]
                .clone()
        }
        _ => return None,
    })
}

/// Asserts every fault in `family` changes what `observe` sees versus the correct server.
pub(super) async fn assert_family(family: &[Fault]) {
    for &fault in family {
        let correct = Api::start(&[]).await;
        let faulty = Api::start(&[fault]).await;
        let good = observe(fault, &correct).await;
        let bad = observe(fault, &faulty).await;
        assert_ne!(
            good, bad,
            "fault {fault} did not change behaviour (observed {good})"
        );
    }
}

const AUTH: &[Fault] = &[Fault::AuthIgnoresToken, Fault::AuthOptional];
const LISTS: &[Fault] = &[
    Fault::FilterIgnored,
    Fault::FilterCaseSensitive,
    Fault::FilterEmpty404,
    Fault::FilterExternalIdUnsupported,
    Fault::FilterUnknownAttributeMatchesAll,
    Fault::ListTotalMissing,
    Fault::FilterPlusAsSpace,
    Fault::FilterNonAsciiBroken,
    Fault::ListLargeCount500,
];
const CREATE_READ: &[Fault] = &[
    Fault::CreateReturns200,
    Fault::CreateOmitsId,
    Fault::DuplicatesAllowed,
    Fault::UnknownId400,
    Fault::ErrorStatusNumber,
    Fault::JsonContentType,
    Fault::DisabledHidden,
    Fault::ManagerAsString,
];
const PATCH: &[Fault] = &[
    Fault::PatchIgnored,
    Fault::ActiveIgnored,
    Fault::ActiveStringRejected,
    Fault::CapitalizedOpsRejected,
    Fault::PathlessDottedKeysIgnored,
    Fault::FilteredPathNoCreate,
    Fault::ExtensionIgnored,
    Fault::MemberRemoveIgnored,
    Fault::MemberRemoveClearsAll,
    Fault::MembersDespiteExcluded,
    Fault::RolesDropped,
    Fault::RolesReplaceAppends,
    Fault::RolesStringifiedRejected,
];
const DELETE_GROUPS: &[Fault] = &[Fault::DeleteKeepsResource, Fault::GroupsUnsupported];
const LATER: &[Fault] = &[
    Fault::FilterUnsupported,
    Fault::GetById404,
    Fault::GetReturnsList,
    Fault::DeleteReturns200,
    Fault::DeleteUnsupported,
    Fault::MemberAddFirstOnly,
    Fault::MembersDespiteExcludedById,
    Fault::MemberRemoveFilterRejected,
    Fault::RolesReadonly,
    Fault::UsernameLowercased,
    Fault::ReenableRejected,
    Fault::ReenableIgnored,
    Fault::PathlessRejected,
    Fault::ErrorScimTypeMissing,
];

#[test]
fn families_cover_every_fault() {
    let all: Vec<Fault> = [
        AUTH,
        LISTS,
        CREATE_READ,
        PATCH,
        DELETE_GROUPS,
        LATER,
        super::switches::FAMILY,
        super::replay::FAMILY,
        super::load::FAMILY,
        super::isolation::FAMILY,
    ]
    .concat();
    assert_eq!(all.len(), Fault::ALL.len());
    assert!(Fault::ALL.iter().all(|f| all.contains(f)));
}

#[tokio::test]
async fn faults_read_delete_roles_and_errors() {
    assert_family(LATER).await;
}

#[tokio::test]
async fn faults_auth() {
    assert_family(AUTH).await;
}

#[tokio::test]
async fn faults_lists_and_filters() {
    assert_family(LISTS).await;
}

#[tokio::test]
async fn faults_create_and_read() {
    assert_family(CREATE_READ).await;
}

#[tokio::test]
async fn faults_patch() {
    assert_family(PATCH).await;
}

#[tokio::test]
async fn faults_delete_and_groups() {
    assert_family(DELETE_GROUPS).await;
}

#[tokio::test]
async fn fault_details_match_the_spec() {
    // Spot checks of what the faulty servers answer, beyond "different".
    let api = Api::start(&[Fault::ErrorStatusNumber, Fault::JsonContentType]).await;
    let r = api.get("Users/nope").await;
    assert_eq!(r.json()["status"], json!(404));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let api = Api::start(&[Fault::AuthIgnoresToken]).await;
    assert_eq!(api.send("GET", "Users", None, None).await.status, 401);
    let api = Api::start(&[Fault::AuthOptional]).await;
    assert_eq!(
        api.send("GET", "Users", Some("Bearer wrong"), None)
            .await
            .status,
        401
    );
    let api = Api::start(&[Fault::FilterExternalIdUnsupported]).await;
    assert_eq!(
        api.filter("Users", r#"externalId eq "x""#).await.json()["scimType"],
        json!("invalidFilter")
    );
    let api = Api::start(&[Fault::ManagerAsString]).await;
    let id = api.seed(
        "User",
        json!({"userName": "m", ENT: {"manager": {"value": "boss"}}}),
    );
    assert_eq!(
        api.get(&format!("Users/{id}")).await.json()[ENT]["manager"],
        json!("boss")
    );
    assert_eq!(
        api.dump()["Users"][0][ENT]["manager"],
        json!({"value": "boss"})
    );
}
