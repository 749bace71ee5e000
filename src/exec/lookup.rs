//! Finding resources by the harness's naming prefix: used to recover a create that got no answer,
//! and by `scim-conformance cleanup` for leftovers of aborted runs.

use serde_json::Value;

use crate::http::{Request, ScimClient, Target};
use crate::suite::template::as_text;

/// One resource found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// `Users` or `Groups`.
    pub collection: &'static str,
    /// Its id (empty when the listing gave none; see [`Leftover::addressable`]).
    pub id: String,
    /// Its userName or displayName.
    pub name: String,
}

impl Leftover {
    /// Whether it can be addressed by its id (see [`addressable`]); one that cannot is listed
    /// by name and never guessed at.
    pub fn addressable(&self) -> bool {
        addressable(&self.id)
    }
}

/// The page sizes a listing tries, in order: a listing that fails (5xx, no answer) is asked
/// again for the same page with the next smaller `count`.
pub const PAGE_SIZES: [usize; 3] = [100, 20, 1];

/// At most this many pages are asked for one listing: enough for the largest tenant `simulate`
/// creates (a million users) at 20 per page, with room to spare; a bound against a server that
/// pages forever.
pub const MAX_PAGES: usize = 60_000;

/// Why a lookup failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("GET {collection}: {why}")]
pub struct LookupError {
    /// The collection asked.
    pub collection: &'static str,
    /// What went wrong (secrets not yet scrubbed: scrub before showing).
    pub why: String,
}

/// Whether an id can be put in a URL path segment without addressing something else (`.` and
/// `..` are resolved away by URL joining, and an empty id would address the collection).
pub fn addressable(id: &str) -> bool {
    !matches!(id.trim(), "" | "." | "..")
}

/// Lists the resources of `collection` whose `attr` starts with `prefix`: asks the server with
/// an `sw` filter, falls back to paging through everything when the filter is refused, and
/// checks every name itself either way. A page that fails is asked again with a smaller
/// `count` ([`PAGE_SIZES`]). Resources without a usable id are returned too (see
/// [`Leftover::addressable`]), once per name.
pub async fn find(
    client: &ScimClient,
    target: &Target,
    collection: &'static str,
    attr: &str,
    prefix: &str,
) -> Result<Vec<Leftover>, LookupError> {
    let fail = |why: String| LookupError { collection, why };
    let filter = format!("{attr} sw \"{prefix}\"");
    let mut out = Vec::new();
    // What is already listed (ids; names of resources without a usable id), so that paging a
    // large tenant stays linear.
    let mut seen_ids = std::collections::HashSet::new();
    let mut seen_names = std::collections::HashSet::new();
    let mut use_filter = true;
    let mut start = 1usize;
    let mut size = 0usize;
    for _page in 0..MAX_PAGES {
        let mut query = Vec::new();
        if use_filter {
            query.push(("filter".to_string(), filter.clone()));
        }
        query.push(("startIndex".to_string(), start.to_string()));
        query.push(("count".to_string(), PAGE_SIZES[size].to_string()));
        let url = target
            .url(collection, &query)
            .map_err(|e| fail(e.to_string()))?;
        let bearer = target
            .bearer(client)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let req = Request::bare("GET", url, bearer);
        let resp = match client.send(&req).await {
            Ok(r) if r.status < 500 => r,
            failed => {
                let why = match failed {
                    Ok(r) => format!("answered {}", r.summary(300)),
                    Err(e) => e.to_string(),
                };
                if size + 1 < PAGE_SIZES.len() {
                    size += 1;
                    continue;
                }
                return Err(fail(format!("{why} (also with count=1)")));
            }
        };
        if use_filter && (resp.status == 400 || resp.status == 501) {
            use_filter = false;
            start = 1;
            continue;
        }
        if resp.status == 404 && collection == "Groups" {
            return Ok(out);
        }
        if resp.status != 200 {
            return Err(fail(format!("answered {}", resp.summary(300))));
        }
        let body = resp.json().map_err(fail)?;
        let items = body
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for r in &items {
            let name = r.get(attr).map(as_text).unwrap_or_default();
            let id = r.get("id").map(as_text).unwrap_or_default();
            if !name.starts_with(prefix) {
                continue;
            }
            let new = if addressable(&id) {
                seen_ids.insert(id.clone())
            } else {
                seen_names.insert(name.clone())
            };
            if new {
                out.push(Leftover {
                    collection,
                    id,
                    name,
                });
            }
        }
        let total = body
            .get("totalResults")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        start += items.len();
        if items.is_empty() || start > total {
            return Ok(out);
        }
    }
    Err(fail(format!("more than {MAX_PAGES} pages; stopped")))
}
