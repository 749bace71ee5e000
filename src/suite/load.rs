//! Reading suite files and checking every entry before anything runs.
//!
//! A malformed file or entry never stops the run: it becomes a [`SuiteError`] naming the file,
//! the entry and the field, which the runner turns into one failing trial.

use std::collections::HashSet;
use std::fmt;

use indexmap::IndexMap;
use serde_json::Value;

use super::expect::{Expect, JsonType, Predicate, Severity, Subject};
use super::model::{AuthMode, Entry, ExpectSpec, Step, SuiteHeader};
use super::template::{json_references, references, BUILTINS};
use super::vocab::{check_need, PROFILE_VARS, SOURCE_VAR_PREFIX};
use crate::core::dialect::Dialect;
use crate::core::files::{FilesError, Tree};
use crate::core::toml_doc::{Doc, Position, TomlError};

/// A suite file, read and checked.
#[derive(Debug)]
pub struct Suite {
    /// The file stem, e.g. `users` (the first part of trial names).
    pub name: String,
    /// The file as shown in messages, e.g. `suites/users.toml`.
    pub file: String,
    /// The `[suite] title`.
    pub title: String,
    /// Its entries in file order; a malformed one is kept as its error.
    pub entries: Vec<Result<CheckedEntry, SuiteError>>,
}

impl Suite {
    /// A suite that could not be read or parsed: one file-level error.
    fn broken(name: &str, file: &str, error: TomlError) -> Suite {
        Suite {
            name: name.to_string(),
            file: file.to_string(),
            title: String::new(),
            entries: vec![Err(SuiteError {
                file: file.to_string(),
                position: error.position,
                entry: None,
                field: error.field,
                message: error.message,
            })],
        }
    }
}

/// A problem in a suite file, located as precisely as possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuiteError {
    /// The file, e.g. `suites/users.toml`.
    pub file: String,
    /// Line and column of the offending value, when known.
    pub position: Option<Position>,
    /// The entry id (or `#3` for the third entry when it has no usable id).
    pub entry: Option<String>,
    /// The field path inside the entry, e.g. `step[1].expect[0].pointer`.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SuiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(p) = &self.position {
            write!(f, ":{p}")?;
        }
        if let Some(e) = &self.entry {
            write!(f, " › entry `{e}`")?;
        }
        if let Some(field) = &self.field {
            write!(f, " › {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SuiteError {}

/// A request body, resolved: fixture files are read at load time.
#[derive(Clone, Debug)]
pub enum Body {
    /// JSON with `{{placeholders}}` inside strings.
    Json(Value),
    /// A literal body sent as is.
    Raw(String),
    /// One JSON body per dialect, from a fixture path containing `{{dialect}}`.
    PerDialect(Vec<(Dialect, Value)>),
    /// The create body the vendor's profile makes Entra send, for one person, changed only
    /// where the trial's subject needs it.
    Generated {
        /// User or group.
        kind: Kind,
        /// `main`, or the name of a distinct person.
        person: String,
        /// Attributes changed (SCIM path -> template value).
        set: IndexMap<String, Value>,
        /// Top-level attributes left out.
        remove: Vec<String>,
        /// A generated PATCH instead of a create body.
        patch: Option<(PatchKind, PatchForm)>,
        /// A look-alike of the main person on the matching attribute.
        decoy: Option<Decoy>,
    },
}

impl Body {
    /// The JSON to send in `dialect` (`None` for raw bodies).
    pub fn json_for(&self, dialect: Option<Dialect>) -> Option<&Value> {
        match self {
            Body::Json(v) => Some(v),
            Body::Raw(_) | Body::Generated { .. } => None,
            Body::PerDialect(all) => {
                let d = dialect.unwrap_or(Dialect::Legacy);
                all.iter().find(|(x, _)| *x == d).map(|(_, v)| v)
            }
        }
    }
}

/// How a decoy's matching value derives from the main person's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoy {
    /// The main value with a suffix (`v` -> `v.d`): caught by `eq` read as contains or starts-with.
    Superstring,
    /// The main value less its last character: caught by `eq` read as "is contained in".
    Substring,
}

impl Decoy {
    /// The decoy's value for a main value `v`.
    pub fn value(self, v: &str) -> String {
        match self {
            Decoy::Superstring => format!("{v}.d"),
            Decoy::Substring => {
                let mut s = v.to_string();
                s.pop();
                s
            }
        }
    }
}

/// Which resource a generated body creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A user (`POST /Users`).
    User,
    /// A group (`POST /Groups`).
    Group,
}

/// Which generated PATCH a trial sends (Microsoft's gallery validation's direct tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchKind {
    /// A new value for every single-valued writable attribute the profile maps.
    Update,
    /// `""` for every optional attribute the profile maps.
    ClearEmpty,
    /// `null` for every optional attribute the profile maps.
    ClearNull,
}

/// How the generated PATCH carries its operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchForm {
    /// One `replace` op per attribute, with a path.
    PerOp,
    /// Filtered paths as their own ops; everything else in one path-less `replace` whose keys
    /// are attribute paths (`name.givenName`, extension URNs).
    Pathless,
}

