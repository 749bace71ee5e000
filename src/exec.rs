//! Running one trial: render each step, send it, check the response, capture values, and clean
//! up what the trial created — even when a step failed.
//!
//! Data flows one way: step -> rendered [`Request`] -> [`Response`] or [`TransportError`] ->
//! [`Finding`]s -> [`TrialOutcome`].

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::Value;
use url::Url;

use crate::check::{Severity, Subject};
use crate::client::{Request, Response, ScimClient, TransportError};
use crate::dialect::Dialect;
use crate::ledger::Ledger;
use crate::oauth::OAuth;
use crate::profile::VendorProfile;
use crate::secret::{Redactor, Secret};
use crate::suite::model::AuthMode;
use crate::suite::template::{as_text, encode_segment, Escape, Vars};
use crate::suite::{Body, CheckedEntry, CheckedStep};

/// How many body bytes a failure message shows.
const SHOWN_BODY: usize = 600;

/// Where the requests go.
#[derive(Clone, Debug)]
pub struct Target {
    /// Base URL, always ending in `/`, without query.
    pub base: Url,
    /// The bearer token, if any.
    pub token: Option<Secret>,
    /// OAuth client credentials: when set, the bearer token comes from the token endpoint.
    pub oauth: Option<Arc<OAuth>>,
}

impl Target {
    /// Parses a `--target-url`: keeps scheme, host and path (adding the trailing `/` that URL
    /// joining needs) and drops the query. Returns the target and whether the query carried
    /// Entra's `aadOptscim062020` flag.
    pub fn parse(url: &str, token: Option<Secret>) -> Result<(Target, bool), String> {
        let mut base =
            Url::parse(url).map_err(|e| format!("--target-url `{url}` is not a URL: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(format!("--target-url `{url}` must be http or https"));
        }
        let flag = base
            .query_pairs()
            .any(|(k, _)| k.eq_ignore_ascii_case("aadOptscim062020"));
        base.set_query(None);
        base.set_fragment(None);
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        Ok((
            Target {
                base,
                token,
                oauth: None,
            },
            flag,
        ))
    }

    /// The bearer token to send: the OAuth access token (fetched or cached) or the static one.
    pub async fn bearer(&self, client: &ScimClient) -> Result<Option<Secret>, String> {
        match &self.oauth {
            Some(o) => o.bearer(client).await.map(Some),
            None => Ok(self.token.clone()),
        }
    }
}

/// What one run shares across trials.
#[derive(Debug)]
pub struct Context {
    /// The HTTP client.
    pub client: ScimClient,
    /// Where requests go.
    pub target: Target,
    /// The run id (in every name the run creates).
    pub run_id: String,
    /// What this run created.
    pub ledger: Arc<Ledger>,
    /// Scrubs secrets from every text the run produces.
    pub redactor: Redactor,
    /// Set when the run is interrupted: no new request is sent.
    pub abort: Arc<Abort>,
}

/// Interruption state shared by every trial of a run.
#[derive(Debug, Default)]
pub struct Abort {
    stopped: AtomicBool,
    in_flight: AtomicUsize,
}

impl Abort {
    /// Stops the run: trials send no further request (cleanup aside).
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }

    /// Whether the run was stopped.
    pub fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Requests sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

/// Counts one request in flight for as long as it lives.
struct InFlight<'a>(&'a Abort);

