//! Vocabulary and small utilities shared by the harness and the reference server: SCIM and
//! Entra names, secrets, dialects, the run-tag naming rule, text trimming, and the suites,
//! fixtures and snapshots embedded in the binary.

pub mod dialect;
pub mod files;
pub mod naming;
pub mod paths;
pub mod scim;
pub mod secret;
pub mod text;
pub mod toml_doc;
