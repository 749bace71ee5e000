//! The architecture, checked: the layers only point down (`LAYERS`), no import cycle among the
//! crate's modules (at the top level and among sibling modules at every depth), and the reference server
//! uses nothing of the harness but `core`. Reads `src/` and follows every `crate::x::y` and
//! `super::y` path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use libtest_mimic::{Failed, Trial};

use crate::common::package_dir;

/// Module path of a source file: `src/exec/engine.rs` -> [`exec`, `engine`].
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" && stem != "lib" && stem != "main" {
            parts.push(stem);
        }
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every module path a file refers to, made absolute (`super::` resolved), test code excluded.
fn references(module: &[String], text: &str) -> Vec<Vec<String>> {
    // Test modules may reach anywhere; they are not part of the layering.
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    // Comments (doc links included) are not dependencies.
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = code.as_str();
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !text.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let rest = &text[i..];
        let start_ok = i == 0 || !is_ident(bytes[i - 1]);
        let (base, skip): (Vec<String>, usize) = if start_ok && rest.starts_with("crate::") {
            (Vec::new(), 7)
        } else if start_ok && rest.starts_with("super::") {
            // `super` of the file's module (for a mod.rs, its parent).
            let mut b = module.to_vec();
            let mut n = 0;
            let mut r = rest;
            while let Some(after) = r.strip_prefix("super::") {
                b.pop();
                n += 7;
                r = after;
            }
            (b, n)
        } else {
            i += 1;
            continue;
        };
        let path: String = text[i + skip..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let mut full = base;
        full.extend(
            path.split("::")
                .filter(|s| !s.is_empty() && s.chars().next().is_some_and(|c| c.is_lowercase()))
                .map(str::to_string),
        );
        out.push(full);
        i += skip + path.len().max(1);
    }
    out
}

fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Depth-first search for back edges; report each cycle once.
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        if let Some(pos) = stack.iter().position(|s| s == n) {
            let mut c = stack[pos..].to_vec();
            c.push(n.to_string());
            found.push(c);
            return;
        }
        if done.contains(n) {
            return;
        }
        stack.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            visit(m, edges, stack, done, found);
        }
        stack.pop();
        done.insert(n.to_string());
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for n in edges.keys() {
        visit(n, edges, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

fn no_cycles() -> Result<(), Failed> {
    let src = package_dir().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|f| !f.ends_with("main.rs"));
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut inner: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut server_uses = BTreeSet::new();
    for f in &files {
        let module = module_of(&src, f);
        // Test modules may reach anywhere; they are not part of the layering.
        if module.iter().any(|m| m == "tests") {
            continue;
        }
        let Some(me) = module.first().cloned() else {
            continue;
        };
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        for r in references(&module, &text) {
            let Some(to) = r.first() else { continue };
            if *to != me {
                top.entry(me.clone()).or_default().insert(to.clone());
                if me == "server" {
                    server_uses.insert(to.clone());
                }
            } else {
                // At every depth: the first components where the two paths part are siblings
                // under one parent (`server::patch::members` -> `server::patch::apply`).
                let k = module.iter().zip(&r).take_while(|(a, b)| a == b).count();
                if k < module.len() && k < r.len() {
                    inner
                        .entry(module[..=k].join("::"))
                        .or_default()
                        .insert(r[..=k].join("::"));
                }
            }
        }
    }
    let mut problems: Vec<String> = cycles(&top)
        .into_iter()
        .chain(cycles(&inner))
        .map(|c| format!("import cycle: {}", c.join(" -> ")))
        .collect();
    for (from, tos) in &top {
        for to in tos {
            if let Some(why) = points_up(from, to) {
                problems.push(why);
            }
        }
    }
    server_uses.remove("core");
    if !server_uses.is_empty() {
        problems.push(format!(
            "the reference server must share only `core` with the harness, but uses {server_uses:?}"
        ));
    }
    if top.len() < 8 {
        problems.push(format!(
            "too few modules found ({top:?}): is src/ where it should be?"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// The harness's layers, top first (README "Architecture"): a module may use only layers
/// below it; the reference server sits beside them: `app` starts it, `cli` parses its flags.
const LAYERS: &[&str] = &[
    "app", "cli", "runner", "report", "snapshot", "simulate", "exec", "plan", "outcome", "profile",
    "suite", "http", "core",
];

/// Why `from` using `to` breaks the layering, if it does.
fn points_up(from: &str, to: &str) -> Option<String> {
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    match (rank(from), rank(to)) {
        (Some(a), Some(b)) if b <= a => Some(format!(
            "`{from}` uses `{to}`, a layer above it (layers, top first: {})",
            LAYERS.join(" > ")
        )),
        (Some(_), None) if to == "server" && from != "app" && from != "cli" => Some(format!(
            "`{from}` uses the reference server; only `app` (and `cli`, for its flags) may"
        )),
        _ => None,
    }
}

/// The trials of this module.
pub fn trials() -> Vec<Trial> {
    vec![Trial::test(
        "architecture::layers-point-down-without-cycles",
        no_cycles,
    )]
}
