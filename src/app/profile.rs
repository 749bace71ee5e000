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
use crate::profile::import::{import, ImportOptions};
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
            out,
        } => {
            let shown = display_path(&schema);
            let text = std::fs::read_to_string(&schema)
                .map_err(|e| AppError::Usage(format!("{shown}: cannot read: {e}")))?;
            let opts = ImportOptions {
                name: name.clone(),
                tenant_url,
                dialect,
                source_file: shown.clone(),
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