impl<'a> InFlight<'a> {
    fn new(a: &'a Abort) -> Self {
        a.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(a)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One trial to run: an entry in a dialect.
#[derive(Clone, Debug)]
pub struct TrialSpec {
    /// The trial name, e.g. `users::disable-user::legacy`.
    pub name: String,
    /// The entry.
    pub entry: Arc<CheckedEntry>,
    /// The dialect, for dialect-dependent entries.
    pub dialect: Option<Dialect>,
    /// The dialect whose request shapes a dialect-independent entry uses (e.g. for a generated
    /// group body): compliant when the run is compliant-only, else legacy.
    pub default_dialect: Dialect,
    /// Position in the run's plan; makes `{{tag}}` unique per trial.
    pub seq: usize,
    /// The vendor profile shaping the requests.
    pub profile: Arc<VendorProfile>,
}

/// What kind of problem a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindingKind {
    /// An unmet expectation, with its severity.
    Expectation(Severity),
    /// No usable response: connection, timeout, TLS, redirect, oversized body...
    Transport,
    /// The trial could not be set up or continued (a placeholder without value, a capture
    /// missing from the response).
    Setup,
    /// The harness refused a request that would touch a resource this run did not create.
    Safety,
    /// Cleanup could not delete something this trial created.
    Cleanup,
}

impl FindingKind {
    /// Whether this finding fails the trial (rfc findings only under `--strict`).
    pub fn fails(self, strict: bool) -> bool {
        !matches!(self, FindingKind::Expectation(Severity::Rfc)) || strict
    }
}

/// One problem found in a trial.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Its kind.
    pub kind: FindingKind,
    /// Step index (0-based), if it concerns a step.
    pub step: Option<usize>,
    /// Expectation index in that step, for expectation findings.
    pub expect: Option<usize>,
    /// The full, secret-free message.
    pub text: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One request and what came back, kept for snapshots and reports.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// Step index (0-based); `None` for cleanup requests.
    pub step: Option<usize>,
    /// Step name, or `cleanup`.
    pub step_name: String,
    /// The request as sent.
    pub request: Request,
    /// The response, or why there was none.
    pub result: Result<Response, TransportError>,
}

/// Everything a trial produced.
#[derive(Debug)]
pub struct TrialOutcome {
    /// Trial name.
    pub name: String,
    /// Problems found, in order.
    pub findings: Vec<Finding>,
    /// Every exchange, in order.
    pub exchanges: Vec<Exchange>,
    /// Steps skipped after a failure.
    pub skipped_steps: Vec<String>,
    /// Values captured from responses (name, value), in order.
    pub captured: Vec<(String, Value)>,
}

impl TrialOutcome {
    /// Whether the trial fails.
    pub fn failed(&self, strict: bool) -> bool {
        self.findings.iter().any(|f| f.kind.fails(strict))
    }

    /// Findings that do not fail the trial (rfc warnings when not strict).
    pub fn warnings(&self, strict: bool) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| !f.kind.fails(strict))
    }

    /// The failure text: failing findings first, then warnings, then skipped steps.
    pub fn message(&self, strict: bool) -> String {
        let mut parts: Vec<String> = self
            .findings
            .iter()
            .filter(|f| f.kind.fails(strict))
            .map(|f| f.text.clone())
            .collect();
        parts.extend(
            self.warnings(strict)
                .map(|f| format!("warning: {}", f.text)),
        );
        if !self.skipped_steps.is_empty() {
            parts.push(format!(
                "skipped after the failure: {}",
                self.skipped_steps.join(", ")
            ));
        }
        parts.join("\n\n")
    }
}

/// Runs one trial to the end, cleanup included. Never panics on anything the target sends.
pub async fn run_trial(ctx: &Context, spec: &TrialSpec) -> TrialOutcome {
    let mut run = TrialRun {
        ctx,
        spec,
        vars: Vars::new(),
        out: TrialOutcome {
            name: spec.name.clone(),
            findings: Vec::new(),
            exchanges: Vec::new(),
            skipped_steps: Vec::new(),
            captured: Vec::new(),
        },
    };
    let ok = run.init_vars();
    let mut failed = !ok;
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
    run.out
}

struct TrialRun<'a> {
    ctx: &'a Context,
    spec: &'a TrialSpec,
    vars: Vars,
    out: TrialOutcome,
}

