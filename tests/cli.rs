//! End-to-end tests of the real `scim-conformance` binary: `serve` then `check` against it, an
//! unreachable target, a malformed suite, `--list`, and a canary token that must never appear
//! in any output. Accepts (and ignores) the harness flags like every test target here.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use libtest_mimic::{Failed, Trial};
use scim_conformance::cli::TestCli;
#[path = "common/bin.rs"]
mod bin;
#[path = "common/mod.rs"]
mod common;
#[path = "cli/hostile.rs"]
mod hostile;
#[path = "cli/leftovers.rs"]
mod leftovers;

use bin::{drain, run, run_bin, serve, temp_dir, Output, BIN};

use scim_conformance::core::secret::Secret;
use scim_conformance::exec::lookup;
use scim_conformance::http::{ClientConfig, Request, ScimClient, Target};

fn expect(cond: bool, what: &str, out: &Output) -> Result<(), Failed> {
    out.expect(cond, what).map_err(Failed::from)
}

fn serve_then_check() -> Result<(), Failed> {
    let server = serve("e2e-token-1234", &[])?;
    let out = run(
        &["check", "--target-url", &server.url, "--snapshots", "off"],
        &[("SCIM_TOKEN", "e2e-token-1234")],
        Duration::from_secs(120),
    )?;
    expect(out.code == Some(0), "check against `serve` must pass", &out)?;
    expect(
        out.stdout.contains("test result: ok"),
        "libtest summary expected",
        &out,
    )?;
    expect(
        out.stderr.contains("left behind 0"),
        "the cleanup summary must report nothing left behind",
        &out,
    )?;
    // A tenant URL carrying Entra's flag selects the compliant dialect only.
    let flagged = format!("{}?aadOptscim062020", server.url);
    let out = run(
        &["check", "--target-url", &flagged, "--snapshots", "off"],
        &[("SCIM_TOKEN", "e2e-token-1234")],
        Duration::from_secs(120),
    )?;
    expect(out.code == Some(0), "the compliant-only run passes", &out)?;
    // ...except on-demand provisioning, which Entra sends in legacy whatever the flag says.
    let legacy: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("::legacy"))
        .collect();
    expect(
        out.stdout.contains("::compliant")
            && !legacy.is_empty()
            && legacy.iter().all(|l| l.contains("::on-demand::legacy")),
        "?aadOptscim062020 runs only compliant trials and the on-demand ones in legacy",
        &out,
    )?;
    expect(
        out.stderr.contains("dialect(s) compliant"),
        "the banner names the dialect",
        &out,
    )
}

fn broken_server_fails_with_named_defect() -> Result<(), Failed> {
    let server = serve("e2e-token-1234", &["--fault", "active-string-rejected"])?;
    let out = run(
        &[
            "check",
            "--target-url",
            &server.url,
            "--snapshots",
            "off",
            "users::disable-and-enable",
        ],
        &[("SCIM_TOKEN", "e2e-token-1234")],
        Duration::from_secs(120),
    )?;
    expect(
        out.code == Some(101),
        "a broken server must fail the run with exit code 101",
        &out,
    )?;
    let verdict = |name: &str| {
        out.stdout
            .lines()
            .find(|l| l.starts_with(&format!("test {name} ")))
            .map(|l| l.rsplit(' ').next().unwrap_or_default().to_string())
    };
    expect(
        verdict("entra-default::users::disable-and-enable::legacy").as_deref() == Some("FAILED"),
        "the legacy trial must fail",
        &out,
    )?;
    expect(
        verdict("entra-default::users::disable-and-enable::compliant").as_deref() == Some("ok"),
        "the compliant trial must pass",
        &out,
    )?;
    expect(
        out.stdout.contains("expected: status in [200, 204]") && out.stdout.contains("400"),
        "the message must say what was expected and what came back",
        &out,
    )
}

fn unreachable_target() -> Result<(), Failed> {
    let out = run(
        &[
            "check",
            "--target-url",
            "http://127.0.0.1:1/scim",
            "--timeout",
            "5",
            "--snapshots",
            "off",
            "connection",
        ],
        &[("SCIM_TOKEN", "e2e-token-1234")],
        Duration::from_secs(60),
    )?;
    expect(
        out.code == Some(3),
        "an unreachable target fails the preflight (exit 3)",
        &out,
    )?;
    expect(
        out.stderr
            .contains("connection refused: nothing listens at 127.0.0.1:1"),
        "a readable reason and fix",
        &out,
    )?;
    expect(
        out.all().matches("could not connect").count() == 1 && !out.stdout.contains("test "),
        "one reason, not one per trial; no trial runs",
        &out,
    )?;
    expect(!out.all().contains("panicked"), "never a panic", &out)
}

/// Runs `check` against `url` (with `extra` flags and the token) and expects the preflight to
/// fail with exit 3 and a message containing `says`, once.
fn preflight_fails(url: &str, extra: &[&str], token: &str, says: &str) -> Result<(), Failed> {
    let started = Instant::now();
    let mut args = vec!["check", "--target-url", url, "--snapshots", "off"];
    args.extend_from_slice(extra);
    let out = run(&args, &[("SCIM_TOKEN", token)], Duration::from_secs(60))?;
    expect(
        out.code == Some(3),
        "the preflight fails with exit code 3",
        &out,
    )?;
    expect(
        out.stderr.contains(says),
        &format!("the reason says `{says}`"),
        &out,
    )?;
    expect(
        out.stderr
            .matches("preflight (Entra's Test Connection) failed")
            .count()
            == 1
            && !out.stdout.contains("test "),
        "one paragraph; no trial runs",
        &out,
    )?;
    expect(
        !out.all().contains(token) && !out.all().contains("panicked"),
        "no token, no panic",
        &out,
    )?;
    expect(
        started.elapsed() < Duration::from_secs(15),
        "done in under 15 s",
        &out,
    )
}

