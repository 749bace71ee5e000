//! The provisioning-cycle simulation's self-tests (`harness = false`): each load behaviour of the
//! reference server shows in the simulation's report, the end-state verification catches a lost
//! member and a duplicate user, SIGINT mid-run leaves nothing behind, `--max-duration` is
//! honoured. Small tenants; no timed assertions. Accepts (and ignores) the harness flags, so
//! `cargo test -- --target-url X` works for the whole package.

#[path = "common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use libtest_mimic::{Failed, Trial};
use serde_json::Value;

use scim_conformance::cli::TestCli;
use scim_conformance::core::dialect::Dialect;
use scim_conformance::core::files::Tree;
use scim_conformance::core::naming::RunId;
use scim_conformance::core::secret::{Redactor, Secret};
use scim_conformance::http::{ClientConfig, ScimClient, Target};
use scim_conformance::profile::VendorProfile;
use scim_conformance::server::{self, Fault, RateLimit, RunningServer, ServerConfig};
use scim_conformance::simulate::kind::{ErrorClass, RequestKind};
use scim_conformance::simulate::metrics::Recorder;
use scim_conformance::simulate::report::{DiscrepancyKind, VerdictStatus};
use scim_conformance::simulate::stop::Stop;
use scim_conformance::simulate::{engine, summary, Pace, Settings, SimReport};

const BIN: &str = env!("CARGO_BIN_EXE_scim-conformance");
const TOKEN: &str = "simulate-selftest-token";

/// A small tenant, unpaced.
fn small() -> Settings {
    Settings {
        users: 30,
        groups: 3,
        members_per_group: 5,
        pace: Pace::Unpaced,
        concurrency: 4,
        lag_probes: 3,
        ..Settings::default()
    }
}

fn config(edit: impl FnOnce(&mut ServerConfig)) -> ServerConfig {
    let mut c = ServerConfig::new(TOKEN);
    edit(&mut c);
    c
}

async fn start(config: ServerConfig) -> Result<RunningServer, Failed> {
    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
    server::spawn(config, addr)
        .await
        .map_err(|e| format!("cannot start the server: {e}").into())
}

/// Runs the simulation in-process against a reference server with `config`; returns the
/// report and the server's store afterwards.
fn simulate(config: ServerConfig, settings: Settings) -> Result<(SimReport, Value), Failed> {
    simulate_vendor("entra-default", config, settings)
}

/// [`simulate`] with another vendor profile.
fn simulate_vendor(
    vendor: &str,
    config: ServerConfig,
    settings: Settings,
) -> Result<(SimReport, Value), Failed> {
    let profile = common::profiles()?
        .into_iter()
        .find(|p| p.id() == vendor)
        .ok_or(format!("no {vendor} profile"))?;
    simulate_profile(profile, config, settings)
}

/// [`simulate`] with a profile given whole.
fn simulate_profile(
    profile: VendorProfile,
    config: ServerConfig,
    settings: Settings,
) -> Result<(SimReport, Value), Failed> {
    let rt = common::runtime()?;
    rt.block_on(async {
        let server = start(config).await?;
        let (target, _) = Target::parse(server.base_url().as_str(), Some(Secret::new(TOKEN)))
            .map_err(|e| e.to_string())?;
        let client = ScimClient::new(ClientConfig {
            retries: 0,
            timeout: Duration::from_secs(10),
            ..ClientConfig::default()
        })
        .map_err(|e| e.to_string())?;
        let setup = engine::Setup {
            stop: Arc::new(Stop::new(settings.max_duration)),
            recorder: Arc::new(Recorder::new(settings.jobs)),
            capture: None,
            settings,
            profile: Arc::new(profile),
            dialect: Dialect::Legacy,
            client,
            target,
            embedded: false,
            run_id: RunId::random(),
            redactor: Redactor::new(None),
        };
        let report = engine::run(setup).await.map_err(|e| e.to_string())?;
        let dump = server.dump();
        server.shutdown().await;
        Ok((report, dump))
    })
}

fn left_on_server(dump: &Value) -> usize {
    ["Users", "Groups"]
        .iter()
        .map(|k| dump[k].as_array().map_or(0, Vec::len))
        .sum()
}

