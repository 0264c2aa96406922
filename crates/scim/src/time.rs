//! Timestamps as Lanyard stores them (microseconds since the Unix epoch, UTC)
//! and as SCIM shows them (RFC 3339 `dateTime`, RFC 7643 §2.3.5).

use chrono::{DateTime, SecondsFormat, Utc};

/// RFC 3339 in UTC with microseconds and `Z`, e.g.
/// `2026-11-23T10:00:00.123456Z`: the stored precision, so a filter on a
/// value a client was shown finds that very resource.
/// Instants outside chrono's range are clamped to its first or last instant.
pub fn format_micros(micros: i64) -> String {
    let mut out = Vec::with_capacity(27);
    push_micros(&mut out, micros);
    String::from_utf8(out).unwrap_or_default()
}

/// [`format_micros`] appended to `out` (without quotes).
pub fn push_micros(out: &mut Vec<u8>, micros: i64) {
    const MICROS_A_DAY: i64 = 86_400_000_000;
    let (year, month, day) = civil_from_days(micros.div_euclid(MICROS_A_DAY));
    let Ok(year @ 0..=9999) = u32::try_from(year) else {
        let at =
            DateTime::from_timestamp_micros(micros).unwrap_or(if micros < 0 { DateTime::<Utc>::MIN_UTC } else { DateTime::<Utc>::MAX_UTC });
        return push_rfc3339(out, at);
    };
    // chrono's formatter is general and slow, and so is asking it for each
    // field; every listed user shows three of these, so the common
    // four-digit years are worked out and written digit by digit.
    let of_day = micros.rem_euclid(MICROS_A_DAY);
    let seconds = (of_day / 1_000_000) as u32;
    let mut text = *b"0000-00-00T00:00:00.000000Z";
    put_digits(&mut text[0..4], year);
    put_digits(&mut text[5..7], month);
    put_digits(&mut text[8..10], day);
    put_digits(&mut text[11..13], seconds / 3600);
    put_digits(&mut text[14..16], seconds / 60 % 60);
    put_digits(&mut text[17..19], seconds % 60);
    put_digits(&mut text[20..26], (of_day % 1_000_000) as u32);
    out.extend_from_slice(&text);
}

/// The proleptic Gregorian (year, month, day) of a day counted from
/// 1970-01-01: Howard Hinnant's `civil_from_days`, in eras of 400 years.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468; // from 0000-03-01, so leap days end a year
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097); // [0, 146096]
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let shifted_month = (5 * day_of_year + 2) / 153; // [0, 11], March first
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u32;
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

fn push_rfc3339(out: &mut Vec<u8>, at: DateTime<Utc>) {
    out.extend_from_slice(at.to_rfc3339_opts(SecondsFormat::Micros, true).as_bytes());
}

/// `n`'s last decimal digits, right-aligned and zero-padded, into `slot`.
fn put_digits(slot: &mut [u8], mut n: u32) {
    for digit in slot.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
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

    proptest! {
        #[test]
        fn digit_by_digit_is_chronos_rfc3339(micros in any::<i64>(), near in -63_000_000_000_000_000_i64..300_000_000_000_000_000) {
            for micros in [micros, near] {
                let at = DateTime::from_timestamp_micros(micros)
                    .unwrap_or(if micros < 0 { DateTime::<Utc>::MIN_UTC } else { DateTime::<Utc>::MAX_UTC });
                prop_assert_eq!(format_micros(micros), at.to_rfc3339_opts(SecondsFormat::Micros, true));
            }
        }
    }

    #[test]
    fn four_digit_years_end_where_chrono_takes_over() {
        let cases = [
            (-62_167_219_200_000_001, "-0001-12-31T23:59:59.999999Z"),
            (-62_167_219_200_000_000, "0000-01-01T00:00:00.000000Z"),
            (-62_162_035_200_000_000, "0000-03-01T00:00:00.000000Z"),
            (951_782_400_000_000, "2000-02-29T00:00:00.000000Z"),
            (253_402_300_799_999_999, "9999-12-31T23:59:59.999999Z"),
            (253_402_300_800_000_000, "+10000-01-01T00:00:00.000000Z"),
        ];
        for (micros, text) in cases {
            assert_eq!(format_micros(micros), text);
        }
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
