//! The in-memory resource store: ids, meta, versions, creation order, case-insensitive
//! uniqueness, attribute indexes for `eq` filters, member lookup and in-place member edits.
//!
//! Sized for the load simulation (100,000 users, 10,000 groups): lookups by id, the indexed `eq`
//! filters and uniqueness checks touch only the resources they name, and each resource is kept
//! as its compact JSON text (about 1.3 KB for a full Entra user, where a parsed `Value` tree
//! takes about ten times that), decoded when it is read.

mod index;

pub use crate::server::kind::ResourceKind;

use crate::server::error::ScimError;
use crate::server::filter::{self, Filter, MatchOptions};
use crate::server::util::{get_ci, key_ci, now_rfc3339};
use index::{Index, Keys, MemberIndex};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use tokio::time::Instant;

/// One stored resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Server-assigned id.
    pub id: String,
    /// Version counter shown as `meta.version` `W/"<n>"`.
    pub version: u64,
    /// The resource exactly as stored (with `id` and `meta`), as compact JSON text.
    stored: Box<str>,
    /// Its userName (users) or displayName (groups) as stored, for member lookups that need
    /// no decoding.
    display: Option<Box<str>>,
    /// Its indexed values, so that re-indexing or removing it needs no decoding.
    keys: Keys,
    /// When the resource was created (the tokio clock), for `ServerConfig::filter_lag`.
    pub created_at: Instant,
}

impl Entry {
    fn new(id: String, version: u64, resource: &Value, keys: Keys) -> Entry {
        Entry {
            id,
            version,
            stored: encode(resource),
            display: display_of(resource),
            keys,
            created_at: Instant::now(),
        }
    }

    /// The resource exactly as stored (with `id` and `meta`), decoded.
    pub fn resource(&self) -> Value {
        // The text was written by `encode` from a `Value`: it always parses back.
        serde_json::from_str(&self.stored).unwrap_or(Value::Null)
    }

    /// Replaces the stored resource (whose indexed values are `keys`).
    fn set(&mut self, resource: &Value, keys: Keys) {
        self.stored = encode(resource);
        self.display = display_of(resource);
        self.keys = keys;
    }

    /// `meta.created` and `meta.location` as stored, read without decoding the rest.
    fn created_and_location(&self) -> (String, String) {
        #[derive(serde::Deserialize, Default)]
        struct Meta {
            #[serde(default)]
            created: Option<String>,
            #[serde(default)]
            location: Option<String>,
        }
        #[derive(serde::Deserialize)]
        struct Only {
            #[serde(default)]
            meta: Option<Meta>,
        }
        let meta = serde_json::from_str::<Only>(&self.stored)
            .ok()
            .and_then(|o| o.meta)
            .unwrap_or_default();
        (
            meta.created.unwrap_or_default(),
            meta.location.unwrap_or_default(),
        )
    }
}

/// The userName of a stored user, the displayName of a stored group (its `meta.resourceType`,
/// which the store always writes, says which).
fn display_of(resource: &Value) -> Option<Box<str>> {
    let m = resource.as_object()?;
    let group = m.get("meta").and_then(|meta| meta.get("resourceType")) == Some(&json!("Group"));
    get_ci(m, if group { "displayName" } else { "userName" })
        .and_then(Value::as_str)
        .map(Box::from)
}

fn encode(resource: &Value) -> Box<str> {
    resource.to_string().into_boxed_str()
}

/// What the store knows about a potential group member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInfo {
    /// Whether the id names a user or a group.
    pub kind: ResourceKind,
    /// The member's userName (users) or displayName (groups).
    pub display: Option<String>,
}

/// What a filtered read found: the matches in creation order, and how many stored resources
/// were examined to find them (the size of the index candidates, or of the table on a scan).
#[derive(Debug)]
pub struct QueryResult<'a> {
    /// The matching entries, in creation order.
    pub matches: Vec<&'a Entry>,
    /// Resources the filter was evaluated on.
    pub examined: usize,
}

/// The resources of one kind: creation order, ids, indexes.
#[derive(Debug)]
struct Table {
    /// Creation sequence -> entry (iteration = creation order).
    by_seq: BTreeMap<u64, Entry>,
    /// id -> creation sequence.
    seq_of: HashMap<String, u64>,
    index: Index,
    /// For groups: which groups list each member.
    members: MemberIndex,
}

impl Table {
    fn new(kind: ResourceKind) -> Self {
        Table {
            by_seq: BTreeMap::new(),
            seq_of: HashMap::new(),
            index: Index::new(kind),
            members: MemberIndex::default(),
        }
    }

