//! Timestamps and durations in the text trace, as strace prints them: `-t` (`10:20:30 `),
//! `-tt` (`10:20:30.123456 `), `-ttt` (`1700000000.123456 `), `-r` (`     0.000123 `, or
//! `10:20:30 (+     0.000123) ` with -t) and `-T` (` <0.000012>`).
//!
//! A record's time is nanoseconds since the trace started; the wall clock at that start
//! comes from the front end. The local time zone is read once (TZ, /etc/localtime).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `-t`, `-tt`, `-ttt`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Absolute {
    /// No time of day.
    #[default]
    None,
    /// `-t`: hours, minutes, seconds (local time).
    Seconds,
    /// `-tt`: with microseconds.
    Micros,
    /// `-ttt`: seconds since the epoch, with microseconds.
    Epoch,
}

impl Absolute {
    /// From the number of `-t` given.
    pub fn from_count(n: u8) -> Absolute {
        match n {
            0 => Absolute::None,
            1 => Absolute::Seconds,
            2 => Absolute::Micros,
            _ => Absolute::Epoch,
        }
    }
}

/// The time prefix of each line.
#[derive(Debug)]
pub struct Clock {
    absolute: Absolute,
    relative: bool,
    /// The wall clock when the trace's time was 0.
    start: SystemTime,
    tz: jiff::tz::TimeZone,
    /// The time of the previous line (`-r`).
    last_ns: Option<u64>,
}

impl Clock {
    /// A clock for `absolute` and `-r`, its zero at `start`.
    pub fn new(absolute: Absolute, relative: bool, start: SystemTime) -> Clock {
        Clock {
            absolute,
            relative,
            start,
            tz: if absolute == Absolute::None || absolute == Absolute::Epoch {
                jiff::tz::TimeZone::UTC
            } else {
                jiff::tz::TimeZone::system()
            },
            last_ns: None,
        }
    }

    /// True when lines get a prefix.
    pub fn is_on(&self) -> bool {
        self.absolute != Absolute::None || self.relative
    }

    /// The prefix for a line at `ts_ns` (empty when off); `-r` counts from the previous
    /// line this was asked for.
    pub fn prefix(&mut self, ts_ns: u64) -> String {
        let rel = self.relative.then(|| {
            // Records come in order of their exit stops, so one may have started
            // before the one shown before it: strace shows 0 then too.
            let d = ts_ns.saturating_sub(self.last_ns.unwrap_or(ts_ns));
            self.last_ns = Some(ts_ns);
            format!("{:6}.{:06}", d / 1_000_000_000, d % 1_000_000_000 / 1000)
        });
        let abs = self.time_of(ts_ns);
        match (abs, rel) {
            (None, None) => String::new(),
            (Some(a), None) => format!("{a} "),
            (None, Some(r)) => format!("{r} "),
            (Some(a), Some(r)) => format!("{a} (+{r}) "),
        }
    }

    fn time_of(&self, ts_ns: u64) -> Option<String> {
        let at = self.start + Duration::from_nanos(ts_ns);
        let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        let (secs, us) = (since.as_secs(), since.subsec_micros());
        let local = || {
            let offset = jiff::Timestamp::from_second(secs as i64)
                .map(|t| self.tz.to_offset(t).seconds())
                .unwrap_or(0);
            let s = (secs as i64 + i64::from(offset)).rem_euclid(86_400);
            format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
        };
        match self.absolute {
            Absolute::None => None,
            Absolute::Seconds => Some(local()),
            Absolute::Micros => Some(format!("{}.{us:06}", local())),
            Absolute::Epoch => Some(format!("{secs}.{us:06}")),
        }
    }
}

/// `-T`: ` <0.000012>`.
pub fn duration_suffix(ns: u64) -> String {
    format!(" <{}.{:06}>", ns / 1_000_000_000, ns % 1_000_000_000 / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_strace() {
        // 2023-11-14 22:13:20 UTC.
        let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut c = Clock::new(Absolute::Epoch, false, start);
        assert_eq!(c.prefix(1_234_567), "1700000000.001234 ");
        let mut c = Clock::new(Absolute::None, true, start);
        assert_eq!(c.prefix(5_000), "     0.000000 ");
        assert_eq!(
            c.prefix(2_005_000_000),
            "     2.004995 ",
            "since the previous line"
        );
        assert_eq!(c.prefix(2_000_000_000), "     0.000000 ", "never negative");
        assert!(!Clock::new(Absolute::None, false, start).is_on());
        assert_eq!(duration_suffix(12_345), " <0.000012>");
        assert_eq!(duration_suffix(3_000_000_000), " <3.000000>");
    }

    #[test]
    fn time_of_day_in_the_local_zone() {
        let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let c = Clock::new(Absolute::Micros, true, start);
        let offset =
            c.tz.to_offset(jiff::Timestamp::from_second(1_700_000_000).unwrap())
                .seconds();
        let s = (1_700_000_000i64 + i64::from(offset)).rem_euclid(86_400);
        let want = format!(
            "{:02}:{:02}:{:02}.000042 (+     0.000000) ",
            s / 3600,
            s % 3600 / 60,
            s % 60
        );
        let mut c = c;
        assert_eq!(c.prefix(42_000), want);
        let mut t = Clock::new(Absolute::Seconds, false, start);
        assert_eq!(t.prefix(0).len(), "22:13:20 ".len());
    }
}
