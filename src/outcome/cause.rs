//! Root causes as defects, not message texts: what broke is the request's shape (method,
//! resource, PATCH ops and path kinds, the body feature at fault), the class of the answer and
//! the server's own error detail. Two trials with the same [`Defect::id`] met the same defect;
//! distinct defects never share one. A catalogue kept as data (`fixtures/diagnoses.toml`) turns
//! a defect into a plain-language diagnosis and a fix.

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use super::{Exchange, Finding, RecordedRequest};

/// What broke, as data: the fields the grouping and the diagnoses read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Defect {
    /// `GET`, `POST`, `PATCH`...
    pub method: String,
    /// The resource addressed: `Users`, `Users/{id}`, `Groups/{id}`, `Schemas`...
    pub resource: String,
    /// The request's shape: `filter userName eq`, `Replace active="False"`,
    /// `Remove members[value eq]`, `body without emails[].type`.
    pub shape: String,
    /// The answer's class: `400`, `501`, or for an accepted request the check that failed
    /// (`/totalResults`, `not applied: /active`).
    pub class: String,
    /// The server's own words (`scimType` and `detail`), with ids, numbers and quoted values
    /// left out.
    pub detail: String,
    /// What the answer shows, where the harness can tell (`filter-returns-unrelated`,
    /// `filter-returns-lookalikes`, `not-applied`).
    pub symptom: Option<String>,
}

impl Defect {
    /// A stable id: the same defect gets the same id in every run (`rc-1a2b3c4d`). The shape
    /// counts without letter case, so the legacy and compliant twins of one request (`Add` and
    /// `add`, same path and value type) that meet the same answer are one defect.
    pub fn id(&self) -> String {
        // FNV-1a over the fields: stable across runs, platforms and Rust versions.
        let mut h: u32 = 0x811c_9dc5;
        let shape = self.shape.to_lowercase();
        for part in [
            &self.method,
            &self.resource,
            &shape,
            &self.class,
            &self.detail,
        ] {
            for b in part.bytes().chain([0u8]) {
                h ^= u32::from(b);
                h = h.wrapping_mul(0x0100_0193);
            }
        }
        format!("rc-{h:08x}")
    }

    /// The id of a defect a merging diagnosis names: the diagnosis, the resource type and the
    /// server's detail, whatever the request's shape.
    pub fn merged_id(&self, diagnosis: &str) -> String {
        let collection = self.resource.split('/').next().unwrap_or_default();
        Defect {
            method: format!("merge:{diagnosis}"),
            resource: collection.to_string(),
            detail: self.detail.clone(),
            ..Defect::default()
        }
        .id()
    }

    /// `PATCH Users/{id} · Replace active="False" · 400 · invalidValue: ...` in one line.
    pub fn label(&self) -> String {
        let mut parts = vec![format!("{} {}", self.method, self.resource)];
        for p in [&self.shape, &self.class, &self.detail] {
            if !p.is_empty() {
                parts.push(p.clone());
            }
        }
        parts.join(" · ")
    }
}

/// What a defect is read from: a failing finding, or the refused request that blocked a trial.
#[derive(Clone, Copy, Debug)]
pub struct Evidence<'a> {
    /// The exchange it concerns (index into the trial's exchanges).
    pub exchange: Option<usize>,
    /// The class when there is no exchange (the finding's kind: `setup`, `transport`...).
    pub kind: &'a str,
    /// The failing check's subject (`/totalResults`), or the one-line reason.
    pub subject: &'a str,
    /// The finding's notes (a refused attribute, found by adapting the body).
    pub notes: &'a [String],
    /// The failing check's expectation in words and what the answer had, when it is a check.
    pub mismatch: Option<(&'a str, &'a str)>,
}

impl<'a> From<&'a Finding> for Evidence<'a> {
    fn from(f: &'a Finding) -> Evidence<'a> {
        Evidence {
            exchange: f.exchange,
            kind: f.kind.name(),
            subject: &f.summary,
            notes: &f.notes,
            mismatch: f.expected.as_deref().zip(f.actual.as_deref()),
        }
    }
}

