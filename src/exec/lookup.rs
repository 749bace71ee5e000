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
    /// Its id.
    pub id: String,
    /// Its userName or displayName.
    pub name: String,
}

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

/// Lists the resources of `collection` whose `attr` starts with `prefix`: asks the server with an `sw` filter, falls back to paging through
/// everything when the filter is refused, and checks every name itself either way.
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
    let mut use_filter = true;
    let mut start = 1usize;
    for _page in 0..1000 {
        let mut query = Vec::new();
        if use_filter {
            query.push(("filter".to_string(), filter.clone()));
        }
        query.push(("startIndex".to_string(), start.to_string()));
        query.push(("count".to_string(), "100".to_string()));
        let url = target
            .url(collection, &query)
            .map_err(|e| fail(e.to_string()))?;
        let bearer = target
            .bearer(client)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let req = Request {
            method: "GET".into(),
            url,
            headers: Vec::new(),
            body: None,
            bearer,
        };
        let resp = client.send(&req).await.map_err(|e| fail(e.to_string()))?;
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
            if name.starts_with(prefix)
                && addressable(&id)
                && !out.iter().any(|l: &Leftover| l.id == id)
            {
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
    Err(fail("more than 1000 pages; stopped".into()))
}
