//! The provisioning-cycle simulation (`scim-conformance simulate`): replays Entra's provisioning
//! cycles for synthetic tenants shaped by a vendor profile, at a researched pace, measures the
//! endpoint under that load, checks that nothing was lost, and cleans up.
//!
//! Data flows one way: [`settings`] + profile -> [`tenant`] (what each job provisions) ->
//! [`job`] (requests, built by [`bodies`], sent by [`send`] at the [`pace`]) -> [`metrics`]
//! (measurements) and [`model`] (what was acknowledged) -> [`verify`] (the end state) ->
//! [`report`] (typed data) -> [`summary`] (text) and [`chart`] (SVG). [`engine`] runs the
//! whole; [`cleanup`] keeps the tenant safe (with `exec`'s ledger); [`stop`] bounds it in time.

pub mod bodies;
pub mod capture;
pub mod chart;
pub mod cleanup;
pub mod engine;
pub mod forecast;
pub mod job;
pub mod kind;
pub mod metrics;
pub mod model;
pub mod pace;
pub mod phase;
pub mod report;
pub mod scenario;
pub mod send;
pub mod settings;
pub mod stop;
pub mod summary;
pub mod tenant;
pub mod verify;

pub use engine::{run, Setup};
pub use report::SimReport;
pub use settings::{Pace, Settings};
