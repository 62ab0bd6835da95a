//! The wait loop: every kind of stop is classified here, in one place, and every task
//! is resumed here. Runs on the tracer thread (ptrace requests must come from the
//! thread that attached).

use super::errno::{Outcome, kernel_result};
use super::fdkind::{FdCache, FdKind};
use super::signals::{self, Wake};
use super::sysinfo::{self, SysStop};
use super::tracee::StoppedTask;
use super::{Finish, StopCount, TraceConfig, TraceMsg};
use crate::decode::{self, EntryState};
use crate::model::{Fd, Pid, ProcessEvent, ProcessEventKind, SyscallEvent, Tid, traced};
use crate::probe::{self, ProbeCtx};
use crate::render::call::{render_args, render_ret_text};
use crate::render::escape::escape_bytes;
use nix::errno::Errno;
use nix::sys::ptrace::{self, Event};
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid as NixPid;
use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc::SyncSender;
use std::time::Instant;
use syscalls::{Sysno, SysnoSet};

/// A call between its entry and exit stop.
struct Pending {
    entry: EntryState,
    ts_ns: u64,
    fd: Option<Fd>,
    /// Errno to return instead of running the call (--inject).
    inject: Option<i32>,
    /// Report it at the exit stop (false: the exit stop only updates the fd cache).
    report: bool,
}

/// Per-thread state.
struct Task {
    pid: Pid,
    pending: Option<Pending>,
}

/// How the loop is ending.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Running,
    /// Detach every task at its next stop (attach mode).
    Detaching,
    /// Killed every process; wait for them to go.
    Killing,
}

/// The tracer's state.
pub struct Engine {
    cfg: TraceConfig,
    tx: SyncSender<TraceMsg>,
    tasks: HashMap<Tid, Task>,
    fds: FdCache,
    start: Instant,
    seq: u64,
    /// The first spawned process: its exit status is sockwhy's.
    leader: Option<Pid>,
    exit_code: Option<i32>,
    /// Stops per call name: keyed by the static name so counting a stop never allocates.
    stops: BTreeMap<&'static str, StopCount>,
    /// Calls that need a stop (the seccomp filter's set, or what PTRACE_SYSCALL mode
    /// looks at; every other stop in that mode is resumed at once).
    stopped: SysnoSet,
    /// True under the seccomp filter: only `stopped` calls stop at all.
    filtered: bool,
    ending: Ending,
    /// Spawn mode under a filter: the tracee cannot run on without us.
    spawned: bool,
    /// The SIGCONT we sent the new child to start it: delivered, but not shown as if
    /// someone else had sent it.
    our_sigcont: Option<Tid>,
    /// -k: walks stacks at reported calls.
    stacks: Option<crate::stack::Capturer>,
}

impl Engine {
    /// A new engine; tasks are added by `add_task` once seized.
    pub fn new(
        cfg: TraceConfig,
        tx: SyncSender<TraceMsg>,
        stopped: SysnoSet,
        filtered: bool,
        spawned: bool,
    ) -> Self {
        Engine {
            stacks: cfg.stack.clone().map(crate::stack::Capturer::new),
            cfg,
            tx,
            tasks: HashMap::new(),
            fds: FdCache::default(),
            start: Instant::now(),
            seq: 0,
            leader: None,
            exit_code: None,
            stops: BTreeMap::new(),
            stopped,
            filtered,
            ending: Ending::Running,
            spawned,
            our_sigcont: None,
        }
    }

    /// Start tracking a seized task.
    pub fn add_task(&mut self, tid: Tid, pid: Pid) {
        self.tasks.insert(tid, Task { pid, pending: None });
    }

    /// The spawned process whose exit status sockwhy passes through.
    pub fn set_leader(&mut self, pid: Pid) {
        self.leader = Some(pid);
        self.our_sigcont = Some(pid);
    }

    /// Nanoseconds since the trace started.
    pub fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    /// Send a message to the pipeline; false when the pipeline has gone (the user
    /// closed the output): then the trace ends.
    pub fn send(&self, msg: TraceMsg) -> bool {
        self.tx.send(msg).is_ok()
    }

    /// Send a process event.
    pub fn process_event(
        &self,
        kind: ProcessEventKind,
        pid: Pid,
        tid: Tid,
        f: impl FnOnce(&mut ProcessEvent),
    ) {
        let mut ev = ProcessEvent {
            event: Some(kind),
            ts_ns: self.now_ns(),
            pid,
            tid,
            ..Default::default()
        };
        f(&mut ev);
        let _ = self.send(TraceMsg::Process(ev));
    }

