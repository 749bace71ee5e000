//! The harness's own tests (`harness = false`): every check proven able to fail against a
//! deliberately broken server, malformed suites reported precisely. Accepts (and ignores) the
//! harness flags, so `cargo test -- --target-url X` works for the whole package.

#[path = "selftest/architecture.rs"]
mod architecture;
#[path = "common/mod.rs"]
mod common;
#[path = "selftest/dialects.rs"]
mod dialects;
#[path = "selftest/faults.rs"]
mod faults;
#[path = "selftest/lint.rs"]
mod lint;
#[path = "selftest/readme.rs"]
mod readme;
#[path = "selftest/transport.rs"]
mod transport;

use clap::Parser;
use scim_conformance::cli::TestCli;

fn main() -> std::process::ExitCode {
    let cli = TestCli::parse();
    if cli.harness.transport.target_url.is_some() && !cli.libtest.list {
        eprintln!("selftest: ignoring --target-url (self-tests use their own loopback servers)");
    }
    let mut trials = Vec::new();
    trials.extend(architecture::trials());
    trials.extend(dialects::trials());
    trials.extend(faults::trials());
    trials.extend(lint::trials());
    trials.extend(readme::trials());
    trials.extend(transport::trials());
    libtest_mimic::run(&cli.libtest, trials).exit_code()
}
