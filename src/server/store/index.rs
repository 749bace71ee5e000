//! Attribute indexes of one resource table: the `eq` filters Entra sends (userName, externalId,
//! displayName, id) are answered by lookup, and uniqueness is checked without a scan.

use crate::server::filter::{CompareOp, Filter};
use crate::server::kind::ResourceKind;
use crate::server::util::get_ci;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};

/// One indexed attribute: its name and whether it compares case-exactly (RFC 7643 `caseExact`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Indexed {
    name: &'static str,
    case_exact: bool,
}

const USER_NAME: Indexed = Indexed {
    name: "userName",
    case_exact: false,
};
const DISPLAY_NAME: Indexed = Indexed {
    name: "displayName",
    case_exact: false,
};
const EXTERNAL_ID: Indexed = Indexed {
    name: "externalId",
    case_exact: true,
};

/// The attributes indexed for `kind`.
fn indexed(kind: ResourceKind) -> &'static [Indexed] {
    match kind {
        ResourceKind::User => &[USER_NAME, EXTERNAL_ID, DISPLAY_NAME],
        ResourceKind::Group => &[DISPLAY_NAME, EXTERNAL_ID],
    }
}

impl Indexed {
    /// The index key of `value` (lower-cased unless case-exact), the way filters compare.
    fn key(&self, value: &str) -> String {
        if self.case_exact {
            value.to_string()
        } else {
            value.to_lowercase()
        }
    }
}

/// Where a resource's value of an indexed attribute goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    /// A string: indexed under its key.
    Key(String),
    /// Present but not a string (a seeded oddity): always a candidate.
    Odd,
    /// Absent or null: never matches an `eq "string"`.
    Absent,
}

fn slot(attr: &Indexed, resource: &Value) -> Slot {
    match resource
        .as_object()
        .and_then(|m: &Map<String, Value>| get_ci(m, attr.name))
    {
        None | Some(Value::Null) => Slot::Absent,
        Some(Value::String(s)) => Slot::Key(attr.key(s)),
        Some(_) => Slot::Odd,
    }
}

/// Creation sequence numbers of the resources holding each indexed value (sorted; almost
/// always one, so a `Vec` rather than a set).
#[derive(Debug)]
pub(super) struct Index {
    kind: ResourceKind,
    keys: HashMap<(&'static str, String), Vec<u64>>,
    odd: HashMap<&'static str, BTreeSet<u64>>,
}

/// Inserts `seq` into the sorted `seqs`.
fn add(seqs: &mut Vec<u64>, seq: u64) {
    if let Err(at) = seqs.binary_search(&seq) {
        seqs.insert(at, seq);
    }
}

/// A resource's slot for each indexed attribute of its kind, in [`indexed`] order: kept with
/// the stored resource so that removing it from the index needs no decoding.
pub(super) type Keys = Box<[Slot]>;

impl Index {
    /// The kind indexed.
    pub(super) fn kind(&self) -> ResourceKind {
        self.kind
    }

    /// The slots of `resource`, for [`Index::remove_keys`].
    pub(super) fn keys(&self, resource: &Value) -> Keys {
        indexed(self.kind)
            .iter()
            .map(|attr| slot(attr, resource))
            .collect()
    }

    /// The unique attribute's key among `keys` (lower-cased), if it has one.
    pub(super) fn unique_key(&self, keys: &Keys) -> Option<String> {
        let at = indexed(self.kind)
            .iter()
            .position(|a| a.name == self.kind.unique_attribute())?;
        match keys.get(at) {
            Some(Slot::Key(k)) => Some(k.to_lowercase()),
            _ => None,
        }
    }

    /// Removes sequence `seq`, whose slots were `keys`.
    pub(super) fn remove_keys(&mut self, seq: u64, keys: &Keys) {
        for (attr, slot) in indexed(self.kind).iter().zip(keys.iter()) {
            match slot {
                Slot::Key(k) => {
                    let key = (attr.name, k.clone());
                    if let Some(seqs) = self.keys.get_mut(&key) {
                        seqs.retain(|s| *s != seq);
                        if seqs.is_empty() {
                            self.keys.remove(&key);
                        }
                    }
                }
                Slot::Odd => {
                    if let Some(set) = self.odd.get_mut(attr.name) {
                        set.remove(&seq);
                    }
                }
                Slot::Absent => {}
            }
        }
    }

