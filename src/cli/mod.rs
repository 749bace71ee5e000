//! Command-line flags, as data: the harness's own flags beside libtest's ([`TestCli`]), the
//! transport flags shared by every command that talks to a target ([`TransportArgs`]), and the
//! other commands' flags. Nothing here runs anything; `app` reads these.
//!
//! The same flags are accepted by every test binary of this package, so
//! `cargo test -- --target-url URL` reaches every target without "Unrecognized option".

use std::net::IpAddr;
use std::path::PathBuf;

use crate::core::dialect::DialectChoice;
use crate::core::naming::RunId;
use crate::core::secret::Secret;
use crate::http::oauth::ClientAuth;
use crate::report::{ReportFormat, ReportRequest};
use crate::snapshot::SnapshotMode;
use crate::suite::expect::Severity;

/// Trials in flight against a target by default (`--max-in-flight`).
pub const DEFAULT_IN_FLIGHT: u64 = 8;

/// How to reach and authenticate to a target: shared by `check`, `cleanup` and the test
/// binaries, so the commands cannot drift apart.
#[derive(clap::Args, Debug, Clone)]
pub struct TransportArgs {
    /// SCIM base URL to test (e.g. https://staging.example/scim). Without it, `check` starts an
    /// embedded reference server on 127.0.0.1. A trailing `?aadOptscim062020` selects the
    /// compliant dialect (unless --dialect says otherwise) and is not sent on requests.
    #[arg(long, env = "SCIM_TARGET_URL", value_name = "URL")]
    pub target_url: Option<String>,

    /// Bearer token for the target. Prefer the SCIM_TOKEN environment variable: a flag is
    /// visible to other users of the machine in the process list.
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true, value_name = "TOKEN", value_parser = parse_secret)]
    pub token: Option<Secret>,

    /// OAuth 2.0 token endpoint: use client credentials instead of a static token (the client
    /// secret comes from the SCIM_CLIENT_SECRET environment variable only).
    #[arg(
        long,
        env = "SCIM_TOKEN_URL",
        value_name = "URL",
        requires = "client_id"
    )]
    pub token_url: Option<String>,

    /// OAuth client id (with --token-url).
    #[arg(long, env = "SCIM_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,

    /// Where the client credentials go in the token request: `header` (HTTP Basic, as Entra
    /// sends them) or `body`.
    #[arg(long, value_name = "WHERE", default_value = "header")]
    pub client_auth: ClientAuth,

    /// OAuth scope to request, if the token endpoint wants one.
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,

    /// Per-request timeout in seconds (connect, send and read the whole body).
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Retries of a request answered 429 or 503 (waiting out Retry-After, else 1 s, 2 s, 4 s...).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,

    /// Most seconds spent waiting between retries of one request.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub retry_budget: u64,

    /// Extra PEM CA certificate(s) to trust (a private CA), beside the system's.
    #[arg(long, env = "SCIM_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Accept any TLS certificate (never against production: a warning is printed).
    #[arg(long)]
    pub insecure: bool,

    /// A User-Agent header to send [default: none; no capture of the header Entra's
    /// provisioning service sends was found, and one report says it sends none].
    #[arg(long, value_name = "TEXT")]
    pub user_agent: Option<String>,
}

/// The harness's own flags (`check` and the test binaries).
#[derive(clap::Args, Debug, Clone)]
pub struct HarnessArgs {
    /// Target, credentials and transport.
    #[command(flatten)]
    pub transport: TransportArgs,

    /// Fail trials on every finding: the same as `--fail-on rfc`.
    #[arg(long)]
    pub strict: bool,

    /// The least severe level of check that fails a trial: `entra` (Entra provisioning breaks;
    /// the default), `gallery` (also what Microsoft's gallery validation rejects) or `rfc` (also
    /// RFC 7643/7644 MUSTs Entra tolerates). Checks below the level are warnings.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub fail_on: Option<Severity>,

    /// Name the answers slower than this many milliseconds in a warning (never a failure).
    /// Entra gives up on a request after 60 s (a Microsoft moderator's figure; the docs give
    /// none): the default flags a slow endpoint well before that. Time spent waiting out
    /// 429/503 does not count.
    #[arg(long, value_name = "MS", default_value_t = crate::outcome::latency::DEFAULT_SLOW_MS, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub slow_ms: u64,

