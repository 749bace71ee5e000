//! Which report files a run writes: `--report FORMAT=PATH` (repeatable) and `--har FILE`, parsed
//! into [`ReportRequest`]s.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportFormat {
    /// JUnit XML for CI test publishers (one testsuite per vendor and dialect).
    Junit,
    /// The versioned JSON report (`schema_version`, validated by `report.schema.json`).
    Json,
    /// One self-contained HTML page (no network, opens from disk).
    Html,
    /// A short Markdown summary (`$GITHUB_STEP_SUMMARY`, tickets).
    Markdown,
    /// Every exchange as an HTTP Archive 1.2 (`--har FILE`; opens in browser devtools).
    Har,
}

impl ReportFormat {
    /// The formats `--report` accepts, in the order help lists them.
    pub const ALL: [ReportFormat; 5] = [
        ReportFormat::Junit,
        ReportFormat::Json,
        ReportFormat::Html,
        ReportFormat::Markdown,
        ReportFormat::Har,
    ];

    /// `junit`, `json`, `html`, `markdown` or `har`.
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Junit => "junit",
            ReportFormat::Json => "json",
            ReportFormat::Html => "html",
            ReportFormat::Markdown => "markdown",
            ReportFormat::Har => "har",
        }
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ReportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        let wanted = match wanted.as_str() {
            "xml" => "junit",
            "md" => "markdown",
            other => other,
        };
        ReportFormat::ALL
            .into_iter()
            .find(|f| f.name() == wanted)
            .ok_or_else(|| {
                format!(
                    "unknown report format `{s}` (expected one of {})",
                    ReportFormat::ALL.map(|f| f.name()).join(", ")
                )
            })
    }
}

/// One report to write: a format and the file it goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRequest {
    /// The format.
    pub format: ReportFormat,
    /// The file (its folders are created).
    pub path: PathBuf,
}

impl FromStr for ReportRequest {
    type Err = String;
    /// `FORMAT=PATH`, e.g. `junit=target/scim/junit.xml`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((format, path)) = s.split_once('=') else {
            return Err(format!(
                "`{s}` is not FORMAT=PATH (e.g. junit=reports/junit.xml; formats: {})",
                ReportFormat::ALL.map(|f| f.name()).join(", ")
            ));
        };
        let format = format.parse()?;
        if path.trim().is_empty() {
            return Err(format!("`{s}`: the path after `=` is empty"));
        }
        Ok(ReportRequest {
            format,
            path: PathBuf::from(path),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_parse() {
        let r: ReportRequest = "junit=out/j.xml".parse().unwrap();
        assert_eq!(r.format, ReportFormat::Junit);
        assert_eq!(r.path, PathBuf::from("out/j.xml"));
        let r: ReportRequest = "HTML=a=b.html".parse().unwrap();
        assert_eq!(r.format, ReportFormat::Html);
        assert_eq!(r.path, PathBuf::from("a=b.html"));
        assert_eq!(
            "md=x".parse::<ReportRequest>().unwrap().format,
            ReportFormat::Markdown
        );
        assert!("junit".parse::<ReportRequest>().is_err());
        assert!("junit=".parse::<ReportRequest>().is_err());
        let e = "pdf=x".parse::<ReportRequest>().unwrap_err();
        assert!(e.contains("junit, json, html, markdown, har"), "{e}");
    }
}
