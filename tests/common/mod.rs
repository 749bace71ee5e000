//! Helpers shared by the test binaries: where the package is, outcome messages as libtest shows
//! them, a runtime, the package's profiles.
#![allow(dead_code)]

use std::path::PathBuf;

use scim_conformance::core::files::Tree;
use scim_conformance::outcome::TrialOutcome;
use scim_conformance::profile::VendorProfile;

/// The package directory (suites, fixtures, snapshots on disk).
pub fn package_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The package's fixtures folder as a tree on disk.
pub fn fixtures() -> Tree {
    Tree::Disk(package_dir().join("fixtures"))
}

/// The failure message libtest would show for this outcome.
pub fn message(o: &TrialOutcome, strict: bool) -> String {
    scim_conformance::report::text::trial_message(o, strict)
}

/// The harness's runtime, with the error as text.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    scim_conformance::app::runtime().map_err(|e| e.to_string())
}

/// Every vendor profile of the package.
pub fn profiles() -> Result<Vec<VendorProfile>, String> {
    scim_conformance::profile::load_all(&fixtures()).map_err(|e| e.to_string())
}
