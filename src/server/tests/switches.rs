//! The switches for "every defect found, each once": what each fault changes, and what each must
//! keep working (a Tolerated fault is a server Entra still works with).

use super::*;
use crate::core::scim::{ADSCIM_GROUP_SCHEMA, GROUP_SCHEMA};

/// The faults this module observes.
pub(super) const FAMILY: &[Fault] = &[
    Fault::GroupUrnRefused,
    Fault::MemberRemoveLegacyRefused,
    Fault::UserBodyRefused,
    Fault::MembersNeverReturned,
    Fault::MembersUnverifiable,
    Fault::FilterSpecialChars400,
    Fault::EmailRequired,
];

/// A group with members `u1` and `u2`, seeded: (group id, u1, u2).
fn group_of_two(api: &Api) -> (String, String, String) {
    let u1 = api.seed("User", json!({"userName": "m1@x.io"}));
    let u2 = api.seed("User", json!({"userName": "m2@x.io"}));
    let gid = api.seed(
        "Group",
        json!({"displayName": "G", "members": [{"value": u1, "type": "User"}, {"value": u2, "type": "User"}]}),
    );
    (gid, u1, u2)
}

/// The three ways the harness asks whether `uid` is a member of `gid`; each answer's
/// (status, totalResults).
async fn membership(api: &Api, gid: &str, uid: &str) -> Vec<(u16, Value)> {
    let mut out = Vec::new();
    for f in [
        format!(r#"id eq "{gid}" and members[value eq "{uid}"]"#),
        format!(r#"members[value eq "{uid}"]"#),
        format!(r#"members.value eq "{uid}""#),
    ] {
        let r = api.filter("Groups", &f).await;
        out.push((r.status, r.json()["totalResults"].clone()));
    }
    out
}

/// The scenario exposing `fault`, or `None` for faults outside [`FAMILY`].
pub(super) async fn observe(fault: Fault, api: &Api) -> Option<Value> {
    Some(match fault {
        Fault::GroupUrnRefused => {
            let r = api
                .post(
                    "Groups",
                    json!({"schemas": [GROUP_SCHEMA, ADSCIM_GROUP_SCHEMA], "displayName": "G"}),
                )
                .await;
            json!([r.status, r.json()["scimType"]])
        }
        Fault::MemberRemoveLegacyRefused => {
            let (gid, u1, _) = group_of_two(api);
            let r = api
                .patch(
                    &format!("Groups/{gid}"),
                    json!([{"op": "Remove", "path": "members", "value": [{"value": u1}]}]),
                )
                .await;
            json!([
                r.status,
                r.json()["scimType"],
                api.dump()["Groups"][0]["members"].as_array().map(Vec::len)
            ])
        }
        Fault::UserBodyRefused => {
            let r = api
                .post(
                    "Users",
                    json!({"userName": "b@x.io", "emails": [{"primary": true, "type": "work", "value": "b@x.io"}]}),
                )
                .await;
            json!([r.status, r.json()["scimType"]])
        }
        Fault::MembersNeverReturned | Fault::MembersUnverifiable => {
            let (gid, u1, _) = group_of_two(api);
            let by_id = api.get(&format!("Groups/{gid}")).await.json();
            let listed = api.get("Groups").await.json();
            json!([
                by_id.get("members").is_some(),
                listed["Resources"][0].get("members").is_some(),
                membership(api, &gid, &u1).await
            ])
        }
        Fault::FilterSpecialChars400 => {
            api.seed("User", json!({"userName": "o'neil@x.io"}));
            let r = api.filter("Users", r#"userName eq "o'neil@x.io""#).await;
            json!([r.status, r.json()["scimType"]])
        }
        Fault::EmailRequired => {
            let r = api.post("Users", json!({"userName": "jdoe"})).await;
            json!([r.status, r.json()["scimType"]])
        }
        _ => return None,
    })
}

#[tokio::test]
async fn faults_every_defect_once() {
    super::faults::assert_family(FAMILY).await;
}

#[tokio::test]
async fn legacy_member_removal_refused_but_the_compliant_form_works() {
    let api = Api::start(&[Fault::MemberRemoveLegacyRefused]).await;
    let (gid, u1, u2) = group_of_two(&api);
    let legacy = api
        .patch(
            &format!("Groups/{gid}"),
            json!([{"op": "Remove", "path": "members", "value": [{"value": u1}]}]),
        )
        .await;
    assert_eq!(
        (legacy.status, legacy.json()["scimType"].clone()),
        (400, json!("invalidPath"))
    );
    let compliant = api
        .patch(
            &format!("Groups/{gid}"),
            json!([{"op": "remove", "path": format!("members[value eq \"{u1}\"]")}]),
        )
        .await;
    assert_eq!(compliant.status, 204);
    assert_eq!(
        api.get(&format!("Groups/{gid}")).await.json()["members"],
        json!([{"value": u2, "type": "User"}])
    );
}

#[tokio::test]
async fn user_body_refused_only_for_primary_or_type_on_emails() {
    let api = Api::start(&[Fault::UserBodyRefused]).await;
    let plain = api
        .post(
            "Users",
            json!({"userName": "p@x.io", "emails": [{"value": "p@x.io"}]}),
        )
        .await;
    assert_eq!(plain.status, 201, "{}", plain.body);
    let id = plain.json()["id"].as_str().unwrap_or_default().to_string();
    for email in [
        json!({"value": "p@x.io", "type": "work"}),
        json!({"value": "p@x.io", "primary": false}),
    ] {
        let put = api
            .call(
                "PUT",
                &format!("Users/{id}"),
                Some(json!({"userName": "p@x.io", "emails": [email]})),
            )
            .await;
        assert_eq!(
            (put.status, put.json()["scimType"].clone()),
            (400, json!("invalidValue"))
        );
    }
}

#[tokio::test]
async fn members_never_returned_but_verifiable_by_filter() {
    let api = Api::start(&[Fault::MembersNeverReturned]).await;
    let (gid, u1, u2) = group_of_two(&api);
    let ok = vec![(200, json!(1)); 3];
    assert_eq!(membership(&api, &gid, &u1).await, ok);
    let created = api
        .post(
            "Groups",
            json!({"displayName": "Other", "members": [{"value": u1}]}),
        )
        .await;
    assert_eq!(created.status, 201);
    assert!(created.json().get("members").is_none());
    let removed = api
        .patch(
            &format!("Groups/{gid}"),
            json!([{"op": "remove", "path": format!("members[value eq \"{u1}\"]")}]),
        )
        .await;
    assert_eq!(removed.status, 204);
    let by_id_and_members = api
        .filter(
            "Groups",
            &format!(r#"id eq "{gid}" and members[value eq "{u1}"]"#),
        )
        .await;
    assert_eq!(by_id_and_members.json()["totalResults"], json!(0));
    assert_eq!(membership(&api, &gid, &u2).await, ok);
    // The other group still has u1: only the id-scoped form says "not in this group".
    assert_eq!(
        api.filter("Groups", &format!(r#"members[value eq "{u1}"]"#))
            .await
            .json()["Resources"][0]
            .get("members"),
        None
    );
    let listed = api
        .get("Groups?excludedAttributes=displayName")
        .await
        .json();
    assert!(listed["Resources"]
        .as_array()
        .is_some_and(|r| r.iter().all(|g| g.get("members").is_none())));

    let api = Api::start(&[Fault::MembersUnverifiable]).await;
    let (gid, u1, _) = group_of_two(&api);
    for (status, _) in membership(&api, &gid, &u1).await {
        assert_eq!(status, 400);
    }
    assert_eq!(
        api.filter("Groups", r#"displayName eq "G""#).await.json()["totalResults"],
        json!(1)
    );
}

#[tokio::test]
async fn special_characters_and_required_email() {
    let api = Api::start(&[Fault::FilterSpecialChars400]).await;
    for value in ["a+b@x.io", "zoë@x.io", "o'neil@x.io"] {
        let r = api
            .filter("Users", &format!(r#"userName eq "{value}""#))
            .await;
        assert_eq!(
            (r.status, r.json()["scimType"].clone()),
            (400, json!("invalidFilter")),
            "{value}"
        );
    }
    assert_eq!(
        api.filter("Users", r#"userName eq "plain@x.io""#)
            .await
            .status,
        200
    );

    let api = Api::start(&[Fault::EmailRequired]).await;
    assert_eq!(
        api.post("Users", json!({"userName": "a@x.io"}))
            .await
            .status,
        201
    );
    let with_work = api
        .post(
            "Users",
            json!({"userName": "jdoe", "emails": [{"type": "work", "value": "j@x.io", "primary": true}]}),
        )
        .await;
    assert_eq!(with_work.status, 201, "{}", with_work.body);
    let r = api.post("Users", json!({"userName": "jroe"})).await;
    assert_eq!(
        (r.status, r.json()["scimType"].clone()),
        (400, json!("invalidValue"))
    );
}

#[tokio::test]
async fn group_urn_refused_only_with_the_adscim_urn() {
    let api = Api::start(&[Fault::GroupUrnRefused]).await;
    assert_eq!(
        api.post(
            "Groups",
            json!({"schemas": [GROUP_SCHEMA], "displayName": "Core"})
        )
        .await
        .status,
        201
    );
}
