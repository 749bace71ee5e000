//! Writers: every text a reader sees is rendered here from the outcome model
//! ([`TrialOutcome`](crate::outcome::TrialOutcome), [`RunSummary`](crate::outcome::RunSummary)).
//! [`text`] renders libtest failure messages and the stderr summary; the machine-readable and
//! document formats live beside it.

pub mod events;
pub mod text;
