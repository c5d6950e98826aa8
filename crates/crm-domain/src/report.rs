//! The rules of the management reports: reporting periods, RFM scores and segments, and the
//! figures the reports rank and compare customers by. No I/O: the caller reads the orders and
//! passes in the clock and the deployment's time zone.
//!
//! A period is a run of whole days in the deployment's time zone, because that is how managers
//! ask ("March", "the last 12 months"); queries count instants, so a period carries both its
//! dates and the half-open range of Unix seconds `[start, end)` those dates cover there. A day on
//! which the clocks change is as long as it really was.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::calendar::{MAX_INSTANT, MIN_INSTANT};
use crate::FieldError;

/// The longest period a report covers, in years: `to` must come before the same date this many
/// years after `from`.
pub const MAX_PERIOD_YEARS: i16 = 50;

/// A reporting period: the whole days from `from` to `to` (both inclusive) in the deployment's
/// time zone, and the instants `[start, end)` they cover there.
///
/// Only [`Period::parse`] and the methods that derive one period from another build it, so its
/// time zone is always known and `from <= to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// The first day of the period, inclusive.
    pub from: Date,
    /// The last day of the period, inclusive.
    pub to: Date,
    /// Unix seconds of 00:00 on `from` in the time zone: the first instant of the period.
    pub start: i64,
    /// Unix seconds of 00:00 on the day after `to` in the time zone: the first instant after
    /// the period.
    pub end: i64,
    tz: TimeZone,
}

/// One calendar month of a period, clipped to the period: the instants `[start, end)` of the
/// month's days that lie inside the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    /// The month as `YYYY-MM`, e.g. `2026-03`.
    pub label: String,
    /// Unix seconds of the month's first instant inside the period.
    pub start: i64,
    /// Unix seconds of the first instant after the month's part of the period.
    pub end: i64,
}

impl Period {
    /// Reads a period as the API sends it: `from` and `to` as `YYYY-MM-DD` dates (surrounding
    /// whitespace ignored, years 0001 to 9998) in the IANA zone `time_zone`.
    ///
    /// Without `to` the period ends today in that zone at `now` (Unix seconds); without `from`
    /// it starts the day after the same date one year before `to` (28 February for a `to` of 29
    /// February), so that the default is the last 12 months including today. Errors name the
    /// field: `from` or `to` (not such a date), `from` (after `to`, or a period longer than
    /// [`MAX_PERIOD_YEARS`] years), `time_zone` (not a zone the bundled database knows).
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        time_zone: &str,
        now: i64,
    ) -> Result<Period, FieldError> {
        let tz = lookup_zone(time_zone)?;
        let to = match to {
            Some(text) => parse_date("to", text)?,
            None => {
                let now = Timestamp::from_second(now.clamp(MIN_INSTANT, MAX_INSTANT))
                    .unwrap_or(Timestamp::UNIX_EPOCH);
                tz.to_datetime(now).date()
            }
        };
        let from = match from {
            Some(text) => parse_date("from", text)?,
            None => to
                .saturating_sub(Span::new().years(1))
                .tomorrow()
                .unwrap_or(to),
        };
        if from > to {
            return Err(FieldError::new("from", "must not be after `to`"));
        }
        if to >= from.saturating_add(Span::new().years(MAX_PERIOD_YEARS)) {
            return Err(FieldError::new(
                "from",
                format!("the period can be at most {MAX_PERIOD_YEARS} years"),
            ));
        }
        Ok(Period::new(tz, from, to))
    }

    fn new(tz: TimeZone, from: Date, to: Date) -> Period {
        let start = midnight(&tz, from);
        let end = midnight(&tz, to.tomorrow().unwrap_or(Date::MAX));
        Period {
            from,
            to,
            start,
            end,
            tz,
        }
    }

    /// The time zone whose days the period counts.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The number of calendar days in the period, `from` and `to` included.
    pub fn days(&self) -> i64 {
        self.from
            .until(self.to)
            .map(|span| i64::from(span.get_days()) + 1)
            .unwrap_or(0)
    }

    /// The period of as many days that ends the day before this one starts, for comparing with
    /// the period just before.
    pub fn previous(&self) -> Period {
        let to = self.from.yesterday().unwrap_or(Date::MIN);
        let back = Span::new()
            .try_days((self.days() - 1).max(0))
            .unwrap_or_else(|_| Span::new());
        Period::new(self.tz.clone(), to.saturating_sub(back), to)
    }

    /// The same dates one year earlier (a 29 February becomes the 28th), for comparing with
    /// the same period of the previous year.
    pub fn previous_year(&self) -> Period {
        let year = Span::new().years(1);
        Period::new(
            self.tz.clone(),
            self.from.saturating_sub(year),
            self.to.saturating_sub(year),
        )
    }

    /// Each calendar month that overlaps the period, in order, clipped to the period: the first
    /// and the last month may be partial, and their bounds are the period's own.
    pub fn months(&self) -> Vec<Month> {
        let mut months = Vec::new();
        if self.from > self.to {
            return months;
        }
        let mut first = self.from;
        let mut start = self.start;
        loop {
            let last = first.last_of_month().min(self.to);
            let label = format!("{:04}-{:02}", first.year(), first.month());
            if last >= self.to {
                months.push(Month {
                    label,
                    start,
                    end: self.end,
                });
                return months;
            }
            let Ok(next) = last.tomorrow() else {
                return months;
            };
            let end = midnight(&self.tz, next);
            months.push(Month { label, start, end });
            first = next;
            start = end;
        }
    }

    /// The first instant of the period as RFC 3339 UTC, e.g. `2025-12-01T16:00:00Z`.
    pub fn start_rfc3339(&self) -> String {
        crate::time::rfc3339_utc(self.start)
    }

    /// The first instant after the period as RFC 3339 UTC (the period excludes it).
    pub fn end_rfc3339(&self) -> String {
        crate::time::rfc3339_utc(self.end)
    }
}

