//! Running one trial: render each step, send it, check the response, capture values, and clean
//! up what the trial created — even when a step failed. Data flows one way: step -> rendered
//! [`Request`] -> [`Response`] or [`TransportError`] -> [`Finding`]s -> [`TrialOutcome`].

use std::time::Instant;

use serde_json::Value;

use super::context::{Context, InFlight};
use super::ownership::{delete, recover_unanswered_create, refuse_unowned, track};
use super::record;
use crate::core::naming::wrong_token;
use crate::core::secret::Secret;
use crate::http::oauth::OAuthError;
use crate::http::{Request, Response, TransportError};
use crate::outcome::{Exchange, Finding, FindingKind, Location, Phase, TrialOutcome};
use crate::plan::TrialSpec;
use crate::suite::expect::{Severity, Subject};
use crate::suite::model::AuthMode;
use crate::suite::template::{Escape, Vars};
use crate::suite::{Body, CheckedStep};

/// Runs one trial to the end, cleanup included. Never panics on anything the target sends.
pub async fn run_trial(ctx: &Context, spec: &TrialSpec) -> TrialOutcome {
    let started = Instant::now();
    let mut out = TrialOutcome::new(&spec.name);
    out.title = spec.entry.title.clone();
    out.doc = spec.entry.doc.clone();
    out.dialect = spec.dialect;
    let mut run = TrialRun {
        ctx,
        spec,
        caps: spec.profile.capabilities(),
        vars: Vars::new(),
        out,
    };
    let mut failed = !run.init_vars();
    for (i, step) in spec.entry.steps.iter().enumerate() {
        if step.only.is_some() && step.only != spec.dialect {
            continue;
        }
        if failed && !step.always {
            run.out
                .skipped_steps
                .push(format!("step {} \"{}\"", i + 1, step.name));
            continue;
        }
        if !run.step(i, step).await {
            failed = true;
        }
    }
    run.cleanup().await;
    run.out.duration = started.elapsed();
    run.out
}

struct TrialRun<'a> {
    ctx: &'a Context,
    spec: &'a TrialSpec,
    caps: std::collections::BTreeSet<String>,
    vars: Vars,
    out: TrialOutcome,
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

    /// Runs one step; `false` when the trial should stop (a failing finding or a setup error).
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
        let mut request = match self.render(step) {
            Ok(r) => r,
            Err(e) => {
                let f = self.finding(FindingKind::Setup, at, e);
                self.push(f);
                return false;
            }
        };
        if let Some(refusal) = refuse_unowned(self.ctx, &request) {
            let mut f = self.finding(FindingKind::Safety, at, refusal);
            f.notes.push(format!(
                "request: {} {}",
                request.method,
                self.ctx.redactor.scrub(request.url.as_str())
            ));
            self.push(f);
            return false;
        }
        // Counted before the abort check and for the rest of the step (token fetch, send,
        // ledger), so an interrupt waits for this request instead of sweeping while it goes out.
        let _counted = InFlight::new(&self.ctx.abort);
        if self.interrupted(at) {
            return false;
        }
        if step.auth == AuthMode::Token && self.ctx.target.oauth.is_some() {
            match self.ctx.target.bearer(&self.ctx.client).await {
                Ok(token) => request.bearer = token,
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
                    return false;
                }
            }
        }
        if self.interrupted(at) {
            return false;
        }
        let result = self.ctx.client.send(&request).await;
        let cleanup_problem = match &result {
            // Recorded before anything else: the sweep must see every creation.
            Ok(response) => track(self.ctx, &request, response, &self.spec.name).await,
            Err(_) => None,
        };
        let response = match &result {
            Err(e) => {
                let mut f =
                    self.finding(FindingKind::Transport, at, format!("transport error: {e}"));
                if let Some(found) =
                    recover_unanswered_create(self.ctx, &request, &self.spec.name).await
                {
                    f.notes.push(format!(
                        "the create may have happened anyway: found {found} by its name; it will be deleted"
                    ));
                }
                f.exchange = Some(self.exchange(at, Phase::Step, &request, &result));
                self.push(f);
                return false;
            }
            Ok(r) => r.clone(),
        };
        let index = self.exchange(at, Phase::Step, &request, &result);
        if let Some(problem) = cleanup_problem {
            let mut f = self.finding(FindingKind::Cleanup, at, problem);
            f.exchange = Some(index);
            self.push(f);
        }
        let mut ok = true;
        for e in &step.expects {
            if let Some(m) = e.evaluate(&response, &self.vars) {
                let mut f = self.finding(FindingKind::Expectation, at, subject_name(&e.subject));
                f.severity = e.severity_for(|cap| self.caps.contains(cap));
                f.location.expect = Some(e.index);
                f.expected = Some(self.ctx.redactor.scrub(&m.expected));
                f.actual = Some(self.ctx.redactor.scrub(&m.actual));
                f.why = e.why.clone();
                f.exchange = Some(index);
                if f.fails(false) {
                    ok = false;
                }
                self.push(f);
            }
        }
        for (name, pointer) in &step.capture {
            match response.json().map(|b| b.pointer(pointer).cloned()) {
                Ok(Some(v)) if !v.is_null() => {
                    self.out.captured.push((name.clone(), v.clone()));
                    self.vars.set(name.clone(), v);
                }
                Ok(_) => {
                    if ok {
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
                    if ok {
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

    fn render(&self, step: &CheckedStep) -> Result<Request, String> {
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
        let mut headers: Vec<(String, String)> = Vec::new();
        let body = match &step.body {
            None => None,
            Some(Body::Raw(r)) => Some(
                self.vars
                    .render(r, Escape::None)
                    .map_err(|e| format!("body: {e}"))?
                    .into_bytes(),
            ),
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
            headers.push((k.clone(), value));
        }
        let bearer = match step.auth {
            AuthMode::Token => self.ctx.target.token.clone(),
            AuthMode::None => None,
            AuthMode::Wrong => Some(Secret::new(wrong_token())),
        };
        Ok(Request {
            method: step.method.clone(),
            url,
            headers,
            body,
            bearer,
        })
    }

    /// Deletes what this trial created and did not delete itself.
    async fn cleanup(&mut self) {
        for path in self.ctx.ledger.live(Some(&self.spec.name)) {
            match delete(self.ctx, &path).await {
                Ok(()) => self.ctx.ledger.deleted(&path),
                Err(reason) => {
                    self.ctx.ledger.stuck(&path, reason.clone());
                    let f = self.finding(
                        FindingKind::Cleanup,
                        None,
                        format!("cleanup: could not delete {path}: {reason}"),
                    );
                    self.push(f);
                }
            }
        }
    }
}

fn subject_name(s: &Subject) -> String {
    match s {
        Subject::Status => "status".into(),
        Subject::Header(h) => format!("header {h}"),
        Subject::Pointer { pointer, .. } if pointer.is_empty() => "body".into(),
        Subject::Pointer { pointer, .. } => pointer.clone(),
    }
}
