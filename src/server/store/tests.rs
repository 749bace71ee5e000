//! Unit tests of the store: ids and meta, uniqueness, replace/commit/delete, indexes.

use super::*;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

#[test]
fn create_assigns_id_meta_and_keeps_attributes() {
    let mut s = Store::new();
    let r = s
        .create(
            ResourceKind::User,
            obj(json!({"userName":"a","id":"client","meta":{"x":1},"custom":{"k":1},"schemas":["s"]})),
            "http://h/scim",
            true,
        )
        .unwrap_or_default();
    let id = r["id"].as_str().unwrap_or_default().to_string();
    assert_ne!(id, "client");
    assert_eq!(r["custom"], json!({"k":1}));
    assert_eq!(r["meta"]["resourceType"], json!("User"));
    assert_eq!(r["meta"]["version"], json!("W/\"1\""));
    assert_eq!(
        r["meta"]["location"],
        json!(format!("http://h/scim/Users/{id}"))
    );
    let keys: Vec<&String> = r
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["schemas", "id", "userName", "custom", "meta"]);
}

#[test]
fn uniqueness_is_case_insensitive_and_excludes_self() {
    let mut s = Store::new();
    let a = s
        .create(
            ResourceKind::User,
            obj(json!({"userName":"Ann@x.io"})),
            "",
            true,
        )
        .unwrap_or_default();
    let err = s.create(
        ResourceKind::User,
        obj(json!({"userName":"ann@X.IO"})),
        "",
        true,
    );
    assert!(matches!(err, Err(ScimError::Uniqueness(_))));
    assert!(s
        .create(
            ResourceKind::User,
            obj(json!({"userName":"ann@X.IO"})),
            "",
            false
        )
        .is_ok());
    let id = a["id"].as_str().unwrap_or_default();
    assert!(s.check_unique(ResourceKind::User, &a, Some(id)).is_err());
    let mut g = Store::new();
    g.create(
        ResourceKind::Group,
        obj(json!({"displayName":"Ops"})),
        "",
        true,
    )
    .unwrap_or_default();
    assert!(g
        .create(
            ResourceKind::Group,
            obj(json!({"displayName":"OPS"})),
            "",
            true
        )
        .is_err());
    // users and groups do not clash with each other
    assert!(g
        .create(
            ResourceKind::User,
            obj(json!({"userName":"Ops", "displayName": "Ops"})),
            "",
            true
        )
        .is_ok());
}

#[test]
fn replace_commit_delete_and_members() {
    let mut s = Store::new();
    let u = s
        .create(
            ResourceKind::User,
            obj(json!({"userName":"u1"})),
            "http://h",
            true,
        )
        .unwrap_or_default();
    let uid = u["id"].as_str().unwrap_or_default().to_string();
    let r = s
        .replace(
            ResourceKind::User,
            &uid,
            obj(json!({"userName":"u2"})),
            true,
        )
        .unwrap_or_default();
    assert_eq!(r["meta"]["version"], json!("W/\"2\""));
    assert_eq!(r["meta"]["created"], u["meta"]["created"]);
    let mut patched = r.clone();
    patched["title"] = json!("x");
    let c = s
        .commit(ResourceKind::User, &uid, patched, true)
        .unwrap_or_default();
    assert_eq!(c["meta"]["version"], json!("W/\"3\""));
    assert_eq!(
        s.member_info(&uid),
        Some(MemberInfo {
            kind: ResourceKind::User,
            display: Some("u2".into())
        })
    );
    let gid = s.seed(
        ResourceKind::Group,
        json!({"displayName":"g","members":[{"value": uid.clone()}]}),
        "http://h",
    );
    assert!(s.delete(ResourceKind::User, &uid));
    assert!(!s.delete(ResourceKind::User, &uid));
    let g = s.get(ResourceKind::Group, &gid).map(|e| e.resource());
    assert_eq!(g.map(|g| g["members"].clone()), Some(json!([])));
    assert_eq!(s.dump()["Groups"][0]["id"], json!(gid));
}

fn parsed(f: &str) -> Filter {
    crate::server::filter::parse(f).unwrap_or_else(|e| panic!("{f}: {e}"))
}

/// (number of matches, resources examined) for `filter` on `kind`.
fn probe(s: &Store, kind: ResourceKind, f: &str) -> (usize, usize) {
    let r = s.query(kind, Some(&parsed(f)), &MatchOptions::default());
    (r.matches.len(), r.examined)
}

