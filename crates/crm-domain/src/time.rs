//! UTC instants as the API and the store spell them (RFC 3339, second precision, `Z`).

/// An instant as a reader in a time zone sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTime {
    /// The local day, `YYYY-MM-DD`.
    pub date: String,
    /// The local minute, `HH:MM`.
    pub minute: String,
    /// The zone's offset from UTC at that instant: `UTC+8`, `UTC-3:30`, `UTC`.
    pub offset: String,
}

/// `instant` (RFC 3339) in the IANA time zone `zone`, daylight saving time included; `None`
/// if either cannot be read.
pub fn local_time(instant: &str, zone: &str) -> Option<LocalTime> {
    let timestamp: jiff::Timestamp = instant.trim().parse().ok()?;
    let zoned = timestamp.to_zoned(jiff::tz::TimeZone::get(zone).ok()?);
    let seconds = zoned.offset().seconds();
    let (sign, abs) = if seconds < 0 {
        ('-', -seconds)
    } else {
        ('+', seconds)
    };
    let offset = match (abs / 3600, abs % 3600 / 60) {
        (0, 0) => "UTC".to_owned(),
        (hours, 0) => format!("UTC{sign}{hours}"),
        (hours, minutes) => format!("UTC{sign}{hours}:{minutes:02}"),
    };
    Some(LocalTime {
        date: zoned.strftime("%Y-%m-%d").to_string(),
        minute: zoned.strftime("%H:%M").to_string(),
        offset,
    })
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339_utc(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let secs_of_day = unix_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60
    )
}

/// Converts days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Converts a proleptic Gregorian date to days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses an instant as the API accepts it: RFC 3339 (`2026-11-23T09:30:00Z`, `…+08:00`,
/// fractional seconds ignored) or a bare date (`2026-11-23`, meaning 00:00 UTC). Returns seconds
/// since the Unix epoch.
pub fn parse_instant(field: &'static str, text: &str) -> Result<i64, crate::FieldError> {
    let invalid = || {
        crate::FieldError::new(
            field,
            "must be a date like 2026-11-23 or a time like 2026-11-23T09:30:00+08:00",
        )
    };
    let text = text.trim();
    let number = |range: std::ops::Range<usize>| -> Result<u32, crate::FieldError> {
        let part = text.get(range).ok_or_else(invalid)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().map_err(|_| invalid())
        } else {
            Err(invalid())
        }
    };
    if text.len() < 10 || text.as_bytes()[4] != b'-' || text.as_bytes()[7] != b'-' {
        return Err(invalid());
    }
    let (year, month, day) = (i64::from(number(0..4)?), number(5..7)?, number(8..10)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(invalid());
    }
    let date = days_from_civil(year, month, day) * 86_400;
    if text.len() == 10 {
        return Ok(date);
    }
    let bytes = text.as_bytes();
    if text.len() < 20
        || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return Err(invalid());
    }
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if hour > 23 || minute > 59 || second > 59 {
        return Err(invalid());
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid());
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return Err(invalid()),
            };
            let hours: i64 = rest[1..3].parse().map_err(|_| invalid())?;
            let minutes: i64 = rest[4..6].parse().map_err(|_| invalid())?;
            if hours > 23 || minutes > 59 {
                return Err(invalid());
            }
            sign * (hours * 3600 + minutes * 60)
        }
        _ => return Err(invalid()),
    };
    Ok(date + i64::from(hour * 3600 + minute * 60 + second) - offset)
}

/// A day as the API spells it, `YYYY-MM-DD`.
pub fn parse_day(field: &'static str, text: &str) -> Result<String, crate::FieldError> {
    let day = text.trim();
    if day.len() == 10 {
        parse_instant(field, day).map(|_| day.to_owned())
    } else {
        Err(crate::FieldError::new(
            field,
            "must be a date like 2026-11-23",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(instant: &str, zone: &str) -> (String, String, String) {
        let t = local_time(instant, zone).unwrap_or_else(|| panic!("{instant} in {zone}"));
        (t.date, t.minute, t.offset)
    }

    #[test]
    fn instants_read_in_the_deployments_zone_with_its_offset() {
        let owned = |d: &str, m: &str, o: &str| (d.to_owned(), m.to_owned(), o.to_owned());
        assert_eq!(
            local("2026-11-23T01:00:00Z", "Asia/Shanghai"),
            owned("2026-11-23", "09:00", "UTC+8")
        );
        // Past 16:00 UTC it is the next day in Shanghai.
        assert_eq!(
            local("2026-11-23T17:30:00Z", "Asia/Shanghai"),
            owned("2026-11-24", "01:30", "UTC+8")
        );
        assert_eq!(
            local("2026-07-01T12:00:00Z", "UTC"),
            owned("2026-07-01", "12:00", "UTC")
        );
        // Half-hour offsets, and daylight saving time on either side of the change.
        assert_eq!(
            local("2026-01-15T12:00:00Z", "America/St_Johns"),
            owned("2026-01-15", "08:30", "UTC-3:30")
        );
        assert_eq!(
            local("2026-03-28T12:00:00Z", "Europe/Berlin"),
            owned("2026-03-28", "13:00", "UTC+1")
        );
        assert_eq!(
            local("2026-03-30T12:00:00Z", "Europe/Berlin"),
            owned("2026-03-30", "14:00", "UTC+2")
        );
        assert_eq!(local_time("yesterday", "Asia/Shanghai"), None);
        assert_eq!(local_time("2026-11-23T01:00:00Z", "Mars/Olympus"), None);
    }

    #[test]
    fn parses_what_it_formats_and_common_offsets() {
        for secs in [0, 951_782_400, 1_795_435_199, -1, 4_102_444_800] {
            assert_eq!(parse_instant("at", &rfc3339_utc(secs)), Ok(secs));
        }
        assert_eq!(parse_instant("at", "2026-11-23"), Ok(1_795_392_000));
        assert_eq!(
            parse_instant("at", "2026-11-23T19:59:59+08:00"),
            Ok(1_795_435_199)
        );
        assert_eq!(
            parse_instant("at", "2026-11-23T11:59:59.250Z"),
            Ok(1_795_435_199)
        );
    }

    #[test]
    fn rejects_what_is_not_an_instant() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-29",
            "2026-11-23T24:00:00Z",
            "2026-11-23T10:00:00",
            "2026-11-23T10:00:00+0800",
            "2026-11-23T10:00Z",
            "２０２６-11-23",
        ] {
            assert_eq!(
                parse_instant("at", bad).map_err(|e| e.field),
                Err("at"),
                "{bad}"
            );
        }
        assert!(parse_instant("at", "2024-02-29").is_ok());
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_795_435_199), "2026-11-23T11:59:59Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn consecutive_days_never_repeat_or_skip() {
        let mut previous = rfc3339_utc(0);
        for day in 1..(200 * 366) {
            let next = rfc3339_utc(day * 86_400);
            assert!(next > previous, "{next} should follow {previous}");
            previous = next;
        }
    }
}