/// A checked membership verification (see `members` in the suite format).
#[derive(Clone, Debug)]
pub struct CheckedMembers {
    /// The group id template.
    pub group: String,
    /// Member id templates the group must have, exactly.
    pub exactly: Option<Vec<String>>,
    /// Member id templates the group must not have.
    pub absent: Vec<String>,
}

/// A checked step: method known, path relative, expectations typed.
#[derive(Clone, Debug)]
pub struct CheckedStep {
    /// Short name for messages.
    pub name: String,
    /// Line of the step in its file.
    pub line: usize,
    /// Upper-case method.
    pub method: String,
    /// Variables set just before rendering, in order.
    pub vars: IndexMap<String, String>,
    /// Path template relative to the target URL.
    pub path: String,
    /// Query templates, in order.
    pub query: IndexMap<String, String>,
    /// Extra header templates.
    pub headers: IndexMap<String, String>,
    /// The body, if any.
    pub body: Option<Body>,
    /// Credentials to send.
    pub auth: AuthMode,
    /// Only in this dialect.
    pub only: Option<Dialect>,
    /// Only for vendors with this capability.
    pub only_if: Option<String>,
    /// Only for vendors without this capability.
    pub unless: Option<String>,
    /// Runs even after an earlier failure.
    pub always: bool,
    /// Typed expectations.
    pub expects: Vec<Expect>,
    /// Captures: variable -> JSON pointer.
    pub capture: IndexMap<String, String>,
    /// The trial whose subject this preparation step is (`users::create`), if it is one.
    pub setup: Option<String>,
    /// The trial a non-2xx answer to this read-back blocks on, if any.
    pub blocked_by: Option<String>,
    /// A membership verification, if this is one.
    pub members: Option<CheckedMembers>,
    /// List captures appended at every run: variable -> JSON pointer.
    pub capture_each: IndexMap<String, String>,
    /// How many times the step runs (1 unless `repeat`).
    pub repeat: usize,
    /// The entry variable holding the fresh GUID a PATCH/DELETE of a missing resource uses.
    pub missing_id: Option<String>,
}

/// A checked entry, ready to plan.
#[derive(Clone, Debug)]
pub struct CheckedEntry {
    /// Suite name (file stem).
    pub suite: String,
    /// Suite file as shown in messages.
    pub file: String,
    /// Line of the entry's `[[entry]]` in its file.
    pub line: usize,
    /// Entry id.
    pub id: String,
    /// Entry title.
    pub title: String,
    /// Documentation reference.
    pub doc: Option<String>,
    /// The sources its requirement comes from (short names, the deciding one first).
    pub source: Vec<String>,
    /// Dialects it runs in (empty: dialect-independent, runs once).
    pub dialects: Vec<Dialect>,
    /// Runs in legacy whatever the run's dialects (Entra ignores the flag for these requests).
    pub flag_ignored: bool,
    /// Capabilities it needs from the target.
    pub needs: Vec<String>,
    /// Entry variables (templates), in order.
    pub vars: IndexMap<String, String>,
    /// Steps, in order.
    pub steps: Vec<CheckedStep>,
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Loads every `*.toml` directly in `suites` (sorted by name); bodies named by `file` are read
/// from `fixtures`. Only an unreadable folder is an `Err`; file and entry problems come back
/// inside the suites.
pub fn load_dir(suites: &Tree, fixtures: &Tree) -> Result<Vec<Suite>, FilesError> {
    let files = suites.files("", "toml")?;
    Ok(files
        .iter()
        .map(|f| load_file(suites, f, fixtures))
        .collect())
}

/// Loads one suite file. A file that cannot be read or parsed gives a suite with one error.
pub fn load_file(suites: &Tree, rel: &str, fixtures: &Tree) -> Suite {
    let file = suites.shown(rel);
    let name = rel
        .rsplit('/')
        .next()
        .unwrap_or(rel)
        .trim_end_matches(".toml")
        .to_string();
    match suites.read_string(rel) {
        Ok(text) => parse_str(&name, &file, &text, fixtures),
        Err(e) => Suite::broken(
            &name,
            &file,
            TomlError {
                position: None,
                field: None,
                message: format!("cannot read: {e}"),
            },
        ),
    }
}

/// Parses suite text as if read from `file` (named `name`); for tools and self-tests.
pub fn parse_str(name: &str, file: &str, text: &str, fixtures: &Tree) -> Suite {
    let doc = match Doc::parse(text) {
        Ok(d) => d,
        Err(e) => return Suite::broken(name, file, e),
    };
    for (key, position) in doc.keys() {
        if key != "suite" && key != "entry" {
            return Suite::broken(
                name,
                file,
                TomlError {
                    position: Some(position),
                    field: Some(key.clone()),
                    message: format!("unknown key `{key}`, expected `suite` or `entry`"),
                },
            );
        }
    }
    let header: SuiteHeader = match doc.get("suite") {
        Some(v) => match doc.deserialize_value(v) {
            Ok(h) => h,
            Err(mut e) => {
                e.field = Some(format!("suite.{}", e.field.unwrap_or_default()))
                    .map(|f| f.trim_end_matches('.').to_string());
                return Suite::broken(name, file, e);
            }
        },
        None => {
            return Suite::broken(
                name,
                file,
                TomlError {
                    position: None,
                    field: Some("suite".into()),
                    message: "missing field `suite`".into(),
                },
            )
        }
    };
    let raw_entries: Vec<_> = match doc.get("entry") {
        None => Vec::new(),
        Some(v) => match v.get_ref().as_array() {
            Some(items) => items.iter().collect(),
            None => {
                return Suite::broken(
                    name,
                    file,
                    TomlError {
                        position: Some(doc.position_of(v.span())),
                        field: Some("entry".into()),
                        message: "must be an array of [[entry]] tables".into(),
                    },
                )
            }
        },
    };
    let mut seen = HashSet::new();
    let entries = raw_entries
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let label = raw
                .get_ref()
                .get("id")
                .and_then(|v| v.get_ref().as_str())
                .map(str::to_string)
                .unwrap_or_else(|| format!("#{}", i + 1));
            let at_entry = doc.position_of(raw.span());
            let err = |field: Option<String>, position: Position, message: String| SuiteError {
                file: file.to_string(),
                position: Some(position),
                entry: Some(label.clone()),
                field,
                message,
            };
            let entry: Entry = doc
                .deserialize_value(raw)
                .map_err(|e| err(e.field, e.position.unwrap_or(at_entry), e.message))?;
            if !seen.insert(entry.id.clone()) {
                return Err(err(
                    Some("id".into()),
                    doc.position_in(raw, "id"),
                    format!("duplicate entry id `{}` in this file", entry.id),
                ));
            }
            let lines = StepLines(
                (0..entry.steps.len())
                    .map(|s| doc.position_in(raw, &format!("step[{s}]")).line)
                    .collect(),
            );
            check_entry(name, file, at_entry.line, entry, &lines, fixtures).map_err(
                |(field, message)| err(Some(field.clone()), doc.position_in(raw, &field), message),
            )
        })
        .collect();
    Suite {
        name: name.to_string(),
        file: file.to_string(),
        title: header.title,
        entries,
    }
}

