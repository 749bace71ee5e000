//! `scim-conformance serve`: the reference SCIM server standalone, optionally emulating a vendor,
//! with faults switched on, and as an OAuth token endpoint.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use super::emulation::emulation;
use super::{runtime, AppError};
use crate::cli::ServeArgs;
use crate::core::files::Tree;
use crate::profile;
use crate::server::oauth::{OAuthConfig, TOKEN_PATH};
use crate::server::{self, Fault, ServerConfig};

/// Runs the server until Ctrl-C (or lists the faults).
pub fn main(args: ServeArgs) -> Result<ExitCode, AppError> {
    if args.list_faults {
        let mut out = std::io::stdout().lock();
        for f in Fault::ALL {
            // A closed pipe (`| head`) just ends the listing.
            if writeln!(out, "{:<40} {}", f.name(), f.describe()).is_err() {
                break;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let rt = runtime()?;
    let generated = args.token.is_none();
    let token = args
        .token
        .clone()
        .unwrap_or_else(|| format!("ref-{}", uuid::Uuid::new_v4().simple()));
    let mut config = match &args.emulate {
        None => ServerConfig::new(token.clone()),
        Some(vendor) => {
            let fixtures = Tree::over_embedded(args.fixtures.as_deref(), "fixtures");
            let profiles = profile::load_all(&fixtures)?;
            match profiles.iter().find(|p| p.id() == vendor) {
                Some(p) => emulation(p, &token),
                None => {
                    let known: Vec<&str> = profiles.iter().map(|p| p.id()).collect();
                    return Err(AppError::Usage(format!(
                        "unknown vendor `{vendor}` (known: {})",
                        known.join(", ")
                    )));
                }
            }
        }
    };
    if let Some(base) = args.base_path {
        config.base_path = base;
    }
    config.faults = args.faults.into_iter().collect();
    config.delay = std::time::Duration::from_millis(args.delay_ms);
    if !(0.0..=1.0).contains(&args.error_share) {
        return Err(AppError::Usage(format!(
            "--error-share must be between 0 and 1, not {}",
            args.error_share
        )));
    }
    config.rate_limit = args.rate_limit.map(|per_second| server::RateLimit {
        per_second,
        retry_after: std::time::Duration::from_secs(args.retry_after),
    });
    config.filter_lag = std::time::Duration::from_millis(args.filter_lag_ms);
    config.error_share = args.error_share;
    config.error_after_commit = args.error_after_commit;
    config.seed = args.seed;
    if let Some(client_id) = args.oauth_client_id {
        let Some(client_secret) = args.oauth_client_secret else {
            return Err(AppError::Usage(
                "--oauth-client-id needs SCIM_CLIENT_SECRET (or --oauth-client-secret)".into(),
            ));
        };
        let (accept_header, accept_body) = match args.oauth_client_auth.as_str() {
            "header" => (true, false),
            "body" => (false, true),
            "both" => (true, true),
            other => {
                return Err(AppError::Usage(format!(
                    "--oauth-client-auth `{other}` is not header, body or both"
                )))
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
    let has_oauth = config.oauth.is_some();
    let addr = SocketAddr::new(args.bind, args.port);
    rt.block_on(async {
        let running = server::spawn(config, addr)
            .await
            .map_err(|source| AppError::System {
                what: "cannot listen",
                source,
            })?;
        println!("reference SCIM server at {}", running.base_url());
        if has_oauth {
            let mut token_url = running.base_url().clone();
            token_url.set_path(TOKEN_PATH);
            println!("OAuth token endpoint at {token_url}");
        }
        if generated {
            println!("token (generated for this server): {token}");
        }
        println!("Ctrl-C stops it.");
        let _ = tokio::signal::ctrl_c().await;
        running.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}
