//! Expectations (checked, typed) and their evaluation against one response.
//!
//! An expectation is "subject, then predicate" (as in hurl): the status, a header or a JSON
//! pointer into the body, then one predicate. Evaluation gives `None` (satisfied) or a
//! [`Mismatch`] holding what was expected and what was found.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::template::{as_text, Vars};
use crate::core::text::{trim, with_article};
use crate::http::Response;

/// How much a failed expectation matters.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Entra provisioning would break: the trial fails.
    #[default]
    Entra,
    /// Microsoft's gallery onboarding would reject this (its validation checks it), though
    /// Entra provisioning works: a warning unless `--fail-on gallery` (or `--strict`).
    Gallery,
    /// An RFC 7643/7644 MUST that Entra tolerates: a warning (a failure under `--fail-on rfc`
    /// or `--strict`).
    Rfc,
}

impl Severity {
    /// Whether a failed check of this severity fails the trial when the run fails on checks up
    /// to `fail_on` (entra < gallery < rfc).
    pub fn fails(self, fail_on: Severity) -> bool {
        self <= fail_on
    }

    /// `entra`, `gallery` or `rfc`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Entra => "entra",
            Severity::Gallery => "gallery",
            Severity::Rfc => "rfc",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "entra" => Ok(Severity::Entra),
            "gallery" => Ok(Severity::Gallery),
            "rfc" => Ok(Severity::Rfc),
            other => Err(format!("`{other}` is not one of entra, gallery, rfc")),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an expectation looks at.
#[derive(Clone, Debug)]
pub enum Subject {
    /// The HTTP status code.
    Status,
    /// A response header, by case-insensitive name.
    Header(String),
    /// A JSON pointer into the body; with `each`, an array mapped through a sub-pointer.
    Pointer {
        /// RFC 6901 pointer (`""` is the whole body).
        pointer: String,
        /// Optional sub-pointer applied to every element of the array found.
        each: Option<String>,
    },
    /// A trial variable (e.g. `token_lifetime_minutes`), not the response.
    Var(String),
}

/// JSON value types for the `type` predicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    /// A JSON string.
    String,
    /// Any JSON number.
    Number,
    /// A JSON number without a fractional part.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// `null`.
    Null,
}

impl JsonType {
    /// Parses a type name as written in suites.
    pub fn parse(s: &str) -> Option<JsonType> {
        Some(match s {
            "string" => JsonType::String,
            "number" => JsonType::Number,
            "integer" => JsonType::Integer,
            "boolean" => JsonType::Boolean,
            "object" => JsonType::Object,
            "array" => JsonType::Array,
            "null" => JsonType::Null,
            _ => return None,
        })
    }

    fn of(v: &Value) -> &'static str {
        match v {
            Value::String(_) => "string",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::Bool(_) => "boolean",
            Value::Object(_) => "object",
            Value::Array(_) => "array",
            Value::Null => "null",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            JsonType::String => v.is_string(),
            JsonType::Number => v.is_number(),
            JsonType::Integer => v.is_i64() || v.is_u64(),
            JsonType::Boolean => v.is_boolean(),
            JsonType::Object => v.is_object(),
            JsonType::Array => v.is_array(),
            JsonType::Null => v.is_null(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Null => "null",
        }
    }
}

