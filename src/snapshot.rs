//! Per-vendor snapshots of what the endpoint answered: each trial's exchanges, normalized so the
//! same endpoint gives byte-identical snapshots run after run, recorded and compared with insta
//! at `snapshots/<vendor>/<suite>__<entry>[__<dialect>].snap`.
//!
//! Every normalization is listed in [`NORMALIZATIONS`], in the order applied, and each has a
//! before/after unit test below. Secrets are scrubbed last, from the serialized text.

use std::path::Path;

use serde_json::{json, Map, Value};
use url::Url;

use crate::cli::SnapshotMode;
use crate::exec::TrialOutcome;
use crate::secret::Redactor;
use crate::suite::template::as_text;

/// The normalizations, in the order they are applied.
pub const NORMALIZATIONS: &[(&str, &str)] = &[
    (
        "secrets",
        "the token, client secret and access tokens become *** (first, and again over the whole text)",
    ),
    (
        "captured values",
        "a value captured from a response (an id...) becomes [<variable name>]",
    ),
    ("run tag", "scimconf-<run id>-<n> becomes [tag]"),
    ("guids", "any GUID becomes [guid]"),
    (
        "base URL",
        "the target URL becomes [base]/ (in Location headers and meta.location)",
    ),
    (
        "timestamps",
        "meta.created and meta.lastModified become [timestamp]",
    ),
    (
        "versions",
        "meta.version and the ETag header become [version]",
    ),
    (
        "other ids",
        "an `id` not captured by the suite becomes [id]",
    ),
    (
        "unordered arrays",
        "members, roles, emails, phoneNumbers, addresses and schemas are sorted",
    ),
];

/// Headers worth recording (names lower-case).
const HEADERS: &[&str] = &["content-type", "location", "etag", "www-authenticate"];
/// Multi-valued attributes whose order carries no meaning.
const UNORDERED: &[&str] = &[
    "members",
    "roles",
    "emails",
    "phoneNumbers",
    "addresses",
    "schemas",
];

/// What a normalization pass needs to know about the trial.
pub struct Normalizer<'a> {
    /// Captured values (name, value), longest value first.
    captured: Vec<(String, String)>,
    /// The run id.
    run_id: &'a str,
    /// The target base URL (ends with `/`).
    base: &'a Url,
    /// Secrets, scrubbed before any other rule can rewrite them out of recognition.
    redactor: &'a Redactor,
}

impl<'a> Normalizer<'a> {
    /// A normalizer for one trial.
    pub fn new(
        captured: Vec<(String, String)>,
        run_id: &'a str,
        base: &'a Url,
        redactor: &'a Redactor,
    ) -> Self {
        let mut captured: Vec<(String, String)> = captured
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        captured.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        Normalizer {
            captured,
            run_id,
            base,
            redactor,
        }
    }

    /// Normalizes one string (the first four normalizations).
    pub fn text(&self, s: &str) -> String {
        let mut out = self.redactor.scrub(s);
        for (name, value) in &self.captured {
            if value.len() >= 6 {
                out = out.replace(value.as_str(), &format!("[{name}]"));
            } else if out == *value {
                out = format!("[{name}]");
            }
        }
        out = replace_tags(&out, self.run_id);
        out = replace_guids(&out);
        let base = self.base.as_str();
        out.replace(base, "[base]/")
            .replace(base.trim_end_matches('/'), "[base]")
    }

    /// Normalizes a JSON value: strings, then the structural normalizations.
    pub fn value(&self, v: &Value) -> Value {
        let mut v = self.strings(v);
        structural(&mut v, None);
        v
    }

