//! Writing the requested report files: each rendered from the run summary and written whole
//! (to a temporary file beside it, then renamed, so a reader never sees half a report), its
//! folders created first. One report that cannot be written does not stop the others.

use std::path::{Path, PathBuf};

use super::format::{ReportFormat, ReportRequest};
use super::{har, html, json, junit, markdown};
use crate::core::files::display_path;
use crate::outcome::RunSummary;

/// Why one report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The document could not be rendered.
    #[error("cannot render the {format} report {}: {reason}", display_path(path))]
    Render {
        /// The format.
        format: ReportFormat,
        /// Where it was to go.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The file or its folder could not be written.
    #[error("cannot write the {format} report {}: {source}", display_path(path))]
    Io {
        /// The format.
        format: ReportFormat,
        /// Where it was to go.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The text of a report in this format.
pub fn render(format: ReportFormat, run: &RunSummary) -> Result<String, String> {
    Ok(match format {
        ReportFormat::Junit => junit::render(run).map_err(|e| e.to_string())?,
        ReportFormat::Json => json::render(run),
        ReportFormat::Html => html::render(run),
        ReportFormat::Markdown => markdown::render(run),
        ReportFormat::Har => har::render(run),
    })
}

/// Writes `text` to `path` whole: folders created, a temporary file renamed into place.
pub fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Writes every requested report; returns the paths written and the failures.
pub fn write_all(
    run: &RunSummary,
    requests: &[ReportRequest],
) -> (Vec<(ReportFormat, PathBuf)>, Vec<ReportError>) {
    let mut written = Vec::new();
    let mut failed = Vec::new();
    for r in requests {
        let text = match render(r.format, run) {
            Ok(t) => t,
            Err(reason) => {
                failed.push(ReportError::Render {
                    format: r.format,
                    path: r.path.clone(),
                    reason,
                });
                continue;
            }
        };
        match write_file(&r.path, &text) {
            Ok(()) => written.push((r.format, r.path.clone())),
            Err(source) => failed.push(ReportError::Io {
                format: r.format,
                path: r.path.clone(),
                source,
            }),
        }
    }
    (written, failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn folders_are_created_and_failures_named() {
        let dir = std::env::temp_dir().join(format!("scimconf-reports-{}", uuid::Uuid::new_v4()));
        let run = sample::run();
        let mut requests: Vec<ReportRequest> = ReportFormat::ALL
            .iter()
            .map(|f| ReportRequest {
                format: *f,
                path: dir.join("a/b").join(format!("report.{f}")),
            })
            .collect();
        // A folder where the file should be: that one fails, the others are written.
        std::fs::create_dir_all(dir.join("taken.html")).unwrap();
        requests.push(ReportRequest {
            format: ReportFormat::Html,
            path: dir.join("taken.html"),
        });
        let (written, failed) = write_all(&run, &requests);
        assert_eq!(written.len(), ReportFormat::ALL.len());
        assert_eq!(failed.len(), 1);
        assert!(
            failed[0]
                .to_string()
                .starts_with("cannot write the html report"),
            "{}",
            failed[0]
        );
        for (_, p) in &written {
            assert!(std::fs::metadata(p).unwrap().len() > 100, "{}", p.display());
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.join("a/b"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        std::fs::remove_dir_all(dir).ok();
    }
}
