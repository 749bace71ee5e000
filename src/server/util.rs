//! Shared helpers: RFC 3339 timestamps, case-insensitive JSON access and value coercion.

use serde_json::{Map, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// Formats a point in time as an RFC 3339 UTC timestamp with milliseconds, e.g. `2024-02-29T12:00:00.000Z`.
pub fn format_rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// The current time as an RFC 3339 UTC timestamp.
pub fn now_rfc3339() -> String {
    format_rfc3339(SystemTime::now())
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar (H. Hinnant).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Looks up `key` in `map`, exactly first and then ASCII-case-insensitively.
pub fn get_ci<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The key actually stored in `map` that matches `key` case-insensitively, if any.
pub fn key_ci(map: &Map<String, Value>, key: &str) -> Option<String> {
    if map.contains_key(key) {
        return Some(key.to_string());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
}

/// Removes `key` (case-insensitively) from `map`, keeping the order of the other keys.
pub fn remove_ci(map: &mut Map<String, Value>, key: &str) -> Option<Value> {
    let k = key_ci(map, key)?;
    map.shift_remove(&k)
}

/// Parses `"true"` / `"false"` in any letter case.
pub fn parse_bool_str(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Attribute names this server knows, in their canonical spelling.
const KNOWN_NAMES: &[&str] = &[
    "id",
    "externalId",
    "userName",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "name",
    "formatted",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "members",
    "value",
    "display",
    "type",
    "primary",
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "manager",
];

/// The canonical spelling of a known attribute name, or the name as given.
pub fn canonical_name(name: &str) -> String {
    KNOWN_NAMES
        .iter()
        .find(|k| k.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_string(), |k| (*k).to_string())
}

/// Multi-valued User attributes whose items may carry a `primary` flag.
pub const MULTI_VALUED_WITH_PRIMARY: &[&str] = &[
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "entitlements",
    "roles",
    "x509Certificates",
];

/// Ensures `schemas` (an array of URNs) on `resource` contains `urn`, creating it if needed.
pub fn ensure_schema(resource: &mut Map<String, Value>, urn: &str, core: &str) {
    let key = key_ci(resource, "schemas").unwrap_or_else(|| "schemas".to_string());
    let entry = resource
        .entry(key)
        .or_insert_with(|| Value::Array(vec![Value::String(core.to_string())]));
    if !entry.is_array() {
        *entry = Value::Array(vec![Value::String(core.to_string())]);
    }
    if let Value::Array(items) = entry {
        let present = items
            .iter()
            .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)));
        if !present {
            items.push(Value::String(urn.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_known_instants() {
        let at = |s: u64, ms: u64| {
            format_rfc3339(UNIX_EPOCH + Duration::from_secs(s) + Duration::from_millis(ms))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(1_700_000_000, 0), "2023-11-14T22:13:20.000Z");
        assert_eq!(at(4_107_542_399, 999), "2100-02-28T23:59:59.999Z");
    }

    #[test]
    fn case_insensitive_access() {
        let mut m = serde_json::json!({"userName": "a", "Active": true})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(get_ci(&m, "USERNAME"), Some(&Value::from("a")));
        assert_eq!(key_ci(&m, "active").as_deref(), Some("Active"));
        assert_eq!(remove_ci(&mut m, "ACTIVE"), Some(Value::Bool(true)));
        assert_eq!(parse_bool_str("TRUE"), Some(true));
        assert_eq!(parse_bool_str("no"), None);
        assert_eq!(canonical_name("givenname"), "givenName");
        assert_eq!(canonical_name("custom"), "custom");
    }
}
