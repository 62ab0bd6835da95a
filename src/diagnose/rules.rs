//! Cause rules: small pure functions over the event, the probed facts and the history.

use super::History;
use crate::model::{Cause, Facts, SyscallEvent};

/// The likely cause of `ev`'s failure, if the evidence supports one.
pub fn find_cause(_ev: &SyscallEvent, _facts: &Facts, _hist: &History) -> Option<Cause> {
    None
}
