//! Embeds the default suites, fixtures and snapshot baselines in the binary, so an installed
//! `scim-conformance` runs from any directory. Generates `$OUT_DIR/embedded.rs`: a sorted table
//! of (path relative to the package, bytes) read with `include_bytes!`.

use std::path::{Path, PathBuf};

/// Folders embedded, and the file extensions taken from each.
const TREES: &[(&str, &[&str])] = &[
    ("suites", &["toml"]),
    ("fixtures", &["toml", "json"]),
    ("snapshots", &["snap"]),
];

/// Sub-folders that serve only the project's own tests.
const SKIP: &[&str] = &["fixtures/selftest", "fixtures/tls"];

fn walk(root: &Path, dir: &Path, exts: &[&str], out: &mut Vec<(String, PathBuf)>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if path.is_dir() {
            if !SKIP.contains(&rel.as_str()) {
                walk(root, &path, exts, out);
            }
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| exts.contains(&e))
        {
            out.push((rel, path));
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut files = Vec::new();
    for (tree, exts) in TREES {
        println!("cargo:rerun-if-changed={tree}");
        walk(&root, &root.join(tree), exts, &mut files);
    }
    files.sort();
    let mut code = String::from("/// Every embedded file: (path relative to the package, contents), sorted by path.\npub static EMBEDDED: &[(&str, &[u8])] = &[\n");
    for (rel, path) in &files {
        code.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("embedded.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed=build.rs");
}
