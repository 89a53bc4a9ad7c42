//! A range of whole UTC days, both ends included, as the analytics queries take it.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc};

/// Longest range the analytics queries accept, in days (a leap year).
pub const MAX_RANGE_DAYS: i64 = 366;

/// Why a range is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// `from` is after `to`.
    #[error("from must not be after to")]
    Reversed,
    /// More than [`MAX_RANGE_DAYS`] days.
    #[error("the range spans {days} days; at most {MAX_RANGE_DAYS} are allowed")]
    TooLong {
        /// Days in the range asked for.
        days: i64,
    },
    /// A day outside the years 1 to 9999.
    #[error("days must be in the years 1 to 9999")]
    OutOfBounds,
}

/// The UTC days `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl DateRange {
    /// The days `from..=to`: not reversed, at most [`MAX_RANGE_DAYS`] long, within the
    /// years 1 to 9999.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, RangeError> {
        if [from, to]
            .iter()
            .any(|day| !(1..=9999).contains(&day.year()))
        {
            return Err(RangeError::OutOfBounds);
        }
        if from > to {
            return Err(RangeError::Reversed);
        }
        let days = (to - from).num_days() + 1;
        if days > MAX_RANGE_DAYS {
            return Err(RangeError::TooLong { days });
        }
        Ok(Self { from, to })
    }

    /// The single day `day` (no bounds checked: for a value that is never queried, such as
    /// the placeholder of a request already refused).
    pub fn single(day: NaiveDate) -> Self {
        Self { from: day, to: day }
    }

    /// The last `days` days up to `today` included (`days` at least 1).
    pub fn last_days(today: NaiveDate, days: u64) -> Result<Self, RangeError> {
        let from = today
            .checked_sub_days(Days::new(days.max(1) - 1))
            .ok_or(RangeError::OutOfBounds)?;
        Self::new(from, today)
    }

    /// The first day.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last day (included).
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Every day of the range, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        let to = self.to;
        self.from.iter_days().take_while(move |day| *day <= to)
    }

    /// The first instant of the range (midnight UTC of `from`).
    pub fn start(&self) -> DateTime<Utc> {
        self.from.and_time(NaiveTime::MIN).and_utc()
    }

    /// The first instant after the range (midnight UTC after `to`).
    pub fn end(&self) -> DateTime<Utc> {
        // `to` is at most 9999-12-31, whose successor chrono represents.
        let next = self.to.succ_opt().unwrap_or(self.to);
        next.and_time(NaiveTime::MIN).and_utc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid day")
    }

    #[test]
    fn a_range_covers_whole_utc_days_both_ends_included() {
        let range = DateRange::new(day(2026, 11, 1), day(2026, 11, 3)).expect("valid");
        assert_eq!(range.start().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(range.end().to_rfc3339(), "2026-11-04T00:00:00+00:00");
        assert_eq!(range.days().count(), 3);
        let single = DateRange::new(day(2026, 11, 1), day(2026, 11, 1)).expect("valid");
        assert_eq!(single.days().collect::<Vec<_>>(), vec![day(2026, 11, 1)]);
    }

    #[test]
    fn reversed_too_long_and_out_of_bounds_ranges_are_refused() {
        assert_eq!(
            DateRange::new(day(2026, 11, 2), day(2026, 11, 1)),
            Err(RangeError::Reversed)
        );
        assert!(DateRange::new(day(2024, 1, 1), day(2024, 12, 31)).is_ok());
        assert_eq!(
            DateRange::new(day(2024, 1, 1), day(2025, 1, 1)),
            Err(RangeError::TooLong { days: 367 })
        );
        assert_eq!(
            DateRange::new(day(0, 12, 31), day(1, 1, 1)),
            Err(RangeError::OutOfBounds)
        );
        assert!(DateRange::new(day(9999, 12, 1), day(9999, 12, 31)).is_ok());
    }

    #[test]
    fn the_last_thirty_days_end_today() {
        let range = DateRange::last_days(day(2026, 11, 30), 30).expect("valid");
        assert_eq!(
            (range.from(), range.to()),
            (day(2026, 11, 1), day(2026, 11, 30))
        );
    }
}
