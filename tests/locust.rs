//! The simulation on Locust's distributed runners, for real: `serve` on loopback, a scenario
//! exported by `simulate --export-scenario`, a Locust master and two workers replaying it with
//! `contrib/locust/locustfile.py`, then `simulate verify`. The end state, the request counts and
//! the cleanup must be those of an in-process run of the same scenario.
//!
//! Needs Locust (`LOCUST`: the path of its `locust` executable, which `.ci/run` installs at a
//! pinned version in a virtual environment). Without it the trial is ignored, unless
//! `SCIM_REQUIRE_LOCUST` is set, when it fails.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use libtest_mimic::{Failed, Trial};
use scim_conformance::cli::TestCli;
use serde_json::Value;

#[path = "common/bin.rs"]
mod bin;
#[path = "common/schema.rs"]
mod schema;

use bin::{run, serve, temp_dir, Output};

const TOKEN: &str = "locust-test-token-8c1d";
const RUN_ID: &str = "locust1";

fn locust() -> Option<PathBuf> {
    std::env::var_os("LOCUST")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// A child process killed when dropped.
struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_locust(bin: &Path, dir: &Path, args: &[&str], log: &str) -> Result<Kill, String> {
    let file = std::fs::File::create(dir.join(log)).map_err(|e| e.to_string())?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    let locustfile = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("contrib/locust/locustfile.py");
    Command::new(bin)
        .arg("-f")
        .arg(locustfile)
        .args(args)
        .env("SCENARIO", dir.join("scenario"))
        .env("SCENARIO_WORKERS", "2")
        .env("SCIM_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map(Kill)
        .map_err(|e| format!("cannot start locust: {e}"))
}

fn json(path: &Path) -> Result<Value, String> {
    serde_json::from_str(
        &std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", path.display()))
}

/// Requests of Entra's cycles, by kind, from a simulation JSON report.
fn cycle_requests(report: &Value) -> BTreeMap<String, u64> {
    const CHECKS: &[&str] = &[
        "lag-probe",
        "verify-user",
        "verify-user-by-id",
        "verify-group",
        "verify-members",
        "cleanup-group",
        "cleanup-user",
        "cleanup-check",
    ];
    report["kinds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| Some((k["kind"].as_str()?.to_string(), k["count"].as_u64()?)))
        .filter(|(k, _)| !CHECKS.contains(&k.as_str()))
        .collect()
}

fn end_state(report: &Value) -> (Value, Value, usize, usize) {
    let v = &report["verification"];
    (
        v["users_checked"].clone(),
        v["groups_checked"].clone(),
        v["discrepancies"].as_array().map_or(usize::MAX, Vec::len),
        report["cleanup"]["left_behind"]
            .as_array()
            .map_or(usize::MAX, Vec::len),
    )
}

fn expect(cond: bool, what: &str, out: &Output) -> Result<(), Failed> {
    out.expect(cond, what).map_err(Failed::from)
}

fn validate_scenario(v: &Value) -> Result<(), String> {
    schema::validate(
        scim_conformance::simulate::scenario::SCENARIO_SCHEMA,
        "scenario.schema.json",
        "the scenario",
        v,
    )
}

const SIZE: &[&str] = &[
    "--users",
    "30",
    "--groups",
    "3",
    "--members-per-group",
    "5",
    "--jobs",
    "4",
];

fn two_workers_verify_like_in_process(locust: PathBuf) -> Result<(), Failed> {
    let dir = temp_dir("locust");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let scenario = dir.join("scenario");
    let scenario_arg = scenario.to_string_lossy().to_string();
    let mut args = vec![
        "simulate",
        "--export-scenario",
        &scenario_arg,
        "--run-id",
        RUN_ID,
    ];
    args.extend(SIZE);
    let exported = run(&args, &[], Duration::from_secs(60))?;
    expect(exported.code == Some(0), "the scenario exports", &exported)?;
    validate_scenario(&json(&scenario.join("scenario.json"))?)?;

    let server = serve(TOKEN, &[])?;
    let port = free_port()?.to_string();
    let started = Instant::now();
    let master = spawn_locust(
        &locust,
        &dir,
        &[
            "--master",
            "--headless",
            "--expect-workers",
            "2",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            &port,
            "--host",
            &server.url,
            "--users",
            "4",
            "--spawn-rate",
            "4",
            "--run-time",
            "60s",
            "--csv",
            &dir.join("locust").to_string_lossy(),
            "--only-summary",
        ],
        "master.log",
    )?;
    let _workers = (1..=2)
        .map(|w| {
            spawn_locust(
                &locust,
                &dir,
                &[
                    "--worker",
                    "--master-host",
                    "127.0.0.1",
                    "--master-port",
                    &port,
                ],
                &format!("worker{w}.log"),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut master = master;
    loop {
        if let Some(status) = master.0.try_wait().map_err(|e| e.to_string())? {
            if !status.success() {
                let log = std::fs::read_to_string(dir.join("master.log")).unwrap_or_default();
                return Err(format!("the Locust master exited with {status}:\n{log}").into());
            }
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let log = std::fs::read_to_string(dir.join("master.log")).unwrap_or_default();
            return Err(format!("the Locust run did not end within 90 s:\n{log}").into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let locust_secs = started.elapsed().as_secs_f64();

    let verify_json = dir.join("verify.json");
    let verified = run(
        &[
            "simulate",
            "verify",
            "--scenario",
            &scenario_arg,
            "--target-url",
            &server.url,
            "--run-id",
            RUN_ID,
            "--locust-stats",
            &dir.join("locust_stats.csv").to_string_lossy(),
            "--report",
            &format!("json={}", verify_json.display()),
        ],
        &[("SCIM_TOKEN", TOKEN)],
        Duration::from_secs(60),
    )?;
    expect(
        verified.code == Some(0),
        "simulate verify finds the end state Locust left verified and cleans it up",
        &verified,
    )?;
    expect(
        verified
            .stderr
            .contains("by 2 Locust worker process(es): worker-0 ")
            && verified.stderr.contains(", worker-1 "),
        "both workers sent requests",
        &verified,
    )?;
    expect(
        verified.stderr.contains("Locust's own figures"),
        "Locust's CSV stats are read",
        &verified,
    )?;
    let replayed = json(&verify_json)?;

    // The same scenario in-process, against the same server.
    let inproc_json = dir.join("inprocess.json");
    let report_arg = format!("json={}", inproc_json.display());
    let mut args = vec![
        "simulate",
        "--target-url",
        &server.url,
        "--rate",
        "max",
        "--run-id",
        "locust2",
        "--report",
        &report_arg,
    ];
    args.extend(SIZE);
    let inprocess = run(&args, &[("SCIM_TOKEN", TOKEN)], Duration::from_secs(60))?;
    expect(
        inprocess.code == Some(0),
        "the in-process run passes",
        &inprocess,
    )?;
    let inprocess_report = json(&inproc_json)?;

    let (a, b) = (end_state(&replayed), end_state(&inprocess_report));
    if a != b || a.2 != 0 || a.3 != 0 || a.0 != 120 {
        return Err(format!(
            "end states differ (users, groups, discrepancies, left behind): Locust {a:?}, in-process {b:?}"
        )
        .into());
    }
    let (ra, rb) = (cycle_requests(&replayed), cycle_requests(&inprocess_report));
    if ra != rb {
        return Err(format!("request counts differ: Locust {ra:?}, in-process {rb:?}").into());
    }
    // Nothing left behind: the server holds no resource of either run.
    let left = run(
        &["cleanup", "--target-url", &server.url, "--run-id", RUN_ID],
        &[("SCIM_TOKEN", TOKEN)],
        Duration::from_secs(30),
    )?;
    expect(
        left.code == Some(0)
            && (left.stdout.contains("found 0") || left.stderr.contains("found 0")),
        "nothing of the Locust run is left on the server",
        &left,
    )?;
    eprintln!(
        "locust: 4 jobs, {} requests by two workers in {locust_secs:.1} s; verified like the in-process run",
        ra.values().sum::<u64>()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn main() -> std::process::ExitCode {
    let cli = TestCli::parse();
    let trial = match locust() {
        Some(bin) => Trial::test("locust::two-workers-verify-like-in-process", move || {
            two_workers_verify_like_in_process(bin)
        }),
        None if std::env::var_os("SCIM_REQUIRE_LOCUST").is_some() => {
            Trial::test("locust::two-workers-verify-like-in-process", || {
                Err("SCIM_REQUIRE_LOCUST is set but LOCUST names no locust executable".into())
            })
        }
        None => Trial::test("locust::two-workers-verify-like-in-process", || Ok(()))
            .with_ignored_flag(true),
    };
    libtest_mimic::run(&cli.libtest, vec![trial]).exit_code()
}