/// What must hold of the subject.
#[derive(Clone, Debug)]
pub enum Predicate {
    /// Status in this set.
    StatusIn(Vec<u16>),
    /// Present (`true`) or absent (`false`).
    Present(bool),
    /// Equal to a JSON value (templates rendered first).
    Equals(Value),
    /// Equal to a string ignoring case.
    EqualsIgnoreCase(String),
    /// String contains text / array contains a (partially matching) element / object has a
    /// member equal to it.
    Contains(Value),
    /// Array contains no (partially matching) element like this.
    NotContains(Value),
    /// Array of exactly this length.
    Count(usize),
    /// Absent, `null`, `[]` or `""`.
    Empty,
    /// Of this JSON type.
    Type(JsonType),
    /// A string matching this regex.
    Matches(regex_lite::Regex),
    /// Array equal to this one ignoring order (an element that renders to an array is spliced
    /// in).
    SetEquals(Vec<Value>),
    /// Equal to one of these.
    OneOf(Vec<Value>),
    /// Every attribute in the person's recorded state (what was sent to it, variable
    /// `state_<kind>_<person>`; or only what generated PATCHes changed, `patched_<kind>_<person>`)
    /// reads back as sent, with these targets changed (`with`): a
    /// string exactly (case and format preserved), `""` as absent, null or empty, null as
    /// absent or null.
    RoundTrip {
        /// The state variable.
        state: String,
        /// Target -> expected value, overriding the state.
        with: Vec<(String, Value)>,
    },
    /// An array in which no two elements share this key's value (ignoring case).
    UniqueBy(String),
    /// A `/Schemas` ListResponse that exposes every attribute the profile maps for `users` or
    /// `groups`, flattened the way Microsoft's gallery validation flattens them.
    Discoverable(String),
    /// A number between these bounds, inclusive.
    Between(f64, f64),
}

/// One checked expectation of a step.
#[derive(Clone, Debug)]
pub struct Expect {
    /// Position in the step's `expect` list (0-based), for locating findings.
    pub index: usize,
    /// What is looked at.
    pub subject: Subject,
    /// What must hold.
    pub predicate: Predicate,
    /// How much a failure matters.
    pub severity: Severity,
    /// Evaluate only when the status is one of these.
    pub when_status: Option<Vec<u16>>,
    /// Entra severity only for vendors with this capability; `gallery` for the others.
    pub entra_if: Option<String>,
    /// Evaluated only for vendors with this capability.
    pub only_if: Option<String>,
    /// Evaluated only for vendors without this capability.
    pub unless: Option<String>,
    /// The trial a failure of this precondition blocks on, if it is one.
    pub blocks: Option<String>,
    /// Why it matters (printed with failures).
    pub why: Option<String>,
}

/// An unmet expectation: what it wanted and what it found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The expectation in words, e.g. `/totalResults equals 0`.
    pub expected: String,
    /// What the response had, e.g. `3`.
    pub actual: String,
}