/// The defect behind a failure: its exchange's request shape and answer class. An accepted
/// PATCH, PUT or DELETE whose read-back disagrees is that change's defect (`not applied`), with
/// the change as the subject; it comes back too, as sent (`sent:`).
pub fn defect(evidence: Evidence<'_>, exchanges: &[Exchange]) -> (Defect, Option<String>) {
    let Some(index) = evidence.exchange else {
        let d = Defect {
            class: evidence.kind.into(),
            detail: normalize(evidence.subject),
            ..Defect::default()
        };
        return (d, None);
    };
    let Some(ex) = exchanges.get(index) else {
        return (Defect::default(), None);
    };
    let status = ex.response.as_ref().map(|r| r.status).ok();
    let accepted = status.is_some_and(|s| (200..300).contains(&s));
    let ignored = if accepted && ex.request.method == "GET" {
        ignored_change(index, exchanges)
    } else {
        None
    };
    let subject = ignored.unwrap_or(ex);
    let mut d = Defect {
        method: subject.request.method.clone(),
        resource: resource(&subject.request.url),
        shape: shape(&subject.request),
        ..Defect::default()
    };
    match &ex.response {
        Err(e) => d.class = format!("transport: {}", normalize(&e.to_string())),
        Ok(r) if !accepted => {
            d.class = r.status.to_string();
            d.detail = normalize(&error_detail(&r.body, 80));
        }
        Ok(r) => {
            d.class = match ignored {
                Some(_) => format!("accepted, not applied: {}", evidence.subject),
                None => evidence.subject.to_string(),
            };
            d.symptom = match ignored {
                _ if evidence.mismatch.is_some_and(|(e, a)| transformed(e, a)) => {
                    Some("value-transformed".into())
                }
                _ if evidence
                    .mismatch
                    .is_some_and(|(e, a)| boolean_as_string(e, a)) =>
                {
                    Some("boolean-as-string".into())
                }
                Some(_) => Some("not-applied".into()),
                None => filter_symptom(&ex.request, &r.body),
            };
        }
    }
    if let Some(feature) = evidence
        .notes
        .iter()
        .find_map(|n| n.strip_prefix(REFUSES_PREFIX))
    {
        d.shape = format!("{} refusing {feature}", d.shape).trim().to_string();
        d.symptom = Some(format!("refuses:{feature}"));
    }
    (d, ignored.map(sent_line))
}

/// Whether a failed `equals "x"` check read back x in another letter case or with other
/// surrounding whitespace: the value was stored, transformed.
/// A round trip's `target: sent "X", got "x"; ...` counts when every difference is such.
fn transformed(expected: &str, actual: &str) -> bool {
    let folded = |want: &str, got: &str| match (
        serde_json::from_str::<Value>(want.trim()),
        serde_json::from_str::<Value>(got.trim()),
    ) {
        (Ok(Value::String(w)), Ok(Value::String(g))) => {
            w != g && w.trim().to_lowercase() == g.trim().to_lowercase()
        }
        _ => false,
    };
    if expected.contains("reads back every") {
        return !actual.is_empty()
            && actual.split("; ").all(|part| {
                part.split_once(": sent ")
                    .and_then(|(_, rest)| rest.split_once(", got "))
                    .is_some_and(|(w, g)| folded(w, g))
            });
    }
    expected
        .rsplit_once(" equals ")
        .is_some_and(|(_, want)| folded(want, actual))
}

/// Whether a failed `equals true|false` check read back the same boolean as a string
/// (`"False"`): stored, but in the wrong JSON type.
fn boolean_as_string(expected: &str, actual: &str) -> bool {
    let Some((_, want)) = expected.rsplit_once(" equals ") else {
        return false;
    };
    match (
        serde_json::from_str::<Value>(want),
        serde_json::from_str::<Value>(actual),
    ) {
        (Ok(Value::Bool(w)), Ok(Value::String(g))) => g.eq_ignore_ascii_case(&w.to_string()),
        _ => false,
    }
}

/// A note on a refused create that names the attribute the endpoint refuses (found by
/// adapting the body).
pub const REFUSES_PREFIX: &str = "refuses: ";

/// The mutating request a read-back at `index` checks: the last PATCH, PUT or DELETE to the
/// same resource before it, answered 2xx.
fn ignored_change(index: usize, exchanges: &[Exchange]) -> Option<&Exchange> {
    let read = &exchanges[index];
    let target = read.request.url.split('?').next().unwrap_or_default();
    exchanges[..index].iter().rev().find(|e| {
        matches!(e.request.method.as_str(), "PATCH" | "PUT" | "DELETE")
            && e.request.url.split('?').next() == Some(target)
            && e.response
                .as_ref()
                .is_ok_and(|r| (200..300).contains(&r.status))
    })
}