/// The line of each step of an entry.
struct StepLines(Vec<usize>);

type FieldError = (String, String);

fn check_entry(
    suite: &str,
    file: &str,
    line: usize,
    entry: Entry,
    lines: &StepLines,
    fixtures: &Tree,
) -> Result<CheckedEntry, FieldError> {
    let bad = |field: &str, msg: String| Err((field.to_string(), msg));
    if entry.id.is_empty()
        || !entry
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return bad(
            "id",
            format!("`{}` is not a kebab-case id (a-z, 0-9, -)", entry.id),
        );
    }
    if entry.title.trim().is_empty() {
        return bad("title", "is empty".into());
    }
    for (i, need) in entry.needs.iter().enumerate() {
        check_need(need).map_err(|m| (format!("needs[{i}]"), m))?;
    }
    if entry.flag_ignored && entry.dialects != [Dialect::Legacy] {
        return bad(
            "flag_ignored",
            "an entry Entra sends in legacy whatever the flag says needs `dialects = [\"legacy\"]`"
                .into(),
        );
    }
    for (i, citation) in entry.source.iter().enumerate() {
        super::vocab::check_source(citation).map_err(|m| (format!("source[{i}]"), m))?;
    }
    if entry.steps.is_empty() {
        return bad("step", "an entry needs at least one [[entry.step]]".into());
    }
    let mut known: HashSet<String> = BUILTINS
        .iter()
        .chain(PROFILE_VARS)
        .map(|s| s.to_string())
        .collect();
    for (name, tpl) in &entry.vars {
        check_refs(&format!("vars.{name}"), references(tpl), &known)?;
        known.insert(name.clone());
    }
    let mut steps = Vec::new();
    for (i, step) in entry.steps.into_iter().enumerate() {
        let at = |f: &str| {
            if f.is_empty() {
                format!("step[{i}]")
            } else {
                format!("step[{i}].{f}")
            }
        };
        if let Some(d) = step.only {
            if !entry.dialects.contains(&d) {
                return Err((at("only"), format!("`{d}` is not in this entry's dialects")));
            }
        }
        for (field, cap) in [("only_if", &step.only_if), ("unless", &step.unless)] {
            if let Some(cap) = cap {
                check_need(cap).map_err(|m| (at(field), m))?;
            }
        }
        steps.push(check_step(
            step,
            lines.0.get(i).copied().unwrap_or(line),
            fixtures,
            &entry.dialects,
            &mut known,
            &at,
        )?);
    }
    Ok(CheckedEntry {
        suite: suite.to_string(),
        file: file.to_string(),
        line,
        id: entry.id,
        title: entry.title,
        doc: entry.doc,
        source: entry.source,
        dialects: entry.dialects,
        flag_ignored: entry.flag_ignored,
        needs: entry.needs,
        vars: entry.vars,
        steps,
    })
}

