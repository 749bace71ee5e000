//! The PatchOp request body (RFC 7644 §3.5.2): operations parsed, in either Entra dialect.

use crate::core::scim::PATCH_OP_SCHEMA;
use crate::server::error::ScimError;
use crate::server::faults::Fault;
use crate::server::util::get_ci;
use serde_json::Value;
use std::collections::BTreeSet;

/// A PATCH operation kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `add`
    Add,
    /// `replace`
    Replace,
    /// `remove`
    Remove,
}

/// One entry of a PatchOp `Operations` array.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// The operation.
    pub op: OpKind,
    /// The target path; `None` for path-less add/replace.
    pub path: Option<String>,
    /// The operation's value, if any.
    pub value: Option<Value>,
}

/// Parses a PatchOp body (`schemas` and `Operations` in any order; `op` any case unless the
/// `capitalized-ops-rejected` fault is on).
pub fn parse_patch_body(
    body: &Value,
    faults: &BTreeSet<Fault>,
) -> Result<Vec<PatchOperation>, ScimError> {
    let obj = body
        .as_object()
        .ok_or_else(|| ScimError::InvalidSyntax("PATCH body must be a JSON object".into()))?;
    if let Some(schemas) = get_ci(obj, "schemas") {
        let ok = schemas.as_array().is_some_and(|a| {
            a.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
            })
        });
        if !ok {
            return Err(ScimError::InvalidSyntax(format!(
                "PATCH body schemas must contain {PATCH_OP_SCHEMA}"
            )));
        }
    }
    let ops = get_ci(obj, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::InvalidSyntax("PATCH body needs an Operations array".into()))?;
    if faults.contains(&Fault::PatchOpsLimit) && ops.len() > PATCH_OPS_LIMIT {
        return Err(ScimError::InvalidSyntax(format!(
            "at most {PATCH_OPS_LIMIT} operations per PATCH (got {})",
            ops.len()
        )));
    }
    let parsed: Vec<PatchOperation> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| {
            let o = op.as_object().ok_or_else(|| {
                ScimError::InvalidSyntax(format!("Operations[{i}] is not an object"))
            })?;
            let name = get_ci(o, "op").and_then(Value::as_str).ok_or_else(|| {
                ScimError::InvalidSyntax(format!("Operations[{i}] has no string `op`"))
            })?;
            if faults.contains(&Fault::CapitalizedOpsRejected) && name != name.to_lowercase() {
                return Err(ScimError::InvalidSyntax(format!(
                    "unsupported op `{name}` in Operations[{i}]"
                )));
            }
            let kind = match name.to_ascii_lowercase().as_str() {
                "add" => OpKind::Add,
                "replace" => OpKind::Replace,
                "remove" => OpKind::Remove,
                _ => {
                    return Err(ScimError::InvalidSyntax(format!(
                        "unknown op `{name}` in Operations[{i}]"
                    )))
                }
            };
            let path = match get_ci(o, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) if p.trim().is_empty() => None,
                Some(Value::String(p)) => Some(p.clone()),
                Some(_) => {
                    return Err(ScimError::InvalidPath(format!(
                        "Operations[{i}].path must be a string"
                    )))
                }
            };
            Ok(PatchOperation {
                op: kind,
                path,
                value: get_ci(o, "value").cloned(),
            })
        })
        .collect::<Result<_, _>>()?;
    if faults.contains(&Fault::NullUpdateRejected) {
        if let Some(i) = parsed
            .iter()
            .position(|o| o.op == OpKind::Replace && o.value.as_ref().is_some_and(carries_null))
        {
            return Err(ScimError::InvalidValue(format!(
                "Operations[{i}]: null is not a value"
            )));
        }
    }
    Ok(parsed)
}

/// How many operations one PATCH may carry under `patch-ops-limit`.
const PATCH_OPS_LIMIT: usize = 5;

/// Whether a replace value is null or has a null attribute (`null-update-rejected`).
fn carries_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(o) => o.values().any(Value::is_null),
        _ => false,
    }
}
