//! The libtest-mimic runner: one trial per planned entry and vendor, against `--target-url` or
//! each vendor's emulation on the embedded reference server. Shared by `cargo test` (the
//! `conformance` test target) and `scim-conformance check`, so both behave the same.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libtest_mimic::{Completion, Failed, Trial};

use crate::cli::{HarnessArgs, SnapshotMode, TestCli};
use crate::client::{ClientConfig, ScimClient};
use crate::dialect::DialectChoice;
use crate::exec::{self, Abort, Context, FindingKind, Target, TrialOutcome, TrialSpec};
use crate::ledger::Ledger;
use crate::oauth::OAuth;
use crate::plan::{plan, Planned};
use crate::profile::{self, VendorProfile};
use crate::secret::{Redactor, Secret};
use crate::server::{self, RunningServer};
use crate::snapshot;
use crate::suite::load_dir;

/// One vendor's part of a run: its profile, target context, embedded server and trials.
pub struct VendorRun {
    /// The profile.
    pub profile: Arc<VendorProfile>,
    /// What its trials share.
    pub ctx: Arc<Context>,
    /// Its trials.
    pub planned: Vec<Planned>,
    embedded: Option<RunningServer>,
}

/// A prepared run.
pub struct Harness {
    /// The runtime every trial blocks on.
    pub rt: Arc<tokio::runtime::Runtime>,
    /// One entry per selected vendor.
    pub vendors: Vec<VendorRun>,
    /// `--strict`.
    pub strict: bool,
    /// `--snapshots`.
    pub snapshots: SnapshotMode,
    snapshot_dir: Arc<std::path::PathBuf>,
    sweep: Arc<Sweep>,
    abort: Arc<Abort>,
    timeout: Duration,
    warnings: Arc<Mutex<Vec<String>>>,
    banner: String,
}

/// Builds the tokio runtime the harness uses (two workers: machines here are small).
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// A fresh random run id (8 hex characters).
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}

/// The HTTP client settings the flags ask for.
pub fn client_config(args: &HarnessArgs) -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(args.timeout),
        retries: args.retries,
        retry_budget: Duration::from_secs(args.retry_budget),
        ca_cert: args.ca_cert.clone(),
        insecure: args.insecure,
        ..ClientConfig::default()
    }
}

/// Loads `fixtures/entra-source.toml` and every profile in `fixtures/vendors/`.
pub fn load_profiles(fixtures: &std::path::Path) -> Result<Vec<VendorProfile>, String> {
    let source =
        profile::load_source(&fixtures.join("entra-source.toml")).map_err(|e| e.to_string())?;
    profile::load_dir(&fixtures.join("vendors"), source).map_err(|e| e.to_string())
}