    /// Against --target-url, how many trials run at once (the work waits on the network, not
    /// the CPU; Entra's own jobs send requests in parallel). --test-threads overrides it.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_IN_FLIGHT, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub max_in_flight: u64,

    /// Which Entra PATCH dialect(s) to replay: legacy, compliant or both [default: the vendor
    /// profile's `dialect` (both where the guide does not say, legacy for a guide whose Tenant
    /// URL has no ?aadOptscim062020), or compliant when the target URL carries
    /// ?aadOptscim062020].
    #[arg(long, value_name = "DIALECT", value_parser = parse_dialect)]
    pub dialect: Option<DialectChoice>,

    /// Directory of suite files [default: the suites built into the binary, as in the
    /// package's suites/].
    #[arg(long, env = "SCIM_SUITES", value_name = "DIR")]
    pub suites: Option<PathBuf>,

    /// Directory of fixtures: request bodies, vendor profiles (vendors/), entra-source.toml;
    /// each file it holds overrides the built-in one of the same path, the built-in fixtures
    /// fill the rest [default: the fixtures built into the binary, as in the package's fixtures/].
    #[arg(long, env = "SCIM_FIXTURES", value_name = "DIR")]
    pub fixtures: Option<PathBuf>,

    /// Snapshot mode: `check` compares each trial's normalized exchanges with
    /// <snapshot dir>/<vendor>/, `record` writes them as the new baseline, `off` skips snapshots.
    #[arg(long, value_name = "MODE", default_value = "check", value_parser = parse_snapshots)]
    pub snapshots: SnapshotMode,

    /// Directory holding <vendor>/ snapshot baselines [default: the baselines built into the
    /// binary, as in the package's snapshots/].
    #[arg(long, env = "SCIM_SNAPSHOT_DIR", value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,

    /// Vendor profile(s) to run (fixtures/vendors/<name>.toml), comma-separated or repeated
    /// [default: every profile against the embedded server; entra-default against --target-url].
    #[arg(long, env = "SCIM_VENDOR", value_name = "NAME", value_delimiter = ',')]
    pub vendor: Vec<String>,

    /// Run the mapping of a customer's exported provisioning schema (Graph's
    /// synchronizationSchema JSON) as a profile named after the file, without writing TOML
    /// (as `profile import FILE` would write it); it runs alone unless --vendor names others.
    #[arg(long, value_name = "SCHEMA_JSON")]
    pub profile_json: Option<PathBuf>,

    /// Run id put in the name of everything the run creates (1-16 of a-z, 0-9)
    /// [default: random].
    #[arg(long, value_name = "ID")]
    pub run_id: Option<RunId>,

    /// List every ignored trial and its reason after the run (by default: one line per vendor,
    /// with how many and what its Entra app does not send).
    #[arg(long)]
    pub show_ignored: bool,

    /// Write a report when the run ends (repeatable): FORMAT=PATH, FORMAT one of junit, json,
    /// html, markdown (or har). Folders are created. Also written after Ctrl-C or SIGTERM
    /// (marked partial) and after a failed preflight (one error naming the reason).
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub report: Vec<ReportRequest>,

    /// Write every request the run sent (the preflight and the cleanup included) to FILE as an
    /// HTTP Archive 1.2 (opens in browser devtools), secrets redacted; the same as
    /// `--report har=FILE`.
    #[arg(long, value_name = "FILE")]
    pub har: Option<PathBuf>,
}

/// The full command line of `check` and of the test binaries: harness flags plus libtest's.
///
/// `clap::Args` is implemented by hand (not derived) so that libtest-mimic's command settings
/// (a help template without the program's name and description, the version flag switched
/// off) are replaced with ours, and libtest's flags say what they do here (see [`tune`]).
#[derive(Debug)]
pub struct TestCli {
    /// The harness's own flags.
    pub harness: HarnessArgs,
    /// libtest's flags (filters, --list, --exact, --test-threads, --format...).
    pub libtest: libtest_mimic::Arguments,
}

