//! PATCH paths: `[urn:]attr[.sub]` or `[urn:]attr[filter][.sub]`, parsed into [`PatchPath`].

use crate::core::scim::ENTERPRISE_USER_SCHEMA;
use crate::server::error::ScimError;
use crate::server::filter::{self, AttrPath, Filter};

/// A parsed PATCH path: `[urn:]attr[.sub]` or `[urn:]attr[filter][.sub]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// Extension URN, `None` for core attributes.
    pub urn: Option<String>,
    /// The attribute.
    pub attr: String,
    /// Value filter selecting elements of a multi-valued attribute.
    pub filter: Option<Filter>,
    /// Sub-attribute.
    pub sub: Option<String>,
}

impl PatchPath {
    /// Parses a PATCH path; any problem is 400 invalidPath.
    pub fn parse(s: &str) -> Result<PatchPath, ScimError> {
        let s = s.trim();
        let Some((head, after_open)) = s.split_once('[') else {
            let p = AttrPath::parse(s).map_err(ScimError::InvalidPath)?;
            return Ok(PatchPath {
                urn: p.urn,
                attr: p.attr,
                filter: None,
                sub: p.sub,
            });
        };
        let (inner, suffix) = after_open
            .rsplit_once(']')
            .ok_or_else(|| ScimError::InvalidPath(format!("unbalanced brackets in path `{s}`")))?;
        let base = AttrPath::parse(head).map_err(ScimError::InvalidPath)?;
        if base.sub.is_some() {
            return Err(ScimError::InvalidPath(format!(
                "a value filter must follow a plain attribute in path `{s}`"
            )));
        }
        let filter = filter::parse_inner(inner).map_err(|e| {
            ScimError::InvalidPath(format!("invalid value filter in path `{s}`: {e}"))
        })?;
        let sub = if suffix.is_empty() {
            None
        } else {
            let rest = suffix.strip_prefix('.').unwrap_or("");
            match AttrPath::parse(rest) {
                Ok(p) if p.urn.is_none() && p.sub.is_none() && !rest.is_empty() => Some(p.attr),
                _ => {
                    return Err(ScimError::InvalidPath(format!(
                        "`{suffix}` after the value filter in path `{s}` is not a sub-attribute"
                    )))
                }
            }
        };
        Ok(PatchPath {
            urn: base.urn,
            attr: base.attr,
            filter: Some(filter),
            sub,
        })
    }

    /// True if the path targets the enterprise User extension.
    pub fn is_enterprise(&self) -> bool {
        self.urn
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA))
    }
}
