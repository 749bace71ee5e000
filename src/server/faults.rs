//! The catalogue of switchable faults: deliberate defects the reference server can be told to have.

use std::fmt;
use std::str::FromStr;

/// One deliberate defect of the reference server; enable it via `ServerConfig::faults`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// Any bearer token is accepted.
    AuthIgnoresToken,
    /// Requests without an Authorization header are accepted.
    AuthOptional,
    /// The `filter` query parameter is ignored.
    FilterIgnored,
    /// userName / displayName filters compare case-sensitively.
    FilterCaseSensitive,
    /// A filter matching nothing answers 404.
    FilterEmpty404,
    /// Filters on externalId answer 400 invalidFilter.
    FilterExternalIdUnsupported,
    /// A filter on an unsupported attribute returns every resource.
    FilterUnknownAttributeMatchesAll,
    /// ListResponse omits totalResults.
    ListTotalMissing,
    /// A literal `+` in filter values is turned into a space.
    FilterPlusAsSpace,
    /// Non-ASCII letters in filter values never match.
    FilterNonAsciiBroken,
    /// POST answers 200 instead of 201.
    CreateReturns200,
    /// POST response has no `id`.
    CreateOmitsId,
    /// No uniqueness check on userName / group displayName.
    DuplicatesAllowed,
    /// Unknown ids answer 400 instead of 404.
    UnknownId400,
    /// Error bodies carry `status` as a JSON number.
    ErrorStatusNumber,
    /// Responses say `Content-Type: application/json`.
    JsonContentType,
    /// Disabled users are hidden from GET and filter results.
    DisabledHidden,
    /// manager is read back as a bare string.
    ManagerAsString,
    /// User PATCH applies nothing except `active`.
    PatchIgnored,
    /// PATCH operations on `active` are ignored.
    ActiveIgnored,
    /// `active` given as a string is rejected.
    ActiveStringRejected,
    /// Capitalized `op` values are rejected.
    CapitalizedOpsRejected,
    /// Path-less replace drops keys containing `.` or `:`.
    PathlessDottedKeysIgnored,
    /// A valuePath add/replace matching nothing is ignored.
    FilteredPathNoCreate,
    /// PATCH operations on the enterprise extension are ignored.
    ExtensionIgnored,
    /// Member removals remove nothing.
    MemberRemoveIgnored,
    /// Legacy member removal with a value array removes every member.
    MemberRemoveClearsAll,
    /// `excludedAttributes=members` is ignored.
    MembersDespiteExcluded,
    /// roles are dropped on create and ignored on PATCH.
    RolesDropped,
    /// replace on roles appends.
    RolesReplaceAppends,
    /// Legacy stringified role items are rejected.
    RolesStringifiedRejected,
    /// DELETE answers 204 but keeps the resource.
    DeleteNoop,
    /// Every /Groups route answers 404.
    GroupsUnsupported,
    /// Filtering is not supported at all.
    FilterUnsupported,
    /// GET by id always answers 404.
    GetById404,
    /// GET by id answers a ListResponse.
    GetReturnsList,
    /// DELETE answers 200.
    DeleteReturns200,
    /// DELETE is not supported.
    DeleteUnsupported,
    /// Only the first member of a batch is added.
    MemberAddFirstOnly,
    /// excludedAttributes=members ignored on GET by id.
    MembersDespiteExcludedById,
    /// valuePath member removal is rejected.
    MemberRemoveFilterRejected,
    /// roles cannot be patched.
    RolesReadonly,
    /// userName is lower-cased.
    UsernameLowercased,
    /// A disabled user cannot be re-enabled.
    ReenableRejected,
    /// Re-enabling a disabled user is silently ignored.
    ReenableIgnored,
    /// Path-less add/replace is rejected.
    PathlessRejected,
    /// Error bodies omit scimType.
    ErrorScimTypeMissing,
}

