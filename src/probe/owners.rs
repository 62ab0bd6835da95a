//! A process's command name, for the holders of sockets (`scan.rs` finds who holds what).

use crate::model::{ByteString, Pid};

/// /proc/PID/comm without its newline (raw bytes: a process names itself).
pub fn probe_comm(pid: Pid) -> Option<ByteString> {
    let mut c = std::fs::read(format!("/proc/{pid}/comm")).ok()?;
    if c.last() == Some(&b'\n') {
        c.pop();
    }
    Some(ByteString(c))
}
