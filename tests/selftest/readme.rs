//! The README stays true to the suites: every trial it names exists, and the Logic App table's
//! coverage column adds up to the count the text claims.

use std::collections::BTreeSet;

use libtest_mimic::{Failed, Trial};

use scim_conformance::core::files::Tree;
use scim_conformance::suite::load_dir;

use crate::common::package_dir;

/// `suite::entry` for every built-in entry.
fn entries() -> Result<BTreeSet<String>, String> {
    let dir = package_dir();
    let suites = load_dir(
        &Tree::Disk(dir.join("suites")),
        &Tree::Disk(dir.join("fixtures")),
    )
    .map_err(|e| e.to_string())?;
    let mut out = BTreeSet::new();
    for s in &suites {
        for e in s.entries.iter().flatten() {
            out.insert(format!("{}::{}", e.suite, e.id));
        }
    }
    Ok(out)
}

fn readme() -> Result<String, String> {
    std::fs::read_to_string(package_dir().join("README.md")).map_err(|e| e.to_string())
}

/// Backticked `suite::entry` names (a `*` stands for any run of characters; a `::legacy`/`::compliant`
/// suffix is a dialect) whose suite is one of `suites`.
fn named_trials(text: &str, suites: &BTreeSet<String>) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|t| {
            t.split_once("::").is_some_and(|(s, rest)| {
                suites.contains(s)
                    && !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-:*".contains(c))
            })
        })
        .map(str::to_string)
        .collect()
}

fn exists(name: &str, entries: &BTreeSet<String>) -> bool {
    let name = name
        .trim_end_matches("::legacy")
        .trim_end_matches("::compliant");
    match name.split_once('*') {
        Some((prefix, suffix)) => entries
            .iter()
            .any(|e| e.starts_with(prefix) && e.ends_with(suffix)),
        None => entries.contains(name),
    }
}

fn every_named_trial_exists() -> Result<(), Failed> {
    let entries = entries()?;
    let suites: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| e.split_once("::").map(|(s, _)| s.to_string()))
        .collect();
    let text = readme()?;
    let named = named_trials(&text, &suites);
    if named.len() < 50 {
        return Err(format!(
            "only {} trial names found in README.md: the reader is broken",
            named.len()
        )
        .into());
    }
    let missing: Vec<&String> = named.iter().filter(|n| !exists(n, &entries)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("README.md names trials that do not exist: {missing:?}").into())
    }
}

fn logic_app_table_adds_up() -> Result<(), Failed> {
    let text = readme()?;
    let section = text
        .split("## Microsoft's gallery checks")
        .nth(1)
        .ok_or("README.md has no \"Microsoft's gallery checks\" section")?;
    let rows: Vec<Vec<&str>> = section
        .lines()
        .filter(|l| {
            l.starts_with("| ")
                && l.split('|')
                    .nth(1)
                    .is_some_and(|n| n.trim().parse::<u8>().is_ok())
        })
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    if rows.len() != 25 {
        return Err(format!(
            "the Logic App table has {} numbered rows, not 25",
            rows.len()
        )
        .into());
    }
    let count = |c: &str| rows.iter().filter(|r| r.get(3) == Some(&c)).count();
    let (full, partial, none) = (count("full"), count("partial"), count("out of reach"));
    if full + partial + none != 25 {
        return Err("every row's coverage is full, partial or out of reach".into());
    }
    let claim = format!("**{full} of 25 full, {partial} partial, {none} out of reach**");
    if !section.contains(&claim) {
        return Err(format!("the text must claim what the table counts: {claim}").into());
    }
    let entries = entries()?;
    let suites: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| e.split_once("::").map(|(s, _)| s.to_string()))
        .collect();
    for r in rows.iter().filter(|r| r.get(3) != Some(&"out of reach")) {
        if named_trials(r.get(4).copied().unwrap_or_default(), &suites).is_empty() {
            return Err(format!("row {} names no trial", r[1]).into());
        }
    }
    if full < 22 {
        return Err(
            format!("gallery parity fell to {full} of 25 fully covered (at least 22)").into(),
        );
    }
    Ok(())
}

/// The trials of this module.
pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test("readme::named-trials-exist", every_named_trial_exists),
        Trial::test("readme::logic-app-table", logic_app_table_adds_up),
    ]
}