fn check_refs(
    field: &str,
    refs: Result<Vec<String>, super::template::TemplateError>,
    known: &HashSet<String>,
) -> Result<(), FieldError> {
    let refs = refs.map_err(|e| (field.to_string(), e.to_string()))?;
    match refs.into_iter().find(|r| !known.contains(r) && !r.starts_with(SOURCE_VAR_PREFIX)) {
        Some(r) => Err((
            field.to_string(),
            format!("placeholder {{{{{r}}}}} is not defined (define it in [entry.vars] or capture it in an earlier step)"),
        )),
        None => Ok(()),
    }
}

fn check_step(
    step: Step,
    line: usize,
    fixtures: &Tree,
    dialects: &[Dialect],
    known: &mut HashSet<String>,
    at: &dyn Fn(&str) -> String,
) -> Result<CheckedStep, FieldError> {
    let mut step = step;
    if step.repeat.is_some() {
        known.insert("n".to_string());
    }
    for (field, value) in [("setup", &step.setup), ("blocked_by", &step.blocked_by)] {
        if let Some(v) = value {
            check_trial_ref(v).map_err(|m| (at(field), m))?;
        }
    }
    let members = match step.members.take() {
        None => None,
        Some(m) => {
            if step.method.is_some() || step.path.is_some() || step.body.is_some() {
                return Err((
                    at("members"),
                    "a `members` step is its own request (GET Groups/<group>): give no method, path or body".into(),
                ));
            }
            check_refs(&at("members.group"), references(&m.group), known)?;
            for (i, id) in m.exactly.iter().flatten().enumerate() {
                check_refs(&at(&format!("members.exactly[{i}]")), references(id), known)?;
            }
            for (i, id) in m.absent.iter().enumerate() {
                check_refs(&at(&format!("members.absent[{i}]")), references(id), known)?;
            }
            if m.exactly.is_none() && m.absent.is_empty() {
                return Err((
                    at("members"),
                    "give `exactly` (the members the group must have) or `absent` (or both)".into(),
                ));
            }
            step.method = Some("GET".into());
            step.path = Some(format!("Groups/{}", m.group));
            step.expect
                .splice(0..0, members_expectations(&m, step.blocked_by.is_none()));
            Some(CheckedMembers {
                group: m.group,
                exactly: m.exactly,
                absent: m.absent,
            })
        }
    };
    let (Some(method), Some(path)) = (step.method.clone(), step.path.clone()) else {
        let missing = if step.method.is_none() {
            "method"
        } else {
            "path"
        };
        return Err((
            at(""),
            format!("missing field `{missing}` (every step needs `method` and `path`, or is a `members` step)"),
        ));
    };
    let method = method.to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err((
            at("method"),
            format!("`{method}` is not one of {}", METHODS.join(", ")),
        ));
    }
    if path.starts_with('/') || path.contains("://") {
        return Err((
            at("path"),
            format!("`{path}` must be relative to the target URL (no leading `/`)"),
        ));
    }
    for (name, tpl) in &step.vars {
        check_refs(&at(&format!("vars.{name}")), references(tpl), known)?;
        known.insert(name.clone());
    }
    check_refs(&at("path"), references(&path), known)?;
    for (k, v) in &step.query {
        check_refs(&at(&format!("query.{k}")), references(v), known)?;
    }
    for (k, v) in &step.headers {
        check_refs(&at(&format!("headers.{k}")), references(v), known)?;
    }
    let body = match step.body {
        None => None,
        Some(spec) => {
            let generated = match (spec.user, spec.group) {
                (Some(p), None) => Some((Kind::User, p)),
                (None, Some(p)) => Some((Kind::Group, p)),
                (None, None) => None,
                (Some(_), Some(_)) => {
                    return Err((at("body"), "give `user` or `group`, not both".into()))
                }
            };
            if generated.is_none() && (!spec.set.is_empty() || !spec.remove.is_empty()) {
                return Err((
                    at("body"),
                    "`set` and `remove` change a profile body: give `user` or `group`".into(),
                ));
            }
            let patch = match (&spec.patch, &generated) {
                (None, _) => {
                    if spec.form.is_some() {
                        return Err((at("body.form"), "`form` goes with `patch`".into()));
                    }
                    None
                }
                (Some(p), Some((Kind::User, _)))
                    if spec.set.is_empty() && spec.remove.is_empty() =>
                {
                    let kind = match p.as_str() {
                        "update" => PatchKind::Update,
                        "clear-empty" => PatchKind::ClearEmpty,
                        "clear-null" => PatchKind::ClearNull,
                        other => {
                            return Err((
                                at("body.patch"),
                                format!("`{other}` is not update, clear-empty or clear-null"),
                            ))
                        }
                    };
                    let form = match spec.form.as_deref() {
                        None | Some("per-op") => PatchForm::PerOp,
                        Some("pathless") => PatchForm::Pathless,
                        Some(other) => {
                            return Err((
                                at("body.form"),
                                format!("`{other}` is not per-op or pathless"),
                            ))
                        }
                    };
                    Some((kind, form))
                }
                (Some(_), _) => {
                    return Err((
                        at("body.patch"),
                        "`patch` goes with `user` (and no `set`/`remove`)".into(),
                    ))
                }
            };
            let body = match (spec.json, spec.file, spec.raw, generated) {
                (None, None, None, Some((kind, person))) => {
                    check_refs(&at("body.user"), references(&person), known)?;
                    let plain = person.replace("{{n}}", "");
                    if person.is_empty()
                        || !plain
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    {
                        return Err((
                            at("body"),
                            format!("person `{person}` must be `main` or a name of a-z, 0-9, _"),
                        ));
                    }
                    if person != "main" {
                        let exported: &[&str] = match kind {
                            Kind::User => &["user", "email", "external_id", "match"],
                            Kind::Group => &["group", "group_external_id", "match"],
                        };
                        for v in exported {
                            known.insert(format!("{person}_{v}"));
                        }
                    }
                    let decoy = match spec.decoy.as_deref() {
                        None => None,
                        Some(_) if patch.is_some() || person == "main" => {
                            return Err((
                                at("body.decoy"),
                                "`decoy` goes with a person other than `main`, without `patch`"
                                    .into(),
                            ))
                        }
                        Some("superstring") => Some(Decoy::Superstring),
                        Some("substring") => Some(Decoy::Substring),
                        Some(other) => {
                            return Err((
                                at("body.decoy"),
                                format!("`{other}` is not superstring or substring"),
                            ))
                        }
                    };
                    Body::Generated {
                        kind,
                        person,
                        set: spec.set,
                        remove: spec.remove,
                        patch,
                        decoy,
                    }
                }
                (Some(j), None, None, None) => Body::Json(j),
                (None, Some(f), None, None) if f.contains("{{dialect}}") => {
                    let only: Vec<Dialect> = step
                        .only
                        .map(|d| vec![d])
                        .unwrap_or_else(|| dialects.to_vec());
                    if only.is_empty() {
                        return Err((
                            at("body.file"),
                            "{{dialect}} in a fixture path needs `dialects` on the entry".into(),
                        ));
                    }
                    let mut all = Vec::new();
                    for d in only {
                        let file = f.replace("{{dialect}}", d.name());
                        all.push((
                            d,
                            read_fixture(fixtures, &file).map_err(|m| (at("body.file"), m))?,
                        ));
                    }
                    Body::PerDialect(all)
                }
                (None, Some(f), None, None) => {
                    Body::Json(read_fixture(fixtures, &f).map_err(|m| (at("body.file"), m))?)
                }
                (None, None, Some(r), None) => Body::Raw(r),
                _ => {
                    return Err((
                        at("body"),
                        "give exactly one of `json`, `file`, `raw`, `user` or `group`".into(),
                    ))
                }
            };
            let refs = match &body {
                Body::Json(v) => json_references(v),
                Body::Raw(r) => references(r),
                Body::PerDialect(all) => all
                    .iter()
                    .map(|(_, v)| json_references(v))
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| v.concat()),
                Body::Generated { set, .. } => set
                    .values()
                    .map(json_references)
                    .collect::<Result<Vec<_>, _>>()
                    .map(|v| v.concat()),
            };
            check_refs(&at("body"), refs, known)?;
            Some(body)
        }
    };
    let mut expects = Vec::new();
    for (j, spec) in step.expect.into_iter().enumerate() {
        let field = at(&format!("expect[{j}]"));
        let e = check_expect(j, spec).map_err(|(sub, msg)| {
            (
                if sub.is_empty() {
                    field.clone()
                } else {
                    format!("{field}.{sub}")
                },
                msg,
            )
        })?;
        let mut refs = Vec::new();
        match &e.predicate {
            Predicate::Equals(v) | Predicate::Contains(v) | Predicate::NotContains(v) => {
                refs.extend(json_references(v).unwrap_or_default())
            }
            Predicate::SetEquals(vs) | Predicate::OneOf(vs) => vs
                .iter()
                .for_each(|v| refs.extend(json_references(v).unwrap_or_default())),
            Predicate::EqualsIgnoreCase(s) => refs.extend(references(s).unwrap_or_default()),
            Predicate::RoundTrip { with, .. } => with
                .iter()
                .for_each(|(_, v)| refs.extend(json_references(v).unwrap_or_default())),
            _ => {}
        }
        check_refs(&field, Ok(refs), known)?;
        expects.push(e);
    }
    for (field, map) in [
        ("capture", &step.capture),
        ("capture_each", &step.capture_each),
    ] {
        for (name, pointer) in map {
            if !(pointer.is_empty() || pointer.starts_with('/')) {
                return Err((
                    at(&format!("{field}.{name}")),
                    format!("`{pointer}` is not a JSON pointer (starts with `/`)"),
                ));
            }
            known.insert(name.clone());
        }
    }
    let repeat = step.repeat.unwrap_or(1);
    if !(1..=200).contains(&repeat) {
        return Err((at("repeat"), format!("{repeat} is not 1-200")));
    }
    if let Some(var) = &step.missing_id {
        if !known.contains(var) {
            return Err((
                at("missing_id"),
                format!("`{var}` is not a variable defined before this step"),
            ));
        }
    }
    Ok(CheckedStep {
        name: step.name,
        line,
        method,
        vars: step.vars,
        path,
        setup: step.setup,
        blocked_by: step.blocked_by,
        members,
        capture_each: step.capture_each,
        repeat,
        missing_id: step.missing_id,
        query: step.query,
        headers: step.headers,
        body,
        auth: step.auth,
        only: step.only,
        only_if: step.only_if,
        unless: step.unless,
        always: step.always,
        expects,
        capture: step.capture,
    })
}

