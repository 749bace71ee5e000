//! The conformance run, shared by `scim-conformance check` and `cargo test`: reads suites and
//! profiles, sets up targets (or each vendor's emulation on the embedded reference server),
//! plans one trial per entry and vendor, runs them under libtest-mimic, sweeps, and prints the
//! summary.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use libtest_mimic::Trial;

use super::emulation::emulation;
use super::progress::Progress;
use super::{runtime, signals, AppError, EXIT_FAILED, EXIT_SIGINT, ORDINARY_SECRET};
use crate::cli::{HarnessArgs, TestCli, TransportArgs};
use crate::core::dialect::DialectChoice;
use crate::core::files::{display_path, Tree};
use crate::core::naming::RunId;
use crate::core::secret::{Redactor, Secret};
use crate::exec::journal::Journal;
use crate::exec::preflight::preflight;
use crate::exec::preflight::PreflightFailure;
use crate::exec::sweep::Sweep;
use crate::exec::{Abort, Context, Ledger};
use crate::http::oauth::OAuth;
use crate::http::{ClientConfig, ScimClient, Target};
use crate::outcome::{PreflightProblem, RunSummary, TrialOutcome, VendorRun};
use crate::plan::{plan_for, Planned};
use crate::profile::{self, Unmet, VendorProfile};
use crate::report::text;
use crate::report::{ReportFormat, ReportRequest};
use crate::runner::{self, Shared};
use crate::server::{self, RunningServer};
use crate::snapshot::{SnapshotMode, Store};
use crate::suite::load_dir;

/// One vendor's part of a run.
pub struct VendorPart {
    /// The profile.
    pub profile: Arc<VendorProfile>,
    /// What its trials share.
    pub ctx: Arc<Context>,
    /// Its trials.
    pub planned: Vec<Planned>,
    /// How it is shown in the summary and reports.
    pub run: VendorRun,
    embedded: Option<RunningServer>,
}

/// A prepared run.
pub struct Prepared {
    /// One part per selected vendor.
    pub vendors: Vec<VendorPart>,
    /// What trials share.
    pub shared: Shared,
    /// The run id.
    pub run_id: RunId,
    sweep: Arc<Sweep>,
    abort: Arc<Abort>,
    timeout: Duration,
    banner: String,
    known_vendors: Vec<String>,
    collector: Arc<Collector>,
}

/// What a run's summary is made from, shareable with the signal handler (which writes the
/// reports of an interrupted run from another thread).
pub struct Collector {
    run_id: String,
    started: (SystemTime, Instant),
    vendors: Vec<VendorRun>,
    /// Every planned trial: its name, and why it is ignored or broken, if it is.
    planned: Vec<(String, Option<Unmet>, Option<String>)>,
    fail_on: crate::suite::expect::Severity,
    /// `--slow-ms`.
    slow_threshold: Duration,
    outcomes: Arc<std::sync::Mutex<Vec<TrialOutcome>>>,
    warnings: Vec<String>,
    ledger: Arc<Ledger>,
    /// Scrubs secrets from what the ledger reports (ids an endpoint made of an echoed token).
    redactor: Redactor,
    /// The run's client, which counts the requests sent.
    client: ScimClient,
    /// The harness's own requests (preflight, cleanup), every vendor's.
    journal: Arc<Journal>,
}