/// `PATCH <url> <body> (answered 204)`: a change as sent, for `sent:`.
fn sent_line(e: &Exchange) -> String {
    let status = e.response.as_ref().map(|r| r.status).unwrap_or_default();
    format!(
        "{} {} {} (answered {status})",
        e.request.method,
        e.request.url,
        e.request.body.as_deref().unwrap_or_default()
    )
}

/// `Users`, `Users/{id}`, `Groups/{id}`, `Schemas`: the path's collection and whether an id
/// follows (the base path before it is left out).
pub(crate) fn resource(url: &str) -> String {
    let path = url
        .split('?')
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    const KNOWN: [&str; 5] = [
        "Users",
        "Groups",
        "Schemas",
        "ResourceTypes",
        "ServiceProviderConfig",
    ];
    let segments: Vec<&str> = path.split('/').collect();
    for (i, s) in segments.iter().enumerate() {
        if let Some(k) = KNOWN.iter().find(|k| k.eq_ignore_ascii_case(s)) {
            return if i + 1 < segments.len() {
                format!("{k}/{{id}}")
            } else {
                (*k).to_string()
            };
        }
    }
    segments.last().copied().unwrap_or_default().to_string()
}

/// The request's shape: a GET's filter attribute and operator (and query keys), a PATCH's ops
/// with their path kinds and value types.
fn shape(r: &RecordedRequest) -> String {
    match r.method.as_str() {
        "GET" => {
            let Ok(url) = url::Url::parse(&r.url) else {
                return String::new();
            };
            let mut parts = Vec::new();
            for (k, v) in url.query_pairs() {
                if k == "filter" {
                    parts.push(format!("filter {}", filter_shape(&v)));
                } else {
                    parts.push(k.to_string());
                }
            }
            parts.join(" ")
        }
        "PATCH" => {
            let body: Option<Value> = r.body.as_deref().and_then(|b| serde_json::from_str(b).ok());
            let ops = body
                .as_ref()
                .and_then(|b| b.get("Operations"))
                .and_then(Value::as_array);
            let Some(ops) = ops else {
                return "body".into();
            };
            ops.iter()
                .map(|op| {
                    let name = op.get("op").and_then(Value::as_str).unwrap_or("?");
                    let path = op
                        .get("path")
                        .and_then(Value::as_str)
                        .map(path_kind)
                        .unwrap_or_else(|| "(no path)".into());
                    format!("{name} {path}{}", value_kind(op.get("value")))
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
        _ => String::new(),
    }
}

/// `userName eq`, `displayName eq and members[value eq]`: attribute and operator, no values.
fn filter_shape(filter: &str) -> String {
    let mut out = Vec::new();
    for (i, part) in filter.split('"').enumerate() {
        if i % 2 == 0 {
            out.push(part.trim().to_string());
        }
    }
    out.retain(|p| !p.is_empty());
    out.join(" ")
}

/// A PATCH path with filter values left out: `members[value eq]`, `emails[type eq].value`.
fn path_kind(path: &str) -> String {
    let mut out = String::new();
    for (i, part) in path.split('"').enumerate() {
        if i % 2 == 0 {
            out.push_str(part);
        }
    }
    out.replace(" ]", "]")
}

/// `="False"`, `=false`, `=[1]`, `={value}`: the value's type where it tells defects apart.
fn value_kind(v: Option<&Value>) -> String {
    match v {
        None => String::new(),
        Some(Value::String(s))
            if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
        {
            format!("=\"{s}\"")
        }
        Some(Value::String(s)) if s.is_empty() => "=\"\"".into(),
        Some(Value::String(_)) => "=string".into(),
        Some(Value::Bool(b)) => format!("={b}"),
        Some(Value::Array(a)) => format!("=[{}]", a.len().min(2)),
        Some(Value::Object(o)) => {
            let keys: Vec<&str> = o.keys().map(String::as_str).collect();
            format!("={{{}}}", keys.join(","))
        }
        Some(Value::Null) => "=null".into(),
        Some(Value::Number(_)) => "=number".into(),
    }
}

/// The endpoint's own words in an error body: `scimType: detail`, or either alone, else the
/// body's first `fallback` characters.
pub fn error_detail(body: &str, fallback: usize) -> String {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let field = |k: &str| {
        json.as_ref()
            .and_then(|b| b.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    match (field("scimType"), field("detail")) {
        (Some(t), Some(d)) => format!("{t}: {d}"),
        (None, Some(d)) => d,
        (Some(t), None) => t,
        (None, None) => body.chars().take(fallback).collect(),
    }
}

/// Leaves out what differs between trials meeting the same defect: quoted values, ids, numbers.
fn normalize(text: &str) -> String {
    let mut out = String::new();
    let mut quoted = None;
    for c in text.chars() {
        match (quoted, c) {
            (Some(q), c) if c == q => {
                out.push('…');
                out.push(c);
                quoted = None;
            }
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => {
                out.push(c);
                quoted = Some(c);
            }
            (None, c) => out.push(c),
        }
    }
    let words: Vec<String> = out
        .split_whitespace()
        .map(|w| {
            let hexish = w.len() >= 8
                && w.chars().filter(|c| c.is_ascii_hexdigit()).count() * 10 >= w.len() * 7;
            if hexish
                || w.chars()
                    .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
            {
                "#".to_string()
            } else {
                w.to_string()
            }
        })
        .collect();
    let s = words.join(" ");
    s.chars().take(160).collect()
}

/// For a filtered GET: whether the answer holds resources that do not match at all
/// (`filter-returns-unrelated`: the filter is ignored) or only look-alikes whose value contains
/// the queried one or is contained in it (`filter-returns-lookalikes`: `eq` read loosely).
fn filter_symptom(r: &RecordedRequest, body: &str) -> Option<String> {
    let url = url::Url::parse(&r.url).ok()?;
    let filter = url
        .query_pairs()
        .find(|(k, _)| k == "filter")?
        .1
        .to_string();
    let mut parts = filter.split('"');
    let attr = parts.next()?.split_whitespace().next()?.to_string();
    let value = parts.next()?.to_lowercase();
    let json: Value = serde_json::from_str(body).ok()?;
    let resources = json.get("Resources")?.as_array()?;
    let mut lookalike = false;
    for res in resources {
        let found = res
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(&attr)))
            .map(|(_, v)| v.as_str().unwrap_or_default().to_lowercase());
        match found {
            Some(v) if v == value => {}
            Some(v) if !v.is_empty() && (v.contains(&value) || value.contains(&v)) => {
                lookalike = true;
            }
            _ => return Some("filter-returns-unrelated".into()),
        }
    }
    lookalike.then(|| "filter-returns-lookalikes".into())
}

/// A plain-language diagnosis and what to change.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    /// Stable id (`filter-ignored`).
    pub id: String,
    /// What the endpoint does, in a vendor's words.
    pub says: String,
    /// What to change.
    pub fix: String,
    /// Where the requirement comes from.
    #[serde(default)]
    pub source: Option<String>,
    /// When it applies: every field given must match.
    pub when: When,
    /// One defect whatever the request's shape: trials meeting it on one resource type share
    /// one root cause (a server-wide refusal, such as capitalised ops).
    #[serde(default)]
    pub merge: bool,
}

/// The conditions of a diagnosis; every one given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// The request method.
    #[serde(default)]
    pub method: Option<String>,
    /// The resource starts with this (`Users`, `Groups`).
    #[serde(default)]
    pub resource: Option<String>,
    /// A regular expression the shape matches (`emove members`, `="False"`).
    #[serde(default)]
    pub shape: Option<Pattern>,
    /// The answer class starts with this (`4`, `400`, `accepted, not applied`).
    #[serde(default)]
    pub class: Option<String>,
    /// The symptom equals this.
    #[serde(default)]
    pub symptom: Option<String>,
    /// The failing trial's entry id equals this.
    #[serde(default)]
    pub entry: Option<String>,
    /// A regular expression the server's own error detail matches (case-insensitive).
    #[serde(default)]
    pub detail: Option<Pattern>,
}

/// A case-insensitive regular expression of the catalogue, compiled once when it loads (a bad
/// one fails the load).
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "String")]
pub struct Pattern {
    /// As written in the catalogue.
    pub source: String,
    re: regex_lite::Regex,
}

