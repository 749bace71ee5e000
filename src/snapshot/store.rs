//! Baselines: reading, comparing and recording `snapshots/<vendor>/<name>.snap` files. The files
//! keep insta's format (a `---` header, then the pretty JSON), so `cargo insta review` and
//! `cargo insta accept` work on them; the comparison and its diff are the harness's own and come
//! back as data, never printed.

use std::path::{Path, PathBuf};

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::core::files::{display_path, FilesError, Tree};
use crate::outcome::{DiffLine, SnapshotResult};

/// Lines of unchanged context around each change in a diff.
const CONTEXT: usize = 3;

/// What to do with snapshots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Compare with the recorded snapshot; a difference fails the trial.
    Check,
    /// Write the snapshot as the new baseline.
    Record,
    /// No snapshots (a first exploratory run against a new target).
    Off,
}

impl SnapshotMode {
    /// `check`, `record` or `off`.
    pub fn name(self) -> &'static str {
        match self {
            SnapshotMode::Check => "check",
            SnapshotMode::Record => "record",
            SnapshotMode::Off => "off",
        }
    }
}

impl std::str::FromStr for SnapshotMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "check" => Ok(SnapshotMode::Check),
            "record" => Ok(SnapshotMode::Record),
            "off" => Ok(SnapshotMode::Off),
            other => Err(format!("`{other}` is not one of check, record, off")),
        }
    }
}

/// Where baselines are read and written.
#[derive(Clone, Debug)]
pub struct Store {
    /// Check, record or off.
    pub mode: SnapshotMode,
    /// Where baselines are read from (embedded or a directory).
    pub baselines: Tree,
    /// Where new baselines and pending `.snap.new` files are written, if anywhere.
    pub write_dir: Option<PathBuf>,
    /// Whether this is CI: pending files are never written there.
    pub ci: bool,
    /// The flags that select this store, for the accept advice (e.g. `--snapshot-dir x`).
    pub flags: String,
    /// Vendors with no baseline at all in `baselines`: not compared (the run says once how to
    /// record one) instead of one "no baseline" failure per trial.
    pub absent: std::collections::BTreeSet<String>,
}

impl Store {
    /// Compares a trial's document with its baseline, or records it.
    pub fn compare(&self, vendor: &str, name: &str, doc: &Value) -> SnapshotResult {
        let rel = format!("{vendor}/{name}.snap");
        let shown = self.baselines.shown(&rel);
        match self.mode {
            SnapshotMode::Off => SnapshotResult::Skipped("--snapshots off".into()),
            SnapshotMode::Record => match &self.write_dir {
                Some(dir) => {
                    let path = dir.join(&rel);
                    match write(&path, vendor, name, doc) {
                        Ok(()) => SnapshotResult::Recorded {
                            path: display_path(&path),
                        },
                        Err(e) => SnapshotResult::Skipped(format!(
                            "could not record {}: {e}",
                            display_path(&path)
                        )),
                    }
                }
                None => SnapshotResult::Skipped("nowhere to record (give --snapshot-dir)".into()),
            },
            SnapshotMode::Check if self.absent.contains(vendor) => SnapshotResult::Skipped(
                format!("no baseline recorded for {vendor} (see the warning: record one first)"),
            ),
            SnapshotMode::Check => {
                let accept = format!(
                    "accept it: re-run with `--snapshots record{}{}`",
                    if self.flags.is_empty() { "" } else { " " },
                    self.flags
                );
                let new_text = pretty(doc);
                let pending = |me: &Store| -> Option<String> {
                    let dir = me.write_dir.as_ref().filter(|_| !me.ci)?;
                    let path = dir.join(format!("{rel}.new"));
                    write(&path, vendor, name, doc).ok()?;
                    Some(display_path(&path))
                };
                match self.baselines.read_string(&rel) {
                    Err(FilesError::NotFound(_)) => SnapshotResult::NoBaseline {
                        path: shown,
                        accept,
                        pending: pending(self),
                    },
                    Err(e) => SnapshotResult::Skipped(format!("cannot read the baseline: {e}")),
                    Ok(text) => {
                        let old_text = body(&text);
                        let same = match serde_json::from_str::<Value>(old_text) {
                            Ok(old) => old == *doc,
                            Err(_) => old_text.trim_end() == new_text.trim_end(),
                        };
                        if same {
                            SnapshotResult::Unchanged { path: shown }
                        } else {
                            let diff = match serde_json::from_str::<Value>(old_text) {
                                Ok(old) => doc_diff(&old, doc),
                                Err(_) => diff(old_text, &new_text),
                            };
                            SnapshotResult::Differs {
                                path: shown,
                                diff,
                                accept,
                                pending: pending(self),
                            }
                        }
                    }
                }
            }
        }
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// The contents of a `.snap` file after its `---` header.
pub fn body(file: &str) -> &str {
    let Some(rest) = file.strip_prefix("---\n") else {
        return file;
    };
    match rest.find("\n---\n") {
        Some(i) => rest.get(i + 5..).unwrap_or_default(),
        None => file,
    }
}

/// The text of a snapshot file in insta's format. Its `source:` is the trial's name, so
/// `cargo insta review` and `accept` list each pending snapshot by trial.
pub fn file_text(vendor: &str, name: &str, doc: &Value) -> String {
    let trial = doc["trial"].as_str().map_or_else(
        || format!("{vendor}::{}", name.replace("__", "::")),
        str::to_string,
    );
    format!(
        "---\nsource: {}\ndescription: \"scim-conformance snapshot: {vendor} {name}\"\n---\n{}\n",
        serde_json::Value::String(trial),
        pretty(doc)
    )
}

fn write(path: &Path, vendor: &str, name: &str, doc: &Value) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, file_text(vendor, name, doc))
}

