//! `scim-conformance report SNAPSHOT_DIR`: a vendor's recorded baseline as a document — per
//! trial, what Entra sent and what the endpoint answered — in HTML and/or Markdown.

use std::process::ExitCode;

use super::AppError;
use crate::cli::ReportArgs;
use crate::core::files::display_path;
use crate::report::{baseline, ReportError, ReportFormat};
use crate::snapshot::baseline::load;

/// Reads the baseline(s) and writes the documents asked for (Markdown on stdout by default).
pub fn main(args: ReportArgs) -> Result<ExitCode, AppError> {
    let baselines = load(&args.snapshot_dir)?;
    if baselines.is_empty() {
        return Err(AppError::Usage(format!(
            "no snapshots (*.snap) in {} or its folders",
            display_path(&args.snapshot_dir)
        )));
    }
    let trials: usize = baselines.iter().map(|b| b.trials.len()).sum();
    for b in &baselines {
        for (f, why) in &b.unreadable {
            eprintln!("warning: {f} is not a snapshot: {why}");
        }
    }
    let mut outputs = Vec::new();
    if let Some(p) = &args.html {
        outputs.push((ReportFormat::Html, p, baseline::html(&baselines)));
    }
    if let Some(p) = &args.markdown {
        outputs.push((ReportFormat::Markdown, p, baseline::markdown(&baselines)));
    }
    if outputs.is_empty() {
        print!("{}", baseline::markdown(&baselines));
        return Ok(ExitCode::SUCCESS);
    }
    for (format, path, text) in outputs {
        crate::report::write::write_file(path, &text).map_err(|source| ReportError::Io {
            format,
            path: path.clone(),
            source,
        })?;
        eprintln!(
            "wrote {format}: {} ({trials} trial(s) of {})",
            display_path(path),
            baselines
                .iter()
                .map(|b| b.vendor.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
