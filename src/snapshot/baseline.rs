//! Reading a vendor's recorded baseline back as typed data, for rendering it as a document
//! (`scim-conformance report SNAPSHOT_DIR`): per trial, what Entra sent and what the endpoint
//! answered, as the snapshot files hold them (normalized, secrets never present).

use std::path::Path;

use serde_json::Value;

use super::store::body;
use crate::core::files::{display_path, FilesError, Tree};

/// One exchange of a baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct BaselineExchange {
    /// The step's name.
    pub step: String,
    /// The request line relative to the target (`PATCH Users/[user_id]`).
    pub request: String,
    /// The request body, normalized (snapshots recorded before request bodies were kept have
    /// none).
    pub request_body: Option<Value>,
    /// The status, if an answer came.
    pub status: Option<u16>,
    /// The headers recorded (content-type, location, etag, www-authenticate).
    pub headers: Vec<(String, String)>,
    /// The response body (`null` when empty).
    pub body: Value,
    /// Why no answer came, if none did.
    pub error: Option<String>,
}

/// One trial's baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct BaselineTrial {
    /// The snapshot's name (`users__disable-and-enable__legacy`).
    pub name: String,
    /// The trial it was recorded from (`zenkit::users::create`).
    pub trial: String,
    /// Its exchanges, in order.
    pub exchanges: Vec<BaselineExchange>,
}

/// A vendor's baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    /// The vendor (the folder's name).
    pub vendor: String,
    /// The folder as shown.
    pub shown: String,
    /// Every trial, by snapshot name.
    pub trials: Vec<BaselineTrial>,
    /// Files that could not be read as snapshots, with why.
    pub unreadable: Vec<(String, String)>,
}

fn exchange(v: &Value) -> BaselineExchange {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    BaselineExchange {
        step: s("step").unwrap_or_default(),
        request: s("request").unwrap_or_default(),
        request_body: v.get("request_body").cloned(),
        status: v
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|n| u16::try_from(n).ok()),
        headers: v
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        body: v.get("body").cloned().unwrap_or(Value::Null),
        error: s("error"),
    }
}

/// Parses one snapshot file's text.
pub fn parse(name: &str, text: &str) -> Result<BaselineTrial, String> {
    let v: Value = serde_json::from_str(body(text)).map_err(|e| e.to_string())?;
    let trial = v
        .get("trial")
        .and_then(Value::as_str)
        .ok_or("no `trial` field: not a scim-conformance snapshot")?
        .to_string();
    let exchanges = v
        .get("exchanges")
        .and_then(Value::as_array)
        .map(|xs| xs.iter().map(exchange).collect())
        .unwrap_or_default();
    Ok(BaselineTrial {
        name: name.to_string(),
        trial,
        exchanges,
    })
}

/// Reads `dir`: a vendor's folder of `.snap` files, or a folder of vendor folders.
pub fn load(dir: &Path) -> Result<Vec<Baseline>, FilesError> {
    let tree = Tree::Disk(dir.to_path_buf());
    if !dir.is_dir() {
        return Err(FilesError::NotFound(display_path(dir)));
    }
    let own = tree.files("", "snap")?;
    if !own.is_empty() {
        let vendor = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok(vec![read(&tree, vendor, display_path(dir), own)]);
    }
    let mut vendors: Vec<String> = std::fs::read_dir(dir)
        .map_err(|source| FilesError::Io {
            shown: display_path(dir),
            source,
        })?
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    vendors.sort();
    let mut out = Vec::new();
    for v in vendors {
        let files = tree.files(&v, "snap")?;
        if !files.is_empty() {
            out.push(read(&tree, v.clone(), display_path(&dir.join(&v)), files));
        }
    }
    Ok(out)
}

/// The baseline built into the binary for `vendor` (the package's `snapshots/<vendor>/`).
pub fn load_embedded(vendor: &str) -> Result<Baseline, FilesError> {
    let tree = Tree::Embedded("snapshots");
    let files = tree.files(vendor, "snap")?;
    Ok(read(&tree, vendor.to_string(), tree.shown(vendor), files))
}

fn read(tree: &Tree, vendor: String, shown: String, files: Vec<String>) -> Baseline {
    let mut trials = Vec::new();
    let mut unreadable = Vec::new();
    for f in files {
        let name = f
            .rsplit('/')
            .next()
            .unwrap_or(&f)
            .trim_end_matches(".snap")
            .to_string();
        match tree
            .read_string(&f)
            .map_err(|e| e.to_string())
            .and_then(|t| parse(&name, &t))
        {
            Ok(t) => trials.push(t),
            Err(e) => unreadable.push((f, e)),
        }
    }
    Baseline {
        vendor,
        shown,
        trials,
        unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_file_parses() {
        let text = "---\nsource: x\n---\n{\"trial\": \"v::users::create\", \"exchanges\": [{\"step\": \"create\", \"request\": \"POST Users\", \"request_body\": {\"userName\": \"[tag]\"}, \"status\": 201, \"headers\": {\"content-type\": \"application/scim+json\"}, \"body\": {\"id\": \"[id]\"}}, {\"step\": \"x\", \"request\": \"GET Users\", \"error\": \"timed out\"}]}\n";
        let t = parse("users__create", text).unwrap();
        assert_eq!(t.trial, "v::users::create");
        assert_eq!(t.exchanges[0].status, Some(201));
        assert_eq!(
            t.exchanges[0].request_body.as_ref().unwrap()["userName"],
            "[tag]"
        );
        assert_eq!(t.exchanges[1].error.as_deref(), Some("timed out"));
        assert!(parse("x", "not json").is_err());
        assert!(parse("x", "{}").is_err());
    }

    #[test]
    fn the_committed_zenkit_baseline_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/zenkit");
        let b = load(&dir).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].vendor, "zenkit");
        assert!(b[0].trials.len() > 10);
        assert!(b[0].unreadable.is_empty(), "{:?}", b[0].unreadable);
        let all = load(&dir.join("..")).unwrap();
        assert!(all.iter().any(|b| b.vendor == "zenkit") && all.len() > 1);
        assert!(load(&dir.join("nope")).is_err());
    }
}
