//! `attributes` / `excludedAttributes` (RFC 7644 §3.9): which attributes a response carries.

use crate::server::faults::Fault;
use crate::server::filter::AttrPath;
use crate::server::util::{key_ci, remove_ci};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// `attributes` / `excludedAttributes` as requested.
#[derive(Debug, Default)]
pub struct Projection {
    attributes: Vec<(String, Option<AttrPath>)>,
    excluded: Vec<(String, Option<AttrPath>)>,
}

fn split_list(raw: Option<&str>) -> Vec<(String, Option<AttrPath>)> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| (s.to_string(), AttrPath::parse(s).ok()))
        .collect()
}

fn always_returned(key: &str) -> bool {
    ["id", "schemas", "meta"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key))
}

/// Keeps only the requested sub-attributes of `v` (all of it if one request names no sub).
fn restrict_subs(v: &mut Value, paths: &[&AttrPath]) {
    if paths.iter().any(|p| p.sub.is_none()) {
        return;
    }
    let keep = |o: &mut Map<String, Value>| {
        o.retain(|k, _| {
            paths
                .iter()
                .any(|p| p.sub.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(k)))
        });
    };
    match v {
        Value::Object(o) => keep(o),
        Value::Array(items) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(keep),
        _ => {}
    }
}

fn remove_path(map: &mut Map<String, Value>, raw: &str, path: Option<&AttrPath>) {
    if always_returned(raw) {
        return;
    }
    if remove_ci(map, raw).is_some() {
        return;
    }
    let Some(p) = path else { return };
    let container = match &p.urn {
        None => Some(map),
        Some(urn) => key_ci(map, urn)
            .and_then(|k| map.get_mut(&k))
            .and_then(Value::as_object_mut),
    };
    let Some(container) = container else { return };
    match &p.sub {
        None => {
            if p.urn.is_some() || !always_returned(&p.attr) {
                remove_ci(container, &p.attr);
            }
        }
        Some(sub) => match key_ci(container, &p.attr).and_then(|k| container.get_mut(&k)) {
            Some(Value::Object(o)) => {
                remove_ci(o, sub);
            }
            Some(Value::Array(items)) => {
                for o in items.iter_mut().filter_map(Value::as_object_mut) {
                    remove_ci(o, sub);
                }
            }
            _ => {}
        },
    }
}

impl Projection {
    /// The projection the `attributes` and `excludedAttributes` query values ask for
    /// (`members-despite-excluded` ignores an excluded `members`).
    pub fn new(
        attributes: Option<&str>,
        excluded_attributes: Option<&str>,
        faults: &BTreeSet<Fault>,
    ) -> Self {
        let mut excluded = split_list(excluded_attributes);
        if faults.contains(&Fault::MembersDespiteExcluded) {
            excluded.retain(|(raw, _)| !raw.eq_ignore_ascii_case("members"));
        }
        Projection {
            attributes: split_list(attributes),
            excluded,
        }
    }

    /// `resource` with only the attributes this projection keeps (id, schemas, meta always).
    pub fn apply(&self, resource: &Value) -> Value {
        let Value::Object(map) = resource else {
            return resource.clone();
        };
        let mut out = map.clone();
        if !self.attributes.is_empty() {
            out.retain(|k, v| {
                if always_returned(k)
                    || self
                        .attributes
                        .iter()
                        .any(|(raw, _)| raw.eq_ignore_ascii_case(k))
                {
                    return true;
                }
                let core: Vec<&AttrPath> = self
                    .attributes
                    .iter()
                    .filter_map(|(_, p)| p.as_ref())
                    .filter(|p| p.urn.is_none() && p.attr.eq_ignore_ascii_case(k))
                    .collect();
                if !core.is_empty() {
                    restrict_subs(v, &core);
                    return true;
                }
                let ext: Vec<&AttrPath> = self
                    .attributes
                    .iter()
                    .filter_map(|(_, p)| p.as_ref())
                    .filter(|p| p.urn.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(k)))
                    .collect();
                if ext.is_empty() {
                    return false;
                }
                if let Value::Object(e) = v {
                    e.retain(|ek, ev| {
                        let hits: Vec<&AttrPath> = ext
                            .iter()
                            .copied()
                            .filter(|p| p.attr.eq_ignore_ascii_case(ek))
                            .collect();
                        restrict_subs(ev, &hits);
                        !hits.is_empty()
                    });
                }
                true
            });
        } else {
            for (raw, p) in &self.excluded {
                remove_path(&mut out, raw, p.as_ref());
            }
        }
        Value::Object(out)
    }
}
