//! The libtest-mimic adapter: one libtest trial per planned entry. Each trial runs on the engine,
//! is compared with its snapshot, gets its verdict, and is kept for the run summary; libtest's
//! failure message is rendered from the outcome by `report::text`.

use std::sync::{Arc, Mutex};

use libtest_mimic::{Completion, Failed, Trial};

use crate::core::dialect::Dialect;
use crate::exec::{run_trial, Context};
use crate::outcome::{FindingKind, SnapshotResult, TrialOutcome};
use crate::plan::{Planned, TrialSpec};
use crate::report::text;
use crate::snapshot::{self, Store};
use crate::suite::expect::Severity;

/// How a trial the run was interrupted before (or during) shows in libtest's output.
pub const NOT_RUN: &str = "not run: interrupted";

/// Whether an interrupted trial found nothing but the interruption (its unsent steps): then it
/// counts as not run rather than failed. A defect found before the interrupt still fails it.
fn interrupted_only(outcome: &mut TrialOutcome, fail_on: Severity) -> bool {
    outcome
        .findings
        .retain(|f| !(f.kind == FindingKind::Transport && f.summary.contains("interrupted")));
    outcome.settle(fail_on);
    !outcome.verdict.fails_run()
}

/// What every trial of a run shares besides its vendor's context.
pub struct Shared {
    /// The runtime trials block on.
    pub rt: Arc<tokio::runtime::Runtime>,
    /// `--fail_on`.
    pub fail_on: Severity,
    /// Where snapshots are compared and recorded.
    pub store: Arc<Store>,
    /// Every finished outcome, in finishing order.
    pub outcomes: Arc<Mutex<Vec<TrialOutcome>>>,
    /// Trials run holding it for reading; a trial re-run alone holds it for writing.
    pub serial: Arc<tokio::sync::RwLock<()>>,
    /// How many trials run at once (more than 1: a failure that looks like a concurrency
    /// effect is re-run alone, see [`concurrency_suspect`]).
    pub in_flight: usize,
    /// Whether a passed trial keeps its exchanges whole (a report renders them); without a
    /// report only the exchanges behind findings are shown, so those of a passed trial without
    /// findings lose their bodies.
    pub keep_exchanges: bool,
}

/// Whether a failed trial may have failed only because other trials ran at the same time: a
/// server error (5xx) or a broken connection among its answers. Entra sends requests in
/// parallel, so such a failure is re-run alone before it is believed.
pub fn concurrency_suspect(outcome: &TrialOutcome) -> bool {
    outcome.verdict.fails_run()
        && outcome.exchanges.iter().any(|x| match &x.response {
            Ok(r) => r.status >= 500,
            Err(_) => true,
        })
}

/// The outcome of a trial that failed among `in_flight` concurrent trials (`first`) and passed
/// when re-run alone (`alone`): the re-run's outcome, with a warning that names the concurrency
/// and the first run's failure as evidence. Microsoft's gallery validation sends 5 requests at
/// once (`RC-LA`), and Entra's jobs send in parallel too: a gallery-level finding.
pub fn failed_only_under_concurrency(
    first: &TrialOutcome,
    mut alone: TrialOutcome,
    in_flight: usize,
    fail_on: Severity,
) -> TrialOutcome {
    let evidence = first
        .findings
        .iter()
        .find(|f| f.severity.fails(fail_on))
        .map(|f| {
            let detail = [f.expected.as_deref(), f.actual.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", got ");
            // The server's own words, when the answer was an error.
            let said = f
                .exchange
                .and_then(|i| first.exchanges.get(i))
                .and_then(|x| x.response.as_ref().ok())
                .filter(|r| r.status >= 400)
                .map(|r| crate::outcome::cause::error_detail(&r.body, 80))
                .filter(|d| !d.is_empty())
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            format!("{} ({detail}){said}", f.summary)
        })
        .or_else(|| {
            first
                .blocked
                .as_ref()
                .map(|b| format!("blocked: {}", b.reason))
        })
        .unwrap_or_else(|| "a failed check".into());
    let mut finding = crate::outcome::Finding {
        kind: FindingKind::Concurrency,
        severity: Severity::Gallery,
        location: Default::default(),
        summary: format!(
            "fails under {in_flight} concurrent trials and passes alone: {evidence} — Entra sends requests in parallel (Microsoft's gallery validation sends 5 at once)"
        ),
        expected: None,
        actual: None,
        why: Some(
            "an endpoint that answers 5xx or drops connections under parallel requests makes Entra retry (escrow) and slows or quarantines the job".into(),
        ),
        exchange: None,
        notes: Vec::new(),
    };
    finding.location.entry = alone.entry.clone();
    alone.findings.push(finding);
    alone.settle(fail_on);
    alone
}

