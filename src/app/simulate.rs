//! `scim-conformance simulate`: builds the simulation from the flags (the target, or the vendor's
//! emulation on an embedded reference server), prints the plan, shows progress on a terminal,
//! stops cleanly on SIGINT/SIGTERM (no new request, then the sweep), and prints the summary.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::check::{client_config, oauth};
use super::emulation::emulation;
use super::signals::Signals;
use super::{runtime, AppError, EXIT_FAILED, EXIT_NOT_VERIFIED, EXIT_SIGINT, EXIT_SIGTERM};
use crate::cli::{SimulateArgs, TransportArgs};
use crate::core::dialect::{Dialect, DialectChoice};
use crate::core::files::Tree;
use crate::core::naming::RunId;
use crate::core::secret::{Redactor, Secret};
use crate::http::{ScimClient, Target};
use crate::profile::{self, VendorProfile};
use crate::report::{simulation, ReportFormat, ReportRequest};
use crate::server::{self, RunningServer, ServerConfig};
use crate::simulate::metrics::Recorder;
use crate::simulate::report::{StopReason, VerdictStatus};
use crate::simulate::settings::{Pace, Settings, ENTRA_REQUIRED_RPS};
use crate::simulate::stop::Stop;
use crate::simulate::tenant::Tenant;
use crate::simulate::{chart, engine, summary, SimReport};

/// The settings the flags ask for (`embedded`: no --target-url, so the pace defaults to max).
pub fn settings(args: &SimulateArgs, embedded: bool) -> Result<Settings, AppError> {
    let s = Settings {
        users: args.users,
        groups: args.groups,
        members_per_group: args.members_per_group,
        jobs: args.jobs,
        pace: args.rate.unwrap_or(if embedded {
            Pace::Unpaced
        } else {
            Pace::PerSecond(ENTRA_REQUIRED_RPS)
        }),
        concurrency: args.concurrency,
        max_duration: args.max_duration,
        member_batch: args.member_batch,
        change_share: args.change_share,
        disable_share: args.disable_share,
        membership_share: args.membership_share,
        lag_probes: args.lag_probes,
        keep: args.keep,
        seed: args.seed,
        max_pause: Duration::from_secs(args.transport.retry_budget),
        forecast_users: args.forecast_users,
        cycle_interval: args.cycle_interval,
        ..Settings::default()
    };
    s.check().map_err(AppError::Usage)?;
    Ok(s)
}

/// The dialect replayed: `--dialect` (one of the two), else compliant for a target URL with
/// the flag, else the profile's (legacy, Entra's default, when it says both).
pub fn dialect(
    chosen: Option<DialectChoice>,
    flag: bool,
    profile: &VendorProfile,
) -> Result<Dialect, AppError> {
    match chosen {
        Some(DialectChoice::Legacy) => Ok(Dialect::Legacy),
        Some(DialectChoice::Compliant) => Ok(Dialect::Compliant),
        Some(DialectChoice::Both) => Err(AppError::Usage(
            "simulate replays one dialect: --dialect legacy or --dialect compliant".into(),
        )),
        None if flag => Ok(Dialect::Compliant),
        None => Ok(match profile.dialects {
            DialectChoice::Compliant => Dialect::Compliant,
            _ => Dialect::Legacy,
        }),
    }
}

/// The exit code a finished simulation earns: 130/143 after a signal; 101 when something was
/// lost, left behind, or the endpoint missed Microsoft's pace (or failed requests); 5 when it
/// was stopped before the end state was verified; else 0.
pub fn exit_code(report: &SimReport) -> u8 {
    match &report.stopped {
        Some(StopReason::Signal("SIGTERM")) => return EXIT_SIGTERM,
        Some(StopReason::Signal(_)) => return EXIT_SIGINT,
        _ => {}
    }
    let lost = !report.verification.discrepancies.is_empty();
    let left = !report.settings.keep && !report.cleanup.left_behind.is_empty();
    let cut_short = report.stopped.is_some()
        && (report.verification.skipped.is_some()
            || report
                .verification
                .notes
                .iter()
                .any(|n| n.contains("cut short")));
    if lost || left || report.verdict.status == VerdictStatus::NotMet {
        EXIT_FAILED
    } else if cut_short {
        EXIT_NOT_VERIFIED
    } else {
        0
    }
}

pub(super) fn install_signals(
    rt: &tokio::runtime::Runtime,
    stop: Arc<Stop>,
    run_id: String,
) -> Result<(), AppError> {
    let mut signals = Signals::install(rt)?;
    rt.spawn(async move {
        let (name, _) = signals.next().await;
        stop.signal(name);
        eprintln!("\n{name}: no new request is sent; waiting for requests in flight, then deleting what this run created (a second signal exits at once)");
        let (_, second) = signals.next().await;
        eprintln!("second signal: exiting without cleanup; `scim-conformance cleanup --run-id {run_id}` deletes what is left");
        std::process::exit(i32::from(second));
    });
    Ok(())
}

