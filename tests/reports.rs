//! End-to-end tests of the report files, with the real binary against `serve --fault`: all four
//! reports and the HAR written by one run, the JUnit read by a JUnit consumer (junit-parser),
//! the JSON validated against the committed schema, the HTML loaded in headless Chromium, a
//! canary token found in none of them (also when the target echoes it back); the reports of a
//! failed preflight and of an interrupted run; `report SNAPSHOT_DIR` on the committed
//! baseline; `check --help` against the README's flag table; and the CI recipes in
//! `examples/ci/` against the flags the binary has.
//!
//! The Chromium test passes with a message saying it was skipped only when no chromium binary
//! exists and `SCIM_REQUIRE_BROWSER` is unset; CI sets it (and installs Debian's chromium).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use clap::Parser;
use libtest_mimic::{Completion, Failed, Trial};
use scim_conformance::cli::TestCli;
use serde_json::Value;

#[path = "common/bin.rs"]
mod bin;
#[path = "common/mod.rs"]
mod common;
#[path = "common/schema.rs"]
mod schema;

use bin::{run, serve, temp_dir, Output};

/// The token of the faulty run; no report may contain it (nor its distinctive middle).
const CANARY: &str = "canary-5e1f9a-report-token";
const CANARY_PART: &str = "5e1f9a";

/// The shared faulty run (see [`faulty_run`]).
static FAULTY: OnceLock<Result<Reports, String>> = OnceLock::new();

/// The report files of one run.
struct Reports {
    dir: PathBuf,
    out: Output,
}

impl Reports {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn read(&self, name: &str) -> Result<String, String> {
        std::fs::read_to_string(self.path(name))
            .map_err(|e| format!("{}: {e}\n{}", name, self.out.stderr))
    }
}

/// `--report` flags writing every format under `dir` (in nested folders, which must be created).
fn report_flags(dir: &Path) -> Vec<String> {
    let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
    vec![
        "--report".into(),
        format!("junit={}", p("ci/junit/results.xml")),
        "--report".into(),
        format!("json={}", p("report.json")),
        "--report".into(),
        format!("html={}", p("html/report.html")),
        "--report".into(),
        format!("markdown={}", p("summary.md")),
        "--har".into(),
        p("run.har"),
    ]
}

const FILES: [&str; 5] = [
    "ci/junit/results.xml",
    "report.json",
    "html/report.html",
    "summary.md",
    "run.har",
];

/// One run against `serve --fault active-string-rejected`, shared by the tests that read it.
fn faulty_run() -> Result<&'static Reports, String> {
    FAULTY
        .get_or_init(|| {
            let server = serve(CANARY, &["--fault", "active-string-rejected"])?;
            let dir = temp_dir("reports");
            let mut args: Vec<String> = [
                "check",
                "--target-url",
                &server.url,
                "--snapshots",
                "off",
                "--run-id",
                "rep0rt",
                "users::",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            args.extend(report_flags(&dir));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = run(&args, &[("SCIM_TOKEN", CANARY)], Duration::from_secs(180))?;
            out.expect(out.code == Some(101), "the faulty server fails the run")?;
            Ok(Reports { dir, out })
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn no_canary(dir: &Path) -> Result<(), String> {
    for f in FILES {
        let text = std::fs::read_to_string(dir.join(f)).map_err(|e| format!("{f}: {e}"))?;
        if text.contains(CANARY_PART) {
            return Err(format!("the token reached {f}"));
        }
    }
    Ok(())
}

fn validate_json(v: &Value) -> Result<(), String> {
    schema::validate(
        scim_conformance::report::json::SCHEMA,
        "report.schema.json",
        "the JSON report",
        v,
    )
}

fn all_formats() -> Result<(), Failed> {
    let r = faulty_run()?;
    for f in FILES {
        r.out.expect(
            r.out
                .stderr
                .contains(&format!("{}", Path::new(f).display()))
                && r.path(f).is_file(),
            &format!("{f} is written and named on stderr"),
        )?;
    }
    // JUnit, read by a JUnit consumer.
    let xml = r.read("ci/junit/results.xml")?;
    let suites = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes()))
        .map_err(|e| format!("junit-parser cannot read the JUnit report: {e}"))?;
    let cases: Vec<&junit_parser::TestCase> =
        suites.suites.iter().flat_map(|s| s.cases.iter()).collect();
    let failed = cases
        .iter()
        .find(|c| c.name == "entra-default::users::disable-and-enable::legacy")
        .ok_or("no JUnit case for the failing trial")?;
    if !failed.status.is_failure() {
        return Err(format!(
            "the failing trial is not a JUnit failure: {:?}",
            failed.status
        )
        .into());
    }
    let passed = cases
        .iter()
        .find(|c| c.name == "entra-default::users::disable-and-enable::compliant")
        .ok_or("no JUnit case for the passing trial")?;
    if !passed.status.is_success() {
        return Err("the compliant trial must pass".into());
    }
    let names: Vec<&str> = suites.suites.iter().map(|s| s.name.as_str()).collect();
    if !names.contains(&"entra-default::legacy") || !names.contains(&"entra-default::compliant") {
        return Err(format!("one testsuite per vendor and dialect, got {names:?}").into());
    }
    roxmltree::Document::parse(&xml).map_err(|e| format!("not well-formed XML: {e}"))?;
    // JSON, against the committed schema.
    let json: Value = serde_json::from_str(&r.read("report.json")?).map_err(|e| e.to_string())?;
    validate_json(&json)?;
    let trial = json["trials"]
        .as_array()
        .and_then(|t| {
            t.iter()
                .find(|t| t["name"] == "entra-default::users::disable-and-enable::legacy")
        })
        .ok_or("no such trial in the JSON report")?;
    if trial["verdict"] != "failed" || json["run"]["partial"] != false {
        return Err(format!("unexpected JSON: {trial}").into());
    }
    let sent = trial["exchanges"]
        .as_array()
        .map(|x| {
            x.iter().any(|x| {
                x["request"]["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("\"False\""))
            })
        })
        .unwrap_or(false);
    if !sent {
        return Err("the JSON report lacks the request body that failed".into());
    }
    // Markdown and HAR.
    let md = r.read("summary.md")?;
    r.out.expect(
        md.starts_with("## SCIM conformance: FAILED")
            && md.contains("`entra-default::users::disable-and-enable::legacy`"),
        &format!("the Markdown summary:\n{md}"),
    )?;
    let har: Value = serde_json::from_str(&r.read("run.har")?).map_err(|e| e.to_string())?;
    let entries = har["log"]["entries"].as_array().map(Vec::len).unwrap_or(0);
    if har["log"]["version"] != "1.2" || entries < 10 {
        return Err(format!("a HAR 1.2 with every exchange, got {entries} entries").into());
    }
    no_canary(&r.dir)?;
    Ok(())
}

