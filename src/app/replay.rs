//! `scim-conformance simulate verify`: the end state of a scenario Locust sent
//! (`simulate --export-scenario`, then `contrib/locust/locustfile.py`). The locustfile's results
//! become each job's acknowledged model and its measurements, and the run is verified, judged,
//! forecast, reported and cleaned up exactly as an in-process run is.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use super::check::oauth;
use super::simulate::{
    finished, install_signals, job_client, progress, test_connection, write_reports,
};
use super::{runtime, AppError};
use crate::cli::VerifyArgs;
use crate::core::dialect::Dialect;
use crate::core::files::Tree;
use crate::core::naming::RunId;
use crate::core::secret::Redactor;
use crate::http::Target;
use crate::profile;
use crate::simulate::metrics::Recorder;
use crate::simulate::scenario::{Results, Scenario};
use crate::simulate::settings::Settings;
use crate::simulate::stop::Stop;
use crate::simulate::{engine, summary};

/// Locust's own figures from its `PREFIX_stats.csv` (the `Aggregated` row): requests,
/// failures, median latency (ms) and requests per second.
pub fn locust_stats(path: &Path) -> Result<(u64, u64, f64, f64), String> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| format!("{shown}: empty"))?
        .split(',')
        .map(|h| h.trim_matches('"'))
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| format!("{shown}: no `{name}` column (is it Locust's _stats.csv?)"))
    };
    let (name, count, failures, median, rps) = (
        col("Name")?,
        col("Request Count")?,
        col("Failure Count")?,
        col("Median Response Time")?,
        col("Requests/s")?,
    );
    for line in lines {
        let cells: Vec<&str> = line.split(',').map(|c| c.trim_matches('"')).collect();
        if cells.get(name) == Some(&"Aggregated") {
            let num = |i: usize| {
                cells
                    .get(i)
                    .and_then(|c| c.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            return Ok((
                num(count) as u64,
                num(failures) as u64,
                num(median),
                num(rps),
            ));
        }
    }
    Err(format!("{shown}: no Aggregated row"))
}

/// Runs `simulate verify`.
pub fn main(args: VerifyArgs) -> Result<ExitCode, AppError> {
    let t = &args.transport;
    let url = t.target_url.clone().ok_or_else(|| {
        AppError::Usage(
            "simulate verify needs --target-url: the endpoint Locust sent the scenario to".into(),
        )
    })?;
    let scenario = Scenario::read(&args.scenario).map_err(AppError::Usage)?;
    let run_id: RunId = scenario
        .run_id
        .parse()
        .map_err(|e| AppError::Usage(format!("the scenario's run id: {e}")))?;
    if let Some(id) = &args.run_id {
        if id.to_string() != scenario.run_id {
            return Err(AppError::Usage(format!(
                "--run-id {id} is not the scenario's run id ({}): it would verify another run's tenant",
                scenario.run_id
            )));
        }
    }
    let results_dir = args
        .results
        .clone()
        .unwrap_or_else(|| args.scenario.join("results"));
    let results = Results::read(&results_dir).map_err(AppError::Usage)?;
    let fixtures = Tree::over_embedded(args.fixtures.as_deref(), "fixtures");
    let all = profile::load_all(&fixtures)?;
    let profile = Arc::new(
        all.iter()
            .find(|p| p.id() == scenario.vendor)
            .cloned()
            .ok_or_else(|| {
                AppError::Usage(format!(
                    "the scenario's vendor `{}` is not a profile here (profiles: {})",
                    scenario.vendor,
                    all.iter().map(|p| p.id()).collect::<Vec<_>>().join(", ")
                ))
            })?,
    );
    let dialect = match scenario.dialect.as_str() {
        "compliant" => Dialect::Compliant,
        _ => Dialect::Legacy,
    };
    let settings = Settings {
        // A Locust user sends its job's requests one after another.
        concurrency: 1,
        ..scenario.settings(&Settings {
            keep: args.keep,
            forecast_users: args.forecast_users,
            lag_probes: 0,
            ..Settings::default()
        })
    };
    settings.check().map_err(AppError::Usage)?;
    let rt = runtime()?;
    let redactor = Redactor::new(t.token.clone());
    let (mut target, _) = Target::parse(&url, t.token.clone())?;
    for s in target.secrets().into_iter().chain(target.token.clone()) {
        redactor.add(s);
    }
    target.oauth = oauth(t, &redactor)?;
    let client = job_client(t)?;
    test_connection(&rt, &profile, &client, &target, &run_id, &redactor)?;
    let workers = results.workers();
    eprintln!(
        "verifying scenario {} (run id {run_id}, vendor {}, {dialect} dialect): {} job(s), {} requests planned, {} tries recorded by {} Locust worker process(es): {}",
        args.scenario.display(),
        profile.id(),
        scenario.jobs.len(),
        scenario.requests(),
        results.tries.len(),
        workers.len(),
        workers
            .iter()
            .map(|(w, n)| format!("{w} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let stop = Arc::new(Stop::new(settings.max_duration));
    install_signals(&rt, stop.clone(), run_id.to_string())?;
    let recorder = Arc::new(Recorder::new(settings.jobs));
    let bar = progress(&rt, recorder.clone());
    let setup = engine::Setup {
        settings,
        profile,
        dialect,
        client,
        target,
        embedded: false,
        run_id,
        redactor,
        stop,
        recorder,
        capture: None,
    };
    let report = rt.block_on(engine::verify_replayed(setup, &scenario, &results));
    bar.finish_and_clear();
    let report = report.map_err(|e| AppError::Usage(e.to_string()))?;
    eprintln!("\n{}", summary::summary(&report));
    if let Some(path) = &args.locust_stats {
        match locust_stats(path) {
            Ok((n, failed, median, rps)) => eprintln!(
                "Locust's own figures ({}): {n} requests, {failed} failed, median {median:.0} ms, {rps:.1} requests/s",
                path.display()
            ),
            Err(e) => eprintln!("warning: --locust-stats: {e}"),
        }
    }
    let reports_ok = write_reports(&report, &args.report);
    Ok(finished(&report, reports_ok))
}
