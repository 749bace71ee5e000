//! SCIM filter expressions (RFC 7644 §3.4.2.2): attribute paths, parsing, validation and matching.

use crate::core::scim::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use crate::server::error::ScimError;
use crate::server::kind::ResourceKind;
use crate::server::util::{canonical_name, get_ci, parse_bool_str};
use serde_json::{Map, Value};

/// An attribute path `[urn:]attr[.sub]`; core-schema URN prefixes are dropped while parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// Extension schema URN, or `None` for core attributes.
    pub urn: Option<String>,
    /// The attribute name as written.
    pub attr: String,
    /// The sub-attribute name, if any.
    pub sub: Option<String>,
}

fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '$' || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

impl AttrPath {
    /// Parses `attr`, `attr.sub`, `urn:...:attr` or `urn:...:attr.sub`.
    pub fn parse(input: &str) -> Result<AttrPath, String> {
        let s = input.trim();
        let has_urn = s.len() > 4 && s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
        let (urn, rest) = match s.rsplit_once(':') {
            Some((urn, rest)) if has_urn => (Some(urn), rest),
            _ => (None, s),
        };
        let mut parts = rest.split('.');
        let attr = parts.next().unwrap_or_default();
        let sub = parts.next();
        if parts.next().is_some() {
            return Err(format!("attribute path `{input}` has too many levels"));
        }
        if !valid_name(attr) || sub.is_some_and(|s| !valid_name(s)) {
            return Err(format!("`{input}` is not a valid attribute path"));
        }
        let urn = urn.filter(|u| {
            !u.eq_ignore_ascii_case(USER_SCHEMA) && !u.eq_ignore_ascii_case(GROUP_SCHEMA)
        });
        Ok(AttrPath {
            urn: urn.map(str::to_string),
            attr: attr.to_string(),
            sub: sub.map(str::to_string),
        })
    }

    /// The path written back out, e.g. `name.givenName`.
    pub fn display(&self) -> String {
        let mut s = String::new();
        if let Some(u) = &self.urn {
            s.push_str(u);
            s.push(':');
        }
        s.push_str(&self.attr);
        if let Some(sub) = &self.sub {
            s.push('.');
            s.push_str(sub);
        }
        s
    }

    /// True if the path targets the enterprise User extension.
    pub fn is_enterprise(&self) -> bool {
        self.urn
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA))
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// equal
    Eq,
    /// not equal
    Ne,
    /// contains
    Co,
    /// starts with
    Sw,
    /// ends with
    Ew,
    /// greater than
    Gt,
    /// greater or equal
    Ge,
    /// less than
    Lt,
    /// less or equal
    Le,
    /// present (takes no value)
    Pr,
}

impl CompareOp {
    /// Parses an operator keyword, any case.
    pub fn parse(word: &str) -> Option<CompareOp> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            "pr" => CompareOp::Pr,
            _ => return None,
        })
    }
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `a and b`
    And(Box<Filter>, Box<Filter>),
    /// `a or b`
    Or(Box<Filter>, Box<Filter>),
    /// `not (a)`
    Not(Box<Filter>),
    /// `path op value` or `path pr` (value is null for `pr`).
    Compare {
        /// Attribute compared.
        path: AttrPath,
        /// Operator.
        op: CompareOp,
        /// Literal compared against.
        value: Value,
    },
    /// `attr[inner]` or `attr[inner].sub op value`: some element of `attr` satisfies everything.
    ValuePath {
        /// The multi-valued attribute (no sub-attribute).
        path: AttrPath,
        /// Filter over each element (paths relative to the element).
        inner: Box<Filter>,
        /// Optional test on a sub-attribute of the same element.
        sub_test: Option<(String, CompareOp, Value)>,
    },
}

/// Why a filter was refused; every kind becomes 400 `invalidFilter`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// Malformed expression.
    #[error("invalid filter syntax: {0}")]
    Syntax(String),
    /// Operator keyword not known.
    #[error("unsupported filter operator `{0}`")]
    UnknownOperator(String),
    /// Attribute this server cannot filter on.
    #[error("unsupported filter attribute `{0}`")]
    UnknownAttribute(String),
}