/// Unix seconds of 00:00 on `date` in `tz`; a midnight skipped by a DST change maps to the
/// first instant after the gap (`jiff`'s "compatible" disambiguation).
fn midnight(tz: &TimeZone, date: Date) -> i64 {
    tz.to_ambiguous_timestamp(date.at(0, 0, 0, 0))
        .compatible()
        .map(Timestamp::as_second)
        .unwrap_or_else(|_| {
            if date.year() < 0 {
                Timestamp::MIN.as_second()
            } else {
                Timestamp::MAX.as_second()
            }
        })
}

/// Looks up an IANA time zone in the bundled database.
fn lookup_zone(time_zone: &str) -> Result<TimeZone, FieldError> {
    let zone = time_zone.trim();
    let unknown = || FieldError::new("time_zone", format!("unknown IANA time zone {zone:?}"));
    if zone.is_empty() {
        return Err(unknown());
    }
    let tz = TimeZone::get(zone).map_err(|_| unknown())?;
    // `Etc/Unknown` resolves to jiff's "unknown" zone, which has no IANA name: not a real zone.
    if tz.iana_name().is_none() {
        return Err(unknown());
    }
    Ok(tz)
}

/// A date as exactly `YYYY-MM-DD`, and nothing else jiff would also accept (such as
/// `20261123` or `+002026-11-23`), in the years 0001 to 9998.
fn parse_date(field: &'static str, text: &str) -> Result<Date, FieldError> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(at, byte)| match at {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    let date = shaped
        .then(|| text.parse::<Date>().ok())
        .flatten()
        .ok_or_else(|| FieldError::new(field, "must be a date like 2026-11-23"))?;
    if !(1..=9998).contains(&date.year()) {
        return Err(FieldError::new(
            field,
            "must be a date from 0001-01-01 to 9998-12-31",
        ));
    }
    Ok(date)
}

/// The quintile score, 1 (worst fifth) to 5 (best fifth), of the customer at `rank` among `n`
/// customers sorted worst first: `1 + floor(5 × (rank − 1) / n)`.
///
/// `rank` is 1-based and tied values share the lowest rank of their tie (SQL `RANK()`), so tied
/// customers get the same score. Sort so that the worst value comes first: the oldest last order
/// for recency, the fewest orders for frequency, the least spent for monetary value. Out of range
/// inputs are clamped: a `rank` of 0 counts as 1, a `rank` above `n` as `n`, and with `n` of 0
/// the score is 1.
pub fn quintile_score(rank: u32, n: u32) -> u8 {
    if n == 0 {
        return 1;
    }
    let rank = u64::from(rank.clamp(1, n));
    let score = 1 + 5 * (rank - 1) / u64::from(n);
    score.min(5) as u8
}