impl Expect {
    /// The expectation in words (`status in [201]`, `/id present`).
    pub fn describe(&self) -> String {
        let subject = match &self.subject {
            Subject::Status => "status".to_string(),
            Subject::Header(h) => format!("header {h}"),
            Subject::Pointer {
                pointer,
                each: None,
            } => pointer_name(pointer),
            Subject::Pointer {
                pointer,
                each: Some(e),
            } => format!("{}[*]{e}", pointer_name(pointer)),
            Subject::Var(v) => format!("{{{{{v}}}}}"),
        };
        let predicate = match &self.predicate {
            Predicate::StatusIn(s) => format!("in {}", list(s)),
            Predicate::Present(true) => "present".into(),
            Predicate::Present(false) => "absent".into(),
            Predicate::Equals(v) => format!("equals {v}"),
            Predicate::EqualsIgnoreCase(v) => format!("equals (ignoring case) {v:?}"),
            Predicate::Contains(v) => format!("contains {v}"),
            Predicate::NotContains(v) => format!("does not contain {v}"),
            Predicate::Count(n) => format!("has {n} element(s)"),
            Predicate::Empty => "is absent, null, empty or \"\"".into(),
            Predicate::Type(t) => format!("is {}", with_article(t.name())),
            Predicate::Matches(r) => format!("matches /{}/", r.as_str()),
            Predicate::SetEquals(v) => format!("equals (in any order) {}", Value::Array(v.clone())),
            Predicate::OneOf(v) => format!("is one of {}", Value::Array(v.clone())),
            Predicate::RoundTrip { state, with } if with.is_empty() => {
                format!("reads back every {}attribute as sent", patched_word(state))
            }
            Predicate::RoundTrip { state, with } => format!(
                "reads back every {}attribute as sent, with {}",
                patched_word(state),
                with.iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Predicate::UniqueBy(k) => format!("has one element per {k}"),
            Predicate::Discoverable(kind) => {
                format!("exposes every {kind} attribute the profile maps")
            }
            Predicate::Between(lo, hi) => format!("is between {lo} and {hi}"),
        };
        format!("{subject} {predicate}")
    }

    /// Whether the expectation applies to a vendor with these capabilities.
    pub fn applies(&self, has: impl Fn(&str) -> bool) -> bool {
        self.only_if.as_deref().is_none_or(&has) && !self.unless.as_deref().is_some_and(&has)
    }

    /// The severity for a vendor with these capabilities (see [`Expect::entra_if`]).
    pub fn severity_for(&self, has: impl Fn(&str) -> bool) -> Severity {
        match &self.entra_if {
            Some(cap) if !has(cap) => Severity::Gallery,
            _ => self.severity,
        }
    }

    /// Evaluates against a response. `None`: satisfied (or not applicable by `when_status`).
    pub fn evaluate(&self, response: &Response, vars: &Vars) -> Option<Mismatch> {
        if let Some(when) = &self.when_status {
            if !when.contains(&response.status) {
                return None;
            }
        }
        let expected = || self.describe_rendered(vars);
        let fail = |actual: String| {
            Some(Mismatch {
                expected: expected(),
                actual,
            })
        };
        match &self.subject {
            Subject::Status => match &self.predicate {
                Predicate::StatusIn(set) if set.contains(&response.status) => None,
                _ => fail(format!("status {}", response.status)),
            },
            Subject::Header(name) => {
                let value = response.header(name);
                self.check_value(value.map(|v| Value::String(v.to_string())), vars, true)
                    .and_then(&fail)
            }
            Subject::Var(name) => self
                .check_value(vars.get(name).cloned(), vars, false)
                .and_then(&fail),
            Subject::Pointer { pointer, each } => {
                let body = match response.json() {
                    Ok(b) => b,
                    Err(why) => return fail(why),
                };
                match &self.predicate {
                    Predicate::RoundTrip { state, with } => {
                        let found = body.pointer(pointer).cloned().unwrap_or(Value::Null);
                        return round_trip(&found, vars, state, with).and_then(&fail);
                    }
                    Predicate::Discoverable(kind) => {
                        let found = body.pointer(pointer).cloned().unwrap_or(Value::Null);
                        return super::discover::missing(&found, vars, kind).and_then(&fail);
                    }
                    _ => {}
                }
                let found = body.pointer(pointer).cloned();
                let found = match (found, each) {
                    (Some(Value::Array(items)), Some(sub)) => Some(Value::Array(
                        items
                            .iter()
                            .map(|i| i.pointer(sub).cloned().unwrap_or(Value::Null))
                            .collect(),
                    )),
                    (Some(other), Some(_)) => {
                        return fail(format!("{} is not an array", JsonType::of(&other)))
                    }
                    (found, None) => found,
                    (None, Some(_)) => None,
                };
                self.check_value(found, vars, false).and_then(&fail)
            }
        }
    }

    fn describe_rendered(&self, vars: &Vars) -> String {
        let mut rendered = self.clone();
        rendered.predicate = match &self.predicate {
            Predicate::Equals(v) => Predicate::Equals(render_or_keep(vars, v)),
            Predicate::Contains(v) => Predicate::Contains(render_or_keep(vars, v)),
            Predicate::NotContains(v) => Predicate::NotContains(render_or_keep(vars, v)),
            Predicate::SetEquals(v) => Predicate::SetEquals(render_list(vars, v)),
            Predicate::OneOf(v) => {
                Predicate::OneOf(v.iter().map(|x| render_or_keep(vars, x)).collect())
            }
            Predicate::EqualsIgnoreCase(s) => Predicate::EqualsIgnoreCase(as_text(
                &render_or_keep(vars, &Value::String(s.clone())),
            )),
            other => other.clone(),
        };
        rendered.describe()
    }

    /// `None` when the predicate holds of `found`, else a description of what was found.
    fn check_value(&self, found: Option<Value>, vars: &Vars, header: bool) -> Option<String> {
        let shown = |v: &Option<Value>| match v {
            None => "absent".to_string(),
            Some(v) => trim(&v.to_string(), 300),
        };
        let ok = match (&self.predicate, &found) {
            (Predicate::Present(want), f) => f.is_some() == *want,
            (Predicate::Empty, None | Some(Value::Null)) => true,
            (Predicate::Empty, Some(Value::String(t))) => t.is_empty(),
            (Predicate::Empty, Some(Value::Array(a))) => a.is_empty(),
            (Predicate::Empty, Some(_)) => false,
            (_, None) => false,
            (Predicate::Equals(want), Some(v)) => render_or_keep(vars, want) == *v,
            (Predicate::EqualsIgnoreCase(want), Some(Value::String(s))) => {
                as_text(&render_or_keep(vars, &Value::String(want.clone()))).to_lowercase()
                    == s.to_lowercase()
            }
            (Predicate::Contains(want), Some(Value::String(s))) => {
                let w = as_text(&render_or_keep(vars, want));
                if header {
                    s.to_ascii_lowercase().contains(&w.to_ascii_lowercase())
                } else {
                    s.contains(&w)
                }
            }
            (Predicate::Contains(want), Some(Value::Array(items))) => {
                let w = render_or_keep(vars, want);
                items.iter().any(|i| partial_match(&w, i))
            }
            (Predicate::Contains(want), Some(Value::Object(obj))) => {
                // An object contains a value when one of its members is (or partially matches)
                // it: `{"value": id}` contains `id`.
                let w = render_or_keep(vars, want);
                partial_match(&w, &Value::Object(obj.clone()))
                    || obj.values().any(|v| partial_match(&w, v))
            }
            (Predicate::NotContains(want), Some(Value::Array(items))) => {
                let w = render_or_keep(vars, want);
                !items.iter().any(|i| partial_match(&w, i))
            }
            (Predicate::Count(n), Some(Value::Array(items))) => items.len() == *n,
            (Predicate::Type(t), Some(v)) => t.accepts(v),
            (Predicate::Matches(re), Some(Value::String(s))) => re.is_match(s),
            (Predicate::SetEquals(want), Some(Value::Array(items))) => {
                same_multiset(&render_list(vars, want), items)
            }
            (Predicate::OneOf(options), Some(v)) => {
                options.iter().any(|o| render_or_keep(vars, o) == *v)
            }
            (Predicate::UniqueBy(key), Some(Value::Array(items))) => {
                let keys: Vec<String> = items
                    .iter()
                    .filter_map(|i| i.get(key).map(|v| as_text(v).to_lowercase()))
                    .collect();
                let distinct: std::collections::BTreeSet<&String> = keys.iter().collect();
                distinct.len() == keys.len()
            }
            (Predicate::Between(lo, hi), Some(v)) => v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .is_some_and(|n| n >= *lo && n <= *hi),
            _ => false,
        };
        if ok {
            None
        } else {
            Some(match (&self.predicate, &found) {
                (Predicate::Count(_), Some(Value::Array(a))) => {
                    format!(
                        "{} element(s): {}",
                        a.len(),
                        trim(&Value::Array(a.clone()).to_string(), 300)
                    )
                }
                (Predicate::Type(_), Some(v)) => format!(
                    "{}: {}",
                    with_article(JsonType::of(v)),
                    trim(&v.to_string(), 200)
                ),
                _ => shown(&found),
            })
        }
    }
}

/// "patched " for a round trip over the PATCHed attributes only.
fn patched_word(state: &str) -> &'static str {
    if state.starts_with("patched_") {
        "patched "
    } else {
        ""
    }
}