fn preflight_cases() -> Vec<Trial> {
    vec![
        Trial::test("cli::preflight-wrong-token", || {
            let server = serve("the-right-token-1111", &[])?;
            preflight_fails(
                &server.url,
                &[],
                "the-wrong-token-2222",
                "401 with the token from SCIM_TOKEN",
            )
        }),
        Trial::test("cli::preflight-base-path-missing", || {
            let server = serve("preflight-token-3333", &[])?;
            let root = server
                .url
                .trim_end_matches('/')
                .trim_end_matches("scim")
                .to_string();
            preflight_fails(
                &root,
                &[],
                "preflight-token-3333",
                "the base URL probably lacks its SCIM path",
            )
        }),
        Trial::test("cli::preflight-html-login-page", || {
            let url = common::raw_http_server(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 38\r\nConnection: close\r\n\r\n<html><body>Please log in</body></html>",
            )?;
            preflight_fails(
                &url,
                &[],
                "preflight-token-4444",
                "an HTML page with status 200: a login page or a proxy",
            )
        }),
        Trial::test("cli::preflight-tls-wrong-host", || {
            let url = common::tls_server("wrong-host")?;
            let ca = common::package_dir().join("fixtures/tls/ca.pem");
            preflight_fails(
                &url,
                &["--ca-cert", &ca.to_string_lossy()],
                "preflight-token-5555",
                "TLS: the certificate is for another host",
            )
        }),
        Trial::test("cli::preflight-connection-reset", || {
            let url = common::resets()?;
            preflight_fails(
                &url,
                &[],
                "preflight-token-7777",
                "reset the connection (try https://)",
            )
        }),
        Trial::test("cli::preflight-plain-http-to-https-port", || {
            let url = common::raw_http_server(
                b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 73\r\nConnection: close\r\n\r\n<html><body>The plain HTTP request was sent to HTTPS port</body></html>\n\n",
            )?;
            preflight_fails(&url, &[], "preflight-token-8888", "the port speaks HTTPS")
        }),
        Trial::test("cli::preflight-dead-token-endpoint", || {
            let server = serve("preflight-token-9090", &[])?;
            let dead = common::free_port_url()?;
            let started = Instant::now();
            let args = [
                "check",
                "--target-url",
                &server.url,
                "--snapshots",
                "off",
                "--token-url",
                &dead,
                "--client-id",
                "preflight-client",
            ];
            let out = run(
                &args,
                &[("SCIM_CLIENT_SECRET", "preflight-secret-9191")],
                Duration::from_secs(60),
            )?;
            expect(
                out.code == Some(3),
                "the preflight fails with exit code 3",
                &out,
            )?;
            expect(
                out.stderr
                    .contains("the OAuth token endpoint (--token-url): connection refused"),
                "the token endpoint, not the SCIM host, is named",
                &out,
            )?;
            expect(
                !out.all().contains("preflight-secret-9191"),
                "no secret",
                &out,
            )?;
            expect(
                started.elapsed() < Duration::from_secs(15),
                "done in under 15 s",
                &out,
            )
        }),
        Trial::test("cli::token-endpoint-echo-leaks-nothing", || {
            let rt = common::runtime()?;
            let token_server = common::answering_everything(&rt, common::EchoRefusal);
            let server = serve("preflight-token-9292", &[])?;
            let secret = "s3cr+t/value=9393 x";
            let token_url = format!("{}/oauth2/token", token_server.uri());
            use base64::Engine as _;
            let basic_raw =
                base64::engine::general_purpose::STANDARD.encode(format!("echo-client:{secret}"));
            let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            let basic_form =
                base64::engine::general_purpose::STANDARD.encode(format!("echo-client:{form}"));
            for auth in ["header", "body"] {
                let args = [
                    "check",
                    "--target-url",
                    &server.url,
                    "--snapshots",
                    "off",
                    "--token-url",
                    &token_url,
                    "--client-id",
                    "echo-client",
                    "--client-auth",
                    auth,
                ];
                let out = run(
                    &args,
                    &[("SCIM_CLIENT_SECRET", secret)],
                    Duration::from_secs(60),
                )?;
                expect(
                    out.code == Some(3),
                    "the preflight fails with exit code 3",
                    &out,
                )?;
                let mut leaks = Vec::new();
                for form in common::encoded_forms(secret)
                    .into_iter()
                    .chain([basic_raw.clone(), basic_form.clone()])
                {
                    if out.all().contains(&form) {
                        leaks.push(form);
                    }
                }
                expect(
                    leaks.is_empty(),
                    &format!("--client-auth {auth}: the echoed secret leaks as {leaks:?}"),
                    &out,
                )?;
                expect(
                    out.all().contains("***"),
                    "the echo is shown, scrubbed",
                    &out,
                )?;
            }
            Ok(())
        }),
        Trial::test("cli::preflight-black-hole", || {
            let url = common::black_hole()?;
            preflight_fails(
                &url,
                &["--timeout", "2"],
                "preflight-token-6666",
                "no answer within 2s",
            )
        }),
    ]
}

fn compliant_run_against_its_own_baseline() -> Result<(), Failed> {
    let server = serve("compliant-token-9999", &[])?;
    let flagged = format!("{}?aadOptscim062020", server.url);
    let dir = temp_dir("compliant-baseline");
    let dir_arg = dir.to_string_lossy().to_string();
    let env = [("SCIM_TOKEN", "compliant-token-9999"), ("CI", "")];
    let record = run(
        &[
            "check",
            "--target-url",
            &flagged,
            "--snapshots",
            "record",
            "--snapshot-dir",
            &dir_arg,
        ],
        &env,
        Duration::from_secs(120),
    )?;
    expect(
        record.code == Some(0),
        "recording a compliant baseline passes",
        &record,
    )?;
    let check = run(
        &[
            "check",
            "--target-url",
            &flagged,
            "--snapshot-dir",
            &dir_arg,
        ],
        &[("SCIM_TOKEN", "compliant-token-9999"), ("CI", "true")],
        Duration::from_secs(120),
    );
    let _ = std::fs::remove_dir_all(&dir);
    let check = check?;
    expect(
        check.code == Some(0) && check.stderr.contains("snapshots check"),
        "a compliant-only run passes against its own baseline",
        &check,
    )
}

/// A server that refuses a write while another is handled (`parallel-writes-500`, as a
/// single-writer database does): among concurrent trials its 500s are re-run alone, pass, and
/// become one warning naming concurrency — no flaky failure. Run one at a time, the same server
/// fails nothing and earns no such warning.
fn concurrency_is_a_finding_not_a_flake() -> Result<(), Failed> {
    let server = serve(
        "concurrency-token-4321",
        &["--fault", "parallel-writes-500"],
    )?;
    let parallel = run(
        &[
            "check",
            "--target-url",
            &server.url,
            "--snapshots",
            "off",
            "--max-in-flight",
            "6",
            "users::",
        ],
        &[("SCIM_TOKEN", "concurrency-token-4321")],
        Duration::from_secs(180),
    )?;
    expect(parallel.code == Some(0), "no trial fails", &parallel)?;
    expect(
        parallel
            .stderr
            .contains("failed among concurrent trials and passed when re-run alone")
            && parallel.stderr.contains("fails under 6 concurrent trials")
            && parallel.stderr.contains("database is locked"),
        "one warning names the concurrency, with the evidence",
        &parallel,
    )?;
    let serial = run(
        &[
            "check",
            "--target-url",
            &server.url,
            "--snapshots",
            "off",
            "--test-threads",
            "1",
            "users::",
        ],
        &[("SCIM_TOKEN", "concurrency-token-4321")],
        Duration::from_secs(180),
    )?;
    expect(
        serial.code == Some(0),
        "one at a time nothing fails",
        &serial,
    )?;
    expect(
        !serial.stderr.contains("concurrent trials"),
        "and nothing is said about concurrency",
        &serial,
    )
}

