//! Every exchange of the run as an HTTP Archive (HAR 1.2), which browser devtools open (drop
//! the file on the Network panel). One page per trial; each entry names its trial and step in
//! `comment`, and one page more holds the harness's own requests (the preflight, every cleanup
//! DELETE and the read-back that verifies it). Requests and responses are the recorded ones,
//! so every secret is already redacted (`Authorization: Bearer ***`). Each entry starts when
//! its request was first sent (the run's start for a request that got no answer, whose start
//! is not kept), and `time` is the measured duration of the exchange.

use serde_json::{json, Value};

use super::view;
use crate::http::client::reason;
use crate::outcome::{Exchange, RunSummary};

/// The page of the harness's own requests.
const HARNESS_PAGE: &str = "preflight and cleanup";

fn headers(h: &[(String, String)]) -> Vec<Value> {
    h.iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect()
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn query(url: &str) -> Vec<Value> {
    url::Url::parse(url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| json!({"name": k, "value": v}))
                .collect()
        })
        .unwrap_or_default()
}

fn entry(x: &Exchange, trial: &str, started: &str) -> Value {
    let mut request = json!({
        "method": x.request.method,
        "url": x.request.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(&x.request.headers),
        "queryString": query(&x.request.url),
        "headersSize": -1,
        "bodySize": x.request.body.as_ref().map(|b| b.len() as i64).unwrap_or(0),
    });
    if let Some(body) = &x.request.body {
        request["postData"] = json!({
            "mimeType": header(&x.request.headers, "content-type").unwrap_or("application/octet-stream"),
            "text": body,
        });
    }
    let (response, time, error) = match &x.response {
        Ok(r) => (
            json!({
                "status": r.status,
                "statusText": reason(r.status),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": headers(&r.headers),
                "content": {
                    "size": r.body.len(),
                    "mimeType": r.header("content-type").unwrap_or(""),
                    "text": r.body,
                },
                "redirectURL": r.header("location").unwrap_or(""),
                "headersSize": -1,
                "bodySize": r.body.len(),
            }),
            r.elapsed.as_secs_f64() * 1000.0,
            None,
        ),
        Err(e) => (
            json!({
                "status": 0,
                "statusText": "",
                "httpVersion": "",
                "cookies": [],
                "headers": [],
                "content": {"size": 0, "mimeType": ""},
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": -1,
                "_error": e.to_string(),
            }),
            0.0,
            Some(e.to_string()),
        ),
    };
    let started = match &x.response {
        Ok(r) => r.sent_at.map(view::rfc3339),
        Err(_) => None,
    }
    .unwrap_or_else(|| started.to_string());
    let mut e = json!({
        "pageref": trial,
        "startedDateTime": started,
        "time": time,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": time, "receive": 0},
        "comment": format!("{trial} › {}", x.step_name),
    });
    if let Some(err) = error {
        e["_error"] = json!(err);
    }
    e
}

/// The HAR document of a run.
pub fn value(run: &RunSummary) -> Value {
    let started = view::rfc3339(run.started);
    let mut pages = Vec::new();
    let mut entries = Vec::new();
    for t in run.trials.iter().filter(|t| !t.exchanges.is_empty()) {
        pages.push(json!({
            "startedDateTime": started,
            "id": t.name,
            "title": format!("{} ({})", t.name, t.verdict.name()),
            "pageTimings": {"onContentLoad": -1, "onLoad": -1},
        }));
        entries.extend(t.exchanges.iter().map(|x| entry(x, &t.name, &started)));
    }
    if !run.harness.is_empty() {
        pages.push(json!({
            "startedDateTime": started,
            "id": HARNESS_PAGE,
            "title": "the harness's own requests: the preflight and the cleanup",
            "pageTimings": {"onContentLoad": -1, "onLoad": -1},
        }));
        entries.extend(run.harness.iter().map(|x| entry(x, HARNESS_PAGE, &started)));
    }
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "scim-conformance", "version": run.version},
            "comment": format!("scim-conformance run {}; secrets redacted", run.run_id),
            "pages": pages,
            "entries": entries,
        }
    })
}

/// The HAR text of a run.
pub fn render(run: &RunSummary) -> String {
    let mut s = serde_json::to_string_pretty(&value(run)).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn every_exchange_is_an_entry() {
        let run = sample::run();
        let har = value(&run);
        let entries = har["log"]["entries"].as_array().unwrap();
        let n: usize = run.trials.iter().map(|t| t.exchanges.len()).sum();
        assert_eq!(entries.len(), n);
        assert_eq!(har["log"]["version"], "1.2");
        let patch = entries
            .iter()
            .find(|e| e["request"]["method"] == "PATCH")
            .unwrap();
        assert!(patch["request"]["postData"]["text"]
            .as_str()
            .unwrap()
            .contains("\"False\""));
        assert_eq!(patch["response"]["status"], 400);
        assert_eq!(patch["response"]["statusText"], "Bad Request");
        let failed = entries
            .iter()
            .find(|e| e["response"]["status"] == 0)
            .unwrap();
        assert!(failed["_error"].as_str().unwrap().contains("timed out"));
        let pages: Vec<&str> = har["log"]["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert!(entries
            .iter()
            .all(|e| pages.contains(&e["pageref"].as_str().unwrap())));
    }

    #[test]
    fn the_harness_requests_have_a_page_and_each_entry_its_start() {
        let mut run = sample::run();
        let mut delete = run.trials[0].exchanges[0].clone();
        delete.phase = crate::outcome::Phase::Cleanup;
        delete.step_name = "cleanup".into();
        let sent = run.started + std::time::Duration::from_millis(1_500);
        if let Ok(r) = &mut delete.response {
            r.sent_at = Some(sent);
        }
        run.harness = vec![delete];
        let har = value(&run);
        let entries = har["log"]["entries"].as_array().unwrap();
        let last = entries.last().unwrap();
        assert_eq!(last["pageref"], HARNESS_PAGE);
        assert_eq!(last["startedDateTime"], view::rfc3339(sent));
        assert!(har["log"]["pages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == HARNESS_PAGE));
        let first = &entries[0];
        assert_eq!(first["startedDateTime"], view::rfc3339(run.started));
    }
}
