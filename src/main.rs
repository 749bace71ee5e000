//! `scim-conformance`: `check` runs the conformance trials (as `cargo test` does), `serve` runs
//! the reference SCIM server standalone, `cleanup` deletes leftovers of aborted runs, `report`
//! renders a recorded baseline as a document, `review` accepts or rejects changed snapshots,
//! `simulate` replays Entra's provisioning cycles
//! under load.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scim_conformance::app;
use scim_conformance::cli::{
    CleanupArgs, ProfileArgs, ReportArgs, ReviewArgs, ServeArgs, SimulateArgs, TestCli,
};

#[derive(Parser, Debug)]
#[command(
    name = "scim-conformance",
    version,
    about = "Will Microsoft Entra ID provisioning work against this SCIM 2.0 endpoint?"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the conformance trials against --target-url (or the embedded reference server).
    /// Takes the same flags as `cargo test -- ...`.
    Check(Box<TestCli>),
    /// Run the in-memory reference SCIM server until Ctrl-C.
    #[command(after_help = scim_conformance::cli::SERVE_AFTER_HELP)]
    Serve(ServeArgs),
    /// Find and delete leftovers of earlier, aborted runs (names starting with `scimconf-`);
    /// lists them first, never touches anything else.
    #[command(
        after_help = scim_conformance::cli::CLEANUP_AFTER_HELP,
        mut_arg("target_url", |a| a.help(scim_conformance::cli::CLEANUP_TARGET_HELP))
    )]
    Cleanup(CleanupArgs),
    /// Render a vendor's recorded snapshot baseline as a document: per trial, what Entra sent
    /// and what the endpoint answered.
    #[command(after_help = scim_conformance::cli::REPORT_AFTER_HELP)]
    Report(ReportArgs),
    /// Review the snapshots a `check` found changed (the `.snap.new` files beside the
    /// baselines): each trial by name, its diff from the exchange that changed; accept or
    /// reject each, no cargo-insta needed.
    #[command(after_help = scim_conformance::cli::REVIEW_AFTER_HELP)]
    Review(ReviewArgs),
    /// Vendor profiles: `profile import SCHEMA.json --name NAME` writes one from the provisioning
    /// schema Entra exports; `profile show --vendor NAME` prints the mapping the harness replays.
    #[command(
        after_help = "Exit codes: 0 shown or imported; 1 the profile could not be written; 2 usage error (an unknown vendor, a schema that is malformed, has no SCIM user mapping or uses an unsupported function, a profile that does not load)."
    )]
    Profile(ProfileArgs),
    /// Replay Entra's provisioning cycles for synthetic tenants under load, measure the endpoint
    /// (throughput, latency, errors, 429s, read-after-write lag), verify nothing was lost, and
    /// clean up. Without --target-url it runs against the embedded reference server.
    #[command(
        after_help = scim_conformance::cli::SIMULATE_AFTER_HELP,
        mut_arg("target_url", |a| a.help(scim_conformance::cli::SIMULATE_TARGET_HELP))
    )]
    Simulate(Box<SimulateArgs>),
}

fn main() -> ExitCode {
    app::exit(match Cli::parse().command {
        Command::Check(cli) => app::check::run(*cli),
        Command::Serve(args) => app::serve::main(args),
        Command::Cleanup(args) => app::cleanup::main(args),
        Command::Report(args) => app::report::main(args),
        Command::Review(args) => app::review::main(args),
        Command::Profile(args) => app::profile::main(args),
        Command::Simulate(args) => match args.action {
            Some(scim_conformance::cli::SimulateAction::Verify(v)) => app::replay::main(*v),
            None => app::simulate::main(*args),
        },
    })
}