/// The HAR holds every request the run sent, the preflight and the cleanup (each DELETE and
/// its read-back) included, each entry with the time its request was sent.
fn har_holds_every_request() -> Result<(), Failed> {
    let r = faulty_run()?;
    let har: Value = serde_json::from_str(&r.read("run.har")?).map_err(|e| e.to_string())?;
    let json: Value = serde_json::from_str(&r.read("report.json")?).map_err(|e| e.to_string())?;
    let entries = har["log"]["entries"].as_array().ok_or("no HAR entries")?;
    let total = json["requests"]["total"]
        .as_u64()
        .ok_or("no request total")?;
    let created = json["cleanup"]["created"]
        .as_u64()
        .ok_or("no cleanup count")?;
    let own: Vec<&Value> = entries
        .iter()
        .filter(|e| e["pageref"] == "preflight and cleanup")
        .collect();
    // Trials that test a DELETE send their own; the cleanup deletes the rest.
    let deletes = entries
        .iter()
        .filter(|e| e["request"]["method"] == "DELETE")
        .count() as u64;
    let starts: std::collections::BTreeSet<&str> = entries
        .iter()
        .filter_map(|e| e["startedDateTime"].as_str())
        .collect();
    r.out.expect(
        entries.len() as u64 == total
            && created > 0
            && deletes >= created
            && own.iter().any(|e| e["request"]["method"] == "DELETE")
            && own.iter().any(|e| e["comment"].as_str().is_some_and(|c| c.contains("preflight")))
            // Each entry has its own start (milliseconds: fast loopback requests share some);
            // before, every entry had the run's start.
            && starts.len() > 10,
        &format!(
            "a HAR of all {total} requests (got {}), {deletes} DELETEs for {created} created, {} distinct start times",
            entries.len(),
            starts.len()
        ),
    )?;
    Ok(())
}