fn check_expect(index: usize, s: ExpectSpec) -> Result<Expect, FieldError> {
    let severity = s.severity.unwrap_or(Severity::Entra);
    let when_status = s.when_status.as_ref().map(|w| w.to_vec());
    let entra_if = s.entra_if.clone();
    let (only_if, unless) = (s.only_if.clone(), s.unless.clone());
    let blocks = s.blocks.clone();
    if let Some(b) = &blocks {
        check_trial_ref(b).map_err(|m| ("blocks".to_string(), m))?;
    }
    for (field, cap) in [("only_if", &only_if), ("unless", &unless)] {
        if let Some(cap) = cap {
            check_need(cap).map_err(|m| (field.to_string(), m))?;
        }
    }
    if let Some(cap) = &entra_if {
        check_need(cap).map_err(|m| ("entra_if".to_string(), m))?;
        if s.severity.is_some() {
            return Err((
                "entra_if".into(),
                "`entra_if` makes a check entra for some vendors and gallery for the others: drop `severity`".into(),
            ));
        }
    }
    let why = s.why.clone();
    let subjects = [
        s.status.is_some(),
        s.header.is_some(),
        s.pointer.is_some(),
        s.var.is_some(),
    ];
    if subjects.iter().filter(|b| **b).count() != 1 {
        return Err((
            String::new(),
            "give exactly one subject: `status`, `header`, `pointer` or `var`".into(),
        ));
    }
    if s.with.is_some() && s.round_trip.is_none() {
        return Err(("with".into(), "`with` goes with `round_trip` only".into()));
    }
    if s.patched_only.is_some() && s.round_trip.is_none() {
        return Err((
            "patched_only".into(),
            "`patched_only` goes with `round_trip` only".into(),
        ));
    }
    if (s.round_trip.is_some() || s.discoverable.is_some()) && s.pointer.is_none() {
        return Err((
            String::new(),
            "`round_trip` and `discoverable` look at a body: give `pointer` (\"\" for the whole body)".into(),
        ));
    }
    if let Some(kind) = &s.discoverable {
        if kind != "users" && kind != "groups" {
            return Err((
                "discoverable".into(),
                format!("`{kind}` is not `users` or `groups`"),
            ));
        }
    }
    if let Some(status) = &s.status {
        let predicates = predicate_count(&s);
        if predicates > 0 || s.each.is_some() {
            return Err((
                "status".into(),
                "`status` is its own predicate: give no other".into(),
            ));
        }
        return Ok(Expect {
            index,
            subject: Subject::Status,
            predicate: Predicate::StatusIn(status.to_vec()),
            severity,
            when_status,
            entra_if,
            only_if,
            unless,
            blocks,
            why,
        });
    }
    let subject = if let Some(h) = &s.header {
        if s.each.is_some() {
            return Err(("each".into(), "`each` goes with `pointer` only".into()));
        }
        Subject::Header(h.clone())
    } else if let Some(v) = &s.var {
        if s.each.is_some() {
            return Err(("each".into(), "`each` goes with `pointer` only".into()));
        }
        Subject::Var(v.clone())
    } else {
        let pointer = s.pointer.clone().unwrap_or_default();
        if !(pointer.is_empty() || pointer.starts_with('/')) {
            return Err((
                "pointer".into(),
                format!("`{pointer}` is not a JSON pointer (starts with `/`)"),
            ));
        }
        if let Some(e) = &s.each {
            if !e.starts_with('/') {
                return Err((
                    "each".into(),
                    format!("`{e}` is not a JSON pointer (starts with `/`)"),
                ));
            }
        }
        Subject::Pointer {
            pointer,
            each: s.each.clone(),
        }
    };
    if predicate_count(&s) != 1 {
        return Err((
            String::new(),
            "give exactly one predicate: present, absent, equals, equals_ignore_case, contains, not_contains, count, empty, type, matches, set_equals, one_of, round_trip, unique_by, discoverable, between".into(),
        ));
    }
    let predicate = if let Some(p) = s.present {
        Predicate::Present(p)
    } else if let Some(a) = s.absent {
        Predicate::Present(!a)
    } else if let Some(v) = s.equals {
        Predicate::Equals(v)
    } else if let Some(v) = s.equals_ignore_case {
        Predicate::EqualsIgnoreCase(v)
    } else if let Some(v) = s.contains {
        Predicate::Contains(v)
    } else if let Some(v) = s.not_contains {
        Predicate::NotContains(v)
    } else if let Some(n) = s.count {
        Predicate::Count(n)
    } else if let Some(e) = s.empty {
        if !e {
            return Err((
                "empty".into(),
                "only `empty = true` is meaningful (use `count` or `present`)".into(),
            ));
        }
        Predicate::Empty
    } else if let Some(t) = s.type_ {
        Predicate::Type(JsonType::parse(&t).ok_or_else(|| {
            (
                "type".to_string(),
                format!(
                    "`{t}` is not one of string, number, integer, boolean, object, array, null"
                ),
            )
        })?)
    } else if let Some(re) = s.matches {
        Predicate::Matches(
            regex_lite::Regex::new(&re).map_err(|e| ("matches".to_string(), e.to_string()))?,
        )
    } else if let Some(v) = s.set_equals {
        Predicate::SetEquals(v)
    } else if let Some(v) = s.one_of {
        Predicate::OneOf(v)
    } else if let Some(person) = s.round_trip {
        let prefix = if s.patched_only == Some(true) {
            "patched"
        } else {
            "state"
        };
        let state = match person.strip_prefix("group:") {
            Some(g) => format!("{prefix}_group_{g}"),
            None => format!("{prefix}_user_{person}"),
        };
        Predicate::RoundTrip {
            state,
            with: s.with.unwrap_or_default().into_iter().collect(),
        }
    } else if let Some(k) = s.unique_by {
        Predicate::UniqueBy(k)
    } else if let Some(kind) = s.discoverable {
        Predicate::Discoverable(kind)
    } else if let Some([lo, hi]) = s.between {
        Predicate::Between(lo, hi)
    } else {
        unreachable!("predicate_count checked there is exactly one")
    };
    Ok(Expect {
        index,
        subject,
        predicate,
        severity,
        when_status,
        entra_if,
        only_if,
        unless,
        blocks,
        why,
    })
}