impl Collector {
    /// The run so far: every finished outcome (in plan order), every ignored trial, and every
    /// malformed entry as a failed trial.
    pub fn summary(&self, interrupted: bool) -> RunSummary {
        let done = self.outcomes.lock();
        let done = done.as_deref().map(Vec::as_slice).unwrap_or_default();
        let by_name: HashMap<&str, &TrialOutcome> =
            done.iter().map(|o| (o.name.as_str(), o)).collect();
        let mut trials = Vec::new();
        for (name, ignored, broken) in &self.planned {
            if let Some(reason) = ignored {
                let mut o = TrialOutcome::new(name);
                o.ignored = Some(reason.clone());
                o.settle(self.fail_on);
                trials.push(o);
            } else if let Some(error) = broken {
                let mut o = TrialOutcome::new(name);
                o.findings.push(crate::outcome::Finding {
                    kind: crate::outcome::FindingKind::Setup,
                    severity: crate::suite::expect::Severity::Entra,
                    location: crate::outcome::Location {
                        entry: o.entry.clone(),
                        ..Default::default()
                    },
                    summary: format!("malformed suite: {error}"),
                    expected: None,
                    actual: None,
                    why: None,
                    exchange: None,
                    notes: Vec::new(),
                });
                o.settle(self.fail_on);
                trials.push(o);
            } else if let Some(o) = by_name.get(name.as_str()) {
                trials.push((*o).clone());
            }
        }
        RunSummary {
            run_id: self.run_id.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            started: self.started.0,
            duration: self.started.1.elapsed(),
            vendors: self.vendors.clone(),
            fail_on: self.fail_on,
            trials,
            warnings: self.warnings.clone(),
            cleanup: self.ledger.summary().scrubbed(&self.redactor),
            interrupted,
            preflight: Vec::new(),
            slow_threshold: self.slow_threshold,
            requests_sent: self.client.requests_sent(),
            harness: self.journal.entries(),
        }
    }
}

/// Writes the requested reports of `summary`, one line on stderr per file; false if any could
/// not be written (each failure printed as an error).
pub fn write_reports(summary: &RunSummary, requests: &[ReportRequest]) -> bool {
    if requests.is_empty() {
        return true;
    }
    let (written, failed) = crate::report::write_all(summary, requests);
    for (format, path) in &written {
        eprintln!(
            "wrote {format} report{}: {}",
            if summary.partial() { " (partial)" } else { "" },
            display_path(path)
        );
    }
    for e in &failed {
        eprintln!("error: {e}");
    }
    failed.is_empty()
}

/// The HTTP client settings the transport flags ask for.
pub fn client_config(args: &TransportArgs) -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(args.timeout),
        retries: args.retries,
        retry_budget: Duration::from_secs(args.retry_budget),
        ca_cert: args.ca_cert.clone(),
        insecure: args.insecure,
        user_agent: args.user_agent.clone(),
        ..ClientConfig::default()
    }
}

/// The OAuth token source the transport flags ask for, if any (its secret joins `redactor`).
pub fn oauth(args: &TransportArgs, redactor: &Redactor) -> Result<Option<Arc<OAuth>>, AppError> {
    let Some(url) = &args.token_url else {
        return Ok(None);
    };
    // The URL is never echoed: it might carry a password.
    let url = url::Url::parse(url)
        .map_err(|e| AppError::Usage(format!("--token-url is not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AppError::Usage(
            "--token-url must not carry a user name or password (`user:password@host`): give the client id in --client-id and the secret in SCIM_CLIENT_SECRET".into(),
        ));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AppError::Usage(format!(
            "--token-url must be an http or https URL, not `{}:`",
            url.scheme()
        )));
    }
    let id = args
        .client_id
        .clone()
        .ok_or_else(|| AppError::Usage("--token-url needs --client-id".into()))?;
    let secret = std::env::var("SCIM_CLIENT_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            AppError::Usage(
                "--token-url needs the client secret in the SCIM_CLIENT_SECRET environment variable"
                    .into(),
            )
        })?;
    Ok(Some(Arc::new(OAuth::new(
        url,
        id,
        Secret::new(secret),
        args.client_auth,
        args.scope.clone(),
        redactor.clone(),
    ))))
}

/// Whether this looks like a CI machine (`CI` set to anything but empty, `0` or `false`, or
/// Azure Pipelines' `TF_BUILD`).
pub fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
        || std::env::var_os("TF_BUILD").is_some()
}

/// The package's own folder, when the binary runs from its source tree.
pub fn package_dir(sub: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    dir.join("Cargo.toml").is_file().then(|| dir.join(sub))
}