/// The invariants of every run: nothing left behind, on the server and in the ledger.
fn clean(report: &SimReport, dump: &Value) -> Result<(), Failed> {
    if left_on_server(dump) > 0 || !report.cleanup.left_behind.is_empty() {
        return Err(format!(
            "left behind: {} on the server, ledger {:?}\n{}",
            left_on_server(dump),
            report.cleanup.left_behind,
            summary::summary(report)
        )
        .into());
    }
    Ok(())
}

/// A DELETE answered 204 that keeps the resource is not believed: every kept resource is
/// reported left behind, by path, and the server still holds exactly those.
fn kept_deletes_are_left_behind() -> Result<(), Failed> {
    let (report, dump) = simulate(
        config(|c| {
            c.faults.insert(Fault::DeleteKeepsResource);
        }),
        small(),
    )?;
    let kept = left_on_server(&dump);
    if kept == 0 {
        return Err(fail("the fault kept nothing", &report));
    }
    if report.cleanup.left_behind.len() != kept {
        return Err(fail(
            &format!(
                "{kept} resources remain, but the cleanup reports {} left behind",
                report.cleanup.left_behind.len()
            ),
            &report,
        ));
    }
    let text = summary::summary(&report);
    if !text.contains("LEFT BEHIND") || !text.contains("still answers 200") {
        return Err(fail(
            "the summary does not name the kept resources",
            &report,
        ));
    }
    Ok(())
}

/// Creates that answer without an id are not "nothing created": the run finds what it created by
/// its tag, counts it, deletes it and reads it back, so the cleanup reports exactly what the
/// server still holds (nothing), and the run fails: Entra cannot address a user without an id.
fn answers_without_ids_are_found_and_counted() -> Result<(), Failed> {
    let settings = small();
    let (report, dump) = simulate(
        config(|c| {
            c.faults.insert(Fault::CreateOmitsId);
        }),
        settings.clone(),
    )?;
    let expected = settings.users + settings.groups;
    if report.cleanup.created != expected {
        return Err(fail(
            &format!(
                "{expected} resources were created, but the cleanup counts {}",
                report.cleanup.created
            ),
            &report,
        ));
    }
    if report.cleanup.left_behind.len() != left_on_server(&dump) {
        return Err(fail(
            &format!(
                "{} remain on the server, but the cleanup reports {} left behind",
                left_on_server(&dump),
                report.cleanup.left_behind.len()
            ),
            &report,
        ));
    }
    clean(&report, &dump)?;
    if scim_conformance::app::simulate::exit_code(&report) == 0 {
        return Err(fail("creates without an id must fail the run", &report));
    }
    Ok(())
}

fn fail(why: &str, report: &SimReport) -> Failed {
    format!("{why}\n{}", summary::summary(report)).into()
}

fn clean_run_verifies_everything() -> Result<(), Failed> {
    let (report, dump) = simulate(config(|_| {}), small())?;
    clean(&report, &dump)?;
    let v = &report.verification;
    if !v.discrepancies.is_empty() || v.users_checked != 30 || v.groups_checked != 3 {
        return Err(fail("a clean server must verify clean", &report));
    }
    if report.verdict.status != VerdictStatus::Met || !report.errors.is_empty() {
        return Err(fail(
            "a clean unpaced run meets 25 req/s without errors",
            &report,
        ));
    }
    let kinds: Vec<RequestKind> = report.kinds.iter().map(|k| k.kind).collect();
    for k in [
        RequestKind::UserMatch,
        RequestKind::UserCreate,
        RequestKind::ManagerLink,
        RequestKind::GroupMatch,
        RequestKind::GroupCreate,
        RequestKind::MembersAdd,
        RequestKind::UserUpdate,
        RequestKind::UserDisable,
        RequestKind::MemberRemove,
        RequestKind::VerifyUser,
        RequestKind::CleanupUser,
    ] {
        if !kinds.contains(&k) {
            return Err(fail(&format!("no {k} request was measured"), &report));
        }
    }
    Ok(())
}

