//! The synthetic tenant one job provisions, shaped by the vendor profile: users (create bodies
//! from the profile's mapping, each named under the job's run tag), a manager tree when the
//! profile maps `manager`, groups and their members, and who changes in the incremental cycle.
//! Everything is a pure function of the settings, the seed and an index, so nothing per object
//! is kept but what the run must remember.

use std::sync::Arc;

use serde_json::Value;

use super::settings::Settings;
use crate::core::dialect::Dialect;
use crate::core::scim::ENTERPRISE_USER_SCHEMA;
use crate::profile::expr::Expr;
use crate::profile::VendorProfile;
use crate::suite::load::Kind;
use crate::suite::template::{as_text, Vars};

/// Reports per manager in the synthetic org chart (user 0 is the root; user `i` reports to
/// `(i - 1) / MANAGER_FANOUT`).
pub const MANAGER_FANOUT: usize = 8;

/// Why a tenant cannot be built from the profile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    /// The profile's generator refused (a template without a value...).
    #[error("cannot build {what} from the {vendor} profile: {why}")]
    Generate {
        /// The vendor.
        vendor: String,
        /// `user 3`, `group 0`.
        what: String,
        /// Why.
        why: String,
    },
    /// The profile's matching attribute has no value in the generated body.
    #[error("the {vendor} profile's matching attribute `{attr}` has no value for {what}")]
    NoMatchValue {
        /// The vendor.
        vendor: String,
        /// The matching attribute.
        attr: String,
        /// `user 3`, `group 0`.
        what: String,
    },
    /// Groups were asked for, but the profile provisions none.
    #[error("the {0} profile provisions no groups: use --groups 0")]
    NoGroups(String),
}

/// One generated object: the create body Entra sends and the value its match query filters on.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The create body.
    pub body: Value,
    /// The matching attribute's value.
    pub match_value: String,
}

/// What the profile says about the shape of requests, once.
#[derive(Debug)]
pub struct Tenant {
    /// The vendor profile.
    pub profile: Arc<VendorProfile>,
    /// The dialect replayed.
    pub dialect: Dialect,
    /// Users per job.
    pub users: usize,
    /// Groups per job.
    pub groups: usize,
    /// Members per group.
    pub members_per_group: usize,
    /// The users' matching attribute (precedence 1).
    pub user_match: String,
    /// The groups' matching attribute (precedence 1).
    pub group_match: String,
    /// Whether the profile maps `manager` (linked by PATCH after both users exist).
    pub manager_mapped: bool,
    /// Whether the profile maps `active` (deprovisioning disables; otherwise it deletes).
    pub active_mapped: bool,
    /// The user attributes the incremental cycle changes (at most two, in mapping order).
    pub changed_attributes: Vec<String>,
    seed: u64,
    updated: Vec<bool>,
    disabled: Vec<bool>,
    membership_changed: Vec<bool>,
}

