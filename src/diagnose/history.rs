//! What the program did before, per process and fd, so a rule can say "connect was
//! already called on fd 3". Fed every event in order by the pipeline.

use crate::model::SyscallEvent;

/// Per-process, per-fd memory of earlier calls.
#[derive(Debug, Default)]
pub struct History {}

impl History {
    /// Remember `ev` (called after `diagnose` for that event).
    pub fn record(&mut self, _ev: &SyscallEvent) {}
}
