//! The `strace -c` style table: calls, errors and time per syscall.
//!
//! Used at the end of a live trace with `-c` ([`SummarySink`], a sink like the others) and
//! by `sockwhy report -c FILE`. Memory is one entry per distinct syscall name.

use crate::model::{Record, SyscallEvent, TraceEnd};
use crate::sink::Sink;
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, Write};

/// Distinct syscall names kept; a trace is limited to the traced set, so only a foreign
/// or damaged file reaches this, and its extra names are counted under `other`.
const MAX_NAMES: usize = 256;

/// Totals for one syscall.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SummaryRow {
    /// Syscall name (`connect`), or `total`.
    pub syscall: String,
    /// Number of calls.
    pub calls: u64,
    /// Number of failing calls.
    pub errors: u64,
    /// Time spent in the calls, entry to exit stop, in nanoseconds.
    pub time_ns: u64,
}

impl SummaryRow {
    /// Microseconds per call (0 for no calls).
    pub fn usecs_per_call(&self) -> u64 {
        (self.time_ns / 1000).checked_div(self.calls).unwrap_or(0)
    }

    /// This row's share of `total_ns`, in percent (0 when nothing was timed).
    pub fn percent_of(&self, total_ns: u64) -> f64 {
        if total_ns == 0 {
            0.0
        } else {
            self.time_ns as f64 * 100.0 / total_ns as f64
        }
    }
}

/// Accumulates syscall records; renders the table.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    rows: HashMap<String, SummaryRow>,
    /// Failures per (syscall, errno): what strace -c does not break down.
    errnos: HashMap<(String, String), u64>,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Self {
        Summary::default()
    }

    /// Count one record (only syscall records count; headers and process events are ignored).
    pub fn add(&mut self, rec: &Record) {
        if let Record::Syscall(ev) = rec {
            self.add_call(ev);
        }
    }

    /// Count one syscall event.
    pub fn add_call(&mut self, ev: &SyscallEvent) {
        let row = match self.rows.get_mut(ev.syscall.name().as_ref()) {
            Some(r) => r,
            None => {
                let name = if self.rows.len() < MAX_NAMES {
                    ev.syscall.name().into_owned()
                } else {
                    "other".to_owned()
                };
                self.rows.entry(name.clone()).or_insert_with(|| SummaryRow {
                    syscall: name,
                    ..SummaryRow::default()
                })
            }
        };
        row.calls += 1;
        row.errors += u64::from(ev.failed());
        row.time_ns = row.time_ns.saturating_add(ev.duration_ns);
        if let Some(e) = &ev.errno {
            let key = (row.syscall.clone(), e.name().into_owned());
            // Bounded like the rows: an errno past the limit counts under `other`.
            let key = if self.errnos.len() < MAX_NAMES || self.errnos.contains_key(&key) {
                key
            } else {
                (row.syscall.clone(), "other".to_owned())
            };
            *self.errnos.entry(key).or_default() += 1;
        }
    }

    /// Failures per syscall and errno: in the order of [`Summary::rows`], most first
    /// within a call (then by name).
    pub fn errno_rows(&self) -> Vec<ErrnoRow> {
        let order: HashMap<String, usize> = self
            .rows()
            .into_iter()
            .enumerate()
            .map(|(i, r)| (r.syscall, i))
            .collect();
        let mut v: Vec<ErrnoRow> = self
            .errnos
            .iter()
            .map(|((syscall, errno), n)| ErrnoRow {
                syscall: syscall.clone(),
                errno: errno.clone(),
                errors: *n,
            })
            .collect();
        v.sort_by(|a, b| {
            order
                .get(&a.syscall)
                .cmp(&order.get(&b.syscall))
                .then(b.errors.cmp(&a.errors))
                .then(a.errno.cmp(&b.errno))
        });
        v
    }

    /// True when no call was counted.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows, most time first (then most calls, then by name), as strace orders them.
    pub fn rows(&self) -> Vec<SummaryRow> {
        let mut v: Vec<SummaryRow> = self.rows.values().cloned().collect();
        v.sort_by(|a, b| {
            b.time_ns
                .cmp(&a.time_ns)
                .then(b.calls.cmp(&a.calls))
                .then(a.syscall.cmp(&b.syscall))
        });
        v
    }

    /// The `total` row.
    pub fn total(&self) -> SummaryRow {
        let mut t = SummaryRow {
            syscall: "total".to_owned(),
            ..SummaryRow::default()
        };
        for r in self.rows.values() {
            t.calls += r.calls;
            t.errors += r.errors;
            t.time_ns = t.time_ns.saturating_add(r.time_ns);
        }
        t
    }

    /// Write the table as `strace -c` prints it: `% time`, `seconds`, `usecs/call`,
    /// `calls`, `errors` (blank when none), `syscall`, then a `total` line.
    pub fn write_table(&self, out: &mut dyn Write) -> io::Result<()> {
        write_rows(out, &self.rows(), &self.total())?;
        write_errno_rows(out, &self.errno_rows())
    }
}

