//! The wait loop: every kind of stop is classified here, in one place, and every task
//! is resumed here. Runs on the tracer thread (ptrace requests must come from the
//! thread that attached). `calls.rs` follows a call from its entry to its exit stop and
//! reports it; `restart.rs` follows a call that a signal interrupted until it is known
//! whether the kernel restarted it or the program saw EINTR.

mod calls;
mod restart;

use super::fdkind::{FdCache, FdChange};
use super::outbox::Outbox;
use super::policy::Policy;
use super::procfs::{read_comm, read_exec_info, read_tgid};
use super::signals::{self, Wake};
use super::signame::signal_name;
use super::spin::{After, Spin};
use super::stats::StopTable;
use super::stop::{self, RequestError, Resume, SigNum, Stop};
use super::wait::{self, StopKind, WaitEvent};
use super::{Control, Finish, LeaderExit, StoppedTime, TraceConfig, TraceMsg};
use crate::decode::DecodeOpts;
use crate::model::{Pid, ProcessEvent, ProcessEventKind, Tid};
use calls::Pending;
use nix::errno::Errno;
use restart::Interrupted;
use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender};
use std::time::Instant;
use syscalls::Sysno;

/// Stops handled in a row before the loop looks at its signals without sleeping.
const BUSY_SIGNAL_CHECK: u32 = 256;

/// How the tracees run, decided once at the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Spawned under the seccomp filter: only the filter's calls stop. The filter cannot
    /// be removed, so the tracees cannot run without sockwhy: ending the trace kills them.
    Filtered,
    /// Spawned without the filter: every syscall stops; the tracees can be detached.
    Unfiltered,
    /// Attached with -p: every syscall stops; ending the trace detaches.
    Attached,
}

impl Mode {
    /// Whether the tracees can run on without sockwhy.
    fn can_detach(self) -> bool {
        self != Mode::Filtered
    }
}

/// Per-thread state.
struct Task {
    pid: Pid,
    /// The call between its entry and its exit stop.
    call: Option<Pending>,
    /// Calls a signal interrupted whose outcome is not known yet, innermost last (a
    /// signal handler's own call may be interrupted too).
    interrupted: Vec<Interrupted>,
}

/// How the loop is ending.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Running,
    /// Detach every task at its next stop.
    Detaching,
    /// Killed every process; wait for them to go.
    Killing,
}

/// The tracer's state.
pub struct Engine {
    mode: Mode,
    policy: Policy,
    decode: DecodeOpts,
    leader_exit: LeaderExit,
    outbox: Outbox,
    /// Wakes the tracer while messages are held (None: no timer could be made).
    ticker: Option<signals::Ticker>,
    /// Whether to wait awake for the next stop before sleeping.
    spin: Spin,
    /// What the last stop handled was resumed from, for `spin`.
    after: After,
    requests: Receiver<Control>,
    tasks: HashMap<Tid, Task>,
    fds: FdCache,
    start: Instant,
    seq: u64,
    /// The first spawned process: its exit status is sockwhy's.
    leader: Option<Pid>,
    /// The leader has exited; the tasks left are processes it started.
    leader_gone: bool,
    exit_code: Option<i32>,
    /// Stops per call name: keyed by the static name so counting a stop never allocates.
    stops: StopTable,
    /// Stopped time per reported call.
    stopped_time: StoppedTime,
    /// How long the last resumed stop lasted.
    last_stop_ns: u64,
    ending: Ending,
    /// The SIGCONT we sent the new child to start it: delivered, but not shown as if
    /// someone else had sent it.
    our_sigcont: Option<Tid>,
    /// A signal to sockwhy ended the traced programs (see `Finish::interrupted`).
    interrupted: bool,
    /// -k: walks stacks at reported calls.
    stacks: Option<crate::stack::Capturer>,
}