/// A baseline folder without the vendor's baselines: one line saying how to record them (the
/// exact command), not one "no baseline" failure per trial.
fn missing_baseline_is_one_line() -> Result<(), Failed> {
    let server = serve("baseline-token-5678", &[])?;
    let dir = temp_dir("no-baseline");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let dir_arg = dir.to_string_lossy().to_string();
    let out = run(
        &[
            "check",
            "--target-url",
            &server.url,
            "--snapshot-dir",
            &dir_arg,
            "users::",
        ],
        &[("SCIM_TOKEN", "baseline-token-5678"), ("CI", "true")],
        Duration::from_secs(120),
    )?;
    let _ = std::fs::remove_dir_all(&dir);
    expect(out.code == Some(0), "the trials still pass", &out)?;
    expect(
        out.stderr
            .matches("no baseline recorded for entra-default")
            .count()
            == 1
            && out.stderr.contains("--snapshots record --snapshot-dir"),
        "one line, with the command that records the baseline",
        &out,
    )?;
    expect(
        !out.stdout.contains("no baseline recorded yet"),
        "no trial fails for want of a baseline",
        &out,
    )
}

/// A `--fixtures` folder holding one profile adds it; the built-in fixtures fill the rest, and
/// the vendor without a built-in baseline gets one line, not a failure per trial.
fn fixtures_folder_with_one_profile() -> Result<(), Failed> {
    let dir = temp_dir("one-profile");
    std::fs::create_dir_all(dir.join("vendors")).map_err(|e| e.to_string())?;
    let zenkit =
        std::fs::read_to_string(common::package_dir().join("fixtures/vendors/zenkit.toml"))
            .map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("vendors/acme.toml"),
        zenkit.replacen("id = \"zenkit\"", "id = \"acme\"", 1),
    )
    .map_err(|e| e.to_string())?;
    let dir_arg = dir.to_string_lossy().to_string();
    let out = run(
        &["check", "--fixtures", &dir_arg, "--vendor", "acme"],
        &[("CI", "true")],
        Duration::from_secs(120),
    )?;
    let _ = std::fs::remove_dir_all(&dir);
    expect(out.code == Some(0), "the one profile runs and passes", &out)?;
    expect(
        out.stdout.contains("acme::users::create") && !out.stderr.contains("cannot read"),
        "the built-in bodies and entra-source.toml fill the rest",
        &out,
    )?;
    expect(
        out.stderr.matches("no baseline built in for acme").count() == 1,
        "one line for the missing baseline",
        &out,
    )
}

/// `report --vendor NAME` renders the baseline built into the binary, from any directory.
fn report_of_an_embedded_baseline() -> Result<(), Failed> {
    let dir = temp_dir("report-vendor");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let out = run_bin(
        BIN,
        Some(&dir),
        &["report", "--vendor", "zenkit"],
        &[],
        Duration::from_secs(60),
    )?;
    let _ = std::fs::remove_dir_all(&dir);
    expect(
        out.code == Some(0)
            && out.stdout.contains("## zenkit (")
            && out.stdout.contains("zenkit::users::create"),
        "the built-in zenkit baseline as Markdown",
        &out,
    )?;
    let out = run(
        &["report", "--vendor", "nope"],
        &[],
        Duration::from_secs(60),
    )?;
    expect(
        out.code == Some(2) && out.stderr.contains("built in: entra-default"),
        "an unknown vendor names the built-in ones (exit 2)",
        &out,
    )
}

/// A changed answer leaves a pending snapshot; `review` lists it by trial with the diff from the
/// changed exchange (exit 1 while pending), rejects it (the baseline stays), and accepts it
/// (the new answers become the baseline, and the next check passes).
fn review_a_changed_snapshot() -> Result<(), Failed> {
    let dir = temp_dir("review");
    let d = dir.to_string_lossy().to_string();
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "--vendor", "zenkit", "--snapshot-dir", &d];
        args.extend_from_slice(extra);
        args.extend(["--exact", "zenkit::users::create"]);
        run(&args, &[("CI", "")], Duration::from_secs(120))
    };
    let recorded = check(&["--snapshots", "record"])?;
    expect(
        recorded.code == Some(0),
        "the baseline is recorded",
        &recorded,
    )?;
    let snap = dir.join("zenkit/users__create.snap");
    let text = std::fs::read_to_string(&snap).map_err(|e| e.to_string())?;
    let altered = text.replace("\"status\": 201", "\"status\": 200");
    let make_pending = || -> Result<Output, Failed> {
        std::fs::write(&snap, &altered).map_err(|e| e.to_string())?;
        let out = check(&[])?;
        expect(
            out.code == Some(101) && dir.join("zenkit/users__create.snap.new").is_file(),
            "the changed answers fail the trial and are written for review",
            &out,
        )?;
        Ok(out)
    };
    make_pending()?;
    let review = |extra: &[&str]| {
        let mut args = vec!["review", "--snapshot-dir", &d];
        args.extend_from_slice(extra);
        run(&args, &[], Duration::from_secs(60))
    };
    let listed = review(&[])?;
    expect(
        listed.code == Some(1)
            && listed.stdout.contains("zenkit::users::create — changed")
            && listed.stdout.contains("@ exchange 1 of")
            && listed.stdout.contains("POST Users")
            && listed.stdout.contains("1 pending snapshot(s) left"),
        "without a terminal it lists the pending snapshot by trial, diff from the changed step",
        &listed,
    )?;
    let rejected = review(&["--reject", "zenkit::users::create"])?;
    let after_reject = std::fs::read_to_string(&snap).map_err(|e| e.to_string())?;
    expect(
        rejected.code == Some(0)
            && rejected.stdout.contains("rejected: zenkit::users::create")
            && !dir.join("zenkit/users__create.snap.new").exists()
            && after_reject == altered,
        "reject drops the new file and keeps the baseline",
        &rejected,
    )?;
    make_pending()?;
    let accepted = review(&["--accept"])?;
    let after_accept = std::fs::read_to_string(&snap).map_err(|e| e.to_string())?;
    expect(
        accepted.code == Some(0)
            && accepted.stdout.contains("accepted: zenkit::users::create")
            && after_accept.contains("\"status\": 201")
            && after_accept.contains("source: \"zenkit::users::create\""),
        "accept makes the new answers the baseline, named by trial",
        &accepted,
    )?;
    let again = check(&[])?;
    let _ = std::fs::remove_dir_all(&dir);
    expect(
        again.code == Some(0),
        "the accepted baseline passes",
        &again,
    )?;
    let none = run(
        &["review", "--snapshot-dir", "/nonexistent-scimconf"],
        &[],
        Duration::from_secs(30),
    )?;
    expect(
        none.code == Some(2),
        "no such folder is a usage error",
        &none,
    )
}

