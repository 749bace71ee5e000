//! Where suites, fixtures and snapshot baselines are read from: the copies embedded in the
//! binary at build time (the defaults, so an installed binary works from any directory), or a
//! directory named on the command line. Messages name embedded files as the package does
//! (`suites/users.toml`), so a reader can find them in the repository.

use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// A tree of files: embedded or on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tree {
    /// The embedded copy of a package folder (`suites`, `fixtures` or `snapshots`).
    Embedded(&'static str),
    /// A directory on disk.
    Disk(PathBuf),
    /// A directory on disk over an embedded package folder: a file the directory holds
    /// overrides the embedded one of the same path, the embedded files fill the rest
    /// (`--fixtures DIR` holding only `vendors/acme.toml`).
    Layered(PathBuf, &'static str),
}

/// A file that could not be listed or read.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// The file or folder does not exist.
    #[error("{0}: no such file or directory")]
    NotFound(String),
    /// Reading failed.
    #[error("{shown}: {source}")]
    Io {
        /// The path as shown to the reader.
        shown: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not UTF-8 text.
    #[error("{0}: not UTF-8 text")]
    NotText(String),
}

impl Tree {
    /// The files directly inside `sub` (`""` for the tree's root) ending in `.ext`, as paths
    /// relative to the tree, sorted.
    pub fn files(&self, sub: &str, ext: &str) -> Result<Vec<String>, FilesError> {
        let suffix = format!(".{ext}");
        match self {
            Tree::Layered(dir, root) => {
                let disk = Tree::Disk(dir.clone()).files(sub, ext);
                let embedded = Tree::Embedded(root).files(sub, ext);
                match (disk, embedded) {
                    (Err(e), Err(_)) => Err(e),
                    (disk, embedded) => {
                        let mut all: Vec<String> = disk.unwrap_or_default();
                        all.extend(embedded.unwrap_or_default());
                        all.sort();
                        all.dedup();
                        Ok(all)
                    }
                }
            }
            Tree::Embedded(root) => {
                let dir = join(root, sub);
                let prefix = format!("{dir}/");
                let found: Vec<String> = EMBEDDED
                    .iter()
                    .filter_map(|(p, _)| p.strip_prefix(&prefix))
                    .filter(|rest| !rest.contains('/') && rest.ends_with(&suffix))
                    .map(|rest| join(sub, rest))
                    .collect();
                if found.is_empty() && !EMBEDDED.iter().any(|(p, _)| p.starts_with(&prefix)) {
                    return Err(FilesError::NotFound(dir));
                }
                Ok(found)
            }
            Tree::Disk(root) => {
                let dir = root.join(sub);
                let read = std::fs::read_dir(&dir).map_err(|e| io(&dir, e))?;
                let mut found: Vec<String> = read
                    .filter_map(Result::ok)
                    .filter(|e| e.path().is_file())
                    .filter_map(|e| e.file_name().to_str().map(str::to_string))
                    .filter(|n| n.ends_with(&suffix))
                    .map(|n| join(sub, &n))
                    .collect();
                found.sort();
                Ok(found)
            }
        }
    }

    /// The bytes of `rel` (a path relative to the tree).
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, FilesError> {
        match self {
            Tree::Layered(dir, root) => match Tree::Disk(dir.clone()).read(rel) {
                Err(FilesError::NotFound(_)) => Tree::Embedded(root).read(rel),
                read => read,
            },
            Tree::Embedded(root) => {
                let path = join(root, rel);
                EMBEDDED
                    .iter()
                    .find(|(p, _)| *p == path)
                    .map(|(_, b)| b.to_vec())
                    .ok_or(FilesError::NotFound(path))
            }
            Tree::Disk(root) => {
                let path = root.join(rel);
                std::fs::read(&path).map_err(|e| io(&path, e))
            }
        }
    }

    /// The text of `rel`.
    pub fn read_string(&self, rel: &str) -> Result<String, FilesError> {
        String::from_utf8(self.read(rel)?).map_err(|_| FilesError::NotText(self.shown(rel)))
    }

    /// `rel` as shown in messages: `suites/users.toml` for embedded files, the path (relative
    /// to the current directory when below it) for files on disk.
    pub fn shown(&self, rel: &str) -> String {
        match self {
            Tree::Layered(dir, root) if !dir.join(rel).exists() => join(root, rel),
            Tree::Layered(dir, _) => display_path(&dir.join(rel)),
            Tree::Embedded(root) => join(root, rel),
            Tree::Disk(root) => display_path(&root.join(rel)),
        }
    }

    /// The directory, for a tree on disk.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            Tree::Embedded(_) => None,
            Tree::Disk(d) | Tree::Layered(d, _) => Some(d),
        }
    }

    /// The package folder `root` (`fixtures`), with `dir` over it when given: the tree an
    /// optional `--fixtures DIR` flag names.
    pub fn over_embedded(dir: Option<&Path>, root: &'static str) -> Tree {
        match dir {
            Some(d) => Tree::Layered(d.to_path_buf(), root),
            None => Tree::Embedded(root),
        }
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}/{b}"),
    }
}

