//! `scim-conformance cleanup`: finds leftovers of earlier, aborted runs by the harness's naming
//! prefix and deletes them. It lists before it deletes, and never touches a resource whose
//! userName (users) or displayName (groups) does not start with the prefix. Same transport and
//! OAuth flags as `check`.

use std::process::ExitCode;
use std::sync::Arc;

use super::check::{client_config, oauth};
use super::{runtime, AppError};
use crate::cli::CleanupArgs;
use crate::core::naming::{RunId, PREFIX};
use crate::core::secret::Redactor;
use crate::exec::lookup::find;
use crate::exec::ownership::delete;
use crate::exec::{Abort, Context, Ledger};
use crate::http::{ScimClient, Target};
use crate::suite::template::encode_segment;

/// Runs the command; exit code 0 when everything found was deleted (or listed with --dry-run).
pub fn main(args: CleanupArgs) -> Result<ExitCode, AppError> {
    let t = &args.transport;
    let url = t
        .target_url
        .as_deref()
        .ok_or_else(|| AppError::Usage("cleanup needs --target-url (or SCIM_TARGET_URL)".into()))?;
    let redactor = Redactor::new(t.token.clone());
    let (mut target, _) = Target::parse(url, t.token.clone())?;
    for s in target.secrets() {
        redactor.add(s);
    }
    target.oauth = oauth(t, &redactor)?;
    let client = ScimClient::new(client_config(t))?;
    let rt = runtime()?;
    let prefix = match &args.run_id {
        Some(id) => id.prefix(),
        None => PREFIX.to_string(),
    };
    let ctx = Context {
        client,
        target,
        run_id: args.run_id.clone().unwrap_or_else(RunId::random),
        ledger: Arc::new(Ledger::new()),
        redactor: redactor.clone(),
        abort: Arc::new(Abort::default()),
        health: Arc::default(),
        adaptations: Arc::default(),
    };
    rt.block_on(async {
        let mut found = Vec::new();
        for (collection, attr) in [("Users", "userName"), ("Groups", "displayName")] {
            match find(&ctx.client, &ctx.target, collection, attr, &prefix).await {
                Ok(f) => found.extend(f),
                Err(e) => {
                    eprintln!("error: {}", redactor.scrub(&e.to_string()));
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        println!(
            "found {} resource(s) named {prefix}* at {}",
            found.len(),
            ctx.target.shown()
        );
        for l in &found {
            println!("  {}/{}  {}", l.collection, l.id, l.name);
        }
        if args.dry_run || found.is_empty() {
            if args.dry_run {
                println!("--dry-run: nothing deleted");
            }
            return Ok(ExitCode::SUCCESS);
        }
        let mut failed = 0;
        // Groups first: deleting their members first would only make the server do more work.
        for l in found.iter().rev() {
            let rel = format!("{}/{}", l.collection, encode_segment(&l.id));
            match delete(&ctx, &rel).await {
                Ok(()) => println!("  deleted {}/{}", l.collection, l.id),
                Err(e) => {
                    failed += 1;
                    println!("  could not delete {}/{}: {e}", l.collection, l.id);
                }
            }
        }
        println!(
            "deleted {}, could not delete {failed}",
            found.len() - failed
        );
        Ok(if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}
