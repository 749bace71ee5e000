//! Running one trial: render each step, send it, check the response, capture values, and clean
//! up what the trial created — even when a step failed. Data flows one way: step -> rendered
//! [`Request`] -> [`Response`] or [`TransportError`] -> [`Finding`]s -> [`TrialOutcome`].
//!
//! Preparation is not the subject: a `setup` step the endpoint refuses is retried with the
//! smallest edit of its body the endpoint accepts (found once per vendor run, see
//! [`super::adapt`]), and when none helps the trial ends *blocked* by the trial whose subject the
//! refusal is, naming the refused request — never failing for another trial's defect.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use serde_json::{json, Value};

use super::adapt::{candidates, patch_candidates, patch_key, Edit};
use super::context::{Context, InFlight};
use super::members;
use super::ownership::{delete, recover_unanswered_create, refuse_unowned, track, verify_deleted};
use super::record;
use crate::core::naming::wrong_token;
use crate::core::secret::Secret;
use crate::core::text::trim;
use crate::http::client::reason;
use crate::http::oauth::OAuthError;
use crate::http::{Request, Response, TransportError};
use crate::outcome::cause::{error_detail, REFUSES_PREFIX};
use crate::outcome::{Blocked, Exchange, Finding, FindingKind, Location, Phase, TrialOutcome};
use crate::plan::TrialSpec;
use crate::profile::generate::{customize, patch_body, Person};
use crate::suite::expect::{Severity, Subject};
use crate::suite::load::Kind;
use crate::suite::model::AuthMode;
use crate::suite::template::as_text;
use crate::suite::template::{Escape, Vars};
use crate::suite::{Body, CheckedStep};

pub use crate::outcome::BLOCKED_BY_TARGET;

/// Runs one trial to the end, cleanup included. Never panics on anything the target sends.
pub async fn run_trial(ctx: &Context, spec: &TrialSpec) -> TrialOutcome {
    let started = Instant::now();
    let mut out = TrialOutcome::new(&spec.name);
    out.title = spec.entry.title.clone();
    out.doc = spec.entry.doc.clone();
    out.dialect = spec.dialect;
    let mut caps = spec.profile.capabilities();
    if ctx.target.oauth.is_some() {
        caps.insert("target:oauth".into());
    }
    let mut run = TrialRun {
        ctx,
        spec,
        caps,
        vars: Vars::new(),
        adapted: HashMap::new(),
        out,
    };
    let mut stopped = !run.init_vars();
    for (i, step) in spec.entry.steps.iter().enumerate() {
        if step.only.is_some() && step.only != spec.dialect {
            continue;
        }
        let has = |cap: &Option<String>| cap.as_ref().map(|c| run.caps.contains(c));
        if has(&step.only_if) == Some(false) || has(&step.unless) == Some(true) {
            continue;
        }
        if stopped && !step.always {
            run.out
                .skipped_steps
                .push(format!("step {} \"{}\"", i + 1, step.name));
            continue;
        }
        for n in 1..=step.repeat {
            run.vars.set("n", Value::from(n));
            if !run.step(i, step).await {
                stopped = true;
                break;
            }
        }
    }
    run.cleanup().await;
    run.out.duration = started.elapsed();
    // One last pass, so no text a finding carries can hold a secret the target echoed.
    let r = &ctx.redactor;
    for f in &mut run.out.findings {
        f.summary = r.scrub(&f.summary);
        f.expected = f.expected.as_deref().map(|t| r.scrub(t));
        f.actual = f.actual.as_deref().map(|t| r.scrub(t));
        f.notes = f.notes.iter().map(|n| r.scrub(n)).collect();
    }
    if let Some(b) = &mut run.out.blocked {
        b.reason = r.scrub(&b.reason);
    }
    run.out
}

/// A generated person behind a body, its kind, and the trial's changes to it: what a setup
/// step needs to adapt its body.
#[derive(Clone)]
struct Fallback {
    kind: Kind,
    name: String,
    person: Person,
    set: Vec<(String, Value)>,
    remove: Vec<String>,
}

/// One trial in progress.
struct TrialRun<'a> {
    ctx: &'a Context,
    spec: &'a TrialSpec,
    caps: BTreeSet<String>,
    vars: Vars,
    /// Resource kinds whose generated bodies carry an edit from now on (a setup create in
    /// Entra's form was refused, and the endpoint accepted it with this edit).
    adapted: HashMap<&'static str, Edit>,
    out: TrialOutcome,
}

/// A request ready to send, and how to adapt its body.
struct Rendered {
    request: Request,
    /// The generated person behind the body, its kind and its customization.
    person: Option<Fallback>,
}

fn kind_key(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "user",
        Kind::Group => "group",
    }
}

