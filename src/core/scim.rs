//! SCIM and Entra vocabulary: schema URNs, message URNs and Entra's role names. One home for
//! every such string; the harness and the reference server both use these.

/// Core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core Group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Enterprise User extension schema URN.
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Extra group schema URN Entra ID sends on group creation (legacy dialect).
pub const ADSCIM_GROUP_SCHEMA: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
/// ListResponse message URN.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Error message URN.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// PatchOp message URN.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// ServiceProviderConfig schema URN.
pub const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// ResourceType schema URN.
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// Schema (definition) schema URN.
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// The `type` Entra ID gives the app roles it provisions (`roles[].type`).
pub const ENTRA_ROLE_TYPE: &str = "WindowsAzureActiveDirectoryRole";

/// Entra's app-role mapping functions, as written in attribute mappings.
pub const ROLE_FUNCTIONS: &[&str] = &[
    "SingleAppRoleAssignment",
    "AppRoleAssignmentsComplex",
    "AssertiveAppRoleAssignmentsComplex",
];
