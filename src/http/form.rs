//! Form encoding as Entra does it (`application/x-www-form-urlencoded`): for query strings and
//! OAuth token requests.

/// Encodes a query key or value: a space is `+`, `"` is `%22` and a literal `+` is `%2B`.
pub fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_encoded_like_entra() {
        assert_eq!(
            form_encode(r#"userName eq "7d420df3-9995-4831-a406-ecf8166f5f6a""#),
            "userName+eq+%227d420df3-9995-4831-a406-ecf8166f5f6a%22"
        );
        assert_eq!(form_encode("a+b o'c@x"), "a%2Bb+o%27c%40x");
    }
}
