//! One call from its entry stop to its exit stop: the policy's decision, injection,
//! decoding, the fd cache, and the report.

use super::Engine;
use crate::decode::{self, Arg, Decoded, EntryState};
use crate::model::{Facts, Fd, Pid, SyscallEvent, Tid};
use crate::probe::{self, ProbeCtx};
use crate::render::call::{render_args, render_ret_text};
use crate::tracer::TraceMsg;
use crate::tracer::arch;
use crate::tracer::errno::{KernelResult, Outcome, errno_name, kernel_result};
use crate::tracer::fdkind::{change_at_entry, change_at_exit, created_at_exit};
use crate::tracer::policy::{EntryPlan, fd_arg};
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
        let fd = fd_arg(sys, &args);
        let fds = &mut self.fds;
        let plan = self
            .policy
            .at_entry(sys, &args, |fd| fds.kind(pid, tid, fd));
        let EntryPlan::Follow { report, inject } = plan else {
            self.fds.apply(pid, change_at_entry(sys, fd));
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
        self.fds.apply(pid, change_at_entry(sys, fd));
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
            self.fds.apply(pid, change_at_exit(sys, p.fd));
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
        self.fds.apply(pid, change_at_exit(sys, p.fd));
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
            Some(e) => KernelResult::Done(Outcome::Error(errno_name(e))),
            None => kernel_result(rval),
        };
        match result {
            // Only a failure's probes need the stop; the record of a success is made
            // once the tracee runs again, and every record's text and send wait for that.
            KernelResult::Done(outcome) if outcome.is_failure() => {
                let (ev, text, facts) = self.record_at_stop(Some(&stop), call, outcome);
                self.resume(stop, 0);
                self.stopped_time.add(p.stopped_ns + self.last_stop_ns);
                self.send_record(ev, text, facts);
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

    /// Make the record of a call whose outcome is known and send it, with the facts
    /// probed now if it failed: only while the tracer holds the thread's `stop`, the
    /// system as it was at the failure (None: the thread is gone, nothing to probe).
    pub(super) fn report_call(&mut self, stop: Option<&Stop>, c: DoneCall, outcome: Outcome) {
        let (ev, text, facts) = self.record_at_stop(stop, c, outcome);
        self.send_record(ev, text, facts);
    }

    /// The part of reporting a call that needs its stop when it failed: the record (the
    /// one place a `SyscallEvent` is made), without its text, and the facts of a
    /// failure, probed while the tracer holds the thread's `stop`.
    fn record_at_stop(
        &mut self,
        stop: Option<&Stop>,
        c: DoneCall,
        outcome: Outcome,
    ) -> (SyscallEvent, Unrendered, Facts) {
        self.stops.of(Some(c.sys)).reported += 1;
        self.seq += 1;
        let d = c.decoded;
        let mut ev = SyscallEvent {
            seq: self.seq,
            ts_ns: c.ts_ns,
            duration_ns: c.duration_ns,
            pid: c.pid,
            tid: c.tid,
            syscall: c.sys.name().to_owned(),
            fd: d.fd.or(c.fd),
            addr: d.addr,
            fds: d.fds,
            msgs: d.msgs,
            injected: c.injected,
            ..SyscallEvent::default()
        };
        let text = Unrendered {
            args: d.args,
            ret: d.ret,
            ret_is_fd: d.ret_is_fd,
        };
        match outcome {
            Outcome::Success(v) => ev.ret = v,
            Outcome::Error(name) => {
                ev.ret = -1;
                ev.errno = Some(name);
            }
            Outcome::NotSeen(code) => {
                ev.ret = -1;
                ev.restart = Some(code.name().to_owned());
            }
            Outcome::Eintr(code) => {
                ev.ret = -1;
                ev.restart = Some(code.name().to_owned());
                ev.errno = Some("EINTR".to_owned());
            }
        }
        let facts = if ev.failed()
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
        (ev, text, facts)
    }

    /// The part that does not need the stop: the record's text, and the send.
    fn send_record(&mut self, mut ev: SyscallEvent, text: Unrendered, facts: Facts) {
        // The identities the text shows are the record's; lent to the renderer and back.
        let d = Decoded {
            args: text.args,
            ret: text.ret,
            ret_is_fd: text.ret_is_fd,
            fds: std::mem::take(&mut ev.fds),
            ..Decoded::default()
        };
        ev.args = render_args(&d);
        ev.ret_text = render_ret_text(&d);
        ev.fds = d.fds;
        if !self.send(TraceMsg::Syscall(Box::new(ev), Box::new(facts))) {
            self.output_gone();
        }
    }
}

/// What a record's text is rendered from, once the tracee runs again.
struct Unrendered {
    args: Vec<Arg>,
    ret: i64,
    ret_is_fd: bool,
}
