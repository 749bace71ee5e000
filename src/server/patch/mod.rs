//! RFC 7644 §3.5.2 PATCH in both Entra dialects: the request body ([`request`]), paths
//! ([`path`]), application to a resource ([`apply`]) with the members and roles rules.

mod apply;
mod members;
mod path;
mod request;
mod roles;
#[cfg(test)]
mod tests;

pub use apply::{apply_patch, PatchContext};
pub use path::PatchPath;
pub use request::{parse_patch_body, OpKind, PatchOperation};