/// The first lines of `check --help` and of the test binaries' `--help`.
pub const HELP_TEMPLATE: &str =
    "scim-conformance {version}: {about}\n\n{usage-heading} {usage}\n\n{all-args}{after-help}";

/// What `--help` of `check` says after the flags.
pub const AFTER_HELP: &str = "Exit codes: 0 every trial passed; 101 a trial failed or was blocked, or the run left resources behind; 1 a report could not be written (the run otherwise passed); 2 usage error; 3 the preflight (Entra's Test Connection) failed; 4 no trial to run; 130/143 interrupted by SIGINT/SIGTERM.\nAccepted for libtest compatibility and ignored: --nocapture, --show-output, -Z FLAG; --test (trials are tests); --bench runs nothing (there are no benchmarks).";

/// What `cleanup --help` says after the flags.
pub const CLEANUP_AFTER_HELP: &str = "A DELETE counts only once a GET of the resource no longer finds it; a listing that fails is asked again with count=20, then count=1; resources listed without a usable id are named as not addressable.\nExit codes: 0 nothing left behind (or --dry-run); 1 something is left behind (not deleted, still there after its DELETE, or not addressable) or the listing failed; 2 usage error.";

/// `cleanup --help`'s text for `--target-url` (the shared text is `check`'s).
pub const CLEANUP_TARGET_HELP: &str = "SCIM base URL whose leftovers to find and delete (e.g. https://staging.example/scim); required. A trailing `?aadOptscim062020` is accepted and not sent on requests";

/// `simulate --help`'s text for `--target-url`.
pub const SIMULATE_TARGET_HELP: &str = "SCIM base URL to load (e.g. https://staging.example/scim). Without it, `simulate` starts an embedded reference server on 127.0.0.1 emulating --vendor. A trailing `?aadOptscim062020` selects the compliant dialect (unless --dialect says otherwise) and is not sent on requests";

/// What `simulate --help` says after the flags.
pub const SIMULATE_AFTER_HELP: &str = "Exit codes: 0 nothing lost or left behind and the verdict met (or not judged: paced below 25 requests/s, too small a tenant); 101 something was lost or left behind, or the verdict is not met (more than 1% failed requests included); 3 the preflight (Entra's Test Connection) failed; 5 stopped (--max-duration) before the end state was verified; 2 usage error; 130/143 interrupted by SIGINT/SIGTERM.";

/// The description `check` and the test binaries show under their name.
pub const ABOUT: &str = "Will Microsoft Entra ID provisioning work against this SCIM 2.0 endpoint? Runs every suite entry as one trial against --target-url (or the embedded reference server).";

/// Rewrites libtest-mimic's command settings and flag help to say what they do here: the
/// program's name and description first, `--version` back, the no-op flags hidden.
pub fn tune(cmd: clap::Command) -> clap::Command {
    let cmd = cmd
        .help_template(HELP_TEMPLATE)
        .after_help(AFTER_HELP)
        .disable_version_flag(false)
        .version(env!("CARGO_PKG_VERSION"))
        .args_override_self(true)
        // libtest-mimic's doc comment ("Command line arguments...") would be the about text;
        // a subcommand's own description (`check`) is applied after this.
        .about(ABOUT)
        .long_about(None);
    // (id, help); libtest-mimic's long help (its doc comments, possible values with typos)
    // would otherwise replace these under --help.
    const HELP: &[(&str, &str)] = &[
        ("include_ignored", "Also list the ignored trials (not applicable to the vendor's profile) with the reason; they never run"),
        ("ignored", "Only list the ignored trials with the reason they do not apply; runs nothing"),
        ("list", "List the trials (those that do not apply marked [ignored]) and exit"),
        ("exact", "Match FILTER and --skip against whole trial names instead of substrings"),
        ("quiet", "One character per trial instead of one line (the same as --format terse)"),
        ("test_threads", "How many trials run at once [default: --max-in-flight (8) against --target-url, twice the number of CPUs against the embedded servers]; 1 runs them one after another"),
        ("logfile", "Write libtest's per-trial output to PATH instead of stdout (the summary stays on stderr; the verdict also ends stdout)"),
        ("skip", "Skip trials whose name contains FILTER (repeatable)"),
        ("color", "Colour: auto (when stdout is a terminal; the default), always or never"),
        ("format", "Output: pretty (one line per trial; the default), terse (one character per trial) or json (libtest's JSON events, then a scim-conformance summary event)"),
        ("filter", "Run only trials whose name contains FILTER (e.g. zenkit::users, or a whole name with --exact)"),
    ];
    // Accepted for libtest compatibility, doing nothing here (or, --bench, nothing useful).
    const HIDDEN: &[&str] = &[
        "test",
        "bench",
        "nocapture",
        "show_output",
        "unstable_flags",
    ];
    let mut cmd = cmd;
    for (id, help) in HELP {
        cmd = cmd.mut_arg(*id, |a| a.help(*help).long_help(None));
    }
    for id in HIDDEN {
        cmd = cmd.mut_arg(*id, |a| a.hide(true));
    }
    cmd.mut_arg("test_threads", |a| a.value_name("N"))
        .mut_arg("color", |a| a.hide_possible_values(true))
        .mut_arg("format", |a| a.hide_possible_values(true))
}

