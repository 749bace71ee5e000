//! Suites are data: `suites/*.toml` files of entries, each a scenario of HTTP steps exactly as
//! Entra sends them, with expectations. [`model`] is the file format, [`load`] reads and checks
//! it, [`template`] renders `{{placeholders}}`, [`expect`] evaluates expectations, and
//! [`vocab`] is the contract between suites and vendor profiles (variables, capabilities).

pub mod discover;
pub mod expect;
pub mod load;
pub mod model;
pub mod template;
pub mod vocab;

pub use load::{load_dir, Body, CheckedEntry, CheckedStep, Suite, SuiteError};
