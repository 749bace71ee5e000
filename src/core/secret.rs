//! Secrets (bearer tokens, client secrets): a type that never prints its value, and redaction of
//! any text that might carry one (failure messages, dumps, reports, snapshots), in every form a
//! server may echo it back: plain, percent-encoded (either hex case, `+` or `%20` for a space),
//! JSON-escaped (`\u002B`, `\/`), form-encoded, and as the base64 of an HTTP Basic credential.

use std::fmt;
use std::sync::{Arc, RwLock};

use base64::Engine as _;

/// Secrets shorter than this are not searched for in text (see [`Secret::searchable`]).
pub const MIN_SEARCHED: usize = 8;

/// What a redacted secret is replaced with.
pub const MASK: &str = "***";

/// A secret value. `Debug` and `Display` print `***`; only [`Secret::expose`] gives the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it (an `Authorization` header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether occurrences of the secret can be told apart from ordinary text: at least
    /// [`MIN_SEARCHED`] bytes. A shorter secret (`Users`, `wrong`) would mangle every message
    /// that happens to contain the word; it is still never printed through `Debug`/`Display`
    /// or sent anywhere but its `Authorization` header.
    pub fn searchable(&self) -> bool {
        self.0.len() >= MIN_SEARCHED
    }

    /// Whether the secret reads like an ordinary word (letters only, such as `Resources`):
    /// scrubbing it also masks that word wherever it appears in ordinary text, so the run warns.
    pub fn ordinary(&self) -> bool {
        self.searchable() && self.0.chars().all(|c| c.is_ascii_alphabetic())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// The forms one secret travels in that are not an encoding of its characters: the base64 of
/// an HTTP Basic credential carrying it (standard and URL-safe alphabets, with and without
/// padding), for `client_id:secret` as sent and with both parts form-encoded (RFC 6749 §2.3.1).
pub fn basic_forms(client_id: &str, secret: &str) -> Vec<Secret> {
    let form = form_encode;
    let mut out = Vec::new();
    for pair in [
        format!("{client_id}:{secret}"),
        format!("{}:{}", form(client_id), form(secret)),
    ] {
        for engine in [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            let s = Secret::new(engine.encode(pair.as_bytes()));
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// `application/x-www-form-urlencoded`, as a token request body carries a client secret.
fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A regular expression matching `c` written any way a server may echo it: the character
/// itself, its UTF-8 bytes percent-encoded in either hex case, its UTF-16 `\u` escape(s) in
/// either case, and the JSON and form escapes of the characters that have one.
fn char_pattern(c: char) -> String {
    let hex = |b: u32, width: usize| -> String {
        format!("{b:0width$X}")
            .chars()
            .map(|h| {
                if h.is_ascii_alphabetic() {
                    format!("[{}{}]", h, h.to_ascii_lowercase())
                } else {
                    h.to_string()
                }
            })
            .collect()
    };
    let mut alts = vec![regex_lite::escape(&c.to_string())];
    let mut utf8 = [0u8; 4];
    alts.push(
        c.encode_utf8(&mut utf8)
            .bytes()
            .map(|b| format!("%{}", hex(u32::from(b), 2)))
            .collect(),
    );
    let mut utf16 = [0u16; 2];
    alts.push(
        c.encode_utf16(&mut utf16)
            .iter()
            .map(|u| format!(r"\\u{}", hex(u32::from(*u), 4)))
            .collect(),
    );
    match c {
        ' ' => alts.push(r"\+".into()),
        '/' => alts.push(r"\\/".into()),
        '"' => alts.push(r#"\\""#.into()),
        '\\' => alts.push(r"\\\\".into()),
        _ => {}
    }
    format!("(?:{})", alts.join("|"))
}

/// The pattern for one secret: each character in any of its encodings, one after another.
fn secret_pattern(secret: &str) -> String {
    secret.chars().map(char_pattern).collect()
}

#[derive(Debug, Default)]
struct Known {
    secrets: Vec<Secret>,
    /// One alternation over every searchable secret, longest first; `None` when there is none.
    pattern: Option<regex_lite::Regex>,
    /// Every character of the searchable secrets.
    chars: std::collections::BTreeSet<char>,
}

impl Known {
    /// Whether no searchable secret can be in `text` at all, decided without the pattern. Every
    /// encoded form of a character (see [`char_pattern`]) is an escape that decodes to it: `%`
    /// and two hex digits, `\u` and four, `\/`, `\"`, `\\`, or `+` for a space. A text whose
    /// escapes all decode to characters no secret has can hold a secret only verbatim, which a
    /// substring search rules out far faster than the pattern does.
    fn verbatim_absent(&self, text: &str) -> bool {
        let has = |c: char| self.chars.contains(&c);
        let wide = self.chars.iter().any(|c| !c.is_ascii());
        let astral = self.chars.iter().any(|c| u32::from(*c) > 0xFFFF);
        let hex = |h: &[u8]| {
            std::str::from_utf8(h)
                .ok()
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
        };
        let b = text.as_bytes();
        let relevant = (0..b.len()).any(|i| match b[i] {
            b'+' => has(' '),
            b'%' => b.get(i + 1..i + 3).and_then(hex).is_some_and(|v| {
                char::from_u32(v).is_some_and(|c| if c.is_ascii() { has(c) } else { wide })
            }),
            b'\\' => match b.get(i + 1) {
                Some(b'/') => has('/'),
                Some(b'"') => has('"'),
                Some(b'\\') => has('\\'),
                Some(b'u') => b.get(i + 2..i + 6).and_then(hex).is_some_and(|v| {
                    char::from_u32(v).map_or(astral, |c| if c.is_ascii() { has(c) } else { wide })
                }),
                _ => false,
            },
            _ => false,
        });
        !relevant
            && !self
                .secrets
                .iter()
                .any(|s| s.searchable() && text.contains(s.0.as_str()))
    }

    fn rebuild(&mut self) {
        let mut searched: Vec<&Secret> = self.secrets.iter().filter(|s| s.searchable()).collect();
        self.chars = searched.iter().flat_map(|s| s.0.chars()).collect();
        searched.sort_by_key(|s| std::cmp::Reverse(s.0.len()));
        self.pattern = if searched.is_empty() {
            None
        } else {
            let alternation = searched
                .iter()
                .map(|s| secret_pattern(&s.0))
                .collect::<Vec<_>>()
                .join("|");
            // The pattern is built from escaped pieces only, so it always compiles; should it
            // not, every scrub withholds its text rather than risk printing a secret.
            regex_lite::Regex::new(&alternation).ok()
        };
    }
}

/// Every secret of one run, so any artefact can be scrubbed of all of them at once, in every
/// encoding. Clones share one list, so a secret learned mid-run (an OAuth access token) is
/// scrubbed everywhere.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    known: Arc<RwLock<Known>>,
}

impl Redactor {
    /// A redactor for these secrets.
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let r = Redactor::default();
        r.add_all(secrets);
        r
    }

    /// Adds one more secret (e.g. an OAuth access token obtained mid-run), for every clone.
    pub fn add(&self, secret: Secret) {
        self.add_all([secret]);
    }

    /// Adds a client secret with the Basic credential forms it travels in ([`basic_forms`]).
    pub fn add_client_secret(&self, client_id: &str, secret: &Secret) {
        self.add_all(
            std::iter::once(secret.clone()).chain(basic_forms(client_id, secret.expose())),
        );
    }

    /// Adds secrets the redactor does not know yet; the pattern is rebuilt once.
    fn add_all(&self, secrets: impl IntoIterator<Item = Secret>) {
        if let Ok(mut known) = self.known.write() {
            let before = known.secrets.len();
            for s in secrets {
                if !known.secrets.contains(&s) {
                    known.secrets.push(s);
                }
            }
            if known.secrets.len() > before {
                known.rebuild();
            }
        }
    }

    /// The known secrets that read like ordinary words ([`Secret::ordinary`]), how many.
    pub fn ordinary_words(&self) -> usize {
        self.known
            .read()
            .map(|k| k.secrets.iter().filter(|s| s.ordinary()).count())
            .unwrap_or(0)
    }

    /// `text` with every known secret, in any encoding, replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        match self.known.read() {
            Ok(known) => match (&known.pattern, known.secrets.iter().any(Secret::searchable)) {
                (Some(_), _) if known.verbatim_absent(text) => text.to_string(),
                (Some(re), _) => re.replace_all(text, MASK).into_owned(),
                (None, false) => text.to_string(),
                (None, true) => "(output withheld: the secret pattern did not build)".to_string(),
            },
            // A poisoned lock: refuse to risk printing a secret.
            Err(_) => "(output withheld: secret list unavailable)".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("canary-token-123");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert!(!format!("{:?}", Some(&s)).contains("canary"));
    }

    #[test]
    fn common_words_are_not_searched_for() {
        let r = Redactor::new([Secret::new("Users"), Secret::new("wrong")]);
        assert_eq!(
            r.scrub("GET Users auth::wrong-token-refused"),
            "GET Users auth::wrong-token-refused"
        );
        assert!(Secret::new("Resources").ordinary());
        assert!(!Secret::new("Resources1").ordinary());
        assert_eq!(
            Redactor::new([Secret::new("Resources")]).ordinary_words(),
            1
        );
    }

    #[test]
    fn redact_replaces_every_occurrence() {
        let r = Redactor::new([Secret::new("abcd1234")]);
        assert_eq!(
            r.scrub("Bearer abcd1234 and abcd1234"),
            "Bearer *** and ***"
        );
    }

    #[test]
    fn every_encoding_is_redacted() {
        let r = Redactor::new([Secret::new("a+b/c=d e\"f")]);
        for echoed in [
            "a+b/c=d e\"f",
            "a%2Bb%2Fc%3Dd%20e%22f",
            "a%2bb%2fc%3dd+e%22f",
            r#"a\u002Bb\/c\u003dd e\"f"#,
            r#"a\u002bb\u002Fc=d\u0020e\u0022f"#,
        ] {
            assert_eq!(r.scrub(&format!("<{echoed}>")), "<***>", "{echoed}");
        }
    }

    #[test]
    fn basic_credentials_are_redacted() {
        let r = Redactor::default();
        r.add_client_secret("client", &Secret::new("s3cr3t+/value"));
        let basic = base64::engine::general_purpose::STANDARD.encode("client:s3cr3t+/value");
        let form = base64::engine::general_purpose::STANDARD.encode("client:s3cr3t%2B%2Fvalue");
        for echoed in [basic.clone(), form, form_encode(&basic)] {
            assert!(!r.scrub(&echoed).contains(&echoed[..8]), "{echoed}");
        }
    }

    /// Every way the property test echoes a secret.
    fn encodings(secret: &str) -> Vec<String> {
        let quoted = serde_json::to_string(secret).unwrap_or_default();
        let json = quoted[1..quoted.len() - 1].to_string();
        let ascii_json: String = secret
            .encode_utf16()
            .map(|u| format!("\\u{u:04x}"))
            .collect();
        let upper =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        // The same with lower-case hex digits (only those after a `%`).
        let mut lower = String::new();
        let mut hex_left = 0;
        for c in upper.chars() {
            if c == '%' {
                hex_left = 2;
                lower.push(c);
            } else if hex_left > 0 {
                hex_left -= 1;
                lower.push(c.to_ascii_lowercase());
            } else {
                lower.push(c);
            }
        }
        vec![
            secret.to_string(),
            form_encode(secret),
            upper,
            lower,
            json,
            ascii_json,
        ]
    }

    proptest! {
        #[test]
        fn no_secret_survives_in_any_encoding(
            secret in "[ -~]{8,24}",
            before in "[a-z {}\":,]{0,20}",
            after in "[a-z {}\":,]{0,20}",
        ) {
            let r = Redactor::new([Secret::new(secret.clone())]);
            for echoed in encodings(&secret) {
                let text = format!("{before}{echoed}{after}");
                let scrubbed = r.scrub(&text);
                prop_assert!(!scrubbed.contains(&echoed), "{echoed:?} survived in {scrubbed:?}");
                let body = serde_json::json!({"detail": text, "echo": [echoed]}).to_string();
                let scrubbed = r.scrub(&body);
                for form in encodings(&secret) {
                    prop_assert!(!scrubbed.contains(&form), "{form:?} survived in {scrubbed:?}");
                }
            }
        }

        /// The shortcut that skips the pattern never skips a text the pattern would change.
        #[test]
        fn the_shortcut_agrees_with_the_pattern(
            secret in "[ -~é😀]{8,16}",
            pieces in proptest::collection::vec(
                prop_oneof![
                    "[ -~]{0,6}",
                    "%[0-9a-fA-F]{2}",
                    "\\\\u[0-9a-fA-F]{4}",
                    "\\\\[/\"\\\\u]",
                    Just("+".to_string()),
                ],
                0..12,
            ),
            at in 0usize..12,
        ) {
            let mut pieces = pieces;
            let forms = encodings(&secret);
            pieces.insert(at.min(pieces.len()), forms[at % forms.len()].clone());
            for text in [pieces.concat(), pieces[..pieces.len() - 1].concat()] {
                let r = Redactor::new([Secret::new(secret.clone())]);
                let known = r.known.read().unwrap();
                let re = known.pattern.as_ref().unwrap();
                if known.verbatim_absent(&text) {
                    prop_assert_eq!(re.replace_all(&text, MASK), text.as_str());
                }
            }
        }
    }
}