impl TrialRun<'_> {
    fn location(&self, step: Option<(usize, &CheckedStep)>) -> String {
        let e = &self.spec.entry;
        let mut s = format!("{} › {}", e.file, e.id);
        if let Some(d) = self.spec.dialect {
            s.push_str(&format!(" [{d}]"));
        }
        if let Some((i, st)) = step {
            s.push_str(&format!(" › step {} \"{}\"", i + 1, st.name));
        }
        s
    }

    fn push(
        &mut self,
        kind: FindingKind,
        step: Option<usize>,
        expect: Option<usize>,
        text: String,
    ) {
        let text = self.ctx.redactor.scrub(&text);
        self.out.findings.push(Finding {
            kind,
            step,
            expect,
            text,
        });
    }

    fn init_vars(&mut self) -> bool {
        let tag = format!("scimconf-{}-{}", self.ctx.run_id, self.spec.seq);
        self.vars.set("run", Value::String(self.ctx.run_id.clone()));
        self.vars.set("tag", Value::String(tag));
        self.vars
            .set("entry", Value::String(self.spec.entry.id.clone()));
        self.vars.set(
            "dialect",
            Value::String(
                self.spec
                    .dialect
                    .unwrap_or(self.spec.default_dialect)
                    .name()
                    .into(),
            ),
        );
        if let Err(e) = self.spec.profile.set_vars(
            &mut self.vars,
            Some(self.spec.dialect.unwrap_or(self.spec.default_dialect)),
        ) {
            let at = self.location(None);
            let file = &self.spec.profile.file;
            self.push(
                FindingKind::Setup,
                None,
                None,
                format!("{at} › profile {file}: {e}"),
            );
            return false;
        }
        for (name, tpl) in &self.spec.entry.vars {
            match self.vars.render(tpl, Escape::None) {
                Ok(v) => self.vars.set(name.clone(), Value::String(v)),
                Err(e) => {
                    let at = self.location(None);
                    self.push(
                        FindingKind::Setup,
                        None,
                        None,
                        format!("{at} › vars.{name}: {e}"),
                    );
                    return false;
                }
            }
        }
        true
    }

    /// Runs one step; `false` when the trial should stop (a failing finding or a setup error).
    async fn step(&mut self, i: usize, step: &CheckedStep) -> bool {
        let at = self.location(Some((i, step)));
        for (name, tpl) in &step.vars {
            match self.vars.render(tpl, Escape::None) {
                Ok(v) => self.vars.set(name.clone(), Value::String(v)),
                Err(e) => {
                    self.push(
                        FindingKind::Setup,
                        Some(i),
                        None,
                        format!("{at} › vars.{name}: {e}"),
                    );
                    return false;
                }
            }
        }
        let mut request = match self.render(step) {
            Ok(r) => r,
            Err(e) => {
                self.push(FindingKind::Setup, Some(i), None, format!("{at}: {e}"));
                return false;
            }
        };
        if let Some(refusal) = self.refuse_unowned(&request) {
            self.push(
                FindingKind::Safety,
                Some(i),
                None,
                format!("{at}: {refusal}\n  request: {}", request.line()),
            );
            return false;
        }
        // Counted before the abort check and for the rest of the step (token fetch, send,
        // ledger), so an interrupt waits for this request instead of sweeping while it goes out.
        let _counted = InFlight::new(&self.ctx.abort);
        if self.interrupted(i, &at) {
            return false;
        }
        if step.auth == AuthMode::Token && self.ctx.target.oauth.is_some() {
            match self.ctx.target.bearer(&self.ctx.client).await {
                Ok(token) => request.bearer = token,
                Err(e) => {
                    self.push(
                        FindingKind::Transport,
                        Some(i),
                        None,
                        format!("{at}: transport error: {e}"),
                    );
                    return false;
                }
            }
        }
        if self.interrupted(i, &at) {
            return false;
        }
        let result = self.ctx.client.send(&request).await;
        if let Ok(response) = &result {
            // Recorded before anything else: the sweep must see every creation.
            if let Some(problem) = self.track(&request, response).await {
                self.push(
                    FindingKind::Cleanup,
                    Some(i),
                    None,
                    format!("{at}: {problem}"),
                );
            }
        }
        let response = match &result {
            Err(e) => {
                let mut text = format!(
                    "{at}: transport error: {e}\n  request: {}",
                    request.dump(SHOWN_BODY)
                );
                if let Some(found) = self.recover_unanswered_create(&request).await {
                    text.push_str(&format!("\n  the create may have happened anyway: found {found} by its name; it will be deleted"));
                }
                self.out.exchanges.push(Exchange {
                    step: Some(i),
                    step_name: step.name.clone(),
                    request,
                    result,
                });
                self.push(FindingKind::Transport, Some(i), None, text);
                return false;
            }
            Ok(r) => r.clone(),
        };
        let strict_fail_before = self
            .out
            .findings
            .iter()
            .filter(|f| f.kind.fails(false))
            .count();
        for e in &step.expects {
            if let Some(m) = e.evaluate(&response, &self.vars) {
                let mut text = format!(
                    "{at} › expect[{}] ({}): {}\n  expected: {}\n  actual:   {}\n  request:  {}\n  response: {}",
                    e.index,
                    e.severity,
                    subject_name(&e.subject),
                    m.expected,
                    m.actual,
                    request.line(),
                    response.summary(SHOWN_BODY)
                );
                if !response.throttled.is_empty() {
                    text.push_str(&format!(
                        "\n  throttled first: {}",
                        response.throttled.join("; ")
                    ));
                }
                if let Some(why) = &e.why {
                    text.push_str(&format!("\n  why: {why}"));
                }
                self.push(
                    FindingKind::Expectation(e.severity),
                    Some(i),
                    Some(e.index),
                    text,
                );
            }
        }
        let mut ok = self
            .out
            .findings
            .iter()
            .filter(|f| f.kind.fails(false))
            .count()
            == strict_fail_before;
        for (name, pointer) in &step.capture {
            match response.json().map(|b| b.pointer(pointer).cloned()) {
                Ok(Some(v)) if !v.is_null() => {
                    self.out.captured.push((name.clone(), v.clone()));
                    self.vars.set(name.clone(), v);
                }
                Ok(_) => {
                    if ok {
                        self.push(
                            FindingKind::Setup,
                            Some(i),
                            None,
                            format!("{at}: cannot capture `{name}`: {pointer} is absent from the response\n  request:  {}\n  response: {}", request.line(), response.summary(SHOWN_BODY)),
                        );
                    }
                    ok = false;
                }
                Err(why) => {
                    if ok {
                        self.push(
                            FindingKind::Setup,
                            Some(i),
                            None,
                            format!("{at}: cannot capture `{name}`: {why}"),
                        );
                    }
                    ok = false;
                }
            }
        }
        self.out.exchanges.push(Exchange {
            step: Some(i),
            step_name: step.name.clone(),
            request,
            result: Ok(response),
        });
        ok
    }

    /// Whether the run was interrupted; if so, records that step `i` was not sent.
    fn interrupted(&mut self, i: usize, at: &str) -> bool {
        let stopped = self.ctx.abort.stopped();
        if stopped {
            self.push(
                FindingKind::Transport,
                Some(i),
                None,
                format!("{at}: not sent: the run was interrupted"),
            );
        }
        stopped
    }

    fn render(&self, step: &CheckedStep) -> Result<Request, String> {
        let path = self
            .vars
            .render(&step.path, Escape::PathSegment)
            .map_err(|e| format!("path: {e}"))?;
        let mut url = self
            .ctx
            .target
            .base
            .join(&path)
            .map_err(|e| format!("path `{path}`: {e}"))?;
        if !step.query.is_empty() {
            let mut pairs = Vec::new();
            for (k, v) in &step.query {
                let value = self
                    .vars
                    .render(v, Escape::None)
                    .map_err(|e| format!("query.{k}: {e}"))?;
                pairs.push(format!("{}={}", form_encode(k), form_encode(&value)));
            }
            url.set_query(Some(&pairs.join("&")));
        }
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
                    .json_for(Some(self.spec.dialect.unwrap_or(self.spec.default_dialect)))
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
            AuthMode::Wrong => Some(Secret::new(format!(
                "scimconf-wrong-token-{}",
                uuid::Uuid::new_v4()
            ))),
        };
        Ok(Request {
            method: step.method.clone(),
            url,
            headers,
            body,
            bearer,
        })
    }

    /// The relative resource path of a request URL (`Users/abc`), if it is under the target.
    fn relative(&self, url: &Url) -> Option<String> {
        let base = self.ctx.target.base.path();
        url.path()
            .strip_prefix(base)
            .map(|p| p.trim_end_matches('/').to_string())
    }

    /// A reason to refuse the request, if it would modify a resource this run did not create.
    fn refuse_unowned(&self, request: &Request) -> Option<String> {
        if !matches!(request.method.as_str(), "PUT" | "PATCH" | "DELETE") {
            return None;
        }
        match self.relative(&request.url) {
            Some(rel) if self.ctx.ledger.owns(&rel) => None,
            Some(rel) => Some(format!(
                "refused to {} `{rel}`: this run did not create it (the harness only modifies resources it created)",
                request.method
            )),
            None => Some(format!("refused to {} a URL outside the target", request.method)),
        }
    }

    /// A create that got no answer (timeout, broken connection) may still have happened. Looks
    /// the resource up by the run-unique name the request carried (only `scimconf-` names) and
    /// records it in the ledger, so cleanup deletes it. Returns its path when found.
    async fn recover_unanswered_create(&self, request: &Request) -> Option<String> {
        if request.method != "POST" {
            return None;
        }
        let rel = self.relative(&request.url)?;
        let attr = match rel.as_str() {
            "Users" => "userName",
            "Groups" => "displayName",
            _ => return None,
        };
        let body: Value = serde_json::from_slice(request.body.as_deref()?).ok()?;
        let name = body.get(attr)?.as_str()?.to_string();
        if !name.starts_with(crate::cleanup::PREFIX) {
            return None;
        }
        let found = crate::cleanup::find(
            &self.ctx.client,
            &self.ctx.target,
            if attr == "userName" {
                "Users"
            } else {
                "Groups"
            },
            attr,
            &name,
        )
        .await
        .ok()?;
        let hit = found.into_iter().find(|l| l.name == name)?;
        let path = format!("{rel}/{}", encode_segment(&hit.id));
        if !self.ctx.ledger.owns(&path) {
            self.ctx.ledger.created(&path, &self.spec.name);
        }
        Some(path)
    }

    /// Records creations and deletions in the ledger. A creation the harness cannot address
    /// (no id and none findable, or an id like `.` that would address the collection) is recorded
    /// as left behind, and the returned text says so.
    async fn track(&self, request: &Request, response: &Response) -> Option<String> {
        let rel = self.relative(&request.url)?;
        let ok = (200..300).contains(&response.status);
        match request.method.as_str() {
            "POST" if ok && !rel.contains('/') => {
                let id = response.json().ok().and_then(|b| b.get("id")).map(as_text);
                match id {
                    Some(id) if addressable(&id) => {
                        self.ctx
                            .ledger
                            .created(&format!("{rel}/{}", encode_segment(&id)), &self.spec.name);
                        None
                    }
                    Some(id) => {
                        let label = format!("{rel}/{id:?}");
                        let why = format!("the created resource's id {id:?} cannot be addressed safely; delete it by hand");
                        self.ctx
                            .ledger
                            .unaddressable(&label, &self.spec.name, why.clone());
                        Some(why)
                    }
                    None => match self.recover_unanswered_create(request).await {
                        Some(_) => None,
                        None => {
                            let label = format!("{rel}/(no id)");
                            let why = format!(
                                "the create answered {} without an id and nothing was found by its name: run `scim-conformance cleanup --run-id {}`",
                                response.status, self.ctx.run_id
                            );
                            self.ctx
                                .ledger
                                .unaddressable(&label, &self.spec.name, why.clone());
                            Some(why)
                        }
                    },
                }
            }
            "DELETE" if ok || response.status == 404 => {
                self.ctx.ledger.deleted(&rel);
                None
            }
            _ => None,
        }
    }

    /// Deletes what this trial created and did not delete itself.
    async fn cleanup(&mut self) {
        for path in self.ctx.ledger.live(Some(&self.spec.name)) {
            match delete(self.ctx, &path).await {
                Ok(()) => self.ctx.ledger.deleted(&path),
                Err(reason) => {
                    self.ctx.ledger.stuck(&path, reason.clone());
                    let at = self.location(None);
                    self.push(
                        FindingKind::Cleanup,
                        None,
                        None,
                        format!("{at} › cleanup: could not delete {path}: {reason}"),
                    );
                }
            }
        }
    }
}