/// The attributes of `state` (overridden by `with`) that do not read back from `body` as
/// sent, as one line; `None` when all do.
fn round_trip(body: &Value, vars: &Vars, state: &str, with: &[(String, Value)]) -> Option<String> {
    let mut expected: Vec<(String, Value)> = match vars.get(state) {
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => {
            return Some(format!(
                "nothing recorded as sent ({{{{{state}}}}} is not set)"
            ))
        }
    };
    for (k, v) in with {
        let v = render_or_keep(vars, v);
        match expected.iter_mut().find(|(t, _)| t == k) {
            Some(e) => e.1 = v,
            None => expected.push((k.clone(), v)),
        }
    }
    let mut wrong = Vec::new();
    for (target, want) in &expected {
        let got = crate::core::paths::read(body, target);
        let ok = match (want, got) {
            (Value::String(w), _) if w.is_empty() => {
                got.is_none_or(|g| g.is_null() || g.as_str() == Some(""))
            }
            (Value::Null, _) => got.is_none_or(Value::is_null),
            // userName is caseExact false (RFC 7643 §4.1.1; Entra's schema says so too), so
            // Entra's change detection ignores its case; `users::create` warns on the case.
            (Value::String(w), Some(Value::String(g)))
                if target.eq_ignore_ascii_case("userName") =>
            {
                w.eq_ignore_ascii_case(g)
            }
            (w, Some(g)) => w == g,
            (_, None) => false,
        };
        if !ok {
            let shown = got
                .map(|g| trim(&g.to_string(), 80))
                .unwrap_or_else(|| "absent".into());
            wrong.push(format!(
                "{target}: sent {}, got {shown}",
                trim(&want.to_string(), 80)
            ));
        }
    }
    (!wrong.is_empty()).then(|| wrong.join("; "))
}

