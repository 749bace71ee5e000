//! The run: builds the tenant and one job per `--jobs`, runs their cycles in parallel, waits out
//! the read-after-write lag the probes found, verifies the end state, cleans up, and turns the
//! measurements into a [`SimReport`].

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::cleanup::sweep;
use super::job::Job;
use super::metrics::Recorder;
use super::pace::Pacer;
use super::report::{Plan, Projection, SimReport, Verdict, Verification};
use super::send::{Sender, SenderParts};
use super::settings::Settings;
use super::stop::Stop;
use super::tenant::{Tenant, TenantError};
use crate::core::dialect::Dialect;
use crate::core::naming::RunId;
use crate::core::secret::Redactor;
use crate::exec::ledger::Ledger;
use crate::http::{ScimClient, Target};
use crate::profile::VendorProfile;

/// Everything a run needs.
#[derive(Debug)]
pub struct Setup {
    /// What to do.
    pub settings: Settings,
    /// The vendor profile shaping every request.
    pub profile: Arc<VendorProfile>,
    /// The dialect replayed.
    pub dialect: Dialect,
    /// The HTTP client (429/503 retries off: the jobs honour 429 themselves).
    pub client: ScimClient,
    /// Where requests go.
    pub target: Target,
    /// Whether the target is the embedded reference server.
    pub embedded: bool,
    /// The run id (in every name created).
    pub run_id: RunId,
    /// Scrubs secrets from failure texts.
    pub redactor: Redactor,
    /// The run's stop (signals, `--max-duration`).
    pub stop: Arc<Stop>,
    /// Where everything is measured (its [`super::metrics::Live`] feeds the progress display).
    pub recorder: Arc<Recorder>,
    /// Where the cycles' requests are captured (`--export-scenario`), if anywhere.
    pub capture: Option<Arc<super::capture::Capture>>,
}

/// What the run will send, per job, before it starts.
pub fn plan(tenant: &Tenant, settings: &Settings) -> Plan {
    let u = tenant.users as u64;
    let g = tenant.groups as u64;
    let managers = if tenant.manager_mapped {
        u.saturating_sub(1)
    } else {
        0
    };
    let batches = tenant.member_batches(settings.member_batch) as u64;
    let initial = 2 * u + managers + 2 * g + batches;
    let updated = (0..tenant.users).filter(|i| tenant.updated(*i)).count() as u64;
    let disabled = (0..tenant.users).filter(|i| tenant.disabled(*i)).count() as u64;
    let memberships: u64 = (0..tenant.groups)
        .filter_map(|g| tenant.membership_change(g))
        .map(|(r, a)| u64::from(r.is_some()) + u64::from(a.is_some()))
        .sum();
    // Each changed user is matched first (one query), then updated and/or disabled.
    let matched = (0..tenant.users)
        .filter(|i| tenant.updated(*i) || tenant.disabled(*i))
        .count() as u64;
    let incremental = matched + updated + disabled + memberships;
    Plan {
        jobs: settings.jobs,
        objects: tenant.objects(),
        initial_requests: initial,
        incremental_requests: incremental,
        verification_requests: u + 2 * g,
        cleanup_requests: if settings.keep { 0 } else { u + g },
        expected_cycles: settings
            .pace
            .per_second()
            .map(|r| Duration::from_secs_f64((initial + incremental) as f64 / r)),
    }
}

/// The tag of job `j`: `scimconf-<run>-<j>` (the naming rule's `<n>` is the job).
pub fn job_tag(run_id: &RunId, job: usize) -> String {
    run_id.tag(job)
}

/// What every run is made of before its first request.
struct Prepared {
    started: SystemTime,
    settings: Arc<Settings>,
    plan: Plan,
    ledger: Arc<Ledger>,
    jobs: Vec<Arc<Job>>,
}

/// Runs the simulation to its end (or its stop), cleans up unless `--keep`, and reports.
pub async fn run(setup: Setup) -> Result<SimReport, TenantError> {
    let p = prepare(&setup)?;
    let handles: Vec<_> = p
        .jobs
        .iter()
        .map(|j| {
            let j = j.clone();
            tokio::spawn(async move { j.cycles().await })
        })
        .collect();
    for h in handles {
        let _ = h.await;
    }
    for j in &p.jobs {
        j.probes_done().await;
    }
    Ok(finish(&setup, p).await)
}

/// The run of a scenario whose cycles were sent elsewhere (a Locust run, `simulate verify`):
/// each job's model is what the results acknowledged, the measurements are the results' tries,
/// and the end state is verified, cleaned up and reported as after an in-process run.
pub async fn verify_replayed(
    setup: Setup,
    scenario: &super::scenario::Scenario,
    results: &super::scenario::Results,
) -> Result<SimReport, TenantError> {
    let p = prepare(&setup)?;
    let applied = super::scenario::apply(scenario, results);
    for (job, (model, ids)) in p.jobs.iter().zip(applied) {
        for (user, id) in ids {
            let collection = if user { "Users" } else { "Groups" };
            if let Some(path) = super::job::path_of(collection, &id) {
                p.ledger.created_once(&path, &job.owner());
            }
        }
        job.with_model(|m| *m = model);
    }
    results.record(scenario, &setup.recorder);
    for job in &p.jobs {
        job.set_gap(setup.recorder.paused_of(job.index));
    }
    Ok(finish(&setup, p).await)
}

