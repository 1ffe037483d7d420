//! Timestamps, booleans and "no value" sentinels as exports write them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Words exports use for "no value": never a date, never `false`.
const SENTINELS: &[&str] = &["", "n/a", "no_information", "not_supported", "null", "none"];

/// True when `s` is one of the sentinel spellings of "no value" (case-insensitive).
pub fn is_sentinel(s: &str) -> bool {
    let t = s.trim();
    SENTINELS.iter().any(|w| t.eq_ignore_ascii_case(w))
}

/// Parse a timestamp with any UTC offset (`Z`, `+00:00`, `-08:00`, with or without fractions)
/// into UTC; sentinels give `Ok(None)`. The error text says what was expected.
pub fn parse_timestamp(s: &str) -> Result<Option<DateTime<Utc>>, String> {
    let t = s.trim();
    if is_sentinel(t) {
        return Ok(None);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(Some(dt.with_timezone(&Utc)));
    }
    // Some tools drop the 'T' or the offset; a bare date or date-time is taken as UTC.
    if let Ok(dt) = DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Ok(Some(dt.with_timezone(&Utc)));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(Some(n.and_utc()));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map(|n| n.and_utc()));
    }
    Err(format!(
        "'{t}' is not a timestamp (expected RFC 3339 such as 2026-01-02T03:04:05+00:00, or N/A)"
    ))
}

/// Parse a boolean case-insensitively (`true`, `TRUE`, `False`); sentinels give `Ok(None)`.
pub fn parse_bool(s: &str) -> Result<Option<bool>, String> {
    let t = s.trim();
    if is_sentinel(t) {
        return Ok(None);
    }
    if t.eq_ignore_ascii_case("true") {
        Ok(Some(true))
    } else if t.eq_ignore_ascii_case("false") {
        Ok(Some(false))
    } else {
        Err(format!("'{t}' is not a boolean (expected true or false)"))
    }
}

/// Format a UTC time the one way this project prints and stores it: RFC 3339, seconds, `Z`.
pub fn format_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> String {
        format_utc(parse_timestamp(s).expect("parses").expect("has a value"))
    }

    #[test]
    fn offsets_and_fractions_become_utc() {
        assert_eq!(ts("2026-03-04T05:06:07+00:00"), "2026-03-04T05:06:07Z");
        assert_eq!(ts("2031-03-04T05:06:07.000-08:00"), "2031-03-04T13:06:07Z");
        assert_eq!(ts("2026-03-04T05:06:07.123456Z"), "2026-03-04T05:06:07Z");
        assert_eq!(ts("2026-03-04"), "2026-03-04T00:00:00Z");
    }

    #[test]
    fn sentinels_are_none_in_any_case() {
        for s in [
            "N/A",
            "n/a",
            "no_information",
            "not_supported",
            "",
            "  ",
            "null",
        ] {
            assert_eq!(parse_timestamp(s), Ok(None), "{s:?}");
            assert_eq!(parse_bool(s), Ok(None), "{s:?}");
        }
    }

    #[test]
    fn bad_values_say_what_was_expected() {
        let e = parse_timestamp("2026-13-45T00:00:00Z").expect_err("month 13");
        assert!(
            e.contains("'2026-13-45T00:00:00Z'") && e.contains("RFC 3339"),
            "{e}"
        );
        assert!(
            parse_bool("yes")
                .expect_err("not a bool")
                .contains("true or false")
        );
    }

    #[test]
    fn booleans_ignore_case() {
        assert_eq!(parse_bool("TRUE"), Ok(Some(true)));
        assert_eq!(parse_bool("False"), Ok(Some(false)));
    }
}
