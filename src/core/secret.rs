//! Secrets (bearer tokens, client secrets): a type that never prints its value, and redaction of
//! any text that might carry one (failure messages, dumps, reports, snapshots).

use std::fmt;
use std::sync::{Arc, RwLock};

/// Secrets shorter than this are not searched for in text (see [`Secret::searchable`]).
pub const MIN_SEARCHED: usize = 8;

/// A secret value. `Debug` and `Display` print `***`; only [`Secret::expose`] gives the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it (an `Authorization` header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether occurrences of the secret can be told apart from ordinary text: at least
    /// [`MIN_SEARCHED`] bytes. A shorter secret (`Users`, `wrong`) would mangle every message
    /// that happens to contain the word; it is still never printed through `Debug`/`Display`
    /// or sent anywhere but its `Authorization` header.
    pub fn searchable(&self) -> bool {
        self.0.len() >= MIN_SEARCHED
    }

    /// Replaces every occurrence of the secret in `text` with `***` (searchable secrets only).
    pub fn redact(&self, text: &str) -> String {
        if !self.searchable() {
            return text.to_string();
        }
        text.replace(&self.0, "***")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Every secret of one run, so any artefact can be scrubbed of all of them at once. Clones
/// share one list, so a secret learned mid-run (an OAuth access token) is scrubbed everywhere.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<Secret>>>,
}

impl Redactor {
    /// A redactor for these secrets.
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        Redactor {
            secrets: Arc::new(RwLock::new(secrets.into_iter().collect())),
        }
    }

    /// Adds one more secret (e.g. an OAuth access token obtained mid-run), for every clone.
    pub fn add(&self, secret: Secret) {
        if let Ok(mut all) = self.secrets.write() {
            if !all.contains(&secret) {
                all.push(secret);
            }
        }
    }

    /// `text` with every known secret replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        match self.secrets.read() {
            Ok(all) => all.iter().fold(text.to_string(), |t, s| s.redact(&t)),
            // A poisoned lock: refuse to risk printing a secret.
            Err(_) => "(output withheld: secret list unavailable)".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("canary-token-123");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert!(!format!("{:?}", Some(&s)).contains("canary"));
    }

    #[test]
    fn common_words_are_not_searched_for() {
        let r = Redactor::new([Secret::new("Users"), Secret::new("wrong")]);
        assert_eq!(
            r.scrub("GET Users auth::wrong-token-refused"),
            "GET Users auth::wrong-token-refused"
        );
    }

    #[test]
    fn redact_replaces_every_occurrence() {
        let r = Redactor::new([Secret::new("abcd1234")]);
        assert_eq!(
            r.scrub("Bearer abcd1234 and abcd1234"),
            "Bearer *** and ***"
        );
    }
}
