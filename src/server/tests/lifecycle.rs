//! Lifecycles through the router: users and groups the way Entra drives them, projection,
//! auth, discovery, protocol errors, seeding, and malformed input answered with SCIM errors.

use super::*;
use crate::core::scim::ENTERPRISE_USER_SCHEMA as ENT;

#[tokio::test]
async fn user_lifecycle_entra_style() {
    let api = Api::start(&[]).await;
    let r = api
        .post(
            "Users?aadOptscim062020",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
                "externalId": "E-1",
                "userName": "Ann.O'Neil+tag@Example.com",
                "active": "True",
                "displayName": "Zoë Ünal",
                "meta": {"resourceType": "Bogus"},
                "emails": [{"primary": "true", "type": "work", "value": "ann@work.example"}],
                ENT: {"employeeNumber": "701984", "manager": "m-1"},
                "x-custom": {"kept": true}
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/scim+json")));
    let u = r.json();
    let id = u["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()),
        Ok(4)
    );
    assert_eq!(u["active"], json!(true));
    assert_eq!(u["emails"][0]["primary"], json!(true));
    assert_eq!(u["x-custom"], json!({"kept": true}));
    assert_eq!(u[ENT]["manager"], json!({"value": "m-1"}));
    assert_eq!(u["meta"]["resourceType"], json!("User"));
    assert_eq!(u["meta"]["version"], json!("W/\"1\""));
    let loc = u["meta"]["location"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(r.header("location"), Some(loc.as_str()));
    assert_eq!(loc, format!("{}Users/{id}", api.base_url));

    // Case-insensitive uniqueness.
    let dup = api
        .post("Users", json!({"userName": "ann.o'neil+TAG@example.com"}))
        .await;
    assert_eq!(
        (dup.status, dup.json()["scimType"].clone()),
        (409, json!("uniqueness"))
    );
    assert_eq!(dup.json()["status"], json!("409"));

    // Filters the way Entra sends them.
    for f in [
        r#"userName eq "ann.o'neil+tag@example.com""#,
        r#"externalId eq "E-1""#,
        r#"displayName eq "Zoë Ünal""#,
        r#"emails[type eq "work"].value eq "ann@work.example""#,
        &format!(r#"{ENT}:employeeNumber eq "701984""#),
        r#"id eq "ID""#,
    ] {
        let f = f.replace("ID", &id);
        let l = api.filter("Users", &f).await;
        assert_eq!(
            (l.status, l.json()["totalResults"].clone()),
            (200, json!(1)),
            "{f}: {}",
            l.body
        );
    }
    let none = api.filter("Users", r#"userName eq "nobody""#).await.json();
    assert_eq!(none["Resources"], json!([]));
    assert_eq!(none["totalResults"], json!(0));
    let bad = api.filter("Users", r#"nickName eq "x""#).await;
    assert_eq!(
        (bad.status, bad.json()["scimType"].clone()),
        (400, json!("invalidFilter"))
    );
    assert!(bad.json()["detail"]
        .as_str()
        .is_some_and(|d| d.contains("nickName")));

    // Legacy Entra PATCH dialect.
    let p = api
        .patch(&format!("Users/{id}"), json!([
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "emails[type eq \"home\"].value", "value": "ann@home.example"},
            {"op": "Replace", "value": {"name.givenName": "Ann", format!("{ENT}:department"): "R&D"}},
            {"op": "Add", "path": "roles", "value": [{"value": "{\"id\":\"1\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]},
        ]))
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    let pj = p.json();
    assert_eq!(pj["active"], json!(false));
    assert_eq!(pj["name"]["givenName"], json!("Ann"));
    assert_eq!(pj[ENT]["department"], json!("R&D"));
    assert_eq!(pj["roles"][0]["value"], json!("Admin"));
    assert_eq!(
        pj["emails"][1],
        json!({"type": "home", "value": "ann@home.example"})
    );
    assert_eq!(pj["meta"]["version"], json!("W/\"2\""));

    // An invalid op leaves the resource untouched (all or nothing).
    let bad = api
        .patch(
            &format!("Users/{id}"),
            json!([
            {"op": "replace", "path": "title", "value": "T"},
            {"op": "copy", "path": "title"}]),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json()["scimType"].clone()),
        (400, json!("invalidSyntax"))
    );
    assert!(api
        .get(&format!("Users/{id}"))
        .await
        .json()
        .get("title")
        .is_none());
    let rm = api
        .patch(
            &format!("Users/{id}"),
            json!([{"op": "remove", "path": "userName"}]),
        )
        .await;
    assert_eq!(
        (rm.status, rm.json()["scimType"].clone()),
        (400, json!("invalidValue"))
    );

    // PUT keeps id and created.
    let put = api
        .call(
            "PUT",
            &format!("Users/{id}"),
            Some(json!({"userName": "ann2", "externalId": "E-1"})),
        )
        .await;
    assert_eq!(put.status, 200);
    assert_eq!(put.json()["meta"]["created"], u["meta"]["created"]);
    assert_eq!(put.json()["active"], json!(true));

    let d = api.call("DELETE", &format!("Users/{id}"), None).await;
    assert_eq!((d.status, d.body.as_str()), (204, ""));
    let g = api.get(&format!("Users/{id}")).await;
    assert_eq!((g.status, g.json()["status"].clone()), (404, json!("404")));
}

#[tokio::test]
async fn groups_lifecycle_and_projection() {
    let api = Api::start(&[]).await;
    let (u1, u2) = (api.user("one@x.io").await, api.user("two@x.io").await);
    let r = api
        .post("Groups", json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "displayName": "Sales", "externalId": "G-1"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["members"], json!([]));
    let gid = r.json()["id"].as_str().unwrap_or_default().to_string();
    let dup = api.post("Groups", json!({"displayName": "SALES"})).await;
    assert_eq!(dup.status, 409);
    let missing = api.post("Groups", json!({"externalId": "x"})).await;
    assert_eq!(
        (missing.status, missing.json()["scimType"].clone()),
        (400, json!("invalidValue"))
    );

    let add = api
        .patch(&format!("Groups/{gid}"), json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": u1}, {"value": u2}]}]))
        .await;
    assert_eq!((add.status, add.body.as_str()), (204, ""));
    let g = api.get(&format!("Groups/{gid}")).await.json();
    assert_eq!(
        g["members"][0],
        json!({"value": u1, "display": "one@x.io", "type": "User"})
    );
    let ex = api
        .get(&format!("Groups/{gid}?excludedAttributes=Members"))
        .await
        .json();
    assert!(ex.get("members").is_none() && ex.get("id").is_some() && ex.get("meta").is_some());
    let only = api
        .get(&format!("Groups/{gid}?attributes=displayName"))
        .await
        .json();
    assert_eq!(
        only.as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(vec![
            "schemas".to_string(),
            "id".into(),
            "displayName".into(),
            "meta".into()
        ])
    );
    let l = api
        .filter(
            "Groups",
            &format!(r#"id eq "{gid}" and members[value eq "{u2}"]"#),
        )
        .await;
    assert_eq!(l.json()["totalResults"], json!(1), "{}", l.body);
    let l = api
        .get(&format!(
            "Groups?filter={}&excludedAttributes=members",
            enc(r#"displayName eq "sales""#)
        ))
        .await
        .json();
    assert_eq!(
        (
            l["totalResults"].clone(),
            l["Resources"][0].get("members").is_none()
        ),
        (json!(1), true)
    );

    let legacy = api
        .patch(
            &format!("Groups/{gid}"),
            json!([{"op": "Remove", "path": "members", "value": [{"value": u1}]}]),
        )
        .await;
    assert_eq!(legacy.status, 204);
    let g = api.get(&format!("Groups/{gid}")).await.json();
    assert_eq!(g["members"].as_array().map(Vec::len), Some(1));
    api.patch(
        &format!("Groups/{gid}"),
        json!([{"op": "remove", "path": format!("members[value eq \"{u2}\"]")}]),
    )
    .await;
    assert_eq!(
        api.get(&format!("Groups/{gid}")).await.json()["members"],
        json!([])
    );
    let rename = api
        .patch(
            &format!("Groups/{gid}"),
            json!([{"op": "Replace", "path": "displayName", "value": "Sales EU"}]),
        )
        .await;
    assert_eq!(rename.status, 204);
    assert_eq!(
        api.filter("Groups", r#"displayName eq "SALES eu""#)
            .await
            .json()["totalResults"],
        json!(1)
    );

    let mut cfg = ServerConfig::new(TOKEN);
    cfg.groups_enabled = false;
    let no_groups = Api::with_config(cfg).await;
    // Test Connection's probe of /Groups gets an empty list; everything else about groups is 404.
    let probe = no_groups.get("Groups").await;
    assert_eq!(
        (probe.status, probe.json()["totalResults"].clone()),
        (200, json!(0))
    );
    assert_eq!(
        no_groups
            .post("Groups", json!({"displayName": "x"}))
            .await
            .status,
        404
    );
    assert_eq!(no_groups.get("Groups/some-id").await.status, 404);
    assert_eq!(
        no_groups.get("ResourceTypes").await.json()["totalResults"],
        json!(1)
    );
}

#[tokio::test]
async fn auth_discovery_and_protocol_errors() {
    let api = Api::start(&[]).await;
    let none = api.send("GET", "Users", None, None).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    assert_eq!(none.json()["status"], json!("401"));
    assert_eq!(
        api.send("GET", "Users", Some("Bearer nope"), None)
            .await
            .status,
        401
    );
    assert_eq!(
        api.send("GET", "ServiceProviderConfig", None, None)
            .await
            .status,
        401
    );

    let spc = api.get("ServiceProviderConfig").await.json();
    assert_eq!(
        (
            spc["patch"]["supported"].clone(),
            spc["bulk"]["supported"].clone()
        ),
        (json!(true), json!(false))
    );
    assert_eq!(api.get("Schemas").await.json()["totalResults"], json!(3));
    let rt = api.get("ResourceTypes/User").await.json();
    assert_eq!(rt["schemaExtensions"][0]["schema"], json!(ENT));

    let m = api.call("DELETE", "Users", None).await;
    assert_eq!((m.status, m.json()["status"].clone()), (405, json!("405")));
    let bad = api
        .send(
            "POST",
            "Users",
            Some(&format!("Bearer {TOKEN}")),
            Some("{not json"),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json()["scimType"].clone()),
        (400, json!("invalidSyntax"))
    );
    let list = api
        .send(
            "POST",
            "Users",
            Some(&format!("Bearer {TOKEN}")),
            Some("[1]"),
        )
        .await;
    assert_eq!(list.status, 400);
    assert_eq!(api.get("Nope").await.status, 404);
    assert_eq!(api.get("Users/does-not-exist").await.status, 404);

    // Paging is deterministic (creation order).
    for i in 0..5 {
        api.user(&format!("p{i}@x.io")).await;
    }
    let page = api.get("Users?startIndex=2&count=2").await.json();
    assert_eq!(
        (
            page["totalResults"].clone(),
            page["itemsPerPage"].clone(),
            page["startIndex"].clone()
        ),
        (json!(5), json!(2), json!(2))
    );
    assert_eq!(page["Resources"][0]["userName"], json!("p1@x.io"));

    // Other base paths.
    for base in ["", "/api/scim/entra/env-1/"] {
        let mut cfg = ServerConfig::new(TOKEN);
        cfg.base_path = base.to_string();
        let other = Api::with_config(cfg).await;
        assert!(other.base_url.ends_with('/'));
        assert_eq!(other.get("Users").await.status, 200, "{base}");
        if !base.is_empty() {
            assert_eq!(
                other
                    .send("GET", "/Users", Some(&format!("Bearer {TOKEN}")), None)
                    .await
                    .status,
                404
            );
        }
    }
}

#[tokio::test]
async fn seed_and_dump() {
    let api = Api::start(&[]).await;
    let id = api.seed("Users", json!({"userName": "foreign", "active": true}));
    let before = api.dump();
    assert_eq!(before["Users"][0]["id"], json!(id));
    api.user("mine@x.io").await;
    let after = api.dump();
    let foreign: Vec<&Value> = after["Users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|u| u["id"] == json!(id))
        .collect();
    assert_eq!(foreign, vec![&before["Users"][0]]);
    assert_eq!(
        api.get(&format!("Users/{id}")).await.json()["userName"],
        json!("foreign")
    );
}

#[tokio::test]
async fn malformed_requests_get_scim_errors_not_panics() {
    let api = Api::start(&[]).await;
    let uid = api.user("robust@x.io").await;
    let gid = api.post("Groups", json!({"displayName": "R"})).await.json()["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let auth = format!("Bearer {TOKEN}");
    let raw_bodies: &[(&str, String, &str)] = &[
        ("POST", "Users".into(), ""),
        ("POST", "Users".into(), "null"),
        ("POST", "Users".into(), r#"{"userName": 42}"#),
        (
            "POST",
            "Users".into(),
            r#"{"userName": "u", "active": "maybe"}"#,
        ),
        ("POST", "Users".into(), r#"{"userName": "u", "active": 3}"#),
        (
            "POST",
            "Users".into(),
            r#"{"userName": "u", "roles": "x", "emails": 5, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": 7}}"#,
        ),
        (
            "POST",
            "Groups".into(),
            r#"{"displayName": "g", "members": "nope"}"#,
        ),
        (
            "POST",
            "Groups".into(),
            r#"{"displayName": "g", "members": [{"value": 1}]}"#,
        ),
        ("PUT", format!("Users/{uid}"), "[]"),
        ("PATCH", format!("Users/{uid}"), "{}"),
        ("PATCH", format!("Users/{uid}"), r#"{"Operations": {}}"#),
        ("PATCH", format!("Users/{uid}"), r#"{"Operations": [1]}"#),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"path": "title"}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": 5}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"schemas": ["wrong"], "Operations": []}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": 3, "value": 1}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "title"}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "replace", "value": "flat"}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "emails[", "value": 1}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "emails[type eq \"w\"]x", "value": 1}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "emails[type eq \"w\"]", "value": 1}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "a.b.c", "value": 1}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "manager", "value": 12}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "roles", "value": 12}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "replace", "path": "userName", "value": 12}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "value": "x"}]}"#,
        ),
        (
            "PATCH",
            format!("Groups/{gid}"),
            r#"{"Operations": [{"op": "add", "path": "members", "value": "x"}]}"#,
        ),
        (
            "PATCH",
            format!("Groups/{gid}"),
            r#"{"Operations": [{"op": "remove", "path": "members", "value": [{"display": "no value"}]}]}"#,
        ),
        (
            "PATCH",
            format!("Groups/{gid}"),
            r#"{"Operations": [{"op": "remove", "path": "displayName"}]}"#,
        ),
    ];
    for (method, rel, body) in raw_bodies {
        let r = api.send(method, rel, Some(&auth), Some(body)).await;
        assert_eq!(r.status, 400, "{method} {rel} {body}: {}", r.body);
        assert_eq!(r.json()["status"], json!("400"), "{body}");
    }
    for f in [
        "",
        "((",
        "userName",
        "userName eq",
        r#"userName eq "x"#,
        r#"userName eq "\uZZZZ""#,
        r#"userName eq "\ud800""#,
        "userName eq x",
        r#"emails[type eq "w""#,
        r#"emails[type eq "w"]]"#,
        r#"emails[emails[type eq "w"]]"#,
        r#"userName zz "x""#,
        r#"userName eq "x" and"#,
        "not userName eq 1",
        r#"userName eq "x" )"#,
        "[",
        "]",
        r#"meta.created gt "2020""#,
    ] {
        let r = api.filter("Users", f).await;
        assert_eq!(
            (r.status, r.json()["scimType"].clone()),
            (400, json!("invalidFilter")),
            "{f:?}: {}",
            r.body
        );
    }
    for q in ["startIndex=abc", "count=1.5"] {
        assert_eq!(api.get(&format!("Users?{q}")).await.status, 400, "{q}");
    }
    // The server is still healthy and the user untouched.
    let u = api.get(&format!("Users/{uid}")).await;
    assert_eq!(
        (u.status, u.json()["meta"]["version"].clone()),
        (200, json!("W/\"1\""))
    );
    assert_eq!(
        api.get("Users?count=-3&startIndex=-1").await.json()["itemsPerPage"],
        json!(0)
    );
}
