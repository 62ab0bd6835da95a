//! Pure: the errno knowledge base (assets/) and the rules that turn probed facts into a
//! likely cause.

use crate::model::{Facts, SyscallEvent};

/// What the program did before, per process and fd, so a rule can say "connect was
/// already called on fd 3". Fed every event in order by the pipeline.
#[derive(Debug, Default)]
pub struct History {}

impl History {
    /// Remember `ev` (called after `diagnose` for that event).
    pub fn record(&mut self, _ev: &SyscallEvent) {}
}

/// Fill `explanation`, `man` and `cause` of a failing event.
pub fn diagnose(_ev: &mut SyscallEvent, _facts: &Facts, _hist: &History) {}
