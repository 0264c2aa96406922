//! Timestamps as Lanyard stores them (microseconds since the Unix epoch, UTC)
//! and as SCIM shows them (RFC 3339 `dateTime`, RFC 7643 §2.3.5).

use chrono::{DateTime, SecondsFormat, Utc};

/// RFC 3339 in UTC with microseconds and `Z`, e.g.
/// `2026-11-23T10:00:00.123456Z`: the stored precision, so a filter on a
/// value a client was shown finds that very resource.
/// Instants outside chrono's range are clamped to its first or last instant.
pub fn format_micros(micros: i64) -> String {
    let at =
        DateTime::from_timestamp_micros(micros).unwrap_or(if micros < 0 { DateTime::<Utc>::MIN_UTC } else { DateTime::<Utc>::MAX_UTC });
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An RFC 3339 date-time with any offset, as microseconds since the epoch.
/// `None` when it does not parse or does not fit.
pub fn parse_datetime_micros(s: &str) -> Option<i64> {
    let at = DateTime::parse_from_rfc3339(s.trim()).ok()?;
    // `timestamp_micros` cannot overflow for chrono's range (±262 143 years).
    Some(at.timestamp_micros())
}

pub fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_with_microseconds_and_z() {
        assert_eq!(format_micros(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(format_micros(1_795_428_000_123_456), "2026-11-23T10:00:00.123456Z");
        assert_eq!(format_micros(-1), "1969-12-31T23:59:59.999999Z");
    }

    #[test]
    fn extreme_instants_do_not_panic() {
        assert!(format_micros(i64::MAX).starts_with('+'));
        assert!(format_micros(i64::MIN).starts_with('-'));
    }

    #[test]
    fn parses_offsets_and_fractions() {
        assert_eq!(parse_datetime_micros("2026-11-23T10:00:00.123Z"), Some(1_795_428_000_123_000));
        assert_eq!(parse_datetime_micros("2026-11-23T11:00:00+01:00"), Some(1_795_428_000_000_000));
        assert_eq!(parse_datetime_micros("2010-01-23T04:56:22Z"), Some(1_264_222_582_000_000));
        assert_eq!(parse_datetime_micros("2026-11-23T10:00:00.000001Z"), Some(1_795_428_000_000_001));
    }

    #[test]
    fn rejects_what_is_not_rfc3339() {
        for s in ["", "yesterday", "2026-11-23", "2026-11-23T10:00:00", "2026-13-01T00:00:00Z", "1795428000"] {
            assert_eq!(parse_datetime_micros(s), None, "{s:?}");
        }
    }

    #[test]
    fn now_is_after_2025() {
        assert!(now_micros() > 1_735_689_600_000_000);
    }

    proptest! {
        #[test]
        fn format_then_parse_keeps_the_microsecond(micros in -10_000_000_000_000_000i64..10_000_000_000_000_000i64) {
            prop_assert_eq!(parse_datetime_micros(&format_micros(micros)), Some(micros));
        }

        #[test]
        fn parse_never_panics(s in ".{0,40}") {
            let _ = parse_datetime_micros(&s);
        }
    }
}
