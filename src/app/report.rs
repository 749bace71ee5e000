//! `scim-conformance report SNAPSHOT_DIR` (or `--vendor NAME`, the baseline built into the
//! binary): a vendor's recorded baseline as a document — per trial, what Entra sent and what the
//! endpoint answered — in HTML and/or Markdown.

use std::process::ExitCode;

use super::AppError;
use crate::cli::ReportArgs;
use crate::core::files::display_path;
use crate::report::{baseline, ReportError, ReportFormat};
use crate::snapshot::baseline::{load, load_embedded};

/// Reads the baseline(s) and writes the documents asked for (Markdown on stdout by default).
pub fn main(args: ReportArgs) -> Result<ExitCode, AppError> {
    let baselines = match (&args.snapshot_dir, &args.vendor) {
        (_, Some(vendor)) => {
            let b = load_embedded(vendor).map_err(|_| {
                AppError::Usage(format!(
                    "no baseline built in for vendor {vendor:?} (built in: {})",
                    embedded_vendors().join(", ")
                ))
            })?;
            vec![b]
        }
        (Some(dir), None) => {
            let b = load(dir)?;
            if b.is_empty() {
                return Err(AppError::Usage(format!(
                    "no snapshots (*.snap) in {} or its folders",
                    display_path(dir)
                )));
            }
            b
        }
        (None, None) => {
            return Err(AppError::Usage(
                "name a snapshot folder or --vendor NAME".into(),
            ))
        }
    };
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
        // A reader that stops early (`| head`) is not an error.
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        return match out.write_all(baseline::markdown(&baselines).as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(AppError::System {
                what: "cannot write to stdout",
                source: e,
            }),
            _ => Ok(ExitCode::SUCCESS),
        };
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

/// The vendors whose baselines are built into the binary.
fn embedded_vendors() -> Vec<String> {
    let mut v: Vec<String> = crate::core::files::EMBEDDED
        .iter()
        .filter_map(|(p, _)| p.strip_prefix("snapshots/"))
        .filter_map(|rest| rest.split_once('/').map(|(v, _)| v.to_string()))
        .collect();
    v.sort();
    v.dedup();
    v
}
