//! Pure: the explanation from the knowledge base (`crate::kb`) and the rules that turn
//! probed facts into a likely cause.

pub mod classify;
pub mod history;
pub mod rules;

pub use history::History;

use crate::kb;
use crate::model::{Facts, SyscallEvent};

/// Fill `explanation`, `man` and `cause` of a failing event; a call that succeeded gets
/// a cause only when a rule warns about it (fds dropped by MSG_CTRUNC, ...).
pub fn diagnose(ev: &mut SyscallEvent, facts: &Facts, hist: &History) {
    let Some(errno) = &ev.errno else {
        ev.cause = rules::find_note(ev, hist);
        return;
    };
    if let Some(e) = kb::explain(&ev.syscall.name(), &errno.name()) {
        ev.explanation = Some(e.text.to_owned());
        ev.man = Some(e.man.to_owned());
    }
    ev.cause = rules::find_cause(ev, facts, hist);
}
