//! Adaptive preparation: when an endpoint refuses a generated create body that only prepares a
//! trial's subject, find one edit of the body it accepts — the attributes its error detail
//! names first, then one sub-attribute or attribute at a time, then the shapes Entra is also
//! known to send (`members: []`, the core group URN alone) — and remember the edit for the rest
//! of the vendor's run, so the search happens once per resource kind and dialect.
//!
//! The search stops at the first body the endpoint accepts, so it creates at most one
//! resource: the person the step was preparing anyway.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::core::scim::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA};
use crate::suite::load::Kind;

/// The most bodies one search sends after the refused one.
pub const MAX_PROBES: usize = 40;

/// One change to a create body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Leave out an attribute: `title`, `emails[].type` (the key in every element),
    /// `name.formatted`, `<extension URN>:department`.
    Remove(String),
    /// Send `members: []` (Entra's older group create sample does).
    AddEmptyMembers,
    /// Send only the core URN in `schemas` (current jobs may leave out the ADSCIM URN).
    CoreSchemaOnly,
    /// The minimal body: the profile's tolerant form.
    Tolerant,
    /// In a PATCH: a manager sent as a bare id goes as `{"value": id}` (the RFC 7643 complex
    /// form, which Entra's RFC-compliant examples and Microsoft's validator use).
    ManagerAsObject,
    /// In a PATCH: the strings `"True"`/`"False"` go as JSON booleans (the form Entra's
    /// RFC-compliant dialect sends).
    BooleanValues,
}

impl Edit {
    /// What the edit changes, for messages: ``without `emails[].type` ``.
    pub fn describe(&self) -> String {
        match self {
            Edit::Remove(path) => format!("without `{path}`"),
            Edit::AddEmptyMembers => "with `\"members\": []`".into(),
            Edit::CoreSchemaOnly => "with only the core URN in `schemas`".into(),
            Edit::Tolerant => "in the minimal form (identifying attributes only)".into(),
            Edit::ManagerAsObject => "with the manager as `{\"value\": id}`".into(),
            Edit::BooleanValues => "with booleans as JSON true/false".into(),
        }
    }

    /// The body feature the refusal is about, for root causes (`emails[].type`,
    /// `members-key-missing`, `schemas`).
    pub fn feature(&self) -> String {
        match self {
            Edit::Remove(path) => path.clone(),
            Edit::AddEmptyMembers => "members (absent)".into(),
            Edit::CoreSchemaOnly => "schemas".into(),
            Edit::Tolerant => "body".into(),
            Edit::ManagerAsObject => "manager (bare id)".into(),
            Edit::BooleanValues => "boolean strings".into(),
        }
    }

    /// Whether the edit takes away an attribute the step sets for its own subject (then the
    /// trial cannot be prepared without it).
    pub fn touches(&self, set: &[String]) -> bool {
        let Edit::Remove(path) = self else {
            return false;
        };
        let top = top_of(path);
        set.iter().any(|s| top_of(s) == top)
    }

    /// Applies the edit; `false` when it changes nothing (the attribute was not sent).
    pub fn apply(&self, body: &mut Value) -> bool {
        let Value::Object(map) = body else {
            return false;
        };
        match self {
            Edit::Remove(path) => remove(map, path),
            Edit::AddEmptyMembers => {
                if map.contains_key("members") {
                    return false;
                }
                map.insert("members".into(), json!([]));
                true
            }
            Edit::CoreSchemaOnly => match map.get_mut("schemas") {
                Some(Value::Array(s)) if s.len() > 1 && s.contains(&json!(GROUP_SCHEMA)) => {
                    s.retain(|u| u == GROUP_SCHEMA);
                    true
                }
                _ => false,
            },
            Edit::Tolerant => false,
            Edit::ManagerAsObject => {
                let mut changed = false;
                if let Some(Value::Array(ops)) = map.get_mut("Operations") {
                    for op in ops.iter_mut().filter_map(Value::as_object_mut) {
                        let manager = op
                            .get("path")
                            .and_then(Value::as_str)
                            .is_some_and(|p| p.to_ascii_lowercase().ends_with(":manager"));
                        if let (true, Some(Value::String(id))) = (manager, op.get("value")) {
                            let id = id.clone();
                            op.insert("value".into(), json!({ "value": id }));
                            changed = true;
                        }
                    }
                }
                changed
            }
            Edit::BooleanValues => {
                let mut changed = false;
                if let Some(Value::Array(ops)) = map.get_mut("Operations") {
                    for op in ops.iter_mut().filter_map(Value::as_object_mut) {
                        if let Some(v) = op.get_mut("value") {
                            changed |= booleans(v);
                        }
                    }
                }
                changed
            }
        }
    }
}