/// Renders each element; an element that renders to an array (`"{{roles_12}}"`) is spliced in.
fn render_list(vars: &Vars, list: &[Value]) -> Vec<Value> {
    list.iter()
        .flat_map(|w| match render_or_keep(vars, w) {
            Value::Array(items) => items,
            v => vec![v],
        })
        .collect()
}

fn render_or_keep(vars: &Vars, v: &Value) -> Value {
    vars.render_json(v).unwrap_or_else(|_| v.clone())
}

/// `want` matches `have` when equal, or, for objects, when every key of `want` matches.
fn partial_match(want: &Value, have: &Value) -> bool {
    match (want, have) {
        (Value::Object(w), Value::Object(h)) => w
            .iter()
            .all(|(k, wv)| h.get(k).is_some_and(|hv| partial_match(wv, hv))),
        _ => want == have,
    }
}

fn same_multiset(a: &[Value], b: &[Value]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut rest: Vec<&Value> = b.iter().collect();
    for x in a {
        match rest.iter().position(|y| *y == x) {
            Some(i) => {
                rest.swap_remove(i);
            }
            None => return false,
        }
    }
    true
}

fn pointer_name(p: &str) -> String {
    if p.is_empty() {
        "body".into()
    } else {
        p.to_string()
    }
}

