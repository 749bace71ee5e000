//! "Replay the rest of what Entra does": the behaviours a correct server must have (discovery,
//! clearing, userName and manager changes, pagination, members, unknown ids) and the faults that
//! break each, observed against a correct server.

use super::*;
use crate::core::scim::{ENTERPRISE_USER_SCHEMA as ENT, GROUP_SCHEMA, USER_SCHEMA};

/// The faults this module observes.
pub(super) const FAMILY: &[Fault] = &[
    Fault::MembersAddAsReplace,
    Fault::CreateDropsAttributes,
    Fault::FilteredReplaceAppends,
    Fault::RoleDisplayDropped,
    Fault::UsernameImmutable,
    Fault::ManagerReplaceIgnored,
    Fault::ManagerClearIgnored,
    Fault::NullUpdateIgnored,
    Fault::PaginationIgnored,
    Fault::SchemasMissingAttribute,
    Fault::UnknownId200,
    Fault::DeleteUnknown204,
    Fault::RecreateConflict,
    Fault::MemberReaddDuplicates,
];

/// A user the way Entra's default mapping creates it (every mapped attribute set).
fn full_user(user_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENT],
        "userName": user_name,
        "active": true,
        "externalId": "ext-1",
        "displayName": "Ann Example",
        "title": "Engineer",
        "preferredLanguage": "en-GB",
        "name": {"givenName": "Ann", "familyName": "Example", "formatted": "Ann Example"},
        "emails": [{"primary": true, "type": "work", "value": "ann@work.example"}],
        "phoneNumbers": [{"type": "work", "value": "+1 555 0100"}, {"type": "mobile", "value": "+1 555 0101"}],
        "addresses": [{"type": "work", "formatted": "HQ", "streetAddress": "1 Main St", "locality": "Springfield"}],
        "roles": [{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "display": "Admin", "value": "Admin"}],
        ENT: {"employeeNumber": "701984", "department": "R&D", "costCenter": "CC1"}
    })
}

async fn create(api: &Api, body: Value) -> String {
    let r = api.post("Users", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["id"].as_str().unwrap_or_default().to_string()
}

async fn read(api: &Api, id: &str) -> Value {
    api.get(&format!("Users/{id}")).await.json()
}

/// The enterprise manager of user `id` as read back.
async fn manager(api: &Api, id: &str) -> Option<Value> {
    read(api, id).await[ENT].get("manager").cloned()
}

/// The first `attr` element whose `type` is `typ` (case-insensitive), the way Microsoft's
/// validation reads `attr[type eq "typ"].sub` back.
fn typed<'a>(user: &'a Value, attr: &str, typ: &str) -> Option<&'a Value> {
    user[attr].as_array().into_iter().flatten().find(|e| {
        e["type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case(typ))
    })
}