impl TryFrom<String> for Pattern {
    type Error = regex_lite::Error;

    fn try_from(source: String) -> Result<Pattern, regex_lite::Error> {
        let re = regex_lite::Regex::new(&format!("(?i){source}"))?;
        Ok(Pattern { source, re })
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

impl When {
    fn holds(&self, d: &Defect, entry: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == &d.method)
            && self
                .resource
                .as_ref()
                .is_none_or(|r| d.resource.starts_with(r.as_str()))
            && self.shape.as_ref().is_none_or(|p| p.re.is_match(&d.shape))
            && self
                .class
                .as_ref()
                .is_none_or(|c| d.class.starts_with(c.as_str()))
            && self
                .symptom
                .as_ref()
                .is_none_or(|s| d.symptom.as_deref() == Some(s.as_str()))
            && self.entry.as_ref().is_none_or(|e| e == entry)
            && self
                .detail
                .as_ref()
                .is_none_or(|p| p.re.is_match(&d.detail))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    diagnosis: Vec<Diagnosis>,
}

/// The catalogue in `fixtures/diagnoses.toml`, in order (the first that holds wins).
pub fn catalogue() -> &'static [Diagnosis] {
    static CATALOGUE: OnceLock<Vec<Diagnosis>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        toml::from_str::<Catalogue>(include_str!("../../fixtures/diagnoses.toml"))
            .map(|c| c.diagnosis)
            .unwrap_or_default()
    })
}