/// A customer's exported provisioning schema becomes a profile (`profile import`) that `check`
/// runs end to end against the reference server; an unsupported function is exit 2 naming it.
fn imported_schema_runs_end_to_end() -> Result<(), Failed> {
    let dir = temp_dir("import");
    let schema = common::package_dir().join("fixtures/selftest/schemas/zenya.json");
    let schema_arg = schema.to_string_lossy().to_string();
    let out = dir.join("vendors/acme.toml").to_string_lossy().to_string();
    let imported = run(
        &[
            "profile",
            "import",
            &schema_arg,
            "--name",
            "acme",
            "--out",
            &out,
        ],
        &[],
        Duration::from_secs(60),
    )?;
    expect(imported.code == Some(0), "the schema imports", &imported)?;
    let d = dir.to_string_lossy().to_string();
    let checked = run(
        &["check", "--fixtures", &d, "--vendor", "acme"],
        &[("CI", "true")],
        Duration::from_secs(120),
    )?;
    expect(
        checked.code == Some(0) && checked.stdout.contains("acme::users::create "),
        "check runs the imported mapping against the reference server",
        &checked,
    )?;
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    if let Some(m) = v["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"]
        .as_array_mut()
        .and_then(|a| {
            a.iter_mut()
                .find(|a| a["targetAttributeName"] == "userName")
        })
    {
        m["source"] = serde_json::json!({"expression": "Join(\"-\", [userPrincipalName], Now())", "name": "Join", "type": "Function"});
    }
    let lower = dir.join("lower.json");
    std::fs::write(&lower, v.to_string()).map_err(|e| e.to_string())?;
    let refused = run(
        &["profile", "import", &lower.to_string_lossy(), "--name", "x"],
        &[],
        Duration::from_secs(60),
    )?;
    let _ = std::fs::remove_dir_all(&dir);
    expect(
        refused.code == Some(2) && refused.stderr.contains("unsupported function Now"),
        "an unsupported function is a usage error naming it",
        &refused,
    )
}

/// The requests of a HAR, per trial, with what differs between any two runs made uniform: the
/// run's tag, GUIDs and server ids.
fn requests_by_trial(har: &str) -> Result<std::collections::BTreeMap<String, Vec<String>>, String> {
    let v: serde_json::Value = serde_json::from_str(har).map_err(|e| e.to_string())?;
    let guid = regex_lite::Regex::new(
        "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{11,12}",
    )
    .map_err(|e| e.to_string())?;
    let tag = regex_lite::Regex::new("(?i)scimconf-[0-9a-f]{8}").map_err(|e| e.to_string())?;
    let host = regex_lite::Regex::new(r"127\.0\.0\.1:[0-9]+").map_err(|e| e.to_string())?;
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for e in v["log"]["entries"].as_array().into_iter().flatten() {
        let trial = e["pageref"].as_str().unwrap_or_default().to_string();
        let r = &e["request"];
        let body = r["postData"]["text"].as_str().unwrap_or_default();
        let line = format!(
            "{} {} {}",
            r["method"].as_str().unwrap_or_default(),
            r["url"].as_str().unwrap_or_default(),
            body
        );
        let line = guid.replace_all(&line, "GUID").into_owned();
        let line = tag.replace_all(&line, "scimconf-RUN").into_owned();
        let line = host.replace_all(&line, "HOST").into_owned();
        out.entry(trial).or_default().push(line);
    }
    Ok(out)
}

/// Round trips: each committed vendor profile's schema fixture (`fixtures/selftest/schemas/`,
/// written by `contrib/schemas/generate.py` from the profile's mapping table) imports to a profile
/// whose trials send the very requests the hand-written profile sends, compared request by
/// request from the runs' HARs. What an export does not carry (role values, on_delete, the tenant
/// URL and dialect) comes from the hand-written profile through `--base`.
fn imported_schemas_send_what_the_profiles_send() -> Result<(), Failed> {
    let dir = temp_dir("roundtrip");
    let package = common::package_dir();
    let mut report = Vec::new();
    for vendor in [
        "entra-default",
        "zenkit",
        "zenvoices",
        "zenya",
        "zero",
        "zscaler-private-access",
    ] {
        let schema = package.join(format!("fixtures/selftest/schemas/{vendor}.json"));
        let fixtures = dir.join(vendor);
        let out_file = fixtures.join(format!("vendors/{vendor}.toml"));
        let imported = run(
            &[
                "profile",
                "import",
                &schema.to_string_lossy(),
                "--name",
                vendor,
                "--base",
                vendor,
                "--out",
                &out_file.to_string_lossy(),
            ],
            &[],
            Duration::from_secs(60),
        )?;
        expect(imported.code == Some(0), "the schema imports", &imported)?;
        let mut hars = Vec::new();
        for (name, extra) in [("hand", None), ("imported", Some(&fixtures))] {
            let har = dir.join(format!("{vendor}-{name}.har"));
            let har_arg = har.to_string_lossy().to_string();
            let fixtures_arg = extra.map(|f| f.to_string_lossy().to_string());
            let mut args = vec!["check", "--vendor", vendor, "--har", &har_arg, "-q"];
            if let Some(f) = &fixtures_arg {
                args.extend(["--fixtures", f.as_str()]);
            }
            let checked = run(&args, &[("CI", "true")], Duration::from_secs(180))?;
            expect(
                matches!(checked.code, Some(0) | Some(101)),
                "check runs and writes its HAR",
                &checked,
            )?;
            hars.push(requests_by_trial(
                &std::fs::read_to_string(&har).map_err(|e| e.to_string())?,
            )?);
        }
        let (hand, imported) = (&hars[0], &hars[1]);
        let mut compared = 0;
        for (trial, sent) in hand {
            // The harness's own page (the preflight, the cleanup) runs in no fixed order.
            if !trial.contains("::") {
                continue;
            }
            match imported.get(trial) {
                Some(theirs) if theirs == sent => compared += 1,
                Some(theirs) => {
                    let first = sent
                        .iter()
                        .zip(theirs)
                        .find(|(a, b)| a != b)
                        .map(|(a, b)| format!("\n  hand:     {a}\n  imported: {b}"))
                        .unwrap_or_else(|| {
                            format!("\n  {} vs {} requests", sent.len(), theirs.len())
                        });
                    let _ = std::fs::remove_dir_all(&dir);
                    return Err(format!("{vendor}: {trial} sends other requests{first}").into());
                }
                // entra-default is the harness's baseline: it lists all three role functions
                // without a roles mapping row (fixtures/vendors/entra-default.toml), so an
                // export of its mapping carries no role function and no role trial runs.
                None if vendor == "entra-default" && trial.contains("::roles::") => {}
                None => {
                    let _ = std::fs::remove_dir_all(&dir);
                    return Err(format!(
                        "{vendor}: {trial} runs only with the hand-written profile"
                    )
                    .into());
                }
            }
        }
        if let Some(extra) = imported
            .keys()
            .find(|t| t.contains("::") && !hand.contains_key(*t))
        {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!("{vendor}: {extra} runs only with the imported profile").into());
        }
        if compared < 20 {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!("{vendor}: only {compared} trials compared").into());
        }
        report.push(format!("{vendor} {compared}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "round trips (trials with identical requests): {}",
        report.join(", ")
    );
    Ok(())
}