/// Whether an id can be put in a URL path segment without addressing something else (`.` and
/// `..` are resolved away by URL joining, and an empty id would address the collection).
pub fn addressable(id: &str) -> bool {
    !matches!(id.trim(), "" | "." | "..")
}

/// Deletes one created resource; `Ok` on 2xx or 404. Transport errors and 5xx are retried
/// (3 tries in all), other answers are final.
pub async fn delete(ctx: &Context, path: &str) -> Result<(), String> {
    let url = ctx.target.base.join(path).map_err(|e| e.to_string())?;
    if url.path() != format!("{}{path}", ctx.target.base.path()) {
        return Err(format!(
            "refused: `{path}` does not address one resource under the target"
        ));
    }
    let bearer = ctx
        .target
        .bearer(&ctx.client)
        .await
        .map_err(|e| ctx.redactor.scrub(&e))?;
    let request = Request {
        method: "DELETE".into(),
        url,
        headers: Vec::new(),
        body: None,
        bearer,
    };
    let mut last = String::new();
    for attempt in 0..3 {
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await;
        }
        match ctx.client.send(&request).await {
            Ok(r) if (200..300).contains(&r.status) || r.status == 404 => return Ok(()),
            // Only transient answers are worth another try.
            Ok(r) if r.status < 500 => {
                return Err(ctx
                    .redactor
                    .scrub(&format!("DELETE answered {}", r.summary(200))))
            }
            Ok(r) => last = format!("DELETE answered {}", r.summary(200)),
            Err(e) => last = e.to_string(),
        }
    }
    Err(ctx.redactor.scrub(&last))
}

