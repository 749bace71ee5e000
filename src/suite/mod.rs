//! Suites are data: `suites/*.toml` files of entries, each a scenario of HTTP steps exactly as
//! Entra sends them, with expectations. [`model`] is the file format, [`load`] reads and checks
//! it, [`template`] renders `{{placeholders}}`.

pub mod load;
pub mod model;
pub mod template;

pub use load::{load_dir, Body, CheckedEntry, CheckedStep, Suite, SuiteError};