impl clap::FromArgMatches for TestCli {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        Ok(TestCli {
            harness: HarnessArgs::from_arg_matches(m)?,
            libtest: libtest_mimic::Arguments::from_arg_matches(m)?,
        })
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.harness.update_from_arg_matches(m)?;
        self.libtest.update_from_arg_matches(m)
    }
}

impl clap::Args for TestCli {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        tune(libtest_mimic::Arguments::augment_args(
            HarnessArgs::augment_args(cmd),
        ))
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        tune(libtest_mimic::Arguments::augment_args_for_update(
            HarnessArgs::augment_args_for_update(cmd),
        ))
    }
}

impl clap::CommandFactory for TestCli {
    fn command() -> clap::Command {
        <TestCli as clap::Args>::augment_args(clap::Command::new("scim-conformance"))
    }

    fn command_for_update() -> clap::Command {
        <TestCli as clap::Args>::augment_args_for_update(clap::Command::new("scim-conformance"))
    }
}

impl clap::Parser for TestCli {}

impl HarnessArgs {
    /// Every report to write: `--report` in order, then `--har`.
    pub fn reports(&self) -> Vec<ReportRequest> {
        let mut out = self.report.clone();
        if let Some(p) = &self.har {
            out.push(ReportRequest {
                format: ReportFormat::Har,
                path: p.clone(),
            });
        }
        out
    }
}

/// `scim-conformance profile`: vendor profiles.
#[derive(clap::Args, Debug)]
pub struct ProfileArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ProfileCommand,
}

