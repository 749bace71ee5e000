//! Where requests go: the target's base URL, the query parameters its tenant URL carries (kept on
//! every request, redacted in every output), and its credentials.

use std::sync::Arc;

use url::Url;

use super::client::ScimClient;
use super::form::form_encode;
use super::oauth::{OAuth, OAuthError};
use crate::core::secret::Secret;

/// The query flag that switches Entra to its RFC-compliant dialect.
pub const COMPLIANT_FLAG: &str = "aadOptscim062020";

/// Where the requests go.
#[derive(Clone, Debug)]
pub struct Target {
    /// Base URL, always ending in `/`, without query.
    pub base: Url,
    /// Query parameters of the tenant URL (e.g. an Azure Functions `code`), sent on every
    /// request before the request's own; their values are secrets.
    pub params: Vec<(String, Secret)>,
    /// The bearer token, if any.
    pub token: Option<Secret>,
    /// OAuth client credentials: when set, the bearer token comes from the token endpoint.
    pub oauth: Option<Arc<OAuth>>,
}

/// A `--target-url` that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not a URL at all.
    #[error("--target-url `{url}` is not a URL: {reason}")]
    NotAUrl {
        /// What was given.
        url: String,
        /// The parser's reason.
        reason: String,
    },
    /// Not http or https.
    #[error("--target-url `{0}` must be http or https")]
    Scheme(String),
    /// Credentials in the URL (`https://user:pw@host`): refused, never sent as Basic auth.
    #[error("--target-url must not carry a user name or password (`user:password@host`): give the token in SCIM_TOKEN (Entra sends `Authorization: Bearer`, never Basic)")]
    Userinfo,
}

impl Target {
    /// Parses a `--target-url`: keeps scheme, host and path (adding the trailing `/` that URL
    /// joining needs), keeps other query parameters as secrets, and reports whether the query
    /// carried Entra's `aadOptscim062020` flag (which is not sent).
    pub fn parse(url: &str, token: Option<Secret>) -> Result<(Target, bool), TargetError> {
        let mut base = Url::parse(url).map_err(|e| TargetError::NotAUrl {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(TargetError::Scheme(url.to_string()));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(TargetError::Userinfo);
        }
        let mut flag = false;
        let mut params = Vec::new();
        for (k, v) in base.query_pairs() {
            if k.eq_ignore_ascii_case(COMPLIANT_FLAG) {
                flag = true;
            } else {
                params.push((k.into_owned(), Secret::new(v.into_owned())));
            }
        }
        base.set_query(None);
        base.set_fragment(None);
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        Ok((
            Target {
                base,
                params,
                token,
                oauth: None,
            },
            flag,
        ))
    }

    /// The URL of `rel` (a path relative to the base) with the target's parameters and then
    /// `query` (values encoded as Entra encodes them).
    pub fn url(&self, rel: &str, query: &[(String, String)]) -> Result<Url, url::ParseError> {
        let mut url = self.base.join(rel)?;
        let pairs: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose()))
            .chain(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect();
        url.set_query((!pairs.is_empty()).then(|| pairs.join("&")).as_deref());
        Ok(url)
    }

    /// The resource path of a URL relative to the base (`Users/abc`), if it is under it.
    pub fn relative(&self, url: &Url) -> Option<String> {
        url.path()
            .strip_prefix(self.base.path())
            .map(|p| p.trim_end_matches('/').to_string())
    }

    /// The base URL as shown in output (the tenant URL's parameters as `***`).
    pub fn shown(&self) -> String {
        if self.params.is_empty() {
            return self.base.to_string();
        }
        let q: Vec<String> = self
            .params
            .iter()
            .map(|(k, _)| format!("{}=***", form_encode(k)))
            .collect();
        format!("{}?{}", self.base, q.join("&"))
    }

    /// The secrets this target carries besides the token (parameter values).
    pub fn secrets(&self) -> Vec<Secret> {
        self.params.iter().map(|(_, v)| v.clone()).collect()
    }

    /// The bearer token to send: the OAuth access token (fetched or cached) or the static one.
    pub async fn bearer(&self, client: &ScimClient) -> Result<Option<Secret>, OAuthError> {
        match &self.oauth {
            Some(o) => o.bearer(client).await.map(Some),
            None => Ok(self.token.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_parsing_normalises_and_detects_the_flag() {
        let (t, flag) = Target::parse("https://h.example/scim/v2?aadOptscim062020", None).unwrap();
        assert_eq!(t.base.as_str(), "https://h.example/scim/v2/");
        assert!(flag && t.params.is_empty());
        let (t, flag) = Target::parse("https://h.example/scim/", None).unwrap();
        assert_eq!(
            t.base.join("Users").unwrap().as_str(),
            "https://h.example/scim/Users"
        );
        assert!(!flag);
        assert!(Target::parse("ftp://x", None).is_err());
        assert!(Target::parse("not a url", None).is_err());
    }

    #[test]
    fn userinfo_is_refused() {
        assert_eq!(
            Target::parse("https://u:pw@h.example/scim", None).unwrap_err(),
            TargetError::Userinfo
        );
        assert!(!TargetError::Userinfo.to_string().contains("pw"));
    }

    #[test]
    fn tenant_url_parameters_are_kept_and_hidden() {
        let (t, flag) = Target::parse(
            "https://f.example/api/scim?code=s3cr3t-key&aadOptscim062020",
            None,
        )
        .unwrap();
        assert!(flag);
        let u = t
            .url("Users", &[("filter".into(), r#"userName eq "a b""#.into())])
            .unwrap();
        assert_eq!(
            u.as_str(),
            "https://f.example/api/scim/Users?code=s3cr3t-key&filter=userName+eq+%22a+b%22"
        );
        assert_eq!(t.shown(), "https://f.example/api/scim/?code=***");
        assert_eq!(t.secrets()[0].expose(), "s3cr3t-key");
        assert_eq!(t.relative(&u).as_deref(), Some("Users"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any --target-url parses or is refused with a reason; accepted ones end in `/`.
        #[test]
        fn any_target_url_parses_or_errs(u in "\\PC*", v in "https?://[a-z.:@]{0,12}/[a-z/?=&%]{0,20}") {
            for s in [u.as_str(), v.as_str()] {
                if let Ok((t, _)) = Target::parse(s, None) {
                    prop_assert!(t.base.path().ends_with('/'));
                    prop_assert!(t.base.query().is_none());
                }
            }
        }
    }
}
