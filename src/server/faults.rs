//! The catalogue of switchable faults: deliberate behaviours the reference server can be told to
//! have, each declared once (variant, name, category, description) in the table below, so no
//! fault can be missing from [`Fault::ALL`], [`Fault::name`], [`Fault::category`] or
//! [`Fault::describe`].

use std::fmt;
use std::str::FromStr;

/// What switching a fault on means for the harness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultCategory {
    /// Entra provisioning breaks against such a server: the default run must fail.
    Defect,
    /// Only Microsoft's gallery checks or the RFC ask otherwise: the default run passes with a
    /// warning naming it, and `--strict` fails.
    Deviation,
    /// A behaviour Entra works with: the harness must stay green (warnings allowed).
    Tolerated,
    /// A behaviour for the provisioning-cycle load simulation.
    Load,
}

impl FaultCategory {
    /// Every category, in declaration order.
    pub const ALL: &'static [FaultCategory] = &[
        FaultCategory::Defect,
        FaultCategory::Deviation,
        FaultCategory::Tolerated,
        FaultCategory::Load,
    ];

    /// The lower-case name: `defect`, `tolerated` or `load`.
    pub fn name(&self) -> &'static str {
        match self {
            FaultCategory::Defect => "defect",
            FaultCategory::Deviation => "deviation",
            FaultCategory::Tolerated => "tolerated",
            FaultCategory::Load => "load",
        }
    }
}

impl fmt::Display for FaultCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Declares [`Fault`] and its tables from one list of
/// `Variant = "kebab-name", Category, "One sentence.";` rows.
macro_rules! faults {
    ($($variant:ident = $name:literal, $category:ident, $describe:literal;)+) => {
        /// One deliberate behaviour of the reference server; enable it via `ServerConfig::faults`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault {
            $(
                #[doc = $describe]
                $variant,
            )+
        }

        impl Fault {
            /// Every fault, in declaration order.
            pub const ALL: &'static [Fault] = &[$(Fault::$variant,)+];

            /// The fault's kebab-case name, as used on the command line and in config files.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Fault::$variant => $name,)+
                }
            }

            /// Whether the default run must fail ([`FaultCategory::Defect`]), warn only
            /// ([`FaultCategory::Deviation`]), stay green
            /// ([`FaultCategory::Tolerated`]) or the fault shapes the load simulation.
            pub fn category(&self) -> FaultCategory {
                match self {
                    $(Fault::$variant => FaultCategory::$category,)+
                }
            }

            /// One sentence saying what the server does when this fault is on.
            pub fn describe(&self) -> &'static str {
                match self {
                    $(Fault::$variant => $describe,)+
                }
            }
        }
    };
}

