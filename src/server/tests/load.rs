//! Load behaviours through the router: rate limit, read-after-write filter lag, injected 500s,
//! member PATCHes in place, `lost-member-updates` under concurrent PATCHes, and the slow group
//! PATCH of `slow-group-patch`.

use super::*;
use crate::server::routes::SLOW_GROUP_PATCH;
use std::time::Duration;

/// The faults this module observes.
pub(super) const FAMILY: &[Fault] = &[
    Fault::LostMemberUpdates,
    Fault::SlowGroupPatch,
    Fault::ParallelWrites500,
];

/// The statuses of two user PATCHes sent at once, and of one sent alone afterwards.
async fn parallel_writes(api: &Api) -> Vec<u16> {
    let a = api.seed("User", json!({"userName": "pa@x.io"}));
    let b = api.seed("User", json!({"userName": "pb@x.io"}));
    let ops = json!([{"op": "replace", "path": "title", "value": "T"}]);
    let (pa, pb) = (format!("Users/{a}"), format!("Users/{b}"));
    let (ra, rb) = tokio::join!(api.patch(&pa, ops.clone()), api.patch(&pb, ops.clone()));
    let alone = api.patch(&pa, ops).await;
    let mut both = vec![ra.status, rb.status];
    both.sort_unstable();
    both.push(alone.status);
    both
}

/// Whether a group PATCH and a user PATCH each take at least [`SLOW_GROUP_PATCH`] to answer.
async fn slow_patches(api: &Api) -> (bool, bool) {
    let uid = api.seed("User", json!({"userName": "slow@x.io"}));
    let gid = api.seed("Group", json!({"displayName": "Slow", "members": []}));
    let timed = |rel: String, ops: Value| async move {
        let started = tokio::time::Instant::now();
        let r = api.patch(&rel, ops).await;
        assert!(r.status < 300, "{}", r.body);
        started.elapsed() >= SLOW_GROUP_PATCH
    };
    let group = timed(
        format!("Groups/{gid}"),
        json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]),
    )
    .await;
    let user = timed(
        format!("Users/{uid}"),
        json!([{"op": "replace", "path": "displayName", "value": "Slow"}]),
    )
    .await;
    (group, user)
}

/// Adds `users.len()` members to one group with concurrent single-member PATCHes; returns how
/// many members the group ends with.
async fn concurrent_adds(api: &Api) -> usize {
    let users: Vec<String> = (0..4)
        .map(|i| api.seed("User", json!({"userName": format!("c{i}@x.io")})))
        .collect();
    let gid = api.seed("Group", json!({"displayName": "Busy", "members": []}));
    let rel = format!("Groups/{gid}");
    let add = |uid: &String| {
        api.patch(
            &rel,
            json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]),
        )
    };
    let (a, b, c, d) = tokio::join!(
        add(&users[0]),
        add(&users[1]),
        add(&users[2]),
        add(&users[3])
    );
    for r in [a, b, c, d] {
        assert_eq!(r.status, 204, "{}", r.body);
    }
    api.get(&format!("Groups/{gid}")).await.json()["members"]
        .as_array()
        .map_or(0, Vec::len)
}

/// The scenario exposing `fault`, or `None` for faults outside [`FAMILY`].
pub(super) async fn observe(fault: Fault, api: &Api) -> Option<Value> {
    Some(match fault {
        Fault::LostMemberUpdates => json!(concurrent_adds(api).await),
        Fault::SlowGroupPatch => json!(slow_patches(api).await),
        Fault::ParallelWrites500 => json!(parallel_writes(api).await),
        _ => return None,
    })
}

#[tokio::test]
async fn faults_under_load() {
    super::faults::assert_family(FAMILY).await;
}

#[tokio::test]
async fn concurrent_member_patches_keep_every_update() {
    assert_eq!(concurrent_adds(&Api::start(&[]).await).await, 4);
    assert!(concurrent_adds(&Api::start(&[Fault::LostMemberUpdates]).await).await < 4);
}

