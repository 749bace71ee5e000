//! Small text helpers used wherever something outside the harness is shown to a reader.

use std::time::Duration;

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

/// A duration for people: `0.4 ms`, `12.3 ms`, `1.25 s`, `12m 3s`, `3h 30m`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 0.001 {
        format!("{:.2} ms", s * 1000.0)
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else if s < 60.0 {
        format!("{s:.2} s")
    } else if s < 3600.0 {
        format!("{}m {:02}s", d.as_secs() / 60, d.as_secs() % 60)
    } else {
        format!("{}h {:02}m", d.as_secs() / 3600, d.as_secs() / 60 % 60)
    }
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

    #[test]
    fn durations_read_well() {
        assert_eq!(human(Duration::from_micros(400)), "0.40 ms");
        assert_eq!(human(Duration::from_micros(12_300)), "12.3 ms");
        assert_eq!(human(Duration::from_millis(1250)), "1.25 s");
        assert_eq!(human(Duration::from_secs(723)), "12m 03s");
        assert_eq!(human(Duration::from_secs(3 * 3600 + 30 * 60)), "3h 30m");
    }
}