#[test]
fn eq_filters_are_index_lookups_at_load_scale() {
    const USERS: usize = 100_000;
    const GROUPS: usize = 10_000;
    let mut s = Store::new();
    let mut user_ids = Vec::with_capacity(USERS);
    for i in 0..USERS {
        let u = s
            .create(
                ResourceKind::User,
                obj(json!({"userName": format!("user{i}@x.io"), "externalId": format!("ext-{i}"), "displayName": format!("User {i}")})),
                "http://h",
                true,
            )
            .unwrap_or_default();
        user_ids.push(u["id"].as_str().unwrap_or_default().to_string());
    }
    let mut group_ids = Vec::with_capacity(GROUPS);
    for g in 0..GROUPS {
        let members: Vec<Value> = (0..10)
            .map(|m| json!({"value": user_ids[(g * 10 + m) % USERS], "type": "User"}))
            .collect();
        let id = s.seed(
            ResourceKind::Group,
            json!({"displayName": format!("Group {g}"), "externalId": format!("gx-{g}"), "members": members}),
            "http://h",
        );
        group_ids.push(id);
    }
    assert_eq!(
        (s.len(ResourceKind::User), s.len(ResourceKind::Group)),
        (USERS, GROUPS)
    );

    // Each Entra matching query examines only the resource it names.
    let user = ResourceKind::User;
    assert_eq!(probe(&s, user, r#"userName eq "USER99999@X.IO""#), (1, 1));
    assert_eq!(probe(&s, user, r#"externalId eq "ext-5""#), (1, 1));
    assert_eq!(probe(&s, user, r#"externalId eq "EXT-5""#), (0, 0));
    assert_eq!(probe(&s, user, r#"displayName eq "user 123""#), (1, 1));
    assert_eq!(probe(&s, user, r#"id eq "nobody""#), (0, 0));
    let id = &user_ids[77_777];
    assert_eq!(probe(&s, user, &format!(r#"id eq "{id}""#)), (1, 1));
    assert_eq!(
        probe(
            &s,
            user,
            r#"userName eq "user1@x.io" or externalId eq "ext-2""#
        ),
        (2, 2)
    );
    assert_eq!(
        probe(&s, user, r#"userName eq "user1@x.io" and active eq true"#),
        (0, 1)
    );
    let group = ResourceKind::Group;
    assert_eq!(probe(&s, group, r#"displayName eq "GROUP 9999""#), (1, 1));
    let (gid, uid) = (&group_ids[42], &user_ids[425]);
    assert_eq!(
        probe(
            &s,
            group,
            &format!(r#"id eq "{gid}" and members[value eq "{uid}"]"#)
        ),
        (1, 1)
    );
    // Anything else is a scan, and the counter says so.
    assert_eq!(probe(&s, user, r#"userName sw "user9999""#), (11, USERS));

    // Uniqueness is an index lookup too, case-insensitively.
    let dup = s.create(user, obj(json!({"userName": "User42@X.io"})), "", true);
    assert!(matches!(dup, Err(ScimError::Uniqueness(_))));

    // Writes keep the indexes current.
    let renamed = s.get(user, id).map(|e| e.resource()).unwrap_or_default();
    let mut renamed = renamed;
    renamed["userName"] = json!("renamed@x.io");
    assert!(s.commit(user, id, renamed, true).is_ok());
    assert_eq!(probe(&s, user, r#"userName eq "user77777@x.io""#), (0, 0));
    assert_eq!(probe(&s, user, r#"userName eq "RENAMED@x.io""#), (1, 1));
    assert!(s.delete(user, id));
    assert_eq!(probe(&s, user, r#"userName eq "renamed@x.io""#), (0, 0));
    // ... and the deleted user left the one group that listed it (found without a scan).
    let listed = |s: &Store, g: usize| {
        s.get(group, &group_ids[g])
            .and_then(|e| e.resource()["members"].as_array().map(Vec::len))
    };
    assert_eq!((listed(&s, 7777), listed(&s, 7776)), (Some(9), Some(10)));
    assert_eq!(probe(&s, user, &format!(r#"id eq "{id}""#)), (0, 0));

    // A member edit touches the member list of one group in place.
    let before = s.get(group, gid).map(|e| e.version);
    assert!(s
        .edit_members(gid, |m| m.push(json!({"value": "extra", "type": "User"})))
        .is_ok());
    let after = s.get(group, gid).cloned();
    assert_eq!(after.as_ref().map(|e| e.version), before.map(|v| v + 1));
    assert_eq!(
        after.map(|e| (
            e.resource()["members"].as_array().map(Vec::len),
            e.resource()["meta"]["version"].clone()
        )),
        Some((Some(11), json!("W/\"2\"")))
    );
    assert!(matches!(
        s.edit_members("nope", |_| {}),
        Err(ScimError::NotFound(_))
    ));
}

#[test]
fn odd_values_stay_findable_and_order_is_creation_order() {
    let mut s = Store::new();
    let odd = s.seed(
        ResourceKind::User,
        json!({"userName": ["weird"], "externalId": 5}),
        "",
    );
    let a = s.seed(ResourceKind::User, json!({"userName": "a"}), "");
    let b = s.seed(ResourceKind::User, json!({"userName": "A"}), "");
    // Seeded duplicates (no uniqueness check) are both found, in creation order.
    let r = s.query(
        ResourceKind::User,
        Some(&parsed(r#"userName eq "a""#)),
        &MatchOptions::default(),
    );
    let ids: Vec<&str> = r.matches.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [a.as_str(), b.as_str()]);
    // The non-string value is a candidate of every lookup and matches as a scan would.
    assert_eq!(r.examined, 3);
    assert_eq!(
        probe(&s, ResourceKind::User, r#"userName eq "weird""#),
        (1, 1)
    );
    let all: Vec<&str> = s
        .entries(ResourceKind::User)
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(all, [odd.as_str(), a.as_str(), b.as_str()]);
    let case_exact = MatchOptions {
        case_exact_everything: true,
        ..MatchOptions::default()
    };
    let exact = s.query(
        ResourceKind::User,
        Some(&parsed(r#"userName eq "A""#)),
        &case_exact,
    );
    assert_eq!(exact.matches.len(), 1);
}

#[test]
fn a_repeated_query_is_answered_from_the_last_one_until_the_store_changes() {
    let mut s = Store::new();
    let mut ids = Vec::new();
    for i in 0..5 {
        let u = s
            .create(
                ResourceKind::User,
                obj(json!({"userName": format!("scimconf-r-{i}@x.io"), "displayName": format!("U{i}")})),
                "",
                true,
            )
            .unwrap_or_default();
        ids.push(u["id"].as_str().unwrap_or_default().to_string());
    }
    let sw = "userName sw \"scimconf-r-\"";
    assert_eq!(probe(&s, ResourceKind::User, sw), (5, 5));
    // The same query again: the same answer (from the kept one), also with another filter in
    // between only when that filter is asked again.
    assert_eq!(probe(&s, ResourceKind::User, sw), (5, 5));
    assert_eq!(probe(&s, ResourceKind::Group, sw).0, 0);
    // Every kind of change is seen: a create, a replace, a delete, a member edit.
    s.create(
        ResourceKind::User,
        obj(json!({"userName": "scimconf-r-9@x.io"})),
        "",
        true,
    )
    .unwrap_or_default();
    assert_eq!(probe(&s, ResourceKind::User, sw).0, 6);
    s.replace(
        ResourceKind::User,
        &ids[0],
        obj(json!({"userName": "other@x.io"})),
        true,
    )
    .unwrap_or_default();
    assert_eq!(probe(&s, ResourceKind::User, sw).0, 5);
    assert!(s.delete(ResourceKind::User, &ids[1]));
    assert_eq!(probe(&s, ResourceKind::User, sw).0, 4);
    let gid = s.seed(ResourceKind::Group, json!({"displayName": "G"}), "");
    let members = "members[value eq \"m1\"]";
    assert_eq!(probe(&s, ResourceKind::Group, members).0, 0);
    s.edit_members(&gid, |m| m.push(json!({"value": "m1"})))
        .unwrap_or_default();
    assert_eq!(probe(&s, ResourceKind::Group, members).0, 1);
    // Other match options are another query.
    let exact = MatchOptions {
        case_exact_everything: true,
        ..MatchOptions::default()
    };
    let upper = s.query(
        ResourceKind::User,
        Some(&parsed("userName sw \"SCIMCONF-R-\"")),
        &exact,
    );
    assert_eq!(upper.matches.len(), 0);
    assert_eq!(
        probe(&s, ResourceKind::User, "userName sw \"SCIMCONF-R-\"").0,
        4
    );
}