fn rate_limit_shows_as_429_pauses_and_a_missed_verdict() -> Result<(), Failed> {
    let settings = Settings {
        users: 16,
        groups: 2,
        pace: Pace::PerSecond(25.0),
        ..small()
    };
    let (report, dump) = simulate(
        config(|c| {
            c.rate_limit = Some(RateLimit {
                per_second: 10,
                retry_after: Duration::from_secs(1),
            })
        }),
        settings,
    )?;
    clean(&report, &dump)?;
    let t = &report.throttling;
    if t.responses == 0 || t.pauses == 0 || t.paused.is_zero() {
        return Err(fail(
            "429s and the pauses they caused must be reported",
            &report,
        ));
    }
    if report.verdict.status != VerdictStatus::NotMet {
        return Err(fail("a 10 req/s endpoint does not meet 25 req/s", &report));
    }
    if !summary::summary(&report).contains("x 429") {
        return Err(fail("the summary must show the 429s", &report));
    }
    Ok(())
}

fn filter_lag_shows_as_read_after_write_lag() -> Result<(), Failed> {
    let lag = Duration::from_millis(300);
    let (report, dump) = simulate(config(|c| c.filter_lag = lag), small())?;
    clean(&report, &dump)?;
    let l = &report.lag;
    match l.max {
        Some(max) if l.found > 0 && max >= lag => {}
        _ => return Err(fail("probes must find a lag of at least 300 ms", &report)),
    }
    if !report.verification.discrepancies.is_empty() {
        return Err(fail("lag alone loses nothing", &report));
    }
    Ok(())
}

/// Creates that land but are answered 500 are retried in the incremental cycle, whose match
/// query a 300 ms filter lag can blind. With cycles 2 s apart (`cycle_interval`) the retries
/// find what landed: no duplicate, the pause is not counted as throughput, and the report says
/// the timing was compressed against Entra's 40 minutes. With cycles 1 ms apart what the lag
/// manufactures (second creates: duplicates, or 409s that leave an object "created despite
/// errors") is named a lag artefact, not a loss.
fn cycle_interval_and_lag_artefacts() -> Result<(), Failed> {
    use scim_conformance::simulate::report::DiscrepancyKind;
    let server = || {
        config(|c| {
            c.filter_lag = Duration::from_millis(300);
            c.error_share = 0.3;
            c.error_after_commit = true;
            c.seed = 3;
        })
    };
    let apart = |d: Duration| Settings {
        cycle_interval: Some(d),
        lag_probes: 3,
        ..small()
    };
    let (report, dump) = simulate(server(), apart(Duration::from_secs(2)))?;
    clean(&report, &dump)?;
    let duplicates = |r: &SimReport| {
        r.verification
            .discrepancies
            .iter()
            .filter(|d| {
                matches!(
                    d.kind,
                    DiscrepancyKind::DuplicateUser { .. } | DiscrepancyKind::DuplicateGroup { .. }
                )
            })
            .count()
    };
    if duplicates(&report) > 0
        || report.timing.gap < Duration::from_secs(2)
        || report.throughput.seconds >= report.timing.gap.as_secs_f64()
        || !report
            .timing
            .describe()
            .contains("compressed (--cycle-interval 2.00 s)")
    {
        return Err(fail(
            "cycles 2 s apart: no duplicate, the pause not in the throughput, the timing named",
            &report,
        ));
    }
    let (report, dump) = simulate(server(), apart(Duration::from_millis(1)))?;
    clean(&report, &dump)?;
    // The retry's match query misses the create that landed: a second create (a duplicate,
    // or a 409 that leaves the object created despite errors).
    let n = report
        .verification
        .discrepancies
        .iter()
        .filter(|d| {
            matches!(
                d.kind,
                DiscrepancyKind::DuplicateUser { .. }
                    | DiscrepancyKind::DuplicateGroup { .. }
                    | DiscrepancyKind::CreatedDespiteError { .. }
            )
        })
        .count();
    if n == 0
        || !report.verification.notes.iter().any(|note| {
            note.starts_with(&format!(
                "{n} duplicate(s) or object(s) created despite errors may be lag artefacts"
            ))
        })
    {
        return Err(fail(
            "cycles 1 ms apart: the lag's duplicates are named lag artefacts",
            &report,
        ));
    }
    Ok(())
}

