//! A vendor's emulation: the reference server configured to behave as the vendor's guide
//! documents — served under the tenant URL's path, `/Groups` only when groups are provisioned,
//! the required attributes enforced.

use crate::profile::VendorProfile;
use crate::server::ServerConfig;

/// The reference-server configuration that emulates `profile`, requiring `token`.
pub fn emulation(profile: &VendorProfile, token: &str) -> ServerConfig {
    let mut c = ServerConfig::new(token);
    c.base_path = profile.base_path();
    c.groups_enabled = profile.groups.provisioned;
    c.delete_deactivates = profile.delete_deactivates;
    c.required_user_attributes = profile.users.required.clone();
    c.required_group_attributes = if profile.groups.provisioned {
        profile.groups.required.clone()
    } else {
        Vec::new()
    };
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::files::Tree;

    #[test]
    fn zenvoices_emulation_has_no_groups() {
        let p = crate::profile::load_all(&Tree::Embedded("fixtures"))
            .unwrap()
            .into_iter()
            .find(|p| p.id() == "zenvoices")
            .unwrap();
        let c = emulation(&p, "t");
        assert!(!c.groups_enabled);
        assert_eq!(c.base_path, "/api/scim/entra/1234");
    }
}