    fn get(&self, id: &str) -> Option<&Entry> {
        self.by_seq.get(self.seq_of.get(id)?)
    }

    fn insert(&mut self, seq: u64, entry: Entry, resource: &Value) -> &Entry {
        self.index.insert(seq, resource);
        if self.index.kind() == ResourceKind::Group {
            self.members.insert(seq, resource);
        }
        self.seq_of.insert(entry.id.clone(), seq);
        self.by_seq.entry(seq).or_insert(entry)
    }

    /// Removes `id`; returns its entry and its unique value (lower-cased).
    fn remove(&mut self, id: &str) -> Option<(Entry, Option<String>)> {
        let seq = self.seq_of.remove(id)?;
        let entry = self.by_seq.remove(&seq)?;
        self.index.remove_keys(seq, &entry.keys);
        if self.index.kind() == ResourceKind::Group {
            self.members.remove(seq, &entry.resource());
        }
        let unique = self.index.unique_key(&entry.keys);
        Some((entry, unique))
    }

    /// Replaces the stored resource of `id` (re-indexing it) and sets its version.
    fn update(&mut self, id: &str, resource: &Value, version: u64) -> Option<&Entry> {
        let seq = *self.seq_of.get(id)?;
        let entry = self.by_seq.get_mut(&seq)?;
        self.index.remove_keys(seq, &entry.keys);
        self.index.insert(seq, resource);
        if self.index.kind() == ResourceKind::Group {
            self.members.remove(seq, &entry.resource());
            self.members.insert(seq, resource);
        }
        entry.set(resource, self.index.keys(resource));
        entry.version = version;
        Some(entry)
    }
}

/// All users and groups.
#[derive(Debug)]
pub struct Store {
    users: Table,
    groups: Table,
    next_seq: u64,
    /// Lower-cased unique values (userName / displayName) of deleted resources, per kind.
    retired: HashSet<(ResourceKind, String)>,
    /// Earlier versions of changed or deleted resources that a stale filter index still finds
    /// (`filter-index-stale` only).
    stale: Vec<(ResourceKind, Value)>,
    /// Resources as created, for a filter index that never sees changes
    /// (`filter-misses-changes` only).
    originals: HashMap<(ResourceKind, String), Value>,
    /// Counts every change to the resources: a cached query is valid while it stands still.
    generation: u64,
    /// The last filtered query's matches, reused while nothing changed.
    last: std::sync::Mutex<Option<LastQuery>>,
}