/// Runs one trial to its verdict: engine, snapshot, settle.
pub async fn run_one(
    ctx: &Context,
    spec: &TrialSpec,
    fail_on: Severity,
    store: &Store,
) -> TrialOutcome {
    let mut outcome = run_trial(ctx, spec).await;
    let unusable = outcome.findings.iter().any(|f| {
        matches!(
            f.kind,
            FindingKind::Transport
                | FindingKind::Authentication
                | FindingKind::Setup
                | FindingKind::Safety
        )
    });
    outcome.snapshot = if outcome.blocked.is_some() {
        SnapshotResult::Skipped("blocked: not tested".into())
    } else if unusable {
        SnapshotResult::Skipped("the trial could not run to its end".into())
    } else {
        let doc = snapshot::document(&outcome, &ctx.run_id, &ctx.target.base, &ctx.redactor);
        // An entry that runs once sends the run's default dialect's shapes: a compliant-only
        // run keeps its own baseline beside the legacy one.
        let dialect = spec
            .dialect
            .or((spec.default_dialect == Dialect::Compliant).then_some(Dialect::Compliant));
        let name = snapshot::name(&spec.entry.suite, &spec.entry.id, dialect.map(|d| d.name()));
        store.compare(spec.profile.id(), &name, &doc)
    };
    outcome.settle(fail_on);
    outcome
}

/// One libtest trial per planned entry of one vendor. Ignored entries carry their reason as
/// libtest's kind; malformed entries fail with the loader's error.
pub fn trials(shared: &Shared, ctx: &Arc<Context>, planned: &[Planned]) -> Vec<Trial> {
    planned
        .iter()
        .map(|p| match p {
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
                let (rt, ctx, spec) = (shared.rt.clone(), ctx.clone(), spec.clone());
                let (fail_on, store, outcomes) = (
                    shared.fail_on,
                    shared.store.clone(),
                    shared.outcomes.clone(),
                );
                let (serial, in_flight) = (shared.serial.clone(), shared.in_flight);
                let keep_exchanges = shared.keep_exchanges;
                Trial::ignorable_test(spec.name.clone(), move || {
                    if ctx.abort.stopped() {
                        return Ok(Completion::ignored_with(NOT_RUN));
                    }
                    let mut outcome = rt.block_on(async {
                        let _shared = serial.read().await;
                        run_one(&ctx, &spec, fail_on, &store).await
                    });
                    if in_flight > 1 && !ctx.abort.stopped() && concurrency_suspect(&outcome) {
                        // Alone: every other trial finishes first, none starts meanwhile.
                        let alone = rt.block_on(async {
                            let _alone = serial.write().await;
                            run_one(&ctx, &spec, fail_on, &store).await
                        });
                        if !alone.verdict.fails_run() {
                            outcome =
                                failed_only_under_concurrency(&outcome, alone, in_flight, fail_on);
                        }
                    }
                    if ctx.abort.stopped() && interrupted_only(&mut outcome, fail_on) {
                        return Ok(Completion::ignored_with(NOT_RUN));
                    }
                    let result = if outcome.verdict.fails_run() {
                        Err(Failed::from(text::trial_message(&outcome, fail_on)))
                    } else {
                        Ok(Completion::Completed)
                    };
                    if !keep_exchanges && result.is_ok() && outcome.findings.is_empty() {
                        outcome.drop_bodies();
                    }
                    if let Ok(mut all) = outcomes.lock() {
                        all.push(outcome);
                    }
                    result
                })
            }
        })
        .collect()
}
