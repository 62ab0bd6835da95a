//! One call from its entry stop to its exit stop: the policy's decision, injection,
//! decoding, the fd cache, and the report.

use super::Engine;
use crate::decode::operated_fd;
use crate::decode::{self, Decoded, EntryState};
use crate::model::{Facts, Fd, Pid, SyscallEvent, Tid};
use crate::probe::{self, ProbeCtx};
use crate::tracer::TraceMsg;
use crate::tracer::arch;
use crate::tracer::errno::{KernelResult, Outcome, kernel_result};
use crate::tracer::fdkind::{change_at_entry, change_at_exit, created_at_exit};
use crate::tracer::policy::EntryPlan;
use crate::tracer::stop::Stop;
use crate::tracer::sysinfo::{self, SysInfo, SysStop};
use crate::tracer::tracee::StoppedTask;
use syscalls::Sysno;

/// A call between its entry and exit stop.
pub(in crate::tracer) struct Pending {
    entry: EntryState,
    ts_ns: u64,
    fd: Option<Fd>,
    /// Errno to return instead of running the call (--inject).
    pub(super) inject: Option<i32>,
    /// Report it at the exit stop (false: the exit stop only updates the fd cache).
    report: bool,
    /// Time the entry stop kept the tracee stopped (for --stats).
    stopped_ns: u64,
}

/// A call that has ended, decoded, with everything its record is made of but its
/// outcome.
pub(in crate::tracer) struct DoneCall {
    pub(super) tid: Tid,
    pub(super) pid: Pid,
    pub(super) sys: Sysno,
    ts_ns: u64,
    duration_ns: u64,
    fd: Option<Fd>,
    injected: bool,
    decoded: Decoded,
    /// Signals pending at the exit stop, probed then for a call a signal interrupted
    /// (by the time its outcome is known the signal has been delivered).
    pub(super) pending_signals: Option<Vec<String>>,
}

impl Engine {
    /// A syscall-entry, syscall-exit or seccomp stop. `info` when the caller already
    /// asked for it.
    pub(super) fn on_syscall_stop(&mut self, stop: Stop, info: Option<SysInfo>) {
        let info = match info.map_or_else(|| sysinfo::syscall_info(&stop), Ok) {
            Ok(i) => i,
            Err(e) => {
                if e != nix::errno::Errno::ESRCH {
                    self.warn(format!(
                        "tid {}: PTRACE_GET_SYSCALL_INFO failed: {e}",
                        stop.tid()
                    ));
                }
                return self.resume(stop, 0);
            }
        };
        match info.stop {
            SysStop::Entry { arch, nr, args } if arch == arch::AUDIT_ARCH => {
                let sys = Sysno::new(nr as usize);
                self.count(sys, false);
                match sys {
                    Some(sys) => self.on_entry(stop, sys, args),
                    None => self.resume(stop, 0),
                }
            }
            SysStop::Entry { .. } => {
                // A 32-bit int 0x80 call: its numbers mean other calls; not decoded.
                self.count(None, false);
                self.resume(stop, 0)
            }
            SysStop::Exit { rval } => {
                let sys = self
                    .tasks
                    .get(&stop.tid())
                    .and_then(|t| t.call.as_ref())
                    .map(|p| p.entry.sys);
                if sys.is_some() {
                    self.count(sys, true);
                }
                self.on_exit_stop(stop, rval, info)
            }
            SysStop::None => self.resume(stop, 0),
        }
    }

    fn on_entry(&mut self, stop: Stop, sys: Sysno, args: [u64; 6]) {
        let tid = stop.tid();
        let pid = self.pid_of(tid);
        let fd = operated_fd(sys, args);
        let fds = &mut self.fds;
        let plan = self
            .policy
            .at_entry(sys, &args, |fd| fds.kind(pid, tid, fd));
        let EntryPlan::Follow { report, inject } = plan else {
            self.fds.apply(pid, change_at_entry(sys, fd, &args));
            return self.resume(stop, 0);
        };
        if inject.is_some()
            && let Err(e) = arch::skip_syscall(&stop)
        {
            self.warn(format!(
                "tid {tid}: cannot skip {} for --inject ({e}); it runs unreported",
                sys.name()
            ));
            return self.resume(stop, 0);
        }
        let ts_ns = self.now_ns();
        let entry = {
            let mut t = StoppedTask {
                stop: &stop,
                pid,
                fds: &mut self.fds,
            };
            decode::decode_entry(sys, args, &mut t, &self.decode)
        };
        // After decoding, which read the identity of an fd that close() frees.
        self.fds.apply(pid, change_at_entry(sys, fd, &args));
        if let Some(t) = self.tasks.get_mut(&tid) {
            t.call = Some(Pending {
                entry,
                ts_ns,
                fd,
                inject,
                report,
                stopped_ns: 0,
            });
        }
        self.resume(stop, 0);
        // Its exit stop comes as soon as the call is done (`spin.rs`).
        self.after = super::After::Entry;
        if let Some(p) = self.tasks.get_mut(&tid).and_then(|t| t.call.as_mut()) {
            p.stopped_ns = self.last_stop_ns;
        }
    }

