//! PATCH of a group's `members`: add, replace and remove in both Entra dialects.

use super::apply::{existing_list, need_value, PatchContext};
use super::request::OpKind;
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::normalize::{item_value, items_of, normalize_members, push_unique};
use serde_json::{Map, Value};

/// Applies one add/replace/remove of `members` to the group `container` (key `key`).
pub(super) fn patch_members(
    container: &mut Map<String, Value>,
    key: String,
    op: OpKind,
    value: Option<&Value>,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let mut list = existing_list(container, &key);
    match op {
        OpKind::Add => {
            let mut items = normalize_members(need_value(value, "members")?, ctx.member_info)?;
            if ctx.has(Fault::MemberAddFirstOnly) {
                items.truncate(1);
            }
            if ctx.has(Fault::MembersAddAsReplace) {
                list = items;
            } else if ctx.has(Fault::MemberReaddDuplicates) {
                list.extend(items);
            } else {
                push_unique(&mut list, items);
            }
        }
        OpKind::Replace => {
            list = normalize_members(need_value(value, "members")?, ctx.member_info)?;
        }
        OpKind::Remove => {
            if ctx.has(Fault::MemberRemoveIgnored) {
                return Ok(());
            }
            match value {
                None | Some(Value::Null) => list.clear(),
                Some(_) if ctx.has(Fault::MemberRemoveLegacyRefused) => {
                    return Err(ScimError::InvalidPath(
                        "remove members with a path filter: members[value eq \"<id>\"]".into(),
                    ))
                }
                Some(_) if ctx.has(Fault::MemberRemoveClearsAll) => list.clear(),
                Some(v) => {
                    let targets = items_of(v, "members")?;
                    let ids: Vec<&Value> = targets
                        .iter()
                        .map(|t| {
                            item_value(t).ok_or_else(|| {
                                ScimError::InvalidValue(format!("member {t} has no value"))
                            })
                        })
                        .collect::<Result<_, _>>()?;
                    list.retain(|m| !item_value(m).is_some_and(|v| ids.contains(&v)));
                }
            }
        }
    }
    container.insert(key, Value::Array(list));
    Ok(())
}
