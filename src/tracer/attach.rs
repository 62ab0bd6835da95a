//! Attaching to running processes: PTRACE_SEIZE every thread, then PTRACE_INTERRUPT so
//! each reports a stop from which the loop starts tracing it.

use super::TraceError;
use nix::errno::Errno;
use nix::sys::ptrace;
use nix::unistd::Pid as NixPid;
use std::collections::BTreeSet;

/// Threads of `pid` now.
fn threads(pid: i32) -> Result<BTreeSet<i32>, TraceError> {
    let dir =
        std::fs::read_dir(format!("/proc/{pid}/task")).map_err(|_| TraceError::NoSuchPid(pid))?;
    Ok(dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect())
}

/// Seize every thread of `pid`. Threads created while we attach are caught by a second
/// pass (new threads of a seized thread are auto-attached by PTRACE_O_TRACECLONE).
pub fn attach(pid: i32, options: ptrace::Options) -> Result<Vec<i32>, TraceError> {
    let mut seized = BTreeSet::new();
    for _pass in 0..3 {
        let now = threads(pid)?;
        let new: Vec<i32> = now.difference(&seized).copied().collect();
        if new.is_empty() {
            break;
        }
        for tid in new {
            match ptrace::seize(NixPid::from_raw(tid), options) {
                Ok(()) => {
                    let _ = ptrace::interrupt(NixPid::from_raw(tid));
                    seized.insert(tid);
                }
                // The thread ended between listing and seizing.
                Err(Errno::ESRCH) if tid != pid => {}
                Err(Errno::ESRCH) => return Err(TraceError::NoSuchPid(pid)),
                Err(e) => return Err(TraceError::AttachDenied(pid, e.desc().to_owned())),
            }
        }
    }
    Ok(seized.into_iter().collect())
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