/// Where snapshots are read and written for these flags.
fn snapshot_store(args: &HarnessArgs, notes: &mut Vec<String>) -> Result<Store, AppError> {
    let ci = on_ci();
    let mode = args.snapshots;
    if mode == SnapshotMode::Record && ci {
        return Err(AppError::Usage(
            "refusing --snapshots record on CI (CI is set): record baselines locally and commit them"
                .into(),
        ));
    }
    if let Some(dir) = &args.snapshot_dir {
        return Ok(Store {
            mode,
            baselines: Tree::Disk(dir.clone()),
            write_dir: Some(dir.clone()),
            ci,
            flags: format!("--snapshot-dir {}", display_path(dir)),
            absent: Default::default(),
        });
    }
    if args.transport.target_url.is_some() {
        if mode == SnapshotMode::Record {
            return Err(AppError::Usage(
                "--snapshots record against --target-url needs --snapshot-dir DIR: the package's snapshots/ hold the embedded emulation's answers, not your endpoint's".into(),
            ));
        }
        if mode == SnapshotMode::Check {
            notes.push("snapshots off: the built-in baselines are the embedded emulation's answers; give --snapshot-dir DIR to compare with a baseline of your endpoint".into());
        }
        return Ok(Store {
            mode: SnapshotMode::Off,
            baselines: Tree::Embedded("snapshots"),
            write_dir: None,
            ci,
            flags: String::new(),
            absent: Default::default(),
        });
    }
    let write_dir = package_dir("snapshots");
    if mode == SnapshotMode::Record && write_dir.is_none() {
        return Err(AppError::Usage(
            "--snapshots record needs --snapshot-dir DIR (the package's snapshots/ folder is not on this machine)".into(),
        ));
    }
    Ok(Store {
        mode,
        baselines: Tree::Embedded("snapshots"),
        write_dir,
        ci,
        flags: String::new(),
        absent: Default::default(),
    })
}

