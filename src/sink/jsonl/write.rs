//! Writing the JSON Lines trace. A saved trace (`--save`, a `Sink`) is flushed whenever the
//! pipeline has caught up with the tracer, at most one batch of the tracer's after the
//! records were made; the live TUI's trace is flushed line by line, since the TUI reads a
//! line back as soon as it is listed.

use crate::model::{Record, SyscallEvent, TraceEnd};
use crate::sink::Sink;
use crate::sink::outfile::{self, OutFile};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// A JSON Lines writer.
pub struct JsonlWriter<W: Write> {
    out: W,
    /// Bytes written so far: where the next line starts.
    written: u64,
}

impl JsonlWriter<BufWriter<OutFile>> {
    /// Create `path` as every output file is (0600, no symlink, see [`outfile`]): the
    /// trace can hold payload bytes. Opened for reading too, so a viewer can read lines
    /// back ([`Self::reader`]).
    pub fn create(path: &Path) -> io::Result<Self> {
        Ok(Self::new(BufWriter::new(outfile::create(path)?)))
    }

    /// A private trace in `dir` that no one else can open (see [`outfile::spool`]).
    pub fn spool(dir: &Path) -> io::Result<Self> {
        Ok(Self::new(BufWriter::with_capacity(
            1 << 16,
            outfile::spool(dir)?,
        )))
    }

    /// A handle that reads the file being written (lines are there once written: each
    /// is flushed).
    pub fn reader(&self) -> io::Result<File> {
        self.out.get_ref().try_clone_file()
    }
}

impl<W: Write> JsonlWriter<W> {
    /// Wrap any writer.
    pub fn new(out: W) -> Self {
        JsonlWriter { out, written: 0 }
    }

    /// Bytes written so far: the offset the next line starts at.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Write one record as one line and flush it; the length of the line (without its
    /// newline).
    pub fn write(&mut self, rec: &Record) -> io::Result<u64> {
        let len = self.write_buffered(rec)?;
        self.out.flush()?;
        Ok(len)
    }

    /// Write one record as one line, left in the buffer; the length of the line.
    fn write_buffered(&mut self, rec: &Record) -> io::Result<u64> {
        let line = serde_json::to_vec(rec).map_err(io::Error::other)?;
        self.out.write_all(&line)?;
        self.out.write_all(b"\n")?;
        self.written += line.len() as u64 + 1;
        Ok(line.len() as u64)
    }
}

impl<W: Write> Sink for JsonlWriter<W> {
    fn what(&self) -> &'static str {
        "the saved trace"
    }

    fn wants_text(&self, _ev: &SyscallEvent) -> bool {
        true
    }

    fn write(&mut self, rec: &Record) -> io::Result<()> {
        self.write_buffered(rec).map(drop)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The closing record: the trace is whole.
    fn finish(&mut self, end: &TraceEnd) -> io::Result<()> {
        JsonlWriter::write(self, &Record::End(end.clone())).map(drop)
    }
}

/// One record as a JSON string (no newline), for sinks that embed it.
pub fn to_json_string(rec: &Record) -> String {
    serde_json::to_string(rec).unwrap_or_default()
}
