//! The naming rule for everything a run creates: `scimconf-<run id>-<n>...`, where `<n>` is the
//! trial's position in the plan. Cleanup relies on this rule to know what it may delete, and
//! snapshots mask it so that runs compare equal; this module is its only home.

use std::fmt;
use std::str::FromStr;

/// The prefix of every name the harness creates.
pub const PREFIX: &str = "scimconf-";

/// A run id: 1-16 characters of `a-z` and `0-9`, part of every name the run creates.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RunId(String);

/// A run id that breaks the rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not 1-16 characters of a-z and 0-9")]
pub struct InvalidRunId(pub String);

impl RunId {
    /// A fresh random run id (8 hex characters).
    pub fn random() -> RunId {
        let hex = uuid::Uuid::new_v4().simple().to_string();
        RunId(hex.chars().take(8).collect())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tag of the trial at position `seq` of the plan: `scimconf-<run>-<seq>`.
    pub fn tag(&self, seq: usize) -> String {
        format!("{PREFIX}{}-{seq}", self.0)
    }

    /// The prefix every name of this run starts with: `scimconf-<run>-`.
    pub fn prefix(&self) -> String {
        format!("{PREFIX}{}-", self.0)
    }

    /// `s` with every tag of this run (ASCII case-insensitive, as a filter may upper-case it)
    /// replaced by `[tag]` (or `[TAG]` when it was upper-cased).
    pub fn mask_tags(&self, s: &str) -> String {
        let prefix = self.prefix().to_ascii_lowercase();
        let n = prefix.len();
        if s.len() < n
            || !s
                .as_bytes()
                .windows(n)
                .any(|w| w.eq_ignore_ascii_case(prefix.as_bytes()))
        {
            return s.to_string();
        }
        // ASCII lower-casing keeps byte offsets, so positions found in `lower` index `s` too.
        let lower = s.to_ascii_lowercase();
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        while let Some(i) = lower
            .get(at..)
            .and_then(|r| r.find(&prefix))
            .map(|i| i + at)
        {
            out.push_str(s.get(at..i).unwrap_or_default());
            let upper = s.get(i..i + PREFIX.len()) == Some("SCIMCONF-");
            out.push_str(if upper { "[TAG]" } else { "[tag]" });
            let after = i + prefix.len();
            let digits = s
                .get(after..)
                .unwrap_or_default()
                .chars()
                .take_while(char::is_ascii_digit)
                .count();
            at = after + digits;
        }
        out.push_str(s.get(at..).unwrap_or_default());
        out
    }
}

impl FromStr for RunId {
    type Err = InvalidRunId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if (1..=16).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            Ok(RunId(s.to_string()))
        } else {
            Err(InvalidRunId(s.to_string()))
        }
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `name` was made by some run of the harness (the only names cleanup may delete).
pub fn is_harness_name(name: &str) -> bool {
    name.starts_with(PREFIX)
}

/// A well-formed bearer token that is certainly not the run's (for "wrong token" checks).
pub fn wrong_token() -> String {
    format!("{PREFIX}wrong-token-{}", uuid::Uuid::new_v4())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_follow_the_rule() {
        assert!("ab12".parse::<RunId>().is_ok());
        assert!("".parse::<RunId>().is_err());
        assert!("AB".parse::<RunId>().is_err());
        assert!("a-b".parse::<RunId>().is_err());
        assert!("a".repeat(17).parse::<RunId>().is_err());
        let r = RunId::random();
        assert_eq!(r.as_str().len(), 8);
        assert!(is_harness_name(&r.tag(3)));
        assert!(r.tag(3).starts_with(&r.prefix()));
    }

    #[test]
    fn tags_are_masked_in_either_case() {
        let r: RunId = "ab12cd34".parse().unwrap();
        assert_eq!(
            r.mask_tags("scimconf-ab12cd34-17-Ada@example.com"),
            "[tag]-Ada@example.com"
        );
        assert_eq!(
            r.mask_tags("x SCIMCONF-AB12CD34-17-ADA@EXAMPLE.COM"),
            "x [TAG]-ADA@EXAMPLE.COM"
        );
        assert_eq!(r.mask_tags("scimconf-other-1"), "scimconf-other-1");
        assert_eq!(r.mask_tags("é scimconf-ab12cd34-2 é"), "é [tag] é");
    }
}

/// One trial's identity, `<vendor>::<suite>::<entry>[::<dialect>]` as libtest names it: built
/// in one place (the plan) and read back here, never split by hand.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrialId {
    /// The vendor profile (`entra-default`).
    pub vendor: String,
    /// The suite (`users`).
    pub suite: String,
    /// The entry (`disable-and-enable`).
    pub entry: String,
    /// The dialect, for entries that run once per dialect.
    pub dialect: Option<crate::core::dialect::Dialect>,
}

impl TrialId {
    /// Reads a trial name back; `None` when it has fewer than three parts. A fourth part that is
    /// not a dialect name stays part of the entry.
    pub fn parse(name: &str) -> Option<TrialId> {
        let mut parts = name.splitn(3, "::");
        let vendor = parts.next()?.to_string();
        let suite = parts.next()?.to_string();
        let rest = parts.next()?;
        let (entry, dialect) = match rest.rsplit_once("::") {
            Some((e, d)) => match crate::core::dialect::Dialect::ALL
                .into_iter()
                .find(|x| x.name() == d)
            {
                Some(d) => (e.to_string(), Some(d)),
                None => (rest.to_string(), None),
            },
            None => (rest.to_string(), None),
        };
        Some(TrialId {
            vendor,
            suite,
            entry,
            dialect,
        })
    }

    /// The suite reference `<suite>::<entry>`, as suites name other trials.
    pub fn reference(&self) -> String {
        format!("{}::{}", self.suite, self.entry)
    }
}

impl fmt::Display for TrialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}::{}", self.vendor, self.suite, self.entry)?;
        if let Some(d) = self.dialect {
            write!(f, "::{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod trial_id_tests {
    use super::TrialId;
    use crate::core::dialect::Dialect;

    #[test]
    fn names_round_trip() {
        for name in [
            "entra-default::users::create",
            "zenkit::users::disable-and-enable::legacy",
            "zenya::groups::remove-member::compliant",
        ] {
            let id = TrialId::parse(name).expect("parses");
            assert_eq!(id.to_string(), name);
        }
        let id = TrialId::parse("a::b::c::compliant").expect("parses");
        assert_eq!(id.dialect, Some(Dialect::Compliant));
        assert_eq!(id.reference(), "b::c");
        assert!(TrialId::parse("a::b").is_none());
    }
}
