//! Validation of a JSON document against one of the package's committed JSON Schemas (boon).

use serde_json::Value;

/// Validates `value` against the schema text `schema` (named `name` in messages); the error
/// names what the document is (`what`) and every mismatch.
pub fn validate(schema: &str, name: &str, what: &str, value: &Value) -> Result<(), String> {
    let schema: Value = serde_json::from_str(schema).map_err(|e| format!("{name}: {e}"))?;
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource(name, schema)
        .map_err(|e| e.to_string())?;
    let id = compiler
        .compile(name, &mut schemas)
        .map_err(|e| format!("{e:#}"))?;
    schemas
        .validate(value, id)
        .map_err(|e| format!("{what} does not match its schema: {e:#}"))
}
