//! What tracing cost, for `--stats`: stops per call and the time each reported call kept
//! its tracee stopped.

use std::collections::BTreeMap;
use syscalls::Sysno;

/// Stops taken for one syscall.
#[derive(Debug, Clone, Copy, Default)]
pub struct StopCount {
    /// Entry (or seccomp) stops.
    pub entry: u64,
    /// Exit stops.
    pub exit: u64,
    /// Calls reported.
    pub reported: u64,
}

/// Stops per call, counted by syscall number: a stop costs an index, not a lookup by name.
#[derive(Debug, Default)]
pub struct StopTable {
    /// By `Sysno::id()`; the last slot holds the calls that have no name here (a
    /// 32-bit call, an unknown number).
    counts: Vec<StopCount>,
}

impl StopTable {
    /// The counts of `sys` (None: a call without a name).
    pub fn of(&mut self, sys: Option<Sysno>) -> &mut StopCount {
        const SLOTS: usize = 1024;
        if self.counts.is_empty() {
            self.counts.resize(SLOTS + 1, StopCount::default());
        }
        let i = sys.map_or(SLOTS, |s| (s.id() as usize).min(SLOTS));
        &mut self.counts[i]
    }

    /// The calls that stopped, by name (`?` for those without one).
    pub fn by_name(&self) -> BTreeMap<String, StopCount> {
        let last = self.counts.len().saturating_sub(1);
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| c.entry + c.exit + c.reported > 0)
            .map(|(i, c)| {
                let name = (i < last)
                    .then(|| Sysno::new(i))
                    .flatten()
                    .map_or("?", |s| s.name());
                (name.to_owned(), *c)
            })
            .collect()
    }
}

/// How long each reported call kept its tracee stopped: from waitpid returning a stop
/// to the request that resumed it, summed over the stops of that call (entry and exit,
/// and for an interrupted call the stops that told whether it was restarted).
///
/// Log2 buckets of microseconds: bucket 0 holds 0 us, bucket k > 0 holds
/// [2^(k-1), 2^k) us.
#[derive(Debug, Clone, Default)]
pub struct StoppedTime {
    /// Grown to the highest bucket used (a few dozen at most).
    buckets: Vec<u64>,
    count: u64,
    total_ns: u64,
    max_ns: u64,
}

/// One bucket of [`StoppedTime`]: calls stopped for `lo_us <= t < hi_us`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// Lower bound, microseconds (inclusive).
    pub lo_us: u64,
    /// Upper bound, microseconds (exclusive).
    pub hi_us: u64,
    /// Calls in it.
    pub count: u64,
}

impl StoppedTime {
    /// Count one call that kept its tracee stopped for `ns`.
    pub fn add(&mut self, ns: u64) {
        let us = ns / 1000;
        let k = (u64::BITS - us.leading_zeros()) as usize;
        if self.buckets.len() <= k {
            self.buckets.resize(k + 1, 0);
        }
        self.buckets[k] += 1;
        self.count += 1;
        self.total_ns = self.total_ns.saturating_add(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    /// Calls counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Mean stopped time per call, nanoseconds (0 with no calls).
    pub fn mean_ns(&self) -> u64 {
        self.total_ns.checked_div(self.count).unwrap_or(0)
    }

    /// Longest stopped time, nanoseconds.
    pub fn max_ns(&self) -> u64 {
        self.max_ns
    }

    /// The buckets from the first to the last non-empty one.
    pub fn buckets(&self) -> Vec<Bucket> {
        let first = self.buckets.iter().position(|&c| c > 0);
        let last = self.buckets.iter().rposition(|&c| c > 0);
        let (Some(first), Some(last)) = (first, last) else {
            return Vec::new();
        };
        (first..=last)
            .map(|k| Bucket {
                lo_us: if k == 0 { 0 } else { 1 << (k - 1) },
                hi_us: 1 << k,
                count: self.buckets[k],
            })
            .collect()
    }

    /// Upper bound (us) of the bucket holding the `p`-th percentile call.
    pub fn percentile_us(&self, p: f64) -> u64 {
        let want = ((self.count as f64) * p / 100.0).ceil().max(1.0) as u64;
        let mut seen = 0;
        for b in self.buckets() {
            seen += b.count;
            if seen >= want {
                return b.hi_us;
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_are_counted_per_call() {
        let mut t = StopTable::default();
        t.of(Some(Sysno::connect)).entry += 2;
        t.of(Some(Sysno::connect)).exit += 1;
        t.of(None).entry += 1;
        let m = t.by_name();
        assert_eq!(m.len(), 2);
        assert_eq!((m["connect"].entry, m["connect"].exit), (2, 1));
        assert_eq!(m["?"].entry, 1);
        assert!(StopTable::default().by_name().is_empty());
    }

    #[test]
    fn buckets_are_log2_microseconds() {
        let mut t = StoppedTime::default();
        for ns in [0, 999, 1_000, 1_999, 2_000, 3_999, 4_000, 100_000] {
            t.add(ns);
        }
        let b = t.buckets();
        assert_eq!(
            b[..4],
            [
                Bucket {
                    lo_us: 0,
                    hi_us: 1,
                    count: 2
                },
                Bucket {
                    lo_us: 1,
                    hi_us: 2,
                    count: 2
                },
                Bucket {
                    lo_us: 2,
                    hi_us: 4,
                    count: 2
                },
                Bucket {
                    lo_us: 4,
                    hi_us: 8,
                    count: 1
                },
            ]
        );
        // 100 us lies in [64, 128).
        assert_eq!(b.last().map(|b| (b.lo_us, b.count)), Some((64, 1)));
        assert_eq!(t.count(), 8);
        assert_eq!(t.max_ns(), 100_000);
        assert_eq!(t.percentile_us(50.0), 2);
        assert_eq!(t.percentile_us(100.0), 128);
        assert_eq!(StoppedTime::default().buckets(), vec![]);
    }
}
