//! What the tracer itself reads from /proc about its tracees: thread group, names, exec
//! information, signal dispositions, process state.

use super::stop::SigNum;
use crate::model::{Pid, Tid};
use crate::render::escape::escape_bytes;

fn status_field(status: &str, name: &str) -> Option<String> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(|v| v.trim().to_owned())
}

fn read_status(tid: Tid) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{tid}/status")).ok()
}

/// Thread-group id of `tid`.
pub fn read_tgid(tid: Tid) -> Option<Pid> {
    status_field(&read_status(tid)?, "Tgid")?.parse().ok()
}

/// /proc/PID/comm, escaped.
pub fn read_comm(pid: Pid) -> Option<String> {
    let b = std::fs::read(format!("/proc/{pid}/comm")).ok()?;
    Some(escape_bytes(b.strip_suffix(b"\n").unwrap_or(&b)))
}

/// Program path and argv after an exec, escaped.
pub fn read_exec_info(pid: Pid) -> (Option<String>, Vec<String>) {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .map(|p| escape_bytes(p.as_os_str().as_encoded_bytes()));
    let argv = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            let b = b.strip_suffix(&[0]).unwrap_or(&b);
            b.split(|c| *c == 0).take(256).map(escape_bytes).collect()
        })
        .unwrap_or_default();
    (exe, argv)
}

/// Whether `sig` has a handler in `tid`'s process (SigCgt), None when unreadable.
pub fn read_signal_caught(tid: Tid, sig: SigNum) -> Option<bool> {
    let mask = u64::from_str_radix(&status_field(&read_status(tid)?, "SigCgt")?, 16).ok()?;
    Some((1..=64).contains(&sig) && mask & (1 << (sig - 1)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_process() {
        let me = std::process::id() as Pid;
        assert_eq!(read_tgid(me), Some(me));
        // The test harness does not catch SIGWINCH; nothing catches signal 0 or 65.
        assert_eq!(read_signal_caught(me, libc::SIGWINCH), Some(false));
        assert_eq!(read_signal_caught(me, 65), Some(false));
    }
}