/// The verdict closes stdout as well as stderr, so `> log` keeps it.
fn verdict_on_stdout() -> Result<(), Failed> {
    let out = run(
        &["check", "--vendor", "zenkit", "users::create"],
        &[("CI", "true")],
        Duration::from_secs(120),
    )?;
    let last = out.stdout.trim_end().lines().last().unwrap_or_default();
    expect(
        out.code == Some(0) && last.starts_with("verdict: PASSED"),
        "stdout ends with the verdict",
        &out,
    )?;
    expect(
        out.stderr.contains("verdict: PASSED"),
        "stderr keeps its summary",
        &out,
    )
}

fn dead_target_blocks_the_rest() -> Result<(), Failed> {
    // The preflight is answered, then the target never answers again.
    let url = common::dies_after(1)?;
    let started = Instant::now();
    let out = run(
        &[
            "check",
            "--target-url",
            &url,
            "--snapshots",
            "off",
            "--timeout",
            "2",
        ],
        &[("SCIM_TOKEN", "dead-target-token-8888")],
        Duration::from_secs(120),
    )?;
    let elapsed = started.elapsed();
    expect(out.code == Some(101), "the run fails", &out)?;
    expect(
        out.stdout
            .contains("not tested: blocked by the target — it stopped answering"),
        "the remaining trials are blocked by the dead target",
        &out,
    )?;
    // About the trials in flight when it died wait out their timeout (--max-in-flight, 8; a
    // trial's own lookup after its timeout may add one), not the 100 others.
    expect(
        out.stdout.matches("transport error: timed out").count()
            <= 2 * scim_conformance::cli::DEFAULT_IN_FLIGHT as usize,
        "only the requests in flight when the target died wait out their timeout",
        &out,
    )?;
    expect(
        elapsed < Duration::from_secs(40),
        &format!("finished in {elapsed:?}: a small multiple of --timeout"),
        &out,
    )
}

fn zero_trials_exit_4() -> Result<(), Failed> {
    let server = serve("zero-token-7777", &[])?;
    let empty = temp_dir("no-suites");
    std::fs::create_dir_all(&empty).map_err(|e| e.to_string())?;
    let empty_arg = empty.to_string_lossy().to_string();
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (vec!["check", "--vendor", ""], vec![], "no vendor selected"),
        (vec!["check", "--vendor", ","], vec![], "no vendor selected"),
        (
            vec!["check"],
            vec![("SCIM_VENDOR", "")],
            "no vendor selected",
        ),
        (
            vec!["check", "--suites", &empty_arg],
            vec![],
            "no suite files",
        ),
        (
            vec!["check", "--target-url", &server.url, "zenkit::users"],
            vec![("SCIM_TOKEN", "zero-token-7777")],
            "zenkit is not a selected vendor",
        ),
        (
            vec!["check", "no-such-trial"],
            vec![],
            "matched no runnable trial",
        ),
    ];
    for (args, env, says) in cases {
        let out = run(&args, &env, Duration::from_secs(60))?;
        expect(
            out.code == Some(4) && out.stderr.contains(says),
            &format!("`{}` runs no trial: exit 4 saying `{says}`", args.join(" ")),
            &out,
        )?;
    }
    let _ = std::fs::remove_dir_all(&empty);
    Ok(())
}

