//! The in-memory resource store: ids, meta, versions, case-insensitive uniqueness, member lookup.

use crate::core::scim::{GROUP_SCHEMA, USER_SCHEMA};
use crate::server::error::ScimError;
use crate::server::util::{get_ci, key_ci, now_rfc3339};
use serde_json::{json, Map, Value};

/// The two resource types the server stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

impl ResourceKind {
    /// Parses `User`, `Users`, `Group` or `Groups` (any case).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "user" | "users" => Some(ResourceKind::User),
            "group" | "groups" => Some(ResourceKind::Group),
            _ => None,
        }
    }

    /// The endpoint segment, `Users` or `Groups`.
    pub fn endpoint(&self) -> &'static str {
        match self {
            ResourceKind::User => "Users",
            ResourceKind::Group => "Groups",
        }
    }

    /// The `meta.resourceType` value, `User` or `Group`.
    pub fn resource_type(&self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }

    /// The core schema URN.
    pub fn core_schema(&self) -> &'static str {
        match self {
            ResourceKind::User => USER_SCHEMA,
            ResourceKind::Group => GROUP_SCHEMA,
        }
    }

    /// The attribute that must be unique (case-insensitively): `userName` or `displayName`.
    pub fn unique_attribute(&self) -> &'static str {
        match self {
            ResourceKind::User => "userName",
            ResourceKind::Group => "displayName",
        }
    }
}

/// One stored resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Server-assigned id.
    pub id: String,
    /// Version counter shown as `meta.version` `W/"<n>"`.
    pub version: u64,
    /// The resource exactly as stored (with `id` and `meta`).
    pub resource: Value,
}

/// What the store knows about a potential group member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInfo {
    /// Whether the id names a user or a group.
    pub kind: ResourceKind,
    /// The member's userName (users) or displayName (groups).
    pub display: Option<String>,
}