    /// Run until every task has exited or been detached.
    pub fn run(mut self) -> Finish {
        let flags = WaitPidFlag::__WALL | WaitPidFlag::WNOHANG;
        loop {
            if self.tasks.is_empty() {
                break;
            }
            match waitpid(None::<NixPid>, Some(flags)) {
                Ok(WaitStatus::StillAlive) => match signals::wait() {
                    Wake::Child => {}
                    Wake::Interrupt => self.on_interrupt(false),
                    Wake::Terminate => self.on_interrupt(true),
                    Wake::Control(c) => self.on_control(c),
                },
                Ok(status) => self.on_status(status),
                Err(Errno::EINTR) => {}
                Err(Errno::ECHILD) => break,
                Err(e) => {
                    let _ = self.send(TraceMsg::Warning(format!("waitpid failed: {e}")));
                    break;
                }
            }
        }
        Finish {
            exit_code: self.exit_code,
            stops: self
                .stops
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        }
    }

    /// SIGINT (terminate=false) or SIGTERM/SIGHUP (terminate=true) reached sockwhy.
    fn on_interrupt(&mut self, terminate: bool) {
        if !self.spawned {
            self.start_detach();
        } else if terminate {
            // A spawned child under the seccomp filter cannot run without its tracer.
            self.kill_all();
        }
        // SIGINT while spawning: the terminal sent it to the traced program too; it
        // decides what to do, and we follow it to its end (as strace does).
    }

    fn on_control(&mut self, c: super::Control) {
        match c {
            super::Control::Detach if !self.spawned => self.start_detach(),
            super::Control::Detach | super::Control::Kill => self.kill_all(),
        }
    }

    fn start_detach(&mut self) {
        if self.ending == Ending::Detaching {
            return;
        }
        self.ending = Ending::Detaching;
        for tid in self.tasks.keys() {
            // The next stop of each task (this interrupt, or one already queued) detaches it.
            let _ = ptrace::interrupt(NixPid::from_raw(*tid));
        }
    }

    fn kill_all(&mut self) {
        self.ending = Ending::Killing;
        let mut pids: Vec<Pid> = self.tasks.values().map(|t| t.pid).collect();
        pids.sort_unstable();
        pids.dedup();
        for pid in pids {
            let _ = nix::sys::signal::kill(NixPid::from_raw(pid), Signal::SIGKILL);
        }
    }

    fn on_status(&mut self, status: WaitStatus) {
        match status {
            WaitStatus::Exited(p, code) => self.on_exit(p.as_raw(), Some(code), None, false),
            WaitStatus::Signaled(p, sig, core) => self.on_exit(p.as_raw(), None, Some(sig), core),
            WaitStatus::Stopped(p, sig) => self.on_signal(p.as_raw(), sig),
            WaitStatus::PtraceEvent(p, sig, ev) => self.on_event(p.as_raw(), sig, ev),
            WaitStatus::PtraceSyscall(p) => self.on_syscall_stop(p.as_raw()),
            WaitStatus::Continued(_) | WaitStatus::StillAlive => {}
        }
    }

    /// Resume `tid` after a stop, injecting `sig` (a signal-delivery-stop's signal).
    fn resume(&mut self, tid: Tid, sig: Option<Signal>) {
        let p = NixPid::from_raw(tid);
        if self.ending == Ending::Detaching {
            self.detach(tid, sig);
            return;
        }
        let in_call = self.tasks.get(&tid).is_some_and(|t| t.pending.is_some());
        let r = if self.filtered && !in_call {
            ptrace::cont(p, sig)
        } else {
            ptrace::syscall(p, sig)
        };
        if r == Err(Errno::ESRCH) {
            // Killed while stopped (SIGKILL, or the whole group exiting): its exit comes.
        }
    }

    fn detach(&mut self, tid: Tid, sig: Option<Signal>) {
        if let Some(t) = self.tasks.remove(&tid) {
            if let Some(p) = t.pending.as_ref()
                && let Some(e) = p.inject
            {
                // The call was skipped for --inject; make it fail as promised.
                let _ = sysinfo::set_return(tid, -(e as i64));
            }
            let _ = ptrace::detach(NixPid::from_raw(tid), sig);
            self.process_event(ProcessEventKind::Detach, t.pid, tid, |_| {});
        }
    }

