//! Which calls sockwhy reports, which it follows to their exit stop, and which it makes
//! fail on purpose (--inject): decided here, at the entry stop, and nowhere else.

use super::TraceConfig;
use super::fdkind::FdKind;
use crate::decode::operated_fd;
use crate::model::{Fd, traced};
use syscalls::{Sysno, SysnoSet};

/// What to do with a call at its entry stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryPlan {
    /// Let it run: nothing to learn from its exit.
    Ignore,
    /// Take its exit stop.
    Follow {
        /// Report it (else the exit stop only keeps the fd cache true).
        report: bool,
        /// Make it fail with this errno without running it.
        inject: Option<i32>,
    },
}

/// The report policy of a trace.
#[derive(Clone, Debug)]
pub struct Policy {
    report: SysnoSet,
    /// Calls that need an entry stop: the reported ones and those that keep the fd cache
    /// true.
    stopped: SysnoSet,
    all_families: bool,
    inject: Vec<(Sysno, i32)>,
}

impl Policy {
    /// The policy `cfg` asks for.
    pub fn new(cfg: &TraceConfig) -> Self {
        let mut stopped = cfg.report.clone();
        for s in traced::FD_CHANGING_CALLS
            .iter()
            .chain([&Sysno::close, &Sysno::close_range])
        {
            stopped.insert(*s);
        }
        Policy {
            report: cfg.report.clone(),
            stopped,
            all_families: cfg.all_families,
            inject: cfg.inject.clone(),
        }
    }

    /// Whether `sys` stops at its entry under the seccomp filter.
    pub fn stops(&self, sys: Sysno) -> bool {
        self.stopped.contains(sys)
    }

    /// The seccomp filter's set: `stopped`, and rt_sigreturn, whose exit stop tells what
    /// a signal handler's return gave a call the signal interrupted (engine/restart.rs).
    /// Programs return from handlers rarely enough for that stop to cost little.
    pub fn filter_set(&self) -> SysnoSet {
        let mut s = self.stopped.clone();
        s.insert(Sysno::rt_sigreturn);
        s
    }

    /// Decide at the entry stop. `fd_kind` says what an fd of the calling process is.
    pub fn at_entry(
        &self,
        sys: Sysno,
        args: &[u64; 6],
        fd_kind: impl FnOnce(Fd) -> FdKind,
    ) -> EntryPlan {
        if !self.stopped.contains(sys) {
            // PTRACE_SYSCALL mode stops on everything; only these calls matter.
            return EntryPlan::Ignore;
        }
        let mut report = self.report.contains(sys);
        match sys {
            Sysno::close_range => return EntryPlan::Ignore,
            Sysno::socket | Sysno::socketpair => {
                report &= args[0] == libc::AF_UNIX as u64 || self.all_families;
            }
            Sysno::fcntl => {
                // Only F_DUPFD and F_DUPFD_CLOEXEC make a new fd.
                let dup =
                    args[1] == libc::F_DUPFD as u64 || args[1] == libc::F_DUPFD_CLOEXEC as u64;
                if !dup {
                    return EntryPlan::Ignore;
                }
                report = false;
            }
            Sysno::dup | Sysno::dup2 | Sysno::dup3 => report = false,
            _ => {
                if report && let Some(fd) = operated_fd(sys, *args) {
                    report = self.reportable(fd_kind(fd), traced::is_fd_io(sys));
                }
            }
        }
        // The exit of a dup tells the fd cache which number now names something new.
        let keeps_exit =
            report || matches!(sys, Sysno::dup | Sysno::dup2 | Sysno::dup3 | Sysno::fcntl);
        // --inject fails only calls sockwhy reports: `write=EPIPE` is about the program's
        // socket writes, not its stdout or its files.
        let inject = self
            .inject
            .iter()
            .find(|(s, _)| *s == sys && report)
            .map(|(_, e)| *e);
        if keeps_exit {
            EntryPlan::Follow { report, inject }
        } else {
            EntryPlan::Ignore
        }
    }

    /// Whether a call on an fd of this kind is one we report.
    fn reportable(&self, kind: FdKind, fd_io: bool) -> bool {
        match kind {
            FdKind::Unix => true,
            FdKind::OtherSocket(_) => self.all_families,
            // A socket call on something that is not a socket fails (ENOTSOCK, EBADF):
            // that is worth showing; a read of a file is not.
            FdKind::NotSocket => !fd_io,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::DecodeOpts;

    fn policy(report: &[Sysno], inject: &[(Sysno, i32)]) -> Policy {
        let mut set = SysnoSet::empty();
        for s in report {
            set.insert(*s);
        }
        Policy::new(&TraceConfig {
            target: super::super::Target::Attach(vec![]),
            follow: true,
            seccomp: true,
            all_families: false,
            report: set,
            inject: inject.to_vec(),
            decode: DecodeOpts { strsize: 32 },
            leader_exit: super::super::LeaderExit::Wait,
            stack: None,
            same_cpu: false,
            spin: std::time::Duration::ZERO,
        })
    }

    #[test]
    fn reports_socket_calls_and_io_on_unix_sockets_only() {
        let p = policy(&[Sysno::connect, Sysno::write, Sysno::socket], &[]);
        let follow = EntryPlan::Follow {
            report: true,
            inject: None,
        };
        let unix = |_| FdKind::Unix;
        let file = |_| FdKind::NotSocket;
        assert_eq!(p.at_entry(Sysno::write, &[3, 0, 0, 0, 0, 0], unix), follow);
        assert_eq!(
            p.at_entry(Sysno::write, &[1, 0, 0, 0, 0, 0], file),
            EntryPlan::Ignore
        );
        // connect on a file fails with ENOTSOCK: worth showing.
        assert_eq!(
            p.at_entry(Sysno::connect, &[1, 0, 0, 0, 0, 0], file),
            follow
        );
        let inet = [libc::AF_INET as u64, 1, 0, 0, 0, 0];
        assert_eq!(p.at_entry(Sysno::socket, &inet, unix), EntryPlan::Ignore);
        // Not reported, but its exit keeps the fd cache true.
        assert_eq!(
            p.at_entry(Sysno::dup2, &[3, 4, 0, 0, 0, 0], unix),
            EntryPlan::Follow {
                report: false,
                inject: None
            }
        );
        assert_eq!(p.at_entry(Sysno::getpid, &[0; 6], unix), EntryPlan::Ignore);
        assert!(p.filter_set().contains(Sysno::rt_sigreturn));
        assert!(!p.stopped.contains(Sysno::rt_sigreturn));
    }

    #[test]
    fn injects_only_into_reported_calls() {
        let p = policy(&[Sysno::write], &[(Sysno::write, libc::EPIPE)]);
        assert_eq!(
            p.at_entry(Sysno::write, &[3, 0, 0, 0, 0, 0], |_| FdKind::Unix),
            EntryPlan::Follow {
                report: true,
                inject: Some(libc::EPIPE)
            }
        );
        assert_eq!(
            p.at_entry(Sysno::write, &[1, 0, 0, 0, 0, 0], |_| FdKind::NotSocket),
            EntryPlan::Ignore
        );
    }
}