/// Reads suites and profiles, sets up targets and clients.
pub fn prepare(args: &HarnessArgs) -> Result<Prepared, AppError> {
    let started = (SystemTime::now(), Instant::now());
    let mut warnings = Vec::new();
    let mut store = snapshot_store(args, &mut warnings)?;
    let rt = Arc::new(runtime()?);
    let run_id = args.run_id.clone().unwrap_or_else(RunId::random);
    let fixtures = Tree::over_embedded(args.fixtures.as_deref(), "fixtures");
    let suites_tree = match &args.suites {
        Some(d) => Tree::Disk(d.clone()),
        None => Tree::Embedded("suites"),
    };
    let mut all = profile::load_all(&fixtures)?;
    let imported = match &args.profile_json {
        Some(path) => {
            let p = super::profile::from_schema(path, &fixtures)?;
            all.retain(|q| q.id() != p.id());
            all.push(p.clone());
            Some(p.id().to_string())
        }
        None => None,
    };
    let t = &args.transport;
    let wanted: Vec<String> = if let (Some(id), true) = (&imported, args.vendor.is_empty()) {
        vec![id.clone()]
    } else if !args.vendor.is_empty() {
        let mut w: Vec<String> = Vec::new();
        for v in args
            .vendor
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        {
            if !w.iter().any(|x| x == v) {
                w.push(v.to_string());
            }
        }
        if w.is_empty() {
            return Err(AppError::NoTrials(
                "no vendor selected: --vendor (or SCIM_VENDOR) names none; give a profile name, e.g. --vendor entra-default".into(),
            ));
        }
        w
    } else if t.target_url.is_some() {
        vec!["entra-default".to_string()]
    } else {
        all.iter().map(|p| p.id().to_string()).collect()
    };
    let mut selected = Vec::new();
    for w in &wanted {
        match all.iter().find(|p| p.id() == w) {
            Some(p) => selected.push(Arc::new(p.clone())),
            None => {
                return Err(AppError::Usage(format!(
                    "unknown vendor `{w}` (profiles in {}: {})",
                    fixtures.shown(profile::load::VENDORS_DIR),
                    all.iter().map(|p| p.id()).collect::<Vec<_>>().join(", ")
                )))
            }
        }
    }
    let client = ScimClient::new(client_config(t))?;
    let suites = load_dir(&suites_tree, &fixtures)?;
    if suites.is_empty() {
        return Err(AppError::NoTrials(format!(
            "no suite files (*.toml) in {}",
            suites_tree.shown("")
        )));
    }
    let ledger = Arc::new(Ledger::new());
    let journal = Arc::new(Journal::default());
    let abort = Arc::new(Abort::default());
    let redactor = Redactor::new(t.token.clone());
    if t.token_url.is_some() && t.target_url.is_none() {
        return Err(AppError::Usage(
            "--token-url needs --target-url (the embedded server takes its own token)".into(),
        ));
    }
    let oauth = oauth(t, &redactor)?;
    let mut vendors = Vec::new();
    let mut lines = Vec::new();
    let mut seq = 0;
    for p in selected {
        let (target, embedded, flag) = match &t.target_url {
            Some(url) => {
                let (mut target, flag) = Target::parse(url, t.token.clone())?;
                target.oauth = oauth.clone();
                (target, None, flag)
            }
            None => {
                let token = Secret::new(format!("embedded-{}", uuid::Uuid::new_v4()));
                let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
                let server = rt
                    .block_on(server::spawn(emulation(&p, token.expose()), addr))
                    .map_err(|source| AppError::System {
                        what: "cannot start the embedded reference server",
                        source,
                    })?;
                let url = server.base_url().to_string();
                let (target, _) = Target::parse(&url, Some(token))?;
                (target, Some(server), false)
            }
        };
        for s in target.secrets().into_iter().chain(target.token.clone()) {
            redactor.add(s);
        }
        let dialects = args.dialect.unwrap_or(if flag {
            DialectChoice::Compliant
        } else {
            p.dialects
        });
        let target_caps: &[&str] = if target.oauth.is_some() {
            &["target:oauth"]
        } else {
            &[]
        };
        let planned = plan_for(&suites, &p, dialects, seq, target_caps);
        seq += planned.len();
        lines.push(format!(
            "  {}: {}{}, dialect(s) {}{}",
            p.id(),
            target.shown(),
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
        let run = VendorRun {
            vendor: p.id().to_string(),
            target: target.shown(),
            embedded: embedded.is_some(),
            dialects: dialects.dialects().to_vec(),
        };
        let ctx = Arc::new(Context {
            ledger: ledger.clone(),
            abort: abort.clone(),
            journal: journal.clone(),
            delete_deactivates: p.delete_deactivates,
            ..Context::new(client.clone(), target, run_id.clone(), redactor.clone())
        });
        vendors.push(VendorPart {
            profile: p,
            ctx,
            planned,
            run,
            embedded,
        });
    }
    // A vendor without baselines (in the --snapshot-dir folder, or built in): say once how to
    // record them, rather than fail every trial with "no baseline".
    if store.mode == SnapshotMode::Check {
        for v in &vendors {
            let id = v.profile.id();
            if store
                .baselines
                .files(id, "snap")
                .is_ok_and(|f| !f.is_empty())
            {
                continue;
            }
            warnings.push(match store.baselines.dir() {
                Some(dir) => format!(
                    "no baseline recorded for {id} in {}: snapshots are not compared for it; record one first (not on CI): scim-conformance check --target-url {} --vendor {id} --snapshots record --snapshot-dir {}",
                    display_path(&dir.join(id)),
                    v.ctx.target.shown(),
                    display_path(dir)
                ),
                None => format!(
                    "no baseline built in for {id}: snapshots are not compared for it; record one first (not on CI) with --snapshots record --snapshot-dir DIR, and compare with --snapshot-dir DIR"
                ),
            });
            store.absent.insert(id.to_string());
        }
    }
    for v in &vendors {
        if !v.profile.capabilities().contains("groups") {
            warnings.push(format!(
                "{}: the profile provisions no groups; Entra provisioning works without them, but Microsoft's gallery validation stops with \"Group provisioning is mandatory\" (RC-LA Schema_Discovery), so a gallery listing needs /Groups",
                v.profile.id()
            ));
        }
    }
    if t.insecure {
        warnings.push(
            "--insecure: TLS certificates are NOT verified; never use this against production"
                .into(),
        );
    }
    if redactor.ordinary_words() > 0 {
        warnings.push(ORDINARY_SECRET.into());
    }
    if t.token.as_ref().is_some_and(|s| !s.searchable()) {
        warnings.push(format!(
            "the token is shorter than {} characters: it is only ever sent in the Authorization header, but it cannot be told apart from ordinary words to scrub it from answers that echo it",
            crate::core::secret::MIN_SEARCHED
        ));
    }
    let mut banner = format!(
        "scim-conformance: run id {run_id}, snapshots {}\n{}",
        store.mode.name(),
        lines.join("\n")
    );
    for w in &warnings {
        banner.push_str(&format!("\nwarning: {w}"));
    }
    let sweep = Arc::new(Sweep::new(
        vendors
            .iter()
            .map(|v| (format!("{}::", v.profile.id()), v.ctx.clone()))
            .collect(),
        ledger,
    ));
    let outcomes: Arc<std::sync::Mutex<Vec<TrialOutcome>>> = Arc::default();
    let collector = Arc::new(Collector {
        run_id: run_id.to_string(),
        started,
        vendors: vendors.iter().map(|v| v.run.clone()).collect(),
        planned: vendors
            .iter()
            .flat_map(|v| v.planned.iter())
            .map(|p| match p {
                Planned::Ignored { name, reason } => (name.clone(), Some(reason.clone()), None),
                Planned::Broken { name, error } => (name.clone(), None, Some(error.to_string())),
                Planned::Trial(t) => (t.name.clone(), None, None),
            })
            .collect(),
        fail_on: args.fail_on(),
        slow_threshold: Duration::from_millis(args.slow_ms),
        outcomes: outcomes.clone(),
        warnings: warnings.clone(),
        ledger: sweep.ledger.clone(),
        redactor: redactor.clone(),
        client: client.clone(),
        journal,
    });
    Ok(Prepared {
        vendors,
        shared: Shared {
            rt,
            fail_on: args.fail_on(),
            store: Arc::new(store),
            outcomes,
            serial: Arc::default(),
            in_flight: 1,
            keep_exchanges: true,
        },
        run_id,
        sweep,
        abort,
        timeout: Duration::from_secs(t.timeout),
        banner,
        known_vendors: all.iter().map(|p| p.id().to_string()).collect(),
        collector,
    })
}

impl Prepared {
    /// One libtest trial per planned entry, vendor by vendor.
    pub fn trials(&self) -> Vec<Trial> {
        self.vendors
            .iter()
            .flat_map(|v| runner::trials(&self.shared, &v.ctx, &v.planned))
            .collect()
    }

    /// The description of the run printed before the trials.
    pub fn banner(&self) -> &str {
        &self.banner
    }

    /// The run so far: every finished outcome (in plan order) and every ignored trial.
    pub fn summary(&self, interrupted: bool) -> RunSummary {
        self.collector.summary(interrupted)
    }

    /// The summary of a run stopped by a failed preflight: no trial, the untestable targets.
    pub fn untestable(&self, failures: &[PreflightFailure]) -> RunSummary {
        let mut summary = self.summary(false);
        summary.trials.clear();
        summary.preflight = failures
            .iter()
            .map(|f| PreflightProblem {
                vendor: f.vendor.clone(),
                target: f.target.clone(),
                sent: f.sent.clone(),
                got: f.got.clone(),
                fix: f.fix.clone(),
            })
            .collect();
        summary
    }

    /// After the trials: deletes anything still live, stops embedded servers, and returns the
    /// run's summary.
    pub fn finish(self) -> RunSummary {
        self.shared.rt.block_on(self.sweep.run());
        let summary = self.summary(false);
        for v in self.vendors {
            if let Some(server) = v.embedded {
                self.shared.rt.block_on(server.shutdown());
            }
        }
        summary
    }
}

/// `check` and the `conformance` test binary: the exit code of the whole run.
pub fn main(cli: TestCli) -> ExitCode {
    super::exit(run(cli))
}

impl Prepared {
    /// Entra's Test Connection against every vendor's target; every failure, one paragraph
    /// each.
    pub fn preflight(&self) -> Result<(), AppError> {
        let failures: Vec<_> = self
            .vendors
            .iter()
            .filter_map(|v| {
                let attr = v.profile.users.matching.first()?;
                self.shared
                    .rt
                    .block_on(preflight(&v.ctx, v.profile.id(), attr))
                    .err()
            })
            .collect();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(AppError::Preflight(failures))
        }
    }

    /// Why a run whose libtest filter matched no runnable trial ran nothing, in one line.
    fn nothing_ran(&self, args: &libtest_mimic::Arguments) -> String {
        let Some(filter) = &args.filter else {
            return "no trial ran: every planned trial is ignored for the selected vendors".into();
        };
        let first = filter.split("::").next().unwrap_or_default();
        let selected: Vec<&str> = self.vendors.iter().map(|v| v.profile.id()).collect();
        if filter.contains("::")
            && !selected.contains(&first)
            && self.known_vendors.iter().any(|k| k == first)
        {
            return format!(
                "`{filter}` matched nothing: {first} is not a selected vendor (the run has {}); add --vendor {first}",
                selected.join(", ")
            );
        }
        format!("no trial ran: the filter `{filter}` matched no runnable trial (--list shows the names)")
    }
}

/// Whether libtest would run a trial of this name under these arguments.
fn selected(args: &libtest_mimic::Arguments, name: &str, kind: &str) -> bool {
    let trial = Trial::test(name, || Ok(())).with_kind(kind);
    !args.is_filtered_out(&trial)
}

/// Prepares, runs, sweeps and summarises.
pub fn run(cli: TestCli) -> Result<ExitCode, AppError> {
    let reports = cli.harness.reports();
    let mut prepared = prepare(&cli.harness)?;
    let mut libtest = cli.libtest.clone();
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let in_flight = libtest
        .test_threads
        .unwrap_or(if cli.harness.transport.target_url.is_some() {
            // Network-bound: more trials in flight than cores (at most 64, by the flag's range).
            cli.harness.max_in_flight as usize
        } else {
            // The embedded servers share the CPUs with the trials, which still wait on them:
            // twice the CPUs was the fastest measured (1.15 s against 1.35 s at one per CPU).
            2 * cpus
        });
    libtest.test_threads = Some(in_flight);
    prepared.shared.in_flight = in_flight;
    prepared.shared.keep_exchanges = !reports.is_empty();
    if reports.iter().any(|r| r.format == ReportFormat::Har) {
        prepared.collector.journal.enable();
    }
    let trials = prepared.trials();
    if !cli.libtest.list {
        let runnable = trials
            .iter()
            .filter(|t| !cli.libtest.is_filtered_out(t) && !cli.libtest.is_ignored(t))
            .count();
        if runnable == 0 {
            return Err(AppError::NoTrials(prepared.nothing_ran(&cli.libtest)));
        }
        eprintln!("{}", prepared.banner());
        if let Err(e) = prepared.preflight() {
            if let AppError::Preflight(failures) = &e {
                write_reports(&prepared.untestable(failures), &reports);
            }
            return Err(e);
        }
    }
    let on_stop: signals::OnStop = {
        let ledger = prepared.sweep.ledger.clone();
        let redactor = prepared.collector.redactor.clone();
        let run_id = prepared.run_id.to_string();
        let outcomes = prepared.shared.outcomes.clone();
        let collector = prepared.collector.clone();
        let (reports, libtest) = (reports.clone(), cli.libtest.clone());
        let planned = prepared
            .vendors
            .iter()
            .flat_map(|v| v.planned.iter())
            .filter(|p| matches!(p, Planned::Trial(_)))
            .count();
        Box::new(move |_| {
            let done = outcomes.lock().map(|o| o.len()).unwrap_or(0);
            eprintln!(
                "interrupted: {} of {planned} trial(s) not run\n{}",
                planned.saturating_sub(done),
                text::cleanup(&run_id, &ledger.summary().scrubbed(&redactor))
            );
            let mut summary = collector.summary(true);
            summary
                .trials
                .retain(|t| t.ignored.is_none() || selected(&libtest, &t.name, "ignored"));
            write_reports(&summary, &reports);
        })
    };
    signals::watch(
        &prepared.shared.rt,
        prepared.sweep.clone(),
        prepared.abort.clone(),
        prepared.timeout,
        on_stop,
    )?;
    let progress = if cli.libtest.list {
        Progress::none()
    } else {
        let total = trials
            .iter()
            .filter(|t| !cli.libtest.is_filtered_out(t) && !cli.libtest.is_ignored(t))
            .count();
        Progress::start(
            total,
            prepared.shared.outcomes.clone(),
            cli.libtest.logfile.is_some(),
        )
    };
    let conclusion = libtest_mimic::run(&libtest, trials);
    progress.finish();
    if prepared.abort.stopped() {
        // The signal handler is sweeping and will exit with the signal's code; its work is
        // bounded by the request timeouts.
        let limit = Instant::now() + prepared.timeout * 20 + Duration::from_secs(60);
        while Instant::now() < limit {
            std::thread::sleep(Duration::from_millis(100));
        }
        return Ok(ExitCode::from(EXIT_SIGINT));
    }
    let nothing_ran = (!cli.libtest.list && conclusion.num_passed + conclusion.num_failed == 0)
        .then(|| prepared.nothing_ran(&cli.libtest));
    let mut summary = prepared.finish();
    // Ignored trials outside the name filter are not part of this run.
    summary
        .trials
        .retain(|t| t.ignored.is_none() || selected(&cli.libtest, &t.name, "ignored"));
    if cli.libtest.format == Some(libtest_mimic::FormatSetting::Json) {
        println!("{}", crate::report::events::summary_event(&summary));
    }
    let shown_ignored: Vec<&TrialOutcome> = summary
        .trials
        .iter()
        .filter(|t| t.ignored.is_some() && selected(&cli.libtest, &t.name, "ignored"))
        .collect();
    if cli.libtest.list {
        if let Some(text) = text::ignored(&shown_ignored, cli.harness.show_ignored) {
            eprintln!("\n{text}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(why) = nothing_ran {
        return Err(AppError::NoTrials(why));
    }
    eprintln!(
        "\n{}",
        text::summary(&summary, &shown_ignored, cli.harness.show_ignored)
    );
    // The verdict closes stdout too (`> log` keeps it), unless stdout goes where stderr
    // already went (a terminal, `2>&1`), or carries JSON events (their last one holds it).
    if !stdout_is_stderr() && cli.libtest.format != Some(libtest_mimic::FormatSetting::Json) {
        println!("\n{}", text::verdict(&summary));
    }
    let reports_written = write_reports(&summary, &reports);
    let clean = summary.cleanup.left_behind.is_empty();
    if !clean && !conclusion.has_failed() {
        eprintln!("error: the run left resources behind on the target (see above)");
        return Ok(ExitCode::from(EXIT_FAILED));
    }
    if !reports_written && !conclusion.has_failed() {
        return Ok(ExitCode::from(1));
    }
    Ok(conclusion.exit_code())
}

/// Whether stdout and stderr go to the same place: one terminal, or one file or pipe (`2>&1`).
fn stdout_is_stderr() -> bool {
    use std::io::IsTerminal;
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::MetadataExt;
        let id = |fd: std::os::fd::BorrowedFd<'_>| {
            fd.try_clone_to_owned()
                .ok()
                .and_then(|fd| std::fs::File::from(fd).metadata().ok())
                .map(|m| (m.dev(), m.ino(), m.rdev()))
        };
        let (out, err) = (std::io::stdout(), std::io::stderr());
        if let (Some(a), Some(b)) = (id(out.as_fd()), id(err.as_fd())) {
            return a == b;
        }
    }
    std::io::stdout().is_terminal() && std::io::stderr().is_terminal()
}
