//! `{{placeholders}}` in suite strings and fixture bodies, and the variables they draw on.
//!
//! Syntax: `{{name}}`, or `{{name|upper}}` / `{{name|lower}}`. `{{guid}}` is a fresh random
//! GUID at every use. A JSON string that is exactly one placeholder takes the variable's JSON
//! value as is (so a captured number or object keeps its type).

use indexmap::IndexMap;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

/// Characters left as they are when a value is put into a URL path segment.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The variables of one trial: built-ins, entry `vars`, and captures, in definition order.
#[derive(Clone, Debug, Default)]
pub struct Vars(IndexMap<String, Value>);

/// A placeholder that could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{name}}` names no variable.
    #[error("placeholder {{{{{0}}}}} has no value (not a built-in, an entry var, or a capture of an earlier step)")]
    Unknown(String),
    /// `{{name|filter}}` with a filter other than `upper`, `lower`, `members`, `members_legacy`.
    #[error("placeholder {{{{{0}}}}} uses an unknown filter (expected `upper`, `lower`, `members` or `members_legacy`)")]
    BadFilter(String),
    /// `{{` without a closing `}}`.
    #[error("unclosed placeholder in `{0}`")]
    Unclosed(String),
}

/// Where a rendered string goes, which decides how substituted values are escaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escape {
    /// Inserted verbatim (bodies, headers, query values before query encoding).
    None,
    /// Percent-encoded as one URL path segment.
    PathSegment,
}

/// Names of the built-in variables every trial has (besides `guid`).
pub const BUILTINS: &[&str] = &["run", "tag", "dialect", "entry", "guid"];

impl Vars {
    /// An empty set.
    pub fn new() -> Self {
        Vars::default()
    }