/// A filtered query's answer, kept while the store is unchanged: paging through one filter's
/// answer (a cleanup listing 110,000 leftovers page by page) then costs a page per request,
/// not a scan of the table per page.
#[derive(Debug)]
struct LastQuery {
    kind: ResourceKind,
    filter: Filter,
    opts: MatchOptions,
    generation: u64,
    /// The matches' creation sequence numbers, in creation order.
    seqs: std::sync::Arc<Vec<u64>>,
    examined: usize,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

fn unique_value(kind: ResourceKind, resource: &Value) -> Option<String> {
    resource
        .as_object()
        .and_then(|m| get_ci(m, kind.unique_attribute()))
        .and_then(Value::as_str)
        .map(str::to_lowercase)
}

fn meta(kind: ResourceKind, created: &str, modified: &str, location: &str, version: u64) -> Value {
    json!({
        "resourceType": kind.resource_type(),
        "created": created,
        "lastModified": modified,
        "location": location,
        "version": format!("W/\"{version}\""),
    })
}

/// Builds the stored shape: `schemas`, `id`, the client's other attributes in order, `meta` last
/// (in place: the body's map is reused, not rebuilt).
fn assemble(id: &str, mut body: Map<String, Value>, meta: Value) -> Value {
    body.retain(|k, _| !k.eq_ignore_ascii_case("id") && !k.eq_ignore_ascii_case("meta"));
    let mut at = 0;
    if let Some(v) = key_ci(&body, "schemas").and_then(|k| body.shift_remove(&k)) {
        body.shift_insert(0, "schemas".into(), v);
        at = 1;
    }
    body.shift_insert(at, "id".into(), Value::from(id));
    body.insert("meta".into(), meta);
    Value::Object(body)
}

/// Bumps `entry`'s version and sets `meta.version` / `meta.lastModified` in `resource` (its
/// decoded copy, stored afterwards).
fn touch(entry: &mut Entry, resource: &mut Value) {
    entry.version += 1;
    let version = format!("W/\"{}\"", entry.version);
    if let Some(Value::Object(m)) = resource.get_mut("meta") {
        m.insert("version".into(), Value::from(version));
        m.insert("lastModified".into(), Value::from(now_rfc3339()));
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Store {
            users: Table::new(ResourceKind::User),
            groups: Table::new(ResourceKind::Group),
            next_seq: 0,
            retired: HashSet::new(),
            stale: Vec::new(),
            originals: HashMap::new(),
            generation: 0,
            last: std::sync::Mutex::new(None),
        }
    }

    /// Remembers a resource as it was before a change or a delete, for a stale filter index.
    pub fn remember_stale(&mut self, kind: ResourceKind, resource: Value) {
        self.stale.push((kind, resource));
    }

    /// Remembers a resource as created, before its first change (later calls keep the first).
    pub fn remember_original(&mut self, kind: ResourceKind, id: &str, resource: Value) {
        self.originals
            .entry((kind, id.to_string()))
            .or_insert(resource);
    }

    /// The resource as created, if it changed since ([`Store::remember_original`]).
    pub fn original(&self, kind: ResourceKind, id: &str) -> Option<&Value> {
        self.originals.get(&(kind, id.to_string()))
    }

    /// Earlier versions remembered by [`Store::remember_stale`], oldest first.
    pub fn stale(&self, kind: ResourceKind) -> impl Iterator<Item = &Value> {
        self.stale
            .iter()
            .filter(move |(k, _)| *k == kind)
            .map(|(_, v)| v)
    }

    fn table(&self, kind: ResourceKind) -> &Table {
        match kind {
            ResourceKind::User => &self.users,
            ResourceKind::Group => &self.groups,
        }
    }

    fn table_mut(&mut self, kind: ResourceKind) -> &mut Table {
        self.generation += 1;
        match kind {
            ResourceKind::User => &mut self.users,
            ResourceKind::Group => &mut self.groups,
        }
    }

    /// How many resources of `kind` are stored.
    pub fn len(&self, kind: ResourceKind) -> usize {
        self.table(kind).by_seq.len()
    }

    /// True if no resource of `kind` is stored.
    pub fn is_empty(&self, kind: ResourceKind) -> bool {
        self.len(kind) == 0
    }

    /// Every entry of `kind`, in creation order.
    pub fn entries(&self, kind: ResourceKind) -> impl Iterator<Item = &Entry> {
        self.table(kind).by_seq.values()
    }

    /// The entry with this id, if any.
    pub fn get(&self, kind: ResourceKind, id: &str) -> Option<&Entry> {
        self.table(kind).get(id)
    }

    /// The entries of `kind` matching `filter` (every entry for `None`), in creation order.
    /// `eq` on userName, externalId, displayName or id (alone, in `and`, or in an `or` of such)
    /// is answered from indexes; anything else is a scan.
    pub fn query(
        &self,
        kind: ResourceKind,
        filter: Option<&Filter>,
        opts: &MatchOptions,
    ) -> QueryResult<'_> {
        let table = self.table(kind);
        let Some(f) = filter else {
            return QueryResult {
                matches: table.by_seq.values().collect(),
                examined: 0,
            };
        };
        let (seqs, examined) = self.matching(kind, f, opts);
        QueryResult {
            examined,
            matches: seqs.iter().filter_map(|s| table.by_seq.get(s)).collect(),
        }
    }

    /// One page of a filtered query (`skip` matches left out, at most `take` returned) and how
    /// many match in all: a page costs its own size once the query's matches are known.
    pub fn query_page(
        &self,
        kind: ResourceKind,
        filter: &Filter,
        opts: &MatchOptions,
        skip: usize,
        take: usize,
    ) -> (usize, Vec<&Entry>) {
        let table = self.table(kind);
        let (seqs, _) = self.matching(kind, filter, opts);
        let page = seqs
            .iter()
            .skip(skip)
            .take(take)
            .filter_map(|s| table.by_seq.get(s))
            .collect();
        (seqs.len(), page)
    }

    /// The creation sequence numbers of the resources of `kind` matching `f`, in creation
    /// order, and how many were examined: from the last query when it asked the same of an
    /// unchanged store.
    fn matching(
        &self,
        kind: ResourceKind,
        f: &Filter,
        opts: &MatchOptions,
    ) -> (std::sync::Arc<Vec<u64>>, usize) {
        let table = self.table(kind);
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(q) = last.as_ref().filter(|q| {
            q.kind == kind && q.generation == self.generation && q.opts == *opts && q.filter == *f
        }) {
            return (q.seqs.clone(), q.examined);
        }
        let matches_f = |e: &Entry| filter::matches(&e.resource(), f, opts);
        let (seqs, examined): (Vec<u64>, usize) = match table.index.candidates(f, &table.seq_of) {
            Some(candidates) => (
                candidates
                    .iter()
                    .copied()
                    .filter(|s| table.by_seq.get(s).is_some_and(matches_f))
                    .collect(),
                candidates.len(),
            ),
            None => (
                table
                    .by_seq
                    .iter()
                    .filter(|(_, e)| matches_f(e))
                    .map(|(s, _)| *s)
                    .collect(),
                table.by_seq.len(),
            ),
        };
        let seqs = std::sync::Arc::new(seqs);
        *last = Some(LastQuery {
            kind,
            filter: f.clone(),
            opts: *opts,
            generation: self.generation,
            seqs: seqs.clone(),
            examined,
        });
        (seqs, examined)
    }