impl TrialRun<'_> {
    fn location(&self, step: Option<(usize, &CheckedStep)>) -> Location {
        let e = &self.spec.entry;
        Location {
            file: e.file.clone(),
            line: step.map(|(_, s)| s.line).unwrap_or(e.line),
            entry: e.id.clone(),
            dialect: self.spec.dialect,
            step: step.map(|(i, s)| (i, s.name.clone())),
            expect: None,
        }
    }

    /// A finding of `kind` (severity entra) at `step`, with a one-line summary.
    fn finding(
        &self,
        kind: FindingKind,
        step: Option<(usize, &CheckedStep)>,
        summary: String,
    ) -> Finding {
        Finding {
            kind,
            severity: Severity::Entra,
            location: self.location(step),
            summary: self.ctx.redactor.scrub(&summary),
            expected: None,
            actual: None,
            why: None,
            exchange: None,
            notes: Vec::new(),
        }
    }

    fn push(&mut self, f: Finding) {
        self.out.findings.push(f);
    }

    /// Ends the trial blocked by the trial `reference` resolves to (at a step and expectation,
    /// when one caused it).
    fn block(&mut self, reference: &str, reason: String, at: Option<(usize, Vec<usize>)>) {
        let by = self.reference(reference);
        self.out.blocked = Some(Blocked {
            by,
            reason: self.ctx.redactor.scrub(&reason),
            at,
        });
    }

    /// Records an exchange; returns its index.
    fn exchange(
        &mut self,
        step: Option<(usize, &CheckedStep)>,
        phase: Phase,
        request: &Request,
        result: &Result<Response, TransportError>,
    ) -> usize {
        let r = &self.ctx.redactor;
        self.out.exchanges.push(Exchange {
            step: step.map(|(i, _)| i),
            step_name: step
                .map(|(_, s)| s.name.clone())
                .unwrap_or_else(|| "cleanup".into()),
            phase,
            request: record::request(request, r),
            response: result
                .as_ref()
                .map(|resp| record::response(resp, r))
                .map_err(Clone::clone),
        });
        self.out.exchanges.len() - 1
    }

    fn init_vars(&mut self) -> bool {
        let tag = self.ctx.run_id.tag(self.spec.seq);
        let dialect = self.spec.effective_dialect();
        self.vars
            .set("run", Value::String(self.ctx.run_id.to_string()));
        self.vars.set("tag", Value::String(tag));
        self.vars
            .set("entry", Value::String(self.spec.entry.id.clone()));
        self.vars
            .set("dialect", Value::String(dialect.name().into()));
        if let Err(e) = self.spec.profile.set_vars(&mut self.vars, Some(dialect)) {
            let file = self.spec.profile.file.clone();
            let f = self.finding(FindingKind::Setup, None, format!("profile {file}: {e}"));
            self.push(f);
            return false;
        }
        for (name, tpl) in &self.spec.entry.vars {
            match self.vars.render(tpl, Escape::None) {
                Ok(v) => self.vars.set(name.clone(), Value::String(v)),
                Err(e) => {
                    let f = self.finding(FindingKind::Setup, None, format!("vars.{name}: {e}"));
                    self.push(f);
                    return false;
                }
            }
        }
        true
    }

    /// Sends a request (unless the run was interrupted or the target is dead), keeping the
    /// ledger and the target's health up to date. `None`: not sent (a finding or a block says
    /// why).
    async fn send(
        &mut self,
        at: Option<(usize, &CheckedStep)>,
        mut request: Request,
        auth: AuthMode,
    ) -> Option<(Request, Result<Response, TransportError>)> {
        let missing = at
            .and_then(|(_, s)| s.missing_id.as_ref())
            .and_then(|var| self.vars.get(var).map(as_text));
        let addresses_missing = missing.is_some_and(|id| {
            is_guid(&id)
                && request
                    .url
                    .path()
                    .trim_end_matches('/')
                    .ends_with(&format!("/{id}"))
        });
        let refusal = if addresses_missing {
            None
        } else {
            refuse_unowned(self.ctx, &request)
        };
        if let Some(refusal) = refusal {
            let mut f = self.finding(FindingKind::Safety, at, refusal);
            f.notes.push(format!(
                "request: {} {}",
                request.method,
                self.ctx.redactor.scrub(request.url.as_str())
            ));
            self.push(f);
            return None;
        }
        // Counted before the abort check and for the rest of the send (token fetch, send,
        // ledger), so an interrupt waits for this request instead of sweeping while it goes out.
        let _counted = InFlight::new(&self.ctx.abort);
        if self.interrupted(at) {
            return None;
        }
        if let Some(why) = self.ctx.health.dead() {
            self.block(BLOCKED_BY_TARGET, why, None);
            return None;
        }
        if auth == AuthMode::Token && self.ctx.target.oauth.is_some() {
            match self.ctx.target.bearer(&self.ctx.client).await {
                Ok(token) => {
                    request.bearer = token;
                    // Microsoft's validation reads the lifetime in whole minutes.
                    if let Some(s) = self
                        .ctx
                        .target
                        .oauth
                        .as_ref()
                        .and_then(|o| o.last_expires_in())
                    {
                        self.vars.set("token_lifetime_minutes", Value::from(s / 60));
                    }
                }
                Err(e) => {
                    let f = match e {
                        OAuthError::Refused { .. } => self.finding(
                            FindingKind::Authentication,
                            at,
                            format!("authentication error: {e}"),
                        ),
                        _ => self.finding(
                            FindingKind::Transport,
                            at,
                            format!("transport error: {e}"),
                        ),
                    };
                    self.push(f);
                    return None;
                }
            }
        }
        if self.interrupted(at) {
            return None;
        }
        let result = self.ctx.client.send(&request).await;
        match &result {
            Ok(response) => {
                self.ctx.health.answered();
                // Recorded before anything else: the sweep must see every creation.
                if let Some(problem) = track(self.ctx, &request, response, &self.spec.name).await {
                    // An answer the harness cannot clean up after is this trial's problem.
                    let mut f = self.finding(FindingKind::Setup, at, problem);
                    f.exchange = Some(self.out.exchanges.len());
                    self.push(f);
                }
            }
            Err(e) => {
                if matches!(
                    e,
                    TransportError::Timeout(_)
                        | TransportError::Connect(_)
                        | TransportError::Interrupted(_)
                        | TransportError::Dns(_)
                ) {
                    self.ctx.health.unanswered(&e.to_string());
                } else {
                    self.ctx.health.answered();
                }
            }
        }
        Some((request, result))
    }

    /// Runs one step; `false` when the trial should stop (a failure, a block, a setup error).
    async fn step(&mut self, i: usize, step: &CheckedStep) -> bool {
        let at = Some((i, step));
        for (name, tpl) in &step.vars {
            match self.vars.render(tpl, Escape::None) {
                Ok(v) => self.vars.set(name.clone(), Value::String(v)),
                Err(e) => {
                    let f = self.finding(FindingKind::Setup, at, format!("vars.{name}: {e}"));
                    self.push(f);
                    return false;
                }
            }
        }
        let rendered = match self.render(step) {
            Ok(r) => r,
            Err(e) => {
                let f = self.finding(FindingKind::Setup, at, e);
                self.push(f);
                return false;
            }
        };
        let fallback = rendered.person.clone();
        let Some((request, result)) = self.send(at, rendered.request, step.auth).await else {
            return false;
        };
        let response = match &result {
            Err(e) => {
                let mut f =
                    self.finding(FindingKind::Transport, at, format!("transport error: {e}"));
                if self.ctx.health.dead().is_none() {
                    if let Some(found) =
                        recover_unanswered_create(self.ctx, &request, &self.spec.name).await
                    {
                        f.notes.push(format!(
                            "the create may have happened anyway: found {found} by its name; it will be deleted"
                        ));
                    }
                }
                f.exchange = Some(self.exchange(at, Phase::Step, &request, &result));
                self.push(f);
                return false;
            }
            Ok(r) => r.clone(),
        };
        let index = self.exchange(at, Phase::Step, &request, &result);
        if let Some(by) = &step.blocked_by {
            if let Some(reason) = unreadable(&request, &response, &self.ctx.target) {
                self.block(
                    by,
                    reason,
                    Some((i, status_expect(step).into_iter().collect())),
                );
                return false;
            }
        }
        if let Some(setup) = &step.setup {
            return self
                .setup_step(at, step, setup, request, response, index, fallback)
                .await;
        }
        let (mut findings, ok) = self.check(at, step, &response, index).await;
        if let (Some(f), true) = (fallback, (400..500).contains(&response.status)) {
            self.name_refused_attribute(at, step, &request, &response, f, &mut findings)
                .await;
        }
        let blocking: Vec<(String, usize, String)> = findings
            .iter()
            .filter(|f| f.fails(Severity::Entra))
            .filter_map(|f| {
                let e = step
                    .expects
                    .iter()
                    .find(|e| Some(e.index) == f.location.expect)?;
                let by = e.blocks.clone()?;
                let what = match (&f.expected, &f.actual) {
                    (Some(x), Some(a)) => format!("expected {x}, got {a}"),
                    _ => f.summary.clone(),
                };
                let what = format!(
                    "{} answered {}: {what}",
                    request_label(&request, &self.ctx.target),
                    response.status
                );
                Some((by, e.index, what))
            })
            .collect();
        if let Some((by, _, what)) = blocking.first() {
            let indices = blocking.iter().map(|(_, i, _)| *i).collect();
            self.block(by, what.clone(), Some((i, indices)));
            return false;
        }
        self.out.findings.extend(findings);
        ok && self.capture(at, step, &response, index, true)
    }

    /// A preparation step: passes quietly, adapts its body to what the endpoint accepts (see
    /// [`super::adapt`]), or blocks, naming the refused request and the trial that reports it.
    #[allow(clippy::too_many_arguments)]
    async fn setup_step(
        &mut self,
        at: Option<(usize, &CheckedStep)>,
        step: &CheckedStep,
        setup: &str,
        request: Request,
        response: Response,
        index: usize,
        fallback: Option<Fallback>,
    ) -> bool {
        let i = at.map(|(i, _)| i).unwrap_or_default();
        let refusal = self
            .setup_refusal(at, step, &request, &response, index)
            .await;
        let Some((refusal, expect)) = refusal else {
            return self.capture(at, step, &response, index, false);
        };
        let refused = (400..500).contains(&response.status);
        let adaptable = match &fallback {
            Some(f) => refused && !self.adapted.contains_key(kind_key(f.kind)),
            None => refused && request.method == "PATCH",
        };
        if !adaptable {
            self.block(setup, refusal, Some((i, expect)));
            return false;
        }
        match self
            .adapt(
                at, step, setup, &request, &response, &refusal, fallback, false,
            )
            .await
        {
            Ok((response, index, _)) => self.capture(at, step, &response, index, false),
            Err(reason) => {
                self.block(setup, reason, Some((i, expect)));
                false
            }
        }
    }

    /// The body `fallback`'s person gets with `edit` applied to `sent`; `None` when the edit
    /// changes nothing.
    fn edited(&self, fallback: Option<&Fallback>, sent: &Value, edit: &Edit) -> Option<Value> {
        if let (Edit::Tolerant, Some(fallback)) = (edit, fallback) {
            let mut body = self.spec.profile.tolerant(fallback.kind, &fallback.person);
            customize(&mut body, &fallback.set, &fallback.remove);
            return (body != *sent).then_some(body);
        }
        let mut body = sent.clone();
        edit.apply(&mut body).then_some(body)
    }

    /// Finds (or reuses) an edit of a refused preparation body that the endpoint accepts, sends
    /// it, and notes what changed. `Err`: why the subject cannot be prepared.
    #[allow(clippy::too_many_arguments)]
    async fn adapt(
        &mut self,
        at: Option<(usize, &CheckedStep)>,
        step: &CheckedStep,
        setup: &str,
        request: &Request,
        response: &Response,
        refusal: &str,
        fallback: Option<Fallback>,
        subject: bool,
    ) -> Result<(Response, usize, Edit), String> {
        let reported_by = self.reference(setup);
        let sent: Value = request
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        let dialect = self.spec.effective_dialect().name();
        // What a step sets for its own subject shapes which edits it may use; a subject's
        // own refusal may be about exactly that.
        let needs: Vec<String> = fallback
            .iter()
            .filter(|_| !subject)
            .flat_map(|f| f.set.iter().map(|(p, _)| p.clone()))
            .collect();
        let key = match &fallback {
            _ if subject => format!("subject:{setup}:{dialect}"),
            Some(f) => format!("{}:{dialect}:{}", kind_key(f.kind), needs.join(",")),
            None => format!("{}:{dialect}", patch_key(&sent)),
        };
        let ctx = self.ctx;
        let mut table = ctx.adaptations.lock().await;
        let known = table.get(&key).cloned();
        let edits = match &known {
            Some(None) => {
                return Err(format!(
                    "{refusal}; no simpler body was accepted either (reported by {reported_by})"
                ))
            }
            Some(Some(e)) => vec![e.clone()],
            None => match &fallback {
                Some(f) => candidates(f.kind, &sent, &detail(response)),
                None => patch_candidates(&sent),
            },
        };
        let mut last = String::new();
        for edit in edits {
            if edit.touches(&needs) {
                last = format!(
                    "the endpoint refuses {} and this trial's subject needs it",
                    edit.feature()
                );
                continue;
            }
            let Some(body) = self.edited(fallback.as_ref(), &sent, &edit) else {
                continue;
            };
            let mut probe = request.clone();
            probe.body = serde_json::to_vec(&body).ok();
            let Some((probe, result)) = self.send(at, probe, step.auth).await else {
                return Err(format!("{refusal}; the adapted body was not sent"));
            };
            let index = self.exchange(at, Phase::Step, &probe, &result);
            let answer = match result {
                Ok(r) => r,
                Err(e) => return Err(format!("{refusal}; then transport error: {e}")),
            };
            if (400..500).contains(&answer.status) {
                last = answered(&probe, &answer, &self.ctx.target);
                continue;
            }
            if let Some((again, _)) = self.setup_refusal(at, step, &probe, &answer, index).await {
                return Err(format!("{refusal}; {} too: {again}", edit.describe()));
            }
            if let Some(f) = &fallback {
                self.record_state(f.kind, &f.name, &body);
                self.adapted.insert(kind_key(f.kind), edit.clone());
            }
            if known.is_none() {
                table.insert(key, Some(edit.clone()));
            }
            // A preparation notes what it changed; for a subject the refusal is the finding.
            if !subject {
                let mut f = self.finding(
                    FindingKind::Deviation,
                    at,
                    format!(
                        "prepared {} ({refusal}; reported by {reported_by}); the rest of the trial sends that form",
                        edit.describe()
                    ),
                );
                f.exchange = Some(index);
                self.push(f);
            }
            return Ok((answer, index, edit));
        }
        if known.is_none() {
            table.insert(key, None);
        }
        Err(if last.is_empty() {
            refusal.to_string()
        } else {
            format!("{refusal}; no simpler body was accepted either (last: {last})")
        })
    }

    /// A subject create the endpoint refused: finds the attribute it refuses (as setup steps
    /// do, sharing what was found) and names it on the status finding, so the root cause says
    /// what to fix (`POST Users refusing roles`).
    async fn name_refused_attribute(
        &mut self,
        at: Option<(usize, &CheckedStep)>,
        step: &CheckedStep,
        request: &Request,
        response: &Response,
        fallback: Fallback,
        findings: &mut [Finding],
    ) {
        let Some(index) = status_expect(step) else {
            return;
        };
        let Some(status) = findings
            .iter_mut()
            .find(|f| f.location.expect == Some(index) && f.fails(Severity::Entra))
        else {
            return;
        };
        let refusal = answered(request, response, &self.ctx.target);
        let trial = self.spec.name.clone();
        let found = self
            .adapt(
                at,
                step,
                &trial,
                request,
                response,
                &refusal,
                Some(fallback),
                true,
            )
            .await;
        if let Ok((_, _, edit)) = found {
            status
                .notes
                .push(format!("{REFUSES_PREFIX}{}", edit.feature()));
            status.notes.push(format!(
                "the endpoint accepts the same body {}",
                edit.describe()
            ));
        }
    }

    /// The full trial name a suite reference (`users::create`) stands for in this run.
    fn reference(&self, r: &str) -> String {
        self.spec
            .refs
            .get(r)
            .cloned()
            .unwrap_or_else(|| r.to_string())
    }

    /// Why a setup answer does not prepare the subject, in one line, and the expectation that
    /// says so; `None` when it does prepare it.
    async fn setup_refusal(
        &mut self,
        at: Option<(usize, &CheckedStep)>,
        step: &CheckedStep,
        request: &Request,
        response: &Response,
        index: usize,
    ) -> Option<(String, Vec<usize>)> {
        if !(200..300).contains(&response.status) {
            return Some((
                answered(request, response, &self.ctx.target),
                status_expect(step).into_iter().collect(),
            ));
        }
        let (findings, _) = self.check(at, step, response, index).await;
        if let Some(f) = findings.iter().find(|f| f.fails(Severity::Entra)) {
            let what = match (&f.expected, &f.actual) {
                (Some(e), Some(a)) => format!("expected {e}, got {a}"),
                _ => f.summary.clone(),
            };
            let what = format!(
                "{} answered {}: {what}",
                request_label(request, &self.ctx.target),
                response.status
            );
            let failed = findings
                .iter()
                .filter(|f| f.fails(Severity::Entra))
                .filter_map(|f| f.location.expect)
                .collect();
            return Some((what, failed));
        }
        // Notes (not verifiable, read by filter) of a setup step are kept; they fail nothing.
        self.out
            .findings
            .extend(findings.into_iter().filter(|f| !f.fails(Severity::Rfc)));
        for (name, pointer) in step.capture.iter().chain(step.capture_each.iter()) {
            let present = response
                .json()
                .ok()
                .and_then(|b| b.pointer(pointer))
                .is_some_and(|v| !v.is_null());
            if !present {
                return Some((
                    format!(
                        "{} answered {} without `{}` ({pointer})",
                        request_label(request, &self.ctx.target),
                        response.status,
                        name
                    ),
                    Vec::new(),
                ));
            }
        }
        None
    }

    /// Evaluates a step's expectations (with the membership fallback for `members` steps).
    /// Returns the findings and whether nothing failing was found.
    async fn check(
        &mut self,
        at: Option<(usize, &CheckedStep)>,
        step: &CheckedStep,
        response: &Response,
        index: usize,
    ) -> (Vec<Finding>, bool) {
        let mut out = Vec::new();
        let mut ok = true;
        let mut subject = response.clone();
        let mut member_notes: Vec<String> = Vec::new();
        let mut downgrade = false;
        if let Some(m) = &step.members {
            if (200..300).contains(&response.status) {
                match members::verify(self, m, response).await {
                    members::Verdict::AsReturned => {}
                    members::Verdict::ByFilter(body, note) => {
                        subject = Response::for_test(
                            response.status,
                            &[("content-type", "application/scim+json")],
                            &body.to_string(),
                        );
                        member_notes.push(note);
                    }
                    members::Verdict::GetIncomplete(note) => {
                        downgrade = true;
                        member_notes.push(note);
                    }
                    members::Verdict::Unverifiable(why) => {
                        let mut f = self.finding(
                            FindingKind::Unverifiable,
                            at,
                            format!("membership not verifiable: {why}"),
                        );
                        f.severity = Severity::Rfc;
                        f.exchange = Some(index);
                        out.push(f);
                        subject = Response::for_test(
                            response.status,
                            &[("content-type", "application/scim+json")],
                            &json!({}).to_string(),
                        );
                        member_notes.push("skip".into());
                    }
                }
            }
        }
        let skip_members = member_notes.iter().any(|n| n == "skip");
        for e in &step.expects {
            if !e.applies(|cap| self.caps.contains(cap)) {
                continue;
            }
            let is_members = matches!(&e.subject, Subject::Pointer { pointer, .. } if pointer == "/members")
                && step.members.is_some();
            if is_members && skip_members {
                continue;
            }
            let split_roles = matches!(&e.subject, Subject::Pointer { pointer, each: Some(each) } if pointer == "/roles" && each == "/value");
            let split;
            let evaluated = match (&self.spec.profile.role_split, split_roles) {
                (Some(sep), true) => {
                    split = split_role_values(response, sep);
                    &split
                }
                _ if is_members => &subject,
                _ => response,
            };
            if let Some(m) = e.evaluate(evaluated, &self.vars) {
                let mut f = self.finding(FindingKind::Expectation, at, subject_name(&e.subject));
                f.severity = e.severity_for(|cap| self.caps.contains(cap));
                if is_members && downgrade {
                    f.severity = Severity::Rfc;
                }
                f.location.expect = Some(e.index);
                f.expected = Some(self.ctx.redactor.scrub(&m.expected));
                f.actual = Some(self.ctx.redactor.scrub(&m.actual));
                f.why = e.why.clone();
                f.exchange = Some(index);
                if is_members {
                    f.notes
                        .extend(member_notes.iter().filter(|n| *n != "skip").cloned());
                }
                if f.fails(Severity::Entra) {
                    ok = false;
                }
                out.push(f);
            }
        }
        (out, ok)
    }

    /// Takes the step's captures from the response. A missing capture stops the trial (with a
    /// finding when `report` and nothing failed before).
    fn capture(
        &mut self,
        at: Option<(usize, &CheckedStep)>,
        step: &CheckedStep,
        response: &Response,
        index: usize,
        report: bool,
    ) -> bool {
        let mut ok = true;
        for (name, pointer) in &step.capture_each {
            let found = response
                .json()
                .ok()
                .and_then(|b| b.pointer(pointer).cloned())
                .filter(|v| !v.is_null());
            let Some(v) = found else {
                if report {
                    let mut f = self.finding(
                        FindingKind::Setup,
                        at,
                        format!("cannot capture `{name}`: {pointer} is absent from the response"),
                    );
                    f.exchange = Some(index);
                    self.push(f);
                }
                return false;
            };
            let mut list = match self.vars.get(name) {
                Some(Value::Array(items)) => items.clone(),
                _ => Vec::new(),
            };
            list.push(v.clone());
            self.out
                .captured
                .push((format!("{name}[{}]", list.len() - 1), v));
            self.vars.set(name.clone(), Value::Array(list));
        }
        for (name, pointer) in &step.capture {
            match response.json().map(|b| b.pointer(pointer).cloned()) {
                Ok(Some(v)) if !v.is_null() => {
                    self.out.captured.push((name.clone(), v.clone()));
                    self.vars.set(name.clone(), v);
                }
                Ok(_) => {
                    if ok && report {
                        let mut f = self.finding(
                            FindingKind::Setup,
                            at,
                            format!(
                                "cannot capture `{name}`: {pointer} is absent from the response"
                            ),
                        );
                        f.exchange = Some(index);
                        self.push(f);
                    }
                    ok = false;
                }
                Err(why) => {
                    if ok && report {
                        let mut f = self.finding(
                            FindingKind::Setup,
                            at,
                            format!("cannot capture `{name}`: {why}"),
                        );
                        f.exchange = Some(index);
                        self.push(f);
                    }
                    ok = false;
                }
            }
        }
        ok
    }

    /// Whether the run was interrupted; if so, records that the step was not sent.
    fn interrupted(&mut self, at: Option<(usize, &CheckedStep)>) -> bool {
        let stopped = self.ctx.abort.stopped();
        if stopped {
            let f = self.finding(
                FindingKind::Transport,
                at,
                "not sent: the run was interrupted".into(),
            );
            self.push(f);
        }
        stopped
    }

    fn render(&mut self, step: &CheckedStep) -> Result<Rendered, String> {
        let path = self
            .vars
            .render(&step.path, Escape::PathSegment)
            .map_err(|e| format!("path: {e}"))?;
        let mut query = Vec::new();
        for (k, v) in &step.query {
            let value = self
                .vars
                .render(v, Escape::None)
                .map_err(|e| format!("query.{k}: {e}"))?;
            query.push((k.clone(), value));
        }
        let url = self
            .ctx
            .target
            .url(&path, &query)
            .map_err(|e| format!("path `{path}`: {e}"))?;
        // As Microsoft's gallery validation sends it on every request.
        let mut headers: Vec<(String, String)> =
            vec![("Accept".into(), "application/scim+json".into())];
        let mut person = None;
        let body = match &step.body {
            None => None,
            Some(Body::Raw(r)) => Some(
                self.vars
                    .render(r, Escape::None)
                    .map_err(|e| format!("body: {e}"))?
                    .into_bytes(),
            ),
            Some(Body::Generated {
                kind,
                person: name,
                patch: Some((patch, form)),
                ..
            }) => {
                let tag = self.vars.get("tag").map(as_text).unwrap_or_default();
                let values = self.spec.profile.patch_values(*patch, &tag);
                let state = format!("state_{}_{name}", kind_key(*kind));
                let mut recorded = match self.vars.get(&state) {
                    Some(Value::Object(m)) => m.clone(),
                    _ => serde_json::Map::new(),
                };
                let patched = format!("patched_{}_{name}", kind_key(*kind));
                let mut changed = match self.vars.get(&patched) {
                    Some(Value::Object(m)) => m.clone(),
                    _ => serde_json::Map::new(),
                };
                for (t, v) in &values {
                    recorded.insert(t.clone(), v.clone());
                    changed.insert(t.clone(), v.clone());
                }
                self.vars.set(state, Value::Object(recorded));
                self.vars.set(patched, Value::Object(changed));
                Some(
                    serde_json::to_vec(&patch_body(&values, *form))
                        .map_err(|e| format!("body: {e}"))?,
                )
            }
            Some(Body::Generated {
                kind,
                person: name,
                set,
                remove,
                patch: None,
                decoy,
            }) => {
                let name = &self
                    .vars
                    .render(name, Escape::None)
                    .map_err(|e| format!("body.user: {e}"))?;
                let p = self
                    .spec
                    .profile
                    .person_for(
                        *kind,
                        name,
                        &mut self.vars,
                        Some(self.spec.effective_dialect()),
                    )
                    .map_err(|e| format!("body: {e}"))?;
                let mut rendered_set = Vec::new();
                if let Some(decoy) = decoy {
                    let (attr, values) = match kind {
                        Kind::User => (self.spec.profile.users.matching.first(), "user_values"),
                        Kind::Group => (self.spec.profile.groups.matching.first(), "group_values"),
                    };
                    let main = attr.and_then(|a| {
                        let v = self.vars.get(values)?.get(a)?;
                        Some((a.clone(), as_text(v)))
                    });
                    if let Some((attr, main)) = main {
                        rendered_set.push((attr, Value::String(decoy.value(&main))));
                    }
                }
                for (path, v) in set {
                    let v = self
                        .vars
                        .render_json(v)
                        .map_err(|e| format!("body.set.{path}: {e}"))?;
                    rendered_set.push((path.clone(), v));
                }
                let mut body = p.body.clone();
                customize(&mut body, &rendered_set, remove);
                if let Some(edit) = self.adapted.get(kind_key(*kind)) {
                    if *edit == Edit::Tolerant {
                        body = self.spec.profile.tolerant(*kind, &p);
                        customize(&mut body, &rendered_set, remove);
                    } else {
                        edit.apply(&mut body);
                    }
                }
                self.record_state(*kind, name, &body);
                person = Some(Fallback {
                    kind: *kind,
                    name: name.clone(),
                    person: p,
                    set: rendered_set,
                    remove: remove.clone(),
                });
                Some(serde_json::to_vec(&body).map_err(|e| format!("body: {e}"))?)
            }
            Some(b) => {
                let v = b
                    .json_for(Some(self.spec.effective_dialect()))
                    .ok_or("body: no fixture for this dialect")?;
                let rendered = self.vars.render_json(v).map_err(|e| format!("body: {e}"))?;
                Some(serde_json::to_vec(&rendered).map_err(|e| format!("body: {e}"))?)
            }
        };
        if body.is_some() {
            headers.push((
                "Content-Type".into(),
                "application/scim+json; charset=utf-8".into(),
            ));
        }
        for (k, v) in &step.headers {
            let value = self
                .vars
                .render(v, Escape::None)
                .map_err(|e| format!("headers.{k}: {e}"))?;
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
            // An empty value leaves the header out (Entra's Test Connection sends no Accept).
            if !value.is_empty() {
                headers.push((k.clone(), value));
            }
        }
        let bearer = match step.auth {
            AuthMode::Token => self.ctx.target.token.clone(),
            AuthMode::None => None,
            AuthMode::Wrong => Some(Secret::new(wrong_token())),
        };
        Ok(Rendered {
            request: Request {
                method: step.method.clone(),
                url,
                headers,
                body,
                bearer,
            },
            person,
        })
    }

    /// Records what a create body sent to a person (`state_<kind>_<person>`: every mapped
    /// attribute in it), for `round_trip` checks.
    fn record_state(&mut self, kind: Kind, name: &str, body: &Value) {
        let mapping = match kind {
            Kind::User => &self.spec.profile.users,
            Kind::Group => &self.spec.profile.groups,
        };
        let mut state = serde_json::Map::new();
        for row in &mapping.mapping {
            let t = row.target.as_str();
            let reference = t == "members" || t == "manager" || t.ends_with(":manager");
            if !row.expr.is_sent() || reference || t == "roles" || t == "active" {
                continue;
            }
            if let Some(v) = crate::core::paths::read(body, t) {
                state.insert(t.to_string(), v.clone());
            }
        }
        self.vars.set(
            format!("state_{}_{name}", kind_key(kind)),
            Value::Object(state),
        );
    }

    /// A GET the harness makes on its own (membership by filter), recorded as such.
    async fn harness_get(
        &mut self,
        rel: &str,
        query: Vec<(String, String)>,
        what: &str,
    ) -> Option<Response> {
        let url = self.ctx.target.url(rel, &query).ok()?;
        let request = Request::bare("GET", url, self.ctx.target.token.clone());
        let (request, result) = self.send(None, request, AuthMode::Token).await?;
        let r = &self.ctx.redactor;
        self.out.exchanges.push(Exchange {
            step: None,
            step_name: what.to_string(),
            phase: Phase::Harness,
            request: record::request(&request, r),
            response: result
                .as_ref()
                .map(|resp| record::response(resp, r))
                .map_err(Clone::clone),
        });
        result.ok()
    }

    /// Deletes what this trial created and did not delete itself, and reads back what its
    /// steps deleted (deleting it again if it is still there).
    async fn cleanup(&mut self) {
        // Taken first: what a read-back finds still there is deleted again there, not twice.
        let live = self.ctx.ledger.live(Some(&self.spec.name));
        for path in self.ctx.ledger.unverified(Some(&self.spec.name)) {
            let result = verify_deleted(self.ctx, &path).await;
            self.settle(&path, result, |reason| {
                format!("cleanup: {path} was deleted by a step but is {reason}")
            });
        }
        for path in live {
            let result = delete(self.ctx, &path).await;
            self.settle(&path, result, |reason| {
                format!("cleanup: could not delete {path}: {reason}")
            });
        }
    }

    /// Records in the ledger whether `path` is gone; when it is not, a cleanup finding says
    /// `what` about the reason.
    fn settle(&mut self, path: &str, result: Result<(), String>, what: impl Fn(&str) -> String) {
        match result {
            Ok(()) => self.ctx.ledger.deleted(path),
            Err(reason) => {
                self.ctx.ledger.stuck(path, reason.clone());
                let f = self.finding(FindingKind::Cleanup, None, what(&reason));
                self.push(f);
            }
        }
    }
}

