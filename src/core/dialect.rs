//! The two PATCH dialects Entra speaks, and which of them a run exercises.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

/// One Entra request dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// Entra's default (no `aadOptscim062020`): capitalised ops, `"False"`/`"True"` strings,
    /// one op per attribute, member removal by a `value` array.
    Legacy,
    /// The RFC-compliant dialect a tenant URL ending in `?aadOptscim062020` switches on:
    /// lowercase ops, JSON booleans, path-less `replace`, `members[value eq "..."]` removal.
    Compliant,
}

impl Dialect {
    /// Both dialects, legacy first.
    pub const ALL: [Dialect; 2] = [Dialect::Legacy, Dialect::Compliant];

    /// The lowercase name used in trial names, suite files and snapshot names.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Legacy => "legacy",
            Dialect::Compliant => "compliant",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The `--dialect` choice: one dialect or both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialectChoice {
    /// Run dialect-dependent entries in the legacy dialect only.
    Legacy,
    /// Run dialect-dependent entries in the compliant dialect only.
    Compliant,
    /// Run dialect-dependent entries once per dialect (the default).
    Both,
}

impl DialectChoice {
    /// The dialects this choice selects.
    pub fn dialects(self) -> &'static [Dialect] {
        match self {
            DialectChoice::Legacy => &[Dialect::Legacy],
            DialectChoice::Compliant => &[Dialect::Compliant],
            DialectChoice::Both => &Dialect::ALL,
        }
    }
}

impl FromStr for DialectChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "legacy" => Ok(DialectChoice::Legacy),
            "compliant" => Ok(DialectChoice::Compliant),
            "both" => Ok(DialectChoice::Both),
            other => Err(format!(
                "unknown dialect `{other}` (expected legacy, compliant or both)"
            )),
        }
    }
}