/// The first diagnosis in the catalogue that holds for `defect` met by trial entry `entry`.
pub fn diagnose(defect: &Defect, entry: &str) -> Option<&'static Diagnosis> {
    catalogue().iter().find(|d| d.when.holds(defect, entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_read_back_in_another_case_or_padding_is_transformed() {
        assert!(transformed(
            r#"/name/givenName equals "Augusta""#,
            r#""augusta""#
        ));
        assert!(transformed(
            r#"/title equals "Countess""#,
            r#"" Countess ""#
        ));
        assert!(!transformed(r#"/title equals "Countess""#, r#""Duchess""#));
        assert!(!transformed(r#"/active equals false"#, r#""False""#));
        assert!(boolean_as_string(r#"/active equals false"#, r#""False""#));
        assert!(!boolean_as_string(r#"/active equals false"#, r#""True""#));
        assert!(!boolean_as_string(r#"/active equals false"#, "true"));
        assert!(!transformed(r#"/title equals "Countess""#, r#""Countess""#));
        let round = "reads back every attribute as sent";
        assert!(transformed(
            round,
            r#"displayName: sent "Ada Lovelace", got "ada lovelace"; name.givenName: sent "Ada", got "ada""#
        ));
        assert!(!transformed(
            round,
            r#"displayName: sent "Ada Lovelace", got "ada lovelace"; title: sent "Analyst", got absent"#
        ));
    }

    #[test]
    fn the_catalogue_parses_and_ids_are_unique() {
        let c = toml::from_str::<Catalogue>(include_str!("../../fixtures/diagnoses.toml"))
            .expect("fixtures/diagnoses.toml parses");
        let mut ids: Vec<&str> = c.diagnosis.iter().map(|d| d.id.as_str()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len(), "duplicate diagnosis id");
        assert!(n >= 10);
        // Every pattern compiled as it loaded; the catalogue the harness uses is the same one.
        assert_eq!(catalogue().len(), n, "the catalogue loads whole");
        let bad = Pattern::try_from("(unclosed".to_string());
        assert!(bad.is_err(), "a bad pattern fails the load");
    }

    #[test]
    fn shapes_leave_values_out() {
        assert_eq!(filter_shape("userName eq \"a b\""), "userName eq");
        assert_eq!(path_kind("members[value eq \"x\"]"), "members[value eq]");
        assert_eq!(
            resource("http://h/scim/Users/abc?x=1"),
            "Users/{id}".to_string()
        );
        assert_eq!(
            normalize("user 'abc' has id 0a1b2c3d-4e5f"),
            "user '…' has id #"
        );
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = Defect {
            method: "PATCH".into(),
            class: "400".into(),
            ..Defect::default()
        };
        let mut b = a.clone();
        b.shape = "Replace active=\"False\"".into();
        assert_eq!(a.id(), a.clone().id());
        assert_ne!(a.id(), b.id());
    }
}