fn malformed_suite() -> Result<(), Failed> {
    let dir = std::env::temp_dir().join(format!("scimconf-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("broken.toml"),
        "[suite]\ntitle = \"x\"\n[[entry]]\nid = \"bad-entry\"\ntitle = \"t\"\n[[entry.step]]\nname = \"s\"\nmethod = \"GET\"\npath = \"Users\"\nexpect = [{ status = 200, sevrity = \"rfc\" }]\n",
    )
    .map_err(|e| e.to_string())?;
    let out = run(
        &[
            "check",
            "--suites",
            &dir.to_string_lossy(),
            "--snapshots",
            "off",
        ],
        &[],
        Duration::from_secs(60),
    );
    let _ = std::fs::remove_dir_all(&dir);
    let out = out?;
    expect(
        out.code == Some(101),
        "a malformed suite fails its trial",
        &out,
    )?;
    expect(
        out.stdout.contains(
            "broken.toml:10:27 › entry `bad-entry` › step[0].expect[0].sevrity: unknown field `sevrity`",
        ),
        "the message names file, entry and field",
        &out,
    )?;
    expect(!out.all().contains("panicked"), "never a panic", &out)
}

fn list() -> Result<(), Failed> {
    let out = run(&["check", "--list"], &[], Duration::from_secs(60))?;
    expect(out.code == Some(0), "--list succeeds", &out)?;
    expect(
        out.stdout.contains("zenkit::auth::no-token-refused: test")
            && out
                .stdout
                .contains("[ignored] zenvoices::groups::create::legacy: test"),
        "--list prints trial names",
        &out,
    )
}

fn canary_token_never_printed() -> Result<(), Failed> {
    let server = serve("the-right-token-5678", &[])?;
    let canary = "canary-7f3e9b2c-secret";
    let out = run(
        &[
            "check",
            "--target-url",
            &server.url,
            "--snapshots",
            "off",
            "users::",
        ],
        &[("SCIM_TOKEN", canary)],
        Duration::from_secs(120),
    )?;
    expect(
        out.code == Some(3) && out.stderr.contains("401 with the token from SCIM_TOKEN"),
        "a wrong token fails the preflight with its reason",
        &out,
    )?;
    expect(
        !out.all().contains(canary) && !out.all().contains("7f3e9b2c"),
        "the token must never appear in any output",
        &out,
    )?;
    let out = run(
        &[
            "check",
            "--target-url",
            &server.url,
            "--token",
            canary,
            "--snapshots",
            "off",
            "users::create",
        ],
        &[],
        Duration::from_secs(120),
    )?;
    expect(
        !out.all().contains("7f3e9b2c"),
        "nor when given with --token",
        &out,
    )
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for e in std::fs::read_dir(from)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        std::fs::copy(e.path(), to.join(e.file_name())).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn altered_snapshot_fails_exactly_its_trial() -> Result<(), Failed> {
    let root = temp_dir("snap");
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/zenkit");
    let committed_before = dir_contents(&committed);
    copy_dir(&committed, &root.join("zenkit"))?;
    let victim = root.join("zenkit/users__create.snap");
    let text = std::fs::read_to_string(&victim).map_err(|e| e.to_string())?;
    std::fs::write(&victim, text.replace("\"status\": 201", "\"status\": 200"))
        .map_err(|e| e.to_string())?;
    let before = dir_contents(&root.join("zenkit"));
    let out = run(
        &[
            "check",
            "--vendor",
            "zenkit",
            "--snapshot-dir",
            &root.to_string_lossy(),
        ],
        &[("CI", "true")],
        Duration::from_secs(120),
    );
    let after = dir_contents(&root.join("zenkit"));
    let _ = std::fs::remove_dir_all(&root);
    let out = out?;
    let failed: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.ends_with("FAILED"))
        .collect();
    expect(
        out.code == Some(101),
        "an altered snapshot fails the run",
        &out,
    )?;
    expect(
        failed.len() == 1 && failed[0].contains("zenkit::users::create "),
        "exactly the altered trial fails",
        &out,
    )?;
    expect(
        out.stdout
            .contains("accept it: re-run with `--snapshots record --snapshot-dir"),
        "the message says how to accept",
        &out,
    )?;
    // The diff starts at the exchange that changed, named by step and request line.
    let diff_start = out
        .stdout
        .lines()
        .skip_while(|l| !l.contains("differs from what the endpoint answered"))
        .nth(1)
        .unwrap_or_default();
    expect(
        diff_start.contains("@ exchange 1 of") && diff_start.contains("POST Users"),
        "the diff opens with the changed step and its request",
        &out,
    )?;
    let committed_after = dir_contents(&committed);
    expect(
        after == before && committed_after == committed_before,
        "CI=true never writes or changes a snapshot file (contents compared)",
        &out,
    )
}

/// Every file of a folder, by name, with its bytes.
fn dir_contents(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect()
}

/// A baseline copy of zenkit's snapshots with `users__create` altered (201 recorded as 200).
fn altered_baseline() -> Result<std::path::PathBuf, String> {
    let root = temp_dir("snap");
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/zenkit");
    copy_dir(&committed, &root.join("zenkit"))?;
    let victim = root.join("zenkit/users__create.snap");
    let text = std::fs::read_to_string(&victim).map_err(|e| e.to_string())?;
    std::fs::write(&victim, text.replace("\"status\": 201", "\"status\": 200"))
        .map_err(|e| e.to_string())?;
    Ok(root)
}

fn json_format_stays_json_and_carries_the_diff() -> Result<(), Failed> {
    let root = altered_baseline()?;
    let out = run(
        &[
            "check",
            "--vendor",
            "zenkit",
            "--snapshot-dir",
            &root.to_string_lossy(),
            "--format",
            "json",
        ],
        &[("CI", "true")],
        Duration::from_secs(120),
    );
    let _ = std::fs::remove_dir_all(&root);
    let out = out?;
    expect(
        out.code == Some(101),
        "the altered snapshot fails the run",
        &out,
    )?;
    let mut events = Vec::new();
    for line in out.stdout.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(v) => events.push(v),
            Err(e) => {
                return expect(
                    false,
                    &format!("a stdout line is not JSON ({e}): {line}"),
                    &out,
                )
            }
        }
    }
    let failed = events
        .iter()
        .find(|e| e["event"] == "failed" && e["name"] == "zenkit::users::create");
    let msg = failed
        .and_then(|e| e["stdout"].as_str())
        .unwrap_or_default();
    expect(
        msg.contains("differs from what the endpoint answered")
            && msg.contains("-       \"status\": 200")
            && msg.contains("+       \"status\": 201"),
        "the failing trial's own event carries the diff",
        &out,
    )?;
    expect(
        !out.stdout.contains("Source:") && !out.all().contains("cargo insta test"),
        "no insta output outside the trial's message",
        &out,
    )?;
    let summary = events
        .iter()
        .find(|e| e["type"] == "scim-conformance" && e["event"] == "summary");
    expect(
        summary.is_some_and(|s| {
            s["trials"].as_array().is_some_and(|t| {
                t.iter()
                    .any(|t| t["name"] == "zenkit::users::create" && t["verdict"] == "failed")
            })
        }),
        "a summary event carries every trial's verdict",
        &out,
    )
}

fn runs_from_any_directory() -> Result<(), Failed> {
    // An installed binary: a copy outside the package, started in an unrelated directory,
    // finds its suites, fixtures and baselines inside itself.
    let dir = temp_dir("installed");
    std::fs::create_dir_all(dir.join("bin")).map_err(|e| e.to_string())?;
    let bin = dir.join("bin/scim-conformance");
    std::fs::copy(BIN, &bin).map_err(|e| e.to_string())?;
    let out = run_bin(
        &bin.to_string_lossy(),
        Some(&dir),
        &["check", "--vendor", "zenkit,zero"],
        &[("CI", "true")],
        Duration::from_secs(120),
    );
    let _ = std::fs::remove_dir_all(&dir);
    let out = out?;
    expect(
        out.code == Some(0),
        "check passes from another directory",
        &out,
    )?;
    expect(
        out.stdout.contains("test result: ok"),
        "libtest summary expected",
        &out,
    )
}

fn recording_twice_is_byte_identical() -> Result<(), Failed> {
    let (a, b) = (temp_dir("rec-a"), temp_dir("rec-b"));
    for dir in [&a, &b] {
        let out = run(
            &[
                "check",
                "--vendor",
                "zenvoices",
                "--snapshots",
                "record",
                "--snapshot-dir",
                &dir.to_string_lossy(),
            ],
            &[("CI", "")],
            Duration::from_secs(120),
        )?;
        expect(out.code == Some(0), "recording succeeds", &out)?;
    }
    let mut files: Vec<_> = std::fs::read_dir(a.join("zenvoices"))
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.file_name())
        .collect();
    files.sort();
    let mut differing = Vec::new();
    for f in &files {
        let x = std::fs::read(a.join("zenvoices").join(f)).unwrap_or_default();
        let y = std::fs::read(b.join("zenvoices").join(f)).unwrap_or_default();
        if x != y {
            differing.push(f.to_string_lossy().into_owned());
        }
    }
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
    if files.is_empty() {
        return Err("nothing was recorded".into());
    }
    if differing.is_empty() {
        Ok(())
    } else {
        Err(format!("two runs recorded different snapshots: {differing:?}").into())
    }
}

/// Talks to a `serve` process through the library's own client.
struct Api {
    rt: tokio::runtime::Runtime,
    client: ScimClient,
    target: Target,
}

