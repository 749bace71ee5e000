//! The compliant dialect, as Entra sends it: a compliant-only run sends lowercase ops everywhere
//! except the one capitalised-boolean disable variant Entra documents.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::{Failed, Trial};

use scim_conformance::core::dialect::DialectChoice;
use scim_conformance::core::files::Tree;
use scim_conformance::core::secret::{Redactor, Secret};
use scim_conformance::exec::{run_trial, Context, Ledger};
use scim_conformance::http::{ClientConfig, ScimClient, Target};
use scim_conformance::plan::{plan, Planned};
use scim_conformance::server::{self, ServerConfig};
use scim_conformance::suite::load_dir;

use crate::common::{package_dir, profiles};

/// The one entry that replays Entra's documented capitalised op in any dialect.
const CAPITALISED_VARIANT: &str = "users::disable-boolean-capitalised::legacy";

fn compliant_ops_are_lowercase() -> Result<(), Failed> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let token = "dialects-selftest-token";
        let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
        let server = server::spawn(ServerConfig::new(token), addr)
            .await
            .map_err(|e| e.to_string())?;
        let dir = package_dir();
        let suites = load_dir(
            &Tree::Disk(dir.join("suites")),
            &Tree::Disk(dir.join("fixtures")),
        )
        .map_err(|e| e.to_string())?;
        let profile = Arc::new(
            profiles()?
                .into_iter()
                .find(|p| p.id() == "entra-default")
                .ok_or("no entra-default")?,
        );
        let secret = Secret::new(token);
        let ctx = Context {
            client: ScimClient::new(ClientConfig {
                timeout: Duration::from_secs(10),
                ..ClientConfig::default()
            })
            .map_err(|e| e.to_string())?,
            target: Target {
                base: server.base_url().clone(),
                params: Vec::new(),
                token: Some(secret.clone()),
                oauth: None,
            },
            run_id: "dialects".parse().map_err(|e| format!("{e}"))?,
            ledger: Arc::new(Ledger::new()),
            redactor: Redactor::new([secret]),
            abort: Default::default(),
            health: Default::default(),
            adaptations: Default::default(),
            delete_deactivates: false,
        };
        let op = regex_lite::Regex::new(r#""op"\s*:\s*"([A-Za-z]+)""#).map_err(|e| e.to_string())?;
        let mut problems = Vec::new();
        let mut patches = 0;
        for p in plan(&suites, &profile, DialectChoice::Compliant, 0) {
            let Planned::Trial(spec) = p else { continue };
            let outcome = run_trial(&ctx, &spec).await;
            let entry = format!("{}::{}", spec.entry.suite, spec.entry.id);
            for x in &outcome.exchanges {
                let Some(body) = &x.request.body else { continue };
                for c in op.captures_iter(body) {
                    patches += 1;
                    let name = &c[1];
                    if name != name.to_lowercase() && entry != CAPITALISED_VARIANT {
                        problems.push(format!("{}: step \"{}\" sends op \"{name}\"", outcome.name, x.step_name));
                    }
                }
            }
        }
        server.shutdown().await;
        if patches == 0 {
            return Err("no PATCH op was sent at all".into());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "a compliant run must send lowercase ops (only {CAPITALISED_VARIANT} replays Entra's documented capitalised variant):\n{}",
                problems.join("\n")
            )
            .into())
        }
    })
}

/// The trials of this module.
pub fn trials() -> Vec<Trial> {
    vec![Trial::test(
        "dialects::compliant-ops-are-lowercase",
        compliant_ops_are_lowercase,
    )]
}