    /// Fails with 409 uniqueness if another resource (not `exclude_id`) has the same unique value.
    pub fn check_unique(
        &self,
        kind: ResourceKind,
        resource: &Value,
        exclude_id: Option<&str>,
    ) -> Result<(), ScimError> {
        let Some(wanted) = unique_value(kind, resource) else {
            return Ok(());
        };
        let table = self.table(kind);
        let own = exclude_id.and_then(|id| table.seq_of.get(id));
        let clash = table.index.unique(&wanted).iter().any(|s| Some(s) != own);
        if clash {
            return Err(ScimError::Uniqueness(format!(
                "a {} with this {} already exists",
                kind.resource_type(),
                kind.unique_attribute()
            )));
        }
        Ok(())
    }

    /// True if a deleted resource of `kind` had the unique value `resource` has (any case).
    pub fn was_retired(&self, kind: ResourceKind, resource: &Value) -> bool {
        unique_value(kind, resource).is_some_and(|v| self.retired.contains(&(kind, v)))
    }

    fn new_id(&self) -> String {
        loop {
            let id = uuid::Uuid::new_v4().to_string();
            if !self.users.seq_of.contains_key(&id) && !self.groups.seq_of.contains_key(&id) {
                return id;
            }
        }
    }

    /// Stores a new resource assembled from `body`; returns the stored resource.
    fn insert(
        &mut self,
        kind: ResourceKind,
        body: Map<String, Value>,
        location_base: &str,
    ) -> Value {
        let id = self.new_id();
        let now = now_rfc3339();
        let location = format!("{location_base}/{}/{id}", kind.endpoint());
        let resource = assemble(&id, body, meta(kind, &now, &now, &location, 1));
        let seq = self.next_seq;
        self.next_seq += 1;
        let table = self.table_mut(kind);
        let entry = Entry::new(id, 1, &resource, table.index.keys(&resource));
        table.insert(seq, entry, &resource);
        resource
    }

    /// Stores a new resource built from `body` (client `id`/`meta` dropped); `location_base` is the
    /// absolute base URL without trailing slash. Checks uniqueness when `unique`.
    pub fn create(
        &mut self,
        kind: ResourceKind,
        body: Map<String, Value>,
        location_base: &str,
        unique: bool,
    ) -> Result<Value, ScimError> {
        let probe = Value::Object(body);
        if unique {
            self.check_unique(kind, &probe, None)?;
        }
        let Value::Object(body) = probe else {
            return Err(ScimError::Internal("body is not an object".into()));
        };
        Ok(self.insert(kind, body, location_base))
    }

    /// Replaces a resource (PUT): keeps id, `meta.created` and `meta.location`, bumps the version.
    pub fn replace(
        &mut self,
        kind: ResourceKind,
        id: &str,
        body: Map<String, Value>,
        unique: bool,
    ) -> Result<Value, ScimError> {
        let probe = Value::Object(body);
        if unique {
            self.check_unique(kind, &probe, Some(id))?;
        }
        let Value::Object(body) = probe else {
            return Err(ScimError::Internal("body is not an object".into()));
        };
        let entry = self.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        let version = entry.version + 1;
        let (created, location) = entry.created_and_location();
        let resource = assemble(
            id,
            body,
            meta(kind, &created, &now_rfc3339(), &location, version),
        );
        self.table_mut(kind)
            .update(id, &resource, version)
            .ok_or_else(|| not_found(kind, id))?;
        Ok(resource)
    }

    /// Commits a patched copy of a stored resource: checks uniqueness, bumps version and lastModified.
    pub fn commit(
        &mut self,
        kind: ResourceKind,
        id: &str,
        mut resource: Value,
        unique: bool,
    ) -> Result<Value, ScimError> {
        if unique {
            self.check_unique(kind, &resource, Some(id))?;
        }
        let entry = self.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        let version = entry.version + 1;
        let (created, location) = entry.created_and_location();
        if let Value::Object(map) = &mut resource {
            map.insert("id".into(), Value::from(id));
            map.insert(
                "meta".into(),
                meta(kind, &created, &now_rfc3339(), &location, version),
            );
        }
        self.table_mut(kind)
            .update(id, &resource, version)
            .ok_or_else(|| not_found(kind, id))?;
        Ok(resource)
    }