pub(super) fn progress(rt: &tokio::runtime::Runtime, recorder: Arc<Recorder>) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {msg:<38} [{bar:30}] {pos}/{len} requests, {per_sec}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    if bar.is_hidden() {
        return bar;
    }
    let b = bar.clone();
    rt.spawn(async move {
        use std::sync::atomic::Ordering::Relaxed;
        loop {
            let live = &recorder.live;
            b.set_length(live.planned.load(Relaxed));
            b.set_position(live.done.load(Relaxed));
            let errors = live.errors.load(Relaxed);
            b.set_message(if errors > 0 {
                format!("{} ({errors} errors)", live.stage())
            } else {
                live.stage()
            });
            if b.is_finished() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    bar
}

/// Runs the command.
pub fn main(args: SimulateArgs) -> Result<ExitCode, AppError> {
    if args.action.is_some() {
        return Err(AppError::Usage(
            "`simulate verify` runs through app::replay".into(),
        ));
    }
    let t = &args.transport;
    let embedded = t.target_url.is_none();
    if args.export_scenario.is_some() && !embedded {
        return Err(AppError::Usage(
            "--export-scenario records the scenario on the embedded reference server: drop --target-url, and point Locust at the target (README: \"Beyond one machine\")".into(),
        ));
    }
    let settings = settings(&args, embedded)?;
    if args.report.iter().any(|r| r.format == ReportFormat::Har) {
        return Err(AppError::Usage(
            "simulate writes no HAR (a run sends hundreds of thousands of requests): use --report json, html, junit or markdown, which name the requests behind every discrepancy".into(),
        ));
    }
    if t.token_url.is_some() && embedded {
        return Err(AppError::Usage(
            "--token-url needs --target-url (the embedded server takes its own token)".into(),
        ));
    }
    let fixtures = Tree::over_embedded(args.fixtures.as_deref(), "fixtures");
    let all = profile::load_all(&fixtures)?;
    let profile = Arc::new(
        all.iter()
            .find(|p| p.id() == args.vendor.trim())
            .cloned()
            .ok_or_else(|| {
                AppError::Usage(format!(
                    "unknown vendor `{}` (profiles: {})",
                    args.vendor,
                    all.iter().map(|p| p.id()).collect::<Vec<_>>().join(", ")
                ))
            })?,
    );
    let rt = runtime()?;
    let redactor = Redactor::new(t.token.clone());
    let mut embedded_server: Option<RunningServer> = None;
    let (mut target, flag) = match &t.target_url {
        Some(url) => Target::parse(url, t.token.clone())?,
        None => {
            let token = Secret::new(format!("embedded-{}", uuid::Uuid::new_v4()));
            let config: ServerConfig = emulation(&profile, token.expose());
            let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
            let server =
                rt.block_on(server::spawn(config, addr))
                    .map_err(|source| AppError::System {
                        what: "cannot start the embedded reference server",
                        source,
                    })?;
            let parsed = Target::parse(server.base_url().as_str(), Some(token))?;
            embedded_server = Some(server);
            parsed
        }
    };
    for s in target.secrets().into_iter().chain(target.token.clone()) {
        redactor.add(s);
    }
    target.oauth = oauth(t, &redactor)?;
    if redactor.ordinary_words() > 0 {
        eprintln!("warning: {}", super::ORDINARY_SECRET);
    }
    let dialect = dialect(args.dialect, flag, &profile)?;
    let client = job_client(t)?;
    let run_id = args.run_id.clone().unwrap_or_else(RunId::random);
    if let Err(e) = test_connection(&rt, &profile, &client, &target, &run_id, &redactor) {
        if let Some(server) = embedded_server {
            rt.block_on(server.shutdown());
        }
        return Err(e);
    }

    let tenant = Tenant::new(profile.clone(), dialect, &settings)
        .map_err(|e| AppError::Usage(e.to_string()))?;
    let plan = engine::plan(&tenant, &settings);
    eprintln!(
        "{}\n  run id {run_id}: every name starts with scimconf-{run_id}-<job>-; vendor {}, {dialect} dialect",
        summary::plan(&settings, &plan, &target.shown()),
        profile.id()
    );
    if t.insecure {
        eprintln!("warning: --insecure: TLS certificates are NOT verified");
    }

    let stop = Arc::new(Stop::new(settings.max_duration));
    install_signals(&rt, stop.clone(), run_id.to_string())?;
    let recorder = Arc::new(Recorder::new(settings.jobs));
    let bar = progress(&rt, recorder.clone());
    let capture = args
        .export_scenario
        .as_ref()
        .map(|_| Arc::new(crate::simulate::capture::Capture::new()));
    let export_meta = (
        run_id.to_string(),
        profile.id().to_string(),
        (0..settings.jobs)
            .map(|j| engine::job_tag(&run_id, j))
            .collect::<Vec<_>>(),
        settings.clone(),
        (tenant.user_match.clone(), tenant.group_match.clone()),
    );
    let setup = engine::Setup {
        settings,
        profile,
        dialect,
        client,
        target,
        embedded,
        run_id,
        redactor,
        stop,
        recorder,
        capture: capture.clone(),
    };
    let report = rt.block_on(engine::run(setup));
    bar.finish_and_clear();
    if let Some(server) = embedded_server {
        rt.block_on(server.shutdown());
    }
    let report = report.map_err(|e| AppError::Usage(e.to_string()))?;
    eprintln!("\n{}", summary::summary(&report));
    let reports_ok = write_reports(&report, &args.report);
    if let Some(path) = &args.svg {
        std::fs::write(path, chart::timeline_svg(&report.timeline)).map_err(|source| {
            AppError::System {
                what: "cannot write the --svg chart",
                source,
            }
        })?;
        eprintln!("chart written to {}", path.display());
    }
    if let (Some(dir), Some(capture)) = (&args.export_scenario, &capture) {
        let (run_id, vendor, tags, settings, matching) = &export_meta;
        let export = crate::simulate::scenario::Export {
            run_id,
            vendor,
            dialect: dialect.name(),
            settings,
            tags: tags.clone(),
            matching: (matching.0.as_str(), matching.1.as_str()),
        };
        let objects: Vec<_> = (0..settings.jobs).map(|j| capture.objects(j)).collect();
        let scenario = crate::simulate::scenario::build(&export, &capture.requests(), &objects)
            .map_err(AppError::Usage)?;
        let path = dir.join(crate::simulate::scenario::SCENARIO_FILE);
        let text = serde_json::to_string_pretty(&scenario)
            .map_err(|e| AppError::Usage(format!("the scenario: {e}")))?;
        crate::report::write::write_file(&path, &(text + "\n")).map_err(|source| {
            AppError::System {
                what: "cannot write the scenario",
                source,
            }
        })?;
        eprintln!(
            "scenario written to {}: {} job(s), {} requests, run id {run_id}; replay it with contrib/locust/locustfile.py, then `scim-conformance simulate verify --scenario {}`",
            path.display(),
            scenario.jobs.len(),
            scenario.requests(),
            dir.display()
        );
    }
    Ok(finished(&report, reports_ok))
}

/// The HTTP client of the jobs: the jobs honour 429 themselves (pausing the whole job), so the
/// client must not retry.
pub(super) fn job_client(t: &TransportArgs) -> Result<ScimClient, AppError> {
    let mut config = client_config(t);
    config.retries = 0;
    Ok(ScimClient::new(config)?)
}

/// Entra's Test Connection first, as `check` does: a target it cannot pass (a wrong token, a
/// wrong path) is untestable, not a throughput figure (exit 3).
pub(super) fn test_connection(
    rt: &tokio::runtime::Runtime,
    profile: &VendorProfile,
    client: &ScimClient,
    target: &Target,
    run_id: &RunId,
    redactor: &Redactor,
) -> Result<(), AppError> {
    let Some(attr) = profile.users.matching.first() else {
        return Ok(());
    };
    let ctx = crate::exec::Context {
        delete_deactivates: profile.delete_deactivates,
        ..crate::exec::Context::new(
            client.clone(),
            target.clone(),
            run_id.clone(),
            redactor.clone(),
        )
    };
    rt.block_on(crate::exec::preflight::preflight(&ctx, profile.id(), attr))
        .map_err(|f| AppError::Preflight(vec![f]))
}

/// Writes the `--report` files, saying where each went and why any could not; true when
/// every one was written.
pub(super) fn write_reports(report: &SimReport, requests: &[ReportRequest]) -> bool {
    let (written, failed) = simulation::write_all(report, requests);
    for line in written {
        eprintln!("{line}");
    }
    for e in &failed {
        eprintln!("error: {e}");
    }
    failed.is_empty()
}

/// The exit code of a finished simulation: [`exit_code`], or 1 when it passed but a report
/// could not be written.
pub(super) fn finished(report: &SimReport, reports_ok: bool) -> ExitCode {
    let code = exit_code(report);
    ExitCode::from(if code == 0 && !reports_ok { 1 } else { code })
}
