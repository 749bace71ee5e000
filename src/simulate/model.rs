//! What one job sent and what the endpoint acknowledged, object by object: the expected end
//! state (ids, last values, who is disabled, each group's members) and a short history of the
//! requests behind it, so that a discrepancy can name the requests that led to it.

use std::collections::BTreeSet;
use std::time::Duration;

use super::kind::{ErrorClass, RequestKind};
use super::send::{Answer, SendError};

/// What one request came to, compactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// An answer with this status.
    Status(u16),
    /// No answer.
    Failed(ErrorClass),
    /// Not sent: the run stopped.
    Stopped,
}

impl Outcome {
    /// The outcome of a send.
    pub fn of(result: &Result<Answer, SendError>) -> Outcome {
        match result {
            Ok(a) => Outcome::Status(a.status()),
            Err(SendError::Stopped) => Outcome::Stopped,
            Err(SendError::Failed { class, .. }) => Outcome::Failed(*class),
        }
    }

    /// `201 Created`, `timeout`, `not sent (stopped)`.
    pub fn text(self) -> String {
        match self {
            Outcome::Status(s) => format!("{s} {}", crate::http::client::reason(s))
                .trim_end()
                .to_string(),
            Outcome::Failed(c) => c.to_string(),
            Outcome::Stopped => "not sent (the run stopped)".into(),
        }
    }
}

/// What a member request was about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum About {
    /// Nothing beyond the object.
    Object,
    /// Member-add batch number `n` (0-based) of the initial cycle.
    Batch(u32),
    /// One user (by index).
    User(u32),
}

/// One request sent for an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sent {
    /// What it was for.
    pub kind: RequestKind,
    /// What came back.
    pub outcome: Outcome,
    /// When, in milliseconds from the run's start.
    pub at_ms: u32,
    /// Which batch or user it was about.
    pub about: About,
}

/// Where an object's create stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Created {
    /// No create answered yet.
    #[default]
    No,
    /// A create was answered 2xx.
    Acked,
    /// The match query found it (Entra links it instead of creating it).
    Linked,
    /// Every create so far failed (the last outcome).
    Failed(Outcome),
}

impl Created {
    /// Whether the run knows the object exists (created or linked).
    pub fn exists(self) -> bool {
        matches!(self, Created::Acked | Created::Linked)
    }
}

/// One user of the tenant.
#[derive(Clone, Debug, Default)]
pub struct UserRec {
    /// The matching attribute's value (empty until the user is first generated).
    pub match_value: String,
    /// The id the run links it to.
    pub id: Option<String>,
    /// Its create.
    pub created: Created,
    /// Its manager link was acknowledged.
    pub manager_linked: bool,
    /// Its attribute change was acknowledged.
    pub updated: bool,
    /// Its disable (PATCH active false) was acknowledged.
    pub disabled: bool,
    /// Its deprovisioning DELETE was acknowledged.
    pub deleted: bool,
    /// The requests sent for it.
    pub history: Vec<Sent>,
}

/// One group of the tenant.
#[derive(Clone, Debug, Default)]
pub struct GroupRec {
    /// The matching attribute's value (empty until first generated).
    pub match_value: String,
    /// The id the run links it to.
    pub id: Option<String>,
    /// Its create.
    pub created: Created,
    /// Users (by index) whose membership the endpoint acknowledged, less acknowledged removals.
    pub members: BTreeSet<u32>,
    /// The requests sent for it.
    pub history: Vec<Sent>,
}

/// One job's expected end state.
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// Users by index.
    pub users: Vec<UserRec>,
    /// Groups by index.
    pub groups: Vec<GroupRec>,
}

impl Model {
    /// A model of `users` users and `groups` groups, nothing sent yet.
    pub fn new(users: usize, groups: usize) -> Model {
        Model {
            users: vec![UserRec::default(); users],
            groups: vec![GroupRec::default(); groups],
        }
    }
}

/// Milliseconds of `d`, saturated.
pub fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_well() {
        assert_eq!(Outcome::Status(201).text(), "201 Created");
        assert_eq!(Outcome::Status(299).text(), "299");
        assert_eq!(Outcome::Failed(ErrorClass::Timeout).text(), "timeout");
        assert!(Created::Linked.exists() && !Created::Failed(Outcome::Stopped).exists());
    }
}