impl From<FilterError> for ScimError {
    fn from(e: FilterError) -> Self {
        ScimError::InvalidFilter(e.to_string())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
}

impl Tok {
    fn show(&self) -> String {
        match self {
            Tok::Word(w) => w.clone(),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::LBracket => "[".into(),
            Tok::RBracket => "]".into(),
        }
    }

    fn is_word(&self, kw: &str) -> bool {
        matches!(self, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }
}

fn syntax(msg: impl Into<String>) -> FilterError {
    FilterError::Syntax(msg.into())
}

fn read_hex4(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<u32, FilterError> {
    let hex: String = chars.by_ref().take(4).collect();
    if hex.len() != 4 {
        return Err(syntax("truncated \\u escape"));
    }
    u32::from_str_radix(&hex, 16).map_err(|_| syntax(format!("bad \\u escape `{hex}`")))
}

fn tokenize(input: &str) -> Result<Vec<Tok>, FilterError> {
    let mut toks = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' => {
                chars.next();
                toks.push(match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    '[' => Tok::LBracket,
                    _ => Tok::RBracket,
                });
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => {
                            let esc = chars.next().ok_or_else(|| syntax("dangling backslash"))?;
                            match esc {
                                '"' | '\\' | '/' => s.push(esc),
                                'b' => s.push('\u{8}'),
                                'f' => s.push('\u{c}'),
                                'n' => s.push('\n'),
                                'r' => s.push('\r'),
                                't' => s.push('\t'),
                                'u' => {
                                    let hi = read_hex4(&mut chars)?;
                                    let code = if (0xD800..0xDC00).contains(&hi) {
                                        if chars.next() != Some('\\') || chars.next() != Some('u') {
                                            return Err(syntax("unpaired surrogate in \\u escape"));
                                        }
                                        let lo = read_hex4(&mut chars)?;
                                        if !(0xDC00..0xE000).contains(&lo) {
                                            return Err(syntax("unpaired surrogate in \\u escape"));
                                        }
                                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                    } else {
                                        hi
                                    };
                                    s.push(char::from_u32(code).ok_or_else(|| {
                                        syntax("invalid code point in \\u escape")
                                    })?);
                                }
                                other => return Err(syntax(format!("unknown escape `\\{other}`"))),
                            }
                        }
                        c => s.push(c),
                    }
                }
                if !closed {
                    return Err(syntax("unterminated string literal"));
                }
                toks.push(Tok::Str(s));
            }
            _ => {
                let mut w = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "()[]\"".contains(c) {
                        break;
                    }
                    w.push(c);
                    chars.next();
                }
                toks.push(Tok::Word(w));
            }
        }
    }
    Ok(toks)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect(&mut self, want: &Tok) -> Result<(), FilterError> {
        match self.next() {
            Some(t) if &t == want => Ok(()),
            Some(t) => Err(syntax(format!(
                "expected `{}`, found `{}`",
                want.show(),
                t.show()
            ))),
            None => Err(syntax(format!(
                "expected `{}`, found end of filter",
                want.show()
            ))),
        }
    }

    fn parse_or(&mut self, nested: bool) -> Result<Filter, FilterError> {
        let mut left = self.parse_and(nested)?;
        while self.peek().is_some_and(|t| t.is_word("or")) {
            self.next();
            let right = self.parse_and(nested)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self, nested: bool) -> Result<Filter, FilterError> {
        let mut left = self.parse_unary(nested)?;
        while self.peek().is_some_and(|t| t.is_word("and")) {
            self.next();
            let right = self.parse_unary(nested)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_unary(&mut self, nested: bool) -> Result<Filter, FilterError> {
        let is_not = self.peek().is_some_and(|t| t.is_word("not"))
            && self.toks.get(self.pos + 1) == Some(&Tok::LParen);
        if is_not {
            self.next();
            return Ok(Filter::Not(Box::new(self.parse_group(nested)?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            return self.parse_group(nested);
        }
        self.parse_attr_expr(nested)
    }

    fn parse_group(&mut self, nested: bool) -> Result<Filter, FilterError> {
        self.expect(&Tok::LParen)?;
        let f = self.parse_or(nested)?;
        self.expect(&Tok::RParen)?;
        Ok(f)
    }

    fn parse_op_value(&mut self, path: &str) -> Result<(CompareOp, Value), FilterError> {
        let op = match self.next() {
            Some(Tok::Word(w)) => {
                CompareOp::parse(&w).ok_or_else(|| FilterError::UnknownOperator(w.clone()))?
            }
            Some(t) => {
                return Err(syntax(format!(
                    "expected an operator after `{path}`, found `{}`",
                    t.show()
                )))
            }
            None => return Err(syntax(format!("expected an operator after `{path}`"))),
        };
        if op == CompareOp::Pr {
            return Ok((op, Value::Null));
        }
        let value = match self.next() {
            Some(Tok::Str(s)) => Value::String(s),
            Some(Tok::Word(w)) => parse_literal(&w).ok_or_else(|| {
                syntax(format!(
                    "expected a value (quoted string, true, false, null or number) after `{path}`, found `{w}`"
                ))
            })?,
            Some(t) => {
                return Err(syntax(format!(
                    "expected a value after `{path}`, found `{}`",
                    t.show()
                )))
            }
            None => return Err(syntax(format!("expected a value after `{path}`"))),
        };
        Ok((op, value))
    }

    fn parse_attr_expr(&mut self, nested: bool) -> Result<Filter, FilterError> {
        let word = match self.next() {
            Some(Tok::Word(w)) => w,
            Some(t) => {
                return Err(syntax(format!(
                    "expected an attribute path, found `{}`",
                    t.show()
                )))
            }
            None => return Err(syntax("expected an attribute path, found end of filter")),
        };
        let path = AttrPath::parse(&word).map_err(FilterError::Syntax)?;
        if self.peek() == Some(&Tok::LBracket) {
            if nested {
                return Err(syntax("nested value filters are not allowed"));
            }
            if path.sub.is_some() {
                return Err(syntax(format!(
                    "`{word}[` : a value filter must follow a plain attribute"
                )));
            }
            self.next();
            let inner = self.parse_or(true)?;
            self.expect(&Tok::RBracket)?;
            let sub_test = match self.peek() {
                Some(Tok::Word(w)) if w.starts_with('.') => {
                    let sub = w.strip_prefix('.').unwrap_or_default().to_string();
                    if !valid_name(&sub) {
                        return Err(syntax(format!("`{w}` is not a valid sub-attribute")));
                    }
                    self.next();
                    let (op, value) = self.parse_op_value(&sub)?;
                    Some((sub, op, value))
                }
                _ => None,
            };
            return Ok(Filter::ValuePath {
                path,
                inner: Box::new(inner),
                sub_test,
            });
        }
        let (op, value) = self.parse_op_value(&word)?;
        Ok(Filter::Compare { path, op, value })
    }
}

fn parse_literal(word: &str) -> Option<Value> {
    if word.eq_ignore_ascii_case("true") {
        return Some(Value::Bool(true));
    }
    if word.eq_ignore_ascii_case("false") {
        return Some(Value::Bool(false));
    }
    if word.eq_ignore_ascii_case("null") {
        return Some(Value::Null);
    }
    if let Ok(i) = word.parse::<i64>() {
        return Some(Value::from(i));
    }
    word.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
}

/// The deepest nesting of parentheses and brackets a filter may have (Entra's filters nest
/// one level at most; the limit keeps the recursive parser and evaluator off the stack's end).
pub const MAX_DEPTH: usize = 32;

/// The most `and`/`or` a filter may join (each adds a level to the parsed tree).
pub const MAX_JOINS: usize = 100;

/// Refuses token streams that would build a tree deeper than the parser, the evaluator and
/// `Drop` can walk recursively: nesting beyond [`MAX_DEPTH`] or more than [`MAX_JOINS`] joins.
fn check_bounds(toks: &[Tok]) -> Result<(), FilterError> {
    let (mut depth, mut deepest, mut joins) = (0usize, 0usize, 0usize);
    for t in toks {
        match t {
            Tok::LParen | Tok::LBracket => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Tok::RParen | Tok::RBracket => depth = depth.saturating_sub(1),
            t if t.is_word("and") || t.is_word("or") || t.is_word("not") => joins += 1,
            _ => {}
        }
    }
    if deepest > MAX_DEPTH {
        return Err(syntax(format!(
            "filter nested {deepest} levels deep (at most {MAX_DEPTH})"
        )));
    }
    if joins > MAX_JOINS {
        return Err(syntax(format!(
            "filter joins {joins} expressions (at most {MAX_JOINS} and/or/not)"
        )));
    }
    Ok(())
}

/// Parses a filter expression (already URL-decoded).
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    let toks = tokenize(input)?;
    check_bounds(&toks)?;
    if toks.is_empty() {
        return Err(syntax("empty filter"));
    }
    let mut p = Parser { toks, pos: 0 };
    let f = p.parse_or(false)?;
    if let Some(t) = p.peek() {
        return Err(syntax(format!("unexpected `{}`", t.show())));
    }
    Ok(f)
}

/// Parses a value filter as used inside a PATCH path's brackets (paths relative to the element).
pub fn parse_inner(input: &str) -> Result<Filter, FilterError> {
    let toks = tokenize(input)?;
    check_bounds(&toks)?;
    if toks.is_empty() {
        return Err(syntax("empty value filter"));
    }
    let mut p = Parser { toks, pos: 0 };
    let f = p.parse_or(true)?;
    if let Some(t) = p.peek() {
        return Err(syntax(format!("unexpected `{}`", t.show())));
    }
    Ok(f)
}

fn lower(s: Option<&str>) -> Option<String> {
    s.map(str::to_ascii_lowercase)
}

/// Checks every attribute in `f` is one this server can filter `kind` on.
pub fn validate(
    f: &Filter,
    kind: ResourceKind,
    externalid_supported: bool,
) -> Result<(), FilterError> {
    match f {
        Filter::And(a, b) | Filter::Or(a, b) => {
            validate(a, kind, externalid_supported)?;
            validate(b, kind, externalid_supported)
        }
        Filter::Not(a) => validate(a, kind, externalid_supported),
        Filter::Compare { path, .. } => {
            let attr = path.attr.to_ascii_lowercase();
            let sub = lower(path.sub.as_deref());
            let ok = if path.urn.is_some() {
                kind == ResourceKind::User
                    && path.is_enterprise()
                    && attr == "employeenumber"
                    && sub.is_none()
            } else {
                match (kind, attr.as_str(), sub.as_deref()) {
                    (_, "id", None) => true,
                    (_, "externalid", None) => externalid_supported,
                    (ResourceKind::User, "username" | "displayname" | "active", None) => true,
                    (ResourceKind::User, "emails", Some("value" | "type")) => true,
                    (ResourceKind::User, "name", Some("givenname" | "familyname")) => true,
                    (ResourceKind::Group, "displayname", None) => true,
                    (ResourceKind::Group, "members", None | Some("value")) => true,
                    _ => false,
                }
            };
            if ok {
                Ok(())
            } else {
                Err(FilterError::UnknownAttribute(path.display()))
            }
        }
        Filter::ValuePath {
            path,
            inner,
            sub_test,
        } => {
            let allowed: &[&str] = match (
                kind,
                path.urn.is_none(),
                path.attr.to_ascii_lowercase().as_str(),
            ) {
                (ResourceKind::User, true, "emails") => &["value", "type", "primary", "display"],
                (ResourceKind::Group, true, "members") => &["value", "type", "display"],
                _ => return Err(FilterError::UnknownAttribute(path.display())),
            };
            validate_inner(inner, allowed, &path.attr)?;
            if let Some((sub, _, _)) = sub_test {
                if !allowed.iter().any(|a| a.eq_ignore_ascii_case(sub)) {
                    return Err(FilterError::UnknownAttribute(format!(
                        "{}.{sub}",
                        path.attr
                    )));
                }
            }
            Ok(())
        }
    }
}

fn validate_inner(f: &Filter, allowed: &[&str], parent: &str) -> Result<(), FilterError> {
    match f {
        Filter::And(a, b) | Filter::Or(a, b) => {
            validate_inner(a, allowed, parent)?;
            validate_inner(b, allowed, parent)
        }
        Filter::Not(a) => validate_inner(a, allowed, parent),
        Filter::Compare { path, .. } => {
            if path.urn.is_none()
                && path.sub.is_none()
                && allowed.iter().any(|a| a.eq_ignore_ascii_case(&path.attr))
            {
                Ok(())
            } else {
                Err(FilterError::UnknownAttribute(format!(
                    "{parent}.{}",
                    path.display()
                )))
            }
        }
        Filter::ValuePath { .. } => Err(syntax("nested value filters are not allowed")),
    }
}

/// Knobs that let faults change how values compare.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchOptions {
    /// Compare every string case-sensitively (`filter-case-sensitive`).
    pub case_exact_everything: bool,
    /// Values containing non-ASCII characters never match (`filter-non-ascii-broken`).
    pub non_ascii_never_matches: bool,
    /// Values containing an apostrophe never match (`filter-apostrophe-broken`).
    pub apostrophe_never_matches: bool,
    /// Values containing a parenthesis never match (`filter-parentheses-broken`).
    pub parentheses_never_match: bool,
    /// `eq` on strings matches values containing the filter value (`filter-eq-substring`).
    pub eq_as_contains: bool,
}

/// True if `resource` satisfies `filter`.
pub fn matches(resource: &Value, filter: &Filter, opts: &MatchOptions) -> bool {
    eval(resource, None, filter, opts)
}

/// True if one element of the multi-valued attribute `parent` satisfies the relative `filter`.
pub fn matches_element(
    element: &Value,
    parent: &str,
    filter: &Filter,
    opts: &MatchOptions,
) -> bool {
    eval(element, Some(parent), filter, opts)
}

fn eval(ctx: &Value, parent: Option<&str>, f: &Filter, opts: &MatchOptions) -> bool {
    match f {
        Filter::And(a, b) => eval(ctx, parent, a, opts) && eval(ctx, parent, b, opts),
        Filter::Or(a, b) => eval(ctx, parent, a, opts) || eval(ctx, parent, b, opts),
        Filter::Not(a) => !eval(ctx, parent, a, opts),
        Filter::Compare { path, op, value } => {
            let vals = resolve(ctx, path);
            let exact = opts.case_exact_everything || is_case_exact(parent, path);
            compare_all(&vals, *op, value, exact, opts)
        }
        Filter::ValuePath {
            path,
            inner,
            sub_test,
        } => {
            let container = container_of(ctx, path);
            let Some(v) = container.and_then(|c| get_ci(c, &path.attr)) else {
                return false;
            };
            let elements: Vec<&Value> = match v {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            elements.into_iter().any(|el| {
                eval(el, Some(&path.attr), inner, opts)
                    && sub_test.as_ref().is_none_or(|(sub, op, value)| {
                        let p = AttrPath {
                            urn: None,
                            attr: sub.clone(),
                            sub: None,
                        };
                        let exact =
                            opts.case_exact_everything || is_case_exact(Some(&path.attr), &p);
                        compare_all(&resolve(el, &p), *op, value, exact, opts)
                    })
            })
        }
    }
}

fn container_of<'a>(ctx: &'a Value, path: &AttrPath) -> Option<&'a Map<String, Value>> {
    let obj = ctx.as_object()?;
    match &path.urn {
        None => Some(obj),
        Some(urn) => get_ci(obj, urn).and_then(Value::as_object),
    }
}

fn resolve<'a>(ctx: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let Some(v) = container_of(ctx, path).and_then(|c| get_ci(c, &path.attr)) else {
        return Vec::new();
    };
    let items: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    match &path.sub {
        None => items,
        Some(sub) => items
            .into_iter()
            .filter_map(|i| i.as_object().and_then(|o| get_ci(o, sub)))
            .collect(),
    }
}

