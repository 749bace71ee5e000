//! Normalizing a trial's exchanges so the same endpoint gives byte-identical snapshots run after
//! run. Every normalization is listed in [`NORMALIZATIONS`], in the order applied, and each has a
//! before/after unit test below. Secrets are scrubbed first, and again over the whole text.

use std::sync::OnceLock;

use serde_json::{json, Value};
use url::Url;

use crate::core::naming::RunId;
use crate::core::secret::Redactor;

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
    ("guids", "any GUID (or a decoy's GUID less its last character) becomes [guid]"),
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
pub(crate) const HEADERS: &[&str] = &["content-type", "location", "etag", "www-authenticate"];
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
    run_id: &'a RunId,
    /// The target base URL (ends with `/`).
    base: &'a Url,
    /// Secrets, scrubbed before any other rule can rewrite them out of recognition.
    redactor: &'a Redactor,
}

impl<'a> Normalizer<'a> {
    /// A normalizer for one trial.
    pub fn new(
        captured: Vec<(String, String)>,
        run_id: &'a RunId,
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
                if out.len() >= value.len() && out.contains(value.as_str()) {
                    out = out.replace(value.as_str(), &format!("[{name}]"));
                }
            } else if out == *value {
                out = format!("[{name}]");
            }
        }
        out = self.run_id.mask_tags(&out);
        out = replace_guids(out);
        let base = self.base.as_str();
        let bare = base.trim_end_matches('/');
        if out.len() >= bare.len() && out.contains(bare) {
            out = out.replace(base, "[base]/").replace(bare, "[base]");
        }
        out
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

fn replace_guids(s: String) -> String {
    // A GUID has four hyphens in 35-36 characters: most strings cannot hold one.
    if s.len() < 35 || s.bytes().filter(|b| *b == b'-').count() < 4 {
        return s;
    }
    static GUID: OnceLock<regex_lite::Regex> = OnceLock::new();
    let re = GUID.get_or_init(|| {
        regex_lite::Regex::new(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{11,12}",
        )
        .expect("a valid regex")
    });
    re.replace_all(&s, "[guid]").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rid(s: &str) -> &'static RunId {
        Box::leak(Box::new(s.parse().unwrap()))
    }

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
            rid("r1"),
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
        let n = Normalizer::new(vec![], rid("ab12cd34"), &b, &none);
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
        assert_eq!(n.text("0a21f0f2-8d2a-4f8e-bf98-7363c4aed4e"), "[guid]");
        assert_eq!(
            n.text("%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22"),
            "%22[guid]%22"
        );
    }

    #[test]
    fn secrets_are_scrubbed_before_other_rules_can_disguise_them() {
        let b = base();
        let r = Redactor::new([crate::core::secret::Secret::new(
            "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef.SIG",
        )]);
        let n = Normalizer::new(vec![], rid("r"), &b, &r);
        assert_eq!(
            n.text("Bearer 0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef.SIG"),
            "Bearer ***"
        );
    }

    #[test]
    fn base_url_is_redacted() {
        let b = base();
        let none = Redactor::default();
        let n = Normalizer::new(vec![], rid("r"), &b, &none);
        assert_eq!(
            n.text("http://127.0.0.1:4000/scim/Users/x"),
            "[base]/Users/x"
        );
    }

    #[test]
    fn structural_normalizations() {
        let b = base();
        let none = Redactor::default();
        let n = Normalizer::new(
            vec![("user_id".into(), "u-123456".into())],
            rid("r"),
            &b,
            &none,
        );
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
}
