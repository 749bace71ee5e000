//! Tenant safety: every creation is recorded in the ledger the moment the target answers, a
//! request that would modify something this run did not create is refused, a create that got no
//! answer is looked up by its run-unique name, deletes only ever address one resource, and a
//! delete counts only once a GET no longer finds the resource (a 2xx DELETE is not believed).

use serde_json::Value;

use super::context::Context;
use super::lookup::{addressable, find};
use crate::core::naming::is_harness_name;
use crate::http::{Request, Response, TransportError};
use crate::outcome::Phase;
use crate::suite::template::{as_text, encode_segment};

/// A reason to refuse the request, if it would modify a resource this run did not create.
pub fn refuse_unowned(ctx: &Context, request: &Request) -> Option<String> {
    if !matches!(request.method.as_str(), "PUT" | "PATCH" | "DELETE") {
        return None;
    }
    match ctx.target.relative(&request.url) {
        Some(rel) if ctx.ledger.owns(&rel) => None,
        Some(rel) => Some(format!(
            "refused to {} `{rel}`: this run did not create it (the harness only modifies resources it created)",
            request.method
        )),
        None => Some(format!(
            "refused to {} a URL outside the target",
            request.method
        )),
    }
}

/// A create that got no answer (timeout, broken connection) may still have happened. Looks the
/// resource up by the run-unique name the request carried (harness names only) and records it in
/// the ledger for `trial`, so cleanup deletes it. Returns its path when found.
pub async fn recover_unanswered_create(
    ctx: &Context,
    request: &Request,
    trial: &str,
) -> Option<String> {
    if request.method != "POST" {
        return None;
    }
    let rel = ctx.target.relative(&request.url)?;
    let (collection, attr) = match rel.as_str() {
        "Users" => ("Users", "userName"),
        "Groups" => ("Groups", "displayName"),
        _ => return None,
    };
    let body: Value = serde_json::from_slice(request.body.as_deref()?).ok()?;
    let name = body.get(attr)?.as_str()?.to_string();
    if !is_harness_name(&name) {
        return None;
    }
    let found = find(&ctx.client, &ctx.target, collection, attr, &name)
        .await
        .ok()?;
    let hit = found
        .into_iter()
        .find(|l| l.name == name && addressable(&l.id))?;
    let path = format!("{rel}/{}", encode_segment(&hit.id));
    if !ctx.ledger.owns(&path) {
        ctx.ledger.created_named(&path, trial, Some(name));
    }
    Some(path)
}

/// Records creations and deletions in the ledger. A creation the harness cannot address (no id
/// and none findable, or an id like `.` that would address the collection) is recorded as left
/// behind, and the returned text says so.
pub async fn track(
    ctx: &Context,
    request: &Request,
    response: &Response,
    trial: &str,
) -> Option<String> {
    let rel = ctx.target.relative(&request.url)?;
    let ok = (200..300).contains(&response.status);
    match request.method.as_str() {
        "POST" if ok && !rel.contains('/') => {
            let id = response.json().ok().and_then(|b| b.get("id")).map(as_text);
            match id {
                Some(id) if addressable(&id) => {
                    ctx.ledger.created_named(
                        &format!("{rel}/{}", encode_segment(&id)),
                        trial,
                        created_name(request),
                    );
                    None
                }
                Some(id) => {
                    let label = format!("{rel}/{id:?}");
                    let why = format!(
                        "the created resource's id {id:?} cannot be addressed safely; delete it by hand"
                    );
                    ctx.ledger.unaddressable(&label, trial, why.clone());
                    Some(why)
                }
                None => match recover_unanswered_create(ctx, request, trial).await {
                    Some(_) => None,
                    None => {
                        let label = format!("{rel}/(no id)");
                        let why = format!(
                            "the create answered {} without an id and nothing was found by its name: run `scim-conformance cleanup --run-id {}`",
                            response.status, ctx.run_id
                        );
                        ctx.ledger.unaddressable(&label, trial, why.clone());
                        Some(why)
                    }
                },
            }
        }
        // A 2xx is not believed: the trial's cleanup reads the resource back.
        "DELETE" if ok => {
            ctx.ledger.delete_answered(&rel);
            None
        }
        "DELETE" if response.status == 404 => {
            ctx.ledger.deleted(&rel);
            None
        }
        _ => None,
    }
}

/// The userName or displayName a create request carried, if any.
fn created_name(request: &Request) -> Option<String> {
    let body: Value = serde_json::from_slice(request.body.as_deref()?).ok()?;
    ["userName", "displayName"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_str))
        .map(str::to_string)
}

/// Tries per read-back and per DELETE: transport errors and 5xx are retried, other answers are
/// final.
const TRIES: u64 = 3;