fn is_case_exact(parent: Option<&str>, path: &AttrPath) -> bool {
    let attr = path.attr.to_ascii_lowercase();
    match parent {
        Some(p) => p.eq_ignore_ascii_case("members") && attr == "value",
        None => {
            path.urn.is_none()
                && (attr == "id"
                    || attr == "externalid"
                    || (attr == "members"
                        && path
                            .sub
                            .as_deref()
                            .is_none_or(|s| s.eq_ignore_ascii_case("value"))))
        }
    }
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn compare_all(
    vals: &[&Value],
    op: CompareOp,
    expected: &Value,
    exact: bool,
    opts: &MatchOptions,
) -> bool {
    match op {
        CompareOp::Pr => vals.iter().any(|v| present(v)),
        CompareOp::Eq if expected.is_null() => !vals.iter().any(|v| present(v)),
        CompareOp::Ne if expected.is_null() => vals.iter().any(|v| present(v)),
        CompareOp::Ne => !vals
            .iter()
            .any(|v| compare(v, CompareOp::Eq, expected, exact, opts)),
        _ => vals.iter().any(|v| compare(v, op, expected, exact, opts)),
    }
}

fn compare(
    actual: &Value,
    op: CompareOp,
    expected: &Value,
    exact: bool,
    opts: &MatchOptions,
) -> bool {
    if opts.non_ascii_never_matches && expected.as_str().is_some_and(|s| !s.is_ascii()) {
        return false;
    }
    if opts.apostrophe_never_matches && expected.as_str().is_some_and(|s| s.contains('\'')) {
        return false;
    }
    if opts.parentheses_never_match && expected.as_str().is_some_and(|s| s.contains(['(', ')'])) {
        return false;
    }
    let actual = match actual {
        Value::Object(o) => match get_ci(o, "value") {
            Some(v) => v,
            None => return false,
        },
        other => other,
    };
    match (actual, expected) {
        (Value::String(a), Value::String(e)) => {
            let (a, e) = if exact {
                (a.clone(), e.clone())
            } else {
                (a.to_lowercase(), e.to_lowercase())
            };
            match op {
                CompareOp::Eq if opts.eq_as_contains => a.contains(&e),
                CompareOp::Eq => a == e,
                CompareOp::Co => a.contains(&e),
                CompareOp::Sw => a.starts_with(&e),
                CompareOp::Ew => a.ends_with(&e),
                CompareOp::Gt => a > e,
                CompareOp::Ge => a >= e,
                CompareOp::Lt => a < e,
                CompareOp::Le => a <= e,
                CompareOp::Ne | CompareOp::Pr => false,
            }
        }
        (Value::Bool(a), Value::Bool(e)) => op == CompareOp::Eq && a == e,
        (Value::Bool(a), Value::String(e)) => op == CompareOp::Eq && parse_bool_str(e) == Some(*a),
        (Value::String(a), Value::Bool(e)) => op == CompareOp::Eq && parse_bool_str(a) == Some(*e),
        (Value::Number(a), Value::Number(e)) => {
            let (Some(a), Some(e)) = (a.as_f64(), e.as_f64()) else {
                return false;
            };
            match op {
                CompareOp::Eq => a == e,
                CompareOp::Gt => a > e,
                CompareOp::Ge => a >= e,
                CompareOp::Lt => a < e,
                CompareOp::Le => a <= e,
                _ => false,
            }
        }
        _ => false,
    }
}

impl Filter {
    /// The top-level attribute every comparison and value filter names, in order (for
    /// `members[value eq "x"]` that is `members`, for `name.givenName eq "x"` it is `name`).
    pub fn attributes(&self) -> Vec<&AttrPath> {
        let mut out = Vec::new();
        self.visit(&mut |f| match f {
            Filter::Compare { path, .. } | Filter::ValuePath { path, .. } => out.push(path),
            _ => {}
        });
        out
    }

    /// Every literal the filter compares against, value filters and sub-attribute tests included.
    pub fn literals(&self) -> Vec<&Value> {
        let mut out = Vec::new();
        self.visit_all(&mut |f| match f {
            Filter::Compare { value, .. } => out.push(value),
            Filter::ValuePath {
                sub_test: Some((_, _, value)),
                ..
            } => out.push(value),
            _ => {}
        });
        out
    }

    /// Calls `f` on this node and every node below it, not descending into value filters.
    fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Filter)) {
        f(self);
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Filter::Not(a) => a.visit(f),
            Filter::Compare { .. } | Filter::ValuePath { .. } => {}
        }
    }

    /// Calls `f` on this node and every node below it, value filters included.
    fn visit_all<'a>(&'a self, f: &mut impl FnMut(&'a Filter)) {
        self.visit(&mut |node| {
            f(node);
            if let Filter::ValuePath { inner, .. } = node {
                inner.visit_all(f);
            }
        });
    }
}

