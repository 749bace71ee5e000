//! PATCH of a value-filtered path, `attr[filter]` or `attr[filter].sub`: update, create from the
//! filter when nothing matches, clear, remove; `filtered-path-no-create` and
//! `filtered-replace-appends` change it.

use super::request::OpKind;
use super::shared::{existing_list, is_clear, is_hollow, merge, need_value, set_sub, PatchContext};
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::filter::{self, Filter, MatchOptions};
use crate::server::util::remove_ci;
use serde_json::{Map, Value};

/// Applies one operation on `key[filter]` (or `key[filter].sub`) of `container`.
pub(super) fn patch_value_path(
    container: &mut Map<String, Value>,
    key: String,
    filter: &Filter,
    sub: Option<&str>,
    op: OpKind,
    value: Option<&Value>,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let opts = MatchOptions::default();
    let mut list = existing_list(container, &key);
    let hits: Vec<usize> = list
        .iter()
        .enumerate()
        .filter(|(_, el)| filter::matches_element(el, &key, filter, &opts))
        .map(|(i, _)| i)
        .collect();
    if sub.is_some_and(|s| s.eq_ignore_ascii_case("primary"))
        && op != OpKind::Remove
        && ctx.has(Fault::FilteredPrimaryIgnored)
    {
        return Ok(());
    }
    let clearing = op == OpKind::Remove || value.is_some_and(|v| is_clear(op, v));
    if clearing {
        if hits.is_empty() {
            return Ok(());
        }
        remove_matches(&mut list, &hits, sub);
    } else {
        let v = need_value(value, &key)?;
        let appends = op == OpKind::Replace
            && sub.is_some()
            && !key.eq_ignore_ascii_case("members")
            && ctx.has(Fault::FilteredReplaceAppends);
        if hits.is_empty() || appends {
            if hits.is_empty() && ctx.has(Fault::FilteredPathNoCreate) {
                return Ok(());
            }
            if hits.is_empty() && ctx.has(Fault::FilteredPathAddRefused) {
                return Err(ScimError::NoTarget(format!(
                    "the filter of `{key}` matches no element"
                )));
            }
            list.push(Value::Object(create_element(&key, filter, sub, v, op)?));
        } else {
            update_matches(&mut list, &hits, &key, sub, v, op)?;
        }
    }
    if list.is_empty() && !key.eq_ignore_ascii_case("members") {
        container.shift_remove(&key);
    } else {
        container.insert(key, Value::Array(list));
    }
    Ok(())
}

/// Removes the matching elements (no `sub`) or their `sub`, then elements left hollow.
fn remove_matches(list: &mut Vec<Value>, hits: &[usize], sub: Option<&str>) {
    match sub {
        None => {
            let mut i = 0;
            list.retain(|_| {
                i += 1;
                !hits.contains(&(i - 1))
            });
        }
        Some(s) => {
            for &i in hits {
                if let Some(Value::Object(o)) = list.get_mut(i) {
                    remove_ci(o, s);
                }
            }
            list.retain(|it| !is_hollow(it));
        }
    }
}

/// The element the filter describes (`type eq "work"` -> `{"type":"work"}`) with `v` written in.
fn create_element(
    key: &str,
    filter: &Filter,
    sub: Option<&str>,
    v: &Value,
    op: OpKind,
) -> Result<Map<String, Value>, ScimError> {
    let mut el = filter::template(filter).ok_or_else(|| {
        ScimError::NoTarget(format!(
            "no `{key}` element matches the path filter and it does not describe one to create"
        ))
    })?;
    match (sub, v) {
        (Some(s), _) => set_sub(&mut el, s, v),
        (None, Value::Object(o)) => merge(&mut el, o, op),
        (None, other) => return Err(object_needed(key, other)),
    }
    Ok(el)
}

/// Writes `v` into every matching element (a sub-attribute, or the element itself).
fn update_matches(
    list: &mut [Value],
    hits: &[usize],
    key: &str,
    sub: Option<&str>,
    v: &Value,
    op: OpKind,
) -> Result<(), ScimError> {
    for &i in hits {
        let Some(Value::Object(o)) = list.get_mut(i) else {
            continue;
        };
        match (sub, v) {
            (Some(s), _) => set_sub(o, s, v),
            (None, Value::Object(n)) if op == OpKind::Add => merge(o, n, op),
            (None, Value::Object(n)) => *o = n.clone(),
            (None, other) => return Err(object_needed(key, other)),
        }
    }
    Ok(())
}

fn object_needed(key: &str, got: &Value) -> ScimError {
    ScimError::InvalidValue(format!(
        "a value-filtered `{key}` path without a sub-attribute needs an object value, not {got}"
    ))
}
