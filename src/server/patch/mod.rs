//! RFC 7644 §3.5.2 PATCH in both Entra dialects: the request body ([`request`]), paths
//! ([`path`]), application to a resource ([`apply`]) with the rules for value-filtered paths,
//! members, roles and manager.

mod apply;
mod manager;
mod members;
mod path;
mod request;
mod roles;
mod shared;
#[cfg(test)]
mod tests;
mod value_path;

pub use apply::apply_patch;
pub use members::{apply_member_edits, plan_member_edits, MemberEdit};
pub use path::PatchPath;
pub use request::{parse_patch_body, OpKind, PatchOperation};
pub use shared::PatchContext;