impl Fault {
    /// Every fault, in declaration order.
    pub const ALL: &'static [Fault] = &[
        Fault::AuthIgnoresToken,
        Fault::AuthOptional,
        Fault::FilterIgnored,
        Fault::FilterCaseSensitive,
        Fault::FilterEmpty404,
        Fault::FilterExternalIdUnsupported,
        Fault::FilterUnknownAttributeMatchesAll,
        Fault::ListTotalMissing,
        Fault::FilterPlusAsSpace,
        Fault::FilterNonAsciiBroken,
        Fault::CreateReturns200,
        Fault::CreateOmitsId,
        Fault::DuplicatesAllowed,
        Fault::UnknownId400,
        Fault::ErrorStatusNumber,
        Fault::JsonContentType,
        Fault::DisabledHidden,
        Fault::ManagerAsString,
        Fault::PatchIgnored,
        Fault::ActiveIgnored,
        Fault::ActiveStringRejected,
        Fault::CapitalizedOpsRejected,
        Fault::PathlessDottedKeysIgnored,
        Fault::FilteredPathNoCreate,
        Fault::ExtensionIgnored,
        Fault::MemberRemoveIgnored,
        Fault::MemberRemoveClearsAll,
        Fault::MembersDespiteExcluded,
        Fault::RolesDropped,
        Fault::RolesReplaceAppends,
        Fault::RolesStringifiedRejected,
        Fault::DeleteNoop,
        Fault::GroupsUnsupported,
        Fault::FilterUnsupported,
        Fault::GetById404,
        Fault::GetReturnsList,
        Fault::DeleteReturns200,
        Fault::DeleteUnsupported,
        Fault::MemberAddFirstOnly,
        Fault::MembersDespiteExcludedById,
        Fault::MemberRemoveFilterRejected,
        Fault::RolesReadonly,
        Fault::UsernameLowercased,
        Fault::ReenableRejected,
        Fault::ReenableIgnored,
        Fault::PathlessRejected,
        Fault::ErrorScimTypeMissing,
    ];

    /// The fault's kebab-case name, as used on the command line and in config files.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::AuthIgnoresToken => "auth-ignores-token",
            Fault::AuthOptional => "auth-optional",
            Fault::FilterIgnored => "filter-ignored",
            Fault::FilterCaseSensitive => "filter-case-sensitive",
            Fault::FilterEmpty404 => "filter-empty-404",
            Fault::FilterExternalIdUnsupported => "filter-externalid-unsupported",
            Fault::FilterUnknownAttributeMatchesAll => "filter-unknown-attribute-matches-all",
            Fault::ListTotalMissing => "list-total-missing",
            Fault::FilterPlusAsSpace => "filter-plus-as-space",
            Fault::FilterNonAsciiBroken => "filter-non-ascii-broken",
            Fault::CreateReturns200 => "create-returns-200",
            Fault::CreateOmitsId => "create-omits-id",
            Fault::DuplicatesAllowed => "duplicates-allowed",
            Fault::UnknownId400 => "unknown-id-400",
            Fault::ErrorStatusNumber => "error-status-number",
            Fault::JsonContentType => "json-content-type",
            Fault::DisabledHidden => "disabled-hidden",
            Fault::ManagerAsString => "manager-as-string",
            Fault::PatchIgnored => "patch-ignored",
            Fault::ActiveIgnored => "active-ignored",
            Fault::ActiveStringRejected => "active-string-rejected",
            Fault::CapitalizedOpsRejected => "capitalized-ops-rejected",
            Fault::PathlessDottedKeysIgnored => "pathless-dotted-keys-ignored",
            Fault::FilteredPathNoCreate => "filtered-path-no-create",
            Fault::ExtensionIgnored => "extension-ignored",
            Fault::MemberRemoveIgnored => "member-remove-ignored",
            Fault::MemberRemoveClearsAll => "member-remove-clears-all",
            Fault::MembersDespiteExcluded => "members-despite-excluded",
            Fault::RolesDropped => "roles-dropped",
            Fault::RolesReplaceAppends => "roles-replace-appends",
            Fault::RolesStringifiedRejected => "roles-stringified-rejected",
            Fault::DeleteNoop => "delete-noop",
            Fault::GroupsUnsupported => "groups-unsupported",
            Fault::FilterUnsupported => "filter-unsupported",
            Fault::GetById404 => "get-by-id-404",
            Fault::GetReturnsList => "get-returns-list",
            Fault::DeleteReturns200 => "delete-returns-200",
            Fault::DeleteUnsupported => "delete-unsupported",
            Fault::MemberAddFirstOnly => "member-add-first-only",
            Fault::MembersDespiteExcludedById => "members-despite-excluded-by-id",
            Fault::MemberRemoveFilterRejected => "member-remove-filter-rejected",
            Fault::RolesReadonly => "roles-readonly",
            Fault::UsernameLowercased => "username-lowercased",
            Fault::ReenableRejected => "reenable-rejected",
            Fault::ReenableIgnored => "reenable-ignored",
            Fault::PathlessRejected => "pathless-rejected",
            Fault::ErrorScimTypeMissing => "error-scimtype-missing",
        }
    }

    /// One sentence saying what is broken when this fault is on.
    pub fn describe(&self) -> &'static str {
        match self {
            Fault::AuthIgnoresToken => "Any bearer token value is accepted; only a missing Authorization header is refused.",
            Fault::AuthOptional => "Requests without an Authorization header are accepted (a wrong token is still refused).",
            Fault::FilterIgnored => "The filter query parameter is ignored and every resource of the type is returned.",
            Fault::FilterCaseSensitive => "userName and displayName filters compare case-sensitively.",
            Fault::FilterEmpty404 => "A filter that matches nothing answers 404 instead of an empty ListResponse.",
            Fault::FilterExternalIdUnsupported => "A filter on externalId answers 400 invalidFilter.",
            Fault::FilterUnknownAttributeMatchesAll => "A filter on an unsupported attribute returns every resource instead of 400 invalidFilter.",
            Fault::ListTotalMissing => "ListResponse bodies omit totalResults.",
            Fault::FilterPlusAsSpace => "A literal plus sign in a filter value is decoded as a space, so such values never match.",
            Fault::FilterNonAsciiBroken => "Filter values containing non-ASCII letters never match.",
            Fault::CreateReturns200 => "POST answers 200 instead of 201 Created.",
            Fault::CreateOmitsId => "The POST response body has no id.",
            Fault::DuplicatesAllowed => "userName and group displayName are not checked for uniqueness.",
            Fault::UnknownId400 => "GET and DELETE of an unknown id answer 400 instead of 404.",
            Fault::ErrorStatusNumber => "Error bodies carry status as a JSON number instead of a string.",
            Fault::JsonContentType => "Every response says Content-Type: application/json instead of application/scim+json.",
            Fault::DisabledHidden => "Users with active=false answer 404 on GET and are left out of filter results.",
            Fault::ManagerAsString => "The enterprise manager attribute is read back as a bare string instead of an object.",
            Fault::PatchIgnored => "User PATCH answers 200 with the resource but applies nothing except active.",
            Fault::ActiveIgnored => "PATCH operations on active are accepted and ignored.",
            Fault::ActiveStringRejected => "PATCH giving active as the string \"True\"/\"False\" answers 400 invalidValue.",
            Fault::CapitalizedOpsRejected => "A PATCH op that is not lower case (Add, Replace, Remove) answers 400 invalidSyntax.",
            Fault::PathlessDottedKeysIgnored => "In a path-less PATCH value, keys containing '.' or ':' are silently dropped.",
            Fault::FilteredPathNoCreate => "A valuePath add/replace that matches no element is silently ignored instead of creating one.",
            Fault::ExtensionIgnored => "PATCH operations on enterprise extension attributes are ignored.",
            Fault::MemberRemoveIgnored => "Every group member removal answers 204 and removes nothing.",
            Fault::MemberRemoveClearsAll => "A Remove of path members with a value array removes all members.",
            Fault::MembersDespiteExcluded => "excludedAttributes=members is ignored and members are returned anyway.",
            Fault::RolesDropped => "roles are dropped on create and PATCH operations on roles are ignored.",
            Fault::RolesReplaceAppends => "A replace on roles appends to the existing roles instead of replacing them.",
            Fault::RolesStringifiedRejected => "Legacy stringified role items answer 400 invalidValue.",
            Fault::DeleteNoop => "DELETE answers 204 but keeps the resource.",
            Fault::GroupsUnsupported => "Every /Groups route answers 404.",
            Fault::FilterUnsupported => "Every filter answers 400 invalidFilter (a server that only lists everything).",
            Fault::GetById404 => "GET of a resource by id answers 404 even though it exists (read-after-write lag).",
            Fault::GetReturnsList => "GET by id answers a ListResponse wrapping the resource instead of the resource itself.",
            Fault::DeleteReturns200 => "DELETE answers 200 instead of 204 No Content.",
            Fault::DeleteUnsupported => "DELETE answers 405 Method Not Allowed.",
            Fault::MemberAddFirstOnly => "A member Add with several members adds only the first one.",
            Fault::MembersDespiteExcludedById => "excludedAttributes=members is honoured on lists but ignored on GET by id.",
            Fault::MemberRemoveFilterRejected => "A remove with path members[value eq \"...\"] answers 400 invalidPath.",
            Fault::RolesReadonly => "PATCH operations on roles answer 400 mutability.",
            Fault::UsernameLowercased => "userName is stored and returned lower-cased instead of as sent.",
            Fault::ReenableRejected => "Setting active true on a disabled user answers 400 invalidValue.",
            Fault::ReenableIgnored => "Setting active true on a disabled user is accepted and ignored.",
            Fault::PathlessRejected => "An add/replace without a path answers 400 noTarget.",
            Fault::ErrorScimTypeMissing => "Error bodies never carry scimType.",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error from parsing an unknown fault name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault `{name}`; valid faults: {}", valid_names())]
pub struct UnknownFault {
    /// The name that was not recognised.
    pub name: String,
}

fn valid_names() -> String {
    Fault::ALL
        .iter()
        .map(Fault::name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownFault {
                name: s.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_round_trip_and_are_unique() {
        let names: BTreeSet<&str> = Fault::ALL.iter().map(Fault::name).collect();
        assert_eq!(names.len(), Fault::ALL.len());
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>(), Ok(*f));
            assert_eq!(f.to_string(), f.name());
            assert!(f.describe().ends_with('.'));
        }
    }

    #[test]
    fn unknown_name_lists_valid_ones() {
        let err = "no-such-fault"
            .parse::<Fault>()
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(err.contains("no-such-fault"));
        assert!(err.contains("auth-optional"));
        assert!(err.contains("groups-unsupported"));
    }
}
