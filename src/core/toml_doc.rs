//! TOML read with positions: every error from a suite or profile file names `file:line:column`
//! and the field path, whether serde found it (an unknown or mistyped field) or a later check did
//! (a bad value at a known path).

use std::fmt;
use std::ops::Range;

use serde::de::{DeserializeOwned, IntoDeserializer};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A position in a text file (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The position of byte offset `at` in `text`.
pub fn position(text: &str, at: usize) -> Position {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    Position { line, column }
}

/// A parse or deserialize failure: what, where (field path) and at which position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TomlError {
    /// Where in the text, when known.
    pub position: Option<Position>,
    /// The field path (`step[0].expect[1].poniter`), when known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// A parsed TOML document that keeps positions.
pub struct Doc<'t> {
    text: &'t str,
    root: Spanned<DeTable<'t>>,
}

impl<'t> Doc<'t> {
    /// Parses `text`; a syntax error carries its position.
    pub fn parse(text: &'t str) -> Result<Doc<'t>, TomlError> {
        match DeTable::parse(text) {
            Ok(root) => Ok(Doc { text, root }),
            Err(e) => Err(TomlError {
                position: e.span().map(|s| position(text, s.start)),
                field: None,
                message: format!("not valid TOML: {}", e.message().trim()),
            }),
        }
    }

    /// The top-level keys, in file order.
    pub fn keys(&self) -> Vec<(String, Position)> {
        self.root
            .get_ref()
            .iter()
            .map(|(k, _)| (k.get_ref().to_string(), position(self.text, k.span().start)))
            .collect()
    }

    /// A top-level value.
    pub fn get(&self, key: &str) -> Option<&Spanned<DeValue<'t>>> {
        self.root.get_ref().get(key)
    }

    /// The whole document deserialized as `T`.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, TomlError> {
        let de = self.root.clone().into_deserializer();
        self.wrap(serde_path_to_error::deserialize(de), None)
    }

    /// One value deserialized as `T`; field paths in errors are relative to it.
    pub fn deserialize_value<T: DeserializeOwned>(
        &self,
        value: &Spanned<DeValue<'t>>,
    ) -> Result<T, TomlError> {
        let de = value.clone().into_deserializer();
        self.wrap(serde_path_to_error::deserialize(de), Some(value))
    }

    fn wrap<T>(
        &self,
        r: Result<T, serde_path_to_error::Error<toml::de::Error>>,
        within: Option<&Spanned<DeValue<'t>>>,
    ) -> Result<T, TomlError> {
        r.map_err(|e| {
            let field = Some(e.path().to_string()).filter(|p| p != ".");
            let at = e
                .inner()
                .span()
                .map(|s| s.start)
                .or_else(|| {
                    let root = within?;
                    Some(
                        span_of(root, field.as_deref()?)
                            .unwrap_or(root.span())
                            .start,
                    )
                })
                .or_else(|| within.map(|w| w.span().start));
            TomlError {
                position: at.map(|a| position(self.text, a)),
                field,
                message: e.inner().message().trim().to_string(),
            }
        })
    }

    /// The position of the value at `path` (`step[1].expect[0].pointer`) inside `value`, or of
    /// the nearest enclosing value that exists.
    pub fn position_in(&self, value: &Spanned<DeValue<'t>>, path: &str) -> Position {
        let at = span_of(value, path).unwrap_or(value.span());
        position(self.text, at.start)
    }

    /// The position of a byte span.
    pub fn position_of(&self, span: Range<usize>) -> Position {
        position(self.text, span.start)
    }
}

/// The span of the value at `path` inside `value`, descending as far as the path exists.
fn span_of(value: &Spanned<DeValue<'_>>, path: &str) -> Option<Range<usize>> {
    let mut here = value;
    let mut found = None;
    for seg in segments(path) {
        let next = match seg {
            Seg::Key(k) => here.get_ref().get(k.as_str()),
            Seg::Index(i) => here.get_ref().get(i),
        };
        match next {
            Some(n) => {
                here = n;
                found = Some(n.span());
            }
            None => break,
        }
    }
    found
}

enum Seg {
    Key(String),
    Index(usize),
}

/// `a.b[2].c` -> `a`, `b`, `2`, `c`.
fn segments(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, rest) = part.split_once('[').unwrap_or((part, ""));
        if !name.is_empty() {
            out.push(Seg::Key(name.to_string()));
        }
        for idx in rest.split('[') {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(Seg::Index(i));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        #[serde(default)]
        tags: Vec<String>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct File {
        item: Vec<Item>,
    }

    #[test]
    fn positions_are_one_based() {
        assert_eq!(position("ab\ncd", 0), Position { line: 1, column: 1 });
        assert_eq!(position("ab\ncd", 4), Position { line: 2, column: 2 });
        assert_eq!(position("é\nx", 3), Position { line: 2, column: 1 });
    }

    #[test]
    fn unknown_fields_and_bad_types_have_lines() {
        let text = "[[item]]\nname = \"a\"\n\n[[item]]\nname = \"b\"\nnmae = \"c\"\n";
        let doc = Doc::parse(text).unwrap();
        let err = doc.deserialize::<File>().unwrap_err();
        assert_eq!(err.field.as_deref(), Some("item[1].nmae"), "{err:?}");
        assert_eq!(err.position.map(|p| p.line), Some(6), "{err:?}");
        let text = "[[item]]\nname = \"a\"\ntags = [1]\n";
        let doc = Doc::parse(text).unwrap();
        let err = doc.deserialize::<File>().unwrap_err();
        assert_eq!(err.position.map(|p| p.line), Some(3), "{err:?}");
    }

    #[test]
    fn values_are_located_by_path() {
        let text = "[[item]]\nname = \"a\"\ntags = [\"x\", \"y\"]\n";
        let doc = Doc::parse(text).unwrap();
        let item = doc.get("item").unwrap();
        assert_eq!(doc.position_in(item, "[0].tags[1]").line, 3);
        assert_eq!(doc.position_in(item, "[0].name").line, 2);
        let err = Doc::parse("[x\n").err().unwrap();
        assert_eq!(err.position.map(|p| p.line), Some(1));
    }
}