    fn on_exit(&mut self, tid: Tid, code: Option<i32>, sig: Option<Signal>, core: bool) {
        let Some(task) = self.tasks.remove(&tid) else {
            return;
        };
        if tid == task.pid {
            self.fds.forget_process(task.pid);
        }
        if Some(tid) == self.leader {
            self.exit_code = Some(match (code, sig) {
                (Some(c), _) => c,
                (None, Some(s)) => 128 + s as i32,
                _ => 0,
            });
        }
        self.process_event(ProcessEventKind::Exit, task.pid, tid, |e| {
            e.exit_code = code;
            e.signal = sig.map(|s| s.as_str().to_owned());
            e.core_dumped = core;
        });
    }

    fn ensure_task(&mut self, tid: Tid) {
        if !self.tasks.contains_key(&tid) {
            // A new task can report its first stop before its parent's fork event.
            let pid = read_tgid(tid).unwrap_or(tid);
            self.add_task(tid, pid);
        }
    }

    fn on_signal(&mut self, tid: Tid, sig: Signal) {
        self.ensure_task(tid);
        let pid = self.tasks[&tid].pid;
        if sig == Signal::SIGCONT && self.our_sigcont == Some(tid) {
            self.our_sigcont = None;
        } else {
            self.process_event(ProcessEventKind::Signal, pid, tid, |e| {
                e.signal = Some(sig.as_str().to_owned())
            });
        }
        // Pass the signal on unchanged: the tracee must see exactly what it was sent.
        self.resume(tid, Some(sig));
    }

    fn on_event(&mut self, tid: Tid, sig: Signal, ev: i32) {
        self.ensure_task(tid);
        let pid = self.tasks[&tid].pid;
        match ev {
            e if e == Event::PTRACE_EVENT_STOP as i32 => {
                if matches!(
                    sig,
                    Signal::SIGSTOP | Signal::SIGTSTP | Signal::SIGTTIN | Signal::SIGTTOU
                ) {
                    // Group-stop: stay stopped, as without a tracer, until SIGCONT.
                    if self.ending == Ending::Detaching {
                        self.detach(tid, None);
                    } else {
                        let _ = sysinfo::listen(tid);
                    }
                } else {
                    // PTRACE_INTERRUPT or the first stop of a new task.
                    self.resume(tid, None);
                }
            }
            e if e == Event::PTRACE_EVENT_FORK as i32
                || e == Event::PTRACE_EVENT_VFORK as i32
                || e == Event::PTRACE_EVENT_CLONE as i32 =>
            {
                if let Ok(new) = ptrace::getevent(NixPid::from_raw(tid)) {
                    let new = new as Tid;
                    let is_thread =
                        e == Event::PTRACE_EVENT_CLONE as i32 && read_tgid(new) == Some(pid);
                    let new_pid = if is_thread { pid } else { new };
                    if !self.tasks.contains_key(&new) {
                        self.add_task(new, new_pid);
                    } else if let Some(t) = self.tasks.get_mut(&new) {
                        t.pid = new_pid;
                    }
                    let kind = if is_thread {
                        ProcessEventKind::Clone
                    } else {
                        ProcessEventKind::Fork
                    };
                    self.process_event(kind, new_pid, new, |e| {
                        e.ppid = Some(pid);
                        e.comm = read_comm(new);
                    });
                    if self.ending == Ending::Killing && !is_thread {
                        let _ = nix::sys::signal::kill(NixPid::from_raw(new), Signal::SIGKILL);
                    }
                }
                self.resume(tid, None);
            }
            e if e == Event::PTRACE_EVENT_EXEC as i32 => {
                // After execve from a non-leader thread, that thread now has the leader's
                // tid; the old tid is gone. GETEVENTMSG gives the former tid.
                if let Ok(former) = ptrace::getevent(NixPid::from_raw(tid)) {
                    let former = former as Tid;
                    if former != tid {
                        self.tasks.remove(&former);
                    }
                }
                if let Some(t) = self.tasks.get_mut(&tid) {
                    t.pending = None;
                }
                self.fds.forget_process(pid);
                if self.our_sigcont == Some(tid) {
                    // Exec'd without a SIGCONT stop: nothing left to hide.
                    self.our_sigcont = None;
                }
                let (exe, argv) = read_exec_info(pid);
                self.process_event(ProcessEventKind::Exec, pid, tid, |e| {
                    e.exe = exe;
                    e.argv = argv;
                    e.comm = read_comm(pid);
                });
                self.resume(tid, None);
            }
            e if e == Event::PTRACE_EVENT_SECCOMP as i32 => self.on_syscall_stop(tid),
            _ => self.resume(tid, None),
        }
    }