/// SplitMix64: the `n`-th output for `seed`.
pub fn mix(seed: u64, n: u64) -> u64 {
    let mut z = seed.wrapping_add(n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` picks spread evenly over `0..len`, starting at `offset` (mod `len`).
fn spread(len: usize, share: f64, offset: usize) -> Vec<bool> {
    let mut picked = vec![false; len];
    if len == 0 || share <= 0.0 {
        return picked;
    }
    let n = ((len as f64 * share).ceil() as usize).clamp(1, len);
    for k in 0..n {
        picked[(k * len / n + offset) % len] = true;
    }
    picked
}

impl Tenant {
    /// The tenant these settings ask for, shaped by `profile` and replayed in `dialect`.
    pub fn new(
        profile: Arc<VendorProfile>,
        dialect: Dialect,
        settings: &Settings,
    ) -> Result<Tenant, TenantError> {
        if settings.groups > 0 && !profile.groups.provisioned {
            return Err(TenantError::NoGroups(profile.id().to_string()));
        }
        let users = &profile.users;
        let row = |pred: &dyn Fn(&str, &Expr) -> bool| {
            users
                .mapping
                .iter()
                .any(|r| pred(r.target.as_str(), &r.expr))
        };
        let manager_mapped =
            row(&|t, e| (t == "manager" || t.ends_with(":manager")) && e.is_sent());
        let active_mapped = row(&|t, e| t == "active" && e.is_sent());
        let changed_attributes = users
            .mapping
            .iter()
            .filter(|r| matches!(r.expr, Expr::Attr(_) | Expr::Join { .. }) && !r.add_only())
            .map(|r| r.target.clone())
            .filter(|t| {
                !matches!(t.as_str(), "userName" | "externalId" | "active")
                    && !users.matching.contains(t)
                    && !t.starts_with("roles")
                    && !t.ends_with(":manager")
            })
            .take(2)
            .collect();
        let third = settings.users / 3;
        Ok(Tenant {
            dialect,
            users: settings.users,
            groups: settings.groups,
            members_per_group: settings.members_per_group.min(settings.users),
            user_match: users
                .matching
                .first()
                .cloned()
                .unwrap_or_else(|| "userName".into()),
            group_match: profile
                .groups
                .matching
                .first()
                .cloned()
                .unwrap_or_else(|| "displayName".into()),
            manager_mapped,
            active_mapped,
            changed_attributes,
            seed: settings.seed,
            updated: spread(settings.users, settings.change_share, 0),
            disabled: spread(settings.users, settings.disable_share, third.max(1)),
            membership_changed: spread(settings.groups, settings.membership_share, 0),
            profile,
        })
    }

    fn generate(&self, kind: Kind, job_tag: &str, name: &str) -> Result<Generated, TenantError> {
        let what = || match kind {
            Kind::User => format!("user {name}"),
            Kind::Group => format!("group {name}"),
        };
        let mut vars = Vars::new();
        vars.set("tag", Value::String(job_tag.to_string()));
        let person = self
            .profile
            .person_for(kind, name, &mut vars, Some(self.dialect))
            .map_err(|why| TenantError::Generate {
                vendor: self.profile.id().to_string(),
                what: what(),
                why,
            })?;
        let attr = match kind {
            Kind::User => &self.user_match,
            Kind::Group => &self.group_match,
        };
        let match_value =
            person
                .values
                .get(attr)
                .map(as_text)
                .ok_or_else(|| TenantError::NoMatchValue {
                    vendor: self.profile.id().to_string(),
                    attr: attr.clone(),
                    what: what(),
                })?;
        Ok(Generated {
            body: person.body,
            match_value,
        })
    }

    /// User `i`'s create body and match value, named under `job_tag`
    /// (`<job tag>-u<i>-...`).
    pub fn user(&self, job_tag: &str, i: usize) -> Result<Generated, TenantError> {
        self.generate(Kind::User, job_tag, &format!("u{i}"))
    }

    /// Group `g`'s create body and match value, named under `job_tag`.
    pub fn group(&self, job_tag: &str, g: usize) -> Result<Generated, TenantError> {
        self.generate(Kind::Group, job_tag, &format!("g{g}"))
    }

    /// User `i`'s manager, when the profile maps one (every user but the root has one).
    pub fn manager_of(&self, i: usize) -> Option<usize> {
        (self.manager_mapped && i > 0).then(|| (i - 1) / MANAGER_FANOUT)
    }

    fn member_offset(&self, g: usize) -> usize {
        (mix(self.seed, g as u64) % self.users.max(1) as u64) as usize
    }

    /// Group `g`'s members in the initial cycle (distinct users).
    pub fn members(&self, g: usize) -> Vec<usize> {
        let start = self.member_offset(g);
        (0..self.members_per_group)
            .map(|j| (start + j) % self.users)
            .collect()
    }

    /// Whether user `i`'s attributes change in the incremental cycle.
    pub fn updated(&self, i: usize) -> bool {
        !self.changed_attributes.is_empty() && self.updated.get(i).copied().unwrap_or(false)
    }

    /// Whether user `i` is deprovisioned in the incremental cycle.
    pub fn disabled(&self, i: usize) -> bool {
        self.disabled.get(i).copied().unwrap_or(false)
    }

    /// Group `g`'s membership change in the incremental cycle, if it has one: (member removed,
    /// user added).
    pub fn membership_change(&self, g: usize) -> Option<(Option<usize>, Option<usize>)> {
        if !self.membership_changed.get(g).copied().unwrap_or(false) {
            return None;
        }
        let members = self.members(g);
        let removed = members.last().copied();
        let added = (self.members_per_group < self.users)
            .then(|| (self.member_offset(g) + self.members_per_group) % self.users);
        (removed.is_some() || added.is_some()).then_some((removed, added))
    }

    /// The new value of `attr` for user `i` after the incremental cycle.
    pub fn changed_value(&self, job_tag: &str, i: usize, attr: &str) -> String {
        if attr.starts_with("emails") {
            format!("{job_tag}-u{i}-changed@example.com")
        } else if attr == "preferredLanguage" || attr == "locale" {
            "fr-FR".into()
        } else if attr.starts_with(ENTERPRISE_USER_SCHEMA) {
            format!("Changed {i}")
        } else {
            format!("Changed {}", i + 1)
        }
    }

    /// Users, groups and member links per job (Entra's "objects" in its timing formula).
    pub fn objects(&self) -> usize {
        self.users + self.groups + self.groups * self.members_per_group
    }

    /// Member-add PATCHes of the initial cycle per job with `batch` members each.
    pub fn member_batches(&self, batch: usize) -> usize {
        self.groups * self.members_per_group.div_ceil(batch.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::tests::profiles;

    fn tenant(id: &str, edit: impl FnOnce(&mut Settings)) -> Tenant {
        let p = profiles().into_iter().find(|p| p.id() == id).unwrap();
        let mut s = Settings {
            users: 40,
            groups: 4,
            members_per_group: 5,
            ..Settings::default()
        };
        edit(&mut s);
        Tenant::new(Arc::new(p), Dialect::Legacy, &s).unwrap()
    }

    #[test]
    fn the_default_profile_maps_manager_active_and_two_changeable_attributes() {
        let t = tenant("entra-default", |_| {});
        assert!(t.manager_mapped && t.active_mapped);
        assert_eq!(t.changed_attributes, ["displayName", "title"]);
        assert_eq!(t.manager_of(0), None);
        assert_eq!(t.manager_of(9), Some(1));
        let u = t.user("scimconf-r-1", 7).unwrap();
        assert_eq!(u.match_value, "scimconf-r-1-u7-Ada.Lovelace@example.com");
        assert_eq!(u.body["userName"], Value::String(u.match_value.clone()));
        let g = t.group("scimconf-r-1", 2).unwrap();
        assert_eq!(g.match_value, "scimconf-r-1-g2-Engineering");
    }

    #[test]
    fn shares_pick_exact_counts_and_members_are_distinct() {
        let t = tenant("entra-default", |_| {});
        assert_eq!((0..40).filter(|i| t.updated(*i)).count(), 4);
        assert_eq!((0..40).filter(|i| t.disabled(*i)).count(), 2);
        for g in 0..4 {
            let mut m = t.members(g);
            m.sort();
            m.dedup();
            assert_eq!(m.len(), 5);
        }
        assert_eq!(
            (0..4).filter(|g| t.membership_change(*g).is_some()).count(),
            1
        );
        let (removed, added) = t.membership_change(0).unwrap();
        assert!(t.members(0).contains(&removed.unwrap()));
        assert!(!t.members(0).contains(&added.unwrap()));
    }

    #[test]
    fn a_profile_without_groups_refuses_groups() {
        let p = profiles()
            .into_iter()
            .find(|p| p.id() == "zenvoices")
            .unwrap();
        let err = Tenant::new(Arc::new(p), Dialect::Legacy, &Settings::default()).unwrap_err();
        assert!(err.to_string().contains("--groups 0"), "{err}");
    }
}
