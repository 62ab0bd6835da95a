//! The streaming text trace: one strace-like line per call, failures explained under it.

use super::Sink;
use crate::model::{Record, SyscallEvent, TraceEnd};
use crate::render::line::{format_process, format_syscall};
use crate::render::stack::format_stack;
use std::io::{self, Write};

/// Writes records as text to any writer (stderr, a file, a test buffer).
pub struct TextSink<W: Write> {
    out: W,
    color: bool,
    failed_only: bool,
    unfold_stacks: bool,
}

impl<W: Write> TextSink<W> {
    /// A sink; `color` adds ANSI colours, `failed_only` shows only failing calls.
    pub fn new(out: W, color: bool, failed_only: bool) -> Self {
        TextSink {
            out,
            color,
            failed_only,
            unfold_stacks: false,
        }
    }

    /// Show every frame of a stack (-k) instead of folding the runtime's.
    pub fn unfold_stacks(mut self, unfold: bool) -> Self {
        self.unfold_stacks = unfold;
        self
    }

    fn shows(&self, ev: &SyscallEvent) -> bool {
        !self.failed_only || ev.failed()
    }
}

impl<W: Write> Sink for TextSink<W> {
    fn what(&self) -> &'static str {
        "the text trace"
    }

    fn wants_text(&self, ev: &SyscallEvent) -> bool {
        self.shows(ev)
    }

    /// Write one record (nothing for the header, the closing record or filtered events).
    fn write(&mut self, rec: &Record) -> io::Result<()> {
        let text = match rec {
            Record::Syscall(ev) if self.shows(ev) => {
                let mut t = format_syscall(ev, self.color);
                for l in format_stack(ev, self.unfold_stacks, self.color) {
                    t.push('\n');
                    t.push_str(&l);
                }
                Some(t)
            }
            Record::Process(pe) if !self.failed_only => format_process(pe),
            _ => None,
        };
        if let Some(t) = text {
            writeln!(self.out, "{t}")?;
        }
        Ok(())
    }

    /// Notices go to stderr, beside the trace (which may be a file). A stderr that cannot
    /// take them is no reason to stop the trace.
    fn warning(&mut self, line: &str) -> io::Result<()> {
        let _ = writeln!(io::stderr(), "sockwhy: {line}");
        Ok(())
    }

    fn finish(&mut self, _end: &TraceEnd) -> io::Result<()> {
        self.out.flush()
    }
}
