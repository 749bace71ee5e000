//! Writers: every text a reader sees is rendered here from the outcome model
//! ([`TrialOutcome`](crate::outcome::TrialOutcome), [`RunSummary`](crate::outcome::RunSummary)).
//! [`text`] renders libtest failure messages and the stderr summary, [`events`] the summary
//! event of libtest's JSON stream. The report files of `--report FORMAT=PATH` ([`format`]) are
//! [`junit`], [`json`], [`html`], [`markdown`] and [`har`], written by [`write`]; [`view`]
//! holds what they derive alike (verdict, capability matrix). [`baseline`] renders a vendor's
//! snapshot baseline as a document (`scim-conformance report`), [`simulation`] the reports of
//! `scim-conformance simulate`.

pub mod baseline;
pub mod events;
pub mod format;
pub mod har;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod simulation;
pub mod text;
pub mod view;
pub mod write;

#[cfg(test)]
mod sample;

pub use format::{ReportFormat, ReportRequest};
pub use write::{write_all, ReportError};