/// The four values that cut a set of values into [`quintile_score`]s: a value scores 1 plus
/// the number of them it exceeds.
///
/// With the values sorted worst first, `v₁ ≤ … ≤ vₙ`, the cut `k` (1–4) is `v_m` at
/// `m = ⌈k·n/5⌉`. A value's `RANK()` minus 1 is the number of values below it, and
/// `1 + ⌊5·(rank − 1)/n⌋ ≥ k + 1` exactly when at least `⌈k·n/5⌉` values are below it, that is
/// when it exceeds `v_m`; so [`Quintiles::score`] equals [`quintile_score`] of its rank, ties
/// included, with one sort per dimension instead of a rank per customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quintiles<T>([T; 4]);

impl<T: Ord + Copy> Quintiles<T> {
    /// The cuts of `values` (reordered in place); `None` when there are none.
    pub fn of(values: &mut [T]) -> Option<Self> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        values.sort_unstable();
        Some(Quintiles(
            [1, 2, 3, 4].map(|k| values[(k * n).div_ceil(5) - 1]),
        ))
    }

    /// The score, 1–5, of `value` (one of the values the cuts were taken from).
    pub fn score(&self, value: T) -> u8 {
        1 + self.0.iter().filter(|cut| value > **cut).count() as u8
    }
}

crate::named_enum! {
    /// The RFM segment of a customer, from its recency `r`, frequency `f` and monetary `m`
    /// quintile scores (see [`quintile_score`]).
    ///
    /// With `fm` the mean of `f` and `m` rounded down (`(f + m) / 2`), the first rule that
    /// matches wins: `champions` when `r ≥ 4` and `fm ≥ 4`; `loyal` when `r ≥ 3` and `fm ≥ 3`;
    /// `new` when `r ≥ 4` and `f = 1`; `potential` when `r ≥ 3`; `at_risk` when `fm ≥ 3` (and
    /// so `r ≤ 2`); `hibernating` when `r = 2`; `lost` otherwise.
    pub enum Segment as "segment" {
        /// Bought recently, buys often and spends the most.
        Champions = "champions",
        /// Buys regularly and spends well, and bought fairly recently.
        Loyal = "loyal",
        /// Bought recently but seldom so far.
        New = "new",
        /// Bought fairly recently, but not yet often or much.
        Potential = "potential",
        /// Bought often or spent well, but not for a long time.
        AtRisk = "at_risk",
        /// Has not bought for a while, and bought seldom and little before.
        Hibernating = "hibernating",
        /// Has not bought for the longest time, and bought seldom and little before.
        Lost = "lost",
    }
}

impl Segment {
    /// What the segment means, in one English sentence for the report.
    pub fn description(self) -> &'static str {
        match self {
            Segment::Champions => {
                "Bought recently, buys often and spends the most: the best customers."
            }
            Segment::Loyal => {
                "Buys regularly and spends well, and bought fairly recently: keep them close."
            }
            Segment::New => {
                "Bought recently but seldom so far: a new customer whose habit is not yet formed."
            }
            Segment::Potential => {
                "Bought fairly recently but not yet often or much: could become loyal."
            }
            Segment::AtRisk => {
                "Used to buy often or spend well but has not bought for a long time: win them back."
            }
            Segment::Hibernating => {
                "Has not bought for a while, and bought seldom and little before."
            }
            Segment::Lost => {
                "Has not bought for the longest time, and bought seldom and little before."
            }
        }
    }
}

/// The RFM segment of recency, frequency and monetary quintile scores, by the rule documented
/// on [`Segment`].
pub fn segment(r: u8, f: u8, m: u8) -> Segment {
    let fm = (u16::from(f) + u16::from(m)) / 2;
    if r >= 4 && fm >= 4 {
        Segment::Champions
    } else if r >= 3 && fm >= 3 {
        Segment::Loyal
    } else if r >= 4 && f == 1 {
        Segment::New
    } else if r >= 3 {
        Segment::Potential
    } else if fm >= 3 {
        Segment::AtRisk
    } else if r == 2 {
        Segment::Hibernating
    } else {
        Segment::Lost
    }
}

/// The median of `values`: the middle value once sorted, or the mean of the two middle values
/// for an even count; `None` when there are none. Sorts `values` in place (`f64::total_cmp`, so
/// NaN sorts last).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    })
}

/// The `p`-th percentile of `values` by the nearest-rank method: the smallest value such that
/// at least `p` percent of the values are at most it, i.e. the value at 1-based rank
/// `ceil(p / 100 × n)` (at least 1) once sorted; `None` when there are none. `p` is clamped to
/// 0–100; sorts `values` in place (`f64::total_cmp`).
pub fn percentile_nearest_rank(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    // `p × n / 100` rather than `p / 100 × n`: exact for whole percentiles, where the division
    // first would round 40 / 100 × 5 up past 2.
    let rank = (p.clamp(0.0, 100.0) * n as f64 / 100.0).ceil() as usize;
    Some(values[rank.clamp(1, n) - 1])
}