fn predicate_count(s: &ExpectSpec) -> usize {
    [
        s.present.is_some(),
        s.absent.is_some(),
        s.equals.is_some(),
        s.equals_ignore_case.is_some(),
        s.contains.is_some(),
        s.not_contains.is_some(),
        s.count.is_some(),
        s.empty.is_some(),
        s.type_.is_some(),
        s.matches.is_some(),
        s.set_equals.is_some(),
        s.one_of.is_some(),
        s.round_trip.is_some(),
        s.unique_by.is_some(),
        s.discoverable.is_some(),
        s.between.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count()
}

/// `users::create`: a trial of some suite, named `<suite>::<entry>`.
fn check_trial_ref(s: &str) -> Result<(), String> {
    let kebab = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    match s.split_once("::") {
        Some((suite, entry)) if kebab(suite) && kebab(entry) => Ok(()),
        _ => Err(format!("`{s}` is not a trial name `<suite>::<entry>`")),
    }
}

/// The expectations of a `members` step: the group is readable, its member values are exactly
/// these, and none of those.
/// (The status is only an expectation of its own when no `blocked_by` already makes a readable
/// group the step's precondition.)
fn members_expectations(m: &super::model::MembersSpec, with_status: bool) -> Vec<ExpectSpec> {
    let mut out = Vec::new();
    if with_status {
        out.push(ExpectSpec {
            status: Some(super::model::OneOrMany::One(200)),
            why: Some("the group must be readable by id".into()),
            ..ExpectSpec::default()
        });
    }
    if let Some(ids) = &m.exactly {
        if ids.is_empty() {
            out.push(ExpectSpec {
                pointer: Some("/members".into()),
                empty: Some(true),
                why: m.why.clone(),
                ..ExpectSpec::default()
            });
        } else {
            out.push(ExpectSpec {
                pointer: Some("/members".into()),
                each: Some("/value".into()),
                set_equals: Some(ids.iter().cloned().map(Value::String).collect()),
                why: m.why.clone(),
                ..ExpectSpec::default()
            });
        }
    }
    for id in &m.absent {
        out.push(ExpectSpec {
            pointer: Some("/members".into()),
            each: Some("/value".into()),
            not_contains: Some(Value::String(id.clone())),
            why: m.why.clone(),
            ..ExpectSpec::default()
        });
    }
    out
}

fn read_fixture(fixtures: &Tree, file: &str) -> Result<Value, String> {
    let text = fixtures
        .read_string(file)
        .map_err(|e| format!("cannot read fixture {e}"))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("fixture {} is not JSON: {e}", fixtures.shown(file)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(toml: &str) -> Suite {
        let dir = std::env::temp_dir().join(format!("scimconf-load-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("demo.toml"), toml).unwrap();
        let tree = Tree::Disk(dir.clone());
        let s = load_file(&tree, "demo.toml", &tree);
        std::fs::remove_dir_all(&dir).ok();
        s
    }

    const HEADER: &str = "[suite]\ntitle = \"Demo\"\n";

    #[test]
    fn good_entry_loads() {
        let s = load_str(&format!(
            "{HEADER}[[entry]]\nid = \"ok\"\ntitle = \"t\"\n[entry.vars]\nu = \"{{{{tag}}}}-u\"\n[[entry.step]]\nname = \"s\"\nmethod = \"get\"\npath = \"Users\"\nquery = {{ filter = 'userName eq \"{{{{u}}}}\"' }}\nexpect = [{{ status = 200 }}, {{ pointer = \"/totalResults\", equals = 0 }}]\ncapture = {{ x = \"/id\" }}\n"
        ));
        let e = s.entries[0].as_ref().unwrap();
        assert_eq!(e.steps[0].method, "GET");
        assert_eq!(e.steps[0].expects.len(), 2);
    }

    #[test]
    fn unknown_field_names_file_entry_and_field() {
        let s = load_str(&format!(
            "{HEADER}[[entry]]\nid = \"bad\"\ntitle = \"t\"\n[[entry.step]]\nname = \"s\"\nmethod = \"GET\"\npath = \"Users\"\nexpect = [{{ status = 200 }}, {{ poniter = \"/id\", present = true }}]\n"
        ));
        let err = s.entries[0].as_ref().unwrap_err();
        assert_eq!(err.entry.as_deref(), Some("bad"));
        assert_eq!(err.field.as_deref(), Some("step[0].expect[1].poniter"));
        assert_eq!(err.position.map(|p| p.line), Some(10), "{err}");
        assert!(
            err.to_string()
                .contains("demo.toml:10:31 › entry `bad` › step[0].expect[1]"),
            "{err}"
        );
    }

    #[test]
    fn semantic_errors_are_located() {
        let cases = [
            ("method = \"FETCH\"\npath = \"Users\"", "step[0].method"),
            ("method = \"GET\"\npath = \"/Users\"", "step[0].path"),
            ("method = \"GET\"\npath = \"Users/{{nope}}\"", "step[0].path"),
            ("method = \"GET\"\npath = \"Users\"\nexpect = [{ pointer = \"/a\" }]", "step[0].expect[0]"),
            ("method = \"GET\"\npath = \"Users\"\nexpect = [{ pointer = \"/a\", matches = \"(\" }]", "step[0].expect[0].matches"),
            ("method = \"GET\"\npath = \"Users\"\nbody = { file = \"missing.json\" }", "step[0].body.file"),
        ];
        for (step, field) in cases {
            let s = load_str(&format!("{HEADER}[[entry]]\nid = \"e\"\ntitle = \"t\"\n[[entry.step]]\nname = \"s\"\n{step}\n"));
            let err = s.entries[0].as_ref().unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{err}");
            assert!(err.position.is_some_and(|p| p.line >= 7), "{err}");
        }
    }

    #[test]
    fn every_built_in_entry_cites_known_sources() {
        let suites = load_dir(&Tree::Embedded("suites"), &Tree::Embedded("fixtures"))
            .expect("the built-in suites load");
        let mut uncited = Vec::new();
        for suite in &suites {
            for e in &suite.entries {
                match e {
                    Ok(e) if e.source.is_empty() => uncited.push(format!("{}::{}", e.suite, e.id)),
                    Ok(_) => {}
                    Err(err) => panic!("{err}"),
                }
            }
        }
        assert!(uncited.is_empty(), "entries without `source`: {uncited:?}");
        let s = load_str(&format!(
            "{HEADER}[[entry]]\nid = \"x\"\ntitle = \"t\"\nsource = [\"ED-SCIM\", \"Hearsay §1\"]\n[[entry.step]]\nname = \"s\"\nmethod = \"GET\"\npath = \"Users\"\n"
        ));
        let err = s.entries[0]
            .as_ref()
            .expect_err("an unknown source is refused")
            .to_string();
        assert!(
            err.contains("source[1]") && err.contains("Hearsay"),
            "{err}"
        );
    }

    #[test]
    fn broken_toml_is_one_error_not_a_crash() {
        let s = load_str("[suite\ntitle=");
        assert_eq!(s.entries.len(), 1);
        let err = s.entries[0].as_ref().unwrap_err();
        assert!(err.message.contains("not valid TOML"), "{err}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let e = "[[entry]]\nid = \"a\"\ntitle = \"t\"\n[[entry.step]]\nname = \"s\"\nmethod = \"GET\"\npath = \"Users\"\n";
        let s = load_str(&format!("{HEADER}{e}{e}"));
        assert!(s.entries[0].is_ok());
        assert_eq!(
            s.entries[1].as_ref().unwrap_err().field.as_deref(),
            Some("id")
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Arbitrary text is loaded into a suite of entries or errors, never a panic; every
        /// error names the file.
        #[test]
        fn any_text_loads_or_errs(t in "\\PC*") {
            let s = parse_str("x", "x.toml", &t, &Tree::Embedded("fixtures"));
            for e in s.entries.iter().filter_map(|e| e.as_ref().err()) {
                prop_assert!(e.to_string().starts_with("x.toml"));
            }
        }

        /// Suite-shaped text with arbitrary values: never a panic, errors carry a line.
        #[test]
        fn suite_shaped_text_loads_or_errs(
            id in "[a-z-]{0,8}",
            method in "[A-Z]{0,7}",
            path in "[A-Za-z/{}]{0,12}",
            key in "[a-z_]{1,10}",
        ) {
            let t = format!(
                "[suite]\ntitle = \"t\"\n[[entry]]\nid = \"{id}\"\ntitle = \"t\"\n[[entry.step]]\nname = \"s\"\nmethod = \"{method}\"\npath = \"{path}\"\nexpect = [{{ {key} = 1 }}]\n"
            );
            let s = parse_str("x", "x.toml", &t, &Tree::Embedded("fixtures"));
            for e in s.entries.iter().filter_map(|e| e.as_ref().err()) {
                prop_assert!(e.position.is_some(), "{}", e);
            }
        }
    }
}
