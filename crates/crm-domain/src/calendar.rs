//! Business calendars: the working hours an SLA clock counts, in one time zone.
//!
//! Hours are civil times ("09:00–18:00 in Asia/Shanghai") because that is how a service desk
//! states them; clocks count real instants. A calendar therefore turns each working interval of
//! a date into two instants through its time zone, so a day on which the clocks change counts
//! the hours that really passed. The time zone database is bundled into the binary (`jiff`'s
//! `tzdb-bundle-always`): the components run in wasm32-wasip2, which has no
//! `/usr/share/zoneinfo`.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::FieldError;

/// Minutes in a civil day; `24:00` ends the last interval of a day.
pub const MINUTES_PER_DAY: u16 = 24 * 60;

/// The most holidays one calendar keeps (about three years of public holidays and closures,
/// with room to spare); the bound keeps a calendar row small.
pub const MAX_HOLIDAYS: usize = 1000;

/// The days of [`Calendar::week`], Monday first, as messages name them.
pub const DAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The earliest instant the clocks work with (0001-01-01T00:00:00Z); earlier ones are clamped.
/// Far inside `jiff`'s range, so that converting a date never fails for any offset.
pub(crate) const MIN_INSTANT: i64 = -62_135_596_800;

/// The latest instant the clocks work with (9999-01-01T00:00:00Z); later ones are clamped.
pub(crate) const MAX_INSTANT: i64 = 253_370_764_800;

/// Working time within one civil day: minutes since local midnight, `start_minute` <
/// `end_minute` <= 1440 (`24:00`, which is the next day's 00:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    /// Where working time begins, minutes since local midnight.
    pub start_minute: u16,
    /// Where it ends (exclusive), minutes since local midnight; 1440 means midnight at the end
    /// of the day.
    pub end_minute: u16,
}

impl Interval {
    /// The interval as people write it, e.g. `09:00–12:00` (with an en dash).
    pub fn label(&self) -> String {
        format!(
            "{}–{}",
            format_minute(self.start_minute),
            format_minute(self.end_minute)
        )
    }
}