/// Failures of one syscall with one errno.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrnoRow {
    /// Syscall name.
    pub syscall: String,
    /// Errno name (`ECONNREFUSED`).
    pub errno: String,
    /// How many calls failed so.
    pub errors: u64,
}

/// The errors of the table by errno, under it (nothing when no call failed).
pub fn write_errno_rows(out: &mut dyn Write, rows: &[ErrnoRow]) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let rule = "--------- ---------------- ----------------------------------------";
    writeln!(out)?;
    writeln!(out, "   errors syscall          errno")?;
    writeln!(out, "{rule}")?;
    for r in rows {
        let desc = crate::model::ErrnoName::parse(&r.errno)
            .known()
            .map(crate::model::errno::description);
        let errno = crate::render::escape::escape_str(&r.errno);
        writeln!(
            out,
            "{:>9} {:<16} {}",
            r.errors,
            crate::render::escape::escape_str(&r.syscall),
            match desc {
                Some(d) => format!("{errno} ({d})"),
                None => errno,
            }
        )?;
    }
    Ok(())
}

/// `-c` in a live trace: counts every traced call, prints the table when the trace is
/// over. As in strace, what the text trace shows (`-Z`, `-e status=`) does not narrow it.
pub struct SummarySink<W: Write> {
    summary: Summary,
    out: W,
}

impl<W: Write> SummarySink<W> {
    /// A sink printing its table to `out` at the end.
    pub fn new(out: W) -> Self {
        SummarySink {
            summary: Summary::new(),
            out,
        }
    }
}

impl<W: Write> Sink for SummarySink<W> {
    fn what(&self) -> &'static str {
        "the summary table"
    }

    fn write(&mut self, rec: &Record) -> io::Result<()> {
        self.summary.add(rec);
        Ok(())
    }

    fn finish(&mut self, _end: &TraceEnd) -> io::Result<()> {
        self.summary.write_table(&mut self.out)?;
        self.out.flush()
    }
}

/// Write rows and their total as the `strace -c` table (what [`Summary::write_table`]
/// prints; the report uses it for rows it already holds).
pub fn write_rows(out: &mut dyn Write, rows: &[SummaryRow], total: &SummaryRow) -> io::Result<()> {
    let rule = "------ ----------- ----------- --------- --------- ----------------";
    writeln!(
        out,
        "% time     seconds  usecs/call     calls    errors syscall"
    )?;
    writeln!(out, "{rule}")?;
    for r in rows {
        write_row(out, r, total.time_ns)?;
    }
    writeln!(out, "{rule}")?;
    write_row(out, total, total.time_ns)
}

fn write_row(out: &mut dyn Write, r: &SummaryRow, total_ns: u64) -> io::Result<()> {
    let pct = r.percent_of(total_ns);
    let errors = if r.errors == 0 {
        String::new()
    } else {
        r.errors.to_string()
    };
    writeln!(
        out,
        "{pct:6.2} {:>4}.{:06} {:>11} {:>9} {errors:>9} {}",
        r.time_ns / 1_000_000_000,
        (r.time_ns % 1_000_000_000) / 1000,
        r.usecs_per_call(),
        r.calls,
        crate::render::escape::escape_str(&r.syscall),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, errno: Option<&str>, ns: u64) -> Record {
        Record::Syscall(Box::new(SyscallEvent {
            syscall: name.into(),
            errno: errno.map(Into::into),
            ret: if errno.is_some() { -1 } else { 0 },
            duration_ns: ns,
            ..SyscallEvent::default()
        }))
    }

    #[test]
    fn table_like_strace() {
        let mut s = Summary::new();
        s.add(&call("connect", Some("ENOENT"), 30_000));
        s.add(&call("connect", None, 10_000));
        s.add(&call("sendmsg", None, 10_000));
        let mut out = Vec::new();
        s.add(&call("connect", Some("ECONNREFUSED"), 0));
        s.add(&call("connect", Some("ECONNREFUSED"), 0));
        s.add(&call("sendmsg", Some("EPIPE"), 0));
        s.write_table(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "% time     seconds  usecs/call     calls    errors syscall\n\
             ------ ----------- ----------- --------- --------- ----------------\n \
             80.00    0.000040          10         4         3 connect\n \
             20.00    0.000010           5         2         1 sendmsg\n\
             ------ ----------- ----------- --------- --------- ----------------\n\
             100.00    0.000050           8         6         4 total\n\
             \n   errors syscall          errno\n\
             --------- ---------------- ----------------------------------------\n        \
             2 connect          ECONNREFUSED (Connection refused)\n        \
             1 connect          ENOENT (No such file or directory)\n        \
             1 sendmsg          EPIPE (Broken pipe)\n"
        );
    }

    #[test]
    fn empty_table_has_a_zero_total() {
        let mut out = Vec::new();
        Summary::new().write_table(&mut out).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .ends_with("0         0           total\n")
        );
    }
}
