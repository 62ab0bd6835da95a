//! Failures over time: per process and per errno, in a fixed number of equal buckets
//! whose width doubles (neighbours merged pairwise) as the trace gets longer, so memory
//! does not grow with the trace.

use super::{ExitStatus, ProcRef, TIMELINE_BUCKETS};
use serde::Serialize;
use std::collections::HashMap;

/// Processes with a timeline row.
pub const MAX_TIMELINE_ROWS: usize = 200;
/// Errnos with a series of their own in the chart; the rest are summed as `other`.
pub const MAX_CHART_ERRNOS: usize = 8;
/// Narrowest bucket: 1 ms.
const MIN_BUCKET_NS: u64 = 1_000_000;

/// Failures over time, per process and per errno, in equal buckets.
#[derive(Clone, Debug, Serialize)]
pub struct Timeline {
    /// Width of a bucket, nanoseconds.
    pub bucket_ns: u64,
    /// Buckets that cover the run (at most [`TIMELINE_BUCKETS`]).
    pub buckets: usize,
    /// One row per process that had failures, in order of first failure.
    pub rows: Vec<TimelineRow>,
    /// Processes with failures that have no row (past [`MAX_TIMELINE_ROWS`]).
    pub rows_omitted: u64,
    /// One series per errno, most failures first (at most [`MAX_CHART_ERRNOS`], then one
    /// named `other` for the rest).
    pub by_errno: Vec<ErrnoSeries>,
}

/// One process's failures over time.
#[derive(Clone, Debug, Serialize)]
pub struct TimelineRow {
    /// The process.
    pub process: ProcRef,
    /// Failures per bucket (`buckets` entries), expected ones included.
    pub counts: Vec<u64>,
    /// Of those, the failures classed as expected, per bucket.
    pub expected: Vec<u64>,
    /// Total failures.
    pub failures: u64,
    /// When the process was first seen.
    pub start_ns: u64,
    /// When it ended, if it did.
    pub exit: Option<ExitStatus>,
    /// When the failure that ended it happened, if one did.
    pub fatal_ns: Option<u64>,
}

/// One errno's failures over time.
#[derive(Clone, Debug, Serialize)]
pub struct ErrnoSeries {
    /// The errno name, or `other` for the errnos past [`MAX_CHART_ERRNOS`].
    pub errno: String,
    /// Failures per bucket (`buckets` entries).
    pub counts: Vec<u64>,
    /// All of them.
    pub total: u64,
    /// Of which classed as expected.
    pub expected: u64,
}

impl Timeline {
    /// The time the buckets cover. Saturating: a trace's timestamps are input, and the
    /// buckets of one that ends near u64::MAX nanoseconds cover more than a u64 holds.
    pub fn span_ns(&self) -> u64 {
        self.bucket_ns.saturating_mul(self.buckets as u64)
    }

    /// Where bucket `b` starts (saturating, as [`Timeline::span_ns`]).
    pub fn bucket_start_ns(&self, b: usize) -> u64 {
        self.bucket_ns.saturating_mul(b as u64)
    }

    /// The bucket `ns` falls in.
    pub fn bucket_of(&self, ns: u64) -> usize {
        (ns / self.bucket_ns.max(1)) as usize
    }
}

struct RowAcc {
    proc_index: usize,
    counts: Vec<u64>,
    expected: Vec<u64>,
}

struct SeriesAcc {
    errno: String,
    counts: Vec<u64>,
    expected: u64,
}

/// Builds a [`Timeline`] one failure at a time.
pub(super) struct TimelineAcc {
    bucket_ns: u64,
    rows: Vec<RowAcc>,
    rows_omitted: u64,
    series: Vec<SeriesAcc>,
    series_index: HashMap<String, usize>,
}

impl TimelineAcc {
    pub(super) fn new() -> Self {
        TimelineAcc {
            bucket_ns: MIN_BUCKET_NS,
            rows: Vec::new(),
            rows_omitted: 0,
            series: Vec::new(),
            series_index: HashMap::new(),
        }
    }

