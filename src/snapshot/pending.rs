//! Pending snapshots: the `.snap.new` files a `check` writes beside a baseline its endpoint no
//! longer matches (or has none), read back as typed data for review — the trial, where its
//! answers changed ([`doc_diff`]) — and accepted (the new file replaces the baseline) or
//! rejected (the new file goes). insta's own `cargo insta review` reads the same files.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::store::{body, doc_diff};
use crate::core::files::{display_path, FilesError};
use crate::outcome::DiffLine;

/// One pending snapshot.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The trial's name (`zenkit::users::create`).
    pub trial: String,
    /// The `.snap.new` file.
    pub new_path: PathBuf,
    /// The baseline it would replace (which may not exist yet).
    pub old_path: PathBuf,
    /// Whether there is no baseline yet.
    pub first: bool,
    /// The changes, starting at the exchange that changed.
    pub diff: Vec<DiffLine>,
}

impl Pending {
    /// Makes the new snapshot the baseline.
    pub fn accept(&self) -> std::io::Result<()> {
        std::fs::rename(&self.new_path, &self.old_path)
    }

    /// Discards the new snapshot; the baseline stays as it is.
    pub fn reject(&self) -> std::io::Result<()> {
        std::fs::remove_file(&self.new_path)
    }
}

/// Every pending snapshot under `dir` (a folder of vendor folders, or one vendor's folder),
/// sorted by trial name; a file that is not a snapshot document is an error naming it.
pub fn find(dir: &Path) -> Result<Vec<Pending>, FilesError> {
    let io = |path: &Path, source: std::io::Error| FilesError::Io {
        shown: display_path(path),
        source,
    };
    if !dir.is_dir() {
        return Err(FilesError::NotFound(display_path(dir)));
    }
    let mut folders = vec![dir.to_path_buf()];
    for e in std::fs::read_dir(dir).map_err(|e| io(dir, e))?.flatten() {
        if e.path().is_dir() {
            folders.push(e.path());
        }
    }
    let mut out = Vec::new();
    for folder in folders {
        for e in std::fs::read_dir(&folder)
            .map_err(|e| io(&folder, e))?
            .flatten()
        {
            let new_path = e.path();
            let Some(old_name) = new_path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".new"))
                .filter(|n| n.ends_with(".snap"))
            else {
                continue;
            };
            let old_path = folder.join(old_name);
            let read = |p: &Path| -> Result<Value, FilesError> {
                let text = std::fs::read_to_string(p).map_err(|e| io(p, e))?;
                serde_json::from_str(body(&text)).map_err(|e| FilesError::Io {
                    shown: display_path(p),
                    source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
                })
            };
            let new = read(&new_path)?;
            let trial = new["trial"].as_str().unwrap_or(old_name).to_string();
            let (old, first) = if old_path.is_file() {
                (read(&old_path)?, false)
            } else {
                (json!({"trial": trial, "exchanges": []}), true)
            };
            out.push(Pending {
                diff: doc_diff(&old, &new),
                trial,
                new_path,
                old_path,
                first,
            });
        }
    }
    out.sort_by(|a, b| a.trial.cmp(&b.trial));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::store::file_text;

    #[test]
    fn finds_names_diffs_accepts_and_rejects() {
        let dir = std::env::temp_dir().join(format!("scimconf-pending-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("v")).unwrap();
        let doc = |status: u16| json!({"trial": "v::s::e", "exchanges": [{"step": "create", "request": "POST Users", "status": status}]});
        std::fs::write(dir.join("v/s__e.snap"), file_text("v", "s__e", &doc(201))).unwrap();
        std::fs::write(
            dir.join("v/s__e.snap.new"),
            file_text("v", "s__e", &doc(200)),
        )
        .unwrap();
        let other = json!({"trial": "v::s::f", "exchanges": [{"step": "list", "request": "GET Users", "status": 200}]});
        std::fs::write(dir.join("v/s__f.snap.new"), file_text("v", "s__f", &other)).unwrap();
        let found = find(&dir).unwrap();
        assert_eq!(
            found.iter().map(|p| p.trial.as_str()).collect::<Vec<_>>(),
            ["v::s::e", "v::s::f"]
        );
        assert!(!found[0].first && found[1].first);
        assert_eq!(
            found[0].diff.first(),
            Some(&DiffLine::Step(
                "exchange 1 of 1, step \"create\": POST Users".into()
            ))
        );
        found[0].reject().unwrap();
        assert!(!dir.join("v/s__e.snap.new").exists());
        assert!(std::fs::read_to_string(dir.join("v/s__e.snap"))
            .unwrap()
            .contains("201"));
        found[1].accept().unwrap();
        assert!(dir.join("v/s__f.snap").is_file() && !dir.join("v/s__f.snap.new").exists());
        assert!(find(&dir).unwrap().is_empty());
        std::fs::remove_dir_all(dir).ok();
    }
}