/// The share of `part` in `whole`, `part / whole` (0.25 is a quarter); 0.0 when `whole` is not
/// positive.
pub fn share(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The shortest purchase cycle the churn rules use, in days: orders minutes apart (an order
/// entered twice, a second delivery the same day) are one purchase, not a rhythm of minutes.
pub const MIN_CYCLE_DAYS: f64 = 1.0;

/// Complaints per 1,000 order lines sold; `None` when nothing was sold.
pub fn per_thousand(complaints: u32, lines: u32) -> Option<f64> {
    (lines > 0).then(|| f64::from(complaints) * 1000.0 / f64::from(lines))
}

/// A batch is flagged when its complaint rate is at least this many times its product's.
pub const BATCH_FLAG_FACTOR: f64 = 2.0;

/// ... and it has at least this many complaints (one complaint about a small batch is noise).
pub const BATCH_FLAG_MIN_COMPLAINTS: u32 = 2;

/// Whether a batch's complaint rate is far above its product's norm: at least
/// [`BATCH_FLAG_FACTOR`] times the product's rate over all its batches, with at least
/// [`BATCH_FLAG_MIN_COMPLAINTS`] complaints. Rates are complaints per line sold.
pub fn batch_flagged(
    batch_complaints: u32,
    batch_lines: u32,
    product_complaints: u32,
    product_lines: u32,
) -> bool {
    match (
        per_thousand(batch_complaints, batch_lines),
        per_thousand(product_complaints, product_lines),
    ) {
        (Some(batch), Some(product)) => {
            batch_complaints >= BATCH_FLAG_MIN_COMPLAINTS && batch >= BATCH_FLAG_FACTOR * product
        }
        _ => false,
    }
}

/// A customer is a churn risk once its time since its last order exceeds this many of its own
/// purchase cycles (median days between its orders).
pub const CHURN_FACTOR: f64 = 1.5;

/// How overdue a customer's next order is: days since its last order divided by its own
/// purchase cycle (1.0 is exactly on rhythm); `None` when the cycle is not positive.
pub fn overdue_ratio(days_since_last: f64, cycle_days: f64) -> Option<f64> {
    (cycle_days > 0.0).then(|| days_since_last / cycle_days.max(MIN_CYCLE_DAYS))
}

/// Whether a customer is a churn risk: its days since its last order are strictly more than
/// [`CHURN_FACTOR`] times its own purchase cycle, the median days between its orders (never
/// when the cycle is not positive).
pub fn is_churn_risk(days_since_last: f64, cycle_days: f64) -> bool {
    cycle_days > 0.0 && days_since_last > CHURN_FACTOR * cycle_days.max(MIN_CYCLE_DAYS)
}

/// The value at stake when a customer churns: what it buys per year at its own rhythm, mean
/// order value × 365 / purchase cycle, rounded to whole minor units (0 when the cycle
/// is not positive).
pub fn value_at_stake(mean_order_value: f64, cycle_days: f64) -> i64 {
    if cycle_days > 0.0 {
        (mean_order_value * 365.0 / cycle_days.max(MIN_CYCLE_DAYS)).round() as i64
    } else {
        0
    }
}

/// The growth of the mean value per order of a recent window over an earlier one, in percent:
/// `(recent mean / earlier mean − 1) × 100` (negative when it shrank); `None` when either window
/// has no orders or the earlier mean is not positive.
pub fn growth_percent(
    recent_total: i64,
    recent_count: u32,
    earlier_total: i64,
    earlier_count: u32,
) -> Option<f64> {
    if recent_count == 0 || earlier_count == 0 {
        return None;
    }
    let recent = recent_total as f64 / f64::from(recent_count);
    let earlier = earlier_total as f64 / f64::from(earlier_count);
    (earlier > 0.0).then(|| (recent / earlier - 1.0) * 100.0)
}

/// A customer's order frequency: its orders per 30 days of tenure, the tenure being the days
/// from its first order to `as_of`, counted as at least 1 day.
pub fn orders_per_30_days(order_count: u32, first_order_at: i64, as_of: i64) -> f64 {
    let tenure_days = days_between(first_order_at, as_of).max(1.0);
    f64::from(order_count) * 30.0 / tenure_days
}

/// The days from instant `a` to instant `b` (Unix seconds), fractional, negative when `b` is
/// earlier: `(b − a) / 86400`.
pub fn days_between(a: i64, b: i64) -> f64 {
    (b as f64 - a as f64) / 86_400.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purchase_cycle_is_at_least_a_day() {
        // Two orders a minute apart: a cycle of 1 day, not of a minute.
        let minute = 1.0 / 1440.0;
        assert_eq!(value_at_stake(500.0, minute), 182_500);
        assert_eq!(overdue_ratio(3.0, minute), Some(3.0));
        assert!(!is_churn_risk(1.5, minute));
        assert!(is_churn_risk(1.6, minute));
    }

    #[test]
    fn a_batch_is_flagged_at_twice_its_products_rate_with_two_complaints() {
        // Product: 6 complaints over 1,000 lines (6 per 1,000). Batch of 100 lines with 2
        // complaints: 20 per 1,000 ≥ 12 → flagged; with 1 complaint: too few.
        assert_eq!(per_thousand(6, 1000), Some(6.0));
        assert_eq!(per_thousand(1, 0), None);
        assert!(batch_flagged(2, 100, 6, 1000));
        assert!(!batch_flagged(1, 100, 6, 1000));
        // Exactly twice: 12 per 1,000 (3 over 250 lines against 6 per 1,000) is flagged.
        assert!(batch_flagged(3, 250, 6, 1000));
        // Just under: 3 over 251 lines.
        assert!(!batch_flagged(3, 251, 6, 1000));
        // A batch that is the whole product can never be twice itself.
        assert!(!batch_flagged(6, 1000, 6, 1000));
        assert!(!batch_flagged(2, 0, 2, 0));
    }
    use crate::time::parse_instant;

    fn utc(text: &str) -> i64 {
        parse_instant("at", text).expect("an instant")
    }

    fn date(text: &str) -> Date {
        text.parse().expect("a date")
    }

    fn period(from: &str, to: &str, zone: &str) -> Period {
        Period::parse(Some(from), Some(to), zone, 0).expect("a period")
    }

    #[test]
    fn the_default_period_is_the_last_12_months_in_the_zone() {
        // 2026-12-01T00:30:00Z is 08:30 on 1 December in Shanghai (UTC+8).
        let now = utc("2026-12-01T00:30:00Z");
        let p = Period::parse(None, None, "Asia/Shanghai", now).unwrap();
        assert_eq!((p.from, p.to), (date("2025-12-02"), date("2026-12-01")));
        assert_eq!(p.start, utc("2025-12-01T16:00:00Z"));
        assert_eq!(p.end, utc("2026-12-01T16:00:00Z"));
        assert_eq!(p.start_rfc3339(), "2025-12-01T16:00:00Z");
        assert_eq!(p.end_rfc3339(), "2026-12-01T16:00:00Z");
        // 2025-12-02 to 2026-12-01: 2026 is not a leap year.
        assert_eq!(p.days(), 365);

        // Midnight in Shanghai is 16:00 UTC the day before.
        let before = Period::parse(None, None, "Asia/Shanghai", utc("2026-11-30T15:59:59Z"));
        assert_eq!(before.unwrap().to, date("2026-11-30"));
        let after = Period::parse(None, None, "Asia/Shanghai", utc("2026-11-30T16:00:00Z"));
        assert_eq!(after.unwrap().to, date("2026-12-01"));
    }

    #[test]
    fn a_default_from_after_29_february_saturates() {
        let p = Period::parse(None, Some("2024-02-29"), "UTC", 0).unwrap();
        // 2024-02-29 minus a year is 2023-02-28; plus a day, 2023-03-01.
        assert_eq!(p.from, date("2023-03-01"));
        // 2023-03-01 to 2024-02-29 includes the leap day.
        assert_eq!(p.days(), 366);
        let p = Period::parse(Some("2026-03-01"), None, "UTC", utc("2026-03-10T12:00:00Z"));
        assert_eq!(p.unwrap().to, date("2026-03-10"));
    }

    #[test]
    fn bad_dates_and_zones_are_refused() {
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-01",
            "20260101",
            "+002026-01-01",
            "2026-01-01T00:00:00Z",
            "",
            "yesterday",
        ] {
            let err = Period::parse(Some(bad), Some("2026-12-31"), "UTC", 0).unwrap_err();
            assert_eq!(err.field, "from", "{bad}");
            let err = Period::parse(Some("2026-01-01"), Some(bad), "UTC", 0).unwrap_err();
            assert_eq!(err.field, "to", "{bad}");
        }
        let err = Period::parse(Some("2026-02-30"), None, "UTC", 0).unwrap_err();
        assert_eq!(
            err,
            FieldError::new("from", "must be a date like 2026-11-23")
        );
        let err = Period::parse(Some("0000-01-01"), None, "UTC", 0).unwrap_err();
        assert_eq!(err.field, "from");

        let err = Period::parse(None, None, "Mars/Olympus_Mons", 0).unwrap_err();
        assert_eq!(
            err,
            FieldError::new("time_zone", "unknown IANA time zone \"Mars/Olympus_Mons\"")
        );
        for zone in ["", "Etc/Unknown"] {
            let err = Period::parse(None, None, zone, 0).unwrap_err();
            assert_eq!(err.field, "time_zone", "{zone}");
        }
    }

    #[test]
    fn from_must_not_be_after_to_and_the_span_is_bounded() {
        let err = Period::parse(Some("2026-03-02"), Some("2026-03-01"), "UTC", 0).unwrap_err();
        assert_eq!(err, FieldError::new("from", "must not be after `to`"));
        let one_day = period("2026-03-01", "2026-03-01", "UTC");
        assert_eq!(one_day.days(), 1);
        assert_eq!(one_day.end - one_day.start, 86_400);

        // 2000-01-01 plus 50 years is 2050-01-01: the day before is the last allowed `to`.
        assert!(Period::parse(Some("2000-01-01"), Some("2049-12-31"), "UTC", 0).is_ok());
        let err = Period::parse(Some("2000-01-01"), Some("2050-01-01"), "UTC", 0).unwrap_err();
        assert_eq!(
            err,
            FieldError::new("from", "the period can be at most 50 years")
        );
    }

    #[test]
    fn months_are_clipped_across_a_year_boundary_in_shanghai() {
        let p = period("2025-12-15", "2026-01-10", "Asia/Shanghai");
        assert_eq!(p.days(), 27); // 17 days of December, 10 of January.
        assert_eq!(
            p.months(),
            [
                Month {
                    label: "2025-12".to_owned(),
                    start: utc("2025-12-14T16:00:00Z"),
                    end: utc("2025-12-31T16:00:00Z"),
                },
                Month {
                    label: "2026-01".to_owned(),
                    start: utc("2025-12-31T16:00:00Z"),
                    end: utc("2026-01-10T16:00:00Z"),
                },
            ]
        );
        assert_eq!(
            (p.start, p.end),
            (utc("2025-12-14T16:00:00Z"), utc("2026-01-10T16:00:00Z"))
        );

        let one_month = period("2026-02-01", "2026-02-28", "Asia/Shanghai").months();
        assert_eq!(one_month.len(), 1);
        assert_eq!(one_month[0].label, "2026-02");
        assert_eq!(one_month[0].end - one_month[0].start, 28 * 86_400);
    }

    #[test]
    fn months_follow_the_clocks_in_berlin() {
        // Berlin is UTC+1 until the last Sunday of March (2026-03-29), UTC+2 after.
        let p = period("2026-02-15", "2026-04-10", "Europe/Berlin");
        let months = p.months();
        let labels: Vec<&str> = months.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(labels, ["2026-02", "2026-03", "2026-04"]);
        assert_eq!(months[0].start, utc("2026-02-14T23:00:00Z"));
        assert_eq!(months[0].end, utc("2026-02-28T23:00:00Z"));
        assert_eq!(months[1].start, utc("2026-02-28T23:00:00Z"));
        assert_eq!(months[1].end, utc("2026-03-31T22:00:00Z"));
        // March 2026 in Berlin lasts 31 days less the hour skipped on the 29th.
        assert_eq!(months[1].end - months[1].start, 31 * 86_400 - 3_600);
        assert_eq!(months[2].start, utc("2026-03-31T22:00:00Z"));
        assert_eq!(months[2].end, utc("2026-04-10T22:00:00Z"));
        assert_eq!((p.start, p.end), (months[0].start, months[2].end));
    }

    #[test]
    fn the_previous_period_has_as_many_days_just_before() {
        let march = period("2026-03-01", "2026-03-31", "Asia/Shanghai");
        let before = march.previous();
        // 29 January to 28 February: 3 days of January and 28 of February.
        assert_eq!(
            (before.from, before.to),
            (date("2026-01-29"), date("2026-02-28"))
        );
        assert_eq!(before.days(), 31);
        assert_eq!(before.end, march.start);
        assert_eq!(before.start, utc("2026-01-28T16:00:00Z"));
        assert_eq!(before.time_zone(), march.time_zone());

        let day = period("2026-01-01", "2026-01-01", "UTC").previous();
        assert_eq!((day.from, day.to), (date("2025-12-31"), date("2025-12-31")));
    }

    #[test]
    fn the_previous_year_has_the_same_dates() {
        let p = period("2024-02-01", "2024-02-29", "UTC").previous_year();
        assert_eq!((p.from, p.to), (date("2023-02-01"), date("2023-02-28")));
        assert_eq!(p.start, utc("2023-02-01T00:00:00Z"));
        assert_eq!(p.end, utc("2023-03-01T00:00:00Z"));
        let p = period("2026-03-01", "2026-03-31", "Europe/Berlin").previous_year();
        assert_eq!((p.from, p.to), (date("2025-03-01"), date("2025-03-31")));
    }

    #[test]
    fn quintile_scores_by_hand() {
        let scores = |ranks: &[u32], n: u32| -> Vec<u8> {
            ranks.iter().map(|&rank| quintile_score(rank, n)).collect()
        };
        assert_eq!(scores(&[1, 2, 3, 4, 5], 5), [1, 2, 3, 4, 5]);
        assert_eq!(
            scores(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10),
            [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        );
        assert_eq!(scores(&[1], 1), [1]);
        // 1 + floor(0/3), 1 + floor(5/3), 1 + floor(10/3).
        assert_eq!(scores(&[1, 2, 3], 3), [1, 2, 4]);
        // Two customers tie at rank 1; the next is rank 3.
        assert_eq!(scores(&[1, 1, 3, 4], 4), [1, 1, 3, 4]);
        // Clamped: no customers, rank 0, rank past the end.
        assert_eq!(quintile_score(1, 0), 1);
        assert_eq!(quintile_score(0, 5), 1);
        assert_eq!(quintile_score(9, 5), 5);
        assert_eq!(quintile_score(u32::MAX, u32::MAX), 5);
    }

    #[test]
    fn quintile_cuts_by_hand() {
        // 10 values: the cuts are the 2nd, 4th, 6th and 8th smallest.
        let mut values = [70, 10, 20, 30, 40, 50, 60, 80, 90, 100];
        let cuts = Quintiles::of(&mut values).unwrap();
        assert_eq!(cuts, Quintiles([20, 40, 60, 80]));
        assert_eq!(
            [10, 20, 30, 80, 81, 100].map(|v| cuts.score(v)),
            [1, 1, 2, 4, 5, 5]
        );
        // Ties share a score: four values of 5 among five are all below the one 9.
        let mut tied = [5, 5, 9, 5, 5];
        let cuts = Quintiles::of(&mut tied).unwrap();
        assert_eq!([5, 9].map(|v| cuts.score(v)), [1, 5]);
        assert_eq!(Quintiles::<i64>::of(&mut []), None);
        assert_eq!(Quintiles::of(&mut [7]).map(|c| c.score(7)), Some(1));
    }

    proptest::proptest! {
        /// The cuts score every value as `quintile_score` scores its `RANK()`.
        #[test]
        fn quintile_cuts_score_as_ranks_do(values in proptest::collection::vec(0i64..20, 1..60)) {
            let n = values.len() as u32;
            let cuts = Quintiles::of(&mut values.clone()).unwrap();
            for &v in &values {
                let rank = 1 + values.iter().filter(|&&w| w < v).count() as u32;
                proptest::prop_assert_eq!(cuts.score(v), quintile_score(rank, n));
            }
        }
    }

    #[test]
    fn every_segment_is_reachable() {
        assert_eq!(segment(5, 5, 5), Segment::Champions);
        assert_eq!(segment(4, 4, 5), Segment::Champions);
        assert_eq!(segment(3, 3, 3), Segment::Loyal);
        // fm = (3 + 4) / 2 = 3: too little for champions.
        assert_eq!(segment(5, 3, 4), Segment::Loyal);
        assert_eq!(segment(5, 1, 1), Segment::New);
        assert_eq!(segment(4, 1, 4), Segment::New);
        // fm = (1 + 5) / 2 = 3: loyal comes before new.
        assert_eq!(segment(5, 1, 5), Segment::Loyal);
        assert_eq!(segment(3, 1, 1), Segment::Potential);
        assert_eq!(segment(4, 2, 2), Segment::Potential);
        assert_eq!(segment(2, 4, 4), Segment::AtRisk);
        assert_eq!(segment(1, 3, 3), Segment::AtRisk);
        assert_eq!(segment(2, 1, 1), Segment::Hibernating);
        assert_eq!(segment(2, 2, 3), Segment::Hibernating);
        assert_eq!(segment(1, 1, 1), Segment::Lost);
        assert_eq!(segment(1, 2, 3), Segment::Lost);

        let names: Vec<&str> = Segment::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "champions",
                "loyal",
                "new",
                "potential",
                "at_risk",
                "hibernating",
                "lost"
            ]
        );
        assert_eq!("at_risk".parse::<Segment>(), Ok(Segment::AtRisk));
        for s in Segment::ALL {
            assert!(s.description().ends_with('.'), "{s}");
        }
    }

    #[test]
    fn medians_and_percentiles_by_hand() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut [5.0]), Some(5.0));
        assert_eq!(median(&mut []), None);

        let mut values = [50.0, 15.0, 40.0, 20.0, 35.0];
        let mut at = |p: f64| percentile_nearest_rank(&mut values, p);
        // Ranks ceil(p × 5 / 100): 5 % → 1, 30 % → 2, 40 % → 2, 50 % → 3, 100 % → 5.
        assert_eq!(at(0.0), Some(15.0));
        assert_eq!(at(5.0), Some(15.0));
        assert_eq!(at(30.0), Some(20.0));
        assert_eq!(at(40.0), Some(20.0));
        assert_eq!(at(50.0), Some(35.0));
        assert_eq!(at(90.0), Some(50.0));
        assert_eq!(at(100.0), Some(50.0));
        assert_eq!(at(150.0), Some(50.0));
        assert_eq!(percentile_nearest_rank(&mut [], 50.0), None);
    }

    #[test]
    fn shares_by_hand() {
        assert_eq!(share(1, 4), 0.25);
        assert_eq!(share(4, 4), 1.0);
        assert_eq!(share(3, 0), 0.0);
        assert_eq!(share(3, -1), 0.0);
    }

    #[test]
    fn churn_risk_starts_strictly_past_one_and_a_half_cycles() {
        assert_eq!(overdue_ratio(45.0, 30.0), Some(1.5));
        assert_eq!(overdue_ratio(15.0, 30.0), Some(0.5));
        assert_eq!(overdue_ratio(15.0, 0.0), None);
        assert_eq!(overdue_ratio(15.0, -3.0), None);
        assert!(!is_churn_risk(45.0, 30.0));
        assert!(is_churn_risk(45.5, 30.0));
        assert!(!is_churn_risk(10.0, 30.0));
        assert!(!is_churn_risk(1_000.0, 0.0));

        // 1000 × 365 / 73 = 5000; 100 × 365 / 30 = 1216.67.
        assert_eq!(value_at_stake(1_000.0, 73.0), 5_000);
        assert_eq!(value_at_stake(100.0, 30.0), 1_217);
        assert_eq!(value_at_stake(12_345.0, 0.0), 0);
        assert_eq!(value_at_stake(12_345.0, -1.0), 0);
    }

    #[test]
    fn growth_of_the_mean_order_value() {
        // Means 300 and 200: +50 %.
        assert_eq!(growth_percent(600, 2, 400, 2), Some(50.0));
        // Means 100 and 200: −50 %.
        assert_eq!(growth_percent(100, 1, 400, 2), Some(-50.0));
        assert_eq!(growth_percent(300, 3, 100, 1), Some(0.0));
        assert_eq!(growth_percent(100, 0, 400, 2), None);
        assert_eq!(growth_percent(100, 1, 400, 0), None);
        assert_eq!(growth_percent(100, 1, 0, 3), None);
    }

    #[test]
    fn frequency_and_days_between_instants() {
        const DAY: i64 = 86_400;
        assert_eq!(orders_per_30_days(6, 0, 90 * DAY), 2.0);
        assert_eq!(orders_per_30_days(3, 10 * DAY, 40 * DAY), 3.0);
        // Half a day of tenure counts as one day.
        assert_eq!(orders_per_30_days(3, 0, DAY / 2), 90.0);
        assert_eq!(orders_per_30_days(0, 0, 90 * DAY), 0.0);

        assert_eq!(days_between(0, 3 * DAY / 2), 1.5);
        assert_eq!(days_between(DAY, 0), -1.0);
        assert_eq!(days_between(5, 5), 0.0);
    }
}