/// Every user the incremental cycle changes is matched first, as Entra queries the target for
/// a changed user before it updates it (ED-HOW, "Incremental cycles"): on a clean server the
/// match queries are one per user for the initial cycle plus one per changed user.
fn incremental_changes_match_first() -> Result<(), Failed> {
    let settings = small();
    let profile = common::profiles()?
        .into_iter()
        .find(|p| p.id() == "entra-default")
        .ok_or("no entra-default profile")?;
    let tenant = scim_conformance::simulate::tenant::Tenant::new(
        Arc::new(profile),
        Dialect::Legacy,
        &settings,
    )
    .map_err(|e| e.to_string())?;
    let changed = (0..tenant.users)
        .filter(|i| tenant.updated(*i) || tenant.disabled(*i))
        .count() as u64;
    let (report, dump) = simulate(config(|_| {}), settings.clone())?;
    clean(&report, &dump)?;
    let count = |kind: RequestKind| {
        report
            .kinds
            .iter()
            .find(|k| k.kind == kind)
            .map_or(0, |k| k.count)
    };
    if changed == 0 || count(RequestKind::UserMatch) != settings.users as u64 + changed {
        return Err(fail(
            &format!(
                "{} user-match queries, expected {} (initial) + {changed} (changed users)",
                count(RequestKind::UserMatch),
                settings.users
            ),
            &report,
        ));
    }
    Ok(())
}

fn error_share_shows_as_5xx_errors() -> Result<(), Failed> {
    let (report, dump) = simulate(
        config(|c| {
            c.error_share = 0.1;
            c.seed = 7;
        }),
        small(),
    )?;
    clean(&report, &dump)?;
    let fives = report
        .errors
        .iter()
        .find(|e| e.class == ErrorClass::ServerError)
        .map_or(0, |e| e.count);
    if fives == 0 {
        return Err(fail("the injected 500s must be counted", &report));
    }
    // However fast, failing answers do not meet the verdict, and the reason names them.
    if report.verdict.status != VerdictStatus::NotMet || !report.verdict.reason.contains("5xx") {
        return Err(fail(
            "a 10% share of 500s must be DOES NOT MEET, naming the 5xx",
            &report,
        ));
    }
    Ok(())
}

/// The quarantine forecast follows the failures: refused creates, scaled to 100,000 users,
/// quarantine the job and name the creates; a clean server's run does not.
fn forecast_follows_the_failures() -> Result<(), Failed> {
    use scim_conformance::simulate::forecast::Outcome;
    let settings = Settings {
        forecast_users: Some(100_000),
        ..small()
    };
    let (report, _) = simulate(
        config(|c| {
            c.faults.insert(Fault::UserBodyRefused);
        }),
        settings.clone(),
    )?;
    let f = &report.forecast;
    if !matches!(f.outcome, Outcome::Quarantined(_))
        || f.drivers.first().map(|d| d.0) != Some(RequestKind::UserCreate)
    {
        return Err(fail(
            &format!("refused creates must forecast quarantine: {f:?}"),
            &report,
        ));
    }
    let (clean, _) = simulate(config(|_| {}), settings)?;
    if matches!(clean.forecast.outcome, Outcome::Quarantined(_)) {
        return Err(fail("a clean server is not quarantined", &clean));
    }
    Ok(())
}

/// A wrong token stops at Entra's Test Connection (exit 3): a dead endpoint never "meets".
fn wrong_token_stops_at_the_preflight() -> Result<(), Failed> {
    // A worker thread serves while this thread waits on the binary.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let server = rt.block_on(start(config(|_| {})))?;
    let out = Command::new(BIN)
        .args([
            "simulate",
            "--target-url",
            server.base_url().as_str(),
            "--users",
            "20",
            "--groups",
            "1",
            "--rate",
            "max",
        ])
        .env("SCIM_TOKEN", "not-the-right-token-1234")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(3) || !stderr.contains("preflight") || stderr.contains("MEETS") {
        return Err(format!(
            "expected exit 3 at the preflight, got {:?}:\n{stderr}",
            out.status.code()
        )
        .into());
    }
    rt.block_on(server.shutdown());
    Ok(())
}

