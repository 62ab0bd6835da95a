//! The streaming text trace: one strace-like line per call, failures explained under it.

use crate::model::Record;
use crate::render::line::{format_process, format_syscall};
use std::io::{self, Write};

/// Writes records as text to any writer (stderr, a file, a test buffer).
pub struct TextSink<W: Write> {
    out: W,
    color: bool,
    failed_only: bool,
}

impl<W: Write> TextSink<W> {
    /// A sink; `color` adds ANSI colours, `failed_only` shows only failing calls.
    pub fn new(out: W, color: bool, failed_only: bool) -> Self {
        TextSink {
            out,
            color,
            failed_only,
        }
    }

    /// Write one record (nothing for the header or filtered events).
    pub fn write(&mut self, rec: &Record) -> io::Result<()> {
        let text = match rec {
            Record::Syscall(ev) if !self.failed_only || ev.failed() => {
                Some(format_syscall(ev, self.color))
            }
            Record::Process(pe) if !self.failed_only => format_process(pe),
            _ => None,
        };
        if let Some(t) = text {
            writeln!(self.out, "{t}")?;
        }
        Ok(())
    }

    /// Write a free-form line (warnings, stats).
    pub fn write_line(&mut self, line: &str) -> io::Result<()> {
        writeln!(self.out, "{line}")
    }

    /// Flush.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