/// Formats minutes since midnight as `HH:MM` (1440 is `24:00`).
pub fn format_minute(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Parses `HH:MM` from `00:00` to `24:00` into minutes since midnight. Exactly two digits on each
/// side, so `9:00` or `09:00:00` are refused rather than guessed at.
pub fn parse_minute(text: &str) -> Option<u16> {
    let bytes = text.as_bytes();
    if bytes.len() != 5
        || bytes[2] != b':'
        || !bytes[..2].iter().chain(&bytes[3..]).all(u8::is_ascii_digit)
    {
        return None;
    }
    let two = |at: usize| u16::from(bytes[at] - b'0') * 10 + u16::from(bytes[at + 1] - b'0');
    let (hours, minutes) = (two(0), two(3));
    if minutes > 59 {
        return None;
    }
    let total = hours * 60 + minutes;
    (total <= MINUTES_PER_DAY).then_some(total)
}

/// When a service desk works: a time zone, the hours of each weekday and the holidays.
///
/// Only [`Calendar::new`] and [`Calendar::parse`] build one, so every calendar is valid: a known
/// time zone, intervals sorted and disjoint within each day, and at least one working interval
/// in the week.
#[derive(Debug, Clone)]
pub struct Calendar {
    time_zone_name: String,
    tz: TimeZone,
    week: [Vec<Interval>; 7],
    holidays: BTreeSet<Date>,
}

impl Calendar {
    /// Builds a calendar from typed parts. `week` is Monday first; each day's intervals may come
    /// in any order and are kept sorted by start. Intervals of a day may touch (`09:00–12:00`,
    /// `12:00–13:00`) but not overlap. Errors name the field: `time_zone` (not an IANA name the
    /// bundled database knows), `week` (a bad interval, overlap, or no hours at all), `holidays`
    /// (more than [`MAX_HOLIDAYS`]).
    pub fn new(
        time_zone: &str,
        week: [Vec<Interval>; 7],
        holidays: Vec<Date>,
    ) -> Result<Calendar, FieldError> {
        let (time_zone_name, tz) = lookup_zone(time_zone)?;
        Self::assemble(time_zone_name, tz, week, holidays)
    }

    /// Parses a calendar as the API sends it: an IANA time zone name, 7 days (Monday first) of
    /// `("HH:MM", "HH:MM")` intervals, and holidays as `YYYY-MM-DD`. `24:00` may end an interval
    /// but not start one. Same rules and error fields as [`Calendar::new`], plus `holidays` for a
    /// date that is not a real `YYYY-MM-DD` date.
    pub fn parse(
        time_zone: &str,
        week: &[Vec<(String, String)>],
        holidays: &[String],
    ) -> Result<Calendar, FieldError> {
        let (time_zone_name, tz) = lookup_zone(time_zone)?;
        if week.len() != 7 {
            return Err(FieldError::new(
                "week",
                format!("must list 7 days, Monday first; got {}", week.len()),
            ));
        }
        let mut typed: [Vec<Interval>; 7] = Default::default();
        for (day, (raw, out)) in week.iter().zip(typed.iter_mut()).enumerate() {
            for (start, end) in raw {
                let minute = |text: &str| {
                    parse_minute(text.trim()).ok_or_else(|| {
                        FieldError::new(
                            "week",
                            format!(
                                "{} has `{text}`, which is not a time from 00:00 to 24:00",
                                DAY_NAMES[day]
                            ),
                        )
                    })
                };
                out.push(Interval {
                    start_minute: minute(start.as_str())?,
                    end_minute: minute(end.as_str())?,
                });
            }
        }
        if holidays.len() > MAX_HOLIDAYS {
            return Err(too_many_holidays());
        }
        let holidays = holidays
            .iter()
            .map(|text| parse_date(text))
            .collect::<Result<Vec<_>, _>>()?;
        Self::assemble(time_zone_name, tz, typed, holidays)
    }

    fn assemble(
        time_zone_name: String,
        tz: TimeZone,
        mut week: [Vec<Interval>; 7],
        holidays: Vec<Date>,
    ) -> Result<Calendar, FieldError> {
        for (day, intervals) in week.iter_mut().enumerate() {
            check_day(DAY_NAMES[day], intervals)?;
        }
        if week.iter().all(Vec::is_empty) {
            return Err(FieldError::new("week", "has no working hours"));
        }
        if holidays.len() > MAX_HOLIDAYS {
            return Err(too_many_holidays());
        }
        Ok(Calendar {
            time_zone_name,
            tz,
            week,
            holidays: holidays.into_iter().collect(),
        })
    }

    /// The IANA name of the time zone, as the database spells it (`asia/shanghai` given is
    /// `Asia/Shanghai` here).
    pub fn time_zone(&self) -> &str {
        &self.time_zone_name
    }

    /// The time zone itself, for callers that show instants in the desk's local time.
    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    /// The working intervals of each weekday, Monday first, each day sorted by start.
    pub fn week(&self) -> &[Vec<Interval>; 7] {
        &self.week
    }

    /// The holidays, in date order, without duplicates.
    pub fn holidays(&self) -> impl Iterator<Item = Date> + '_ {
        self.holidays.iter().copied()
    }

    /// Whether no time counts on this local date, whatever its weekday.
    pub fn is_holiday(&self, date: Date) -> bool {
        self.holidays.contains(&date)
    }

    /// The working intervals of a local date: none on a holiday, else its weekday's.
    pub fn hours_on(&self, date: Date) -> &[Interval] {
        if self.is_holiday(date) {
            &[]
        } else {
            self.week[date.weekday().to_monday_zero_offset() as usize].as_slice()
        }
    }

    /// The local date of an instant (clamped to years 1–9998).
    pub(crate) fn local_date(&self, at: i64) -> Option<Date> {
        let timestamp = Timestamp::from_second(at.clamp(MIN_INSTANT, MAX_INSTANT)).ok()?;
        Some(self.tz.to_datetime(timestamp).date())
    }

    /// The instant of `minute` on local `date` (1440 is the next day's 00:00). A time in a
    /// spring-forward gap maps to the later instant, one in a fall-back fold to the earlier
    /// (`jiff`'s "compatible" disambiguation, as RFC 5545 does).
    pub(crate) fn instant(&self, date: Date, minute: u16) -> Option<i64> {
        let civil = if minute >= MINUTES_PER_DAY {
            date.tomorrow().ok()?.at(0, 0, 0, 0)
        } else {
            date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0)
        };
        let timestamp = self.tz.to_ambiguous_timestamp(civil).compatible().ok()?;
        Some(timestamp.as_second())
    }

    /// Replaces `out` with the working time of local `date` as `[start, end)` instants, in
    /// order and disjoint. `floor` carries the end of the previous segment from day to day: no
    /// segment starts before it. Civil-to-instant conversion is not monotonic around a DST gap
    /// (02:59 in a gap maps past 03:00), so without the floor an interval bounded inside a gap
    /// could overlap its neighbour and count the same seconds twice. Away from DST edges the
    /// floor never changes anything.
    pub(crate) fn segments_on(&self, date: Date, floor: &mut i64, out: &mut Vec<(i64, i64)>) {
        out.clear();
        for interval in self.hours_on(date) {
            let (Some(start), Some(end)) = (
                self.instant(date, interval.start_minute),
                self.instant(date, interval.end_minute),
            ) else {
                continue;
            };
            let start = start.max(*floor);
            let end = end.max(start);
            *floor = end;
            if end > start {
                out.push((start, end));
            }
        }
    }
}