    fn count(&mut self, sys: Option<Sysno>, exit: bool) {
        let name = sys.map(|s| s.name()).unwrap_or("?");
        let c = self.stops.entry(name).or_default();
        if exit {
            c.exit += 1;
        } else {
            c.entry += 1;
        }
    }

    fn on_syscall_stop(&mut self, tid: Tid) {
        self.ensure_task(tid);
        match sysinfo::syscall_stop(tid) {
            Ok(SysStop::Entry { arch, nr, args }) if arch == sysinfo::ARCH_X86_64 => {
                let sys = Sysno::new(nr as usize);
                self.count(sys, false);
                match sys {
                    Some(sys) => self.on_entry(tid, sys, args),
                    None => self.resume(tid, None),
                }
            }
            Ok(SysStop::Entry { .. }) => {
                // A 32-bit int 0x80 call: its numbers mean other calls; not decoded.
                self.count(None, false);
                self.resume(tid, None)
            }
            Ok(SysStop::Exit { rval }) => {
                let sys = self
                    .tasks
                    .get(&tid)
                    .and_then(|t| t.pending.as_ref())
                    .map(|p| p.entry.sys);
                if sys.is_some() {
                    self.count(sys, true);
                }
                self.on_exit_stop(tid, rval)
            }
            Ok(SysStop::None) | Err(_) => self.resume(tid, None),
        }
    }

    /// Whether the fd of this call is one we report on.
    fn reportable_fd(&mut self, pid: Pid, fd: Fd, fd_io: bool) -> bool {
        match self.fds.kind(pid, fd) {
            FdKind::Unix => true,
            FdKind::OtherSocket(_) => self.cfg.all_families,
            // A socket call on something that is not a socket fails (ENOTSOCK, EBADF):
            // that is worth showing; a read of a file is not.
            FdKind::NotSocket => !fd_io,
        }
    }

    fn on_entry(&mut self, tid: Tid, sys: Sysno, args: [u64; 6]) {
        let pid = self.tasks[&tid].pid;
        let fd = fd_arg(sys, &args);
        if !self.stopped.contains(sys) {
            // PTRACE_SYSCALL mode stops on everything; only these calls matter.
            return self.resume(tid, None);
        }
        let mut report = self.cfg.report.contains(sys);
        match sys {
            Sysno::close_range => {
                self.fds.forget_process(pid);
                return self.resume(tid, None);
            }
            Sysno::socket | Sysno::socketpair => {
                report &= args[0] == libc::AF_UNIX as u64 || self.cfg.all_families;
            }
            Sysno::fcntl => {
                // Only F_DUPFD and F_DUPFD_CLOEXEC make a new fd.
                let dup =
                    args[1] == libc::F_DUPFD as u64 || args[1] == libc::F_DUPFD_CLOEXEC as u64;
                if !dup {
                    return self.resume(tid, None);
                }
                report = false;
            }
            Sysno::dup | Sysno::dup2 | Sysno::dup3 => report = false,
            _ => {
                if let Some(fd) = fd {
                    report &= self.reportable_fd(pid, fd, traced::is_fd_io(sys));
                }
            }
        }
        let keeps_exit =
            report || matches!(sys, Sysno::dup | Sysno::dup2 | Sysno::dup3 | Sysno::fcntl);
        // --inject fails only calls sockwhy reports: `write=EPIPE` is about the program's
        // socket writes, not its stdout or its files.
        let inject = self
            .cfg
            .inject
            .iter()
            .find(|(s, _)| *s == sys && report)
            .map(|(_, e)| *e);
        if !keeps_exit && inject.is_none() {
            if sys == Sysno::close
                && let Some(fd) = fd
            {
                self.fds.forget_fd(pid, fd);
            }
            return self.resume(tid, None);
        }
        if inject.is_some() && sysinfo::skip_syscall(tid).is_err() {
            return self.resume(tid, None);
        }
        let ts_ns = self.now_ns();
        let entry = {
            let mut t = StoppedTask {
                tid,
                pid,
                fds: &mut self.fds,
            };
            decode::decode_entry(sys, args, &mut t, &self.cfg.decode)
        };
        if sys == Sysno::close
            && let Some(fd) = fd
        {
            // Identity was read while decoding (before the fd goes); the number is free now.
            self.fds.forget_fd(pid, fd);
        }
        if let Some(t) = self.tasks.get_mut(&tid) {
            t.pending = Some(Pending {
                entry,
                ts_ns,
                fd,
                inject,
                report: report || inject.is_some(),
            });
        }
        self.resume(tid, None);
    }