#[tokio::test]
async fn member_patches_edit_in_place_and_bump_the_version() {
    let api = Api::start(&[]).await;
    let (u1, u2) = (api.user("a@x.io").await, api.user("b@x.io").await);
    let gid = api
        .group(json!({"displayName": "G", "externalId": "gx"}))
        .await;
    let r = api
        .patch(
            &format!("Groups/{gid}"),
            json!([
                {"op": "Add", "path": "members", "value": [{"value": u1}, {"value": u2}]},
                {"op": "Remove", "path": "members", "value": [{"value": u1}]},
            ]),
        )
        .await;
    assert_eq!(r.status, 204);
    let g = api.get(&format!("Groups/{gid}")).await.json();
    assert_eq!(
        g["members"],
        json!([{"value": u2, "display": "b@x.io", "type": "User"}])
    );
    assert_eq!(g["meta"]["version"], json!("W/\"2\""));
    // A PATCH mixing members with other attributes takes the general path, same result.
    let r = api
        .patch(
            &format!("Groups/{gid}"),
            json!([
                {"op": "Replace", "path": "displayName", "value": "G2"},
                {"op": "Add", "path": "members", "value": [{"value": u1}]},
            ]),
        )
        .await;
    assert_eq!(r.status, 204);
    let g = api.get(&format!("Groups/{gid}")).await.json();
    assert_eq!(
        (
            g["displayName"].clone(),
            g["members"].as_array().map(Vec::len)
        ),
        (json!("G2"), Some(2))
    );
    // Still indexed by displayName and externalId after both kinds of write.
    assert_eq!(
        api.filter("Groups", r#"displayName eq "g2""#).await.json()["totalResults"],
        json!(1)
    );
    assert_eq!(
        api.filter("Groups", r#"externalId eq "gx""#).await.json()["totalResults"],
        json!(1)
    );
    // A bad member anywhere in the PATCH changes nothing.
    let bad = api
        .patch(
            &format!("Groups/{gid}"),
            json!([
                {"op": "Remove", "path": "members", "value": [{"value": u1}]},
                {"op": "Add", "path": "members", "value": [{"display": "no value"}]},
            ]),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        api.get(&format!("Groups/{gid}")).await.json()["members"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

fn config(edit: impl FnOnce(&mut ServerConfig)) -> ServerConfig {
    let mut cfg = ServerConfig::new(TOKEN);
    edit(&mut cfg);
    cfg
}

#[tokio::test(start_paused = true)]
async fn rate_limit_answers_429_with_retry_after() {
    let api = Api::with_config(config(|c| {
        c.rate_limit = Some(RateLimit {
            per_second: 3,
            retry_after: Duration::from_millis(1500),
        });
    }))
    .await;
    for _ in 0..3 {
        assert_eq!(api.get("Users").await.status, 200);
    }
    let limited = api.get("Users").await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("2"));
    assert!(limited
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/scim+json")));
    assert_eq!(
        (
            limited.json()["status"].clone(),
            limited.json()["schemas"][0].clone()
        ),
        (json!("429"), json!(crate::core::scim::ERROR_SCHEMA))
    );
    // Every request counts, even unauthenticated ones.
    assert_eq!(api.send("GET", "Users", None, None).await.status, 429);
    tokio::time::advance(Duration::from_millis(400)).await;
    assert_eq!(api.get("Users").await.status, 200);
    assert_eq!(api.get("Users").await.status, 429);
    // Refill never exceeds the burst.
    tokio::time::advance(Duration::from_secs(60)).await;
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(api.get("Users").await.status);
        }
        v
    };
    assert_eq!(statuses, [200, 200, 200, 429]);
}

/// totalResults of the filter for `late@x.io`.
async fn found(api: &Api) -> Value {
    api.filter("Users", r#"userName eq "late@x.io""#)
        .await
        .json()["totalResults"]
        .clone()
}

#[tokio::test(start_paused = true)]
async fn filter_lag_hides_new_resources_from_filters_only() {
    let api = Api::with_config(config(|c| c.filter_lag = Duration::from_secs(30))).await;
    let id = api.user("late@x.io").await;
    assert_eq!(found(&api).await, json!(0));
    assert_eq!(api.get(&format!("Users/{id}")).await.status, 200);
    assert_eq!(api.get("Users").await.json()["totalResults"], json!(1));
    tokio::time::advance(Duration::from_secs(29)).await;
    assert_eq!(found(&api).await, json!(0));
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(found(&api).await, json!(1));
    // Uniqueness does not lag: a second create of the same userName is still a conflict.
    let gid = api.group(json!({"displayName": "Fresh"})).await;
    assert_eq!(
        api.post("Users", json!({"userName": "late@x.io"}))
            .await
            .status,
        409
    );
    assert_eq!(
        api.filter("Groups", r#"displayName eq "Fresh""#)
            .await
            .json()["totalResults"],
        json!(0)
    );
    assert_eq!(api.get(&format!("Groups/{gid}")).await.status, 200);
}

/// The statuses of `n` GETs against a server failing `share` of requests with `seed`.
async fn statuses(share: f64, seed: u64, n: usize) -> Vec<u16> {
    let api = Api::with_config(config(|c| {
        c.error_share = share;
        c.seed = seed;
    }))
    .await;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(api.get("Users").await.status);
    }
    out
}

#[tokio::test]
async fn error_share_fails_a_seeded_fraction_of_requests() {
    let a = statuses(0.3, 42, 400).await;
    let failures = a.iter().filter(|s| **s == 500).count();
    assert!((80..160).contains(&failures), "{failures}");
    assert!(a.iter().all(|s| *s == 200 || *s == 500));
    assert_eq!(statuses(0.3, 42, 400).await, a);
    assert_ne!(statuses(0.3, 43, 400).await, a);
    assert!(statuses(0.0, 1, 50).await.iter().all(|s| *s == 200));
    assert!(statuses(1.0, 1, 50).await.iter().all(|s| *s == 500));
    assert!(statuses(f64::NAN, 1, 20).await.iter().all(|s| *s == 200));

    let api = Api::with_config(config(|c| c.error_share = 1.0)).await;
    let r = api.post("Users", json!({"userName": "never@x.io"})).await;
    assert_eq!((r.status, r.json()["status"].clone()), (500, json!("500")));
    assert_eq!(api.dump()["Users"], json!([]));
}

#[tokio::test(start_paused = true)]
async fn load_behaviours_are_off_by_default_and_delay_waits() {
    let cfg = ServerConfig::new(TOKEN);
    assert_eq!(
        (
            cfg.rate_limit,
            cfg.filter_lag,
            cfg.error_share,
            cfg.seed,
            cfg.delay
        ),
        (None, Duration::ZERO, 0.0, 0, Duration::ZERO)
    );
    let api = Api::with_config(config(|c| c.delay = Duration::from_secs(3))).await;
    let started = tokio::time::Instant::now();
    assert_eq!(api.get("Users").await.status, 200);
    assert!(started.elapsed() >= Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn slow_group_patch_delays_group_patches_only() {
    assert_eq!(slow_patches(&Api::start(&[]).await).await, (false, false));
    assert_eq!(
        slow_patches(&Api::start(&[Fault::SlowGroupPatch]).await).await,
        (true, false),
        "only a group PATCH waits"
    );
}

#[tokio::test]
async fn error_after_commit_keeps_the_change_behind_the_500() {
    let api = Api::with_config(config(|c| {
        c.error_share = 1.0;
        c.error_after_commit = true;
    }))
    .await;
    let r = api.post("Users", json!({"userName": "kept@x.io"})).await;
    assert_eq!(r.status, 500);
    assert_eq!(api.dump()["Users"][0]["userName"], json!("kept@x.io"));
}
