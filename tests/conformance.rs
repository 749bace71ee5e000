//! `cargo test` entry point: every suite entry as one trial, against `--target-url` or the
//! embedded reference server. Same runner as `scim-conformance check`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    scim_conformance::app::check::main(scim_conformance::cli::TestCli::parse())
}