/// The scenario exposing `fault`, or `None` for faults outside [`FAMILY`].
pub(super) async fn observe(fault: Fault, api: &Api) -> Option<Value> {
    Some(match fault {
        Fault::MembersAddAsReplace | Fault::MemberReaddDuplicates => {
            let u1 = api.seed("User", json!({"userName": "u1@x.io"}));
            let u2 = api.seed("User", json!({"userName": "u2@x.io"}));
            let gid = api.seed(
                "Group",
                json!({"displayName": "G", "members": [{"value": u1, "type": "User"}]}),
            );
            let added = if fault == Fault::MembersAddAsReplace {
                u2
            } else {
                u1
            };
            let r = api
                .patch(
                    &format!("Groups/{gid}"),
                    json!([{"op": "Add", "path": "members", "value": [{"value": added}]}]),
                )
                .await;
            let g = api.get(&format!("Groups/{gid}")).await.json();
            json!([r.status, g["members"].as_array().map(Vec::len)])
        }
        Fault::CreateDropsAttributes => {
            let u = api.post("Users", full_user("full@x.io")).await.json();
            json!([
                u["title"],
                u["displayName"],
                u["name"],
                u[ENT],
                u["addresses"]
            ])
        }
        Fault::FilteredReplaceAppends => {
            let id = create(api, full_user("f@x.io")).await;
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@work.example"}]),
            )
            .await;
            read(api, &id).await["emails"].clone()
        }
        Fault::RoleDisplayDropped => {
            let id = create(api, full_user("r@x.io")).await;
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "Add", "path": "roles", "value": [{"value": "{\"id\":\"1\",\"value\":\"Reader\",\"displayName\":\"Reader\"}"}]}]),
            )
            .await;
            read(api, &id).await["roles"].clone()
        }
        Fault::UsernameImmutable => {
            let id = create(api, json!({"userName": "old@x.io"})).await;
            let r = api
                .patch(
                    &format!("Users/{id}"),
                    json!([{"op": "Replace", "path": "userName", "value": "new@x.io"}]),
                )
                .await;
            json!([r.status, read(api, &id).await["userName"]])
        }
        Fault::ManagerReplaceIgnored | Fault::ManagerClearIgnored => {
            let id = create(api, json!({"userName": "e@x.io", ENT: {"manager": "m1"}})).await;
            let value = if fault == Fault::ManagerReplaceIgnored {
                json!("m2")
            } else {
                json!("")
            };
            let r = api
                .patch(
                    &format!("Users/{id}"),
                    json!([{"op": "Replace", "path": format!("{ENT}:manager"), "value": value}]),
                )
                .await;
            json!([r.status, read(api, &id).await[ENT]["manager"]])
        }
        Fault::NullUpdateIgnored => {
            let id = create(api, full_user("n@x.io")).await;
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "replace", "path": "title", "value": ""}, {"op": "replace", "value": {"displayName": null}}]),
            )
            .await;
            let u = read(api, &id).await;
            json!([u["title"], u["displayName"]])
        }
        Fault::PaginationIgnored => {
            for i in 0..3 {
                api.seed("User", json!({"userName": format!("p{i}@x.io")}));
            }
            let page = api.get("Users?startIndex=2&count=1").await.json();
            json!([
                page["startIndex"],
                page["itemsPerPage"],
                page["totalResults"]
            ])
        }
        Fault::SchemasMissingAttribute => {
            let user = api.get(&format!("Schemas/{USER_SCHEMA}")).await.json();
            let names: Vec<Value> = user["attributes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| a["name"].clone())
                .collect();
            json!([
                names.contains(&json!("title")),
                names.contains(&json!("addresses"))
            ])
        }
        Fault::UnknownId200 => json!([
            api.patch(
                "Users/nope",
                json!([{"op": "replace", "path": "title", "value": "x"}])
            )
            .await
            .status,
            api.call("DELETE", "Users/nope", None).await.status,
            api.patch(
                "Groups/nope",
                json!([{"op": "replace", "path": "displayName", "value": "x"}])
            )
            .await
            .status,
        ]),
        Fault::DeleteUnknown204 => json!([
            api.call("DELETE", "Users/nope", None).await.status,
            api.patch(
                "Users/nope",
                json!([{"op": "replace", "path": "title", "value": "x"}])
            )
            .await
            .status,
        ]),
        Fault::RecreateConflict => {
            let id = create(api, json!({"userName": "again@x.io"})).await;
            api.call("DELETE", &format!("Users/{id}"), None).await;
            json!(
                api.post("Users", json!({"userName": "Again@x.io"}))
                    .await
                    .status
            )
        }
        _ => return None,
    })
}

#[tokio::test]
async fn faults_replaying_entra() {
    super::faults::assert_family(FAMILY).await;
}

#[tokio::test]
async fn discovery_lists_what_entra_maps_with_or_without_groups() {
    let api = Api::start(&[]).await;
    let schemas = api.get("Schemas").await.json();
    assert_eq!(schemas["totalResults"], json!(3));
    for id in [USER_SCHEMA, ENT, GROUP_SCHEMA] {
        let doc = api.get(&format!("Schemas/{id}")).await;
        assert_eq!((doc.status, doc.json()["id"].clone()), (200, json!(id)));
    }
    let user = api.get(&format!("Schemas/{USER_SCHEMA}")).await.json();
    let phones = user["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["name"] == json!("phoneNumbers")))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        phones["subAttributes"][2]["canonicalValues"],
        json!(["work", "mobile", "fax", "home", "other"])
    );
    assert_eq!(
        api.get("ResourceTypes").await.json()["totalResults"],
        json!(2)
    );
    assert_eq!(api.get("ResourceTypes/Group").await.status, 200);

    for cfg in [
        {
            let mut c = ServerConfig::new(TOKEN);
            c.groups_enabled = false;
            c
        },
        {
            let mut c = ServerConfig::new(TOKEN);
            c.faults.insert(Fault::GroupsUnsupported);
            c
        },
    ] {
        let api = Api::with_config(cfg).await;
        let schemas = api.get("Schemas").await.json();
        assert_eq!(schemas["totalResults"], json!(2));
        assert!(!schemas.to_string().contains(GROUP_SCHEMA));
        assert_eq!(
            api.get(&format!("Schemas/{GROUP_SCHEMA}")).await.status,
            404
        );
        assert_eq!(
            api.get("ResourceTypes").await.json()["totalResults"],
            json!(1)
        );
        assert_eq!(api.get("ServiceProviderConfig").await.status, 200);
    }
}

