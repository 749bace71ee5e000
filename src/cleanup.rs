//! `scim-conformance cleanup`: finds leftovers of earlier, aborted runs by the harness's naming
//! prefix and deletes them. It lists before it deletes, and never touches a resource whose
//! userName (users) or displayName (groups) does not start with the prefix.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::Value;

use crate::client::{ClientConfig, Request, ScimClient};
use crate::exec::{form_encode, Target};
use crate::secret::{Redactor, Secret};
use crate::suite::template::{as_text, encode_segment};

/// The prefix of every name the harness creates (`scimconf-<run id>-<n>...`).
pub const PREFIX: &str = "scimconf-";

/// Flags of `scim-conformance cleanup`.
#[derive(clap::Args, Debug)]
pub struct CleanupArgs {
    /// SCIM base URL of the target.
    #[arg(long, env = "SCIM_TARGET_URL", value_name = "URL")]
    pub target_url: String,
    /// Bearer token (prefer the SCIM_TOKEN environment variable).
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true, value_name = "TOKEN", value_parser = crate::cli::parse_secret)]
    pub token: Option<Secret>,
    /// Only list what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
    /// Only resources of this run id (`scimconf-<ID>-...`) [default: every run's].
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// Extra PEM CA certificate(s) to trust (a private CA).
    #[arg(long, env = "SCIM_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<std::path::PathBuf>,
    /// Accept any TLS certificate (never against production).
    #[arg(long)]
    pub insecure: bool,
}

/// One resource found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// `Users` or `Groups`.
    pub collection: &'static str,
    /// Its id.
    pub id: String,
    /// Its userName or displayName.
    pub name: String,
}

/// Lists the resources of `collection` whose `attr` starts with `prefix`: asks the server with an
/// `sw` filter, falls back to paging through everything when the filter is refused, and checks
/// every name itself either way.
pub async fn find(
    client: &ScimClient,
    target: &Target,
    collection: &'static str,
    attr: &str,
    prefix: &str,
) -> Result<Vec<Leftover>, String> {
    let filter = format!("{attr} sw \"{prefix}\"");
    let mut out = Vec::new();
    let mut use_filter = true;
    let mut start = 1usize;
    for _page in 0..1000 {
        let mut url = target.base.join(collection).map_err(|e| e.to_string())?;
        let mut query = format!("startIndex={start}&count=100");
        if use_filter {
            query = format!("filter={}&{query}", form_encode(&filter));
        }
        url.set_query(Some(&query));
        let bearer = target.bearer(client).await?;
        let req = Request {
            method: "GET".into(),
            url,
            headers: Vec::new(),
            body: None,
            bearer,
        };
        let resp = client
            .send(&req)
            .await
            .map_err(|e| format!("GET {collection}: {e}"))?;
        if use_filter && (resp.status == 400 || resp.status == 501) {
            use_filter = false;
            start = 1;
            continue;
        }
        if resp.status == 404 && collection == "Groups" {
            return Ok(out);
        }
        if resp.status != 200 {
            return Err(format!("GET {collection} answered {}", resp.summary(300)));
        }
        let body = resp.json().map_err(|e| format!("GET {collection}: {e}"))?;
        let items = body
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for r in &items {
            let name = r.get(attr).map(as_text).unwrap_or_default();
            let id = r.get("id").map(as_text).unwrap_or_default();
            if name.starts_with(prefix)
                && crate::exec::addressable(&id)
                && !out.iter().any(|l: &Leftover| l.id == id)
            {
                out.push(Leftover {
                    collection,
                    id,
                    name,
                });
            }
        }
        let total = body
            .get("totalResults")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        start += items.len();
        if items.is_empty() || start > total {
            return Ok(out);
        }
    }
    Err(format!("GET {collection}: more than 1000 pages; stopped"))
}

/// Runs the command; exit code 0 when everything found was deleted (or listed with --dry-run).
pub fn main(args: CleanupArgs) -> ExitCode {
    let token = args.token;
    let redactor = Redactor::new(token.clone());
    let (target, _) = match Target::parse(&args.target_url, token) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let client = match ScimClient::new(ClientConfig {
        timeout: Duration::from_secs(args.timeout),
        ca_cert: args.ca_cert.clone(),
        insecure: args.insecure,
        ..ClientConfig::default()
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match crate::runner::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let prefix = match &args.run_id {
        Some(id) => format!("{PREFIX}{id}-"),
        None => PREFIX.to_string(),
    };
    rt.block_on(async {
        let mut found = Vec::new();
        for (collection, attr) in [("Users", "userName"), ("Groups", "displayName")] {
            match find(&client, &target, collection, attr, &prefix).await {
                Ok(f) => found.extend(f),
                Err(e) => {
                    eprintln!("error: {}", redactor.scrub(&e));
                    return ExitCode::FAILURE;
                }
            }
        }
        println!(
            "found {} resource(s) named {prefix}* at {}",
            found.len(),
            target.base
        );
        for l in &found {
            println!("  {}/{}  {}", l.collection, l.id, l.name);
        }
        if args.dry_run || found.is_empty() {
            if args.dry_run {
                println!("--dry-run: nothing deleted");
            }
            return ExitCode::SUCCESS;
        }
        let mut failed = 0;
        // Groups first: deleting their members first would only make the server do more work.
        for l in found.iter().rev() {
            let rel = format!("{}/{}", l.collection, encode_segment(&l.id));
            let url = match target.base.join(&rel) {
                // Only a URL that addresses exactly this one resource is ever sent a DELETE.
                Ok(u) if u.path() == format!("{}{rel}", target.base.path()) => u,
                Ok(u) => {
                    failed += 1;
                    println!(
                        "  refused to delete {}/{}: {u} is not that resource's URL",
                        l.collection, l.id
                    );
                    continue;
                }
                Err(e) => {
                    failed += 1;
                    println!("  could not delete {}/{}: {e}", l.collection, l.id);
                    continue;
                }
            };
            let req = Request {
                method: "DELETE".into(),
                url,
                headers: Vec::new(),
                body: None,
                bearer: target.token.clone(),
            };
            match client.send(&req).await {
                Ok(r) if (200..300).contains(&r.status) || r.status == 404 => {
                    println!("  deleted {}/{}", l.collection, l.id)
                }
                Ok(r) => {
                    failed += 1;
                    println!(
                        "  could not delete {}/{}: {}",
                        l.collection,
                        l.id,
                        redactor.scrub(&r.summary(200))
                    );
                }
                Err(e) => {
                    failed += 1;
                    println!(
                        "  could not delete {}/{}: {}",
                        l.collection,
                        l.id,
                        redactor.scrub(&e.to_string())
                    );
                }
            }
        }
        println!(
            "deleted {}, could not delete {failed}",
            found.len() - failed
        );
        if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    })
}