/// Looks up an IANA time zone in the bundled database; returns its canonical name too.
fn lookup_zone(time_zone: &str) -> Result<(String, TimeZone), FieldError> {
    let name = time_zone.trim();
    let unknown = || {
        FieldError::new(
            "time_zone",
            format!("unknown time zone `{name}`; give an IANA name such as Asia/Shanghai"),
        )
    };
    if name.is_empty() {
        return Err(unknown());
    }
    let tz = TimeZone::get(name).map_err(|_| unknown())?;
    // `Etc/Unknown` resolves to jiff's "unknown" zone, which has no IANA name: not a real zone.
    let canonical = tz.iana_name().ok_or_else(unknown)?.to_owned();
    Ok((canonical, tz))
}

/// Checks one day's intervals and sorts them by start.
fn check_day(day: &str, intervals: &mut [Interval]) -> Result<(), FieldError> {
    for interval in intervals.iter() {
        let label = interval.label();
        if interval.start_minute > MINUTES_PER_DAY || interval.end_minute > MINUTES_PER_DAY {
            return Err(FieldError::new(
                "week",
                format!("{day} {label} goes past 24:00"),
            ));
        }
        if interval.start_minute == MINUTES_PER_DAY {
            return Err(FieldError::new(
                "week",
                format!("{day} {label} starts at 24:00, which may only end an interval"),
            ));
        }
        if interval.end_minute < interval.start_minute {
            return Err(FieldError::new(
                "week",
                format!("{day} {label} ends before it starts"),
            ));
        }
        if interval.end_minute == interval.start_minute {
            return Err(FieldError::new("week", format!("{day} {label} is empty")));
        }
    }
    intervals.sort_unstable();
    for pair in intervals.windows(2) {
        if pair[1].start_minute < pair[0].end_minute {
            return Err(FieldError::new(
                "week",
                format!("{day} {} overlaps {}", pair[0].label(), pair[1].label()),
            ));
        }
    }
    Ok(())
}

/// A holiday as `YYYY-MM-DD`, and nothing else jiff would also accept (such as `20261001`).
fn parse_date(text: &str) -> Result<Date, FieldError> {
    let text = text.trim();
    text.parse::<Date>()
        .ok()
        .filter(|date| date.to_string() == text)
        .ok_or_else(|| {
            FieldError::new(
                "holidays",
                format!("`{text}` is not a date like 2026-10-01"),
            )
        })
}

fn too_many_holidays() -> FieldError {
    FieldError::new(
        "holidays",
        format!("must list at most {MAX_HOLIDAYS} dates"),
    )
}

