//! Per-vendor snapshots of what the endpoint answered: each trial's exchanges [normalized]
//! (normalize) into a [document], compared with or recorded as a baseline by the [store]. The
//! comparison comes back as data ([`SnapshotResult`](crate::outcome::SnapshotResult)); nothing
//! here prints. A recorded baseline reads back as typed data with [baseline], and the `.snap.new` files
//! awaiting review with [pending].

pub mod baseline;
pub mod document;
pub mod normalize;
pub mod pending;
pub mod store;

pub use document::{document, name};
pub use store::{SnapshotMode, Store};
