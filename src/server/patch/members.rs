//! PATCH of a group's `members` in both Entra dialects, in two steps: operations are planned
//! into [`MemberEdit`]s (everything that can fail, with the member faults decided), then the
//! edits are applied to the member list in place, without failing and without copying it.

use super::path::PatchPath;
use super::request::{OpKind, PatchOperation};
use super::shared::{need_value, PatchContext};
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::filter::{self, Filter, MatchOptions};
use crate::server::normalize::{item_value, items_of, normalize_members};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// One validated change to a member list.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberEdit {
    /// Append these members; with `dedupe`, skip the ones already present.
    Add {
        /// Normalised members (`value`, `display`, `type`).
        members: Vec<Value>,
        /// Skip members already present (off under `member-readd-duplicates`).
        dedupe: bool,
    },
    /// Replace the whole list.
    Replace(Vec<Value>),
    /// Remove the members with these `value`s (the legacy form).
    Remove(Vec<Value>),
    /// Remove the members a value filter matches (`members[value eq "..."]`).
    RemoveWhere(Filter),
    /// Remove every member.
    Clear,
}

/// Plans one operation on path `members` (or `members[filter]` for a remove); `None` when the
/// fault at hand makes the operation a no-op.
fn plan_one(
    op: OpKind,
    filter: Option<&Filter>,
    value: Option<&Value>,
    ctx: &PatchContext<'_>,
) -> Result<Option<MemberEdit>, ScimError> {
    Ok(Some(match (op, filter) {
        (OpKind::Remove, Some(f)) => {
            if ctx.has(Fault::MemberRemoveFilterRejected) {
                return Err(ScimError::InvalidPath(
                    "unsupported path: a value filter on members".into(),
                ));
            }
            if ctx.has(Fault::MemberRemoveIgnored) {
                return Ok(None);
            }
            MemberEdit::RemoveWhere(f.clone())
        }
        (_, Some(_)) => {
            return Err(ScimError::Internal(
                "only a remove plans a filtered members path".into(),
            ))
        }
        (OpKind::Add, None) => {
            if ctx.has(Fault::MemberAddIgnored) {
                return Ok(None);
            }
            let mut members = normalize_members(need_value(value, "members")?, ctx.member_info)?;
            if ctx.has(Fault::MemberAddFirstOnly) {
                members.truncate(1);
            }
            if ctx.has(Fault::MembersAddAsReplace) {
                MemberEdit::Replace(members)
            } else {
                MemberEdit::Add {
                    members,
                    dedupe: !ctx.has(Fault::MemberReaddDuplicates),
                }
            }
        }
        (OpKind::Replace, None) => MemberEdit::Replace(normalize_members(
            need_value(value, "members")?,
            ctx.member_info,
        )?),
        (OpKind::Remove, None) => {
            if ctx.has(Fault::MemberRemoveIgnored) {
                return Ok(None);
            }
            match value {
                None | Some(Value::Null) => MemberEdit::Clear,
                Some(_) if ctx.has(Fault::MemberRemoveLegacyRefused) => {
                    return Err(ScimError::InvalidPath(
                        "remove members with a path filter: members[value eq \"<id>\"]".into(),
                    ))
                }
                Some(_) if ctx.has(Fault::MemberRemoveClearsAll) => MemberEdit::Clear,
                Some(v) => MemberEdit::Remove(
                    items_of(v, "members")?
                        .iter()
                        .map(|t| {
                            item_value(t).cloned().ok_or_else(|| {
                                ScimError::InvalidValue(format!("member {t} has no value"))
                            })
                        })
                        .collect::<Result<_, _>>()?,
                ),
            }
        }
    }))
}

/// Plans `ops` when every one of them targets `members` of a group (`members` with any op,
/// `members[filter]` with remove); `Ok(None)` when some operation targets anything else, so the
/// general PATCH path applies.
pub fn plan_member_edits(
    ops: &[PatchOperation],
    ctx: &PatchContext<'_>,
) -> Result<Option<Vec<MemberEdit>>, ScimError> {
    let mut edits = Vec::with_capacity(ops.len());
    for op in ops {
        let Some(path) = op.path.as_deref() else {
            return Ok(None);
        };
        let Ok(p) = PatchPath::parse(path) else {
            return Ok(None);
        };
        let members = p.urn.is_none() && p.sub.is_none() && p.attr.eq_ignore_ascii_case("members");
        if !members || (p.filter.is_some() && op.op != OpKind::Remove) {
            return Ok(None);
        }
        edits.extend(plan_one(op.op, p.filter.as_ref(), op.value.as_ref(), ctx)?);
    }
    Ok(Some(edits))
}

/// The `value` of a member as text, for set lookups.
fn id_of(member: &Value) -> Option<&str> {
    item_value(member).and_then(Value::as_str)
}

/// Applies planned edits to a member list, in place.
pub fn apply_member_edits(list: &mut Vec<Value>, edits: &[MemberEdit]) {
    let opts = MatchOptions::default();
    for edit in edits {
        match edit {
            MemberEdit::Add { members, dedupe } => {
                let mut present: HashSet<String> = if *dedupe {
                    list.iter().filter_map(id_of).map(str::to_string).collect()
                } else {
                    HashSet::new()
                };
                for m in members {
                    let new = id_of(m).is_none_or(|id| present.insert(id.to_string()));
                    if new || !dedupe {
                        list.push(m.clone());
                    }
                }
            }
            MemberEdit::Replace(members) => list.clone_from(members),
            MemberEdit::Remove(ids) => {
                list.retain(|m| !item_value(m).is_some_and(|v| ids.contains(v)));
            }
            MemberEdit::RemoveWhere(f) => {
                list.retain(|m| !filter::matches_element(m, "members", f, &opts));
            }
            MemberEdit::Clear => list.clear(),
        }
    }
}

/// Applies one add/replace/remove of path `members` to the group `container` (key `key`).
pub(super) fn patch_members(
    container: &mut Map<String, Value>,
    key: String,
    op: OpKind,
    value: Option<&Value>,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let Some(edit) = plan_one(op, None, value, ctx)? else {
        return Ok(());
    };
    let slot = container
        .entry(key)
        .or_insert_with(|| Value::Array(Vec::new()));
    if !slot.is_array() {
        let old = std::mem::take(slot);
        *slot = Value::Array(if old.is_null() { Vec::new() } else { vec![old] });
    }
    if let Value::Array(list) = slot {
        apply_member_edits(list, std::slice::from_ref(&edit));
    }
    Ok(())
}