impl Api {
    fn new(url: &str, token: &str) -> Result<Api, String> {
        let rt = common::runtime()?;
        let client = ScimClient::new(ClientConfig {
            timeout: Duration::from_secs(10),
            ..ClientConfig::default()
        })
        .map_err(|e| e.to_string())?;
        let (target, _) =
            Target::parse(url, Some(Secret::new(token))).map_err(|e| e.to_string())?;
        Ok(Api { rt, client, target })
    }

    fn post(&self, collection: &str, body: serde_json::Value) -> Result<(), String> {
        let req = Request {
            method: "POST".into(),
            url: self
                .target
                .base
                .join(collection)
                .map_err(|e| e.to_string())?,
            headers: vec![("Content-Type".into(), "application/scim+json".into())],
            body: Some(body.to_string().into_bytes()),
            bearer: self.target.token.clone(),
        };
        let r = self
            .rt
            .block_on(self.client.send(&req))
            .map_err(|e| e.to_string())?;
        if r.status == 201 {
            Ok(())
        } else {
            Err(format!("POST {collection}: {}", r.summary(300)))
        }
    }

    /// Every user and group whose name starts with `prefix`.
    fn named(&self, prefix: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for (c, a) in [("Users", "userName"), ("Groups", "displayName")] {
            let found = self
                .rt
                .block_on(lookup::find(&self.client, &self.target, c, a, prefix))
                .map_err(|e| e.to_string())?;
            out.extend(
                found
                    .into_iter()
                    .map(|l| format!("{}/{} {}", l.collection, l.id, l.name)),
            );
        }
        Ok(out)
    }
}