/// `POST Users`: the method and the path under the target.
fn request_label(r: &Request, target: &crate::http::Target) -> String {
    format!(
        "{} {}",
        r.method,
        target
            .relative(&r.url)
            .unwrap_or_else(|| r.url.path().into())
    )
}

/// The endpoint's own words in an error answer (see [`error_detail`]), else the body's start.
fn detail(response: &Response) -> String {
    error_detail(&String::from_utf8_lossy(&response.body), 300)
}

/// `POST Users answered 400 Bad Request: {"detail":...}` in one line.
fn answered(r: &Request, response: &Response, target: &crate::http::Target) -> String {
    let detail = response
        .json()
        .ok()
        .and_then(|b| b.get("detail").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| response.preview(160));
    let mut s = format!(
        "{} answered {} {}",
        request_label(r, target),
        response.status,
        reason(response.status)
    );
    if !detail.trim().is_empty() {
        s.push_str(": ");
        s.push_str(&trim(detail.trim(), 160));
    }
    s
}

/// Why a read-back answer is not the resource it addresses (another trial's subject): a non-2xx
/// status, or — for `GET <Collection>/<id>` — a body that is not that resource.
fn unreadable(r: &Request, response: &Response, target: &crate::http::Target) -> Option<String> {
    if !(200..300).contains(&response.status) {
        return Some(answered(r, response, target));
    }
    let rel = target.relative(&r.url)?;
    let (_, id) = rel.split_once('/')?;
    if r.method != "GET" || id.contains('/') {
        return None;
    }
    let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
    let found = response
        .json()
        .ok()
        .and_then(|b| b.get("id").map(crate::suite::template::as_text));
    match found {
        Some(f) if f == id => None,
        Some(f) => Some(format!("GET {rel} answered the resource {f:?}, not {id:?}")),
        None => Some(format!(
            "GET {rel} answered {} without the resource's id (a list or another shape)",
            response.status
        )),
    }
}

