//! Composition roots: each command builds its pieces from the flags and runs them. [`check`] is
//! the conformance run (shared by `scim-conformance check` and `cargo test`), [`serve`] the
//! standalone reference server, [`cleanup`] the leftover sweeper, [`report`] renders a recorded
//! baseline, [`review`] accepts or rejects changed snapshots, [`profile`] shows a vendor profile's mapping, [`simulate`] the provisioning-cycle simulation. [`emulation`] turns a vendor profile
//! into a reference-server configuration, [`signals`] handles Ctrl-C, [`progress`] shows how far
//! a long run is on a terminal.
//!
//! Every command returns `Result<ExitCode, AppError>`; [`exit`] maps an error to its exit code,
//! the one place that does.

pub mod check;
pub mod cleanup;
pub mod emulation;
pub mod profile;
pub mod progress;
pub mod replay;
pub mod report;
pub mod review;
pub mod serve;
pub mod signals;
pub mod simulate;

use std::process::ExitCode;

/// The warning printed once when a secret reads like an ordinary word.
pub const ORDINARY_SECRET: &str = "a secret (token or client secret) is an ordinary word: every occurrence of that word is masked as *** in the output and the reports, ordinary text included";

use crate::core::files::FilesError;
use crate::exec::preflight::PreflightFailure;
use crate::http::{ClientError, TargetError};
use crate::profile::ProfileError;

/// Exit code: every trial passed.
pub const EXIT_OK: u8 = 0;
/// Exit code: a usage or configuration error (bad flag, bad suite folder, bad profile).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the preflight (Entra's Test Connection) failed: the target cannot be tested.
pub const EXIT_PREFLIGHT: u8 = 3;
/// Exit code: the run would execute no trial (empty vendor list, no suites, a filter matching
/// nothing).
pub const EXIT_NO_TRIALS: u8 = 4;
/// Exit code: a trial failed or was blocked, or the run left resources behind.
pub const EXIT_FAILED: u8 = 101;
/// `simulate` stopped (`--max-duration`) before the end state was verified: no verdict on what
/// the endpoint kept.
pub const EXIT_NOT_VERIFIED: u8 = 5;
/// Exit code: interrupted by SIGINT.
pub const EXIT_SIGINT: u8 = 130;
/// Exit code: interrupted by SIGTERM.
pub const EXIT_SIGTERM: u8 = 143;

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A flag or combination of flags that cannot work.
    #[error("{0}")]
    Usage(String),
    /// Suites, fixtures or snapshots that cannot be read.
    #[error(transparent)]
    Files(#[from] FilesError),
    /// A vendor profile that cannot be used.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A target URL that cannot be used.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// An HTTP client that cannot be built (bad CA file...).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A target cannot be tested at all (one paragraph per target).
    #[error("{}", .0.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("\n"))]
    Preflight(Vec<PreflightFailure>),
    /// The run would execute no trial, and why.
    #[error("{0}")]
    NoTrials(String),
    /// A requested report could not be written.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    /// The machine refused something the harness needs (runtime, socket, signal handler).
    #[error("{what}: {source}")]
    System {
        /// What could not be done.
        what: &'static str,
        /// Why.
        source: std::io::Error,
    },
}

impl AppError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::System { .. } | AppError::Report(_) => 1,
            AppError::Preflight(_) => EXIT_PREFLIGHT,
            AppError::NoTrials(_) => EXIT_NO_TRIALS,
            _ => EXIT_USAGE,
        }
    }
}

/// Prints an error (one line, `error: ...`) and turns a command's result into the exit code.
pub fn exit(result: Result<ExitCode, AppError>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// The tokio runtime the harness uses (two workers: machines here are small).
pub fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| AppError::System {
            what: "cannot start the async runtime",
            source,
        })
}