/// The `profile` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum ProfileCommand {
    /// Print a vendor profile's effective mapping as tables (target attribute, source
    /// expression, matching priority, required, flow), then its roles, for review.
    Show {
        /// The vendor profile (fixtures/vendors/<name>.toml).
        #[arg(long, value_name = "NAME")]
        vendor: String,
        /// Directory of fixtures over the built-in ones (vendors/) [default: built in].
        #[arg(long, env = "SCIM_FIXTURES", value_name = "DIR")]
        fixtures: Option<PathBuf>,
    },
    /// Write a vendor profile from the provisioning schema Entra exports (admin center:
    /// Provisioning > attribute mappings > show advanced options > review your schema >
    /// download; or Graph's synchronization/jobs/{id}/schema). Put it in DIR/vendors/NAME.toml
    /// and run it with `check --fixtures DIR --vendor NAME`.
    Import {
        /// The exported synchronizationSchema (JSON).
        #[arg(value_name = "SCHEMA_JSON")]
        schema: PathBuf,
        /// The profile's name (its vendor id and file name).
        #[arg(long, value_name = "NAME")]
        name: String,
        /// The tenant URL the vendor gives its customers (the export does not carry it)
        /// [default: the --base profile's, else https://scim.example.invalid/scim/].
        #[arg(long, value_name = "URL")]
        tenant_url: Option<String>,
        /// The dialect(s) the app's Entra provisioning sends: legacy, compliant or both
        /// [default: the --base profile's, else both].
        #[arg(long, value_name = "DIALECT")]
        dialect: Option<String>,
        /// Lay the schema's mapping over this vendor profile (fixtures/vendors/VENDOR.toml): its
        /// role values, split and display names, on_delete, tenant URL and dialect, which an
        /// export does not carry.
        #[arg(long, value_name = "VENDOR")]
        base: Option<String>,
        /// Write the profile to FILE [default: stdout].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Flags of `scim-conformance review`.
#[derive(clap::Args, Debug)]
pub struct ReviewArgs {
    /// The snapshot folder a `check` wrote pending `.snap.new` files into (a folder of vendor
    /// folders, or one vendor's) [default: the package's snapshots/, in a checkout].
    #[arg(long, env = "SCIM_SNAPSHOT_DIR", value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,
    /// Accept every pending snapshot shown (the new answers become the baseline).
    #[arg(long, conflicts_with = "reject")]
    pub accept: bool,
    /// Reject every pending snapshot shown (the new files go; the baselines stay).
    #[arg(long)]
    pub reject: bool,
    /// Only the trials whose name contains FILTER.
    #[arg(value_name = "FILTER")]
    pub filter: Option<String>,
}

/// What `serve --help` says after the flags.
pub const SERVE_AFTER_HELP: &str = "Exit codes: 0 stopped by Ctrl-C (or --list-faults printed); 1 the port cannot be listened on; 2 usage error (an unknown fault, vendor or fixtures folder).";

/// What `report --help` says after the flags.
pub const REPORT_AFTER_HELP: &str = "Exit codes: 0 written; 1 a file could not be written; 2 usage error (no snapshots in the folder, an unknown --vendor, an unreadable file).";

/// What `review --help` says after the flags.
pub const REVIEW_AFTER_HELP: &str = "Without --accept or --reject it asks for each pending snapshot when stdin is a terminal ([a]ccept, [r]eject, [s]kip, [q]uit), and otherwise only lists them.\n\nExit codes: 0 nothing left pending (none, or every one accepted or rejected); 1 pending snapshots remain (listed or skipped), or a file could not be moved; 2 usage error (no such folder, a pending file that is not a snapshot).";

/// Flags of `scim-conformance report`.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// A vendor's snapshot folder (e.g. snapshots/zenkit) or a folder of vendor folders.
    #[arg(
        value_name = "SNAPSHOT_DIR",
        required_unless_present = "vendor",
        conflicts_with = "vendor"
    )]
    pub snapshot_dir: Option<PathBuf>,
    /// Render the baseline built into the binary for this vendor (e.g. zenkit), no checkout
    /// needed.
    #[arg(long, value_name = "NAME")]
    pub vendor: Option<String>,
    /// Write the baseline as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the baseline as Markdown [default without --html: Markdown on stdout].
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

/// Flags of `scim-conformance cleanup`.
#[derive(clap::Args, Debug)]
pub struct CleanupArgs {
    /// Target, credentials and transport (--target-url is required).
    #[command(flatten)]
    pub transport: TransportArgs,
    /// Only list what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
    /// Only resources of this run id (`scimconf-<ID>-...`) [default: every run's].
    #[arg(long, value_name = "ID")]
    pub run_id: Option<RunId>,
}

