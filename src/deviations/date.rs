//! Calendar dates for expiry: `YYYY-MM-DD` in, today's UTC date from the
//! system clock, and nothing else. Days are counted from 1970-01-01 with
//! Howard Hinnant's `days_from_civil` and its inverse
//! (<https://howardhinnant.github.io/date_algorithms.html>).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar date (proleptic Gregorian), for expiry. Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31.
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`; `None` for anything else or a day that does
    /// not exist.
    pub fn parse(text: &str) -> Option<Date> {
        let (year, rest) = text.split_once('-')?;
        let (month, day) = rest.split_once('-')?;
        let number = |part: &str, len: usize| {
            (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<u32>().ok())
                .flatten()
        };
        let date = Date {
            year: i32::try_from(number(year, 4)?).ok()?,
            month: number(month, 2)?,
            day: number(day, 2)?,
        };
        // A day that does not exist (02-30, 13-01, 01-00) lands on another
        // date once counted, and does not come back.
        ((1..=12).contains(&date.month) && Date::from_unix_days(date.unix_days()) == date)
            .then_some(date)
    }

    /// Days since 1970-01-01 (negative before it).
    pub(crate) fn unix_days(self) -> i64 {
        let (month, day) = (i64::from(self.month), i64::from(self.day));
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let yoe = year.rem_euclid(400);
        let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01.
    pub(crate) fn from_unix_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_unix_days((secs / 86_400) as i64)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_count_from_the_epoch() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(19_782).to_string(), "2024-02-29");
        assert_eq!(Date::from_unix_days(-1).to_string(), "1969-12-31");
        assert_eq!(
            Date::parse("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "24-01-01x",
            "2024-01-00",
            "2024-04-31",
            "+024-01-01",
            "2024-+1-01",
            "2024-01-01-",
            "２０２４-01-01",
            "",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert!(Date::today() > Date::parse("2024-01-01").unwrap());
    }

    /// Every day of two 400-year cycles against a plain month-length table.
    #[test]
    fn the_count_agrees_with_the_calendar_everywhere() {
        let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let mut days = Date {
            year: 1600,
            month: 1,
            day: 1,
        }
        .unix_days();
        for year in 1600..2400 {
            for month in 1..=12u32 {
                let length = match month {
                    2 if leap(year) => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                for day in 1..=31 {
                    let text = format!("{year:04}-{month:02}-{day:02}");
                    let parsed = Date::parse(&text);
                    if day > length {
                        assert_eq!(parsed, None, "{text}");
                        continue;
                    }
                    let date = Date { year, month, day };
                    assert_eq!(parsed, Some(date), "{text}");
                    assert_eq!(date.unix_days(), days, "{text}");
                    assert_eq!(Date::from_unix_days(days), date, "{text}");
                    assert_eq!(date.to_string(), text);
                    days += 1;
                }
            }
        }
    }
}