fn io(path: &Path, e: std::io::Error) -> FilesError {
    if e.kind() == std::io::ErrorKind::NotFound {
        FilesError::NotFound(display_path(path))
    } else {
        FilesError::Io {
            shown: display_path(path),
            source: e,
        }
    }
}

/// A path as shown in messages: relative to the current directory when below it.
pub fn display_path(p: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    p.strip_prefix(&cwd).unwrap_or(p).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_tree_lists_and_reads_the_package_files() {
        let suites = Tree::Embedded("suites");
        let files = suites.files("", "toml").unwrap();
        assert!(files.contains(&"users.toml".to_string()), "{files:?}");
        assert_eq!(suites.shown("users.toml"), "suites/users.toml");
        assert!(suites
            .read_string("users.toml")
            .unwrap()
            .contains("[suite]"));
        let fixtures = Tree::Embedded("fixtures");
        let vendors = fixtures.files("vendors", "toml").unwrap();
        assert!(vendors.contains(&"vendors/zenkit.toml".to_string()));
        assert!(
            fixtures.files("selftest", "toml").is_err(),
            "test-only folders are not embedded"
        );
        assert!(matches!(
            suites.read("nope.toml"),
            Err(FilesError::NotFound(s)) if s == "suites/nope.toml"
        ));
    }

    #[test]
    fn a_layered_tree_overrides_only_the_files_it_holds() {
        let dir = std::env::temp_dir().join(format!("scimconf-layer-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("vendors")).unwrap();
        std::fs::write(dir.join("vendors/acme.toml"), "acme").unwrap();
        std::fs::write(dir.join("vendors/zenkit.toml"), "mine").unwrap();
        let t = Tree::over_embedded(Some(&dir), "fixtures");
        let vendors = t.files("vendors", "toml").unwrap();
        assert!(
            vendors.contains(&"vendors/acme.toml".to_string()),
            "{vendors:?}"
        );
        assert!(
            vendors.contains(&"vendors/zenya.toml".to_string()),
            "{vendors:?}"
        );
        assert_eq!(
            vendors
                .iter()
                .filter(|v| *v == "vendors/zenkit.toml")
                .count(),
            1
        );
        assert_eq!(t.read_string("vendors/zenkit.toml").unwrap(), "mine");
        assert!(t.read_string("entra-source.toml").unwrap().contains('['));
        assert_eq!(t.shown("entra-source.toml"), "fixtures/entra-source.toml");
        assert!(t.shown("vendors/acme.toml").ends_with("vendors/acme.toml"));
        assert!(!t.shown("vendors/acme.toml").starts_with("fixtures/"));
        assert!(matches!(t.read("nope.json"), Err(FilesError::NotFound(_))));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn disk_tree_reads_a_directory() {
        let dir = std::env::temp_dir().join(format!("scimconf-files-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/b.toml"), "b").unwrap();
        std::fs::write(dir.join("sub/a.toml"), "a").unwrap();
        std::fs::write(dir.join("sub/c.json"), "c").unwrap();
        let t = Tree::Disk(dir.clone());
        assert_eq!(
            t.files("sub", "toml").unwrap(),
            ["sub/a.toml", "sub/b.toml"]
        );
        assert_eq!(t.read_string("sub/a.toml").unwrap(), "a");
        assert!(matches!(
            t.files("none", "toml"),
            Err(FilesError::NotFound(_))
        ));
        std::fs::remove_dir_all(dir).ok();
    }
}
