//! Entra attribute-mapping expressions, parsed once when a profile loads. Only what the
//! generator understands is accepted; anything else is a load error, so a profile never silently
//! sends something other than what it says.

use indexmap::IndexMap;

use crate::core::scim::ROLE_FUNCTIONS;

/// One mapping source, parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Expr {
    /// `""`: the guide names no source; the attribute is never sent.
    #[default]
    Unmapped,
    /// A source attribute, `mail` or `[mail]`.
    Attr(String),
    /// `Join("sep", [a], [b], ...)`.
    Join {
        /// The separator.
        sep: String,
        /// Source attribute names, in order.
        attrs: Vec<String>,
    },
    /// `Switch([IsSoftDeleted], ...)` or `Not([IsSoftDeleted])`: `active`, true on create.
    SoftDelete,
    /// One of Entra's role functions over `[appRoleAssignments]`.
    Roles(String),
    /// A reference linked by later PATCHes, never in a create body (`members`, `manager`).
    Reference(String),
}

impl Expr {
    /// Parses a source expression; `attrs` are the Entra source attributes it may name.
    pub fn parse(text: &str, attrs: &IndexMap<String, String>) -> Result<Expr, String> {
        let e = text.trim();
        if e.is_empty() {
            return Ok(Expr::Unmapped);
        }
        if e == "members" || e == "manager" {
            return Ok(Expr::Reference(e.to_string()));
        }
        if e.starts_with("Switch([IsSoftDeleted]") || e.starts_with("Not([IsSoftDeleted])") {
            return Ok(Expr::SoftDelete);
        }
        if let Some(f) = ROLE_FUNCTIONS
            .iter()
            .find(|f| e.starts_with(&format!("{f}(")))
        {
            return Ok(Expr::Roles(f.to_string()));
        }
        let known = |a: &str| -> Result<String, String> {
            let bare = a.trim().trim_start_matches('[').trim_end_matches(']');
            if attrs.contains_key(bare) {
                Ok(bare.to_string())
            } else {
                Err(format!(
                    "`{bare}` is not a source attribute in fixtures/entra-source.toml"
                ))
            }
        };
        if let Some(args) = e.strip_prefix("Join(").and_then(|r| r.strip_suffix(')')) {
            let (sep, rest) = join_args(args)
                .ok_or_else(|| format!("`{e}`: Join needs a quoted separator first"))?;
            let attrs = rest
                .iter()
                .map(|a| known(a).map_err(|m| format!("Join argument {m}")))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Expr::Join { sep, attrs });
        }
        known(e).map(Expr::Attr).map_err(|_| {
            format!(
                "unsupported source `{e}`: use a source attribute of fixtures/entra-source.toml ({}), Join(\"sep\", [a], [b]), Switch([IsSoftDeleted], ...), a role function, or \"\" when the guide names none",
                attrs.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })
    }

    /// Whether Entra sends this attribute at all.
    pub fn is_sent(&self) -> bool {
        !matches!(self, Expr::Unmapped)
    }
}

/// `"sep", [a], [b]` -> (`sep`, [`[a]`, `[b]`]): the separator is a quoted string (it may hold
/// commas), the rest are comma-separated.
fn join_args(args: &str) -> Option<(String, Vec<String>)> {
    let rest = args.trim_start().strip_prefix('"')?;
    let (sep, tail) = rest.split_once('"')?;
    let tail = tail.trim_start().strip_prefix(',').unwrap_or("");
    Some((
        sep.to_string(),
        tail.split(',')
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs() -> IndexMap<String, String> {
        [("mail", "m"), ("givenName", "g"), ("surname", "s")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn understood_expressions() {
        let a = attrs();
        assert_eq!(Expr::parse("", &a), Ok(Expr::Unmapped));
        assert_eq!(Expr::parse("[mail]", &a), Ok(Expr::Attr("mail".into())));
        assert_eq!(
            Expr::parse("Join(\", \", [givenName], [surname])", &a),
            Ok(Expr::Join {
                sep: ", ".into(),
                attrs: vec!["givenName".into(), "surname".into()]
            })
        );
        assert_eq!(
            Expr::parse(
                "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")",
                &a
            ),
            Ok(Expr::SoftDelete)
        );
        assert_eq!(
            Expr::parse("AppRoleAssignmentsComplex([appRoleAssignments])", &a),
            Ok(Expr::Roles("AppRoleAssignmentsComplex".into()))
        );
        assert_eq!(
            Expr::parse("manager", &a),
            Ok(Expr::Reference("manager".into()))
        );
    }

    #[test]
    fn unsupported_expressions_are_errors() {
        let a = attrs();
        assert!(Expr::parse("ToLower([mail])", &a).is_err());
        assert!(Expr::parse("Join(\" \", [mail], [nope])", &a).is_err());
        assert!(Expr::parse("Join([mail])", &a).is_err());
    }
}
