//! Tenant safety: every creation is recorded in the ledger the moment the target answers, a
//! request that would modify something this run did not create is refused, a create that got no
//! answer is looked up by its run-unique name, and deletes only ever address one resource.

use serde_json::Value;

use super::context::Context;
use super::lookup::{addressable, find};
use crate::core::naming::is_harness_name;
use crate::http::{Request, Response};
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
    let hit = found.into_iter().find(|l| l.name == name)?;
    let path = format!("{rel}/{}", encode_segment(&hit.id));
    if !ctx.ledger.owns(&path) {
        ctx.ledger.created(&path, trial);
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
                    ctx.ledger
                        .created(&format!("{rel}/{}", encode_segment(&id)), trial);
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
        "DELETE" if ok || response.status == 404 => {
            ctx.ledger.deleted(&rel);
            None
        }
        _ => None,
    }
}

/// Deletes one created resource; `Ok` on 2xx or 404. Transport errors and 5xx are retried
/// (3 tries in all), other answers are final. The error is secret-free.
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