    /// A copy of group `id`'s member list (empty when it has none); `None` for an unknown id.
    pub fn members(&self, id: &str) -> Option<Vec<Value>> {
        let g = self.groups.get(id)?;
        Some(match g.resource().get_mut("members").map(Value::take) {
            Some(Value::Array(m)) => m,
            _ => Vec::new(),
        })
    }

    /// Edits group `id`'s member list in place (no copy of the group) and bumps its version;
    /// only the member index is updated (members are not filter-indexed).
    pub fn edit_members(
        &mut self,
        id: &str,
        edit: impl FnOnce(&mut Vec<Value>),
    ) -> Result<(), ScimError> {
        self.generation += 1;
        let table = &mut self.groups;
        let seq = *table
            .seq_of
            .get(id)
            .ok_or_else(|| not_found(ResourceKind::Group, id))?;
        let entry = table
            .by_seq
            .get_mut(&seq)
            .ok_or_else(|| not_found(ResourceKind::Group, id))?;
        let mut resource = entry.resource();
        table.members.remove(seq, &resource);
        let Value::Object(map) = &mut resource else {
            return Err(ScimError::Internal("stored group is not an object".into()));
        };
        let key = key_ci(map, "members").unwrap_or_else(|| "members".into());
        let slot = map.entry(key).or_insert_with(|| Value::Array(Vec::new()));
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        if let Value::Array(members) = slot {
            edit(members);
        }
        table.members.insert(seq, &resource);
        touch(entry, &mut resource);
        let keys = table.index.keys(&resource);
        entry.set(&resource, keys);
        Ok(())
    }

    /// Deletes a resource and drops it from every group's members; false if it did not exist.
    pub fn delete(&mut self, kind: ResourceKind, id: &str) -> bool {
        let Some((_, unique)) = self.table_mut(kind).remove(id) else {
            return false;
        };
        if let Some(v) = unique {
            self.retired.insert((kind, v));
        }
        let groups = &mut self.groups;
        for seq in groups.members.take(id) {
            let Some(group) = groups.by_seq.get_mut(&seq) else {
                continue;
            };
            let mut resource = group.resource();
            if let Some(Value::Array(members)) = resource
                .as_object_mut()
                .and_then(|m| key_ci(m, "members").and_then(|k| m.get_mut(&k)))
            {
                members.retain(|m| m.get("value").and_then(Value::as_str) != Some(id));
            }
            let keys = group.keys.clone();
            group.set(&resource, keys);
        }
        true
    }

    /// Inserts a resource directly, without validation or uniqueness checks; returns the new id.
    pub fn seed(&mut self, kind: ResourceKind, resource: Value, location_base: &str) -> String {
        let body = match resource {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let resource = self.insert(kind, body, location_base);
        resource
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    /// What a member id refers to: a user (display = userName) or a group (display = displayName).
    pub fn member_info(&self, id: &str) -> Option<MemberInfo> {
        let display = |e: &Entry, attr: &str| match attr {
            // A user's display is its userName; a group's its displayName (it has no userName).
            "userName" | "displayName" => e.display.as_deref().map(str::to_string),
            _ => None,
        };
        if let Some(e) = self.users.get(id) {
            return Some(MemberInfo {
                kind: ResourceKind::User,
                display: display(e, "userName"),
            });
        }
        self.groups.get(id).map(|e| MemberInfo {
            kind: ResourceKind::Group,
            display: display(e, "displayName"),
        })
    }

    /// `{"Users":[...],"Groups":[...]}`: every stored resource as stored, each list sorted by id.
    pub fn dump(&self) -> Value {
        let sorted = |t: &Table| {
            let ids: BTreeSet<&String> = t.seq_of.keys().collect();
            Value::Array(
                ids.into_iter()
                    .filter_map(|id| t.get(id))
                    .map(Entry::resource)
                    .collect(),
            )
        };
        json!({ "Users": sorted(&self.users), "Groups": sorted(&self.groups) })
    }
}

/// The 404 error for an unknown id.
pub fn not_found(kind: ResourceKind, id: &str) -> ScimError {
    ScimError::NotFound(format!("{} {id} not found", kind.resource_type()))
}

#[cfg(test)]
mod tests;
