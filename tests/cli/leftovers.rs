//! Cleanup verified by reading back: against a server whose DELETE answers 204 but keeps the
//! resource, `check` and `cleanup` name the exact leftovers and exit non-zero; against one whose
//! large listings fail, `cleanup` pages smaller and still removes everything; resources listed
//! without an id are named as not addressable; a run that creates nothing still prints its
//! cleanup line.

use std::time::Duration;

use libtest_mimic::{Failed, Trial};

use super::{expect, run, serve, Api, Output};

const TOKEN: &str = "leftover-token-1234";

/// Seeds `n` prefixed users, one prefixed group and one foreign user.
fn seed(api: &Api, run: &str, n: usize) -> Result<(), String> {
    for i in 0..n {
        api.post(
            "Users",
            serde_json::json!({"userName": format!("scimconf-{run}-{i}-u@example.com")}),
        )?;
    }
    api.post(
        "Groups",
        serde_json::json!({"displayName": format!("scimconf-{run}-{n}-Team")}),
    )?;
    api.post(
        "Users",
        serde_json::json!({"userName": "alice@example.com"}),
    )
}

fn cleanup_names_what_a_delete_kept() -> Result<(), Failed> {
    let server = serve(TOKEN, &["--fault", "delete-keeps-resource"])?;
    let api = Api::new(&server.url, TOKEN)?;
    seed(&api, "dead0002", 2)?;
    let out = run(
        &["cleanup", "--target-url", &server.url],
        &[("SCIM_TOKEN", TOKEN)],
        Duration::from_secs(60),
    )?;
    expect(
        out.code == Some(1),
        "cleanup exits 1 when a DELETE kept the resource",
        &out,
    )?;
    expect(
        out.stdout.contains("deleted 0, could not delete 3")
            && out.stdout.contains("left behind 3"),
        "cleanup counts the three as left behind",
        &out,
    )?;
    let named = api.named("scimconf-")?;
    each_leftover_named(&out.stdout, &named, &out)?;
    expect(named.len() == 3, "the three are really still there", &out)
}

fn check_names_what_a_delete_kept() -> Result<(), Failed> {
    let server = serve(TOKEN, &["--fault", "delete-keeps-resource"])?;
    let api = Api::new(&server.url, TOKEN)?;
    let out = run(
        &[
            "check",
            "--target-url",
            &server.url,
            "--snapshots",
            "off",
            "users::create",
        ],
        &[("SCIM_TOKEN", TOKEN)],
        Duration::from_secs(120),
    )?;
    expect(
        out.code == Some(101),
        "check exits 101 when its cleanup left resources behind",
        &out,
    )?;
    let named = api.named("scimconf-")?;
    expect(!named.is_empty(), "the run created something", &out)?;
    expect(
        out.stderr.contains(&format!("left behind {}", named.len())),
        &format!("the summary counts exactly what remains: {named:?}"),
        &out,
    )?;
    each_leftover_named(&out.stderr, &named, &out)
}

/// Every leftover the server still has (`Users/<id> <name>`) is named on a `left behind:` line
/// of `text` with its id, its name and why (`still there`).
fn each_leftover_named(text: &str, named: &[String], out: &Output) -> Result<(), Failed> {
    for line in named {
        let (path, name) = line.split_once(' ').unwrap_or((line, ""));
        expect(
            text.lines().any(|l| {
                l.contains("left behind: ")
                    && l.contains(path)
                    && l.contains(name)
                    && l.contains("still there")
            }),
            &format!("the leftover {line} is named with its id and name"),
            out,
        )?;
    }
    Ok(())
}