    fn strings(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.strings(x)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (self.text(k), self.strings(x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// Timestamps, versions, remaining ids, unordered arrays.
fn structural(v: &mut Value, key: Option<&str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if key == Some("meta")
                    && matches!(k.as_str(), "created" | "lastModified")
                    && x.is_string()
                {
                    *x = json!("[timestamp]");
                } else if key == Some("meta") && k == "version" && x.is_string() {
                    *x = json!("[version]");
                } else if k == "id" && x.as_str().is_some_and(|s| !s.starts_with('[')) {
                    *x = json!("[id]");
                } else {
                    structural(x, Some(k));
                }
            }
        }
        Value::Array(items) => {
            for x in items.iter_mut() {
                structural(x, None);
            }
            if key.is_some_and(|k| UNORDERED.contains(&k)) {
                items.sort_by_key(|x| x.to_string());
            }
        }
        _ => {}
    }
}

fn replace_tags(s: &str, run_id: &str) -> String {
    // ASCII case-insensitive (a filter may upper-case the tag); ASCII lower-casing keeps byte
    // offsets, so positions found in `lower` index `s` too.
    let prefix = format!("scimconf-{}-", run_id.to_ascii_lowercase());
    let lower = s.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    while let Some(i) = lower[at..].find(&prefix).map(|i| i + at) {
        out.push_str(&s[at..i]);
        let found = &s[i..i + prefix.len()];
        out.push_str(if found.starts_with("SCIMCONF") {
            "[TAG]"
        } else {
            "[tag]"
        });
        let after = i + prefix.len();
        at = after + s[after..].chars().take_while(char::is_ascii_digit).count();
    }
    out.push_str(&s[at..]);
    out
}

fn replace_guids(s: &str) -> String {
    // 8-4-4-4-12 hex digits
    let bytes = s.as_bytes();
    let shape = [8usize, 4, 4, 4, 12];
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    'scan: while i < bytes.len() {
        let mut j = i;
        for (n, len) in shape.iter().enumerate() {
            if j + len > bytes.len() || !bytes[j..j + len].iter().all(u8::is_ascii_hexdigit) {
                break;
            }
            j += len;
            if n < 4 {
                if bytes.get(j) != Some(&b'-') {
                    break;
                }
                j += 1;
            } else {
                out.push_str("[guid]");
                i = j;
                continue 'scan;
            }
        }
        let ch = s[i..].chars().next().unwrap_or_default();
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

/// The normalized snapshot value of a trial: its exchanges (not cleanup), each with the request
/// line, status, the headers that matter and the response body.
pub fn document(outcome: &TrialOutcome, run_id: &str, base: &Url, redactor: &Redactor) -> Value {
    let captured: Vec<(String, String)> = outcome
        .captured
        .iter()
        .map(|(k, v)| (k.clone(), as_text(v)))
        .collect();
    let n = Normalizer::new(captured, run_id, base, redactor);
    let exchanges: Vec<Value> = outcome
        .exchanges
        .iter()
        .filter(|x| x.step.is_some())
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
            match &x.result {
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
                    let body = if r.body.is_empty() {
                        Value::Null
                    } else {
                        match r.json() {
                            Ok(b) => n.value(b),
                            Err(_) => json!(n.text(&r.preview(2000))),
                        }
                    };
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

/// The request path relative to the target, with the query decoded for reading
/// (`Users?filter=userName eq "..."`).
fn request_target(url: &Url, base: &Url) -> String {
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

/// The snapshot file name (without `.snap`): `<suite>__<entry>[__<dialect>]`.
pub fn name(suite: &str, entry: &str, dialect: Option<&str>) -> String {
    match dialect {
        Some(d) => format!("{suite}__{entry}__{d}"),
        None => format!("{suite}__{entry}"),
    }
}

/// Compares (or records) one snapshot. `Err` carries insta's verdict and how to accept it.
pub fn check(
    mode: SnapshotMode,
    root: &Path,
    vendor: &str,
    name: &str,
    value: &Value,
    redactor: &Redactor,
) -> Result<(), String> {
    if mode == SnapshotMode::Off {
        return Ok(());
    }
    // Secrets are scrubbed from the text, whatever the normalizations did.
    let scrubbed: Value =
        serde_json::from_str(&redactor.scrub(&value.to_string())).unwrap_or_else(|_| value.clone());
    let mut settings = insta::Settings::clone_current();
    let dir = root.join(vendor);
    settings.set_snapshot_path(&dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!("scim-conformance snapshot: {vendor} {name}"));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_json_snapshot!(name, scrubbed));
    }));
    result.map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "snapshot assertion failed".into());
        format!(
            "snapshot {}/{name}.snap differs from what the endpoint answered ({msg}; the diff is printed above).\n  \
             accept it: `cargo insta review` (or `cargo insta accept`), or re-run with `--snapshots record`;\n  \
             skip snapshots for an exploratory run: `--snapshots off`",
            dir.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://127.0.0.1:4000/scim/").unwrap()
    }