/// Every shell block of the README is marked `<!-- readme-test: run -->` (optionally
/// `run, exit N`) or `<!-- readme-test: skip: why -->`, and every block marked `run` runs as
/// written and ends with its documented exit code (0 unless said). It runs in a scratch folder
/// holding the package's `snapshots/`, with `scim-conformance` and `cargo run --` meaning the
/// binary under test, port 8080 replaced by a free one, and a wait for each server a line
/// starts in the background; background servers are stopped afterwards.
fn readme_command_blocks_work() -> Result<(), Failed> {
    let readme = package_file("README.md")?;
    let lines: Vec<&str> = readme.lines().collect();
    let work = temp_dir("readme-blocks");
    let shims = work.join("bin");
    std::fs::create_dir_all(&shims).map_err(|e| e.to_string())?;
    let shim = |name: &str, text: &str| -> Result<(), String> {
        let path = shims.join(name);
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        Command::new("chmod")
            .arg("+x")
            .arg(&path)
            .status()
            .map_err(|e| e.to_string())?;
        Ok(())
    };
    shim(
        "scim-conformance",
        &format!("#!/bin/sh\nexec '{}' \"$@\"\n", bin::BIN),
    )?;
    shim(
        "cargo",
        "#!/bin/sh\n[ \"$1\" = run ] || { echo \"readme-test: only cargo run runs here\" >&2; exit 97; }\nshift\nwhile [ $# -gt 0 ] && [ \"$1\" != -- ]; do shift; done\n[ $# -gt 0 ] && shift\nexec scim-conformance \"$@\"\n",
    )?;
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    std::os::unix::fs::symlink(&snapshots, work.join("snapshots")).map_err(|e| e.to_string())?;
    let path = format!(
        "{}:{}",
        shims.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut problems = Vec::new();
    let mut ran = 0;
    let mut i = 0;
    while i < lines.len() {
        if lines[i] != "```sh" && lines[i] != "```bash" {
            i += 1;
            continue;
        }
        let at = i + 1;
        let end = (at..lines.len())
            .find(|&j| lines[j].starts_with("```"))
            .unwrap_or(lines.len());
        let block = &lines[at..end];
        i = end + 1;
        let marker = lines[..at - 1]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| l.strip_prefix("<!-- readme-test: "))
            .and_then(|l| l.strip_suffix(" -->"));
        let exit = match marker {
            Some(m) if m.starts_with("skip: ") => continue,
            Some("run") => 0,
            Some(m) => match m.strip_prefix("run, exit ").map(str::parse::<i32>) {
                Some(Ok(code)) => code,
                _ => {
                    problems.push(format!("README.md:{at}: unknown marker {m:?}"));
                    continue;
                }
            },
            None => {
                problems.push(format!(
                    "README.md:{at}: a command block without `<!-- readme-test: run -->` or `<!-- readme-test: skip: why -->` before it"
                ));
                continue;
            }
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let mut script = String::from("set -eu\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n");
        for line in block {
            let line = line.replace("8080", &port.to_string());
            script.push_str(&line);
            script.push('\n');
            if line.trim_end().ends_with('&') {
                script.push_str(&format!(
                    "for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; sleep 0.1; done\n"
                ));
            }
        }
        let child = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(&work)
            .env("PATH", &path)
            .env_remove("SCIM_TOKEN")
            .env_remove("SCIM_TARGET_URL")
            .env("NO_PROXY", "127.0.0.1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let out = bin::wait(child, Duration::from_secs(240), &format!("README.md:{at}"))?;
        ran += 1;
        if out.code != Some(exit) {
            problems.push(format!(
                "README.md:{at}: exit {:?}, documented {exit}\n{}\n--- stderr (end)\n{}",
                out.code,
                block.join("\n"),
                out.stderr
                    .lines()
                    .rev()
                    .take(15)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    if ran == 0 {
        problems.push("no README block is marked to run".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n\n").into())
    }
}

/// The chromium binary, if any.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
    .find(|p| p.is_file())
}

/// The DOM headless Chromium builds from the page at `page` (a file, loaded with no network).
fn dump_dom(browser: &Path, page: &Path) -> Result<String, String> {
    let profile = temp_dir("chromium-profile");
    let url = format!("file://{}", page.display());
    let child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &url,
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", browser.display()))?;
    let out = bin::wait(child, Duration::from_secs(90), "chromium --dump-dom");
    let _ = std::fs::remove_dir_all(&profile);
    Ok(out?.stdout)
}

fn html_in_chromium() -> Result<Completion, Failed> {
    let Some(browser) = chromium() else {
        if std::env::var_os("SCIM_REQUIRE_BROWSER").is_some() {
            return Err("SCIM_REQUIRE_BROWSER is set but no chromium binary is on PATH (apt-get install -y chromium)".into());
        }
        eprintln!("reports::html-in-chromium: skipped: no chromium on PATH (install Debian's chromium, or set SCIM_REQUIRE_BROWSER=1 to make this a failure)");
        return Ok(Completion::ignored_with("skipped: no chromium on PATH"));
    };
    let r = faulty_run()?;
    let dom = &dump_dom(&browser, &r.path("html/report.html"))?;
    let out = &r.out;
    out.expect(
        dom.contains("Compatibility with Entra provisioning")
            && dom.contains("<th scope=\"row\">Disable and enable</th>"),
        "the browser shows the compatibility matrix",
    )?;
    out.expect(
        dom.contains("<code>entra-default::users::disable-and-enable::legacy</code>")
            && dom.contains("expected status in [200, 204], got status 400"),
        "the browser shows the failing trial and its root cause",
    )?;
    out.expect(
        dom.contains("\"op\": \"Replace\"") && dom.contains("\"value\": \"False\""),
        "the failing request's body is in the page",
    )?;
    out.expect(!dom.contains(CANARY_PART), "no token in the page")?;
    Ok(Completion::Completed)
}

/// `simulate --report` writes its reports from the typed result: the JSON valid against its
/// committed schema, JUnit with one case per verdict component (the failed ones failing),
/// Markdown, and an HTML page a browser loads; no token in any of them. A HAR is refused.
fn simulation_reports() -> Result<Completion, Failed> {
    let server = serve(CANARY, &["--error-share", "0.2", "--seed", "7"])?;
    let dir = temp_dir("simulation-reports");
    let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let (json_path, junit_path, md_path, html_path) =
        (p("sim.json"), p("ci/sim.xml"), p("sim.md"), p("sim.html"));
    let out = run(
        &[
            "simulate",
            "--target-url",
            &server.url,
            "--users",
            "30",
            "--groups",
            "3",
            "--members-per-group",
            "3",
            "--rate",
            "max",
            "--report",
            &format!("json={json_path}"),
            "--report",
            &format!("junit={junit_path}"),
            "--report",
            &format!("markdown={md_path}"),
            "--report",
            &format!("html={html_path}"),
        ],
        &[("SCIM_TOKEN", CANARY)],
        Duration::from_secs(180),
    )?;
    out.expect(
        out.code == Some(101) && out.stderr.contains("wrote json report"),
        "a 20% share of 500s does not meet the verdict, and the reports are written",
    )?;
    let read = |path: &str| std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"));
    let json: Value = serde_json::from_str(&read(&json_path)?).map_err(|e| e.to_string())?;
    schema::validate(
        scim_conformance::report::simulation::SCHEMA,
        "simulation.schema.json",
        "the simulation report",
        &json,
    )?;
    out.expect(
        json["verdict"]["status"] == "not_met"
            && json["errors"].as_array().is_some_and(|e| !e.is_empty()),
        "the JSON holds the verdict and the failed requests",
    )?;
    let xml = read(&junit_path)?;
    let suites = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes()))
        .map_err(|e| format!("junit-parser cannot read it: {e}"))?;
    let cases: Vec<&junit_parser::TestCase> =
        suites.suites.iter().flat_map(|s| s.cases.iter()).collect();
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    out.expect(
        names
            == [
                "simulate::throughput",
                "simulate::errors",
                "simulate::end-state",
                "simulate::forecast",
                "simulate::cleanup",
            ]
            && cases
                .iter()
                .find(|c| c.name == "simulate::errors")
                .is_some_and(|c| c.status.is_failure())
            && cases
                .iter()
                .find(|c| c.name == "simulate::cleanup")
                .is_some_and(|c| c.status.is_success()),
        &format!("one JUnit case per verdict component, the errors failing: {names:?}"),
    )?;
    let md = read(&md_path)?;
    out.expect(
        md.starts_with("## SCIM simulation: DOES NOT MEET"),
        &format!("the Markdown summary:\n{md}"),
    )?;
    for path in [&json_path, &junit_path, &md_path, &html_path] {
        out.expect(
            !read(path)?.contains(CANARY_PART),
            &format!("no token in {path}"),
        )?;
    }
    let har = run(
        &[
            "simulate",
            "--users",
            "20",
            "--report",
            &format!("har={}", p("x.har")),
        ],
        &[],
        Duration::from_secs(60),
    )?;
    har.expect(
        har.code == Some(2) && har.stderr.contains("HAR"),
        "a HAR is refused before the run (exit 2)",
    )?;
    let Some(browser) = chromium() else {
        let _ = std::fs::remove_dir_all(&dir);
        if std::env::var_os("SCIM_REQUIRE_BROWSER").is_some() {
            return Err("SCIM_REQUIRE_BROWSER is set but no chromium binary is on PATH".into());
        }
        return Ok(Completion::ignored_with(
            "the HTML not loaded: no chromium on PATH",
        ));
    };
    let dom = dump_dom(&browser, Path::new(&html_path))?;
    let _ = std::fs::remove_dir_all(&dir);
    out.expect(
        dom.contains("Verdict components")
            && dom.contains("Quarantine forecast")
            && dom.contains("DOES NOT MEET")
            && dom.contains("data:image/svg+xml;base64,"),
        "the browser shows the verdict, its components, the forecast and the chart",
    )?;
    Ok(Completion::Completed)
}

fn echoed_token_reaches_no_report() -> Result<(), Failed> {
    let rt = common::runtime()?;
    let server = common::answering_everything(&rt, common::EchoAuthorization);
    let canary = "canary-77c3d1-echoed";
    let dir = temp_dir("echo-reports");
    let url = format!("{}/scim", server.uri());
    let mut args: Vec<String> = ["check", "--target-url", &url, "--snapshots", "off"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(report_flags(&dir));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args, &[("SCIM_TOKEN", canary)], Duration::from_secs(180))?;
    let mut hits = Vec::new();
    let mut scrubbed = false;
    for f in FILES {
        let text = std::fs::read_to_string(dir.join(f))
            .map_err(|e| format!("{f}: {e}\n{}", out.stderr))?;
        if text.contains("77c3d1") {
            hits.push(f);
        }
        scrubbed |= text.contains("echo Bearer ***") || text.contains("echo ***");
    }
    let _ = std::fs::remove_dir_all(&dir);
    out.expect(
        hits.is_empty(),
        &format!("the echoed token reached {hits:?}"),
    )?;
    out.expect(scrubbed, "the echo itself is in the reports, scrubbed")?;
    Ok(())
}

/// A token with `+`, `/` and `=` (a base64-like token), echoed back percent-encoded,
/// form-encoded and JSON-escaped: no form of it reaches any report, the HAR, a snapshot,
/// stdout or stderr.
fn encoded_echo_reaches_no_artefact() -> Result<(), Failed> {
    let rt = common::runtime()?;
    let server = common::answering_everything(&rt, common::EchoEncoded);
    let canary = "cAn+9f3e/Q7x=Zk p\"w";
    let dir = temp_dir("encoded-echo");
    let url = format!("{}/scim", server.uri());
    let snapshots = dir.join("snapshots").to_string_lossy().into_owned();
    let mut args: Vec<String> = [
        "check",
        "--target-url",
        &url,
        "--snapshots",
        "record",
        "--snapshot-dir",
        &snapshots,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(report_flags(&dir));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // CI refuses `--snapshots record`: this run records into its own folder on purpose.
    let out = run(
        &args,
        &[("SCIM_TOKEN", canary), ("CI", "")],
        Duration::from_secs(180),
    )?;
    // The other commands against the same echoing endpoint: `cleanup` and `simulate` (with its
    // chart), whose output must hold no form of the token either.
    let svg = dir.join("simulate.svg").to_string_lossy().into_owned();
    let others = [
        run(
            &["cleanup", "--target-url", &url],
            &[("SCIM_TOKEN", canary)],
            Duration::from_secs(120),
        )?,
        run(
            &[
                "simulate",
                "--target-url",
                &url,
                "--users",
                "3",
                "--groups",
                "1",
                "--rate",
                "max",
                "--max-duration",
                "60s",
                "--svg",
                &svg,
            ],
            &[("SCIM_TOKEN", canary)],
            Duration::from_secs(120),
        )?,
    ];
    let forms = common::encoded_forms(canary);
    let mut files = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| e.to_string())?.flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    let mut hits = Vec::new();
    let mut scrubbed = false;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        scrubbed |= text.contains("echo ***");
        for form in &forms {
            if text.contains(form.as_str()) {
                hits.push(format!("{} holds {form:?}", f.display()));
            }
        }
    }
    let streams = [("check", &out)]
        .into_iter()
        .chain([("cleanup", &others[0]), ("simulate", &others[1])])
        .flat_map(|(cmd, o)| {
            [
                (format!("{cmd} stdout"), o.stdout.clone()),
                (format!("{cmd} stderr"), o.stderr.clone()),
            ]
        })
        .collect::<Vec<_>>();
    for (name, text) in &streams {
        for form in &forms {
            if text.contains(form.as_str()) {
                hits.push(format!("{name} holds {form:?}"));
            }
        }
    }
    let snapshot_files = files
        .iter()
        .filter(|f| f.to_string_lossy().ends_with(".snap"))
        .count();
    let _ = std::fs::remove_dir_all(&dir);
    out.expect(snapshot_files > 0, "snapshots were recorded")?;
    out.expect(files.len() > snapshot_files + 3, "the reports were written")?;
    out.expect(
        hits.is_empty(),
        &format!("the echoed token survived: {hits:?}"),
    )?;
    out.expect(scrubbed, "the echo itself is in the artefacts, scrubbed")?;
    Ok(())
}

fn failed_preflight_writes_one_error() -> Result<(), Failed> {
    let server = serve("the-right-token-4242", &[])?;
    let dir = temp_dir("preflight-reports");
    let mut args: Vec<String> = ["check", "--target-url", &server.url, "--snapshots", "off"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(report_flags(&dir));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args, &[("SCIM_TOKEN", CANARY)], Duration::from_secs(60))?;
    let result = (|| -> Result<(), String> {
        out.expect(out.code == Some(3), "the preflight fails (exit 3)")?;
        let json: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("report.json")).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        validate_json(&json)?;
        out.expect(
            json["run"]["verdict"] == "untestable"
                && json["run"]["partial"] == true
                && json["trials"].as_array().is_some_and(Vec::is_empty)
                && json["preflight"][0]["got"]
                    .as_str()
                    .is_some_and(|g| g.contains("401")),
            &format!(
                "the JSON report names the preflight failure: {}",
                json["preflight"]
            ),
        )?;
        let xml =
            std::fs::read_to_string(dir.join("ci/junit/results.xml")).map_err(|e| e.to_string())?;
        let suites = junit_parser::from_reader(std::io::Cursor::new(xml.as_bytes()))
            .map_err(|e| e.to_string())?;
        let cases: Vec<_> = suites.suites.iter().flat_map(|s| s.cases.iter()).collect();
        out.expect(
            cases.len() == 1 && cases[0].status.is_error(),
            "the JUnit report has one error case",
        )?;
        let html =
            std::fs::read_to_string(dir.join("html/report.html")).map_err(|e| e.to_string())?;
        out.expect(
            html.contains("NOT TESTED"),
            "the HTML says the target was not tested",
        )?;
        no_canary(&dir)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(result?)
}

fn interrupted_run_writes_partial_reports() -> Result<(), Failed> {
    let server = serve("sigint-report-token-1", &["--delay-ms", "100"])?;
    let dir = temp_dir("sigint-reports");
    let json_path = dir.join("report.json");
    let html_path = dir.join("report.html");
    let mut child = bin::command(
        &[
            "check",
            "--target-url",
            &server.url,
            "--snapshots",
            "off",
            "--test-threads",
            "2",
            "--report",
            &format!("json={}", json_path.display()),
            "--report",
            &format!("html={}", html_path.display()),
        ],
        &[("SCIM_TOKEN", "sigint-report-token-1")],
    )
    .spawn()
    .map_err(|e| e.to_string())?;
    // Interrupt once a few trials have finished (libtest prints a line for each).
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.starts_with("test ") && line.ends_with(" ok") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    for _ in 0..3 {
        if rx.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = child.kill();
            return Err("no trial finished within 60 s".into());
        }
    }
    let started = Instant::now();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .map_err(|e| e.to_string())?;
    let mut out = bin::wait(child, Duration::from_secs(90), "interrupted check")?;
    out.stdout = reader.join().unwrap_or_default();
    let result = (|| -> Result<(), String> {
        out.expect(out.code == Some(130), "SIGINT exits 130")?;
        out.expect(
            out.stderr.contains("wrote json report (partial)"),
            "the reports are written after the interruption",
        )?;
        let json: Value =
            serde_json::from_str(&std::fs::read_to_string(&json_path).map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        validate_json(&json)?;
        out.expect(
            json["run"]["partial"] == true && json["run"]["interrupted"] == true,
            "the JSON report is marked partial",
        )?;
        let html = std::fs::read_to_string(&html_path).map_err(|e| e.to_string())?;
        out.expect(
            html.contains("Partial report:"),
            "the page says it is partial",
        )?;
        out.expect(
            started.elapsed() < Duration::from_secs(60),
            "the interrupted run stops promptly",
        )
    })();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(result?)
}

fn report_renders_the_committed_baseline() -> Result<(), Failed> {
    let dir = temp_dir("baseline-doc");
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/zenkit");
    let html = dir.join("doc/zenkit.html");
    let md = dir.join("doc/zenkit.md");
    let out = run(
        &[
            "report",
            &snapshots.to_string_lossy(),
            "--html",
            &html.to_string_lossy(),
            "--markdown",
            &md.to_string_lossy(),
        ],
        &[],
        Duration::from_secs(60),
    )?;
    let result = (|| -> Result<(), String> {
        out.expect(out.code == Some(0), "report succeeds")?;
        let page = std::fs::read_to_string(&html).map_err(|e| e.to_string())?;
        out.expect(
            page.contains("<code>zenkit::users::create</code>")
                && page.contains("<h5>Entra sent</h5>")
                && page.contains("201 Created"),
            "the page shows each trial's requests and answers",
        )?;
        let text = std::fs::read_to_string(&md).map_err(|e| e.to_string())?;
        out.expect(
            text.contains("### `zenkit::users::create`"),
            "the Markdown has a section per trial",
        )?;
        let missing = run(
            &["report", "/nonexistent/snapshots"],
            &[],
            Duration::from_secs(30),
        )?;
        missing.expect(
            missing.code == Some(2) && missing.stderr.contains("no such file or directory"),
            "a missing folder is a usage error",
        )
    })();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(result?)
}

/// Long flags (`--name`) in a text.
fn long_flags(text: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(pos) = text[i..].find("--") {
        let start = i + pos + 2;
        let before_ok = i + pos == 0
            || !bytes[i + pos - 1].is_ascii_alphanumeric() && bytes[i + pos - 1] != b'-';
        let name: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        if before_ok
            && name.len() > 1
            && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        {
            out.insert(format!("--{}", name.trim_end_matches('-')));
        }
        i = start + name.len();
    }
    out
}

fn help_matches_the_readme_flag_table() -> Result<(), Failed> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .map_err(|e| e.to_string())?;
    let check_table = table_flags(&readme, "### Flags and environment variables")?;
    let shown = shown_flags("check")?;
    let undocumented: Vec<&String> = shown.difference(&check_table).collect();
    let unknown: Vec<&String> = check_table.difference(&shown).collect();
    let mut problems = Vec::new();
    if !undocumented.is_empty() || !unknown.is_empty() {
        problems.push(format!(
            "README's flag table and `check --help` disagree.\nin --help but not in the README table: {undocumented:?}\nin the README table but not in --help: {unknown:?}"
        ));
    }
    // `simulate` documents its own flags in its section and shares the transport flags with
    // `check` (their rows are in the check table).
    let section = &readme[readme
        .find("## Load: the provisioning-cycle simulation")
        .ok_or("README has no simulation section")?..];
    let sim_table = table_flags(section, "### Flags")?;
    let sim_shown = shown_flags("simulate")?;
    let sim_unknown: Vec<&String> = sim_table.difference(&sim_shown).collect();
    let sim_undocumented: Vec<&String> = sim_shown
        .iter()
        .filter(|f| !sim_table.contains(*f) && !check_table.contains(*f))
        .collect();
    if !sim_unknown.is_empty() || !sim_undocumented.is_empty() {
        problems.push(format!(
            "README's simulation flag table and `simulate --help` disagree.\nin --help but in no README table: {sim_undocumented:?}\nin the simulation table but not in --help: {sim_unknown:?}"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// The long flags in the first cells of the table rows (`| `--flag ...` |`) of the section
/// under `heading`, up to the next heading.
fn table_flags(text: &str, heading: &str) -> Result<std::collections::BTreeSet<String>, String> {
    let start = text
        .find(&format!("{heading}\n"))
        .ok_or_else(|| format!("README has no `{heading}` section"))?;
    let body = &text[start + heading.len()..];
    let end = body.find("\n#").unwrap_or(body.len());
    Ok(body[..end]
        .lines()
        .filter(|l| l.starts_with("| `--") || l.starts_with("| `-"))
        .filter_map(|l| l.split('|').nth(1))
        .flat_map(long_flags)
        .collect())
}

/// The long flags `scim-conformance <command> --help` lists (not --help and --version).
fn shown_flags(command: &str) -> Result<std::collections::BTreeSet<String>, String> {
    let out = run(&[command, "--help"], &[], Duration::from_secs(30))?;
    let options = out.stdout.split("Exit codes:").next().unwrap_or_default();
    let mut shown = std::collections::BTreeSet::new();
    for line in options.lines().map(str::trim_start) {
        if let Some(flag) = line
            .strip_prefix("-")
            .and_then(|_| line.split_whitespace().find(|w| w.starts_with("--")))
        {
            shown.insert(flag.trim_end_matches(',').to_string());
        }
    }
    for builtin in ["--help", "--version"] {
        shown.remove(builtin);
    }
    Ok(shown)
}

fn ci_recipes_use_real_flags() -> Result<(), Failed> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci");
    let mut known = shown_flags("check")?;
    known.extend(shown_flags("cleanup")?);
    // cargo's and docker's own.
    known.extend(["--locked", "--test", "--rm"].map(String::from));
    let mut unknown = Vec::new();
    let mut recipes = 0;
    for e in std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let text = std::fs::read_to_string(e.path()).map_err(|e| e.to_string())?;
        recipes += 1;
        // Comments explain; commands are what must work.
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        for flag in long_flags(&code) {
            if !known.contains(&flag) {
                unknown.push(format!("{}: {flag}", e.file_name().to_string_lossy()));
            }
        }
        for needed in ["--report junit=", "cleanup --target-url"] {
            if !code.contains(needed) {
                unknown.push(format!(
                    "{}: lacks `{needed}`",
                    e.file_name().to_string_lossy()
                ));
            }
        }
    }
    if recipes < 2 {
        return Err(format!("expected the GitHub and Azure recipes in {}", dir.display()).into());
    }
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!("the CI recipes use flags the binary does not have: {unknown:?}").into())
    }
}

fn package_file(rel: &str) -> Result<String, Failed> {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .map_err(|e| format!("{rel}: {e}").into())
}

fn yaml(rel: &str) -> Result<Value, Failed> {
    serde_yaml_ng::from_str(&package_file(rel)?).map_err(|e| format!("{rel}: {e}").into())
}

/// action.yml is valid metadata of a composite action, and each of its inputs that names a
/// `check` flag reaches `check` as that flag (the token only through `SCIM_TOKEN`).
fn action_inputs_are_check_flags() -> Result<(), Failed> {
    let action = yaml("action.yml")?;
    for key in ["name", "description"] {
        if !action[key].is_string() {
            return Err(format!("action.yml: no {key}").into());
        }
    }
    if action["runs"]["using"] != "composite" {
        return Err("action.yml: runs.using is not composite".into());
    }
    let steps = action["runs"]["steps"]
        .as_array()
        .ok_or("action.yml: no steps")?;
    let mut scripts = String::new();
    for (i, step) in steps.iter().enumerate() {
        match (step.get("run"), step.get("uses")) {
            (Some(run), None) => {
                if !step["shell"].is_string() {
                    return Err(format!("action.yml: step {i} runs without a shell").into());
                }
                scripts.push_str(run.as_str().unwrap_or_default());
                scripts.push('\n');
            }
            (None, Some(_)) => {}
            _ => return Err(format!("action.yml: step {i} needs run or uses").into()),
        }
    }
    let install = package_file("contrib/action/install.sh")?;
    if !scripts.contains("contrib/action/install.sh") || !install.contains("sha256") {
        return Err("action.yml: the install step must download and verify the binary".into());
    }
    let check = shown_flags("check")?;
    let cleanup = shown_flags("cleanup")?;
    let inputs = action["inputs"]
        .as_object()
        .ok_or("action.yml: no inputs")?;
    let text = package_file("action.yml")?;
    let mut wrong = Vec::new();
    for name in inputs.keys() {
        if !text.contains(&format!("inputs.{name}")) {
            wrong.push(format!("input {name} is never used"));
        }
        if ["token", "report-dir", "version", "args"].contains(&name.as_str()) {
            continue;
        }
        let flag = format!("--{name}");
        if !check.contains(&flag) {
            wrong.push(format!("input {name}: check has no {flag}"));
        }
        if !scripts.contains(&format!("{flag} ")) {
            wrong.push(format!("input {name}: the check step never passes {flag}"));
        }
    }
    for flag in long_flags(&scripts) {
        if !check.contains(&flag) && !cleanup.contains(&flag) {
            wrong.push(format!(
                "the steps pass {flag}, which check and cleanup lack"
            ));
        }
    }
    if long_flags(&scripts).contains("--token") || !text.contains("SCIM_TOKEN: ${{ inputs.token }}")
    {
        wrong.push("the token must reach the binary as SCIM_TOKEN, never as a flag".into());
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("action.yml: {wrong:?}").into())
    }
}

/// The release workflow builds exactly the targets the README's table lists, with the archive
/// names cargo-binstall's metadata and the action's installer expect.
fn release_targets_match_the_readme() -> Result<(), Failed> {
    let release = yaml(".github/workflows/release.yml")?;
    let built: std::collections::BTreeSet<String> = release["jobs"]["binaries"]["strategy"]
        ["matrix"]["include"]
        .as_array()
        .ok_or("release.yml: no matrix")?
        .iter()
        .filter_map(|m| m["target"].as_str().map(str::to_string))
        .collect();
    let readme = package_file("README.md")?;
    let listed: std::collections::BTreeSet<String> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once("` | `scim-conformance-"))
        .map(|(target, _)| target.to_string())
        .collect();
    if built.is_empty() || built != listed {
        return Err(format!("release.yml builds {built:?}, the README lists {listed:?}").into());
    }
    let steps = release["jobs"]["binaries"]["steps"].to_string();
    let cargo = package_file("Cargo.toml")?;
    let install = package_file("contrib/action/install.sh")?;
    if !steps.contains("\"archive\":\"$bin-$target\"")
        || !steps.contains("\"checksum\":\"sha256\"")
        || !cargo.contains("{ name }-{ target }{ archive-suffix }")
    {
        return Err(
            "archives must be $bin-$target with sha256 checksums, as binstall expects".into(),
        );
    }
    for target in &built {
        if !install.contains(target.as_str()) {
            return Err(format!("contrib/action/install.sh cannot install {target}").into());
        }
    }
    for recipe in [
        "examples/ci/github-actions.yml",
        "examples/ci/azure-pipelines.yml",
    ] {
        yaml(recipe)?;
    }
    Ok(())
}

/// The Dockerfile is a multi-stage build whose final image runs the binary as a non-root user.
/// A lint, not a build: the CI machine reaches package registries only, so no base image can
/// be pulled.
fn dockerfile_is_multi_stage_and_non_root() -> Result<(), Failed> {
    let text = package_file("Dockerfile")?;
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let stages: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("FROM "))
        .collect();
    let last = *stages.last().ok_or("Dockerfile: no FROM")?;
    let fin = &lines[last..];
    let mut wrong = Vec::new();
    if stages.len() < 2 || !lines[stages[0]].contains(" AS ") {
        wrong.push("not a multi-stage build with a named build stage".to_string());
    }
    if !lines
        .iter()
        .any(|l| l.contains("cargo build --release --locked"))
    {
        wrong.push("the build stage must run cargo build --release --locked".into());
    }
    let user = fin
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .unwrap_or("root");
    if ["root", "0", "0:0"].contains(&user.trim()) {
        wrong.push(format!("the final image runs as {user}"));
    }
    let copied = fin
        .iter()
        .find(|l| l.starts_with("COPY --from="))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or_default();
    let entry = fin.iter().find_map(|l| l.strip_prefix("ENTRYPOINT "));
    match entry.map(serde_json::from_str::<Vec<String>>) {
        Some(Ok(argv))
            if argv.first().map(String::as_str) == Some(copied) && !copied.is_empty() => {}
        _ => wrong.push(format!(
            "ENTRYPOINT must be the exec form of the copied binary {copied:?}"
        )),
    }
    if !package_file(".dockerignore")?
        .lines()
        .any(|l| l.trim() == "target")
    {
        wrong.push(".dockerignore must leave out target/".into());
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("Dockerfile: {wrong:?}").into())
    }
}

