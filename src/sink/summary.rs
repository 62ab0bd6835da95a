//! strace -c style summary (placeholder until the report sink lands).

use crate::model::Record;
use std::io::{self, Write};

/// Accumulates calls per syscall.
#[derive(Default)]
pub struct Summary {}

impl Summary {
    /// Count one record.
    pub fn add(&mut self, _rec: &Record) {}
    /// Write the table.
    pub fn write_table(&self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}
