//! Malformed suite files: each becomes an error naming file, entry and field, never a crash.
//! Every file in `fixtures/selftest/bad-suites/` starts with `# error: <text the error must contain>`.

use libtest_mimic::{Failed, Trial};

use scim_conformance::core::files::Tree;
use scim_conformance::suite::load::load_file;

use crate::common::{fixtures, package_dir};

fn check(path: std::path::PathBuf) -> Result<(), Failed> {
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let want = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# error: "))
        .ok_or_else(|| format!("{}: first line must be `# error: ...`", path.display()))?
        .trim()
        .to_string();
    let dir = path.parent().map(|p| p.to_path_buf()).unwrap_or_default();
    let rel = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suite = load_file(&Tree::Disk(dir), &rel, &fixtures());
    let errors: Vec<String> = suite
        .entries
        .iter()
        .filter_map(|e| e.as_ref().err())
        .map(|e| e.to_string())
        .collect();
    let file_name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    match errors.iter().find(|e| e.contains(&want)) {
        Some(e) if e.contains(&file_name) => Ok(()),
        Some(e) => Err(format!("error does not name the file {file_name}: {e}").into()),
        None => Err(format!("expected an error containing `{want}`, got: {errors:#?}").into()),
    }
}

/// One trial per bad suite file.
pub fn trials() -> Vec<Trial> {
    let dir = package_dir().join("fixtures/selftest/bad-suites");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|r| {
            r.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut trials: Vec<Trial> = files
        .into_iter()
        .map(|p| {
            let name = format!(
                "lint::{}",
                p.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            );
            Trial::test(name, move || check(p))
        })
        .collect();
    if trials.is_empty() {
        trials.push(Trial::test("lint::bad-suites-present", move || {
            Err(format!("no bad suites in {}", dir.display()).into())
        }));
    }
    trials
}