/// All users and groups, each list in creation order.
#[derive(Debug, Default)]
pub struct Store {
    users: Vec<Entry>,
    groups: Vec<Entry>,
    /// Lower-cased unique values (userName / displayName) of deleted resources, per kind.
    retired: std::collections::HashSet<(ResourceKind, String)>,
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

/// Builds the stored shape: `schemas`, `id`, the client's other attributes in order, `meta` last.
fn assemble(id: &str, mut body: Map<String, Value>, meta: Value) -> Value {
    body.retain(|k, _| !k.eq_ignore_ascii_case("id") && !k.eq_ignore_ascii_case("meta"));
    let mut out = Map::new();
    if let Some(k) = key_ci(&body, "schemas") {
        if let Some(v) = body.shift_remove(&k) {
            out.insert("schemas".into(), v);
        }
    }
    out.insert("id".into(), Value::from(id));
    out.extend(body);
    out.insert("meta".into(), meta);
    Value::Object(out)
}

fn meta_str(resource: &Value, key: &str) -> String {
    resource
        .get("meta")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every entry of `kind`, in creation order.
    pub fn entries(&self, kind: ResourceKind) -> &[Entry] {
        match kind {
            ResourceKind::User => &self.users,
            ResourceKind::Group => &self.groups,
        }
    }

    fn entries_mut(&mut self, kind: ResourceKind) -> &mut Vec<Entry> {
        match kind {
            ResourceKind::User => &mut self.users,
            ResourceKind::Group => &mut self.groups,
        }
    }

    /// The entry with this id, if any.
    pub fn get(&self, kind: ResourceKind, id: &str) -> Option<&Entry> {
        self.entries(kind).iter().find(|e| e.id == id)
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
        let clash = self
            .entries(kind)
            .iter()
            .filter(|e| Some(e.id.as_str()) != exclude_id)
            .any(|e| unique_value(kind, &e.resource).as_deref() == Some(wanted.as_str()));
        if clash {
            return Err(ScimError::Uniqueness(format!(
                "a {} with this {} already exists",
                kind.resource_type(),
                kind.unique_attribute()
            )));
        }
        Ok(())
    }

    fn new_id(&self) -> String {
        loop {
            let id = uuid::Uuid::new_v4().to_string();
            if self.get(ResourceKind::User, &id).is_none()
                && self.get(ResourceKind::Group, &id).is_none()
            {
                return id;
            }
        }
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
        let id = self.new_id();
        let now = now_rfc3339();
        let location = format!("{location_base}/{}/{id}", kind.endpoint());
        let resource = assemble(&id, body, meta(kind, &now, &now, &location, 1));
        self.entries_mut(kind).push(Entry {
            id,
            version: 1,
            resource: resource.clone(),
        });
        Ok(resource)
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
        let entry = self
            .entries_mut(kind)
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or_else(|| not_found(kind, id))?;
        entry.version += 1;
        let created = meta_str(&entry.resource, "created");
        let location = meta_str(&entry.resource, "location");
        let m = meta(kind, &created, &now_rfc3339(), &location, entry.version);
        entry.resource = assemble(id, body, m);
        Ok(entry.resource.clone())
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
        let entry = self
            .entries_mut(kind)
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or_else(|| not_found(kind, id))?;
        entry.version += 1;
        let created = meta_str(&entry.resource, "created");
        let location = meta_str(&entry.resource, "location");
        if let Value::Object(map) = &mut resource {
            map.insert("id".into(), Value::from(id));
            map.insert(
                "meta".into(),
                meta(kind, &created, &now_rfc3339(), &location, entry.version),
            );
        }
        entry.resource = resource;
        Ok(entry.resource.clone())
    }

    /// True if a deleted resource of `kind` had the unique value `resource` has (any case).
    pub fn was_retired(&self, kind: ResourceKind, resource: &Value) -> bool {
        unique_value(kind, resource).is_some_and(|v| self.retired.contains(&(kind, v)))
    }

    /// Deletes a resource and drops it from every group's members; false if it did not exist.
    pub fn delete(&mut self, kind: ResourceKind, id: &str) -> bool {
        let list = self.entries_mut(kind);
        let Some(pos) = list.iter().position(|e| e.id == id) else {
            return false;
        };
        let gone = list.remove(pos);
        if let Some(v) = unique_value(kind, &gone.resource) {
            self.retired.insert((kind, v));
        }
        for group in &mut self.groups {
            if let Some(Value::Array(members)) = group
                .resource
                .as_object_mut()
                .and_then(|m| key_ci(m, "members").and_then(|k| m.get_mut(&k)))
            {
                members.retain(|m| m.get("value").and_then(Value::as_str) != Some(id));
            }
        }
        true
    }

    /// Inserts a resource directly, without validation or uniqueness checks; returns the new id.
    pub fn seed(&mut self, kind: ResourceKind, resource: Value, location_base: &str) -> String {
        let body = match resource {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let id = self.new_id();
        let now = now_rfc3339();
        let location = format!("{location_base}/{}/{id}", kind.endpoint());
        let resource = assemble(&id, body, meta(kind, &now, &now, &location, 1));
        self.entries_mut(kind).push(Entry {
            id: id.clone(),
            version: 1,
            resource,
        });
        id
    }

    /// What a member id refers to: a user (display = userName) or a group (display = displayName).
    pub fn member_info(&self, id: &str) -> Option<MemberInfo> {
        let display = |e: &Entry, attr: &str| {
            e.resource
                .as_object()
                .and_then(|m| get_ci(m, attr))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        if let Some(e) = self.get(ResourceKind::User, id) {
            return Some(MemberInfo {
                kind: ResourceKind::User,
                display: display(e, "userName"),
            });
        }
        self.get(ResourceKind::Group, id).map(|e| MemberInfo {
            kind: ResourceKind::Group,
            display: display(e, "displayName"),
        })
    }

    /// `{"Users":[...],"Groups":[...]}`: every stored resource as stored, each list sorted by id.
    pub fn dump(&self) -> Value {
        let sorted = |list: &[Entry]| {
            let mut v: Vec<&Entry> = list.iter().collect();
            v.sort_by(|a, b| a.id.cmp(&b.id));
            Value::Array(v.into_iter().map(|e| e.resource.clone()).collect())
        };
        json!({ "Users": sorted(&self.users), "Groups": sorted(&self.groups) })
    }
}

/// The 404 error for an unknown id.
pub fn not_found(kind: ResourceKind, id: &str) -> ScimError {
    ScimError::NotFound(format!("{} {id} not found", kind.resource_type()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn create_assigns_id_meta_and_keeps_attributes() {
        let mut s = Store::new();
        let r = s
            .create(
                ResourceKind::User,
                obj(json!({"userName":"a","id":"client","meta":{"x":1},"custom":{"k":1},"schemas":["s"]})),
                "http://h/scim",
                true,
            )
            .unwrap_or_default();
        let id = r["id"].as_str().unwrap_or_default().to_string();
        assert_ne!(id, "client");
        assert_eq!(r["custom"], json!({"k":1}));
        assert_eq!(r["meta"]["resourceType"], json!("User"));
        assert_eq!(r["meta"]["version"], json!("W/\"1\""));
        assert_eq!(
            r["meta"]["location"],
            json!(format!("http://h/scim/Users/{id}"))
        );
        let keys: Vec<&String> = r
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["schemas", "id", "userName", "custom", "meta"]);
    }

    #[test]
    fn uniqueness_is_case_insensitive_and_excludes_self() {
        let mut s = Store::new();
        let a = s
            .create(
                ResourceKind::User,
                obj(json!({"userName":"Ann@x.io"})),
                "",
                true,
            )
            .unwrap_or_default();
        let err = s.create(
            ResourceKind::User,
            obj(json!({"userName":"ann@X.IO"})),
            "",
            true,
        );
        assert!(matches!(err, Err(ScimError::Uniqueness(_))));
        assert!(s
            .create(
                ResourceKind::User,
                obj(json!({"userName":"ann@X.IO"})),
                "",
                false
            )
            .is_ok());
        let id = a["id"].as_str().unwrap_or_default();
        assert!(s.check_unique(ResourceKind::User, &a, Some(id)).is_err());
        let mut g = Store::new();
        g.create(
            ResourceKind::Group,
            obj(json!({"displayName":"Ops"})),
            "",
            true,
        )
        .unwrap_or_default();
        assert!(g
            .create(
                ResourceKind::Group,
                obj(json!({"displayName":"OPS"})),
                "",
                true
            )
            .is_err());
        // users and groups do not clash with each other
        assert!(g
            .create(
                ResourceKind::User,
                obj(json!({"userName":"Ops", "displayName": "Ops"})),
                "",
                true
            )
            .is_ok());
    }

    #[test]
    fn replace_commit_delete_and_members() {
        let mut s = Store::new();
        let u = s
            .create(
                ResourceKind::User,
                obj(json!({"userName":"u1"})),
                "http://h",
                true,
            )
            .unwrap_or_default();
        let uid = u["id"].as_str().unwrap_or_default().to_string();
        let r = s
            .replace(
                ResourceKind::User,
                &uid,
                obj(json!({"userName":"u2"})),
                true,
            )
            .unwrap_or_default();
        assert_eq!(r["meta"]["version"], json!("W/\"2\""));
        assert_eq!(r["meta"]["created"], u["meta"]["created"]);
        let mut patched = r.clone();
        patched["title"] = json!("x");
        let c = s
            .commit(ResourceKind::User, &uid, patched, true)
            .unwrap_or_default();
        assert_eq!(c["meta"]["version"], json!("W/\"3\""));
        assert_eq!(
            s.member_info(&uid),
            Some(MemberInfo {
                kind: ResourceKind::User,
                display: Some("u2".into())
            })
        );
        let gid = s.seed(
            ResourceKind::Group,
            json!({"displayName":"g","members":[{"value": uid.clone()}]}),
            "http://h",
        );
        assert!(s.delete(ResourceKind::User, &uid));
        assert!(!s.delete(ResourceKind::User, &uid));
        let g = s.get(ResourceKind::Group, &gid).map(|e| e.resource.clone());
        assert_eq!(g.map(|g| g["members"].clone()), Some(json!([])));
        assert_eq!(s.dump()["Groups"][0]["id"], json!(gid));
    }
}