/// Flags of `scim-conformance serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to bind; loopback unless you mean to expose it.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Bearer token clients must send [default: SCIM_TOKEN, else a random one, printed].
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Path the SCIM endpoints are served under [default: /scim, or the emulated vendor's
    /// tenant URL path].
    #[arg(long)]
    pub base_path: Option<String>,
    /// Behave as this vendor's guide documents (fixtures/vendors/<vendor>.toml): served under
    /// its tenant URL path, /Groups only if it provisions groups, its required attributes.
    #[arg(long, value_name = "VENDOR")]
    pub emulate: Option<String>,
    /// Directory of fixtures holding vendors/ for --emulate, over the built-in ones
    /// [default: built in].
    #[arg(long, env = "SCIM_FIXTURES", value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// Switch on a deliberate defect (repeatable); see --list-faults.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<crate::server::Fault>,
    /// Wait this many milliseconds before answering each request (a slow endpoint).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub delay_ms: u64,
    /// Also act as an OAuth 2.0 token endpoint at /oauth2/token for this client id (client
    /// credentials grant; the secret comes from SCIM_CLIENT_SECRET or --oauth-client-secret).
    #[arg(long, value_name = "ID")]
    pub oauth_client_id: Option<String>,
    /// The OAuth client secret (prefer the SCIM_CLIENT_SECRET environment variable).
    #[arg(
        long,
        env = "SCIM_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub oauth_client_secret: Option<String>,
    /// Where the token endpoint accepts client credentials: header, body or both.
    #[arg(long, value_name = "WHERE", default_value = "both")]
    pub oauth_client_auth: String,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub oauth_token_lifetime: u64,
    /// List the faults and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Load: answer 429 with Retry-After beyond this many requests per second (a token bucket
    /// over all requests, bursts up to the same number) [default: no limit].
    #[arg(long, value_name = "RPS")]
    pub rate_limit: Option<u32>,
    /// Load: the Retry-After a 429 of --rate-limit carries, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 1)]
    pub retry_after: u64,
    /// Load: read-after-write lag: a resource is invisible to filters for this many
    /// milliseconds after its create (still found by id).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub filter_lag_ms: u64,
    /// Load: this share (0 to 1) of requests answers 500 without being handled (the same
    /// requests for the same --seed).
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub error_share: f64,
    /// Load: the requests --error-share picks are carried out before the 500 is sent (a
    /// gateway that gives up after the backend committed).
    #[arg(long)]
    pub error_after_commit: bool,
    /// Load: seed for --error-share.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
}

/// Flags of `scim-conformance simulate`.
#[derive(clap::Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SimulateArgs {
    /// `simulate verify`: the end state of a scenario Locust sent.
    #[command(subcommand)]
    pub action: Option<SimulateAction>,
    /// Target, credentials and transport. Without --target-url the simulation runs against the
    /// embedded reference server (emulating --vendor).
    #[command(flatten)]
    pub transport: TransportArgs,
    /// The vendor profile whose Entra app is replayed (fixtures/vendors/<name>.toml).
    #[arg(
        long,
        env = "SCIM_VENDOR",
        value_name = "NAME",
        default_value = "entra-default"
    )]
    pub vendor: String,
    /// The Entra PATCH dialect to replay: legacy or compliant [default: the profile's
    /// (legacy for `both`), or compliant when the target URL carries ?aadOptscim062020].
    #[arg(long, value_name = "DIALECT", value_parser = parse_dialect)]
    pub dialect: Option<DialectChoice>,
    /// Directory of fixtures (vendors/, entra-source.toml), each file overriding the built-in
    /// one of the same path [default: built in].
    #[arg(long, env = "SCIM_FIXTURES", value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// Run id put in the name of everything the run creates (1-16 of a-z, 0-9)
    /// [default: random].
    #[arg(long, value_name = "ID")]
    pub run_id: Option<RunId>,
    /// Users per tenant (job).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub users: usize,
    /// Forecast Entra's quarantine for a tenant of this many users, from the failure shares the
    /// run observed (Entra's documented escrow thresholds) [default: the simulated users].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub forecast_users: Option<u64>,
    /// Groups per tenant (job).
    #[arg(long, value_name = "M", default_value_t = 10)]
    pub groups: usize,
    /// Members of each group.
    #[arg(long, value_name = "K", default_value_t = 10)]
    pub members_per_group: usize,
    /// Independent tenants run in parallel, each its own job and name space
    /// (`scimconf-<run>-<job>-...`).
    #[arg(long, value_name = "J", default_value_t = 1)]
    pub jobs: usize,
    /// Requests per second per job, or `max` (unpaced) [default: 25 against --target-url, the
    /// rate Microsoft requires gallery endpoints to sustain per tenant; max against the embedded
    /// server].
    #[arg(long, value_name = "RPS", value_parser = parse_pace)]
    pub rate: Option<crate::simulate::Pace>,
    /// Requests in flight per job, at most.
    #[arg(long, value_name = "C", default_value_t = crate::simulate::settings::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Hard bound on the run: when reached, no new request is sent and everything created is
    /// deleted (90, 90s, 15m, 2h).
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub max_duration: std::time::Duration,
    /// Members per member-add PATCH.
    #[arg(long, value_name = "N", default_value_t = crate::simulate::settings::DEFAULT_MEMBER_BATCH)]
    pub member_batch: usize,
    /// Share of users whose attributes change in the incremental cycle.
    #[arg(long, value_name = "SHARE", default_value_t = 0.10)]
    pub change_share: f64,
    /// Share of users deprovisioned in the incremental cycle.
    #[arg(long, value_name = "SHARE", default_value_t = 0.05)]
    pub disable_share: f64,
    /// Share of groups whose membership changes (one member removed, one added) in the
    /// incremental cycle.
    #[arg(long, value_name = "SHARE", default_value_t = 0.10)]
    pub membership_share: f64,
    /// Users per job whose match query is repeated after the create until it finds them
    /// (measures read-after-write lag).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub lag_probes: usize,
    /// Leave everything created on the target (`scim-conformance cleanup --run-id` removes it
    /// later).
    #[arg(long)]
    pub keep: bool,
    /// Seed for the tenants' shape (memberships).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// The pause between the initial and the incremental cycle, which also retries what
    /// failed (Entra's: about 40m; 90, 90s, 15m, 2h) [default: compressed: only the longest
    /// read-after-write lag measured is waited out before retried creates; the report says so].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub cycle_interval: Option<std::time::Duration>,
    /// Write the throughput and latency chart over time (a self-contained SVG) to this file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Write a report of the simulation when it ends; repeatable. FORMAT is json (versioned,
    /// with its schema), junit (one case per verdict component), html or markdown; folders are
    /// created.
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub report: Vec<ReportRequest>,
    /// Write the simulation as a scenario for Locust's distributed runners to DIR/scenario.json
    /// (versioned, with its schema): run on the embedded reference server with every request
    /// captured, ids as placeholders. Replay it with contrib/locust/locustfile.py, then
    /// `simulate verify`. Not with --target-url.
    #[arg(long, value_name = "DIR")]
    pub export_scenario: Option<PathBuf>,
}