fn cleanup_pages_smaller_when_listings_fail() -> Result<(), Failed> {
    let server = serve(TOKEN, &["--fault", "list-500-on-large-count"])?;
    let api = Api::new(&server.url, TOKEN)?;
    // More than one page of 20.
    seed(&api, "dead0003", 45)?;
    let out = run(
        &["cleanup", "--target-url", &server.url],
        &[("SCIM_TOKEN", TOKEN)],
        Duration::from_secs(120),
    )?;
    expect(
        out.code == Some(0)
            && out.stdout.contains("found 46 resource(s)")
            && out.stdout.contains("nothing left behind"),
        "cleanup removes all 46 although count=100 answers 500",
        &out,
    )?;
    let left = api.named("scimconf-")?;
    expect(left.is_empty(), &format!("nothing remains: {left:?}"), &out)?;
    expect(
        api.named("")?.len() == 1,
        "the foreign user is untouched",
        &out,
    )
}

fn cleanup_names_resources_without_an_id() -> Result<(), Failed> {
    let rt = super::common::runtime()?;
    let server = rt.block_on(async {
        let s = wiremock::MockServer::start().await;
        let list = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 2, "startIndex": 1, "itemsPerPage": 2,
            "Resources": [
                {"userName": "scimconf-dead0004-1-noid@example.com"},
                {"id": ".", "userName": "scimconf-dead0004-2-dot@example.com"}
            ]
        });
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .and(wiremock::matchers::path("/scim/Users"))
            .respond_with(
                wiremock::ResponseTemplate::new(200)
                    .insert_header("content-type", "application/scim+json")
                    .set_body_json(list),
            )
            .mount(&s)
            .await;
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .and(wiremock::matchers::path("/scim/Groups"))
            .respond_with(
                wiremock::ResponseTemplate::new(200)
                    .insert_header("content-type", "application/scim+json")
                    .set_body_json(serde_json::json!({
                        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                        "totalResults": 0, "Resources": []
                    })),
            )
            .mount(&s)
            .await;
        s
    });
    let url = format!("{}/scim/", server.uri());
    let out = run(
        &["cleanup", "--target-url", &url],
        &[("SCIM_TOKEN", TOKEN)],
        Duration::from_secs(60),
    )?;
    let deletes = rt.block_on(server.received_requests()).unwrap_or_default();
    expect(
        !deletes.iter().any(|r| r.method.as_str() == "DELETE"),
        "nothing is guessed at: no DELETE is sent",
        &out,
    )?;
    expect(
        out.code == Some(1)
            && out.stdout.contains("found 2 resource(s)")
            && out
                .stdout
                .contains("scimconf-dead0004-1-noid@example.com  (not addressable")
            && out
                .stdout
                .contains("scimconf-dead0004-2-dot@example.com  (not addressable")
            && out.stdout.contains("not addressable 2"),
        "both are listed by name as not addressable, and cleanup exits 1",
        &out,
    )
}

fn cleanup_line_when_nothing_was_created() -> Result<(), Failed> {
    let server = serve(TOKEN, &[])?;
    let out = run(
        &[
            "check",
            "--target-url",
            &server.url,
            "--snapshots",
            "off",
            "connection::users-probe",
        ],
        &[("SCIM_TOKEN", TOKEN)],
        Duration::from_secs(60),
    )?;
    expect(
        out.code == Some(0)
            && out
                .stderr
                .contains("created 0 resource(s), deleted 0, left behind 0"),
        "a run that creates nothing still prints its cleanup line",
        &out,
    )
}

/// The trials of this module.
pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test(
            "cli::cleanup-names-what-a-delete-kept",
            cleanup_names_what_a_delete_kept,
        ),
        Trial::test(
            "cli::check-names-what-a-delete-kept",
            check_names_what_a_delete_kept,
        ),
        Trial::test(
            "cli::cleanup-pages-smaller-when-listings-fail",
            cleanup_pages_smaller_when_listings_fail,
        ),
        Trial::test(
            "cli::cleanup-names-resources-without-an-id",
            cleanup_names_resources_without_an_id,
        ),
        Trial::test(
            "cli::cleanup-line-when-nothing-was-created",
            cleanup_line_when_nothing_was_created,
        ),
    ]
}