impl Harness {
    /// Reads suites and profiles, sets up targets and clients. Errors are usage errors.
    pub fn prepare(args: &HarnessArgs) -> Result<Harness, String> {
        if args.snapshots == SnapshotMode::Record
            && std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
        {
            return Err("refusing --snapshots record on CI (CI is set): record baselines locally and commit them".into());
        }
        let rt = Arc::new(runtime()?);
        let run_id = args.run_id.clone().unwrap_or_else(new_run_id);
        let fixtures = args.fixtures_dir();
        let all = load_profiles(&fixtures)?;
        let wanted: Vec<String> = if !args.vendor.is_empty() {
            args.vendor
                .iter()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect()
        } else if args.target_url.is_some() {
            vec!["entra-default".to_string()]
        } else {
            all.iter().map(|p| p.id().to_string()).collect()
        };
        let mut selected = Vec::new();
        for w in &wanted {
            match all.iter().find(|p| p.id() == w) {
                Some(p) => selected.push(Arc::new(p.clone())),
                None => {
                    return Err(format!(
                        "unknown vendor `{w}` (profiles in {}: {})",
                        fixtures.join("vendors").display(),
                        all.iter().map(|p| p.id()).collect::<Vec<_>>().join(", ")
                    ))
                }
            }
        }
        let client = ScimClient::new(client_config(args)).map_err(|e| e.to_string())?;
        let suites = load_dir(&args.suites_dir(), &fixtures).map_err(|e| e.to_string())?;
        let ledger = Arc::new(Ledger::new());
        let abort = Arc::new(Abort::default());
        let redactor = Redactor::new(args.token.clone());
        let oauth = match (&args.token_url, &args.target_url) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(
                    "--token-url needs --target-url (the embedded server takes its own token)"
                        .into(),
                )
            }
            (Some(url), Some(_)) => {
                let url = url::Url::parse(url)
                    .map_err(|e| format!("--token-url `{url}` is not a URL: {e}"))?;
                let id = args
                    .client_id
                    .clone()
                    .ok_or("--token-url needs --client-id")?;
                let secret = std::env::var("SCIM_CLIENT_SECRET")
                    .ok()
                    .filter(|s| !s.is_empty())
                    .ok_or("--token-url needs the client secret in the SCIM_CLIENT_SECRET environment variable")?;
                Some(Arc::new(OAuth::new(
                    url,
                    id,
                    Secret::new(secret),
                    args.client_auth,
                    args.scope.clone(),
                    redactor.clone(),
                )))
            }
        };
        let mut vendors = Vec::new();
        let mut lines = Vec::new();
        let mut seq = 0;
        for p in selected {
            let (target, embedded, flag) = match &args.target_url {
                Some(url) => {
                    let (mut t, flag) = Target::parse(url, args.token.clone())?;
                    t.oauth = oauth.clone();
                    (t, None, flag)
                }
                None => {
                    let token = Secret::new(format!("embedded-{}", uuid::Uuid::new_v4()));
                    let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
                    let server = rt
                        .block_on(server::spawn(p.emulation(token.expose()), addr))
                        .map_err(|e| format!("cannot start the embedded reference server: {e}"))?;
                    let url = server.base_url().to_string();
                    let (t, _) = Target::parse(&url, Some(token))?;
                    (t, Some(server), false)
                }
            };
            let dialects = args.dialect.unwrap_or(if flag {
                DialectChoice::Compliant
            } else {
                p.dialects
            });
            let planned = plan(&suites, &p, dialects, seq);
            seq += planned.len();
            lines.push(format!(
                "  {}: {}{}, dialect(s) {}{}",
                p.id(),
                target.base,
                if embedded.is_some() {
                    " (embedded emulation)"
                } else {
                    ""
                },
                dialects
                    .dialects()
                    .iter()
                    .map(|d| d.name())
                    .collect::<Vec<_>>()
                    .join("+"),
                if target.oauth.is_some() {
                    ", OAuth client credentials"
                } else if target.token.is_none() {
                    ", no token (set SCIM_TOKEN)"
                } else {
                    ""
                },
            ));
            if let Some(t) = &target.token {
                redactor.add(t.clone());
            }
            let ctx = Arc::new(Context {
                client: client.clone(),
                target,
                run_id: run_id.clone(),
                ledger: ledger.clone(),
                redactor: redactor.clone(),
                abort: abort.clone(),
            });
            vendors.push(VendorRun {
                profile: p,
                ctx,
                planned,
                embedded,
            });
        }
        if args.snapshots == SnapshotMode::Record {
            // insta reads this when a snapshot is asserted; set before any trial thread starts.
            std::env::set_var("INSTA_UPDATE", "always");
        }
        if std::env::var_os("INSTA_WORKSPACE_ROOT").is_none() {
            std::env::set_var("INSTA_WORKSPACE_ROOT", HarnessArgs::package_dir());
        }
        let mode = match args.snapshots {
            SnapshotMode::Check => "check",
            SnapshotMode::Record => "record",
            SnapshotMode::Off => "off",
        };
        let mut banner = format!(
            "scim-conformance: run id {run_id}, snapshots {mode}\n{}",
            lines.join("\n")
        );
        if args.insecure {
            banner.push_str("\nwarning: --insecure: TLS certificates are NOT verified; never use this against production");
        }
        let sweep = Arc::new(Sweep {
            contexts: vendors
                .iter()
                .map(|v| (format!("{}::", v.profile.id()), v.ctx.clone()))
                .collect(),
            ledger,
            run_id,
        });
        Ok(Harness {
            rt,
            vendors,
            strict: args.strict,
            snapshots: args.snapshots,
            snapshot_dir: Arc::new(args.snapshot_dir()),
            sweep,
            abort,
            timeout: Duration::from_secs(args.timeout),
            warnings: Arc::default(),
            banner,
        })
    }

    /// One libtest-mimic trial per planned entry. Ignored trials carry their reason as kind.
    pub fn trials(&self) -> Vec<Trial> {
        let mut out = Vec::new();
        for v in &self.vendors {
            for p in &v.planned {
                out.push(match p {
                    Planned::Broken { name, error } => {
                        let msg = format!("malformed suite: {error}");
                        Trial::test(name.clone(), move || Err(Failed::from(msg)))
                    }
                    Planned::Ignored { name, reason } => {
                        let r = reason.clone();
                        Trial::ignorable_test(name.clone(), move || Ok(Completion::ignored_with(r)))
                            .with_ignored_flag(true)
                            .with_kind("ignored")
                    }
                    Planned::Trial(spec) => {
                        let (rt, ctx, spec) = (self.rt.clone(), v.ctx.clone(), spec.clone());
                        let (strict, mode, warnings) =
                            (self.strict, self.snapshots, self.warnings.clone());
                        let dir = self.snapshot_dir.clone();
                        Trial::test(spec.name.clone(), move || {
                            let outcome = rt.block_on(exec::run_trial(&ctx, &spec));
                            verdict(&ctx, &spec, &outcome, strict, (mode, &dir), &warnings)
                        })
                    }
                });
            }
        }
        out
    }

    /// The description of the run printed before the trials.
    pub fn banner(&self) -> &str {
        &self.banner
    }

    /// After the trials: deletes anything still live in the ledger, prints warnings and the
    /// cleanup summary (stderr), stops embedded servers. `true` when nothing was left behind.
    pub fn finish(self) -> bool {
        self.rt.block_on(self.sweep.run());
        let ignored: Vec<String> = self
            .vendors
            .iter()
            .flat_map(|v| v.planned.iter())
            .filter_map(|p| match p {
                Planned::Ignored { name, reason } => Some(format!("  {name}: {reason}")),
                _ => None,
            })
            .collect();
        if !ignored.is_empty() {
            eprintln!(
                "\nignored ({}; the vendor profile does not send what they test):\n{}",
                ignored.len(),
                ignored.join("\n")
            );
        }
        let warnings = self.warnings.lock().map(|w| w.clone()).unwrap_or_default();
        if !warnings.is_empty() {
            eprintln!(
                "\nwarnings ({}: rfc findings Entra tolerates, which --strict fails on, and throttling waited out):",
                warnings.len()
            );
            for w in &warnings {
                eprintln!("{w}\n");
            }
        }
        let clean = self.sweep.ledger.all_deleted();
        if !self.sweep.ledger.items().is_empty() {
            eprintln!("{}", self.sweep.ledger.summary(&self.sweep.run_id));
        }
        for v in self.vendors {
            if let Some(server) = v.embedded {
                self.rt.block_on(server.shutdown());
            }
        }
        clean
    }
}

