//! Command-line flags of the harness, beside libtest's own (`--list`, `--exact`, filters...).
//!
//! The same flags are accepted by every test binary of this package, so
//! `cargo test -- --target-url URL` reaches every target without "Unrecognized option".

use std::path::PathBuf;

use crate::dialect::DialectChoice;
use crate::secret::Secret;

/// The harness's own flags.
#[derive(clap::Args, Debug, Clone)]
pub struct HarnessArgs {
    /// SCIM base URL to test (e.g. https://staging.example/scim). Without it, an embedded
    /// reference server is started on 127.0.0.1. A trailing `?aadOptscim062020` selects the
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
    pub client_auth: crate::oauth::ClientAuth,

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

    /// Fail trials on `rfc`-severity findings too (by default they are warnings).
    #[arg(long)]
    pub strict: bool,

    /// Which Entra PATCH dialect(s) to replay: legacy, compliant or both [default: the vendor
    /// profile's `dialect` (both for entra-default, legacy for the vendor guides), or compliant
    /// when the target URL carries ?aadOptscim062020].
    #[arg(long, value_name = "DIALECT", value_parser = parse_dialect)]
    pub dialect: Option<DialectChoice>,

    /// Directory of suite files [default: the package's suites/].
    #[arg(long, env = "SCIM_SUITES", value_name = "DIR")]
    pub suites: Option<PathBuf>,

    /// Directory of fixtures (request bodies) [default: the package's fixtures/].
    #[arg(long, env = "SCIM_FIXTURES", value_name = "DIR")]
    pub fixtures: Option<PathBuf>,

    /// Snapshot mode: `check` compares each trial's normalized exchange with
    /// snapshots/<vendor>/, `record` writes them as the new baseline, `off` skips snapshots.
    #[arg(long, value_name = "MODE", default_value = "check", value_parser = parse_snapshots)]
    pub snapshots: SnapshotMode,

    /// Directory holding snapshots/<vendor>/ [default: the package's snapshots/].
    #[arg(long, env = "SCIM_SNAPSHOT_DIR", value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,

    /// Vendor profile(s) to run (fixtures/vendors/<name>.toml), comma-separated or repeated
    /// [default: every profile against the embedded server; entra-default against --target-url].
    #[arg(long, env = "SCIM_VENDOR", value_name = "NAME", value_delimiter = ',')]
    pub vendor: Vec<String>,

    /// Run id put in the name of everything the run creates (1-16 of a-z, 0-9)
    /// [default: random].
    #[arg(long, value_name = "ID", value_parser = parse_run_id)]
    pub run_id: Option<String>,
}

/// The full command line of a test binary: harness flags plus libtest's.
#[derive(clap::Parser, Debug)]
#[command(
    name = "scim-conformance",
    version,
    about = "Entra ID provisioning conformance for a SCIM 2.0 endpoint"
)]
pub struct TestCli {
    /// The harness's own flags.
    #[command(flatten)]
    pub harness: HarnessArgs,
    /// libtest's flags (filters, --list, --exact, --test-threads, --format...).
    #[command(flatten)]
    pub libtest: libtest_mimic::Arguments,
}

impl HarnessArgs {
    /// The package directory the default suites and fixtures live in.
    pub fn package_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// The suites directory in force.
    pub fn suites_dir(&self) -> PathBuf {
        self.suites
            .clone()
            .unwrap_or_else(|| Self::package_dir().join("suites"))
    }

    /// The snapshots directory in force.
    pub fn snapshot_dir(&self) -> PathBuf {
        self.snapshot_dir
            .clone()
            .unwrap_or_else(|| Self::package_dir().join("snapshots"))
    }

    /// The fixtures directory in force.
    pub fn fixtures_dir(&self) -> PathBuf {
        self.fixtures
            .clone()
            .unwrap_or_else(|| Self::package_dir().join("fixtures"))
    }
}

/// What to do with snapshots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Compare with the recorded snapshot; a difference fails the trial.
    Check,
    /// Write the snapshot as the new baseline.
    Record,
    /// No snapshots (a first exploratory run against a new target).
    Off,
}

fn parse_snapshots(s: &str) -> Result<SnapshotMode, String> {
    match s {
        "check" => Ok(SnapshotMode::Check),
        "record" => Ok(SnapshotMode::Record),
        "off" => Ok(SnapshotMode::Off),
        other => Err(format!("`{other}` is not one of check, record, off")),
    }
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

fn parse_dialect(s: &str) -> Result<DialectChoice, String> {
    s.parse()
}

fn parse_run_id(s: &str) -> Result<String, String> {
    if (1..=16).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        Ok(s.to_string())
    } else {
        Err(format!("`{s}` is not 1-16 characters of a-z and 0-9"))
    }
}
