//! Output sinks: the text trace, the JSON Lines trace, reports and the summary table.
//!
//! Every front end feeds its sinks the same way (`app::pipeline`): each record, in order,
//! through [`Sink::write`], [`Sink::flush`] whenever the pipeline has caught up with the
//! tracer, then [`Sink::finish`] once with how the trace ended.

pub mod filter;
pub mod jsonl;
pub mod outfile;
pub mod report;
pub mod summary;
pub mod text;

use crate::model::{Record, SyscallEvent, TraceEnd};
use std::io;

/// A consumer of a live trace's records.
pub trait Sink {
    /// What this output is, for an error message (`the saved trace`).
    fn what(&self) -> &'static str;

    /// True when this sink shows the call's text fields (`args`, `ret_text`): the
    /// pipeline renders them only when some sink does.
    fn wants_text(&self, _ev: &SyscallEvent) -> bool {
        false
    }

    /// Take one record (diagnosed, its text rendered when asked for).
    fn write(&mut self, rec: &Record) -> io::Result<()>;

    /// The pipeline has no more records for now (the tracer's last batch is written):
    /// write out what is buffered, so a live trace is seen at once while a busy one goes
    /// out in a few large writes rather than one per line.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// A one-line notice from the tracer (most sinks have no place for it).
    fn warning(&mut self, _line: &str) -> io::Result<()> {
        Ok(())
    }

    /// The trace is over: write what comes at the end (a closing record, a table) and
    /// flush. Called once, after the last record.
    fn finish(&mut self, end: &TraceEnd) -> io::Result<()>;
}