fn delay_shows_in_latency() -> Result<(), Failed> {
    let delay = Duration::from_millis(40);
    let settings = Settings {
        users: 10,
        groups: 1,
        ..small()
    };
    let (report, dump) = simulate(config(|c| c.delay = delay), settings)?;
    clean(&report, &dump)?;
    let create = report
        .kinds
        .iter()
        .find(|k| k.kind == RequestKind::UserCreate)
        .ok_or("no user-create measured")?;
    if create.p50 < delay {
        return Err(fail("a 40 ms delay must show in the latency", &report));
    }
    Ok(())
}

fn lost_member_updates_are_caught_by_verification() -> Result<(), Failed> {
    let settings = Settings {
        users: 60,
        groups: 4,
        members_per_group: 60,
        member_batch: 10,
        concurrency: 8,
        ..small()
    };
    let (report, dump) = simulate(
        config(|c| {
            c.faults.insert(Fault::LostMemberUpdates);
        }),
        settings,
    )?;
    clean(&report, &dump)?;
    let lost = report
        .verification
        .discrepancies
        .iter()
        .find(|d| matches!(d.kind, DiscrepancyKind::MemberMissing { .. }));
    let Some(lost) = lost else {
        return Err(fail("a lost member must be reported", &report));
    };
    if !lost
        .requests
        .iter()
        .any(|r| r.kind == RequestKind::MembersAdd && r.outcome.starts_with("204"))
    {
        return Err(fail(
            "the discrepancy must name the acknowledged PATCH that carried the member",
            &report,
        ));
    }
    Ok(())
}

/// A create answered 500 after the server committed it, retried in the incremental cycle: the
/// match query misses the first user (the filter lags 4 s, longer than the cycles take even on
/// a loaded machine), the second create succeeds, the server allows the duplicate.
fn duplicate_user_is_caught_by_verification() -> Result<(), Failed> {
    // About 16 creates are answered 500; each retry's match query succeeds with p = 0.8.
    let settings = Settings {
        users: 80,
        groups: 0,
        ..small()
    };
    let (report, dump) = simulate(
        config(|c| {
            c.faults.insert(Fault::DuplicatesAllowed);
            c.error_share = 0.2;
            c.seed = 3;
            c.error_after_commit = true;
            c.filter_lag = Duration::from_secs(4);
        }),
        settings,
    )?;
    clean(&report, &dump)?;
    let dup = report
        .verification
        .discrepancies
        .iter()
        .find(|d| matches!(d.kind, DiscrepancyKind::DuplicateUser { .. }));
    let Some(dup) = dup else {
        return Err(fail("a duplicate user must be reported", &report));
    };
    let creates: Vec<&str> = dup
        .requests
        .iter()
        .filter(|r| r.kind == RequestKind::UserCreate)
        .map(|r| r.outcome.as_str())
        .collect();
    if creates.len() < 2 || !creates.iter().any(|o| o.starts_with("500")) {
        return Err(fail(
            "the duplicate must name both creates, the first answered 500",
            &report,
        ));
    }
    Ok(())
}

fn jobs_have_their_own_name_spaces() -> Result<(), Failed> {
    let settings = Settings {
        jobs: 3,
        users: 12,
        groups: 2,
        ..small()
    };
    let (report, dump) = simulate(config(|_| {}), settings)?;
    clean(&report, &dump)?;
    let prefixes: std::collections::BTreeSet<&str> =
        report.jobs.iter().map(|j| j.prefix.as_str()).collect();
    if report.jobs.len() != 3 || prefixes.len() != 3 {
        return Err(fail("three jobs, three name spaces", &report));
    }
    if report.verification.users_checked != 36 || !report.verification.discrepancies.is_empty() {
        return Err(fail("every job's tenant is verified clean", &report));
    }
    if report.cleanup.created != 3 * (12 + 2) {
        return Err(fail("every job's resources are in the ledger", &report));
    }
    Ok(())
}

