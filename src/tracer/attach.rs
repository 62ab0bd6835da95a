//! Attaching to running processes: PTRACE_SEIZE every thread, then PTRACE_INTERRUPT so
//! each reports a stop from which the loop starts tracing it. When the kernel refuses,
//! /proc says why: a zombie, another tracer, a kernel thread, ptrace_scope, another user.

use super::TraceError;
use super::procfs::{have_cap_sys_ptrace, read_comm, read_proc_state, read_thread_state};
use super::stop;
use crate::model::{Pid, Tid};
use nix::errno::Errno;
use nix::sys::ptrace;
use nix::unistd::Pid as NixPid;
use std::collections::BTreeSet;

/// The threads seized, and what the user should know about them.
pub struct Attached {
    /// Seized and interrupted.
    pub tids: Vec<Tid>,
    /// One line each.
    pub notes: Vec<String>,
}

/// Threads of `pid` now.
fn threads(pid: Pid) -> Result<BTreeSet<Tid>, TraceError> {
    let dir =
        std::fs::read_dir(format!("/proc/{pid}/task")).map_err(|_| TraceError::NoSuchPid(pid))?;
    Ok(dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect())
}

/// The pids to attach to, each once: a thread's id stands for its process. Returns them
/// in order, with a note for each one changed or dropped.
pub fn normalize(pids: &[Pid]) -> (Vec<Pid>, Vec<String>) {
    let (mut out, mut notes) = (Vec::new(), Vec::new());
    for &given in pids {
        let pid = match read_proc_state(given) {
            Some(st) if st.tgid != given && st.tgid > 0 => {
                notes.push(format!(
                    "{given} is a thread of process {}: tracing the whole process",
                    st.tgid
                ));
                st.tgid
            }
            _ => given,
        };
        if out.contains(&pid) {
            notes.push(format!("pid {pid} was given more than once: traced once"));
        } else {
            out.push(pid);
        }
    }
    (out, notes)
}

/// Seize every live thread of `pid`. Threads created while we attach are caught by a
/// second pass (new threads of a seized thread are auto-attached by PTRACE_O_TRACECLONE).
pub fn attach(pid: Pid, options: ptrace::Options) -> Result<Attached, TraceError> {
    let st = read_proc_state(pid).ok_or(TraceError::NoSuchPid(pid))?;
    if st.kthread {
        return Err(TraceError::AttachDenied(
            pid,
            "it is a kernel thread, which cannot be traced".into(),
        ));
    }
    let mut seized = BTreeSet::new();
    let mut exited = BTreeSet::new();
    for _pass in 0..3 {
        let now = threads(pid)?;
        let new: Vec<Tid> = now
            .iter()
            .filter(|t| !seized.contains(*t) && !exited.contains(*t))
            .copied()
            .collect();
        if new.is_empty() {
            break;
        }
        for tid in new {
            if read_thread_state(pid, tid).is_none_or(|t| matches!(t.state, 'Z' | 'X')) {
                // An exited thread (the main one, after pthread_exit) cannot be seized.
                exited.insert(tid);
                continue;
            }
            match ptrace::seize(NixPid::from_raw(tid), options) {
                Ok(()) => {
                    let _ = stop::interrupt(tid);
                    seized.insert(tid);
                }
                // The thread ended between listing and seizing.
                Err(Errno::ESRCH) => {
                    exited.insert(tid);
                }
                Err(e) => return Err(TraceError::AttachDenied(pid, refusal(pid, e))),
            }
        }
    }
    if seized.is_empty() {
        return Err(match read_proc_state(pid) {
            Some(st) if st.state == 'Z' => TraceError::AttachDenied(pid, zombie(&st)),
            Some(_) => TraceError::AttachDenied(pid, "none of its threads could be seized".into()),
            None => TraceError::NoSuchPid(pid),
        });
    }
    let mut notes = Vec::new();
    if exited.contains(&pid) {
        notes.push(format!(
            "the main thread of {pid} has exited (its other threads run on): tracing {} of them",
            seized.len()
        ));
    }
    Ok(Attached {
        tids: seized.into_iter().collect(),
        notes,
    })
}

fn zombie(st: &super::procfs::ProcState) -> String {
    format!(
        "it has exited: it is a zombie, whose exit status its parent (pid {}) has not collected yet",
        st.ppid
    )
}

/// Why PTRACE_SEIZE of `pid` failed with `e`, in the words of what /proc shows.
fn refusal(pid: Pid, e: Errno) -> String {
    let st = read_proc_state(pid);
    if let Some(st) = &st {
        if st.tracer != 0 {
            // TracerPid is the tracing thread; name its process.
            let owner = read_proc_state(st.tracer).map_or(st.tracer, |t| t.tgid);
            return format!(
                "it is already traced by pid {owner} ({}): a process can have only one tracer",
                read_comm(owner).unwrap_or_else(|| "?".into())
            );
        }
        if st.state == 'Z' {
            return zombie(st);
        }
    }
    if e != Errno::EPERM {
        return e.desc().to_owned();
    }
    let cap = have_cap_sys_ptrace();
    let me = nix::unistd::getuid().as_raw();
    if let Some(st) = &st
        && !cap
        && st.uid != me
    {
        return format!(
            "permission denied: it belongs to uid {} and sockwhy runs as uid {me} without CAP_SYS_PTRACE",
            st.uid
        );
    }
    let scope = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .ok()
        .and_then(|s| s.trim().parse::<u8>().ok());
    match scope {
        Some(3) => "permission denied: kernel.yama.ptrace_scope is 3, which forbids attaching to any process".into(),
        Some(n @ 1..=2) if !cap => format!(
            "permission denied: kernel.yama.ptrace_scope is {n}, which allows attaching {} (run sockwhy as root, or set the sysctl to 0)",
            if n == 1 { "only to sockwhy's own descendants without CAP_SYS_PTRACE" } else { "only with CAP_SYS_PTRACE" }
        ),
        _ if !cap => "permission denied: sockwhy lacks CAP_SYS_PTRACE, and the process is not dumpable (setuid, or it said so with prctl)".into(),
        _ => format!("permission denied ({})", e.desc()),
    }
}

/// On an attach error after some pids were seized: detach each as its interrupt stop
/// comes, leaving them as they were.
pub fn detach_all_now() {
    while let Ok(Some(ev)) = super::wait::wait_any_blocking() {
        if let super::wait::WaitEvent::Stopped { stop, kind } = ev {
            let sig = match kind {
                super::wait::StopKind::Signal(s) => s,
                _ => 0,
            };
            let _ = stop.detach(sig);
        }
    }
}
