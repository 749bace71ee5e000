//! Entra attribute-mapping expressions, parsed once when a profile loads. The forms the harness
//! gives a meaning of its own (a plain attribute, `Join` of attributes, the soft-delete switch,
//! the role functions, the references) keep their own variants; any other expression of Entra's
//! language is [`Expr::Computed`], evaluated by [`super::expression`]. Anything else is a load
//! error, so a profile never silently sends something other than what it says.

use indexmap::IndexMap;

use super::expression::{self, Ast};
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
    /// Any other expression (`ToLower([userPrincipalName])`, `Switch([department], …)`, a
    /// constant): evaluated against the source object.
    Computed(Ast),
}

impl Expr {
    /// Parses a source expression; `attrs` are the Entra source attributes it may name.
    pub fn parse(text: &str, attrs: &IndexMap<String, String>) -> Result<Expr, String> {
        let e = text.trim();
        if e.is_empty() {
            return Ok(Expr::Unmapped);
        }
        check_complete(e)?;
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
            if let Some((sep, rest)) = join_args(args) {
                if let Ok(attrs) = rest.iter().map(|a| known(a)).collect::<Result<Vec<_>, _>>() {
                    if !attrs.is_empty() {
                        return Ok(Expr::Join { sep, attrs });
                    }
                }
            }
        }
        if let Ok(a) = known(e) {
            return Ok(Expr::Attr(a));
        }
        let ast = expression::parse(e).map_err(|why| format!("`{e}`: {why}"))?;
        if let Ast::Text(word) = &ast {
            if !e.starts_with('"') {
                return Err(format!(
                    "unsupported source `{word}`: not a source attribute of fixtures/entra-source.toml ({}); write a constant in quotes, or \"\" when the guide names none",
                    attrs.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        ast.check(&|a| attrs.contains_key(a))
            .map_err(|why| format!("`{e}`: {why}"))?;
        Ok(Expr::Computed(ast))
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

/// Refuses an expression that stops half-way: a quote or parenthesis left open, or a `)` that
/// closes nothing, named with its column (1-based), so a truncated
/// `Switch([IsSoftDeleted], , "False", "True"` never loads as if it were whole.
fn check_complete(e: &str) -> Result<(), String> {
    let mut open: Vec<usize> = Vec::new();
    let mut quote: Option<usize> = None;
    for (i, c) in e.chars().enumerate() {
        let column = i + 1;
        match (quote, c) {
            (Some(_), '"') => quote = None,
            (Some(_), _) => {}
            (None, '"') => quote = Some(column),
            (None, '(') => open.push(column),
            (None, ')') if open.pop().is_none() => {
                return Err(format!("`{e}`: `)` at column {column} closes nothing"))
            }
            _ => {}
        }
    }
    if let Some(column) = quote {
        return Err(format!(
            "`{e}`: the quote opened at column {column} is never closed"
        ));
    }
    if let Some(column) = open.last() {
        return Err(format!(
            "`{e}`: the `(` at column {column} is never closed (is the expression cut short?)"
        ));
    }
    Ok(())
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
        assert!(Expr::parse("Guid()", &a).unwrap_err().contains("Guid"));
        assert!(Expr::parse("Join(\" \", [mail], [nope])", &a)
            .unwrap_err()
            .contains("`[nope]` is not a source attribute"));
        assert!(Expr::parse("nope", &a)
            .unwrap_err()
            .contains("not a source attribute"));
        assert!(matches!(
            Expr::parse("ToLower([mail])", &a),
            Ok(Expr::Computed(_))
        ));
        assert!(matches!(
            Expr::parse("\"Ada\"", &a),
            Ok(Expr::Computed(Ast::Text(_)))
        ));
        assert!(matches!(
            Expr::parse("Join(\"@\", [mail], \"contoso.com\")", &a),
            Ok(Expr::Computed(_))
        ));
    }

    #[test]
    fn truncated_expressions_name_the_column() {
        let a = attrs();
        let cut = Expr::parse(r#"Switch([IsSoftDeleted], , "False", "True""#, &a)
            .expect_err("a cut-short Switch does not load");
        assert!(cut.contains("column 7"), "{cut}");
        let quote =
            Expr::parse(r#"Switch([IsSoftDeleted], , "False)"#, &a).expect_err("open quote");
        assert!(quote.contains("quote opened at column 27"), "{quote}");
        assert!(Expr::parse("SingleAppRoleAssignment([appRoleAssignments]))", &a).is_err());
        assert!(Expr::parse(
            r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#,
            &a
        )
        .is_ok());
    }
}
