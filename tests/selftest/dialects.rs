//! Sent as Entra sends: every vendor profile is run against its emulation in each of its
//! dialects, and every request the scenario sends is read back from the recording and compared
//! with the dialect tables of `entra-protocol.md` (§4.3, §3.6, §2.4):
//!
//! | what                  | legacy (no flag)                              | compliant (`?aadOptscim062020`)        |
//! |-----------------------|-----------------------------------------------|----------------------------------------|
//! | PATCH `op`            | `Add`, `Replace`, `Remove`                    | `add`, `replace`, `remove`             |
//! | `active` in a PATCH   | the strings `"True"` / `"False"`              | JSON booleans                          |
//! | member removal        | `Remove`, path `members`, a `value` array     | `remove`, path `members[value eq "…"]` |
//!
//! and no filter names an attribute the vendor does not match on. Entries that replay another
//! Microsoft client (the `gallery` suite replays the gallery's Logic App and SCIM Validator,
//! whose shapes are their own) and the few documented variants below are the exceptions, each
//! named with its source.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};
use serde_json::Value;

use scim_conformance::core::dialect::{Dialect, DialectChoice};
use scim_conformance::core::files::Tree;
use scim_conformance::core::secret::{Redactor, Secret};
use scim_conformance::exec::{run_trial, Context};
use scim_conformance::http::{ClientConfig, ScimClient, Target};
use scim_conformance::outcome::Phase;
use scim_conformance::plan::{plan, Planned};
use scim_conformance::profile::VendorProfile;
use scim_conformance::server::{self, ServerConfig};
use scim_conformance::suite::load_dir;

use crate::common::{package_dir, profiles};

/// Entries whose requests are not Entra's engine's, and why.
const OTHER_CLIENTS: &[(&str, &str)] = &[(
    "gallery::",
    "replays Microsoft's gallery Logic App and SCIM Validator (PR-VAL §8.3, RC-LA)",
)];

/// Documented Entra variants a dialect table does not describe.
const VARIANTS: &[(&str, &str)] = &[
    (
        "users::disable-boolean-capitalised",
        "ED-SCIM 'Disable User': a capitalised Replace with a JSON boolean (legacy only)",
    ),
    (
        "roles::assertive-",
        "ED-ATTR AssertiveAppRoleAssignmentsComplex: a lowercase `replace` of the whole array in both dialects",
    ),
];

/// Filters a scenario may send on an attribute the vendor does not match on.
const FILTER_EXCEPTIONS: &[(&str, &str)] = &[
    (
        "connection::groups-probe",
        "Test Connection probes /Groups for every app, user-only ones too (PR-RCA Issue 3)",
    ),
    (
        "filters::unsupported-attribute",
        "asks for the RFC's 400 invalidFilter on purpose",
    ),
    (
        "users::filter-externalid",
        "ED-SCIM's requirement list: every endpoint answers an externalId filter (gallery)",
    ),
];

fn exempt(entry: &str, table: &[(&str, &str)]) -> bool {
    table.iter().any(|(prefix, _)| entry.starts_with(prefix))
}

/// What one PATCH body breaks of its dialect's table.
fn patch_problems(body: &Value, dialect: Dialect) -> Vec<String> {
    let mut out = Vec::new();
    let ops = body
        .get("Operations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for op in &ops {
        let name = op.get("op").and_then(Value::as_str).unwrap_or_default();
        let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
        let value = op.get("value");
        let capitalised = name.chars().next().is_some_and(char::is_uppercase);
        match dialect {
            Dialect::Legacy if !capitalised => out.push(format!("op `{name}` in lower case")),
            Dialect::Compliant if name != name.to_lowercase() => {
                out.push(format!("op `{name}` capitalised"))
            }
            _ => {}
        }
        let active = if path.eq_ignore_ascii_case("active") {
            value
        } else if path.is_empty() {
            value.and_then(|v| v.get("active"))
        } else {
            None
        };
        match (dialect, active) {
            (Dialect::Legacy, Some(v)) if !v.is_string() => {
                out.push(format!("active as {v} (legacy sends \"True\"/\"False\")"))
            }
            (Dialect::Compliant, Some(v)) if !v.is_boolean() => {
                out.push(format!("active as {v} (compliant sends a boolean)"))
            }
            _ => {}
        }
        let removes_member =
            name.eq_ignore_ascii_case("remove") && path.to_ascii_lowercase().starts_with("members");
        match dialect {
            Dialect::Legacy if removes_member && (path != "members" || value.is_none()) => out
                .push(format!(
                    "member removal as `{path}` (legacy: path members with a value array)"
                )),
            Dialect::Compliant
                if removes_member && (!path.starts_with("members[value eq ") || value.is_some()) =>
            {
                out.push(format!(
                    "member removal as `{path}` with a value (compliant: members[value eq \"…\"], no value)"
                ))
            }
            _ => {}
        }
    }
    out
}

/// The attribute a `filter=` query parameter of this URL names first, if any.
fn filter_attribute(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let filter = parsed
        .query_pairs()
        .find(|(k, _)| k == "filter")
        .map(|(_, v)| v.into_owned())?;
    let attr = filter.split_whitespace().next()?.to_string();
    Some(attr)
}

