//! The vocabulary of measurements: what a request was for ([`RequestKind`], grouped in
//! [`Stage`]s) and how a request failed ([`ErrorClass`]).

use std::fmt;

/// The part of the run a request belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Entra's provisioning cycles (initial and incremental): what the rate verdict measures.
    Cycles,
    /// Requests the harness adds to measure and verify: lag probes, end-state reads. Not
    /// Entra's traffic, not in the rate verdict.
    Checks,
    /// Deleting what the run created.
    Cleanup,
}

macro_rules! kinds {
    ($($variant:ident = $name:literal, $method:literal, $stage:ident, $doc:literal;)+) => {
        /// What a request was for.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RequestKind {
            $(#[doc = $doc] $variant,)+
        }

        impl RequestKind {
            /// Every kind, in cycle order.
            pub const ALL: &'static [RequestKind] = &[$(RequestKind::$variant,)+];

            /// The kind's name in reports (`user-match`).
            pub fn name(self) -> &'static str {
                match self { $(RequestKind::$variant => $name,)+ }
            }

            /// The HTTP method it uses.
            pub fn method(self) -> &'static str {
                match self { $(RequestKind::$variant => $method,)+ }
            }

            /// The stage it belongs to.
            pub fn stage(self) -> Stage {
                match self { $(RequestKind::$variant => Stage::$stage,)+ }
            }
        }
    };
}

kinds! {
    UserMatch = "user-match", "GET", Cycles, "The match query before a user's create (filter on the matching attribute).";
    UserCreate = "user-create", "POST", Cycles, "A user's create (the profile's create body).";
    LagProbe = "lag-probe", "GET", Checks, "The match query repeated after a create until it finds the user (read-after-write lag).";
    ManagerLink = "manager-link", "PATCH", Cycles, "Linking a user's manager once both users exist.";
    GroupMatch = "group-match", "GET", Cycles, "The match query before a group's create (excludedAttributes=members).";
    GroupCreate = "group-create", "POST", Cycles, "A group's create (no members).";
    MembersAdd = "members-add", "PATCH", Cycles, "A batch of member adds.";
    UserUpdate = "user-update", "PATCH", Cycles, "An attribute change in the incremental cycle.";
    UserDisable = "user-disable", "PATCH", Cycles, "Deprovisioning: active false in the dialect's shape.";
    UserDeprovisionDelete = "user-deprovision-delete", "DELETE", Cycles, "Deprovisioning by DELETE, for a profile that maps no active.";
    MemberRemove = "member-remove", "PATCH", Cycles, "A member removal in the incremental cycle.";
    VerifyUser = "verify-user", "GET", Checks, "The end-state read of a user (filter on the matching attribute).";
    VerifyUserById = "verify-user-by-id", "GET", Checks, "The end-state read of a user by id, when the filter did not find it.";
    VerifyGroup = "verify-group", "GET", Checks, "The end-state duplicate check of a group (filter, excludedAttributes=members).";
    VerifyMembers = "verify-members", "GET", Checks, "The end-state read of a group's members (by id).";
    CleanupGroup = "cleanup-group", "DELETE", Cleanup, "Deleting a group the run created.";
    CleanupUser = "cleanup-user", "DELETE", Cleanup, "Deleting a user the run created.";
    CleanupCheck = "cleanup-check", "GET", Cleanup, "Reading a deleted resource back, to verify the delete (a 2xx DELETE is not believed).";
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a request failed: each 4xx status apart, 5xx together, and the transport failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorClass {
    /// A 4xx answer (429 counts here only when the tries ran out).
    Status(u16),
    /// Any 5xx answer.
    ServerError,
    /// Any answer outside 200-599 (1xx, or a nonsense status).
    OddStatus,
    /// No complete answer within the timeout.
    Timeout,
    /// Connecting failed (refused, reset, DNS, TLS).
    Connection,
    /// The connection broke mid-answer, a redirect, a body too large, or another transport
    /// failure.
    Transport,
}

impl ErrorClass {
    /// The class of an answer's status, if it is an error (`None` for 2xx and 3xx).
    pub fn of_status(status: u16) -> Option<ErrorClass> {
        match status {
            200..=399 => None,
            400..=499 => Some(ErrorClass::Status(status)),
            500..=599 => Some(ErrorClass::ServerError),
            _ => Some(ErrorClass::OddStatus),
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorClass::Status(s) => write!(f, "{s} {}", crate::http::client::reason(*s)),
            ErrorClass::ServerError => f.write_str("5xx"),
            ErrorClass::OddStatus => f.write_str("non-HTTP status"),
            ErrorClass::Timeout => f.write_str("timeout"),
            ErrorClass::Connection => f.write_str("connection error"),
            ErrorClass::Transport => f.write_str("broken answer"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_classes_read_well() {
        assert_eq!(RequestKind::MembersAdd.name(), "members-add");
        assert_eq!(RequestKind::MembersAdd.method(), "PATCH");
        assert_eq!(RequestKind::CleanupUser.stage(), Stage::Cleanup);
        assert_eq!(ErrorClass::of_status(204), None);
        assert_eq!(ErrorClass::of_status(409), Some(ErrorClass::Status(409)));
        assert_eq!(ErrorClass::of_status(503), Some(ErrorClass::ServerError));
        assert_eq!(ErrorClass::Status(409).to_string(), "409 Conflict");
    }
}