/// Turns `"True"`/`"False"` strings (any case) into booleans, in place; whether any changed.
fn booleans(v: &mut Value) -> bool {
    match v {
        Value::String(s) if s.eq_ignore_ascii_case("true") => {
            *v = Value::Bool(true);
            true
        }
        Value::String(s) if s.eq_ignore_ascii_case("false") => {
            *v = Value::Bool(false);
            true
        }
        Value::Object(o) => o.values_mut().fold(false, |c, x| booleans(x) | c),
        Value::Array(a) => a.iter_mut().fold(false, |c, x| booleans(x) | c),
        _ => false,
    }
}

/// The edits worth trying on a refused preparation PATCH body: those that change it.
pub fn patch_candidates(body: &Value) -> Vec<Edit> {
    [Edit::ManagerAsObject, Edit::BooleanValues]
        .into_iter()
        .filter(|e| e.apply(&mut body.clone()))
        .collect()
}

/// The cache key of a refused PATCH: its ops' paths with filter values left out.
pub fn patch_key(body: &Value) -> String {
    let paths: Vec<String> = body
        .get("Operations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|op| {
            let path = op.get("path").and_then(Value::as_str).unwrap_or("");
            path.split('"').step_by(2).collect::<Vec<_>>().join("\"\"")
        })
        .collect();
    format!("patch:{}", paths.join(","))
}

/// The top-level attribute an edit path or a `set` path is under.
fn top_of(path: &str) -> &str {
    if path.starts_with(ENTERPRISE_USER_SCHEMA) {
        return ENTERPRISE_USER_SCHEMA;
    }
    let end = path.find(['.', '[']).unwrap_or(path.len());
    &path[..end]
}

fn remove(map: &mut Map<String, Value>, path: &str) -> bool {
    if path == ENTERPRISE_USER_SCHEMA {
        let removed = map.shift_remove(path).is_some();
        if let (true, Some(Value::Array(s))) = (removed, map.get_mut("schemas")) {
            s.retain(|u| u != ENTERPRISE_USER_SCHEMA);
        }
        return removed;
    }
    if let Some(sub) = path
        .strip_prefix(ENTERPRISE_USER_SCHEMA)
        .and_then(|r| r.strip_prefix(':'))
    {
        let Some(Value::Object(ext)) = map.get_mut(ENTERPRISE_USER_SCHEMA) else {
            return false;
        };
        return ext.shift_remove(sub).is_some();
    }
    if let Some((attr, sub)) = path.split_once("[].") {
        let Some(Value::Array(items)) = map.get_mut(attr) else {
            return false;
        };
        let mut changed = false;
        for item in items.iter_mut() {
            if let Value::Object(o) = item {
                changed |= o.shift_remove(sub).is_some();
            }
        }
        return changed;
    }
    if let Some((attr, sub)) = path.split_once('.') {
        let Some(Value::Object(o)) = map.get_mut(attr) else {
            return false;
        };
        return o.shift_remove(sub).is_some();
    }
    map.shift_remove(path).is_some()
}

/// The edits worth trying on `body`, in order: those whose attribute the endpoint's error
/// `detail` names, then sub-attributes, then whole attributes, then the other shapes Entra
/// sends, then the minimal form. The identifying attribute (`userName`, `displayName`),
/// `schemas` and `meta` are never removed.
pub fn candidates(kind: Kind, body: &Value, detail: &str) -> Vec<Edit> {
    let Value::Object(map) = body else {
        return vec![Edit::Tolerant];
    };
    let identity = match kind {
        Kind::User => "userName",
        Kind::Group => "displayName",
    };
    let mut subs = Vec::new();
    let mut tops = Vec::new();
    for (k, v) in map {
        if k == identity || k == "schemas" || k == "meta" {
            continue;
        }
        match v {
            Value::Object(o) if k == ENTERPRISE_USER_SCHEMA => {
                for sk in o.keys() {
                    subs.push(Edit::Remove(format!("{k}:{sk}")));
                }
            }
            Value::Object(o) => {
                for sk in o.keys() {
                    subs.push(Edit::Remove(format!("{k}.{sk}")));
                }
            }
            Value::Array(items) => {
                let mut keys: Vec<&String> = Vec::new();
                for item in items {
                    if let Value::Object(o) = item {
                        for sk in o.keys() {
                            if !keys.contains(&sk) {
                                keys.push(sk);
                            }
                        }
                    }
                }
                for sk in keys {
                    if sk != "value" {
                        subs.push(Edit::Remove(format!("{k}[].{sk}")));
                    }
                }
            }
            _ => {}
        }
        tops.push(Edit::Remove(k.clone()));
    }
    let mut shapes = Vec::new();
    if kind == Kind::Group {
        shapes.push(Edit::AddEmptyMembers);
        shapes.push(Edit::CoreSchemaOnly);
    }
    let mut all: Vec<Edit> = shapes.clone();
    all.extend(subs);
    all.extend(tops);
    // What the detail names goes first (the leaf name, as servers word it: "type", "name").
    let detail = detail.to_ascii_lowercase();
    let named = |e: &Edit| match e {
        Edit::Remove(p) => {
            let leaf = p
                .rsplit(['.', ':'])
                .next()
                .unwrap_or(p)
                .to_ascii_lowercase();
            let top = top_of(p).to_ascii_lowercase();
            mentions(&detail, &leaf) || mentions(&detail, &top)
        }
        Edit::AddEmptyMembers => mentions(&detail, "members"),
        Edit::CoreSchemaOnly => mentions(&detail, "schema"),
        Edit::Tolerant | Edit::ManagerAsObject | Edit::BooleanValues => false,
    };
    let (mut first, rest): (Vec<Edit>, Vec<Edit>) = all.into_iter().partition(named);
    first.extend(rest);
    first.push(Edit::Tolerant);
    first.truncate(MAX_PROBES);
    first
}