#[tokio::test]
async fn replace_with_empty_or_null_and_remove_clear_attributes() {
    let api = Api::start(&[]).await;
    let id = create(&api, full_user("clear@x.io")).await;
    let by_path = api
        .patch(
            &format!("Users/{id}"),
            json!([
                {"op": "Replace", "path": "title", "value": ""},
                {"op": "Replace", "path": "name.givenName", "value": ""},
                {"op": "Replace", "path": format!("{ENT}:department"), "value": ""},
                {"op": "Replace", "path": "phoneNumbers[type eq \"work\"].value", "value": ""},
                {"op": "Replace", "path": "preferredLanguage", "value": null},
                {"op": "Replace", "path": format!("{ENT}:costCenter"), "value": null},
            ]),
        )
        .await;
    assert_eq!(by_path.status, 200, "{}", by_path.body);
    let u = read(&api, &id).await;
    assert!(
        u.get("title").is_none() && u.get("preferredLanguage").is_none(),
        "{u}"
    );
    assert_eq!(
        u["name"],
        json!({"familyName": "Example", "formatted": "Ann Example"})
    );
    assert_eq!(u[ENT], json!({"employeeNumber": "701984"}));
    assert_eq!(typed(&u, "phoneNumbers", "work"), None);
    assert_eq!(
        typed(&u, "phoneNumbers", "mobile"),
        Some(&json!({"type": "mobile", "value": "+1 555 0101"}))
    );

    let pathless = api
        .patch(
            &format!("Users/{id}"),
            json!([{"op": "replace", "value": {
                "displayName": "",
                "name.familyName": null,
                "name": {"formatted": ""},
                format!("{ENT}:employeeNumber"): null,
                "addresses[type eq \"work\"].formatted": ""
            }}]),
        )
        .await;
    assert_eq!(pathless.status, 200, "{}", pathless.body);
    let u = read(&api, &id).await;
    for gone in ["displayName", "name", ENT] {
        assert!(u.get(gone).is_none(), "{gone} in {u}");
    }
    assert!(!u["schemas"].to_string().contains(ENT));
    assert_eq!(
        typed(&u, "addresses", "work").and_then(|a| a.get("formatted")),
        None
    );

    let removed = api
        .patch(
            &format!("Users/{id}"),
            json!([
                {"op": "Remove", "path": "addresses[type eq \"work\"]"},
                {"op": "Remove", "path": "externalId"},
                {"op": "Remove", "path": "phoneNumbers[type eq \"mobile\"].value"},
            ]),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    let u = read(&api, &id).await;
    for gone in ["addresses", "externalId", "phoneNumbers"] {
        assert!(u.get(gone).is_none(), "{gone} in {u}");
    }
    assert_eq!(u["emails"][0]["value"], json!("ann@work.example"));
}

#[tokio::test]
async fn username_and_plain_attributes_change() {
    let api = Api::start(&[]).await;
    let id = create(&api, json!({"userName": "first@x.io", "externalId": "e1"})).await;
    create(&api, json!({"userName": "taken@x.io"})).await;
    let r = api
        .patch(
            &format!("Users/{id}"),
            json!([{"op": "Replace", "path": "userName", "value": "second@x.io"}]),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["userName"].clone()),
        (200, json!("second@x.io"))
    );
    let count = |f: &'static str| {
        let api = &api;
        async move { api.filter("Users", f).await.json()["totalResults"].clone() }
    };
    assert_eq!(count(r#"userName eq "first@x.io""#).await, json!(0));
    assert_eq!(count(r#"userName eq "SECOND@x.io""#).await, json!(1));
    let r = api
        .patch(
            &format!("Users/{id}"),
            json!([{"op": "replace", "value": {"userName": "third@x.io", "externalId": "e2", "displayName": "T", "title": "Boss"}}]),
        )
        .await;
    assert_eq!(r.status, 200);
    let u = read(&api, &id).await;
    assert_eq!(
        [
            &u["userName"],
            &u["externalId"],
            &u["displayName"],
            &u["title"]
        ],
        [
            &json!("third@x.io"),
            &json!("e2"),
            &json!("T"),
            &json!("Boss")
        ]
    );
    assert_eq!(count(r#"externalId eq "e2""#).await, json!(1));
    assert_eq!(count(r#"userName eq "second@x.io""#).await, json!(0));
    let clash = api
        .patch(
            &format!("Users/{id}"),
            json!([{"op": "replace", "value": {"userName": "TAKEN@x.io"}}]),
        )
        .await;
    assert_eq!(
        (clash.status, clash.json()["scimType"].clone()),
        (409, json!("uniqueness"))
    );
    assert_eq!(read(&api, &id).await["userName"], json!("third@x.io"));
}

#[tokio::test]
async fn manager_set_changed_and_cleared_every_way() {
    let api = Api::start(&[]).await;
    let id = create(&api, json!({"userName": "emp@x.io"})).await;
    let path = format!("{ENT}:manager");
    let sets = [
        ("Add", json!("m1")),
        ("Replace", json!({"value": "m2"})),
        ("replace", json!([{"$ref": null, "value": "m3"}])),
        ("add", json!({"value": "m4"})),
    ];
    for (op, value) in sets {
        let want = value
            .get("value")
            .or_else(|| value.get(0).and_then(|v| v.get("value")))
            .cloned()
            .unwrap_or_else(|| value.clone());
        let r = api
            .patch(
                &format!("Users/{id}"),
                json!([{"op": op, "path": path, "value": value}]),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            manager(&api, &id).await,
            Some(json!({"value": want})),
            "{op}"
        );
    }
    let clears = [
        json!({"op": "Replace", "path": path, "value": ""}),
        json!({"op": "Replace", "path": path, "value": {"value": ""}}),
        json!({"op": "Remove", "path": path}),
        json!({"op": "replace", "value": {path.clone(): null}}),
    ];
    for clear in clears {
        api.patch(
            &format!("Users/{id}"),
            json!([{"op": "Add", "path": path, "value": "m9"}]),
        )
        .await;
        assert!(manager(&api, &id).await.is_some());
        let r = api.patch(&format!("Users/{id}"), json!([clear])).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(manager(&api, &id).await, None, "{clear}");
    }
}

#[tokio::test]
async fn pagination_pages_in_creation_order() {
    let api = Api::start(&[]).await;
    for i in 0..11 {
        create(&api, json!({"userName": format!("page{i:02}@x.io")})).await;
    }
    let mut seen = Vec::new();
    let mut start = 1;
    for (want_start, want_items) in [(1, 5), (6, 5), (11, 1)] {
        let page = api
            .get(&format!("Users?startIndex={start}&count=5"))
            .await
            .json();
        assert_eq!(
            (
                &page["startIndex"],
                &page["itemsPerPage"],
                &page["totalResults"]
            ),
            (&json!(want_start), &json!(want_items), &json!(11))
        );
        for r in page["Resources"].as_array().into_iter().flatten() {
            seen.push(r["userName"].as_str().unwrap_or_default().to_string());
        }
        start += 5;
    }
    let want: Vec<String> = (0..11).map(|i| format!("page{i:02}@x.io")).collect();
    assert_eq!(seen, want);
    let beyond = api.get("Users?startIndex=50&count=5").await.json();
    assert_eq!(
        (
            &beyond["itemsPerPage"],
            &beyond["totalResults"],
            &beyond["Resources"]
        ),
        (&json!(0), &json!(11), &json!([]))
    );
    let filtered = api
        .get(&format!(
            "Users?filter={}&count=1",
            enc(r#"userName sw "page0""#)
        ))
        .await
        .json();
    assert_eq!(
        (&filtered["totalResults"], &filtered["itemsPerPage"]),
        (&json!(10), &json!(1))
    );
}

#[tokio::test]
async fn members_readded_once_and_emptied() {
    let api = Api::start(&[]).await;
    let u1 = api.user("a@x.io").await;
    let gid = api.group(json!({"displayName": "G"})).await;
    for _ in 0..2 {
        let r = api
            .patch(
                &format!("Groups/{gid}"),
                json!([{"op": "Add", "path": "members", "value": [{"value": u1}]}]),
            )
            .await;
        assert_eq!(r.status, 204);
    }
    let g = api.get(&format!("Groups/{gid}")).await.json();
    assert_eq!(g["members"].as_array().map(Vec::len), Some(1));
    api.patch(
        &format!("Groups/{gid}"),
        json!([{"op": "remove", "path": format!("members[value eq \"{u1}\"]")}]),
    )
    .await;
    let g = api.get(&format!("Groups/{gid}")).await.json();
    assert!(g.get("members").is_none_or(|m| m == &json!([])), "{g}");
}

#[tokio::test]
async fn unknown_ids_and_recreated_user_names() {
    let api = Api::start(&[]).await;
    for kind in ["Users", "Groups"] {
        let p = api
            .patch(
                &format!("{kind}/nope"),
                json!([{"op": "replace", "path": "displayName", "value": "x"}]),
            )
            .await;
        assert_eq!(p.status, 404, "{kind}");
        assert_eq!(
            api.call("DELETE", &format!("{kind}/nope"), None)
                .await
                .status,
            404
        );
    }
    let id = api.user("again@x.io").await;
    assert_eq!(
        api.call("DELETE", &format!("Users/{id}"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        api.post("Users", json!({"userName": "again@x.io"}))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn fault_details() {
    // filtered-replace-appends: a second work email appears, the first is unchanged.
    let api = Api::start(&[Fault::FilteredReplaceAppends]).await;
    let id = create(&api, full_user("f@x.io")).await;
    api.patch(
        &format!("Users/{id}"),
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@work.example"}]),
    )
    .await;
    let emails = read(&api, &id).await["emails"].clone();
    assert_eq!(
        emails,
        json!([{"primary": true, "type": "work", "value": "ann@work.example"}, {"type": "work", "value": "new@work.example"}])
    );
    // create-drops-attributes keeps exactly the listed attributes.
    let api = Api::start(&[Fault::CreateDropsAttributes]).await;
    let u = api.post("Users", full_user("d@x.io")).await.json();
    let keys: Vec<&str> = u
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "schemas",
            "id",
            "userName",
            "active",
            "externalId",
            "emails",
            "meta"
        ]
    );
    // role-display-dropped: only value survives, on create and on PATCH.
    let api = Api::start(&[Fault::RoleDisplayDropped]).await;
    let u = api.post("Users", full_user("r@x.io")).await.json();
    assert_eq!(u["roles"], json!([{"value": "Admin"}]));
    // manager-replace-ignored still sets a first manager and clears it.
    let api = Api::start(&[Fault::ManagerReplaceIgnored]).await;
    let id = create(&api, json!({"userName": "m@x.io"})).await;
    let path = format!("{ENT}:manager");
    api.patch(
        &format!("Users/{id}"),
        json!([{"op": "Add", "path": path, "value": "m1"}]),
    )
    .await;
    assert_eq!(
        read(&api, &id).await[ENT]["manager"],
        json!({"value": "m1"})
    );
    api.patch(
        &format!("Users/{id}"),
        json!([{"op": "Remove", "path": path}]),
    )
    .await;
    assert!(read(&api, &id).await.get(ENT).is_none());
    // manager-clear-ignored ignores every clear form.
    let api = Api::start(&[Fault::ManagerClearIgnored]).await;
    let id = create(&api, json!({"userName": "m@x.io", ENT: {"manager": "m1"}})).await;
    for clear in [
        json!({"op": "Replace", "path": path, "value": {"value": ""}}),
        json!({"op": "Remove", "path": path}),
        json!({"op": "replace", "value": {path.clone(): null}}),
    ] {
        assert_eq!(
            api.patch(&format!("Users/{id}"), json!([clear]))
                .await
                .status,
            200
        );
        assert_eq!(
            read(&api, &id).await[ENT]["manager"],
            json!({"value": "m1"})
        );
    }
    // username-immutable: path-less too.
    let api = Api::start(&[Fault::UsernameImmutable]).await;
    let id = create(&api, json!({"userName": "keep@x.io"})).await;
    let r = api
        .patch(
            &format!("Users/{id}"),
            json!([{"op": "replace", "value": {"userName": "new@x.io"}}]),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["userName"].clone()),
        (200, json!("keep@x.io"))
    );
    // null-update-ignored: nested clears too, while real values still apply.
    let api = Api::start(&[Fault::NullUpdateIgnored]).await;
    let id = create(&api, full_user("n@x.io")).await;
    api.patch(
        &format!("Users/{id}"),
        json!([{"op": "replace", "value": {"name": {"givenName": ""}, "title": "New"}}]),
    )
    .await;
    let u = read(&api, &id).await;
    assert_eq!(
        (&u["name"]["givenName"], &u["title"]),
        (&json!("Ann"), &json!("New"))
    );
    // pagination-ignored: everything, even beyond the 200 page cap.
    let api = Api::start(&[Fault::PaginationIgnored]).await;
    for i in 0..205 {
        api.seed("User", json!({"userName": format!("p{i}@x.io")}));
    }
    let page = api.get("Users?startIndex=3&count=2").await.json();
    assert_eq!(
        (&page["startIndex"], &page["itemsPerPage"]),
        (&json!(1), &json!(205))
    );
}