impl Engine {
    /// A new engine; tasks are added by `add_task` once seized.
    pub fn new(
        mode: Mode,
        cfg: &TraceConfig,
        tx: SyncSender<TraceMsg>,
        requests: Receiver<Control>,
    ) -> Self {
        let policy = Policy::new(cfg);
        // Every setsockopt is seen when every call stops or the filter has it, and when
        // no process that shares the tracees' sockets runs untraced (--no-follow).
        let sees_setsockopt =
            cfg.follow && (mode != Mode::Filtered || policy.stops(Sysno::setsockopt));
        Engine {
            mode,
            fds: FdCache::new(sees_setsockopt),
            policy,
            decode: cfg.decode.clone(),
            leader_exit: cfg.leader_exit,
            outbox: Outbox::new(tx),
            // On the tracer thread: the ticks are for it. Without a timer (none left to
            // the process), messages go over before each sleep instead.
            ticker: signals::Ticker::new().ok(),
            // Waiting awake only helps when the tracee has another CPU to run on.
            spin: Spin::new(if cfg.same_cpu || super::cpu::usable() < 2 {
                std::time::Duration::ZERO
            } else {
                cfg.spin
            }),
            after: After::Other,
            requests,
            tasks: HashMap::new(),
            start: Instant::now(),
            seq: 0,
            leader: None,
            leader_gone: false,
            exit_code: None,
            stops: StopTable::default(),
            stopped_time: StoppedTime::default(),
            last_stop_ns: 0,
            ending: Ending::Running,
            our_sigcont: None,
            interrupted: false,
            stacks: cfg.stack.clone().map(crate::stack::Capturer::new),
        }
    }

    /// Start tracking a seized task.
    pub fn add_task(&mut self, tid: Tid, pid: Pid) {
        self.tasks.insert(
            tid,
            Task {
                pid,
                call: None,
                interrupted: Vec::new(),
            },
        );
    }

    /// The spawned process whose exit status sockwhy passes through.
    pub fn set_leader(&mut self, pid: Pid) {
        self.leader = Some(pid);
        self.our_sigcont = Some(pid);
    }

    /// Nanoseconds since the trace started.
    fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    /// Send a message to the pipeline (held back to go over in a batch, `outbox.rs`);
    /// false when the pipeline has gone (the user closed the output).
    fn send(&self, msg: TraceMsg) -> bool {
        self.outbox.push(msg)
    }

    /// Hand the held messages over now (`all`) or when they are due.
    fn flush(&mut self, all: bool) {
        let ok = if all {
            self.outbox.flush()
        } else {
            self.outbox.flush_due()
        };
        if !ok {
            self.output_gone();
        }
    }

    /// Nothing to do until a tracee stops or a signal comes: sleep. Held messages go over
    /// at the next tick, every `LATENCY` while any are held.
    fn idle(&mut self) {
        let held = self.outbox.deadline().is_some();
        let ticking = self
            .ticker
            .as_mut()
            .is_some_and(|t| t.set(held, super::outbox::LATENCY));
        if !ticking {
            // No tick to count on: nothing may wait for the next stop.
            self.flush(true);
        }
        let wake = signals::wait();
        if matches!(wake, Wake::Child) {
            self.spin.slept();
        }
        self.on_wake(wake);
    }

    /// Before sleeping, wait awake a little for the next stop (`spin.rs`), taking our
    /// signals as they come. Ok(None): nothing came, sleep.
    fn spin_wait(&mut self) -> Result<Option<WaitEvent>, Errno> {
        let after = self.after;
        let Some(limit) = self.spin.wait_for(after) else {
            return Ok(None);
        };
        let start = Instant::now();
        loop {
            match signals::poll() {
                // A stop (or a stale SIGCHLD of one already taken: then look on).
                Some(Wake::Child) => {
                    if let Some(ev) = wait::wait_any()? {
                        self.spin.caught(after);
                        return Ok(Some(ev));
                    }
                }
                Some(w) => self.on_wake(w),
                None => {}
            }
            if start.elapsed() >= limit {
                self.spin.missed(after);
                return Ok(None);
            }
            std::hint::spin_loop();
        }
    }

    /// Tell the user something that is not an event.
    pub fn warn(&self, msg: String) {
        let _ = self.send(TraceMsg::Warning(msg));
    }