/// Zenkit matches groups on externalId <- objectId (a fresh GUID per object): a retried group
/// must keep its body, or its match query could never find it.
fn a_vendor_matching_groups_on_a_guid_verifies_clean() -> Result<(), Failed> {
    let settings = Settings {
        users: 20,
        groups: 4,
        ..small()
    };
    let server = config(|c| {
        c.error_share = 0.1;
        c.seed = 11;
    });
    let (report, dump) = simulate_vendor("zenkit", server, settings)?;
    clean(&report, &dump)?;
    if report
        .verification
        .discrepancies
        .iter()
        .any(|d| matches!(d.kind, DiscrepancyKind::DuplicateGroup { .. }))
    {
        return Err(fail("a retried group must not be created twice", &report));
    }
    if report
        .kinds
        .iter()
        .any(|k| k.kind == RequestKind::ManagerLink)
    {
        return Err(fail("zenkit maps no manager: none is linked", &report));
    }
    Ok(())
}

/// entra-default without its `active` mapping: Entra deprovisions by DELETE.
fn profile_without_active() -> Result<VendorProfile, Failed> {
    let dir = std::env::temp_dir().join(format!("scimconf-sim-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("vendors")).map_err(|e| e.to_string())?;
    let fixtures = common::package_dir().join("fixtures");
    let copy = |name: &str| -> Result<String, String> {
        std::fs::read_to_string(fixtures.join(name)).map_err(|e| e.to_string())
    };
    std::fs::write(dir.join("entra-source.toml"), copy("entra-source.toml")?)
        .map_err(|e| e.to_string())?;
    let default = copy("vendors/entra-default.toml")?;
    let without: String = default
        .lines()
        .filter(|l| !l.contains(r#"target = "active""#))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("vendors/entra-default.toml"), without).map_err(|e| e.to_string())?;
    let loaded = scim_conformance::profile::load_all(&Tree::Disk(dir.clone()));
    std::fs::remove_dir_all(&dir).ok();
    loaded
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .ok_or_else(|| "no profile loaded".into())
}

fn deprovisioning_by_delete_is_verified() -> Result<(), Failed> {
    let settings = Settings {
        users: 20,
        groups: 0,
        disable_share: 0.25,
        ..small()
    };
    let (report, dump) =
        simulate_profile(profile_without_active()?, config(|_| {}), settings.clone())?;
    clean(&report, &dump)?;
    let deletes = report
        .kinds
        .iter()
        .find(|k| k.kind == RequestKind::UserDeprovisionDelete)
        .map_or(0, |k| k.count);
    if deletes != 5 || !report.verification.discrepancies.is_empty() {
        return Err(fail("5 users deprovisioned by DELETE, and gone", &report));
    }
    // A DELETE that answers 204 and keeps the user is caught.
    let (report, _) = simulate_profile(
        profile_without_active()?,
        config(|c| {
            c.faults.insert(Fault::DeleteKeepsResource);
        }),
        Settings {
            keep: true,
            ..settings
        },
    )?;
    let still = report
        .verification
        .discrepancies
        .iter()
        .filter(|d| d.kind == DiscrepancyKind::StillPresent)
        .count();
    if still != 5 {
        return Err(fail(
            "each kept user must be reported still present",
            &report,
        ));
    }
    Ok(())
}

/// Runs the binary against a server of this process; `until` decides when to send SIGINT.
fn run_binary(
    args: &[&str],
    server_config: ServerConfig,
    interrupt_when: Option<fn(&RunningServer) -> bool>,
) -> Result<(Output, Value), Failed> {
    let rt = common::runtime()?;
    let server = rt.block_on(start(server_config))?;
    let url = server.base_url().to_string();
    let mut child = Command::new(BIN)
        .arg("simulate")
        .args(["--target-url", &url])
        .args(args)
        .env("SCIM_TOKEN", TOKEN)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    if let Some(ready) = interrupt_when {
        let started = Instant::now();
        while !ready(&server) {
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                return Err("the run created nothing within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let kill = Command::new("sh")
            .args(["-c", &format!("kill -INT {}", child.id())])
            .status()
            .map_err(|e| e.to_string())?;
        if !kill.success() {
            return Err("could not send SIGINT".into());
        }
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let dump = server.dump();
    rt.block_on(server.shutdown());
    Ok((output, dump))
}

fn sigint_mid_run_leaves_nothing_behind() -> Result<(), Failed> {
    let (out, dump) = run_binary(
        &["--users", "3000", "--groups", "10", "--rate", "max"],
        config(|c| c.delay = Duration::from_millis(2)),
        Some(|s| s.dump()["Users"].as_array().is_some_and(|u| u.len() >= 20)),
    )?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(130) {
        return Err(format!("exit {:?} instead of 130:\n{stderr}", out.status.code()).into());
    }
    if left_on_server(&dump) > 0 {
        return Err(format!("{} left on the server:\n{stderr}", left_on_server(&dump)).into());
    }
    if !stderr.contains("stopped by SIGINT") || !stderr.contains("nothing left behind") {
        return Err(format!("the summary must say so:\n{stderr}").into());
    }
    Ok(())
}

fn max_duration_is_honoured() -> Result<(), Failed> {
    let (out, dump) = run_binary(
        &[
            "--users",
            "100000",
            "--groups",
            "0",
            "--rate",
            "max",
            "--max-duration",
            "1s",
        ],
        config(|c| c.delay = Duration::from_millis(1)),
        None,
    )?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if left_on_server(&dump) > 0 {
        return Err(format!("{} left on the server:\n{stderr}", left_on_server(&dump)).into());
    }
    if !stderr.contains("stopped at --max-duration") || !stderr.contains("not verified") {
        return Err(format!("the summary must say the run was bounded:\n{stderr}").into());
    }
    Ok(())
}

fn embedded_run_through_the_binary() -> Result<(), Failed> {
    let out = Command::new(BIN)
        .args([
            "simulate",
            "--users",
            "50",
            "--groups",
            "5",
            "--dialect",
            "compliant",
        ])
        .env_remove("SCIM_TARGET_URL")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(0)
        || !stderr.contains("verdict: MEETS")
        || !stderr.contains("nothing lost")
        || !stderr.contains("nothing left behind")
        || !stderr.contains("compliant dialect")
    {
        return Err(format!("exit {:?}:\n{stderr}", out.status.code()).into());
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let cli = TestCli::parse();
    if cli.harness.transport.target_url.is_some() && !cli.libtest.list {
        eprintln!("simulate: ignoring --target-url (these self-tests use their own servers)");
    }
    let trials = vec![
        Trial::test(
            "simulate::clean-run-verifies-everything",
            clean_run_verifies_everything,
        ),
        Trial::test(
            "load::rate-limit",
            rate_limit_shows_as_429_pauses_and_a_missed_verdict,
        ),
        Trial::test("load::filter-lag", filter_lag_shows_as_read_after_write_lag),
        Trial::test("load::error-share", error_share_shows_as_5xx_errors),
        Trial::test(
            "simulate::incremental-changes-match-first",
            incremental_changes_match_first,
        ),
        Trial::test(
            "simulate::cycle-interval-and-lag-artefacts",
            cycle_interval_and_lag_artefacts,
        ),
        Trial::test("load::delay", delay_shows_in_latency),
        Trial::test(
            "load::lost-member-updates",
            lost_member_updates_are_caught_by_verification,
        ),
        Trial::test(
            "verify::duplicate-user",
            duplicate_user_is_caught_by_verification,
        ),
        Trial::test(
            "safety::sigint-leaves-nothing-behind",
            sigint_mid_run_leaves_nothing_behind,
        ),
        Trial::test("safety::max-duration", max_duration_is_honoured),
        Trial::test(
            "safety::kept-deletes-are-left-behind",
            kept_deletes_are_left_behind,
        ),
        Trial::test(
            "safety::answers-without-ids-are-found-and-counted",
            answers_without_ids_are_found_and_counted,
        ),
        Trial::test(
            "simulate::forecast-follows-the-failures",
            forecast_follows_the_failures,
        ),
        Trial::test(
            "safety::wrong-token-stops-at-the-preflight",
            wrong_token_stops_at_the_preflight,
        ),
        Trial::test("cli::embedded-run", embedded_run_through_the_binary),
        Trial::test("simulate::jobs", jobs_have_their_own_name_spaces),
        Trial::test(
            "verify::deprovisioning-by-delete",
            deprovisioning_by_delete_is_verified,
        ),
        Trial::test(
            "simulate::zenkit-groups-match-on-a-guid",
            a_vendor_matching_groups_on_a_guid_verifies_clean,
        ),
    ];
    libtest_mimic::run(&cli.libtest, trials).exit_code()
}