async fn check_profile(
    profile: Arc<VendorProfile>,
    problems: &mut Vec<String>,
) -> Result<usize, String> {
    let token = format!("dialects-{}", uuid::Uuid::new_v4().simple());
    let config = if profile.id() == "entra-default" {
        ServerConfig::new(token.clone())
    } else {
        scim_conformance::app::emulation::emulation(&profile, &token)
    };
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    let server = server::spawn(config, addr)
        .await
        .map_err(|e| e.to_string())?;
    let dir = package_dir();
    let suites = load_dir(
        &Tree::Disk(dir.join("suites")),
        &Tree::Disk(dir.join("fixtures")),
    )
    .map_err(|e| e.to_string())?;
    let secret = Secret::new(token);
    let client = ScimClient::new(ClientConfig {
        timeout: Duration::from_secs(10),
        ..ClientConfig::default()
    })
    .map_err(|e| e.to_string())?;
    let target = Target {
        base: server.base_url().clone(),
        params: Vec::new(),
        token: Some(secret.clone()),
        oauth: None,
    };
    let run_id = "dialects".parse().map_err(|e| format!("{e}"))?;
    let ctx = Context {
        delete_deactivates: profile.delete_deactivates,
        ..Context::new(client, target, run_id, Redactor::new([secret]))
    };
    let caps = profile.capabilities();
    let matches = |plural: &str, attr: &str| {
        caps.iter().any(|c| {
            c.strip_prefix(&format!("match:{plural}:"))
                .is_some_and(|m| m.eq_ignore_ascii_case(attr))
        })
    };
    let mut patches = 0;
    let choice = match profile.dialects {
        DialectChoice::Legacy => DialectChoice::Legacy,
        DialectChoice::Compliant => DialectChoice::Compliant,
        _ => DialectChoice::Both,
    };
    for p in plan(&suites, &profile, choice, 0) {
        let Planned::Trial(spec) = p else { continue };
        let outcome = run_trial(&ctx, &spec).await;
        let entry = format!("{}::{}", spec.entry.suite, spec.entry.id);
        for x in outcome.exchanges.iter().filter(|x| x.phase == Phase::Step) {
            let at = || format!("{}: step \"{}\"", outcome.name, x.step_name);
            if x.request.method == "GET" && !exempt(&entry, FILTER_EXCEPTIONS) {
                if let Some(attr) = filter_attribute(&x.request.url) {
                    let plural = if x.request.url.contains("/Groups") {
                        "groups"
                    } else {
                        "users"
                    };
                    // `id eq` and member filters are the harness's own reads, not Entra's.
                    let own = attr.eq_ignore_ascii_case("id") || attr.starts_with("members");
                    if !own && !matches(plural, &attr) {
                        problems.push(format!(
                            "{}: filters {plural} on `{attr}`, which {} does not match on",
                            at(),
                            profile.id()
                        ));
                    }
                }
            }
            if x.request.method != "PATCH"
                || exempt(&entry, OTHER_CLIENTS)
                || exempt(&entry, VARIANTS)
            {
                continue;
            }
            let Some(body) = &x.request.body else {
                continue;
            };
            let dialect = spec.effective_dialect();
            let Ok(json) = serde_json::from_str::<Value>(body) else {
                continue;
            };
            patches += 1;
            for p in patch_problems(&json, dialect) {
                problems.push(format!("{} ({dialect}): {p}", at()));
            }
        }
    }
    server.shutdown().await;
    Ok(patches)
}

fn sent_as_entra_sends() -> Result<(), Failed> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let mut problems = Vec::new();
        let mut patches = 0;
        for p in profiles()? {
            patches += check_profile(Arc::new(p), &mut problems).await?;
        }
        if patches == 0 {
            return Err("no PATCH was sent at all".into());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "requests that Entra does not send in the run's dialect (entra-protocol.md §4.3, §3.6), or filters on attributes the vendor does not match on:\n{}",
                problems.join("\n")
            )
            .into())
        }
    })
}

/// The tables themselves catch what they describe (each shape in the other dialect breaks it).
fn the_tables_catch_what_they_describe() -> Result<(), Failed> {
    let check = |ok: bool, what: &str| if ok { Ok(()) } else { Err(Failed::from(what)) };
    let legacy_ok: Value = serde_json::json!({"Operations": [
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Remove", "path": "members", "value": [{"value": "u"}]}
    ]});
    check(
        patch_problems(&legacy_ok, Dialect::Legacy).is_empty(),
        "legacy shapes pass legacy",
    )?;
    check(
        patch_problems(&legacy_ok, Dialect::Compliant).len() == 4,
        "legacy shapes fail compliant",
    )?;
    let compliant_ok: Value = serde_json::json!({"Operations": [
        {"op": "replace", "value": {"active": false, "displayName": "x"}},
        {"op": "remove", "path": "members[value eq \"u\"]"}
    ]});
    check(
        patch_problems(&compliant_ok, Dialect::Compliant).is_empty(),
        "compliant shapes pass compliant",
    )?;
    check(
        patch_problems(&compliant_ok, Dialect::Legacy).len() == 4,
        "compliant shapes fail legacy",
    )?;
    check(
        filter_attribute("http://h/scim/Users?filter=userName+eq+%22x%22").as_deref()
            == Some("userName"),
        "the filter attribute is read",
    )
}

/// The trials of this module.
pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test(
            "dialects::tables-catch-what-they-describe",
            the_tables_catch_what_they_describe,
        ),
        Trial::test("dialects::sent-as-entra-sends", sent_as_entra_sends),
    ]
}