    /// An empty index for `kind`.
    pub(super) fn new(kind: ResourceKind) -> Self {
        Index {
            kind,
            keys: HashMap::new(),
            odd: HashMap::new(),
        }
    }

    /// Adds `resource` (sequence `seq`).
    pub(super) fn insert(&mut self, seq: u64, resource: &Value) {
        for attr in indexed(self.kind) {
            match slot(attr, resource) {
                Slot::Key(k) => add(self.keys.entry((attr.name, k)).or_default(), seq),
                Slot::Odd => {
                    self.odd.entry(attr.name).or_default().insert(seq);
                }
                Slot::Absent => {}
            }
        }
    }

    /// The sequences whose `attr` equals `value` the way a filter compares (case-insensitive
    /// unless case-exact), plus those with a non-string value; `None` if `attr` is not indexed.
    fn lookup(&self, attr: &str, value: &str) -> Option<BTreeSet<u64>> {
        let attr = indexed(self.kind)
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(attr))?;
        let mut out: BTreeSet<u64> = self
            .keys
            .get(&(attr.name, attr.key(value)))
            .into_iter()
            .flatten()
            .copied()
            .collect();
        if let Some(odd) = self.odd.get(attr.name) {
            out.extend(odd);
        }
        Some(out)
    }

    /// Sequences of the resources whose unique attribute equals `value` (any case).
    pub(super) fn unique(&self, value: &str) -> &[u64] {
        self.keys
            .get(&(self.kind.unique_attribute(), value.to_lowercase()))
            .map_or(&[], Vec::as_slice)
    }

    /// A superset of the sequences `filter` can match, from indexes alone; `None` when the
    /// filter needs a scan. `seq_of` resolves `id eq "..."`.
    pub(super) fn candidates(
        &self,
        filter: &Filter,
        seq_of: &HashMap<String, u64>,
    ) -> Option<BTreeSet<u64>> {
        match filter {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value: Value::String(v),
            } if path.urn.is_none() && path.sub.is_none() => {
                if path.attr.eq_ignore_ascii_case("id") {
                    Some(seq_of.get(v).copied().into_iter().collect())
                } else {
                    self.lookup(&path.attr, v)
                }
            }
            Filter::And(a, b) => match (self.candidates(a, seq_of), self.candidates(b, seq_of)) {
                (Some(x), Some(y)) => Some(x.intersection(&y).copied().collect()),
                (x, y) => x.or(y),
            },
            Filter::Or(a, b) => {
                let mut x = self.candidates(a, seq_of)?;
                x.extend(self.candidates(b, seq_of)?);
                Some(x)
            }
            _ => None,
        }
    }
}

/// The member ids a group lists (`members[].value`).
fn member_ids(group: &Value) -> impl Iterator<Item = &str> {
    group
        .as_object()
        .and_then(|m| get_ci(m, "members"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("value").and_then(Value::as_str))
}

/// Which groups list each member id, so deleting a resource visits only its groups.
#[derive(Debug, Default)]
pub(super) struct MemberIndex {
    groups_of: HashMap<String, BTreeSet<u64>>,
}

impl MemberIndex {
    /// Records the members of group `seq`.
    pub(super) fn insert(&mut self, seq: u64, group: &Value) {
        for id in member_ids(group) {
            self.groups_of
                .entry(id.to_string())
                .or_default()
                .insert(seq);
        }
    }

    /// Forgets the members of group `seq`, as they were inserted.
    pub(super) fn remove(&mut self, seq: u64, group: &Value) {
        for id in member_ids(group) {
            if let Some(groups) = self.groups_of.get_mut(id) {
                groups.remove(&seq);
                if groups.is_empty() {
                    self.groups_of.remove(id);
                }
            }
        }
    }

    /// The groups listing `member`, forgetting them (the member is being deleted).
    pub(super) fn take(&mut self, member: &str) -> BTreeSet<u64> {
        self.groups_of.remove(member).unwrap_or_default()
    }
}