fn subject_name(s: &Subject) -> String {
    match s {
        Subject::Status => "status".into(),
        Subject::Header(h) => format!("header {h}"),
        Subject::Pointer { pointer, .. } if pointer.is_empty() => "body".into(),
        Subject::Pointer { pointer, .. } => pointer.clone(),
    }
}

/// Encodes a query key or value as Entra does: `application/x-www-form-urlencoded`, so a space
/// is `+`, `"` is `%22` and a literal `+` is `%2B`.
pub fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_parsing_normalises_and_detects_the_flag() {
        let (t, flag) = Target::parse("https://h.example/scim/v2?aadOptscim062020", None).unwrap();
        assert_eq!(t.base.as_str(), "https://h.example/scim/v2/");
        assert!(flag);
        let (t, flag) = Target::parse("https://h.example/scim/", None).unwrap();
        assert_eq!(
            t.base.join("Users").unwrap().as_str(),
            "https://h.example/scim/Users"
        );
        assert!(!flag);
        assert!(Target::parse("ftp://x", None).is_err());
        assert!(Target::parse("not a url", None).is_err());
    }

    #[test]
    fn filters_are_encoded_like_entra() {
        assert_eq!(
            form_encode(r#"userName eq "7d420df3-9995-4831-a406-ecf8166f5f6a""#),
            "userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22"
        );
        assert_eq!(form_encode("a+b o'c@x"), "a%2Bb+o%27c%40x");
    }
}