    #[test]
    fn captured_values_become_their_names() {
        let b = base();
        let none = Redactor::default();
        let n = Normalizer::new(
            vec![
                ("user_id".into(), "2819c223".into()),
                ("short".into(), "42".into()),
            ],
            "r1",
            &b,
            &none,
        );
        assert_eq!(n.text("Users/2819c223"), "Users/[user_id]");
        assert_eq!(n.text("42"), "[short]");
        assert_eq!(
            n.text("v42"),
            "v42",
            "short values only replace whole strings"
        );
    }

    #[test]
    fn run_tags_and_guids_are_redacted() {
        let b = base();
        let none = Redactor::default();
        let n = Normalizer::new(vec![], "ab12cd34", &b, &none);
        assert_eq!(
            n.text("scimconf-ab12cd34-17-Ada@example.com"),
            "[tag]-Ada@example.com"
        );
        assert_eq!(
            n.text("x SCIMCONF-AB12CD34-17-ADA@EXAMPLE.COM"),
            "x [TAG]-ADA@EXAMPLE.COM"
        );
        assert_eq!(
            n.text("E-0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef!"),
            "E-[guid]!"
        );
        assert_eq!(n.text("0a21f0f2-8d2a-4f8e-bf98"), "0a21f0f2-8d2a-4f8e-bf98");
        assert_eq!(
            n.text("%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22"),
            "%22[guid]%22"
        );
    }

    #[test]
    fn request_targets_are_relative_and_decoded() {
        let b = base();
        let u = Url::parse("http://127.0.0.1:4000/scim/Users?filter=userName+eq+%22a%2Bb%22&excludedAttributes=members").unwrap();
        assert_eq!(
            request_target(&u, &b),
            "Users?filter=userName eq \"a+b\"&excludedAttributes=members"
        );
    }

    #[test]
    fn secrets_are_scrubbed_before_other_rules_can_disguise_them() {
        let b = base();
        let r = Redactor::new([crate::secret::Secret::new(
            "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef.SIG",
        )]);
        let n = Normalizer::new(vec![], "r", &b, &r);
        assert_eq!(
            n.text("Bearer 0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef.SIG"),
            "Bearer ***"
        );
    }

    #[test]
    fn base_url_is_redacted() {
        let b = base();
        let none = Redactor::default();
        let n = Normalizer::new(vec![], "r", &b, &none);
        assert_eq!(
            n.text("http://127.0.0.1:4000/scim/Users/x"),
            "[base]/Users/x"
        );
    }

    #[test]
    fn structural_normalizations() {
        let b = base();
        let none = Redactor::default();
        let n = Normalizer::new(vec![("user_id".into(), "u-123456".into())], "r", &b, &none);
        let v = n.value(&json!({
            "id": "u-123456",
            "meta": {"created": "2026-01-01T00:00:00Z", "lastModified": "x", "version": "W/\"3\"", "location": "http://127.0.0.1:4000/scim/Users/u-123456"},
            "Resources": [{"id": "other-id"}],
            "roles": [{"value": "b"}, {"value": "a"}],
            "members": [{"value": "z"}, {"value": "y"}]
        }));
        assert_eq!(
            v,
            json!({
                "id": "[user_id]",
                "meta": {"created": "[timestamp]", "lastModified": "[timestamp]", "version": "[version]", "location": "[base]/Users/[user_id]"},
                "Resources": [{"id": "[id]"}],
                "roles": [{"value": "a"}, {"value": "b"}],
                "members": [{"value": "y"}, {"value": "z"}]
            })
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