/// What `simulate` does besides a run.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum SimulateAction {
    /// Verify, report and clean up a scenario that Locust sent (`--export-scenario`, then
    /// contrib/locust/locustfile.py): the same end-state checks, verdict, quarantine forecast
    /// and reports as an in-process run, from the results the locustfile wrote.
    #[command(after_help = SIMULATE_VERIFY_AFTER_HELP)]
    Verify(Box<VerifyArgs>),
}

/// Exit codes of `simulate verify`.
pub const SIMULATE_VERIFY_AFTER_HELP: &str = "Exit codes: 0 nothing lost or left behind and the verdict met (or not judged); 101 something was lost or left behind, or the verdict is not met; 3 the preflight (Entra's Test Connection) failed; 2 usage error (no scenario, no results, a run id that is not the scenario's).";

/// Flags of `scim-conformance simulate verify`.
#[derive(clap::Args, Debug, Clone)]
pub struct VerifyArgs {
    /// Target and credentials: the endpoint Locust sent the scenario to.
    #[command(flatten)]
    pub transport: TransportArgs,
    /// The folder `--export-scenario` wrote (its scenario.json).
    #[arg(long, value_name = "DIR")]
    pub scenario: PathBuf,
    /// The folder of the locustfile's results (*.jsonl) [default: DIR/results of --scenario].
    #[arg(long, value_name = "DIR")]
    pub results: Option<PathBuf>,
    /// Locust's statistics (`locust --csv PREFIX` writes PREFIX_stats.csv), shown beside ours.
    #[arg(long, value_name = "FILE")]
    pub locust_stats: Option<PathBuf>,
    /// The run id: must be the scenario's (a guard against verifying another run's tenant).
    #[arg(long, value_name = "ID")]
    pub run_id: Option<RunId>,
    /// Directory of fixtures over the built-in ones (vendors/, entra-source.toml).
    #[arg(long, env = "SCIM_FIXTURES", value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// Leave the tenant in place (no cleanup).
    #[arg(long)]
    pub keep: bool,
    /// The tenant size (users) of the quarantine forecast [default: the scenario's].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub forecast_users: Option<u64>,
    /// Write a report when it ends; repeatable. FORMAT is json, junit, html or markdown.
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub report: Vec<ReportRequest>,
}

