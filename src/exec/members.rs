//! Verifying group membership the way the endpoint allows. Entra never reads members back, and
//! Microsoft says returning them isn't necessary, so an endpoint that leaves `members` out of
//! `GET /Groups/{id}` is not at fault: the harness asks it by filter instead
//! (`id eq "<group>" and members[value eq "<user>"]`), and when it supports neither, the check
//! is reported as not verifiable rather than failed.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use std::future::Future;

use crate::http::Response;
use crate::suite::load::CheckedMembers;
use crate::suite::template::as_text;

/// What the membership check needs from the trial it runs in.
pub(super) trait Ask {
    /// A template rendered with the trial's variables (a template naming a list variable, such
    /// as `{{batch_ids}}`, gives every id in it).
    fn render_ids(&self, template: &str) -> Vec<String>;
    /// A GET the harness makes on its own, recorded with the trial; `None` without an answer.
    fn get(
        &mut self,
        rel: &str,
        query: Vec<(String, String)>,
        what: &str,
    ) -> impl Future<Output = Option<Response>>;
}

/// How the membership could be read.
pub(super) enum Verdict {
    /// From the group as returned by GET.
    AsReturned,
    /// GET returns no members: read by filter; the body to check instead, and a note.
    ByFilter(Value, String),
    /// GET returns members that differ from what the filter confirms: the GET is incomplete
    /// (a warning), the membership itself is right.
    GetIncomplete(String),
    /// Neither GET nor a filter tells: why.
    Unverifiable(String),
}

/// Reads the membership of `m.group` for the ids the check names.
pub(super) async fn verify(run: &mut impl Ask, m: &CheckedMembers, response: &Response) -> Verdict {
    let group = run.render_ids(&m.group).join("");
    let exactly: Option<Vec<String>> = m
        .exactly
        .as_ref()
        .map(|ids| ids.iter().flat_map(|i| run.render_ids(i)).collect());
    let absent: Vec<String> = m.absent.iter().flat_map(|i| run.render_ids(i)).collect();
    let consistent = |have: &BTreeSet<String>| {
        exactly
            .as_ref()
            .is_none_or(|ex| ex.iter().cloned().collect::<BTreeSet<_>>() == *have)
            && absent.iter().all(|a| !have.contains(a))
    };
    let asked: Vec<String> = exactly
        .iter()
        .flatten()
        .chain(absent.iter())
        .cloned()
        .collect();
    let returned = response
        .json()
        .ok()
        .and_then(|b| b.get("members").cloned())
        .filter(|m| !m.is_null());
    match returned {
        Some(Value::Array(items)) => {
            let have: BTreeSet<String> = items
                .iter()
                .filter_map(|i| i.get("value").map(as_text))
                .collect();
            if consistent(&have) {
                return Verdict::AsReturned;
            }
            match by_filter(run, &group, &asked).await {
                Ok(found) if consistent(&found.iter().cloned().collect()) => {
                    Verdict::GetIncomplete(format!(
                        "the filter `id eq \"{group}\" and members[value eq \"...\"]` confirms the expected membership: GET /Groups/{group} returns incomplete members (Entra never reads them back; Microsoft's gallery validation does, and waits up to 60 minutes for them)"
                    ))
                }
                _ => Verdict::AsReturned,
            }
        }
        _ => match by_filter(run, &group, &asked).await {
            Ok(found) => Verdict::ByFilter(
                json!({ "members": found.iter().map(|v| json!({"value": v})).collect::<Vec<_>>() }),
                format!(
                    "GET /Groups/{group} returns no members; membership read by the filter `id eq \"{group}\" and members[value eq \"...\"]`"
                ),
            ),
            Err(why) => Verdict::Unverifiable(format!(
                "GET /Groups/{group} returns no members, and {why}"
            )),
        },
    }
}

/// The ids among `ids` the endpoint says are members of `group`, asked one by one by filter.
async fn by_filter(run: &mut impl Ask, group: &str, ids: &[String]) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    for id in ids {
        let filter = format!(
            "id eq \"{}\" and members[value eq \"{}\"]",
            escape(group),
            escape(id)
        );
        let query = vec![
            ("excludedAttributes".to_string(), "members".to_string()),
            ("filter".to_string(), filter.clone()),
        ];
        let Some(r) = run.get("Groups", query, "members by filter").await else {
            return Err(format!("the filter `{filter}` got no answer"));
        };
        let total = r
            .json()
            .ok()
            .and_then(|b| b.get("totalResults").and_then(Value::as_u64));
        match (r.status, total) {
            (200, Some(1)) => found.push(id.clone()),
            (200, Some(0)) => {}
            (status, _) => {
                return Err(format!(
                    "the filter `{filter}` answered {status} {}",
                    crate::http::client::reason(status)
                ))
            }
        }
    }
    Ok(found)
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