/// Deletes what a run created and did not delete itself; shared with the signal handler.
pub struct Sweep {
    /// Trial-name prefix (`<vendor>::`) -> the context its resources live in.
    contexts: Vec<(String, Arc<Context>)>,
    ledger: Arc<Ledger>,
    run_id: String,
}

impl Sweep {
    /// Deletes every live resource in the ledger (bounded retries each), recording the outcome.
    pub async fn run(&self) {
        let live = self.ledger.live(None);
        for item in self
            .ledger
            .items()
            .into_iter()
            .filter(|i| live.contains(&i.path))
        {
            let Some((_, ctx)) = self
                .contexts
                .iter()
                .find(|(prefix, _)| item.trial.starts_with(prefix))
            else {
                continue;
            };
            match exec::delete(ctx, &item.path).await {
                Ok(()) => self.ledger.deleted(&item.path),
                Err(e) => self.ledger.stuck(&item.path, e),
            }
        }
    }
}

/// On SIGINT or SIGTERM: no new requests, wait for those in flight (bounded), delete what the run
/// created, print the cleanup summary, exit 130 (SIGINT) or 143 (SIGTERM).
fn watch_signals(
    rt: &tokio::runtime::Runtime,
    sweep: Arc<Sweep>,
    abort: Arc<Abort>,
    timeout: Duration,
) -> Result<(), String> {
    #[cfg(unix)]
    let (mut int, mut term) = rt
        .block_on(async {
            use tokio::signal::unix::{signal, SignalKind};
            Ok::<_, std::io::Error>((
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
            ))
        })
        .map_err(|e| format!("cannot install signal handlers: {e}"))?;
    rt.spawn(async move {
        #[cfg(unix)]
        let (name, code) = tokio::select! {
            _ = int.recv() => ("SIGINT", 130),
            _ = term.recv() => ("SIGTERM", 143),
        };
        #[cfg(not(unix))]
        let (name, code) = {
            let _ = tokio::signal::ctrl_c().await;
            ("Ctrl-C", 130)
        };
        abort.stop();
        for (_, ctx) in &sweep.contexts {
            ctx.client.stop_retrying();
        }
        eprintln!("\n{name}: stopping the run; waiting for requests in flight, then deleting what this run created");
        let deadline = std::time::Instant::now() + timeout + Duration::from_secs(5);
        while abort.in_flight() > 0 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        sweep.run().await;
        eprintln!("{}", sweep.ledger.summary(&sweep.run_id));
        std::process::exit(code);
    });
    Ok(())
}