fn list(s: &[u16]) -> String {
    format!(
        "[{}]",
        s.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response(status: u16, body: &str) -> Response {
        Response::for_test(status, &[("Content-Type", "application/scim+json")], body)
    }

    fn expect(subject: Subject, predicate: Predicate) -> Expect {
        Expect {
            index: 0,
            subject,
            predicate,
            severity: Severity::Entra,
            when_status: None,
            entra_if: None,
            only_if: None,
            unless: None,
            blocks: None,
            why: None,
        }
    }

    fn ptr(p: &str) -> Subject {
        Subject::Pointer {
            pointer: p.into(),
            each: None,
        }
    }

    #[test]
    fn status_and_headers() {
        let r = response(201, "{}");
        assert!(expect(Subject::Status, Predicate::StatusIn(vec![201]))
            .evaluate(&r, &Vars::new())
            .is_none());
        let m = expect(Subject::Status, Predicate::StatusIn(vec![200, 204]))
            .evaluate(&r, &Vars::new())
            .unwrap();
        assert_eq!(m.expected, "status in [200, 204]");
        assert_eq!(m.actual, "status 201");
        let h = expect(
            Subject::Header("content-type".into()),
            Predicate::Contains(json!("APPLICATION/SCIM+JSON")),
        );
        assert!(h.evaluate(&r, &Vars::new()).is_none());
    }

    #[test]
    fn pointer_predicates() {
        let r = response(
            200,
            r#"{"totalResults":1,"Resources":[{"id":"a","roles":[{"value":"x"},{"value":"y"}]}]}"#,
        );
        let v = Vars::new();
        assert!(expect(ptr("/totalResults"), Predicate::Equals(json!(1)))
            .evaluate(&r, &v)
            .is_none());
        assert_eq!(
            expect(ptr("/totalResults"), Predicate::Equals(json!(0)))
                .evaluate(&r, &v)
                .unwrap()
                .actual,
            "1"
        );
        assert!(expect(ptr("/Resources"), Predicate::Count(1))
            .evaluate(&r, &v)
            .is_none());
        assert!(expect(ptr("/missing"), Predicate::Empty)
            .evaluate(&r, &v)
            .is_none());
        assert!(expect(ptr("/Resources"), Predicate::Empty)
            .evaluate(&r, &v)
            .is_some());
        let set = Subject::Pointer {
            pointer: "/Resources/0/roles".into(),
            each: Some("/value".into()),
        };
        assert!(expect(
            set.clone(),
            Predicate::SetEquals(vec![json!("y"), json!("x")])
        )
        .evaluate(&r, &v)
        .is_none());
        assert!(expect(set, Predicate::SetEquals(vec![json!("y")]))
            .evaluate(&r, &v)
            .is_some());
        assert!(
            expect(ptr("/Resources"), Predicate::Contains(json!({"id": "a"})))
                .evaluate(&r, &v)
                .is_none()
        );
        assert!(
            expect(ptr("/Resources/0/id"), Predicate::Type(JsonType::String))
                .evaluate(&r, &v)
                .is_none()
        );
        assert_eq!(
            expect(ptr("/totalResults"), Predicate::Type(JsonType::String))
                .evaluate(&r, &v)
                .unwrap()
                .actual,
            "an integer: 1"
        );
    }

    #[test]
    fn templates_render_in_expected_values() {
        let mut v = Vars::new();
        v.set("id", json!("a"));
        let r = response(200, r#"{"id":"a"}"#);
        assert!(expect(ptr("/id"), Predicate::Equals(json!("{{id}}")))
            .evaluate(&r, &v)
            .is_none());
        let m = expect(ptr("/id"), Predicate::Equals(json!("{{id}}x")))
            .evaluate(&r, &v)
            .unwrap();
        assert_eq!(m.expected, "/id equals \"ax\"");
    }

    #[test]
    fn non_json_body_is_a_readable_mismatch() {
        let r = Response::for_test(200, &[("Content-Type", "text/html")], "<html>login</html>");
        let m = expect(ptr("/id"), Predicate::Present(true))
            .evaluate(&r, &Vars::new())
            .unwrap();
        assert!(m.actual.contains("not JSON"), "{}", m.actual);
        assert!(m.actual.contains("<html>login"), "{}", m.actual);
    }

    #[test]
    fn when_status_skips() {
        let mut e = expect(ptr("/totalResults"), Predicate::Equals(json!(0)));
        e.when_status = Some(vec![200]);
        assert!(e.evaluate(&response(400, "{}"), &Vars::new()).is_none());
        assert!(e
            .evaluate(&response(200, r#"{"totalResults":3}"#), &Vars::new())
            .is_some());
    }
}