    fn on_exit_stop(&mut self, tid: Tid, rval: i64) {
        let Some(pending) = self.tasks.get_mut(&tid).and_then(|t| t.pending.take()) else {
            return self.resume(tid, None);
        };
        let pid = self.tasks[&tid].pid;
        let rval = match pending.inject {
            Some(e) => {
                let _ = sysinfo::set_return(tid, -(e as i64));
                -(e as i64)
            }
            None => rval,
        };
        let sys = pending.entry.sys;
        // Keep the fd cache true: numbers that now name something new.
        match sys {
            Sysno::dup | Sysno::dup2 | Sysno::dup3 | Sysno::fcntl if rval >= 0 => {
                self.fds.forget_fd(pid, rval as Fd)
            }
            Sysno::socket | Sysno::accept | Sysno::accept4 if rval >= 0 => {
                self.fds.forget_fd(pid, rval as Fd)
            }
            Sysno::connect | Sysno::bind | Sysno::listen | Sysno::shutdown => {
                if let Some(fd) = pending.fd {
                    self.fds.forget_identity(pid, fd);
                }
            }
            _ => {}
        }
        if !pending.report {
            return self.resume(tid, None);
        }
        let decoded = {
            let mut t = StoppedTask {
                tid,
                pid,
                fds: &mut self.fds,
            };
            decode::decode_exit(pending.entry, rval, &mut t, &self.cfg.decode)
        };
        for fd in &decoded.ret_fds {
            // socketpair's pair and fds received with SCM_RIGHTS are new in this process.
            self.fds.forget_fd(pid, *fd);
        }
        if let Some(c) = self.stops.get_mut(sys.name()) {
            c.reported += 1;
        }
        let outcome = kernel_result(rval);
        self.seq += 1;
        let mut ev = SyscallEvent {
            seq: self.seq,
            ts_ns: pending.ts_ns,
            duration_ns: self.now_ns().saturating_sub(pending.ts_ns),
            pid,
            tid,
            syscall: sys.name().to_owned(),
            args: render_args(&decoded),
            ret_text: render_ret_text(&decoded),
            addr: decoded.addr.clone(),
            fds: decoded.fds.clone(),
            msgs: decoded.msgs.clone(),
            fd: decoded.fd.or(pending.fd),
            injected: pending.inject.is_some(),
            ..SyscallEvent::default()
        };
        match outcome {
            Outcome::Success(v) => ev.ret = v,
            Outcome::Error(name) => {
                ev.ret = -1;
                ev.errno = Some(name);
            }
            Outcome::Restart { restart, sees } => {
                ev.ret = -1;
                ev.restart = Some(restart.to_owned());
                ev.errno = sees.map(str::to_owned);
            }
        }
        // Probe now, while the tracee is still stopped and the system as it failed.
        let mut facts = if ev.failed() {
            probe::probe_failure(&ProbeCtx { pid, tid }, &ev)
        } else {
            Default::default()
        };
        if let Some(c) = self.stacks.as_mut().filter(|c| c.wants(ev.failed())) {
            facts.stack = Some(super::stack::capture(c, pid, tid));
        }
        if !self.send(TraceMsg::Syscall(Box::new(ev), Box::new(facts))) && self.spawned {
            self.kill_all();
        }
        self.resume(tid, None);
    }
}

/// The fd argument of calls that take one first.
fn fd_arg(sys: Sysno, args: &[u64; 6]) -> Option<Fd> {
    match sys {
        Sysno::socket | Sysno::socketpair | Sysno::close_range => None,
        _ => Some(args[0] as i32),
    }
}

/// Thread-group id of `tid` from /proc/TID/status.
pub fn read_tgid(tid: Tid) -> Option<Pid> {
    let s = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("Tgid:"))
        .and_then(|v| v.trim().parse().ok())
}

/// /proc/PID/comm, escaped.
pub fn read_comm(pid: Pid) -> Option<String> {
    let b = std::fs::read(format!("/proc/{pid}/comm")).ok()?;
    Some(escape_bytes(b.strip_suffix(b"\n").unwrap_or(&b)))
}

/// Program path and argv after an exec, escaped.
fn read_exec_info(pid: Pid) -> (Option<String>, Vec<String>) {
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
