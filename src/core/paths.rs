//! SCIM attribute paths as Entra's attribute mappings write them — `a`, `a.b`,
//! `a[type eq "x"].b`, and enterprise-extension paths `urn:...:User:attr` — written into a
//! body and read back out of a response. The one home for this grammar: profiles build bodies
//! with [`insert`], checks compare answers with [`read`].

use serde_json::{json, Map, Value};

use super::scim::ENTERPRISE_USER_SCHEMA;

/// A path split into its parts.
enum Path<'a> {
    /// `urn:...:User:attr`.
    Extension(&'a str),
    /// `a[key eq "value"].sub` (`sub` empty means `value`).
    Filtered {
        attr: &'a str,
        key: String,
        value: String,
        sub: &'a str,
    },
    /// `a.b`.
    Sub(&'a str, &'a str),
    /// `a`.
    Plain(&'a str),
}

fn parse(target: &str) -> Path<'_> {
    if let Some(attr) = target
        .strip_prefix(ENTERPRISE_USER_SCHEMA)
        .and_then(|r| r.strip_prefix(':'))
    {
        return Path::Extension(attr);
    }
    if let Some((attr, rest)) = target.split_once('[') {
        let (filter, sub) = rest.split_once(']').unwrap_or((rest, ""));
        let (key, value) = filter
            .split_once(" eq ")
            .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
            .unwrap_or_default();
        return Path::Filtered {
            attr,
            key,
            value,
            sub: sub.trim_start_matches('.'),
        };
    }
    match target.split_once('.') {
        Some((a, b)) => Path::Sub(a, b),
        None => Path::Plain(target),
    }
}

/// Whether the path selects an element of a multi-valued attribute (`a[type eq "x"].b`).
pub fn is_filtered(target: &str) -> bool {
    matches!(parse(target), Path::Filtered { .. })
}

/// The top-level attribute a path lives in (`name` for `name.givenName`, the extension URN for
/// an extension path).
pub fn top(target: &str) -> &str {
    match parse(target) {
        Path::Extension(_) => ENTERPRISE_USER_SCHEMA,
        Path::Filtered { attr, .. } => attr,
        Path::Sub(a, _) => a,
        Path::Plain(a) => a,
    }
}

/// Puts a value at a path inside a body, creating the containers (and the filtered element)
/// it needs. The first work email is marked `primary`, as Entra sends it.
pub fn insert(body: &mut Map<String, Value>, target: &str, value: Value) {
    match parse(target) {
        Path::Extension(attr) => {
            let ext = body
                .entry(ENTERPRISE_USER_SCHEMA)
                .or_insert_with(|| json!({}));
            if let Value::Object(ext) = ext {
                ext.insert(attr.to_string(), value);
            }
        }
        Path::Filtered {
            attr,
            key,
            value: wanted,
            sub,
        } => {
            let list = body.entry(attr.to_string()).or_insert_with(|| json!([]));
            if let Value::Array(items) = list {
                let pos = items
                    .iter()
                    .position(|i| i.get(&key).and_then(Value::as_str) == Some(wanted.as_str()));
                let idx = match pos {
                    Some(i) => i,
                    None => {
                        let mut el = Map::new();
                        el.insert(key.clone(), Value::String(wanted.clone()));
                        if attr == "emails" && items.is_empty() {
                            el.insert("primary".into(), Value::Bool(true));
                        }
                        items.push(Value::Object(el));
                        items.len() - 1
                    }
                };
                if let Some(Value::Object(el)) = items.get_mut(idx) {
                    el.insert(
                        if sub.is_empty() { "value" } else { sub }.to_string(),
                        value,
                    );
                }
            }
        }
        Path::Sub(parent, sub) => {
            let obj = body.entry(parent.to_string()).or_insert_with(|| json!({}));
            if let Value::Object(obj) = obj {
                obj.insert(sub.to_string(), value);
            }
        }
        Path::Plain(attr) => {
            body.insert(attr.to_string(), value);
        }
    }
}

/// The value at a path in a response body; attribute names and the filter value compare
/// ignoring case, as SCIM says. `None` when absent.
pub fn read<'a>(body: &'a Value, target: &str) -> Option<&'a Value> {
    let get = |v: &'a Value, k: &str| -> Option<&'a Value> {
        v.as_object()?
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v)
    };
    match parse(target) {
        Path::Extension(attr) => get(get(body, ENTERPRISE_USER_SCHEMA)?, attr),
        Path::Filtered {
            attr,
            key,
            value,
            sub,
        } => {
            let items = get(body, attr)?.as_array()?;
            let el = items.iter().find(|i| {
                get(i, &key)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(&value))
            })?;
            get(el, if sub.is_empty() { "value" } else { sub })
        }
        Path::Sub(a, b) => get(get(body, a)?, b),
        Path::Plain(a) => get(body, a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_builds_nested_shapes() {
        let mut m = Map::new();
        insert(&mut m, r#"phoneNumbers[type eq "work"].value"#, json!("1"));
        insert(
            &mut m,
            r#"phoneNumbers[type eq "mobile"].value"#,
            json!("2"),
        );
        insert(&mut m, r#"addresses[type eq "work"].locality"#, json!("L"));
        insert(&mut m, "name.givenName", json!("A"));
        insert(
            &mut m,
            &format!("{ENTERPRISE_USER_SCHEMA}:department"),
            json!("D"),
        );
        assert_eq!(
            Value::Object(m),
            json!({"phoneNumbers": [{"type": "work", "value": "1"}, {"type": "mobile", "value": "2"}],
                   "addresses": [{"type": "work", "locality": "L"}], "name": {"givenName": "A"},
                   ENTERPRISE_USER_SCHEMA: {"department": "D"}})
        );
    }

    #[test]
    fn read_finds_what_insert_wrote_ignoring_case() {
        let body = json!({"Emails": [{"Type": "Work", "Value": "e@x"}], "name": {"givenName": "A"},
                          ENTERPRISE_USER_SCHEMA: {"department": "D"}, "title": "T"});
        assert_eq!(
            read(&body, r#"emails[type eq "work"].value"#),
            Some(&json!("e@x"))
        );
        assert_eq!(read(&body, "name.givenname"), Some(&json!("A")));
        assert_eq!(
            read(&body, &format!("{ENTERPRISE_USER_SCHEMA}:department")),
            Some(&json!("D"))
        );
        assert_eq!(read(&body, "title"), Some(&json!("T")));
        assert_eq!(read(&body, r#"emails[type eq "home"].value"#), None);
        assert!(is_filtered(r#"emails[type eq "work"].value"#));
        assert_eq!(top("name.givenName"), "name");
    }
}