    /// A ptrace request on `tid` failed. ESRCH is expected (the task was killed while
    /// stopped, and its exit comes next); anything else is worth a warning.
    fn warn_request(&self, tid: Tid, e: RequestError) {
        if e.errno != Errno::ESRCH {
            self.warn(format!("tid {tid}: {} failed: {}", e.request, e.errno));
        }
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
            event: Some(kind.into()),
            ts_ns: self.now_ns(),
            pid,
            tid,
            ..Default::default()
        };
        f(&mut ev);
        // A closed pipeline is handled where calls are reported (`output_gone`).
        let _ = self.send(TraceMsg::Process(ev));
    }

    /// The pipeline is gone (the output closed): end the trace.
    fn output_gone(&mut self) {
        if self.mode == Mode::Attached {
            self.start_detach();
        } else if self.ending != Ending::Killing {
            self.kill_all();
        }
    }

    /// Run until every task has exited or been detached.
    pub fn run(mut self) -> Finish {
        let mut failures = 0u32;
        // Stops taken one after another without a look at our signals.
        let mut busy = 0u32;
        while !self.tasks.is_empty() {
            let next = match wait::wait_any() {
                Ok(None) => self.spin_wait(),
                got => got,
            };
            match next {
                Ok(Some(ev)) => {
                    failures = 0;
                    self.on_wait(ev);
                    self.flush(false);
                    // Tracees that always have a stop ready would keep the loop from
                    // sleeping, where our signals are taken: look at them now and then.
                    busy += 1;
                    if busy == BUSY_SIGNAL_CHECK {
                        busy = 0;
                        if let Some(w) = signals::poll() {
                            self.on_wake(w);
                        }
                    }
                }
                Ok(None) => {
                    busy = 0;
                    self.idle()
                }
                Err(Errno::EINTR) => {}
                Err(Errno::ECHILD) => {
                    self.lost_tasks();
                    break;
                }
                Err(e) => {
                    // Not a tracee's fault: tell, and keep waiting for the next change.
                    failures += 1;
                    if failures == 1 {
                        self.warn(format!(
                            "waitpid failed: {e}; still waiting for the tracees"
                        ));
                    }
                    if failures > 1000 {
                        self.warn(format!("waitpid keeps failing ({e}): the trace ends here"));
                        break;
                    }
                    self.on_wake(signals::wait());
                }
            }
        }
        self.flush(true);
        Finish {
            exit_code: self.exit_code,
            stops: self.stops.by_name(),
            stopped: self.stopped_time,
            filtered: self.mode == Mode::Filtered,
            interrupted: self.interrupted,
            spin: self.spin.counts(),
        }
    }

    /// waitpid says there is nothing left to wait for, though some tasks were never seen
    /// to go: say so rather than end in silence.
    fn lost_tasks(&mut self) {
        let mut tids: Vec<Tid> = self.tasks.keys().copied().collect();
        tids.sort_unstable();
        for tid in tids {
            if let Some(t) = self.tasks.remove(&tid) {
                self.abandon_interrupted(t.interrupted);
                self.warn(format!(
                    "tid {tid}: no longer traced (waitpid: no such child)"
                ));
            }
        }
    }

    fn on_wake(&mut self, w: Wake) {
        match w {
            Wake::Child => {}
            Wake::Tick => self.flush(true),
            Wake::Interrupt => self.on_interrupt(false),
            Wake::Terminate => self.on_interrupt(true),
            Wake::Request => {
                while let Ok(c) = self.requests.try_recv() {
                    self.on_request(c);
                }
            }
        }
    }

    /// SIGINT (terminate=false) or SIGTERM/SIGHUP (terminate=true) reached sockwhy.
    fn on_interrupt(&mut self, terminate: bool) {
        if self.mode == Mode::Attached {
            self.start_detach();
        } else if self.leader_gone {
            // Only what the command left running is traced: the user wants out.
            self.interrupted = true;
            self.end_leftovers();
        } else if terminate {
            self.interrupted = true;
            self.kill_all();
        }
        // SIGINT while the command runs: the terminal sent it to the command too; it
        // decides what to do, and we follow it to its end (as strace does).
    }

    fn on_request(&mut self, c: Control) {
        match c {
            Control::Detach if self.mode == Mode::Attached => self.start_detach(),
            Control::Detach if self.leader_gone => self.end_leftovers(),
            Control::Detach | Control::Kill => self.kill_all(),
        }
    }

    /// End the trace of processes the command left running: detach them when they can
    /// run without us, else kill them.
    fn end_leftovers(&mut self) {
        if self.mode.can_detach() {
            self.start_detach();
        } else {
            self.kill_all();
        }
    }

    fn start_detach(&mut self) {
        if self.ending == Ending::Detaching {
            return;
        }
        self.ending = Ending::Detaching;
        for tid in self.tasks.keys() {
            // The next stop of each task (this interrupt, or one already queued) detaches it.
            if let Err(e) = stop::interrupt(*tid) {
                self.warn_request(*tid, e);
            }
        }
    }

    fn kill_all(&mut self) {
        self.ending = Ending::Killing;
        for pid in self.live_pids() {
            let _ =
                nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::SIGKILL);
        }
    }

    /// The processes traced now.
    fn live_pids(&self) -> Vec<Pid> {
        let mut pids: Vec<Pid> = self.tasks.values().map(|t| t.pid).collect();
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    fn on_wait(&mut self, ev: WaitEvent) {
        // Until the stop turns out to be the entry of a call followed to its exit.
        self.after = After::Other;
        match ev {
            WaitEvent::Exited { tid, code } => self.on_exit(tid, Some(code), None, false),
            WaitEvent::Killed { tid, sig, core } => self.on_exit(tid, None, Some(sig), core),
            WaitEvent::Stopped { stop, kind } => {
                self.ensure_task(stop.tid());
                // A call waiting to learn whether it was restarted sees its thread's stops first.
                let Some(stop) = self.follow_interrupted(stop, kind) else {
                    return;
                };
                match kind {
                    StopKind::Signal(sig) => self.on_signal(stop, sig),
                    StopKind::Syscall => self.on_syscall_stop(stop, None),
                    StopKind::Event { event, sig } => self.on_event(stop, event, sig),
                }
            }
        }
    }

    /// How `tid` must run on from its stop.
    fn resume_how(&self, tid: Tid) -> Resume {
        let filtered = self.mode == Mode::Filtered;
        let Some(t) = self.tasks.get(&tid) else {
            return if filtered {
                Resume::Cont
            } else {
                Resume::Syscall
            };
        };
        if let Some(how) = restart::resume_for(&t.interrupted) {
            how
        } else if t.call.is_some() || !filtered {
            Resume::Syscall
        } else {
            Resume::Cont
        }
    }

    /// Resume `tid` after a stop, delivering `sig` (a signal-delivery-stop's signal; 0
    /// for none).
    fn resume(&mut self, stop: Stop, sig: SigNum) {
        if self.ending == Ending::Detaching {
            return self.detach(stop, sig);
        }
        let tid = stop.tid();
        match stop.resume(self.resume_how(tid), sig) {
            Ok(ns) => self.last_stop_ns = ns,
            Err(e) => self.warn_request(tid, e),
        }
    }

    fn detach(&mut self, stop: Stop, sig: SigNum) {
        let tid = stop.tid();
        let Some(t) = self.tasks.remove(&tid) else {
            if let Err(e) = stop.detach(sig) {
                self.warn_request(tid, e);
            }
            return;
        };
        if let Some(e) = t.call.as_ref().and_then(|p| p.inject) {
            // The call was skipped for --inject; make it fail as promised.
            if let Err(err) = super::arch::set_return(&stop, -(e as i64)) {
                self.warn(format!("tid {tid}: cannot set the injected result: {err}"));
            }
        }
        self.settle_at_detach(&stop, t.interrupted);
        match stop.detach(sig) {
            Ok(ns) => self.last_stop_ns = ns,
            Err(e) => self.warn_request(tid, e),
        }
        self.process_event(ProcessEventKind::Detach, t.pid, tid, |_| {});
    }

    fn on_exit(&mut self, tid: Tid, code: Option<i32>, sig: Option<SigNum>, core: bool) {
        let Some(task) = self.tasks.remove(&tid) else {
            return;
        };
        // Its interrupted calls never came back to the program.
        self.abandon_interrupted(task.interrupted);
        if tid == task.pid {
            self.fds.apply(task.pid, FdChange::All);
        }
        let is_leader = Some(tid) == self.leader;
        if is_leader {
            self.exit_code = Some(match (code, sig) {
                (Some(c), _) => c,
                (None, Some(s)) => 128 + s,
                _ => 0,
            });
        }
        self.process_event(ProcessEventKind::Exit, task.pid, tid, |e| {
            e.exit_code = code;
            e.signal = sig.map(signal_name);
            e.core_dumped = core;
        });
        if is_leader {
            self.leader_gone = true;
            self.on_leader_exit();
        }
    }

    /// The command's first process is gone. Whatever it started may run on (a daemon):
    /// say which, and do what --leader-exit asks.
    fn on_leader_exit(&mut self) {
        let left = self.live_pids();
        if left.is_empty() || self.ending != Ending::Running {
            return;
        }
        let who = left
            .iter()
            .map(|p| format!("pid {p} ({})", read_comm(*p).unwrap_or_else(|| "?".into())))
            .collect::<Vec<_>>()
            .join(", ");
        // (how many, subject, object, verb ending)
        let (n, they, them, s) = if left.len() == 1 {
            ("1 process".to_owned(), "it", "it", "s")
        } else {
            (format!("{} processes", left.len()), "they", "them", "")
        };
        match self.leader_exit {
            LeaderExit::Detach if self.mode.can_detach() => {
                self.warn(format!(
                    "the traced command has exited; detaching from {n} it started, left running untraced: {who}"
                ));
                self.start_detach();
            }
            LeaderExit::Kill => {
                self.warn(format!(
                    "the traced command has exited; killing {n} it started (--leader-exit=kill): {who}"
                ));
                self.kill_all();
            }
            LeaderExit::Wait | LeaderExit::Detach => {
                self.warn(format!(
                    "the traced command has exited, but {n} it started still run{s}: {who}"
                ));
                self.warn(if self.mode.can_detach() {
                    format!(
                        "sockwhy follows {them} until {they} exit{s}; Ctrl-C ends the trace and leaves {them} running untraced"
                    )
                } else {
                    format!(
                        "{they} run{s} under the seccomp filter, which cannot be removed, so {they} cannot outlive the trace: sockwhy follows {them} until {they} exit{s}, and Ctrl-C ends the trace and kills {them}. To leave such programs running, trace with --leader-exit=detach (no seccomp filter: slower); to end the trace when the command exits, use --leader-exit=kill"
                    )
                });
            }
        }
    }

    fn ensure_task(&mut self, tid: Tid) {
        if !self.tasks.contains_key(&tid) {
            // A new task can report its first stop before its parent's fork event.
            let pid = read_tgid(tid).unwrap_or(tid);
            self.add_task(tid, pid);
        }
    }

    fn pid_of(&self, tid: Tid) -> Pid {
        self.tasks.get(&tid).map_or(tid, |t| t.pid)
    }

    /// A signal-delivery-stop: pass the signal on unchanged, so the tracee gets exactly
    /// what it was sent (the same siginfo, real-time payloads included).
    fn on_signal(&mut self, stop: Stop, sig: SigNum) {
        let tid = stop.tid();
        if sig == libc::SIGCONT && self.our_sigcont == Some(tid) {
            self.our_sigcont = None;
        } else {
            self.process_event(ProcessEventKind::Signal, self.pid_of(tid), tid, |e| {
                e.signal = Some(signal_name(sig))
            });
        }
        self.resume(stop, sig);
    }

    fn on_event(&mut self, stop: Stop, event: i32, sig: SigNum) {
        let tid = stop.tid();
        let pid = self.pid_of(tid);
        match event {
            libc::PTRACE_EVENT_STOP => {
                if matches!(
                    sig,
                    libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU
                ) && self.ending != Ending::Detaching
                {
                    // Group-stop: stay stopped, as without a tracer, until SIGCONT.
                    if let Err(e) = stop.listen() {
                        self.warn_request(tid, e);
                    }
                } else {
                    // PTRACE_INTERRUPT, the first stop of a new task, or a group-stop
                    // while detaching (detach leaves it stopped, as it should be).
                    self.resume(stop, 0);
                }
            }
            libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE => {
                match stop.event_msg() {
                    Ok(new) => self.on_new_task(pid, new as Tid, event),
                    Err(e) => self.warn_request(tid, e),
                }
                self.resume(stop, 0);
            }
            libc::PTRACE_EVENT_EXEC => {
                // After execve from a non-leader thread, that thread now has the leader's
                // tid; the old tid is gone. GETEVENTMSG gives the former tid.
                match stop.event_msg() {
                    Ok(former) if former as Tid != tid => {
                        if let Some(t) = self.tasks.remove(&(former as Tid)) {
                            self.abandon_interrupted(t.interrupted);
                        }
                    }
                    Ok(_) => {}
                    Err(e) => self.warn_request(tid, e),
                }
                if let Some(t) = self.tasks.get_mut(&tid) {
                    t.call = None;
                    let gone = std::mem::take(&mut t.interrupted);
                    self.abandon_interrupted(gone);
                }
                self.fds.apply(pid, FdChange::All);
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
                self.resume(stop, 0);
            }
            libc::PTRACE_EVENT_SECCOMP => self.on_syscall_stop(stop, None),
            _ => self.resume(stop, 0),
        }
    }

    /// A fork, vfork or clone event of `pid` made task `new`.
    fn on_new_task(&mut self, pid: Pid, new: Tid, event: i32) {
        let is_thread = event == libc::PTRACE_EVENT_CLONE && read_tgid(new) == Some(pid);
        let new_pid = if is_thread { pid } else { new };
        match self.tasks.get_mut(&new) {
            Some(t) => t.pid = new_pid,
            None => self.add_task(new, new_pid),
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
            let _ =
                nix::sys::signal::kill(nix::unistd::Pid::from_raw(new), nix::sys::signal::SIGKILL);
        }
    }

    fn count(&mut self, sys: Option<Sysno>, exit: bool) {
        let c = self.stops.of(sys);
        if exit {
            c.exit += 1;
        } else {
            c.entry += 1;
        }
    }
}