fn prepare(setup: &Setup) -> Result<Prepared, TenantError> {
    let started = SystemTime::now();
    let settings = Arc::new(setup.settings.clone());
    let tenant = Arc::new(Tenant::new(
        setup.profile.clone(),
        setup.dialect,
        &settings,
    )?);
    // A profile the generator cannot use fails here, once, not 100,000 times.
    tenant.user(&job_tag(&setup.run_id, 0), 0)?;
    if tenant.groups > 0 {
        tenant.group(&job_tag(&setup.run_id, 0), 0)?;
    }
    let plan = plan(&tenant, &settings);
    let rec = setup.recorder.clone();
    rec.live.planned.store(
        plan.requests_per_job() * settings.jobs as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    let ledger = Arc::new(Ledger::new());
    let jobs: Vec<Arc<Job>> = (0..settings.jobs)
        .map(|j| {
            let sender = Sender::new(SenderParts {
                job: j,
                client: setup.client.clone(),
                target: setup.target.clone(),
                pacer: Pacer::new(settings.pace),
                concurrency: settings.concurrency,
                recorder: rec.clone(),
                stop: setup.stop.clone(),
                redactor: setup.redactor.clone(),
                throttle_tries: settings.throttle_tries,
                max_pause: settings.max_pause,
                capture: setup.capture.clone(),
            });
            Arc::new(Job::new(
                j,
                job_tag(&setup.run_id, j),
                sender,
                tenant.clone(),
                ledger.clone(),
                settings.clone(),
            ))
        })
        .collect();
    Ok(Prepared {
        started,
        settings,
        plan,
        ledger,
        jobs,
    })
}

/// After the cycles: waits out the lag, verifies the end state, cleans up, and reports.
async fn finish(setup: &Setup, p: Prepared) -> SimReport {
    let Prepared {
        started,
        settings,
        plan,
        ledger,
        jobs,
    } = p;
    let rec = setup.recorder.clone();
    let mut verification = Verification::default();
    if let Some(reason) = setup.stop.reason() {
        verification.skipped = Some(match reason {
            super::report::StopReason::Signal(s) => format!("stopped by {s}"),
            super::report::StopReason::MaxDuration(d) => {
                format!("stopped at --max-duration ({}s)", d.as_secs())
            }
        });
    } else {
        // Entra's next cycle comes ~40 minutes later: by then a lagging filter has caught up.
        // Wait out the longest lag the probes found (bounded) before reading back.
        if let Some(lag) = rec.max_lag() {
            rec.live.set_stage("waiting out the read-after-write lag");
            setup
                .stop
                .sleep(
                    lag.min(settings.lag_bound) + Duration::from_millis(50),
                    false,
                )
                .await;
        }
        rec.live.set_stage("verifying the end state");
        let handles: Vec<_> = jobs
            .iter()
            .map(|j| {
                let j = j.clone();
                tokio::spawn(async move { j.verify().await })
            })
            .collect();
        for h in handles {
            if let Ok(f) = h.await {
                verification.users_checked += f.users;
                verification.groups_checked += f.groups;
                verification.discrepancies.extend(f.discrepancies);
                verification.notes.extend(f.notes);
            }
        }
        if let Some(reason) = setup.stop.reason() {
            verification.notes.push(format!(
                "verification was cut short ({reason:?}): objects not read back are not verified"
            ));
        }
    }
    for j in &jobs {
        let n = j.unresolved();
        if n > 0 {
            verification.notes.push(format!(
                "job {}: {n} object(s) still failing after the incremental cycle's retry (see errors)",
                j.index
            ));
        }
        for p in j.problems() {
            verification.notes.push(format!("job {}: {p}", j.index));
        }
    }

    if !settings.keep {
        rec.live.set_stage("cleaning up");
        sweep(&jobs).await;
    }

    let timing = super::report::Timing {
        gap: jobs.iter().map(|j| j.gap()).max().unwrap_or_default(),
        interval: settings.cycle_interval,
    };
    let lag = rec.lag_stats(settings.lag_bound);
    if let Some(note) = timing.lag_artefacts(&lag, &verification.discrepancies) {
        verification.notes.push(note);
    }
    let prefixes: Vec<String> = jobs.iter().map(|j| format!("{}-", j.tag)).collect();
    let (throughput, job_rates) = rec.throughput(&prefixes);
    let throttling = rec.throttling();
    let errors = rec.errors();
    let mut verdict = Verdict::judge(&job_rates, settings.pace, settings.concurrency, &throttling);
    verdict.require_success(&errors, throughput.requests);
    let measured = job_rates
        .iter()
        .map(|j| j.throughput.served_rps)
        .fold(f64::INFINITY, f64::min);
    let projection = Projection::new(
        plan.objects,
        plan.initial_requests,
        measured.is_finite().then_some(measured),
    );
    let kinds = rec.kinds();
    let simulated_users = (settings.users * settings.jobs) as u64;
    let tries: Vec<super::forecast::KindTries> = kinds
        .iter()
        .map(|k| super::forecast::KindTries {
            kind: k.kind,
            count: k.count,
            errors: k.errors,
        })
        .collect();
    let forecast = super::forecast::forecast(
        &tries,
        throttling.responses,
        simulated_users,
        (plan.objects * settings.jobs) as u64,
        settings.forecast_users.unwrap_or(simulated_users),
    );
    SimReport {
        run_id: setup.run_id.to_string(),
        vendor: setup.profile.id().to_string(),
        target: setup.target.shown(),
        embedded: setup.embedded,
        dialect: setup.dialect,
        settings: (*settings).clone(),
        plan,
        started,
        duration: rec.elapsed(),
        stopped: setup.stop.reason(),
        throughput,
        jobs: job_rates,
        kinds,
        errors,
        throttling,
        lag,
        projection,
        verdict,
        forecast,
        verification,
        cleanup: ledger.summary(),
        timeline: rec.timeline(),
        timing,
    }
}
