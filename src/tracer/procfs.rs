//! What the tracer itself reads from /proc about its tracees: thread group, names, exec
//! information, signal dispositions, process state.

use super::stop::SigNum;
use crate::model::escape::escape_bytes;
use crate::model::{Pid, Tid};
use crate::probe::procfs::read_proc;

fn status_field(status: &str, name: &str) -> Option<String> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(|v| v.trim().to_owned())
}

fn read_status(tid: Tid) -> Option<String> {
    read_proc(format!("/proc/{tid}/status"))
}

/// Thread-group id of `tid`.
pub fn read_tgid(tid: Tid) -> Option<Pid> {
    status_field(&read_status(tid)?, "Tgid")?.parse().ok()
}

/// /proc/PID/comm (read by the probe module, the one reader of it), escaped for records.
pub fn read_comm(pid: Pid) -> Option<String> {
    crate::probe::owners::probe_comm(pid).map(|c| escape_bytes(c.as_bytes()))
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

/// A process's state as /proc tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcState {
    /// The state letter: R, S, D, T, t, Z, X, ...
    pub state: char,
    /// The pid of its tracer, 0 for none.
    pub tracer: Pid,
    /// Its thread-group id (differs from the pid given when that is a thread's id).
    pub tgid: Pid,
    /// Its parent.
    pub ppid: Pid,
    /// Its real user id.
    pub uid: u32,
    /// True for a kernel thread.
    pub kthread: bool,
}

/// State, tracer and thread group of `pid` (a process or thread id).
pub fn read_proc_state(pid: Pid) -> Option<ProcState> {
    parse_proc_state(pid, &read_status(pid)?)
}

/// State of thread `tid` of process `pid`.
pub fn read_thread_state(pid: Pid, tid: Tid) -> Option<ProcState> {
    let s = read_proc(format!("/proc/{pid}/task/{tid}/status"))?;
    parse_proc_state(tid, &s)
}

/// CAP_SYS_PTRACE (linux/capability.h).
const CAP_SYS_PTRACE: u32 = 19;

/// True when our own effective capabilities hold CAP_SYS_PTRACE.
pub fn have_cap_sys_ptrace() -> bool {
    read_status(std::process::id() as Pid)
        .and_then(|s| status_field(&s, "CapEff"))
        .and_then(|v| u64::from_str_radix(&v, 16).ok())
        .is_some_and(|caps| caps & (1 << CAP_SYS_PTRACE) != 0)
}

fn parse_proc_state(pid: Pid, s: &str) -> Option<ProcState> {
    Some(ProcState {
        state: status_field(s, "State")?.chars().next()?,
        tracer: status_field(s, "TracerPid")?.parse().ok()?,
        tgid: status_field(s, "Tgid")?.parse().ok()?,
        ppid: status_field(s, "PPid")?.parse().ok()?,
        uid: status_field(s, "Uid")?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?,
        // "Kthread:" exists since Linux 6.0; before it, kthreadd (2) is the parent of all.
        kthread: status_field(s, "Kthread").is_some_and(|v| v == "1")
            || pid == 2
            || status_field(s, "PPid").as_deref() == Some("2"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_process() {
        let me = std::process::id() as Pid;
        assert_eq!(read_tgid(me), Some(me));
        let st = read_proc_state(me).unwrap();
        assert_eq!((st.tgid, st.tracer, st.kthread), (me, 0, false));
        assert_eq!(st.ppid, nix::unistd::getppid().as_raw());
        assert!(read_proc_state(2).is_some_and(|k| k.kthread));
        // The test harness does not catch SIGWINCH; nothing catches signal 0 or 65.
        assert_eq!(read_signal_caught(me, libc::SIGWINCH), Some(false));
        assert_eq!(read_signal_caught(me, 65), Some(false));
    }
}
