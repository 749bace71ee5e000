//! The execution engine: runs one planned trial against a target and returns its typed
//! [`TrialOutcome`](crate::outcome::TrialOutcome). [`context`] is what trials share, [`engine`]
//! runs the steps, [`adapt`] finds a body a strict endpoint accepts for preparation, [`ledger`] and [`ownership`] keep the tenant safe, [`journal`] keeps the harness's own requests for the HAR, [`lookup`] finds the
//! harness's resources by name, [`record`] redacts what is kept.

pub mod adapt;
pub mod context;
pub mod engine;
pub mod journal;
pub mod ledger;
pub mod lookup;
pub mod members;
pub mod ownership;
pub mod preflight;
pub mod record;
pub mod sweep;

pub use context::{Abort, Context};
pub use engine::run_trial;
pub use ledger::Ledger;