/// The changes of snapshot document `new` against `old`, exchange by exchange: each exchange
/// that changed, appeared or went away gets a [`DiffLine::Step`] naming its step and request,
/// then the line diff of that exchange alone, so the diff starts where it changed. Documents
/// that are not both `{"trial", "exchanges"}` of one trial get the whole-text [`diff`].
pub fn doc_diff(old: &Value, new: &Value) -> Vec<DiffLine> {
    // Each exchange as its lines stand in the file (indented as an element of `exchanges`).
    let exchanges = |v: &Value| -> Option<Vec<String>> {
        v["exchanges"].as_array().map(|xs| {
            xs.iter()
                .map(|x| {
                    pretty(x)
                        .lines()
                        .map(|l| format!("    {l}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .collect()
        })
    };
    let (Some(before), Some(after)) = (exchanges(old), exchanges(new)) else {
        return diff(&pretty(old), &pretty(new));
    };
    if old["trial"] != new["trial"] {
        return diff(&pretty(old), &pretty(new));
    }
    let heading = |i: usize, side: &Value, total: usize| {
        let x = &side["exchanges"][i];
        format!(
            "exchange {} of {total}, step {}: {}",
            i + 1,
            x["step"],
            x["request"].as_str().unwrap_or("?")
        )
    };
    let mut out = Vec::new();
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &before, &after);
    for op in ops {
        let (o, n) = (op.old_range(), op.new_range());
        if matches!(op, similar::DiffOp::Equal { .. }) {
            continue;
        }
        for k in 0..o.len().max(n.len()) {
            let (was, now) = (o.start + k < o.end, n.start + k < n.end);
            out.push(DiffLine::Step(if now {
                heading(n.start + k, new, after.len())
            } else {
                format!("gone: {}", heading(o.start + k, old, before.len()))
            }));
            let text = |side: &[String], i: usize, present: bool| {
                if present {
                    side[i].clone() + "\n"
                } else {
                    String::new()
                }
            };
            out.extend(diff(
                &text(&before, o.start + k, was),
                &text(&after, n.start + k, now),
            ));
        }
    }
    out
}

/// A line diff of `old` (baseline) against `new`, with a few lines of context around changes.
pub fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    let d = TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    let groups = d.grouped_ops(CONTEXT);
    let mut shown_until = 0usize;
    for group in groups {
        let first = group.first().map(|op| op.old_range().start).unwrap_or(0);
        if first > shown_until {
            out.push(DiffLine::Gap(first - shown_until));
        }
        for op in &group {
            for change in d.iter_changes(op) {
                let text = change.value().trim_end_matches('\n').to_string();
                out.push(match change.tag() {
                    ChangeTag::Equal => DiffLine::Same(text),
                    ChangeTag::Delete => DiffLine::Removed(text),
                    ChangeTag::Insert => DiffLine::Added(text),
                });
            }
            shown_until = op.old_range().end;
        }
    }
    let total = old.lines().count();
    if total > shown_until && !out.is_empty() {
        out.push(DiffLine::Gap(total - shown_until));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn temp() -> PathBuf {
        let d = std::env::temp_dir().join(format!("scimconf-snap-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn store(dir: &Path, mode: SnapshotMode, ci: bool) -> Store {
        Store {
            mode,
            baselines: Tree::Disk(dir.to_path_buf()),
            write_dir: Some(dir.to_path_buf()),
            ci,
            flags: format!("--snapshot-dir {}", dir.display()),
            absent: Default::default(),
        }
    }

    #[test]
    fn record_then_check_then_differ() {
        let dir = temp();
        let doc = json!({"trial": "v::s::e", "exchanges": [{"status": 201}]});
        let r = store(&dir, SnapshotMode::Record, false).compare("v", "s__e", &doc);
        assert!(matches!(r, SnapshotResult::Recorded { .. }), "{r:?}");
        let first = std::fs::read(dir.join("v/s__e.snap")).unwrap();
        store(&dir, SnapshotMode::Record, false).compare("v", "s__e", &doc);
        assert_eq!(first, std::fs::read(dir.join("v/s__e.snap")).unwrap());
        let check = store(&dir, SnapshotMode::Check, true);
        assert!(matches!(
            check.compare("v", "s__e", &doc),
            SnapshotResult::Unchanged { .. }
        ));
        let changed = json!({"trial": "v::s::e", "exchanges": [{"status": 200}]});
        match check.compare("v", "s__e", &changed) {
            SnapshotResult::Differs {
                diff,
                accept,
                pending,
                ..
            } => {
                assert!(diff.contains(&DiffLine::Removed("      \"status\": 201".into())));
                assert!(diff.contains(&DiffLine::Added("      \"status\": 200".into())));
                assert!(accept.contains("--snapshots record --snapshot-dir"));
                assert!(pending.is_none(), "nothing is written on CI");
            }
            other => panic!("{other:?}"),
        }
        assert!(!dir.join("v/s__e.snap.new").exists());
        match store(&dir, SnapshotMode::Check, false).compare("v", "s__e", &changed) {
            SnapshotResult::Differs { pending, .. } => assert!(pending.is_some()),
            other => panic!("{other:?}"),
        }
        assert!(dir.join("v/s__e.snap.new").exists());
        assert!(matches!(
            check.compare("v", "other", &doc),
            SnapshotResult::NoBaseline { .. }
        ));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn files_stay_readable_by_insta() {
        let dir = temp();
        let doc = json!({"trial": "v::s::e", "exchanges": [{"body": {"a": [1, 2]}, "x": {}}]});
        let path = dir.join("v/s__e.snap");
        write(&path, "v", "s__e", &doc).unwrap();
        let snap = insta::Snapshot::from_file(&path).unwrap();
        let text = snap.contents().as_text().unwrap().to_string();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), doc);
        assert_eq!(
            snap.metadata().description(),
            Some("scim-conformance snapshot: v s__e")
        );
        assert_eq!(snap.metadata().source(), Some("v::s::e"));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn committed_baselines_parse() {
        let t = Tree::Embedded("snapshots");
        let files = t.files("zenkit", "snap").unwrap();
        assert!(!files.is_empty());
        for f in files {
            let text = t.read_string(&f).unwrap();
            let v: Value = serde_json::from_str(body(&text)).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert!(v.get("trial").is_some(), "{f}");
        }
    }

    fn snapshot_doc(statuses: &[(&str, u16)]) -> Value {
        json!({
            "trial": "v::s::e",
            "exchanges": statuses.iter().map(|(step, status)| json!({
                "step": step,
                "request": format!("GET Users/[{step}]"),
                "status": status,
                "body": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "[user_id]"},
            })).collect::<Vec<_>>(),
        })
    }

    #[test]
    fn a_document_diff_starts_at_the_changed_step() {
        let old = snapshot_doc(&[("a", 201), ("b", 200), ("c", 200), ("d", 204)]);
        let new = snapshot_doc(&[("a", 201), ("b", 200), ("c", 404), ("d", 204)]);
        let d = doc_diff(&old, &new);
        assert_eq!(
            d.first(),
            Some(&DiffLine::Step(
                "exchange 3 of 4, step \"c\": GET Users/[c]".into()
            )),
            "{d:?}"
        );
        assert!(
            d.contains(&DiffLine::Removed("      \"status\": 200,".into())),
            "{d:?}"
        );
        assert!(
            d.contains(&DiffLine::Added("      \"status\": 404,".into())),
            "{d:?}"
        );
        assert_eq!(
            d.iter().filter(|l| matches!(l, DiffLine::Step(_))).count(),
            1
        );
        // An exchange more: it alone is shown, the ones after it are not re-listed.
        let more = snapshot_doc(&[("a", 201), ("x", 200), ("b", 200), ("c", 200), ("d", 204)]);
        let d = doc_diff(&old, &more);
        let steps: Vec<&DiffLine> = d
            .iter()
            .filter(|l| matches!(l, DiffLine::Step(_)))
            .collect();
        assert_eq!(
            steps,
            [&DiffLine::Step(
                "exchange 2 of 5, step \"x\": GET Users/[x]".into()
            )],
            "{d:?}"
        );
        let fewer = snapshot_doc(&[("a", 201), ("b", 200), ("c", 200)]);
        assert!(doc_diff(&old, &fewer).contains(&DiffLine::Step(
            "gone: exchange 4 of 4, step \"d\": GET Users/[d]".into()
        )));
        // Not a snapshot document: the whole text.
        assert!(!doc_diff(&json!({"a": 1}), &json!({"a": 2}))
            .iter()
            .any(|l| matches!(l, DiffLine::Step(_))));
    }

    #[test]
    fn diff_shows_context_and_gaps() {
        let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 10\n", "line ten\n");
        let d = diff(&old, &new);
        assert_eq!(d.first(), Some(&DiffLine::Gap(6)));
        assert!(d.contains(&DiffLine::Removed("line 10".into())));
        assert!(d.contains(&DiffLine::Added("line ten".into())));
        assert_eq!(d.last(), Some(&DiffLine::Gap(7)));
    }
}