fn parse_pace(s: &str) -> Result<crate::simulate::Pace, String> {
    s.parse()
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    crate::simulate::settings::parse_duration(s)
}

fn parse_snapshots(s: &str) -> Result<SnapshotMode, String> {
    s.parse()
}

/// Parses a token argument: trimmed, a leading `Bearer ` stripped, never empty.
pub fn parse_secret(s: &str) -> Result<Secret, String> {
    let s = s.trim();
    let s = s.strip_prefix("Bearer ").unwrap_or(s);
    if s.is_empty() {
        return Err("the token is empty".into());
    }
    Ok(Secret::new(s))
}

fn parse_level(s: &str) -> Result<Severity, String> {
    s.parse()
}

impl HarnessArgs {
    /// The level of check that fails a trial: `--strict` is `rfc`, else `--fail-on`, else
    /// `entra`.
    pub fn fail_on(&self) -> Severity {
        if self.strict {
            Severity::Rfc
        } else {
            self.fail_on.unwrap_or(Severity::Entra)
        }
    }
}

fn parse_dialect(s: &str) -> Result<DialectChoice, String> {
    s.parse()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn help_names_the_program_and_hides_no_ops() {
        use clap::CommandFactory;
        let help = TestCli::command().render_help().to_string();
        assert!(
            help.starts_with("scim-conformance 0"),
            "{}",
            help.lines().next().unwrap_or_default()
        );
        assert!(
            help.contains("Will Microsoft Entra ID provisioning work"),
            "{help}"
        );
        let options = help.split("Exit codes:").next().unwrap_or_default();
        for hidden in ["--nocapture", "--show-output", "--bench", "--test ", "-Z"] {
            assert!(!options.contains(hidden), "{hidden} is a no-op and hidden");
        }
        assert!(help.contains("--report <FORMAT=PATH>"));
        assert!(help.contains("they never run"));
        TestCli::command().debug_assert();
        assert!(TestCli::try_parse_from(["x", "--nocapture", "--show-output"]).is_ok());
    }

    #[test]
    fn tokens_are_trimmed_and_never_empty() {
        assert_eq!(parse_secret(" Bearer abc ").unwrap().expose(), "abc");
        assert!(parse_secret("  ").is_err());
    }

    #[test]
    fn flags_parse_beside_libtest_flags() {
        let cli = TestCli::try_parse_from([
            "x",
            "--target-url",
            "http://h/scim",
            "--timeout",
            "5",
            "--vendor",
            "zenkit,zero",
            "--exact",
            "zenkit::users::create",
        ])
        .unwrap();
        assert_eq!(cli.harness.transport.timeout, 5);
        assert_eq!(cli.harness.vendor, ["zenkit", "zero"]);
        assert_eq!(
            cli.harness.slow_ms,
            crate::outcome::latency::DEFAULT_SLOW_MS,
            "--slow-ms has a default"
        );
        let slow = TestCli::try_parse_from(["x", "--slow-ms", "250", "users::"]).unwrap();
        assert_eq!(slow.harness.slow_ms, 250);
        assert_eq!(slow.libtest.filter.as_deref(), Some("users::"));
        assert!(TestCli::try_parse_from(["x", "--slow-ms", "0"]).is_err());
        assert!(cli.libtest.exact);
        assert!(TestCli::try_parse_from(["x", "--timeout", "0"]).is_err());
        let cli = TestCli::try_parse_from([
            "x",
            "--report",
            "junit=a.xml",
            "--report",
            "html=b/c.html",
            "--har",
            "x.har",
            "--timeout",
            "5",
            "--timeout",
            "7",
        ])
        .unwrap();
        let formats: Vec<ReportFormat> = cli.harness.reports().iter().map(|r| r.format).collect();
        assert_eq!(
            formats,
            [ReportFormat::Junit, ReportFormat::Html, ReportFormat::Har],
            "--report is repeatable"
        );
        assert_eq!(
            cli.harness.transport.timeout, 7,
            "other flags: the last wins"
        );
        assert!(TestCli::try_parse_from(["x", "--report", "pdf=x"]).is_err());
        assert!(TestCli::try_parse_from(["x", "--run-id", "Bad!"]).is_err());
    }
}
