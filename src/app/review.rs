//! `scim-conformance review`: the snapshots a `check` found changed, each by trial name with its
//! diff from the exchange that changed; accepted or rejected all at once (`--accept`,
//! `--reject`), one by one on a terminal, or only listed (exit 1 while any is pending).

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use super::AppError;
use crate::cli::ReviewArgs;
use crate::core::files::display_path;
use crate::report::text::diff_lines;
use crate::snapshot::pending::{find, Pending};

/// What to do with one pending snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Choice {
    Accept,
    Reject,
    Skip,
    Quit,
}

/// Lists, accepts or rejects the pending snapshots the flags select.
pub fn main(args: ReviewArgs) -> Result<ExitCode, AppError> {
    let dir =
        match args
            .snapshot_dir
            .clone()
            .or_else(|| super::check::package_dir("snapshots"))
        {
            Some(d) => d,
            None => return Err(AppError::Usage(
                "give --snapshot-dir DIR (the package's snapshots/ folder is not on this machine)"
                    .into(),
            )),
        };
    let pending: Vec<Pending> = find(&dir)?
        .into_iter()
        .filter(|p| args.filter.as_deref().is_none_or(|f| p.trial.contains(f)))
        .collect();
    if pending.is_empty() {
        println!("no pending snapshot in {}", display_path(&dir));
        return Ok(ExitCode::SUCCESS);
    }
    let interactive = !args.accept && !args.reject && std::io::stdin().is_terminal();
    let mut left = 0usize;
    let mut failed = false;
    let mut quit = false;
    for (i, p) in pending.iter().enumerate() {
        println!(
            "\n[{}/{}] {} — {} ({}):{}",
            i + 1,
            pending.len(),
            p.trial,
            if p.first {
                "no baseline yet"
            } else {
                "changed"
            },
            display_path(&p.new_path),
            diff_lines(&p.diff)
        );
        let choice = if quit {
            Choice::Skip
        } else if args.accept {
            Choice::Accept
        } else if args.reject {
            Choice::Reject
        } else if interactive {
            ask()
        } else {
            Choice::Skip
        };
        let done = match choice {
            Choice::Accept => Some(("accepted", p.accept())),
            Choice::Reject => Some(("rejected", p.reject())),
            Choice::Quit => {
                quit = true;
                None
            }
            Choice::Skip => None,
        };
        match done {
            Some((what, Ok(()))) => println!("{what}: {}", p.trial),
            Some((what, Err(e))) => {
                eprintln!("error: {} not {what}: {e}", p.trial);
                failed = true;
                left += 1;
            }
            None => left += 1,
        }
    }
    if left > 0 {
        println!(
            "\n{left} pending snapshot(s) left: accept them with `scim-conformance review --snapshot-dir {} --accept [FILTER]`, or reject them with --reject",
            display_path(&dir)
        );
    }
    Ok(if left > 0 || failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Asks on the terminal what to do with the snapshot just shown.
fn ask() -> Choice {
    let stdin = std::io::stdin();
    loop {
        print!("[a]ccept, [r]eject, [s]kip, [q]uit? ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
            return Choice::Quit;
        }
        match line.trim() {
            "a" | "accept" => return Choice::Accept,
            "r" | "reject" => return Choice::Reject,
            "s" | "skip" | "" => return Choice::Skip,
            "q" | "quit" => return Choice::Quit,
            _ => {}
        }
    }
}
