//! numpy's `datetime64` values as text: a count of a unit since
//! 1970-01-01T00:00:00 (naive), written as orjson writes them, RFC 3339
//! without an offset: `YYYY-MM-DDTHH:MM:SS`, `.ffffff` when the microseconds
//! are not zero (nanoseconds are cut to microseconds).

/// The units of a `datetime64` rjson writes (numpy's codes in brackets).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Unit {
    Year,        // Y
    Month,       // M
    Week,        // W
    Day,         // D
    Hour,        // h
    Minute,      // m
    Second,      // s
    Millisecond, // ms
    Microsecond, // us
    Nanosecond,  // ns
}

impl Unit {
    /// The unit of numpy's code; `None` for the others (ps, fs, as, generic).
    pub fn of_code(code: &str) -> Option<Unit> {
        Some(match code {
            "Y" => Unit::Year,
            "M" => Unit::Month,
            "W" => Unit::Week,
            "D" => Unit::Day,
            "h" => Unit::Hour,
            "m" => Unit::Minute,
            "s" => Unit::Second,
            "ms" => Unit::Millisecond,
            "us" => Unit::Microsecond,
            "ns" => Unit::Nanosecond,
            _ => return None,
        })
    }
}

/// NaT, numpy's "not a time".
pub const NOT_A_TIME: i64 = i64::MIN;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// The text of `value` `count`-`unit`s after the epoch, without the
/// microseconds when `omit_microseconds`; an error message for NaT and
/// for a date outside the years 1-9999.
pub fn datetime64_text(
    value: i64,
    unit: Unit,
    count: i64,
    omit_microseconds: bool,
) -> Result<String, String> {
    if value == NOT_A_TIME {
        return Err("numpy.datetime64 NaT cannot be written".to_owned());
    }
    let unrepresentable =
        || format!("unrepresentable numpy.datetime64: {value} x {count} {unit:?}");
    let steps = value.checked_mul(count).ok_or_else(unrepresentable)?;
    let (days, micros) = match unit {
        Unit::Year | Unit::Month => {
            let months = if unit == Unit::Year {
                steps.checked_mul(12).ok_or_else(unrepresentable)?
            } else {
                steps
            };
            let year = 1970 + months.div_euclid(12);
            let month = months.rem_euclid(12) + 1;
            (
                days_from_civil(year, month, 1).ok_or_else(unrepresentable)?,
                0,
            )
        }
        Unit::Week => (steps.checked_mul(7).ok_or_else(unrepresentable)?, 0),
        Unit::Day => (steps, 0),
        Unit::Nanosecond => split_micros(steps.div_euclid(1000)),
        _ => {
            let per = match unit {
                Unit::Hour => 3_600_000_000,
                Unit::Minute => 60_000_000,
                Unit::Second => 1_000_000,
                Unit::Millisecond => 1_000,
                _ => 1,
            };
            split_micros(steps.checked_mul(per).ok_or_else(unrepresentable)?)
        }
    };
    let (year, month, day) = civil_from_days(days);
    if !(1..=9999).contains(&year) {
        return Err(unrepresentable());
    }
    let seconds = micros / 1_000_000;
    let mut text = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    let fraction = micros % 1_000_000;
    if fraction != 0 && !omit_microseconds {
        text.push_str(&format!(".{fraction:06}"));
    }
    Ok(text)
}

/// Microseconds since the epoch as (days, microseconds into the day).
fn split_micros(micros: i64) -> (i64, i64) {
    (
        micros.div_euclid(MICROS_PER_DAY),
        micros.rem_euclid(MICROS_PER_DAY),
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The days from 1970-01-01 to `year-month-day` (`days_from_civil`);
/// `None` far outside any year numpy holds.
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    if year.unsigned_abs() > 1 << 40 {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_days() {
        for days in (-719_162..2_932_896).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), Some(days));
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(18_262), (2020, 1, 1));
    }

    #[test]
    fn texts_as_orjson_writes_them() {
        let t = |value, unit, count| datetime64_text(value, unit, count, false).unwrap();
        assert_eq!(t(0, Unit::Day, 1), "1970-01-01T00:00:00");
        assert_eq!(t(51, Unit::Year, 1), "2021-01-01T00:00:00");
        assert_eq!(t(612, Unit::Month, 1), "2021-01-01T00:00:00");
        assert_eq!(t(2713, Unit::Week, 1), "2021-12-30T00:00:00");
        assert_eq!(t(-500, Unit::Millisecond, 1), "1969-12-31T23:59:59.500000");
        assert_eq!(
            t(1_609_504_496_123_456_789, Unit::Nanosecond, 1),
            "2021-01-01T12:34:56.123456"
        );
        assert_eq!(t(-1, Unit::Nanosecond, 1), "1969-12-31T23:59:59.999999");
        assert_eq!(t(3, Unit::Second, 10), "1970-01-01T00:00:30");
        assert_eq!(
            datetime64_text(1, Unit::Microsecond, 1, true).unwrap(),
            "1970-01-01T00:00:00"
        );
        assert!(datetime64_text(NOT_A_TIME, Unit::Second, 1, false).is_err());
        assert!(datetime64_text(2_932_897, Unit::Day, 1, false).is_err());
        assert!(datetime64_text(-719_163, Unit::Day, 1, false).is_err());
        assert!(datetime64_text(i64::MAX, Unit::Hour, 1, false).is_err());
    }
}
