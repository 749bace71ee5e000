//! `scim-conformance profile import SCHEMA.json --name NAME` writes a vendor profile from the
//! provisioning schema Entra exports ([`crate::profile::import`]); `profile show --vendor NAME`
//! prints a vendor profile's effective mapping as a table a person reviews — per object type, each target attribute, its source expression,
//! whether (and at which priority) it matches, whether it is required, and when it flows —
//! then the roles and the options, as the harness will replay them.

use std::fmt::Write as _;
use std::process::ExitCode;

use super::AppError;
use crate::cli::{ProfileArgs, ProfileCommand};
use std::sync::Arc;

use crate::core::files::{display_path, Tree};
use crate::profile::import::{import, Base, ImportOptions};
use crate::profile::{self, VendorProfile};

/// Runs the `profile` command.
pub fn main(args: ProfileArgs) -> Result<ExitCode, AppError> {
    match args.command {
        ProfileCommand::Show { vendor, fixtures } => {
            let tree = Tree::over_embedded(fixtures.as_deref(), "fixtures");
            let all = profile::load_all(&tree)?;
            let p = all.iter().find(|p| p.id() == vendor).ok_or_else(|| {
                AppError::Usage(format!(
                    "unknown vendor `{vendor}` (profiles: {})",
                    all.iter().map(|p| p.id()).collect::<Vec<_>>().join(", ")
                ))
            })?;
            print!("{}", show(p));
            Ok(ExitCode::SUCCESS)
        }
        ProfileCommand::Import {
            schema,
            name,
            tenant_url,
            dialect,
            base,
            out,
        } => {
            let shown = display_path(&schema);
            let text = std::fs::read_to_string(&schema)
                .map_err(|e| AppError::Usage(format!("{shown}: cannot read: {e}")))?;
            let base = match base {
                None => None,
                Some(vendor) => {
                    let tree = Tree::Embedded("fixtures");
                    let rel = format!("vendors/{vendor}.toml");
                    let text = tree.read_string(&rel).map_err(|_| {
                        let known = tree
                            .files("vendors", "toml")
                            .unwrap_or_default()
                            .iter()
                            .filter_map(|f| {
                                f.strip_prefix("vendors/")?
                                    .strip_suffix(".toml")
                                    .map(str::to_string)
                            })
                            .collect::<Vec<_>>()
                            .join(", ");
                        AppError::Usage(format!(
                            "--base: unknown vendor `{vendor}` (profiles: {known})"
                        ))
                    })?;
                    Some(Base::parse(&tree.shown(&rel), &text).map_err(AppError::Usage)?)
                }
            };
            let opts = ImportOptions {
                name: name.clone(),
                tenant_url: tenant_url
                    .or_else(|| base.as_ref().and_then(|b| b.tenant_url.clone()))
                    .unwrap_or_else(|| "https://scim.example.invalid/scim/".into()),
                dialect: dialect
                    .or_else(|| base.as_ref().and_then(|b| b.dialect.clone()))
                    .unwrap_or_else(|| "both".into()),
                source_file: shown.clone(),
                base,
            };
            let imported =
                import(&text, &opts).map_err(|e| AppError::Usage(format!("{shown}: {e}")))?;
            // The result must load as a profile, as `check` will load it.
            let source = Arc::new(profile::load::load_source(&Tree::Embedded("fixtures"))?);
            profile::load::parse_profile(
                format!("{name}.toml (imported)"),
                &name,
                &imported.toml,
                source,
            )?;
            for w in &imported.warnings {
                eprintln!("warning: {w}");
            }
            match out {
                Some(path) => {
                    crate::report::write::write_file(&path, &imported.toml).map_err(|source| {
                        AppError::System {
                            what: "cannot write the profile",
                            source,
                        }
                    })?;
                    eprintln!("wrote {}", display_path(&path));
                }
                None => print!("{}", imported.toml),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The profile `check --profile-json FILE` runs: the schema's mapping imported in memory,
/// named after the file's stem, checked as a profile file would be; warnings go to stderr.
pub fn from_schema(path: &std::path::Path, fixtures: &Tree) -> Result<VendorProfile, AppError> {
    let shown = display_path(path);
    let text = std::fs::read_to_string(path)
        .map_err(|e| AppError::Usage(format!("--profile-json {shown}: cannot read: {e}")))?;
    let name: String = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let opts = ImportOptions {
        name: name.clone(),
        tenant_url: "https://scim.example.invalid/scim/".into(),
        dialect: "both".into(),
        source_file: shown.clone(),
        base: None,
    };
    let imported = import(&text, &opts).map_err(|e| AppError::Usage(format!("{shown}: {e}")))?;
    for w in &imported.warnings {
        eprintln!("warning: {shown}: {w}");
    }
    let source = Arc::new(profile::load::load_source(fixtures)?);
    Ok(profile::load::parse_profile(
        format!("{shown} (imported)"),
        &name,
        &imported.toml,
        source,
    )?)
}

/// The effective mapping of `p` as Markdown tables.
pub fn show(p: &VendorProfile) -> String {
    let mut s = format!(
        "# {} ({})\n\nfile {}; dialect(s) {}; tenant URL {}\n",
        p.vendor.title,
        p.id(),
        p.file,
        p.dialects
            .dialects()
            .iter()
            .map(|d| d.name())
            .collect::<Vec<_>>()
            .join("+"),
        p.vendor.tenant_url
    );
    for (name, m) in [("Users", &p.users), ("Groups", &p.groups)] {
        let _ = write!(s, "\n## {name}\n\n");
        if !m.provisioned {
            s.push_str("not provisioned: the Entra app sends no groups\n");
            continue;
        }
        s.push_str("| target attribute | source expression | matching | required | flow |\n|---|---|---|---|---|\n");
        for mapping in &m.mapping {
            let matching = m
                .matching
                .iter()
                .position(|a| a.eq_ignore_ascii_case(&mapping.target))
                .map_or(String::new(), |i| format!("priority {}", i + 1));
            let required = if m
                .required
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&mapping.target))
            {
                "yes"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "| `{}` | `{}` | {matching} | {required} | create and update |",
                mapping.target,
                mapping.source.replace('|', "\\|")
            );
        }
        for a in m
            .matching
            .iter()
            .filter(|a| !m.mapping.iter().any(|x| x.target.eq_ignore_ascii_case(a)))
        {
            let _ = writeln!(s, "| `{a}` | (not mapped) | matching | | |");
        }
        if let Some(d) = &m.on_delete {
            let _ = writeln!(s, "\non delete: {d}");
        }
    }
    if p.role_functions.is_empty() {
        s.push_str("\n## Roles\n\nnone sent\n");
    } else {
        let _ = write!(
            s,
            "\n## Roles\n\nfunction(s) {}; values {}{}\n",
            p.role_functions.join(", "),
            p.role_values.join(", "),
            p.role_split
                .as_ref()
                .map_or(String::new(), |sep| format!("; one value split at `{sep}`"))
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_committed_profile_shows_its_mapping() {
        let all = profile::load_all(&Tree::Embedded("fixtures")).unwrap();
        for p in &all {
            let text = show(p);
            assert!(
                text.starts_with(&format!("# {} ({})", p.vendor.title, p.id())),
                "{text}"
            );
            for m in &p.users.mapping {
                assert!(
                    text.contains(&format!("| `{}` |", m.target)),
                    "{}: {}",
                    p.id(),
                    m.target
                );
            }
            let first = p.users.matching.first().unwrap();
            assert!(
                text.lines()
                    .any(|l| l.starts_with(&format!("| `{first}` |")) && l.contains("priority 1")),
                "{}: {text}",
                p.id()
            );
        }
        let zenvoices = all.iter().find(|p| p.id() == "zenvoices").unwrap();
        assert!(show(zenvoices).contains("not provisioned"));
    }
}