    fn on_exit_stop(&mut self, stop: Stop, rval: i64, info: SysInfo) {
        let tid = stop.tid();
        let Some(p) = self.tasks.get_mut(&tid).and_then(|t| t.call.take()) else {
            return self.resume(stop, 0);
        };
        let pid = self.pid_of(tid);
        let rval = match p.inject {
            Some(e) => {
                if let Err(err) = arch::set_return(&stop, -(e as i64)) {
                    self.warn(format!("tid {tid}: cannot set the injected result: {err}"));
                }
                -(e as i64)
            }
            None => rval,
        };
        let sys = p.entry.sys;
        // What the call made is known before decoding looks at the new fds.
        let read_pair = |at| {
            let b = stop.read_mem(at, 8)?;
            Some([
                i32::from_ne_bytes(b.get(0..4)?.try_into().ok()?),
                i32::from_ne_bytes(b.get(4..8)?.try_into().ok()?),
            ])
        };
        if let Some(made) = created_at_exit(sys, &p.entry.regs, rval, read_pair) {
            self.fds.created(pid, tid, made);
        }
        if !p.report {
            self.fds.apply(pid, change_at_exit(sys, p.fd, rval));
            return self.resume(stop, 0);
        }
        let decoded = {
            let mut t = StoppedTask {
                stop: &stop,
                pid,
                fds: &mut self.fds,
            };
            decode::decode_exit(p.entry, rval, &mut t, &self.decode)
        };
        self.fds.apply(pid, change_at_exit(sys, p.fd, rval));
        let call = DoneCall {
            tid,
            pid,
            sys,
            ts_ns: p.ts_ns,
            duration_ns: self.now_ns().saturating_sub(p.ts_ns),
            fd: p.fd,
            injected: p.inject.is_some(),
            decoded,
            pending_signals: None,
        };
        let result = match p.inject {
            Some(e) => KernelResult::Done(Outcome::Error(crate::model::Errno::new(e))),
            None => kernel_result(rval),
        };
        match result {
            // Only a failure's probes (and a stack, when asked for) need the stop; the
            // record of any other call is made and sent once the tracee runs again.
            KernelResult::Done(outcome) if self.needs_stop(&outcome) => {
                self.report_call(Some(&stop), call, outcome);
                self.resume(stop, 0);
                self.stopped_time.add(p.stopped_ns + self.last_stop_ns);
            }
            KernelResult::Done(outcome) => {
                self.resume(stop, 0);
                self.stopped_time.add(p.stopped_ns + self.last_stop_ns);
                self.report_call(None, call, outcome);
            }
            // What the program sees is decided after this stop.
            KernelResult::Interrupted(code) => {
                self.interrupted(stop, call, code, info, p.stopped_ns)
            }
        }
    }

    /// True when reporting a call with this outcome needs its thread still stopped: a
    /// failure is probed as the system was at the failure, and a stack (-k) is read
    /// from the stopped thread.
    fn needs_stop(&self, outcome: &Outcome) -> bool {
        outcome.is_failure() || self.stacks.as_ref().is_some_and(|c| c.wants(false))
    }

    /// Make the record of a call whose outcome is known and send it, with the facts
    /// probed now if it failed: only while the tracer holds the thread's `stop`, the
    /// system as it was at the failure (None: the thread runs again or is gone, nothing
    /// to probe). The one place a `SyscallEvent` is made.
    pub(super) fn report_call(&mut self, stop: Option<&Stop>, c: DoneCall, outcome: Outcome) {
        self.stops.of(Some(c.sys)).reported += 1;
        self.seq += 1;
        let mut ev = SyscallEvent {
            seq: self.seq,
            ts_ns: c.ts_ns,
            duration_ns: c.duration_ns,
            pid: c.pid,
            tid: c.tid,
            syscall: c.sys.into(),
            fd: c.fd,
            injected: c.injected,
            ..SyscallEvent::default()
        };
        // The record takes the structured fields; their text is made on the pipeline
        // thread, not while the tracee waits.
        let args = c.decoded.into_event(&mut ev);
        match outcome {
            Outcome::Success(v) => ev.ret = v,
            Outcome::Error(e) => {
                ev.ret = -1;
                ev.errno = Some(e.into());
            }
            Outcome::NotSeen(code) => {
                ev.ret = -1;
                ev.restart = Some(code.errno().into());
            }
            Outcome::Eintr(code) => {
                ev.ret = -1;
                ev.restart = Some(code.errno().into());
                ev.errno = Some(crate::model::Errno::EINTR.into());
            }
        }
        let mut facts = if ev.failed()
            && let Some(stop) = stop
        {
            let mut f = probe::probe_failure(
                &ProbeCtx {
                    pid: c.pid,
                    tid: stop.tid(),
                },
                &ev,
            );
            if c.pending_signals.is_some() {
                f.pending_signals = c.pending_signals;
            }
            if let (Some(own), Some(fd)) = (&f.own, ev.fd) {
                self.fds.probed(c.pid, fd, own);
            }
            f
        } else {
            Facts::default()
        };
        if let Some(stop) = stop
            && let Some(cap) = self.stacks.as_mut().filter(|c| c.wants(ev.failed()))
        {
            facts.stack = Some(crate::tracer::stack::capture(cap, c.pid, stop));
        }
        let msg = TraceMsg::Syscall {
            event: Box::new(ev),
            args: Box::new(args),
            facts: Box::new(facts),
        };
        if !self.send(msg) {
            self.output_gone();
        }
    }
}
