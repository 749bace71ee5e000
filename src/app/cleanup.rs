//! `scim-conformance cleanup`: finds leftovers of earlier, aborted runs by the harness's naming
//! prefix and deletes them. It lists before it deletes, and never touches a resource whose
//! userName (users) or displayName (groups) does not start with the prefix. Same transport and
//! OAuth flags as `check`. A DELETE counts only once a GET no longer finds the resource; one
//! the listing gives without a usable id is listed by name as not addressable. Exit code 0 when
//! nothing is left behind (or with `--dry-run`), 1 otherwise.

use std::process::ExitCode;

use super::check::{client_config, oauth};
use super::{runtime, AppError};
use crate::cli::CleanupArgs;
use crate::core::naming::{RunId, PREFIX};
use crate::core::secret::Redactor;
use crate::exec::lookup::find;
use crate::exec::ownership::delete;
use crate::exec::Context;
use crate::http::{ScimClient, Target};
use crate::suite::template::encode_segment;

/// Runs the command; exit code 0 when everything found was deleted and read back as gone (or
/// listed with --dry-run), 1 when something is left behind or the listing failed.
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
    if redactor.ordinary_words() > 0 {
        eprintln!("warning: {}", super::ORDINARY_SECRET);
    }
    let client = ScimClient::new(client_config(t))?;
    let rt = runtime()?;
    let prefix = match &args.run_id {
        Some(id) => id.prefix(),
        None => PREFIX.to_string(),
    };
    let ctx = Context::new(
        client,
        target,
        args.run_id.clone().unwrap_or_else(RunId::random),
        redactor.clone(),
    );
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
        let (addressable, unaddressable): (Vec<_>, Vec<_>) =
            found.iter().partition(|l| l.addressable());
        println!(
            "found {} resource(s) named {prefix}* at {}",
            found.len(),
            ctx.target.shown()
        );
        for l in &addressable {
            println!(
                "  {}/{}  {}",
                l.collection,
                redactor.scrub(&l.id),
                redactor.scrub(&l.name)
            );
        }
        for l in &unaddressable {
            println!(
                "  {}/{}  {}  (not addressable: {}; delete it by hand)",
                l.collection,
                if l.id.is_empty() { "(no id)" } else { &l.id },
                redactor.scrub(&l.name),
                if l.id.is_empty() {
                    "the listing gave no id"
                } else {
                    "its id would not address one resource"
                }
            );
        }
        if args.dry_run {
            println!("--dry-run: nothing deleted");
            return Ok(ExitCode::SUCCESS);
        }
        let mut left = Vec::new();
        // Groups first: deleting their members first would only make the server do more work.
        for l in addressable.iter().rev() {
            let rel = format!("{}/{}", l.collection, encode_segment(&l.id));
            match delete(&ctx, &rel).await {
                Ok(()) => println!("  deleted {}/{}", l.collection, redactor.scrub(&l.id)),
                Err(e) => {
                    let e = redactor.scrub(&e.to_string());
                    println!(
                        "  could not delete {}/{}: {e}",
                        l.collection,
                        redactor.scrub(&l.id)
                    );
                    left.push(format!(
                        "{}/{} {}: {e}",
                        l.collection,
                        redactor.scrub(&l.id),
                        redactor.scrub(&l.name)
                    ));
                }
            }
        }
        for l in &unaddressable {
            left.push(format!(
                "{}/(no id) {}: not addressable",
                l.collection,
                redactor.scrub(&l.name)
            ));
        }
        println!(
            "deleted {}, could not delete {}, not addressable {}: {}",
            addressable.len() + unaddressable.len() - left.len(),
            left.len() - unaddressable.len(),
            unaddressable.len(),
            if left.is_empty() {
                "nothing left behind".to_string()
            } else {
                format!("left behind {}", left.len())
            }
        );
        for l in &left {
            println!("  left behind: {l}");
        }
        Ok(if left.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}
