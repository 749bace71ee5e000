//! `scim-conformance`: `check` runs the conformance trials (as `cargo test` does), `serve` runs
//! the reference SCIM server standalone, `cleanup` deletes leftovers of aborted runs.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scim_conformance::cli::TestCli;
use scim_conformance::server::oauth::OAuthConfig;
use scim_conformance::server::{self, Fault, ServerConfig};

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
    Serve(ServeArgs),
    /// Find and delete leftovers of earlier, aborted runs (names starting with `scimconf-`);
    /// lists them first, never touches anything else.
    Cleanup(scim_conformance::cleanup::CleanupArgs),
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to bind; loopback unless you mean to expose it.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Bearer token clients must send [default: SCIM_TOKEN, else a random one, printed].
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Path the SCIM endpoints are served under [default: /scim, or the emulated vendor's
    /// tenant URL path].
    #[arg(long)]
    base_path: Option<String>,
    /// Behave as this vendor's guide documents (fixtures/vendors/<vendor>.toml): served under
    /// its tenant URL path, /Groups only if it provisions groups, its required attributes.
    #[arg(long, value_name = "VENDOR")]
    emulate: Option<String>,
    /// Switch on a deliberate defect (repeatable); see --list-faults.
    #[arg(long = "fault", value_name = "NAME")]
    faults: Vec<Fault>,
    /// Wait this many milliseconds before answering each request (a slow endpoint).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay_ms: u64,
    /// Also act as an OAuth 2.0 token endpoint at /oauth2/token for this client id (client
    /// credentials grant; the secret comes from SCIM_CLIENT_SECRET or --oauth-client-secret).
    #[arg(long, value_name = "ID")]
    oauth_client_id: Option<String>,
    /// The OAuth client secret (prefer the SCIM_CLIENT_SECRET environment variable).
    #[arg(
        long,
        env = "SCIM_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    oauth_client_secret: Option<String>,
    /// Where the token endpoint accepts client credentials: header, body or both.
    #[arg(long, value_name = "WHERE", default_value = "both")]
    oauth_client_auth: String,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    oauth_token_lifetime: u64,
    /// List the faults and exit.
    #[arg(long)]
    list_faults: bool,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check(cli) => scim_conformance::runner::main(*cli),
        Command::Serve(args) => serve(args),
        Command::Cleanup(args) => scim_conformance::cleanup::main(args),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    if args.list_faults {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        for f in Fault::ALL {
            // A closed pipe (`| head`) just ends the listing.
            if writeln!(out, "{:<40} {}", f.name(), f.describe()).is_err() {
                break;
            }
        }
        return ExitCode::SUCCESS;
    }
    let rt = match scim_conformance::runner::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let generated = args.token.is_none();
    let token = args
        .token
        .unwrap_or_else(|| format!("ref-{}", uuid::Uuid::new_v4().simple()));
    let mut config = match &args.emulate {
        None => ServerConfig::new(token.clone()),
        Some(vendor) => {
            let fixtures = scim_conformance::cli::HarnessArgs::package_dir().join("fixtures");
            let profiles = match scim_conformance::runner::load_profiles(&fixtures) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            match profiles.iter().find(|p| p.id() == vendor) {
                Some(p) => p.emulation(&token),
                None => {
                    let known: Vec<&str> = profiles.iter().map(|p| p.id()).collect();
                    eprintln!(
                        "error: unknown vendor `{vendor}` (known: {})",
                        known.join(", ")
                    );
                    return ExitCode::from(2);
                }
            }
        }
    };
    if let Some(base) = args.base_path {
        config.base_path = base;
    }
    config.faults = args.faults.into_iter().collect();
    config.delay = std::time::Duration::from_millis(args.delay_ms);
    if let Some(client_id) = args.oauth_client_id {
        let Some(client_secret) = args.oauth_client_secret else {
            eprintln!(
                "error: --oauth-client-id needs SCIM_CLIENT_SECRET (or --oauth-client-secret)"
            );
            return ExitCode::from(2);
        };
        let (accept_header, accept_body) = match args.oauth_client_auth.as_str() {
            "header" => (true, false),
            "body" => (false, true),
            "both" => (true, true),
            other => {
                eprintln!("error: --oauth-client-auth `{other}` is not header, body or both");
                return ExitCode::from(2);
            }
        };
        config.oauth = Some(OAuthConfig {
            client_id,
            client_secret,
            accept_header,
            accept_body,
            lifetime: std::time::Duration::from_secs(args.oauth_token_lifetime.max(1)),
        });
    }
    let config_has_oauth = config.oauth.is_some();
    rt.block_on(async {
        let running = match server::spawn(config, SocketAddr::new(args.bind, args.port)).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot listen on {}:{}: {e}", args.bind, args.port);
                return ExitCode::FAILURE;
            }
        };
        println!("reference SCIM server at {}", running.base_url());
        if config_has_oauth {
            let mut token_url = running.base_url().clone();
            token_url.set_path(scim_conformance::server::oauth::TOKEN_PATH);
            println!("OAuth token endpoint at {token_url}");
        }
        if generated {
            println!("token (generated for this server): {token}");
        }
        println!("Ctrl-C stops it.");
        let _ = tokio::signal::ctrl_c().await;
        running.shutdown().await;
        ExitCode::SUCCESS
    })
}