fn main() -> std::process::ExitCode {
    let cli = TestCli::parse();
    let trials = vec![
        Trial::test("reports::all-formats-against-a-faulty-server", all_formats),
        Trial::ignorable_test("reports::html-in-chromium", html_in_chromium),
        Trial::test(
            "reports::echoed-token-reaches-no-report",
            echoed_token_reaches_no_report,
        ),
        Trial::test(
            "reports::encoded-echo-reaches-no-artefact",
            encoded_echo_reaches_no_artefact,
        ),
        Trial::test(
            "reports::failed-preflight-writes-one-error",
            failed_preflight_writes_one_error,
        ),
        Trial::test(
            "reports::interrupted-run-writes-partial-reports",
            interrupted_run_writes_partial_reports,
        ),
        Trial::test(
            "reports::report-renders-the-committed-baseline",
            report_renders_the_committed_baseline,
        ),
        Trial::test(
            "reports::help-matches-the-readme-flag-table",
            help_matches_the_readme_flag_table,
        ),
        Trial::test(
            "reports::ci-recipes-use-real-flags",
            ci_recipes_use_real_flags,
        ),
        Trial::test("reports::har-holds-every-request", har_holds_every_request),
        Trial::ignorable_test("reports::simulation-reports", simulation_reports),
        Trial::test("readme::command-blocks-work", readme_command_blocks_work),
        Trial::test(
            "packaging::action-inputs-are-check-flags",
            action_inputs_are_check_flags,
        ),
        Trial::test(
            "packaging::release-targets-match-the-readme",
            release_targets_match_the_readme,
        ),
        Trial::test(
            "packaging::dockerfile-is-multi-stage-and-non-root",
            dockerfile_is_multi_stage_and_non_root,
        ),
    ];
    let conclusion = libtest_mimic::run(&cli.libtest, trials);
    // Keep the faulty run's reports for a look when something failed.
    if let Some(Ok(r)) = FAULTY.get() {
        if conclusion.has_failed() {
            eprintln!("the faulty run's reports are kept in {}", r.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&r.dir);
        }
    }
    conclusion.exit_code()
}
