//! scim-conformance: will Microsoft Entra ID provisioning work against this SCIM 2.0 endpoint?
//!
//! The layers, top to bottom; each only uses the ones below it:
//! - [`app`]: composition roots for `check`, `serve`, `cleanup`, `report`, `review` and `simulate` (flags
//!   in [`cli`]); exit codes.
//! - [`runner`]: the libtest-mimic adapter: one trial per planned entry.
//! - [`report`]: every text and report rendered from the outcome model.
//! - [`snapshot`]: normalized per-vendor snapshots, compared and recorded as data.
//! - [`simulate`]: the provisioning-cycle simulation (Entra's cycles for synthetic tenants, under
//!   load), on the layers below.
//! - [`exec`]: the engine: runs a planned trial (render, send, check, capture, clean up) and
//!   keeps the tenant safe (ledger, ownership, sweep).
//! - [`plan`]: suites x vendor profile x dialects -> one [`plan::TrialSpec`] each.
//! - [`outcome`]: the typed result of a trial and a run.
//! - [`profile`]: vendor profiles shape every request; [`suite`]: suites are data.
//! - [`http`]: target, client and OAuth; [`core`]: vocabulary shared with the server.
//! - [`server`]: the embedded reference SCIM server, beside the harness; it shares only
//!   [`core`].

pub mod app;
pub mod cli;
pub mod core;
pub mod exec;
pub mod http;
pub mod outcome;
pub mod plan;
pub mod profile;
pub mod report;
pub mod runner;
pub mod server;
pub mod simulate;
pub mod snapshot;
pub mod suite;