faults! {
    AuthIgnoresToken = "auth-ignores-token", Defect,
        "Any bearer token value is accepted; only a missing Authorization header is refused.";
    AuthOptional = "auth-optional", Defect,
        "Requests without an Authorization header are accepted (a wrong token is still refused).";
    FilterIgnored = "filter-ignored", Defect,
        "The filter query parameter is ignored and every resource of the type is returned.";
    FilterCaseSensitive = "filter-case-sensitive", Defect,
        "userName and displayName filters compare case-sensitively.";
    FilterEmpty404 = "filter-empty-404", Defect,
        "A filter that matches nothing answers 404 instead of an empty ListResponse.";
    ListLargeCount500 = "list-500-on-large-count", Tolerated,
        "A listing asking for more than 20 resources per page (count > 20) answers 500.";
    FilterExternalIdUnsupported = "filter-externalid-unsupported", Tolerated,
        "A filter on externalId answers 400 invalidFilter.";
    FilterUnknownAttributeMatchesAll = "filter-unknown-attribute-matches-all", Defect,
        "A filter on an unsupported attribute returns every resource instead of 400 invalidFilter.";
    ListTotalMissing = "list-total-missing", Defect,
        "ListResponse bodies omit totalResults.";
    FilterPlusAsSpace = "filter-plus-as-space", Defect,
        "A literal plus sign in a filter value is decoded as a space, so such values never match.";
    FilterNonAsciiBroken = "filter-non-ascii-broken", Defect,
        "Filter values containing non-ASCII letters never match.";
    CreateReturns200 = "create-returns-200", Tolerated,
        "POST answers 200 instead of 201 Created.";
    CreateOmitsId = "create-omits-id", Defect,
        "The POST response body has no id.";
    DuplicatesAllowed = "duplicates-allowed", Defect,
        "userName and group displayName are not checked for uniqueness.";
    UnknownId400 = "unknown-id-400", Defect,
        "GET and DELETE of an unknown id answer 400 instead of 404.";
    ErrorStatusNumber = "error-status-number", Deviation,
        "Error bodies carry status as a JSON number instead of a string.";
    JsonContentType = "json-content-type", Deviation,
        "Every response says Content-Type: application/json instead of application/scim+json.";
    DisabledHidden = "disabled-hidden", Defect,
        "Users with active=false answer 404 on GET and are left out of filter results.";
    ManagerAsString = "manager-as-string", Defect,
        "The enterprise manager attribute is read back as a bare string instead of an object.";
    PatchIgnored = "patch-ignored", Defect,
        "User PATCH answers 200 with the resource but applies nothing except active.";
    ActiveIgnored = "active-ignored", Defect,
        "PATCH operations on active are accepted and ignored.";
    ActiveStringRejected = "active-string-rejected", Defect,
        "PATCH giving active as the string \"True\"/\"False\" answers 400 invalidValue.";
    CapitalizedOpsRejected = "capitalized-ops-rejected", Defect,
        "A PATCH op that is not lower case (Add, Replace, Remove) answers 400 invalidSyntax.";
    PathlessDottedKeysIgnored = "pathless-dotted-keys-ignored", Defect,
        "In a path-less PATCH value, keys containing '.' or ':' are silently dropped.";
    FilteredPathNoCreate = "filtered-path-no-create", Defect,
        "A valuePath add/replace that matches no element is silently ignored instead of creating one.";
    ExtensionIgnored = "extension-ignored", Defect,
        "PATCH operations on enterprise extension attributes are ignored.";
    MemberRemoveIgnored = "member-remove-ignored", Defect,
        "Every group member removal answers 204 and removes nothing.";
    MemberRemoveClearsAll = "member-remove-clears-all", Defect,
        "A Remove of path members with a value array removes all members.";
    MembersDespiteExcluded = "members-despite-excluded", Defect,
        "excludedAttributes=members is ignored and members are returned anyway.";
    RolesDropped = "roles-dropped", Defect,
        "roles are dropped on create and PATCH operations on roles are ignored.";
    RolesReplaceAppends = "roles-replace-appends", Defect,
        "A replace on roles appends to the existing roles instead of replacing them.";
    RolesStringifiedRejected = "roles-stringified-rejected", Defect,
        "Legacy stringified role items answer 400 invalidValue.";
    DeleteKeepsResource = "delete-keeps-resource", Defect,
        "DELETE answers 204 but keeps the resource (formerly `delete-noop`, still accepted).";
    GroupsUnsupported = "groups-unsupported", Defect,
        "Every /Groups route answers 404.";
    FilterUnsupported = "filter-unsupported", Defect,
        "Every filter answers 400 invalidFilter (a server that only lists everything).";
    GetById404 = "get-by-id-404", Defect,
        "GET of a resource by id answers 404 even though it exists (read-after-write lag).";
    GetReturnsList = "get-returns-list", Defect,
        "GET by id answers a ListResponse wrapping the resource instead of the resource itself.";
    DeleteReturns200 = "delete-returns-200", Deviation,
        "DELETE answers 200 instead of 204 No Content.";
    DeleteUnsupported = "delete-unsupported", Defect,
        "DELETE answers 405 Method Not Allowed.";
    MemberAddFirstOnly = "member-add-first-only", Defect,
        "A member Add with several members adds only the first one.";
    MembersDespiteExcludedById = "members-despite-excluded-by-id", Defect,
        "excludedAttributes=members is honoured on lists but ignored on GET by id.";
    MemberRemoveFilterRejected = "member-remove-filter-rejected", Defect,
        "A remove with path members[value eq \"...\"] answers 400 invalidPath.";
    RolesReadonly = "roles-readonly", Defect,
        "PATCH operations on roles answer 400 mutability.";
    UsernameLowercased = "username-lowercased", Deviation,
        "userName is stored and returned lower-cased instead of as sent.";
    ReenableRejected = "reenable-rejected", Defect,
        "Setting active true on a disabled user answers 400 invalidValue.";
    ReenableIgnored = "reenable-ignored", Defect,
        "Setting active true on a disabled user is accepted and ignored.";
    PathlessRejected = "pathless-rejected", Defect,
        "An add/replace without a path answers 400 noTarget.";
    ListRequiresFilter = "list-requires-filter", Deviation,
        "GET /Users or /Groups without a filter answers 400 (a server that cannot page through its resources).";
    FilterApostropheBroken = "filter-apostrophe-broken", Defect,
        "Filter values containing an apostrophe never match.";
    GroupRenameIgnored = "group-rename-ignored", Defect,
        "A PATCH of a group's displayName answers 204 and keeps the old name.";
    FilterIndexStale = "filter-index-stale", Defect,
        "Filters also find resources by the values they had before their last change, and deleted resources (a stale index).";
    FilterExcludesDisabled = "filter-excludes-disabled", Defect,
        "Filters leave out users with active=false (GET by id still finds them).";
    ResourceTypesMissing = "resource-types-missing", Deviation,
        "GET /ResourceTypes answers 404 (schema discovery incomplete).";
    TokenLifetimeShort = "token-lifetime-short", Deviation,
        "The OAuth token endpoint issues tokens that live 30 minutes (Microsoft's gallery requires 60 to 360).";
    GroupPatchIgnored = "group-patch-ignored", Defect,
        "A PATCH of a group's attributes (not its members) answers 204 and changes nothing.";
    MemberRemoveEverywhere = "member-remove-everywhere", Defect,
        "Removing a member from one group removes it from every group.";
    ErrorScimTypeMissing = "error-scimtype-missing", Deviation,
        "Error bodies never carry scimType.";
    GroupUrnRefused = "group-urn-refused", Defect,
        "POST /Groups whose schemas contain Entra's ADSCIM group URN answers 400 invalidValue.";
    MemberRemoveLegacyRefused = "member-remove-legacy-refused", Defect,
        "The legacy member removal (op Remove, path members, a value array) answers 400 invalidPath; members[value eq \"...\"] still works.";
    UserBodyRefused = "user-body-refused", Defect,
        "POST/PUT of a User whose emails items carry primary or type answers 400 invalidValue.";
    MembersNeverReturned = "members-never-returned", Tolerated,
        "Groups are never returned with members; PATCH still changes membership and member filters still answer.";
    MembersUnverifiable = "members-unverifiable", Tolerated,
        "Groups are never returned with members and filters on members answer 400 invalidFilter.";
    FilterSpecialChars400 = "filter-special-chars-400", Tolerated,
        "A filter value containing an apostrophe, a plus sign or a non-ASCII letter answers 400 invalidFilter.";
    EmailRequired = "email-required", Tolerated,
        "A User create whose userName is not an email address must carry a work email, else 400 invalidValue.";
    MembersAddAsReplace = "members-add-as-replace", Defect,
        "A member Add replaces all members with the ones added.";
    CreateDropsAttributes = "create-drops-attributes", Defect,
        "POST /Users keeps only userName, active, emails, externalId and schemas; every other attribute is dropped.";
    FilteredReplaceAppends = "filtered-replace-appends", Defect,
        "A replace on a value-filtered path such as emails[type eq \"work\"].value appends a new element instead of updating the match.";
    RoleDisplayDropped = "role-display-dropped", Defect,
        "roles are stored with their value only: display, displayName, type and primary are dropped.";
    UsernameImmutable = "username-immutable", Defect,
        "A PATCH replacing userName answers 200 and changes nothing.";
    ManagerReplaceIgnored = "manager-replace-ignored", Defect,
        "Setting a different manager when one is already set is accepted and ignored.";
    ManagerClearIgnored = "manager-clear-ignored", Deviation,
        "Every form of manager removal (replace with \"\", {\"value\": \"\"}, null, or remove) is accepted and ignored.";
    NullUpdateIgnored = "null-update-ignored", Deviation,
        "A replace with \"\" or null is accepted and ignored instead of clearing the attribute.";
    PaginationIgnored = "pagination-ignored", Deviation,
        "startIndex and count are ignored: every match on one page, startIndex 1.";
    SchemasMissingAttribute = "schemas-missing-attribute", Deviation,
        "/Schemas omits the User attributes title and addresses.";
    UnknownId200 = "unknown-id-200", Defect,
        "PATCH of an unknown id answers 200 and DELETE of an unknown id 204 instead of 404.";
    DeleteUnknown204 = "delete-unknown-204", Deviation,
        "DELETE of an unknown id answers 204 instead of 404 (PATCH and GET still answer 404).";
    RecreateConflict = "recreate-conflict", Defect,
        "A userName (or group displayName) once used stays reserved after its resource is deleted: re-creating it answers 409.";
    MemberReaddDuplicates = "member-readd-duplicates", Defect,
        "Adding a member already present lists it twice.";
    ManagerChangeRejected = "manager-change-rejected", Defect,
        "Once a user has a manager, changing or removing it answers 400 mutability.";
    NullUpdateRejected = "null-update-rejected", Deviation,
        "A replace whose value is null (or carries a null attribute) answers 400 invalidValue.";
    PatchOpsLimit = "patch-ops-limit", Deviation,
        "A PATCH with more than 5 operations answers 400 invalidSyntax.";
    GroupPatchRejected = "group-patch-rejected", Defect,
        "A PATCH of a group's attributes other than members answers 400 mutability.";
    SchemasUnsupported = "schemas-unsupported", Deviation,
        "GET /Schemas answers 404 (no schema discovery).";
    MemberAddNonemptyRejected = "member-add-nonempty-rejected", Defect,
        "A member Add to a group that already has members answers 400 invalidValue (members are only set on an empty group).";
    MemberReaddRejected = "member-readd-rejected", Defect,
        "Adding a member already present answers 409 uniqueness.";
    FilterMissesChanges = "filter-misses-changes", Defect,
        "Filters match the values resources had when created; later changes are never indexed (GET by id shows them).";
    EmptyMembersRefused = "empty-members-refused", Defect,
        "POST /Groups with an empty members list answers 400 invalidValue.";
    NameRequired = "name-required", Tolerated,
        "POST /Users without a `name` object holding a givenName, familyName or formatted answers 400 (Entra's default mapping sends name).";
    MembersKeyRequired = "members-key-required", Defect,
        "POST /Groups without a `members` key answers 400 (Entra's documented create sends none).";
    ManagerBareIdRefused = "manager-bare-id-refused", Defect,
        "A manager sent as a bare id string (create or PATCH) answers 400; only {\"value\": id} is accepted.";
    RolesRefusedOnCreate = "roles-refused-on-create", Defect,
        "POST /Users carrying a non-empty roles array answers 400 (PATCHing roles later works).";
    FilterEqSubstring = "filter-eq-substring", Defect,
        "eq on a string attribute matches every value that contains the filter value (SQL LIKE '%v%').";
    MemberAddIgnored = "member-add-ignored", Defect,
        "A PATCH adding group members answers 204 and adds none.";
    ManagerClearRefused = "manager-clear-refused", Deviation,
        "Clearing the manager with Replace of \"\" or {\"value\": \"\"} answers 400 (Remove still works).";
    FilteredPathAddRefused = "filtered-path-add-refused", Defect,
        "An Add or Replace on a filtered path that matches no element answers 400 noTarget instead of creating it.";
    AcceptRequired = "accept-required", Defect,
        "A request whose Accept header is missing or names no JSON type (`*/*` alone) answers 406 Not Acceptable (Entra's Test Connection GET names none).";
    IfMatchRequired = "if-match-required", Defect,
        "PATCH, PUT and DELETE without an If-Match header answer 428 Precondition Required (Entra never sends one).";
    PatchFirstOpOnly = "patch-first-op-only", Defect,
        "A User PATCH with several operations applies only the first one and answers 200.";
    PathlessReplaceWipesComplex = "pathless-replace-wipes-complex", Defect,
        "A path-less replace of a sub-attribute (`name.givenName`) replaces the whole complex attribute, dropping its other sub-attributes.";
    DisabledUpdatesRefused = "disabled-updates-refused", Defect,
        "A PATCH of a user whose active is false answers 400 unless it sets active to true.";
    ValuesLowercased = "values-lowercased", Defect,
        "A User's displayName, title and name sub-attributes are returned lower-cased and trimmed.";
    ActiveAsString = "active-as-string", Defect,
        "active is returned as the string \"True\"/\"False\" instead of a JSON boolean.";
    FilterGuidRefused = "filter-guid-refused", Defect,
        "A filter whose value is shaped like a GUID answers 400 invalidFilter.";
    FilterParenthesesBroken = "filter-parentheses-broken", Defect,
        "Filter values containing a parenthesis never match (the gallery validation names groups LACreateGroup-(...)).";
    FilteredPrimaryIgnored = "filtered-primary-ignored", Defect,
        "An add or replace of a filtered path's primary flag (emails[type eq \"work\"].primary) is accepted and ignored.";
    SchemaWithoutDataRefused = "schema-without-data-refused", Defect,
        "POST /Users whose schemas list an extension URN with no extension object in the body answers 400 (Microsoft's create sample does that).";
    SlowGroupPatch = "slow-group-patch", Tolerated,
        "A PATCH of a group answers only after 300 ms (slow, well within Entra's timeout).";
    LostMemberUpdates = "lost-member-updates", Load,
        "Member PATCHes read the member list, yield, then write it back, so concurrent PATCHes to one group lose updates.";
    ParallelWrites500 = "parallel-writes-500", Load,
        "A write (POST, PUT, PATCH, DELETE) that arrives while another is being handled answers 500 \"database is locked\" (a single-writer store such as SQLite); each write holds it 15 ms.";
}

impl Fault {
    /// The faults of one category, in declaration order.
    pub fn in_category(category: FaultCategory) -> impl Iterator<Item = Fault> {
        Fault::ALL
            .iter()
            .copied()
            .filter(move |f| f.category() == category)
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
        // Earlier names, still accepted on the command line and in fixtures.
        if wanted.eq_ignore_ascii_case("delete-noop") {
            return Ok(Fault::DeleteKeepsResource);
        }
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
            assert!(f
                .name()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
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

    #[test]
    fn categories() {
        assert_eq!(Fault::CreateReturns200.category(), FaultCategory::Tolerated);
        assert_eq!(
            Fault::FilterExternalIdUnsupported.category(),
            FaultCategory::Tolerated
        );
        assert_eq!(Fault::AuthOptional.category(), FaultCategory::Defect);
        let counted: usize = FaultCategory::ALL
            .iter()
            .map(|c| Fault::in_category(*c).count())
            .sum();
        assert_eq!(counted, Fault::ALL.len());
        assert_eq!(FaultCategory::Tolerated.to_string(), "tolerated");
    }
}