    /// Sets (or overwrites) a variable.
    pub fn set(&mut self, name: impl Into<String>, value: Value) {
        self.0.insert(name.into(), value);
    }

    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Every variable, in definition order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter()
    }

    fn lookup(&self, inner: &str) -> Result<Value, TemplateError> {
        let (name, filter) = match inner.split_once('|') {
            Some((n, f)) => (n.trim(), Some(f.trim())),
            None => (inner.trim(), None),
        };
        let value = if name == "guid" {
            Value::String(uuid::Uuid::new_v4().to_string())
        } else {
            self.0
                .get(name)
                .cloned()
                .ok_or_else(|| TemplateError::Unknown(name.to_string()))?
        };
        match filter {
            None => Ok(value),
            Some("upper") => Ok(Value::String(as_text(&value).to_uppercase())),
            Some("lower") => Ok(Value::String(as_text(&value).to_lowercase())),
            // A list of ids as group members: `[{"value": id}, ...]` (legacy Entra adds
            // `"$ref": null` to each).
            Some("members") => Ok(members(&value, false)),
            Some("members_legacy") => Ok(members(&value, true)),
            Some(_) => Err(TemplateError::BadFilter(inner.trim().to_string())),
        }
    }

    /// Renders a string template; substituted values are escaped as `escape` says.
    pub fn render(&self, template: &str, escape: Escape) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(template.len());
        for piece in pieces(template)? {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(inner) => {
                    let text = as_text(&self.lookup(inner)?);
                    match escape {
                        Escape::None => out.push_str(&text),
                        Escape::PathSegment => out.push_str(&encode_segment(&text)),
                    }
                }
            }
        }
        Ok(out)
    }

    /// Renders every string inside a JSON value. A string that is exactly one placeholder
    /// becomes the variable's JSON value.
    pub fn render_json(&self, value: &Value) -> Result<Value, TemplateError> {
        Ok(match value {
            Value::String(s) => match pieces(s)?.as_slice() {
                [Piece::Var(inner)] => self.lookup(inner)?,
                _ => Value::String(self.render(s, Escape::None)?),
            },
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.render_json(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (k, v) in map {
                    out.insert(self.render(k, Escape::None)?, self.render_json(v)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }
}

fn members(ids: &Value, legacy: bool) -> Value {
    let items = ids.as_array().cloned().unwrap_or_else(|| vec![ids.clone()]);
    Value::Array(
        items
            .into_iter()
            .map(|id| {
                if legacy {
                    serde_json::json!({"$ref": null, "value": id})
                } else {
                    serde_json::json!({"value": id})
                }
            })
            .collect(),
    )
}

/// Percent-encodes a value as one URL path segment (unreserved characters stay as they are).
pub fn encode_segment(value: &str) -> String {
    utf8_percent_encode(value, PATH_SEGMENT).collect()
}

/// The variable names a template refers to (without filters), for static checks.
pub fn references(template: &str) -> Result<Vec<String>, TemplateError> {
    Ok(pieces(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var(inner) => Some(
                inner
                    .split('|')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            ),
            Piece::Text(_) => None,
        })
        .collect())
}

/// Every variable name referenced anywhere inside a JSON value (keys and strings).
pub fn json_references(value: &Value) -> Result<Vec<String>, TemplateError> {
    let mut out = Vec::new();
    match value {
        Value::String(s) => out.extend(references(s)?),
        Value::Array(items) => {
            for v in items {
                out.extend(json_references(v)?);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                out.extend(references(k)?);
                out.extend(json_references(v)?);
            }
        }
        _ => {}
    }
    Ok(out)
}

/// A value as text: strings without quotes, everything else as JSON.
pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| TemplateError::Unclosed(template.to_string()))?;
        out.push(Piece::Var(&after[..end]));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.set("user", json!("o'Brien+x@example.com"));
        v.set("n", json!(3));
        v
    }

    #[test]
    fn renders_text_filters_and_path_escaping() {
        let v = vars();
        assert_eq!(
            v.render("a {{user}} b", Escape::None).unwrap(),
            "a o'Brien+x@example.com b"
        );
        assert_eq!(
            v.render("{{ user | upper }}", Escape::None).unwrap(),
            "O'BRIEN+X@EXAMPLE.COM"
        );
        assert_eq!(
            v.render("Users/{{user}}", Escape::PathSegment).unwrap(),
            "Users/o%27Brien%2Bx%40example%2Ecom".replace("%2E", ".")
        );
    }

    #[test]
    fn whole_placeholder_keeps_json_type() {
        let v = vars();
        assert_eq!(
            v.render_json(&json!({"k": "{{n}}", "s": "#{{n}}"}))
                .unwrap(),
            json!({"k": 3, "s": "#3"})
        );
    }

    #[test]
    fn errors_name_the_placeholder() {
        let v = vars();
        assert_eq!(
            v.render("{{nope}}", Escape::None),
            Err(TemplateError::Unknown("nope".into()))
        );
        assert!(matches!(
            v.render("{{user|shout}}", Escape::None),
            Err(TemplateError::BadFilter(_))
        ));
        assert!(matches!(
            v.render("{{user", Escape::None),
            Err(TemplateError::Unclosed(_))
        ));
        assert_eq!(references("x{{a}}y{{b|upper}}").unwrap(), vec!["a", "b"]);
    }

    #[test]
    fn guid_is_fresh_each_time() {
        let v = vars();
        assert_ne!(
            v.render("{{guid}}", Escape::None).unwrap(),
            v.render("{{guid}}", Escape::None).unwrap()
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any template text renders or fails with a TemplateError, never a panic.
        #[test]
        fn any_template_renders_or_errs(t in "\\PC*", u in "[{}|a-z ]{0,40}") {
            let mut v = Vars::new();
            v.set("a", Value::String("x".into()));
            for s in [t.as_str(), u.as_str()] {
                let _ = v.render(s, Escape::None);
                let _ = v.render(s, Escape::PathSegment);
                let _ = references(s);
            }
        }

        /// Rendered text contains the literal parts of the template, in order.
        #[test]
        fn text_without_placeholders_renders_as_is(t in "[^{}]*") {
            prop_assert_eq!(Vars::new().render(&t, Escape::None).unwrap(), t);
        }
    }
}
