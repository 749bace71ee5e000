//! scim-conformance: will Microsoft Entra ID provisioning work against this SCIM 2.0 endpoint?
//!
//! The tour, in the order data flows:
//! - [`cli`]: the harness flags, beside libtest's own.
//! - [`suite`]: `suites/*.toml` read and checked (a bad entry becomes a failing trial).
//! - [`profile`]: vendor profiles (`fixtures/vendors/*.toml`) shape every request.
//! - [`plan`]: suites x vendor x dialects -> one trial each.
//! - [`exec`]: one trial: render, send ([`client`]), check ([`check`]), clean up ([`ledger`]).
//! - [`snapshot`]: normalized per-vendor snapshots of what the endpoint answered.
//! - [`runner`]: the libtest-mimic runner shared by `cargo test` and `scim-conformance check`.
//! - [`server`]: the embedded reference SCIM server, with switchable faults for self-tests.
//! - [`cleanup`]: `scim-conformance cleanup`, leftovers of aborted runs by name prefix.
//! - [`oauth`]: OAuth 2.0 client credentials (token fetched, cached, refreshed).
//! - [`secret`]: tokens that never print.

pub mod check;
pub mod cleanup;
pub mod cli;
pub mod client;
pub mod core;
pub mod dialect;
pub mod exec;
pub mod ledger;
pub mod oauth;
pub mod plan;
pub mod profile;
pub mod runner;
pub mod secret;
pub mod server;
pub mod snapshot;
pub mod suite;
