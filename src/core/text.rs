//! Small text helpers used wherever something outside the harness is shown to a reader.

/// Shortens text to about `max` bytes (on a char boundary), marking the cut.
pub fn trim(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… ({} bytes in all)",
        s.get(..end).unwrap_or_default(),
        s.len()
    )
}

/// `a string`, `an object`: the noun with its indefinite article.
pub fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_cuts_on_a_char_boundary() {
        assert_eq!(trim("abc", 10), "abc");
        assert_eq!(trim("ééé", 3), "é… (6 bytes in all)");
        assert_eq!(with_article("object"), "an object");
        assert_eq!(with_article("string"), "a string");
    }
}