/// What reading a resource back after its DELETE found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadBack {
    /// The GET answered 404 (or another 4xx: nothing there to address).
    Gone,
    /// A user the vendor's profile deactivates on DELETE reads back with `active` false.
    Deactivated,
    /// The GET still answers 2xx with the resource: the DELETE was not carried out.
    StillThere {
        /// The status of the GET.
        status: u16,
    },
    /// No conclusive answer (5xx or no answer, [`TRIES`] times): nothing shows it is gone.
    Unknown(String),
}

impl ReadBack {
    /// Whether the resource is gone as far as the vendor is concerned.
    pub fn gone(&self) -> bool {
        matches!(self, ReadBack::Gone | ReadBack::Deactivated)
    }

    /// Why a resource that is not gone counts as left behind, after a DELETE that answered
    /// `delete_status` (secret-free).
    pub fn why(&self, delete_status: u16) -> String {
        match self {
            ReadBack::Gone | ReadBack::Deactivated => String::new(),
            ReadBack::StillThere { status } => format!(
                "still there: DELETE answered {delete_status}, but GET answered {status} with the resource"
            ),
            ReadBack::Unknown(why) => format!(
                "DELETE answered {delete_status}, but reading it back failed ({why}): it may still be there"
            ),
        }
    }
}

/// GETs `path` (a resource just deleted) and says whether it is gone.
pub async fn read_back(ctx: &Context, path: &str) -> ReadBack {
    let url = match ctx.target.url(path, &[]) {
        Ok(u) => u,
        Err(e) => return ReadBack::Unknown(e.to_string()),
    };
    let bearer = match ctx.target.bearer(&ctx.client).await {
        Ok(b) => b,
        Err(e) => return ReadBack::Unknown(ctx.redactor.scrub(&e.to_string())),
    };
    match send_retried(ctx, &Request::bare("GET", url, bearer)).await {
        Ok(r) if (200..300).contains(&r.status) => {
            let inactive = r
                .json()
                .ok()
                .and_then(|b| b.get("active").cloned())
                .is_some_and(|a| a == Value::Bool(false) || as_text(&a) == "false");
            if ctx.delete_deactivates && path.starts_with("Users/") && inactive {
                ReadBack::Deactivated
            } else {
                ReadBack::StillThere { status: r.status }
            }
        }
        Ok(r) if r.status < 500 => ReadBack::Gone,
        Ok(r) => ReadBack::Unknown(format!("GET answered {}", r.status)),
        Err(e) => ReadBack::Unknown(ctx.redactor.scrub(&e.to_string())),
    }
}

/// Sends a request of the harness's own, again after a transport error or a 5xx answer
/// ([`TRIES`] in all, waiting a little longer each time): the first answer below 500, or the
/// last answer or error.
async fn send_retried(ctx: &Context, request: &Request) -> Result<Response, TransportError> {
    let mut attempt = 0;
    loop {
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await;
        }
        attempt += 1;
        let result = ctx.send_own("cleanup", Phase::Cleanup, request).await;
        let transient = match &result {
            Ok(r) => r.status >= 500,
            Err(_) => true,
        };
        if !transient || attempt >= TRIES {
            return result;
        }
    }
}

/// Reads back a resource whose DELETE a step sent (and that answered 2xx); deletes it again
/// (verified) when it is still there. `Ok` when it is gone.
pub async fn verify_deleted(ctx: &Context, path: &str) -> Result<(), String> {
    if read_back(ctx, path).await.gone() {
        return Ok(());
    }
    delete(ctx, path).await
}

/// Deletes one created resource; `Ok` on 404, or on 2xx once a GET of it no longer finds it
/// ([`read_back`]). Transport errors and 5xx are retried (3 tries in all), other answers are
/// final. The error is secret-free.
pub async fn delete(ctx: &Context, path: &str) -> Result<(), String> {
    let url = ctx.target.url(path, &[]).map_err(|e| e.to_string())?;
    if url.path() != format!("{}{path}", ctx.target.base.path()) {
        return Err(format!(
            "refused: `{path}` does not address one resource under the target"
        ));
    }
    let bearer = ctx
        .target
        .bearer(&ctx.client)
        .await
        .map_err(|e| ctx.redactor.scrub(&e.to_string()))?;
    match send_retried(ctx, &Request::bare("DELETE", url, bearer)).await {
        Ok(r) if r.status == 404 => Ok(()),
        Ok(r) if (200..300).contains(&r.status) => {
            let back = read_back(ctx, path).await;
            if back.gone() {
                Ok(())
            } else {
                Err(back.why(r.status))
            }
        }
        Ok(r) => Err(ctx
            .redactor
            .scrub(&format!("DELETE answered {}", r.summary(200)))),
        Err(e) => Err(ctx.redactor.scrub(&e.to_string())),
    }
}