/// Whether `detail` names `word` as a word (not inside another one).
fn mentions(detail: &str, word: &str) -> bool {
    if word.len() < 3 {
        return false;
    }
    detail.match_indices(word).any(|(i, _)| {
        let before = detail[..i].chars().next_back();
        let after = detail[i + word.len()..].chars().next();
        let edge = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
        edge(before) && edge(after)
    })
}

/// What the searches of a vendor's run found, by `<kind>:<dialect>:<what the step sets>` (or
/// the refused PATCH's key): the edit the endpoint accepts, or `None` when no single edit helped.
#[derive(Debug, Default)]
pub struct Adaptations {
    found: tokio::sync::Mutex<HashMap<String, Option<Edit>>>,
}

impl Adaptations {
    /// Locks the table for one search (searches for the same vendor run one at a time).
    pub async fn lock(&self) -> tokio::sync::MutexGuard<'_, HashMap<String, Option<Edit>>> {
        self.found.lock().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER_SCHEMA],
            "userName": "a", "active": true,
            "emails": [{"type": "work", "primary": true, "value": "a@x"}],
            "name": {"givenName": "A", "formatted": "A B"},
            ENTERPRISE_USER_SCHEMA: {"department": "D"},
        })
    }

    #[test]
    fn detail_named_attributes_come_first_and_identity_is_kept() {
        let c = candidates(Kind::User, &user(), "Attribute 'primary' is not allowed");
        assert_eq!(c[0], Edit::Remove("emails[].primary".into()));
        assert!(!c.contains(&Edit::Remove("userName".into())));
        assert_eq!(c.last(), Some(&Edit::Tolerant));
    }

    #[test]
    fn edits_remove_sub_attributes_and_extension_keys() {
        let mut b = user();
        assert!(Edit::Remove("emails[].type".into()).apply(&mut b));
        assert!(b["emails"][0].get("type").is_none());
        assert!(Edit::Remove(format!("{ENTERPRISE_USER_SCHEMA}:department")).apply(&mut b));
        assert!(Edit::Remove("name.formatted".into()).apply(&mut b));
        assert!(!Edit::Remove("title".into()).apply(&mut b));
        assert!(Edit::Remove(ENTERPRISE_USER_SCHEMA.into()).apply(&mut b));
        assert_eq!(b["schemas"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn group_shapes_and_set_conflicts() {
        let mut g = json!({"schemas": [GROUP_SCHEMA, "http://x/ADSCIM"], "displayName": "g"});
        assert_eq!(candidates(Kind::Group, &g, "")[0], Edit::AddEmptyMembers);
        assert!(Edit::AddEmptyMembers.apply(&mut g));
        assert!(Edit::CoreSchemaOnly.apply(&mut g));
        assert_eq!(g["schemas"], json!([GROUP_SCHEMA]));
        assert!(Edit::Remove("roles[].primary".into()).touches(&["roles".into()]));
        assert!(!Edit::Remove("emails".into()).touches(&["roles".into()]));
    }

    #[test]
    fn a_bare_manager_id_becomes_an_object() {
        let mut p = json!({"Operations": [{"op": "Add", "path": format!("{ENTERPRISE_USER_SCHEMA}:manager"), "value": "m1"}]});
        assert_eq!(patch_candidates(&p), vec![Edit::ManagerAsObject]);
        assert!(Edit::ManagerAsObject.apply(&mut p));
        assert_eq!(p["Operations"][0]["value"], json!({"value": "m1"}));
        assert!(patch_candidates(&p).is_empty());
        let mut b = json!({"Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
        assert_eq!(patch_candidates(&b), vec![Edit::BooleanValues]);
        assert!(Edit::BooleanValues.apply(&mut b));
        assert_eq!(b["Operations"][0]["value"], json!(false));
        let k = patch_key(&json!({"Operations": [{"path": "members[value eq \"x\"]"}]}));
        assert_eq!(k, "patch:members[value eq \"\"]");
    }

    #[test]
    fn mentions_whole_words_only() {
        assert!(mentions("'name' is required", "name"));
        assert!(!mentions("username is required", "name"));
    }
}
