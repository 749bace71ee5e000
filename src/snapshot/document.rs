//! The snapshot document of a trial: its scenario exchanges (not cleanup), each with the request
//! line and body, status, the headers that matter and the response body, all normalized — so
//! baselines of the two dialects differ where the requests do.

use serde_json::{json, Map, Value};
use url::Url;

use super::normalize::{Normalizer, HEADERS};
use crate::core::naming::RunId;
use crate::core::secret::Redactor;
use crate::core::text::trim;
use crate::outcome::{Phase, TrialOutcome};
use crate::suite::template::as_text;

/// The normalized snapshot value of a trial.
pub fn document(outcome: &TrialOutcome, run_id: &RunId, base: &Url, redactor: &Redactor) -> Value {
    let captured: Vec<(String, String)> = outcome
        .captured
        .iter()
        .map(|(k, v)| (k.clone(), as_text(v)))
        .collect();
    let n = Normalizer::new(captured, run_id, base, redactor);
    let exchanges: Vec<Value> = outcome
        .exchanges
        .iter()
        .filter(|x| x.phase == Phase::Step)
        .map(|x| {
            let mut e = Map::new();
            e.insert("step".into(), json!(x.step_name));
            e.insert(
                "request".into(),
                json!(format!(
                    "{} {}",
                    x.request.method,
                    n.text(&request_target(&x.request.url, base))
                )),
            );
            if let Some(b) = x.request.body.as_deref().filter(|b| !b.is_empty()) {
                e.insert("request_body".into(), body(&n, b));
            }
            match &x.response {
                Ok(r) => {
                    e.insert("status".into(), json!(r.status));
                    let mut h = Map::new();
                    for name in HEADERS {
                        if let Some(v) = r.header(name) {
                            let v = if *name == "etag" {
                                "[version]".to_string()
                            } else {
                                n.text(v)
                            };
                            h.insert((*name).into(), json!(v));
                        }
                    }
                    if !h.is_empty() {
                        e.insert("headers".into(), Value::Object(h));
                    }
                    let mut body = if r.body.is_empty() {
                        Value::Null
                    } else {
                        body(&n, &r.body)
                    };
                    if unfiltered_listing(&x.request.method, &x.request.url) {
                        opaque_listing(&mut body);
                    }
                    e.insert("body".into(), body);
                }
                Err(err) => {
                    e.insert("error".into(), json!(n.text(&err.to_string())));
                }
            }
            Value::Object(e)
        })
        .collect();
    json!({ "trial": outcome.name, "exchanges": exchanges })
}

/// A GET of a whole collection (no `filter`): its page holds whatever else lives on the
/// server (other trials' users, the tenant's own), so only its shape is recorded.
fn unfiltered_listing(method: &str, url: &str) -> bool {
    method == "GET"
        && Url::parse(url).is_ok_and(|u| {
            let last = u
                .path_segments()
                .and_then(|mut s| s.next_back())
                .unwrap_or("");
            (last.eq_ignore_ascii_case("Users") || last.eq_ignore_ascii_case("Groups"))
                && !u
                    .query_pairs()
                    .any(|(k, _)| k.eq_ignore_ascii_case("filter"))
        })
}

/// Replaces the listed resources with `"[resources]"`, and `totalResults` and `itemsPerPage`
/// with placeholders (how many depends on the rest of the server).
fn opaque_listing(body: &mut Value) {
    let Value::Object(m) = body else {
        return;
    };
    for (key, placeholder) in [
        ("Resources", "[resources]"),
        ("totalResults", "[total]"),
        ("itemsPerPage", "[count]"),
    ] {
        if let Some(v) = m.get_mut(key) {
            *v = json!(placeholder);
        }
    }
}

/// A request or response body, normalized: JSON normalized as a value, other text trimmed to
/// one line.
fn body(n: &Normalizer, text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => n.value(&v),
        Err(_) => json!(n.text(&trim(text, 2000).replace('\n', " "))),
    }
}

/// The request path relative to the target, with the query decoded for reading
/// (`Users?filter=userName eq "..."`).
fn request_target(url: &str, base: &Url) -> String {
    let Ok(url) = Url::parse(url) else {
        return url.to_string();
    };
    let path = url.path().strip_prefix(base.path()).unwrap_or(url.path());
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned();
    match url.query() {
        None => path,
        Some(_) => {
            let q: Vec<String> = url.query_pairs().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{path}?{}", q.join("&"))
        }
    }
}

/// The snapshot name (without `.snap`): `<suite>__<entry>[__<dialect>]`.
pub fn name(suite: &str, entry: &str, dialect: Option<&str>) -> String {
    match dialect {
        Some(d) => format!("{suite}__{entry}__{d}"),
        None => format!("{suite}__{entry}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_targets_are_relative_and_decoded() {
        let b = Url::parse("http://127.0.0.1:4000/scim/").unwrap();
        let u = "http://127.0.0.1:4000/scim/Users?filter=userName+eq+%22a%2Bb%22&excludedAttributes=members";
        assert_eq!(
            request_target(u, &b),
            "Users?filter=userName eq \"a+b\"&excludedAttributes=members"
        );
    }

    #[test]
    fn unfiltered_listings_keep_only_their_shape() {
        assert!(unfiltered_listing(
            "GET",
            "http://h/scim/Users?startIndex=1&count=5"
        ));
        assert!(unfiltered_listing("GET", "http://h/scim/Groups"));
        assert!(!unfiltered_listing(
            "GET",
            "http://h/scim/Users?filter=userName+eq+%22a%22"
        ));
        assert!(!unfiltered_listing("GET", "http://h/scim/Users/abc"));
        assert!(!unfiltered_listing("POST", "http://h/scim/Users"));
        let mut b = json!({"totalResults": 40, "Resources": [{"id": "a"}], "startIndex": 1, "itemsPerPage": 1});
        opaque_listing(&mut b);
        assert_eq!(
            b,
            json!({"totalResults": "[total]", "Resources": "[resources]", "startIndex": 1, "itemsPerPage": "[count]"})
        );
    }

    #[test]
    fn names() {
        assert_eq!(name("users", "create", None), "users__create");
        assert_eq!(
            name("groups", "rename", Some("legacy")),
            "groups__rename__legacy"
        );
    }
}
