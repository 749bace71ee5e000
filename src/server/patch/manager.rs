//! PATCH of the enterprise `manager`: set with Add or Replace (bare id, `{"value": id}` or
//! `[{"value": id}]`), change, clear (Replace `""`, `{"value": ""}`, null, or Remove);
//! `manager-replace-ignored`, `manager-clear-ignored` and `manager-change-rejected` change it.

use super::request::OpKind;
use super::shared::PatchContext;
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::normalize::normalize_manager;
use serde_json::{Map, Value};

/// Applies one operation on `manager` (or `manager.value`) in the extension `container`.
pub(super) fn set_manager(
    container: &mut Map<String, Value>,
    key: String,
    op: OpKind,
    value: Option<&Value>,
    ctx: &PatchContext<'_>,
) -> Result<(), ScimError> {
    let clears_with_empty = op != OpKind::Remove
        && value.is_some_and(|v| {
            v.as_str() == Some("") || v.get("value").and_then(Value::as_str) == Some("")
        });
    if clears_with_empty && ctx.has(Fault::ManagerClearRefused) {
        return Err(ScimError::InvalidValue(
            "manager must be a complex attribute with a non-empty value".into(),
        ));
    }
    let new = if op == OpKind::Remove {
        None
    } else {
        normalize_manager(value)?
    };
    let current = normalize_manager(container.get(&key)).ok().flatten();
    let differs = current
        .as_ref()
        .is_some_and(|c| new.as_ref().and_then(|m| m.get("value")) != c.get("value"));
    if differs && ctx.has(Fault::ManagerChangeRejected) {
        return Err(ScimError::Mutability(
            "the manager is set at creation and cannot change".into(),
        ));
    }
    match new {
        Some(m) => {
            let changes = current
                .as_ref()
                .is_some_and(|c| c.get("value") != m.get("value"));
            if changes && ctx.has(Fault::ManagerReplaceIgnored) {
                return Ok(());
            }
            container.insert(key, m);
        }
        None => {
            if ctx.has(Fault::ManagerClearIgnored) {
                return Ok(());
            }
            container.shift_remove(&key);
        }
    }
    Ok(())
}