/// The response with its role values split the way the vendor's guide says one value holds
/// several roles (`Uploader,Authorizer`), first occurrence kept: an endpoint may echo the value
/// as sent or store the roles apart, and both are right.
fn split_role_values(response: &Response, sep: &str) -> Response {
    let Ok(body) = response.json() else {
        return response.clone();
    };
    let mut body = body.clone();
    if let Some(Value::Array(roles)) = body.get("roles") {
        let mut parts: Vec<String> = Vec::new();
        for r in roles {
            let v = r
                .get("value")
                .map(crate::suite::template::as_text)
                .unwrap_or_default();
            for p in v.split(sep).map(str::trim).filter(|p| !p.is_empty()) {
                if !parts.iter().any(|x| x == p) {
                    parts.push(p.to_string());
                }
            }
        }
        body["roles"] = Value::Array(parts.into_iter().map(|p| json!({ "value": p })).collect());
    }
    Response::for_test(
        response.status,
        &[("content-type", "application/scim+json")],
        &body.to_string(),
    )
}

/// `8-4-4-4-12` hex digits: a GUID the harness generated for a resource that does not exist.
fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The index of the step's status expectation, if it has one.
fn status_expect(step: &CheckedStep) -> Option<usize> {
    step.expects
        .iter()
        .find(|e| matches!(e.subject, Subject::Status))
        .map(|e| e.index)
}

fn subject_name(s: &Subject) -> String {
    match s {
        Subject::Status => "status".into(),
        Subject::Header(h) => format!("header {h}"),
        Subject::Pointer { pointer, .. } if pointer.is_empty() => "body".into(),
        Subject::Pointer { pointer, .. } => pointer.clone(),
        Subject::Var(v) => format!("{{{{{v}}}}}"),
    }
}

impl members::Ask for TrialRun<'_> {
    fn render_ids(&self, template: &str) -> Vec<String> {
        match self.vars.render_json(&Value::String(template.to_string())) {
            Ok(Value::Array(items)) => items.iter().map(as_text).collect(),
            Ok(v) => vec![as_text(&v)],
            Err(_) => Vec::new(),
        }
    }

    async fn get(
        &mut self,
        rel: &str,
        query: Vec<(String, String)>,
        what: &str,
    ) -> Option<Response> {
        self.harness_get(rel, query, what).await
    }
}
