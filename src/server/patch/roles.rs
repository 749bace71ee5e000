//! PATCH of a user's `roles`: add, replace and remove, legacy stringified items included.

use super::request::OpKind;
use super::shared::{existing_list, need_value, PatchContext};
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::normalize::{normalize_roles, push_unique, same_item};
use serde_json::{Map, Value};

/// Applies one add/replace/remove of `roles` to the user `container` (key `key`).
pub(super) fn patch_roles(
    container: &mut Map<String, Value>,
    key: String,
    op: OpKind,
    value: Option<&Value>,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let mut list = existing_list(container, &key);
    match op {
        OpKind::Add => push_unique(
            &mut list,
            normalize_roles(need_value(value, "roles")?, ctx.faults)?,
        ),
        OpKind::Replace => {
            let items = normalize_roles(need_value(value, "roles")?, ctx.faults)?;
            if ctx.has(Fault::RolesReplaceAppends) {
                push_unique(&mut list, items);
            } else {
                list = items;
            }
        }
        OpKind::Remove => match value {
            None | Some(Value::Null) => list.clear(),
            Some(v) => {
                let targets = normalize_roles(v, ctx.faults)?;
                list.retain(|r| !targets.iter().any(|t| same_item(r, t)));
            }
        },
    }
    if list.is_empty() {
        container.shift_remove(&key);
    } else {
        container.insert(key, Value::Array(list));
    }
    Ok(())
}
