//! The streaming text trace: one strace-like line per call, failures explained under it.

use crate::model::Record;
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

    /// Write one record (nothing for the header or filtered events).
    pub fn write(&mut self, rec: &Record) -> io::Result<()> {
        let text = match rec {
            Record::Syscall(ev) if !self.failed_only || ev.failed() => {
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

    /// Write a free-form line (warnings, stats).
    pub fn write_line(&mut self, line: &str) -> io::Result<()> {
        writeln!(self.out, "{line}")
    }

    /// Flush.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