/// Instants and calendars shared by the tests of the clock modules.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Calendar, Interval};

    /// The instant of a local wall time in `tz` (compatible disambiguation).
    pub fn at(tz: &str, year: i16, month: i8, day: i8, hour: i8, minute: i8) -> i64 {
        let zone = jiff::tz::TimeZone::get(tz).expect("known zone");
        let civil = jiff::civil::date(year, month, day).at(hour, minute, 0, 0);
        zone.to_ambiguous_timestamp(civil)
            .compatible()
            .expect("in range")
            .as_second()
    }

    /// A Shanghai wall time.
    pub fn sh(month: i8, day: i8, hour: i8, minute: i8) -> i64 {
        at("Asia/Shanghai", 2026, month, day, hour, minute)
    }

    fn interval(start_hour: u16, end_hour: u16) -> Interval {
        Interval {
            start_minute: start_hour * 60,
            end_minute: end_hour * 60,
        }
    }

    /// Monday to Friday 09:00–12:00 and 13:00–18:00 in Shanghai, with these holidays.
    pub fn office(holidays: &[&str]) -> Calendar {
        let day = || vec![interval(9, 12), interval(13, 18)];
        let week = [day(), day(), day(), day(), day(), Vec::new(), Vec::new()];
        let holidays = holidays
            .iter()
            .map(|h| h.parse::<jiff::civil::Date>().expect("a date"))
            .collect();
        Calendar::new("Asia/Shanghai", week, holidays).expect("a valid calendar")
    }

    /// Berlin, open only on Sundays 01:00–04:00: the hours that span both DST changes of 2026.
    pub fn berlin_sunday_nights() -> Calendar {
        let mut week: [Vec<Interval>; 7] = Default::default();
        week[6] = vec![interval(1, 4)];
        Calendar::new("Europe/Berlin", week, Vec::new()).expect("a valid calendar")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    fn week_of(days: &[&[(&str, &str)]]) -> Vec<Vec<(String, String)>> {
        days.iter()
            .map(|day| {
                day.iter()
                    .map(|(s, e)| ((*s).to_owned(), (*e).to_owned()))
                    .collect()
            })
            .collect()
    }

    const WORKDAY: &[(&str, &str)] = &[("13:00", "18:00"), ("09:00", "12:00")];

    fn workweek() -> Vec<Vec<(String, String)>> {
        week_of(&[WORKDAY, WORKDAY, WORKDAY, WORKDAY, WORKDAY, &[], &[]])
    }

    #[test]
    fn parses_a_calendar_and_sorts_each_day() {
        let holidays = vec!["2026-10-01".to_owned(), " 2026-10-01 ".to_owned()];
        let calendar = Calendar::parse("asia/shanghai", &workweek(), &holidays).unwrap();
        assert_eq!(calendar.time_zone(), "Asia/Shanghai");
        let labels: Vec<String> = calendar.week()[0].iter().map(Interval::label).collect();
        assert_eq!(labels, ["09:00–12:00", "13:00–18:00"]);
        assert!(calendar.week()[5].is_empty());
        let days: Vec<String> = calendar.holidays().map(|d| d.to_string()).collect();
        assert_eq!(days, ["2026-10-01"]);
        assert!(calendar.hours_on(jiff::civil::date(2026, 10, 1)).is_empty());
        assert_eq!(calendar.hours_on(jiff::civil::date(2026, 10, 2)).len(), 2);
        assert!(calendar.hours_on(jiff::civil::date(2026, 10, 3)).is_empty());
    }

    #[test]
    fn minutes_parse_and_format_as_hh_mm() {
        assert_eq!(parse_minute("00:00"), Some(0));
        assert_eq!(parse_minute("09:30"), Some(570));
        assert_eq!(parse_minute("24:00"), Some(1440));
        for bad in ["24:01", "9:00", "09:60", "09:00:00", "0900", "ab:cd", ""] {
            assert_eq!(parse_minute(bad), None, "{bad}");
        }
        assert_eq!(format_minute(570), "09:30");
        assert_eq!(format_minute(1440), "24:00");
    }

    #[test]
    fn twenty_four_hundred_may_end_a_day_but_not_start_one() {
        let open_late = week_of(&[&[("18:00", "24:00")], &[], &[], &[], &[], &[], &[]]);
        assert!(Calendar::parse("UTC", &open_late, &[]).is_ok());
        let bad = week_of(&[&[("24:00", "24:00")], &[], &[], &[], &[], &[], &[]]);
        assert_eq!(Calendar::parse("UTC", &bad, &[]).unwrap_err().field, "week");
    }

    #[test]
    fn an_unknown_time_zone_is_refused() {
        for zone in ["Mars/Olympus_Mons", "", "Etc/Unknown"] {
            let err = Calendar::parse(zone, &workweek(), &[]).unwrap_err();
            assert_eq!(err.field, "time_zone", "{zone}");
        }
    }

    #[test]
    fn an_interval_that_ends_before_it_starts_is_refused() {
        let week = week_of(&[&[("12:00", "09:00")], &[], &[], &[], &[], &[], &[]]);
        let err = Calendar::parse("Asia/Shanghai", &week, &[]).unwrap_err();
        assert_eq!(err.field, "week");
        assert_eq!(err.message, "monday 12:00–09:00 ends before it starts");
    }

    #[test]
    fn overlapping_intervals_are_refused_touching_ones_are_not() {
        let week = week_of(&[
            &[("11:00", "13:00"), ("09:00", "12:00")],
            &[],
            &[],
            &[],
            &[],
            &[],
            &[],
        ]);
        let err = Calendar::parse("Asia/Shanghai", &week, &[]).unwrap_err();
        assert_eq!(err.field, "week");
        assert_eq!(err.message, "monday 09:00–12:00 overlaps 11:00–13:00");
        let touching = week_of(&[
            &[("12:00", "13:00"), ("09:00", "12:00")],
            &[],
            &[],
            &[],
            &[],
            &[],
            &[],
        ]);
        assert!(Calendar::parse("Asia/Shanghai", &touching, &[]).is_ok());
    }

    #[test]
    fn a_week_without_hours_or_with_the_wrong_number_of_days_is_refused() {
        let empty = week_of(&[&[], &[], &[], &[], &[], &[], &[]]);
        let err = Calendar::parse("Asia/Shanghai", &empty, &[]).unwrap_err();
        assert_eq!(
            (err.field, err.message.as_str()),
            ("week", "has no working hours")
        );
        let short = week_of(&[WORKDAY, WORKDAY]);
        assert_eq!(
            Calendar::parse("Asia/Shanghai", &short, &[])
                .unwrap_err()
                .field,
            "week"
        );
        let bad_time = week_of(&[&[("9:00", "12:00")], &[], &[], &[], &[], &[], &[]]);
        assert_eq!(
            Calendar::parse("Asia/Shanghai", &bad_time, &[])
                .unwrap_err()
                .field,
            "week"
        );
    }

    #[test]
    fn a_bad_holiday_is_refused() {
        for bad in ["2026-02-30", "20261001", "next friday", "2026-1-01"] {
            let err = Calendar::parse("Asia/Shanghai", &workweek(), &[bad.to_owned()]).unwrap_err();
            assert_eq!(err.field, "holidays", "{bad}");
        }
        let too_many = vec!["2026-10-01".to_owned(); MAX_HOLIDAYS + 1];
        assert_eq!(
            Calendar::parse("Asia/Shanghai", &workweek(), &too_many)
                .unwrap_err()
                .field,
            "holidays"
        );
    }

    #[test]
    fn the_typed_constructor_checks_the_same_rules() {
        let mut week: [Vec<Interval>; 7] = Default::default();
        week[2] = vec![Interval {
            start_minute: 600,
            end_minute: 540,
        }];
        let err = Calendar::new("Asia/Shanghai", week, Vec::new()).unwrap_err();
        assert_eq!(err.message, "wednesday 10:00–09:00 ends before it starts");
    }

    #[test]
    fn a_working_interval_maps_to_real_instants() {
        let calendar = office(&[]);
        let monday = jiff::civil::date(2026, 11, 23);
        let mut floor = i64::MIN;
        let mut segments = Vec::new();
        calendar.segments_on(monday, &mut floor, &mut segments);
        assert_eq!(
            segments,
            [
                (sh(11, 23, 9, 0), sh(11, 23, 12, 0)),
                (sh(11, 23, 13, 0), sh(11, 23, 18, 0))
            ]
        );
        assert_eq!(calendar.local_date(sh(11, 23, 23, 59)), Some(monday));
        assert_eq!(
            calendar.local_date(sh(11, 24, 0, 0)),
            Some(jiff::civil::date(2026, 11, 24))
        );
    }

    #[test]
    fn a_dst_day_counts_the_hours_that_really_passed() {
        let calendar = berlin_sunday_nights();
        let length = |month: i8, day: i8| {
            let mut floor = i64::MIN;
            let mut segments = Vec::new();
            calendar.segments_on(
                jiff::civil::date(2026, month, day),
                &mut floor,
                &mut segments,
            );
            segments.iter().map(|(s, e)| e - s).sum::<i64>()
        };
        assert_eq!(length(3, 29), 7_200);
        assert_eq!(length(10, 25), 14_400);
        assert_eq!(length(11, 1), 10_800);
    }
}
