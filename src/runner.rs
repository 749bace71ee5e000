//! The libtest-mimic runner: one trial per planned entry, against `--target-url` or the
//! embedded reference server. Shared by `cargo test` (the `conformance` test target) and
//! `scim-conformance check`, so both behave the same.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libtest_mimic::{Failed, Trial};

use crate::cli::{HarnessArgs, TestCli};
use crate::client::{ClientConfig, ScimClient};
use crate::dialect::DialectChoice;
use crate::exec::{self, Context, Target, TrialOutcome, TrialSpec};
use crate::ledger::Ledger;
use crate::plan::{plan, Planned};
use crate::secret::{Redactor, Secret};
use crate::server::{self, RunningServer, ServerConfig};
use crate::suite::load_dir;

/// A prepared run: the target (embedded server started if needed), the client and the plan.
pub struct Harness {
    /// The runtime every trial blocks on.
    pub rt: Arc<tokio::runtime::Runtime>,
    /// What all trials share.
    pub ctx: Arc<Context>,
    /// `--strict`.
    pub strict: bool,
    /// The trials, in order.
    pub planned: Vec<Planned>,
    embedded: Option<RunningServer>,
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

impl Harness {
    /// Reads the suites, sets up the target and client. Errors are usage errors (bad URL...).
    pub fn prepare(args: &HarnessArgs) -> Result<Harness, String> {
        let rt = Arc::new(runtime()?);
        let run_id = args.run_id.clone().unwrap_or_else(new_run_id);
        let (target, embedded, flag) = match &args.target_url {
            Some(url) => {
                let (target, flag) = Target::parse(url, args.token.clone())?;
                (target, None, flag)
            }
            None => {
                let token = Secret::new(format!("embedded-{}", uuid::Uuid::new_v4()));
                let config = ServerConfig::new(token.expose());
                let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
                let server = rt
                    .block_on(server::spawn(config, addr))
                    .map_err(|e| format!("cannot start the embedded reference server: {e}"))?;
                let target = Target {
                    base: server.base_url().clone(),
                    token: Some(token),
                };
                (target, Some(server), false)
            }
        };
        let dialects = args.dialect.unwrap_or(if flag {
            DialectChoice::Compliant
        } else {
            DialectChoice::Both
        });
        let client = ScimClient::new(ClientConfig {
            timeout: Duration::from_secs(args.timeout),
            ..ClientConfig::default()
        })
        .map_err(|e| e.to_string())?;
        let suites =
            load_dir(&args.suites_dir(), &args.fixtures_dir()).map_err(|e| e.to_string())?;
        let planned = plan(&suites, dialects);
        let redactor = Redactor::new(target.token.clone());
        let banner = format!(
            "scim-conformance: target {}{}, run id {run_id}, dialect(s) {}{}",
            target.base,
            if embedded.is_some() {
                " (embedded reference server)"
            } else {
                ""
            },
            dialects
                .dialects()
                .iter()
                .map(|d| d.name())
                .collect::<Vec<_>>()
                .join("+"),
            if target.token.is_none() {
                ", no token (set SCIM_TOKEN)"
            } else {
                ""
            },
        );
        let ctx = Arc::new(Context {
            client,
            target,
            run_id,
            ledger: Arc::new(Ledger::new()),
            redactor,
        });
        Ok(Harness {
            rt,
            ctx,
            strict: args.strict,
            planned,
            embedded,
            warnings: Arc::default(),
            banner,
        })
    }

    /// One libtest-mimic trial per planned entry.
    pub fn trials(&self) -> Vec<Trial> {
        self.planned
            .iter()
            .map(|p| match p {
                Planned::Broken { name, error } => {
                    let msg = format!("malformed suite: {error}");
                    Trial::test(name.clone(), move || Err(Failed::from(msg)))
                }
                Planned::Trial(spec) => {
                    let (rt, ctx, spec, strict, warnings) = (
                        self.rt.clone(),
                        self.ctx.clone(),
                        spec.clone(),
                        self.strict,
                        self.warnings.clone(),
                    );
                    Trial::test(spec.name.clone(), move || {
                        let outcome = rt.block_on(exec::run_trial(&ctx, &spec));
                        verdict(&outcome, strict, &warnings)
                    })
                }
            })
            .collect()
    }

    /// The one-line description of the run printed before the trials.
    pub fn banner(&self) -> &str {
        &self.banner
    }

    /// After the trials: deletes anything still live in the ledger, prints warnings and the
    /// cleanup summary (stderr), stops the embedded server. `true` when nothing was left behind.
    pub fn finish(self) -> bool {
        let ctx = self.ctx.clone();
        let leftovers = ctx.ledger.live(None);
        self.rt.block_on(async {
            for path in leftovers {
                match exec::delete(&ctx, &path).await {
                    Ok(()) => ctx.ledger.deleted(&path),
                    Err(e) => ctx.ledger.stuck(&path, e),
                }
            }
        });
        let warnings = self.warnings.lock().map(|w| w.clone()).unwrap_or_default();
        if !warnings.is_empty() {
            eprintln!(
                "\nrfc warnings ({}; Entra tolerates these, --strict fails on them):",
                warnings.len()
            );
            for w in &warnings {
                eprintln!("{w}\n");
            }
        }
        let clean = ctx.ledger.live(None).is_empty();
        if !ctx.ledger.items().is_empty() {
            eprintln!("{}", ctx.ledger.summary(&ctx.run_id));
        }
        if let Some(server) = self.embedded {
            self.rt.block_on(server.shutdown());
        }
        clean
    }
}

fn verdict(
    outcome: &TrialOutcome,
    strict: bool,
    warnings: &Mutex<Vec<String>>,
) -> Result<(), Failed> {
    if outcome.failed(strict) {
        return Err(Failed::from(outcome.message(strict)));
    }
    let w: Vec<String> = outcome
        .warnings(strict)
        .map(|f| format!("warning: [{}] {}", outcome.name, f.text))
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

/// The whole runner: parse done by the caller, prepare, run, clean up; the exit code.
pub fn main(cli: TestCli) -> ExitCode {
    let harness = match Harness::prepare(&cli.harness) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if !cli.libtest.list {
        eprintln!("{}", harness.banner());
    }
    let conclusion = libtest_mimic::run(&cli.libtest, harness.trials());
    let clean = harness.finish();
    if !clean && !conclusion.has_failed() {
        eprintln!("error: the run left resources behind on the target (see above)");
        return ExitCode::from(101);
    }
    conclusion.exit_code()
}