fn verdict(
    ctx: &Context,
    spec: &TrialSpec,
    outcome: &TrialOutcome,
    strict: bool,
    (mode, dir): (SnapshotMode, &std::path::Path),
    warnings: &Mutex<Vec<String>>,
) -> Result<(), Failed> {
    let mut problems = Vec::new();
    if outcome.failed(strict) {
        problems.push(outcome.message(strict));
    }
    let transport = outcome.findings.iter().any(|f| {
        matches!(
            f.kind,
            FindingKind::Transport | FindingKind::Setup | FindingKind::Safety
        )
    });
    if !transport {
        let doc = snapshot::document(outcome, &ctx.run_id, &ctx.target.base, &ctx.redactor);
        let name = snapshot::name(
            &spec.entry.suite,
            &spec.entry.id,
            spec.dialect.map(|d| d.name()),
        );
        if let Err(e) = snapshot::check(mode, dir, spec.profile.id(), &name, &doc, &ctx.redactor) {
            problems.push(e);
        }
    }
    if !problems.is_empty() {
        return Err(Failed::from(problems.join("\n\n")));
    }
    let w: Vec<String> = outcome
        .warnings(strict)
        .map(|f| format!("warning: [{}] {}", outcome.name, f.text))
        .collect();
    let w: Vec<String> = w
        .into_iter()
        .chain(
            outcome
                .exchanges
                .iter()
                .filter_map(|x| x.result.as_ref().ok())
                .filter(|r| !r.throttled.is_empty())
                .map(|r| {
                    format!(
                        "throttled: [{}] waited out {} before an answer",
                        outcome.name,
                        r.throttled.join(", ")
                    )
                }),
        )
        .collect();
    if !w.is_empty() {
        if let Ok(mut all) = warnings.lock() {
            all.extend(w);
        }
    }
    Ok(())
}

/// Runs trials one after another and returns their outcomes (for self-tests and tools).
pub async fn run_specs(ctx: &Context, specs: &[TrialSpec]) -> Vec<TrialOutcome> {
    let mut out = Vec::with_capacity(specs.len());
    for s in specs {
        out.push(exec::run_trial(ctx, s).await);
    }
    out
}

/// Keeps insta's snapshot panics (which become trial failures with their own message) from
/// also printing a panic report and backtrace; every other panic is reported as usual.
fn quiet_snapshot_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if !msg.starts_with("snapshot assertion") {
            default(info);
        }
    }));
}

/// The whole runner: prepare, run, clean up; the exit code.
pub fn main(cli: TestCli) -> ExitCode {
    let harness = match Harness::prepare(&cli.harness) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    quiet_snapshot_panics();
    if let Err(e) = watch_signals(
        &harness.rt,
        harness.sweep.clone(),
        harness.abort.clone(),
        harness.timeout,
    ) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    if !cli.libtest.list {
        eprintln!("{}", harness.banner());
    }
    let conclusion = libtest_mimic::run(&cli.libtest, harness.trials());
    if harness.abort.stopped() {
        // The signal handler is sweeping and will exit with the signal's code; its work is
        // bounded by the request timeouts.
        let limit = std::time::Instant::now() + harness.timeout * 20 + Duration::from_secs(60);
        while std::time::Instant::now() < limit {
            std::thread::sleep(Duration::from_millis(100));
        }
        return ExitCode::from(130);
    }
    let clean = harness.finish();
    if !clean && !conclusion.has_failed() {
        eprintln!("error: the run left resources behind on the target (see above)");
        return ExitCode::from(101);
    }
    conclusion.exit_code()
}