fn sigint_mid_run_leaves_nothing_behind() -> Result<(), Failed> {
    let server = serve("sigint-token-1234", &["--delay-ms", "30"])?;
    let api = Api::new(&server.url, "sigint-token-1234")?;
    let mut child = Command::new(BIN)
        .args([
            "check",
            "--target-url",
            &server.url,
            "--snapshots",
            "off",
            "--test-threads",
            "2",
        ])
        .env("SCIM_TOKEN", "sigint-token-1234")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    // Wait until the run has created something, then interrupt it.
    let started = Instant::now();
    while api.named("scimconf-")?.is_empty() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            return Err("the run created nothing within 30 s".into());
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
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("the interrupted run did not exit within 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        code: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    };
    expect(output.code == Some(130), "SIGINT exits with 130", &output)?;
    expect(
        output.stderr.contains("SIGINT: stopping the run"),
        "the interruption is reported",
        &output,
    )?;
    expect(
        output.stderr.contains("left behind 0"),
        "the cleanup summary reports nothing left behind",
        &output,
    )?;
    let left = api.named("scimconf-")?;
    expect(
        left.is_empty(),
        &format!("nothing the run created may remain on the target, found: {left:?}"),
        &output,
    )
}

fn cleanup_deletes_only_prefixed_leftovers() -> Result<(), Failed> {
    let server = serve("cleanup-token-1234", &[])?;
    let api = Api::new(&server.url, "cleanup-token-1234")?;
    api.post(
        "Users",
        serde_json::json!({"userName": "scimconf-dead0001-1-a@example.com"}),
    )?;
    api.post(
        "Users",
        serde_json::json!({"userName": "scimconf-dead0001-2-b@example.com"}),
    )?;
    api.post(
        "Groups",
        serde_json::json!({"displayName": "scimconf-dead0001-3-Team"}),
    )?;
    api.post(
        "Users",
        serde_json::json!({"userName": "alice@example.com"}),
    )?;
    api.post(
        "Users",
        serde_json::json!({"userName": "not-scimconf-x@example.com"}),
    )?;
    api.post("Groups", serde_json::json!({"displayName": "Real Team"}))?;
    let env = [("SCIM_TOKEN", "cleanup-token-1234")];
    let out = run(
        &["cleanup", "--target-url", &server.url, "--dry-run"],
        &env,
        Duration::from_secs(60),
    )?;
    expect(
        out.code == Some(0)
            && out.stdout.contains("found 3 resource(s)")
            && out.stdout.contains("nothing deleted"),
        "--dry-run lists the three leftovers",
        &out,
    )?;
    expect(
        api.named("scimconf-")?.len() == 3,
        "--dry-run deletes nothing",
        &out,
    )?;
    let out = run(
        &["cleanup", "--target-url", &server.url],
        &env,
        Duration::from_secs(60),
    )?;
    expect(
        out.code == Some(0) && out.stdout.contains("deleted 3, could not delete 0"),
        "cleanup deletes the three",
        &out,
    )?;
    expect(
        api.named("scimconf-")?.is_empty(),
        "no leftover remains",
        &out,
    )?;
    let foreign = api.named("")?;
    expect(
        foreign.len() == 3,
        &format!("foreign resources are untouched: {foreign:?}"),
        &out,
    )
}

fn canary_never_reaches_any_artefact() -> Result<(), Failed> {
    let rt = common::runtime()?;
    let server = common::answering_everything(&rt, common::EchoAuthorization);
    let canary = "canary-4d2b-echoed-token";
    let dir = temp_dir("canary");
    let out = run(
        &[
            "check",
            "--target-url",
            &format!("{}/scim", server.uri()),
            "--snapshots",
            "record",
            "--snapshot-dir",
            &dir.to_string_lossy(),
        ],
        &[("SCIM_TOKEN", canary), ("CI", "")],
        Duration::from_secs(120),
    )?;
    let mut files = Vec::new();
    for vendor in std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        for f in std::fs::read_dir(vendor.path())
            .map_err(|e| e.to_string())?
            .flatten()
        {
            files.push((
                f.path().display().to_string(),
                std::fs::read_to_string(f.path()).unwrap_or_default(),
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    expect(!files.is_empty(), "snapshot files were written", &out)?;
    let hits: Vec<&str> = files
        .iter()
        .filter(|(_, t)| t.contains("4d2b"))
        .map(|(p, _)| p.as_str())
        .collect();
    expect(
        hits.is_empty(),
        &format!("the echoed token reached snapshot files: {hits:?}"),
        &out,
    )?;
    expect(
        files.iter().any(|(_, t)| t.contains("Bearer ***")),
        "the echo was scrubbed (the scrubbing path ran)",
        &out,
    )?;
    expect(
        !out.all().contains("4d2b"),
        "the echoed token never reaches stdout or stderr",
        &out,
    )
}

fn strict_turns_rfc_warnings_into_failures() -> Result<(), Failed> {
    let server = serve("strict-token-1234", &["--fault", "json-content-type"])?;
    let env = [("SCIM_TOKEN", "strict-token-1234")];
    let args = [
        "check",
        "--target-url",
        &server.url,
        "--snapshots",
        "off",
        "--exact",
        "entra-default::users::create",
    ];
    let out = run(&args, &env, Duration::from_secs(60))?;
    expect(
        out.code == Some(0),
        "an rfc finding alone does not fail the trial",
        &out,
    )?;
    expect(
        out.stderr
            .contains("header Content-Type contains \"application/scim+json\""),
        "it is printed as a warning",
        &out,
    )?;
    let mut strict = args.to_vec();
    strict.push("--strict");
    let out = run(&strict, &env, Duration::from_secs(60))?;
    expect(
        out.code == Some(101),
        "--strict fails the trial on it",
        &out,
    )
}

/// A slow endpoint (`slow-group-patch`: every group PATCH waits 300 ms) under `--slow-ms 100`:
/// the run stays green (exit 0), the summary warns and names the slow PATCHes first, and the
/// JSON report carries them; with the default threshold nothing is said.
fn slow_answers_warn_without_failing() -> Result<(), Failed> {
    let server = serve("slow-token-1234", &["--fault", "slow-group-patch"])?;
    let env = [("SCIM_TOKEN", "slow-token-1234")];
    let dir = temp_dir("slow");
    let json = dir.join("report.json");
    let report = format!("json={}", json.display());
    // Two trials of two group PATCHes each.
    let args = [
        "check",
        "--target-url",
        &server.url,
        "--snapshots",
        "off",
        "groups::remove-member::",
    ];
    let mut slow = args.to_vec();
    slow.extend(["--slow-ms", "100", "--report", &report]);
    let out = run(&slow, &env, Duration::from_secs(120))?;
    let text = std::fs::read_to_string(&json).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    expect(out.code == Some(0), "a slow answer alone never fails", &out)?;
    expect(
        out.stderr.contains("verdict: PASSED — 2 trial(s) passed"),
        "both trials pass",
        &out,
    )?;
    // Loopback answers are fast; under load another one may also pass 100 ms, never 300.
    let head = regex_lite::Regex::new(
        r"warning: (\d+) request\(s\) took longer than 100 ms \(--slow-ms; Entra's requests time out[^\n]*\): slowest:\n",
    )
    .map_err(|e| e.to_string())?;
    let Some(m) = head.captures(&out.stderr) else {
        return expect(false, "the slow-answer warning is printed", &out);
    };
    let count: usize = m[1].parse().unwrap_or_default();
    expect(count >= 4, "the four group PATCHes are slow", &out)?;
    let named: Vec<&str> = out.stderr[m.get(0).map_or(0, |g| g.end())..]
        .lines()
        .take_while(|l| l.starts_with("  "))
        .collect();
    expect(
        named.len() >= 5
            && named[..4].iter().all(|l| {
                l.starts_with("  PATCH Groups/{id} in entra-default::groups::remove-member::")
                    && l.contains(", step ")
            })
            && named
                .last()
                .is_some_and(|l| l.starts_with("  latency: median ")),
        "the slowest are the group PATCHes, named with trial and step, then the latency of all",
        &out,
    )?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let first = &v["latency"]["slow"][0];
    expect(
        v["latency"]["slow_ms"] == 100
            && first["method"] == "PATCH"
            && first["resource"] == "Groups/{id}"
            && first["phase"] == "step"
            && first["answer_ms"].as_u64().is_some_and(|ms| ms >= 300)
            && v["run"]["verdict"] == "passed",
        &format!("the JSON report carries the slow answers: {}", v["latency"]),
        &out,
    )?;
    let out = run(&args, &env, Duration::from_secs(120))?;
    expect(out.code == Some(0), "the default run passes", &out)?;
    expect(
        !out.stderr.contains("took longer than"),
        "300 ms is under the default --slow-ms (5000)",
        &out,
    )
}

fn main() -> std::process::ExitCode {
    let cli = TestCli::parse();
    let trials = vec![
        Trial::test("cli::serve-then-check", serve_then_check),
        Trial::test(
            "cli::broken-server-fails-with-named-defect",
            broken_server_fails_with_named_defect,
        ),
        Trial::test("cli::unreachable-target", unreachable_target),
        Trial::test("cli::zero-trials-exit-4", zero_trials_exit_4),
        Trial::test(
            "cli::concurrency-is-a-finding-not-a-flake",
            concurrency_is_a_finding_not_a_flake,
        ),
        Trial::test(
            "cli::missing-baseline-is-one-line",
            missing_baseline_is_one_line,
        ),
        Trial::test(
            "cli::fixtures-folder-with-one-profile",
            fixtures_folder_with_one_profile,
        ),
        Trial::test(
            "cli::report-of-an-embedded-baseline",
            report_of_an_embedded_baseline,
        ),
        Trial::test("cli::verdict-on-stdout", verdict_on_stdout),
        Trial::test(
            "cli::imported-schema-runs-end-to-end",
            imported_schema_runs_end_to_end,
        ),
        Trial::test(
            "cli::imported-schemas-send-what-the-profiles-send",
            imported_schemas_send_what_the_profiles_send,
        ),
        Trial::test("cli::review-a-changed-snapshot", review_a_changed_snapshot),
        Trial::test(
            "cli::dead-target-blocks-the-rest",
            dead_target_blocks_the_rest,
        ),
        Trial::test(
            "cli::compliant-run-against-its-own-baseline",
            compliant_run_against_its_own_baseline,
        ),
        Trial::test("cli::malformed-suite", malformed_suite),
        Trial::test("cli::list", list),
        Trial::test(
            "cli::canary-token-never-printed",
            canary_token_never_printed,
        ),
        Trial::test(
            "cli::altered-snapshot-fails-exactly-its-trial",
            altered_snapshot_fails_exactly_its_trial,
        ),
        Trial::test(
            "cli::json-format-stays-json-and-carries-the-diff",
            json_format_stays_json_and_carries_the_diff,
        ),
        Trial::test("cli::runs-from-any-directory", runs_from_any_directory),
        Trial::test(
            "cli::recording-twice-is-byte-identical",
            recording_twice_is_byte_identical,
        ),
        Trial::test(
            "cli::sigint-mid-run-leaves-nothing-behind",
            sigint_mid_run_leaves_nothing_behind,
        ),
        Trial::test(
            "cli::cleanup-deletes-only-prefixed-leftovers",
            cleanup_deletes_only_prefixed_leftovers,
        ),
        Trial::test(
            "cli::canary-never-reaches-any-artefact",
            canary_never_reaches_any_artefact,
        ),
        Trial::test(
            "cli::strict-turns-rfc-warnings-into-failures",
            strict_turns_rfc_warnings_into_failures,
        ),
        Trial::test(
            "cli::slow-answers-warn-without-failing",
            slow_answers_warn_without_failing,
        ),
    ];
    let mut trials = trials;
    trials.extend(preflight_cases());
    trials.extend(leftovers::trials());
    trials.push(Trial::test(
        "cli::serve-survives-hostile-requests",
        hostile::serve_survives_hostile_requests,
    ));
    libtest_mimic::run(&cli.libtest, trials).exit_code()
}