    /// A row for the process at `proc_index`; None (counted once) past the limit.
    pub(super) fn new_row(&mut self, proc_index: usize) -> Option<usize> {
        if self.rows.len() >= MAX_TIMELINE_ROWS {
            self.rows_omitted += 1;
            return None;
        }
        self.rows.push(RowAcc {
            proc_index,
            counts: vec![0; TIMELINE_BUCKETS],
            expected: vec![0; TIMELINE_BUCKETS],
        });
        Some(self.rows.len() - 1)
    }

    /// A failure at `ts_ns` with `errno`, in row `row` when the process has one.
    pub(super) fn add(&mut self, row: Option<usize>, ts_ns: u64, errno: &str, expected: bool) {
        self.cover(ts_ns);
        let b = (ts_ns / self.bucket_ns) as usize;
        if let Some(r) = row.and_then(|r| self.rows.get_mut(r)) {
            r.counts[b] += 1;
            r.expected[b] += u64::from(expected);
        }
        let s = match self.series_index.get(errno) {
            Some(&s) => s,
            None => {
                // The first errnos seen get a series; the chart sorts them by total later.
                // Past the limit, every new errno goes to `other`.
                let name = if self.series.len() >= MAX_CHART_ERRNOS {
                    "other"
                } else {
                    errno
                };
                let s = match self.series_index.get(name) {
                    Some(&s) => s,
                    None => {
                        self.series.push(SeriesAcc {
                            errno: name.to_owned(),
                            counts: vec![0; TIMELINE_BUCKETS],
                            expected: 0,
                        });
                        self.series_index
                            .insert(name.to_owned(), self.series.len() - 1);
                        self.series.len() - 1
                    }
                };
                if name != errno {
                    self.series_index.insert(errno.to_owned(), s);
                }
                s
            }
        };
        self.series[s].counts[b] += 1;
        self.series[s].expected += u64::from(expected);
    }

    /// Widen the buckets until `ns` fits: merge neighbours pairwise, doubling the width.
    pub(super) fn cover(&mut self, ns: u64) {
        while ns / self.bucket_ns >= TIMELINE_BUCKETS as u64 {
            let arrays = self
                .rows
                .iter_mut()
                .flat_map(|r| [&mut r.counts, &mut r.expected])
                .chain(self.series.iter_mut().map(|s| &mut s.counts));
            for counts in arrays {
                for k in 0..TIMELINE_BUCKETS / 2 {
                    counts[k] = counts[2 * k] + counts[2 * k + 1];
                }
                counts[TIMELINE_BUCKETS / 2..].fill(0);
            }
            self.bucket_ns = self.bucket_ns.saturating_mul(2);
        }
    }

    /// The timeline up to `end_ns`; `row_of` says, for a process index, who it is, when
    /// it started, how it ended and when the failure that ended it was.
    pub(super) fn finish(
        mut self,
        end_ns: u64,
        row_of: impl Fn(usize) -> (ProcRef, u64, Option<ExitStatus>, Option<u64>),
    ) -> Timeline {
        // The buckets must also cover the end of the run, so the axis spans all of it.
        self.cover(end_ns);
        let buckets = ((end_ns / self.bucket_ns) as usize + 1).min(TIMELINE_BUCKETS);
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let (process, start_ns, exit, fatal_ns) = row_of(r.proc_index);
                TimelineRow {
                    process,
                    counts: r.counts[..buckets].to_vec(),
                    expected: r.expected[..buckets].to_vec(),
                    failures: r.counts.iter().sum(),
                    start_ns,
                    exit,
                    fatal_ns,
                }
            })
            .collect();
        let mut by_errno: Vec<ErrnoSeries> = self
            .series
            .into_iter()
            .map(|s| ErrnoSeries {
                total: s.counts.iter().sum(),
                counts: s.counts[..buckets].to_vec(),
                errno: s.errno,
                expected: s.expected,
            })
            .collect();
        by_errno.sort_by(|a, b| {
            (a.errno == "other")
                .cmp(&(b.errno == "other"))
                .then(b.total.cmp(&a.total))
                .then(a.errno.cmp(&b.errno))
        });
        Timeline {
            bucket_ns: self.bucket_ns,
            buckets,
            rows,
            rows_omitted: self.rows_omitted,
            by_errno,
        }
    }
}