/// The element a value filter describes, when it is a conjunction of `attr eq value` terms
/// (used to create a missing element on PATCH add/replace).
pub fn template(f: &Filter) -> Option<Map<String, Value>> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.urn.is_none() && path.sub.is_none() && !value.is_null() => {
            let mut m = Map::new();
            m.insert(canonical_name(&path.attr), value.clone());
            Some(m)
        }
        Filter::And(a, b) => {
            let mut m = template(a)?;
            m.extend(template(b)?);
            Some(m)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "id": "abc-123",
            "userName": "Ann.O'Neil+tag@Example.com",
            "externalId": "Ext-1",
            "displayName": "Zoë Ünal",
            "active": false,
            "name": {"givenName": "Zoë", "familyName": "Ünal"},
            "emails": [{"type": "work", "value": "ann@work.example", "primary": true},
                       {"type": "home", "value": "ann@home.example"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984"},
        })
    }

    fn m(filter: &str) -> bool {
        let f = parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        validate(&f, ResourceKind::User, true).unwrap_or_else(|e| panic!("{filter}: {e}"));
        matches(&user(), &f, &MatchOptions::default())
    }

    #[test]
    fn eq_and_case_rules() {
        assert!(m(r#"userName eq "ann.o'neil+tag@example.com""#));
        assert!(m(r#"USERNAME EQ "ANN.O'NEIL+TAG@EXAMPLE.COM""#));
        assert!(m(r#"externalId eq "Ext-1""#));
        assert!(!m(r#"externalId eq "ext-1""#));
        assert!(m(r#"displayName eq "zoë ünal""#));
        assert!(m(r#"name.givenName eq "Zoë""#));
        assert!(m(r#"name.familyName eq "\u00dcnal""#));
        assert!(m("active eq false"));
        assert!(!m("active eq true"));
        assert!(m(r#"id eq "abc-123""#));
        assert!(m(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#
        ));
        assert!(m(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "ann""#
        ));
    }

    #[test]
    fn multi_valued_and_value_paths() {
        assert!(m(r#"emails.value eq "ann@home.example""#));
        assert!(m(r#"emails[type eq "work"].value eq "ann@work.example""#));
        assert!(!m(r#"emails[type eq "home"].value eq "ann@work.example""#));
        assert!(m(r#"emails[type eq "work" and value co "@work"]"#));
    }

    #[test]
    fn logical_operators_and_other_ops() {
        assert!(m(r#"userName co "tag" and active eq false"#));
        assert!(m(r#"userName eq "nope" or externalId eq "Ext-1""#));
        assert!(m(
            r#"(userName eq "nope" or externalId eq "Ext-1") and not (active eq true)"#
        ));
        assert!(m(r#"userName ew "example.com""#));
        assert!(m(r#"userName ne "x""#));
        assert!(m("displayName pr"));
        assert!(m("externalId ne null"));
    }

    #[test]
    fn errors_name_the_problem() {
        let bad_attr = parse(r#"nickName eq "x""#)
            .and_then(|f| validate(&f, ResourceKind::User, true).map(|_| f));
        assert_eq!(
            bad_attr,
            Err(FilterError::UnknownAttribute("nickName".into()))
        );
        assert_eq!(
            parse(r#"userName xx "x""#),
            Err(FilterError::UnknownOperator("xx".into()))
        );
        assert!(matches!(
            parse(r#"userName eq "x"#),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(parse("userName eq"), Err(FilterError::Syntax(_))));
        assert!(matches!(
            parse("userName eq bare"),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(
            parse(r#"userName eq "x" junk"#),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(parse(""), Err(FilterError::Syntax(_))));
        let ext =
            parse(r#"externalId eq "x""#).and_then(|f| validate(&f, ResourceKind::User, false));
        assert!(matches!(ext, Err(FilterError::UnknownAttribute(_))));
        let grp = parse(r#"userName eq "x""#).and_then(|f| validate(&f, ResourceKind::Group, true));
        assert!(matches!(grp, Err(FilterError::UnknownAttribute(_))));
    }

    #[test]
    fn group_filters() {
        let g =
            json!({"id":"g1","displayName":"Sales EU","members":[{"value":"u1"},{"value":"u2"}]});
        let check = |s: &str| {
            let f = parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            validate(&f, ResourceKind::Group, true).unwrap_or_else(|e| panic!("{s}: {e}"));
            matches(&g, &f, &MatchOptions::default())
        };
        assert!(check(r#"displayName eq "sales eu""#));
        assert!(check(r#"members.value eq "u2""#));
        assert!(check(r#"id eq "g1" and members[value eq "u1"]"#));
        assert!(!check(r#"members[value eq "U1"]"#));
    }

    #[test]
    fn fault_options() {
        let f =
            parse(r#"userName eq "ANN.O'NEIL+TAG@EXAMPLE.COM""#).unwrap_or_else(|e| panic!("{e}"));
        let cs = MatchOptions {
            case_exact_everything: true,
            ..Default::default()
        };
        assert!(!matches(&user(), &f, &cs));
        let f = parse(r#"displayName eq "Zoë Ünal""#).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches(&user(), &f, &MatchOptions::default()));
        let na = MatchOptions {
            non_ascii_never_matches: true,
            ..Default::default()
        };
        assert!(!matches(&user(), &f, &na));
    }

    #[test]
    fn deep_or_long_filters_are_refused_not_overflowed() {
        for depth in [MAX_DEPTH + 1, 1_000, 100_000] {
            let deep = format!(
                "{}userName eq \"x\"{}",
                "(".repeat(depth),
                ")".repeat(depth)
            );
            let err = parse(&deep).expect_err("too deep");
            assert!(err.to_string().contains("nested"), "{err}");
            let nots = format!(
                "{}userName eq \"x\"{}",
                "not (".repeat(depth),
                ")".repeat(depth)
            );
            assert!(parse(&nots).is_err());
            let inner = format!("{}type eq \"x\"{}", "[".repeat(depth), "]".repeat(depth));
            assert!(parse_inner(&inner).is_err());
        }
        let long = vec![r#"userName eq "x""#; 50_000].join(" and ");
        assert!(parse(&long)
            .expect_err("too long")
            .to_string()
            .contains("joins"));
        let ok = format!(
            "{}userName eq \"x\"{}",
            "(".repeat(MAX_DEPTH),
            ")".repeat(MAX_DEPTH)
        );
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn paths_and_templates() {
        let p = AttrPath::parse(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        );
        assert_eq!(
            p,
            Ok(AttrPath {
                urn: Some(ENTERPRISE_USER_SCHEMA.into()),
                attr: "manager".into(),
                sub: Some("value".into())
            })
        );
        assert!(AttrPath::parse("a.b.c").is_err());
        assert!(AttrPath::parse("bad name").is_err());
        assert!(AttrPath::parse("").is_err());
        let f = parse_inner(r#"type eq "work" and primary eq "True""#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            template(&f).map(Value::Object),
            Some(json!({"type":"work","primary":"True"}))
        );
        assert_eq!(
            template(&parse_inner(r#"type co "w""#).unwrap_or_else(|e| panic!("{e}"))),
            None
        );
    }

    #[test]
    fn parsers_never_panic() {
        use crate::server::tests::props::{config, scimish};
        use proptest::prelude::*;
        let u = user();
        proptest!(config(), |(text in scimish())| {
            let _ = AttrPath::parse(&text);
            let _ = parse_inner(&text);
            if let Ok(f) = parse(&text) {
                for kind in [ResourceKind::User, ResourceKind::Group] {
                    let _ = validate(&f, kind, true);
                }
                let _ = matches(&u, &f, &MatchOptions::default());
                let _ = template(&f);
            }
        });
    }
}
