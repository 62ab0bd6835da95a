//! A call a signal interrupted. Its exit stop shows a restart code (ERESTARTSYS, ...) that
//! the program never sees: the kernel either runs the call again or makes it return
//! EINTR, depending on whether a handler runs and on that handler's SA_RESTART. Its
//! record is sent only once the outcome is known, found out like this:
//!
//! - The signal-delivery-stop comes next. If the signal has no handler (SigCgt in
//!   /proc/TID/status), nothing of the program runs: the kernel restarts the call (or the
//!   signal ends the process), and the thread's next syscall stop is that restart.
//! - If it has one, we single-step the delivery: the thread stops at the handler's first
//!   instruction with the signal frame at its stack pointer. The frame holds the
//!   registers the handler's return restores, so it tells what the kernel set up
//!   (EINTR, or the call backed up to run again).
//! - The handler returns through rt_sigreturn, recognised as this frame's by its stack
//!   pointer; its exit stop shows the restored registers: -EINTR (the program sees EINTR)
//!   or the instruction pointer moved back onto the syscall (restarted). rt_sigreturn is
//!   in the seccomp filter for this; programs return from handlers rarely.
//! - A handler that never returns (longjmp, thread cancellation), or a thread that ends
//!   or execs first, leaves the call without a result the program saw. A thread whose
//!   stack is back above the frame at a syscall stop has left the handler that way.
//!
//! "The next entry is the same call at the same address" cannot tell a kernel restart
//! from a program that retries after EINTR; only the handler's return can.

use super::Engine;
use super::calls::DoneCall;
use crate::model::Tid;
use crate::probe::procfs::probe_pending_signals;
use crate::tracer::arch;
use crate::tracer::errno::{KernelResult, Outcome, RestartCode, kernel_result};
use crate::tracer::procfs::read_signal_caught;
use crate::tracer::stop::{Resume, Stop};
use crate::tracer::sysinfo::{self, SysInfo, SysStop};
use crate::tracer::wait::StopKind;
use syscalls::Sysno;

/// An interrupted call waiting for its outcome.
pub(in crate::tracer) struct Interrupted {
    call: DoneCall,
    code: RestartCode,
    /// The instruction pointer at the exit stop (just after the syscall instruction).
    exit_ip: u64,
    phase: Phase,
    /// Time its stops kept the tracee stopped so far (for --stats).
    stopped_ns: u64,
}

/// Where the interrupted call's thread is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No handler has run since the exit stop.
    Signalled,
    /// A caught signal's delivery is being single-stepped: the next SIGTRAP stop is at
    /// the handler's first instruction.
    Stepping,
    /// The handler runs on the signal frame at `frame`, which holds `setup`.
    InHandler { frame: u64, setup: Setup },
    /// That frame's rt_sigreturn is running: its exit stop shows the restored registers.
    Returning { frame: u64, setup: Setup },
}

/// What a signal frame holds for the interrupted call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setup {
    /// The call returns EINTR when the handler returns.
    Eintr,
    /// The call runs again when the handler returns.
    Restart,
    /// The frame could not be read.
    Unknown,
}

const EINTR: i64 = libc::EINTR as i64;

/// What the frame (or the registers rt_sigreturn restored) says the program gets.
fn setup_of(ret: Option<u64>, ip: Option<u64>, exit_ip: u64) -> Setup {
    if ret.map(|r| r as i64) == Some(-EINTR) {
        Setup::Eintr
    } else if ip == Some(exit_ip.wrapping_sub(arch::SYSCALL_INSN_LEN)) {
        Setup::Restart
    } else {
        Setup::Unknown
    }
}

/// The outcome once rt_sigreturn restored `rval` and `ip`.
fn outcome_after_return(code: RestartCode, rval: i64, ip: u64, exit_ip: u64) -> Outcome {
    match setup_of(Some(rval as u64), Some(ip), exit_ip) {
        Setup::Eintr => Outcome::Eintr(code),
        Setup::Restart => Outcome::NotSeen(code),
        // The handler rewrote the saved context: the program sees what it put there.
        Setup::Unknown => match kernel_result(rval) {
            KernelResult::Done(o) => o,
            KernelResult::Interrupted(c) => Outcome::NotSeen(c),
        },
    }
}

/// How a task with these interrupted calls must run on, when it matters: one
/// instruction while a handler's delivery is stepped, to the syscall exit while a
/// handler's rt_sigreturn runs.
pub(super) fn resume_for(interrupted: &[Interrupted]) -> Option<Resume> {
    match interrupted.last()?.phase {
        Phase::Stepping => Some(Resume::Step),
        Phase::Returning { .. } => Some(Resume::Syscall),
        _ => None,
    }
}

impl Engine {
    /// At the exit stop that showed `code`: keep the call until its outcome is known.
    pub(super) fn interrupted(
        &mut self,
        stop: Stop,
        mut call: DoneCall,
        code: RestartCode,
        info: SysInfo,
        stopped_ns: u64,
    ) {
        let tid = stop.tid();
        // The signal is still pending here (it is delivered next): the cause can name it.
        call.pending_signals = probe_pending_signals(tid);
        if let Some(t) = self.tasks.get_mut(&tid) {
            t.interrupted.push(Interrupted {
                call,
                code,
                exit_ip: info.ip,
                phase: Phase::Signalled,
                stopped_ns,
            });
        }
        self.resume(stop, 0);
        self.add_stopped(tid);
    }

    /// The last resumed stop of `tid` counts for its innermost interrupted call.
    fn add_stopped(&mut self, tid: Tid) {
        let ns = self.last_stop_ns;
        if let Some(i) = self
            .tasks
            .get_mut(&tid)
            .and_then(|t| t.interrupted.last_mut())
        {
            i.stopped_ns += ns;
        }
    }

    fn top_phase(&self, tid: Tid) -> Option<Phase> {
        Some(self.tasks.get(&tid)?.interrupted.last()?.phase)
    }

    fn set_top_phase(&mut self, tid: Tid, phase: Phase) {
        if let Some(i) = self
            .tasks
            .get_mut(&tid)
            .and_then(|t| t.interrupted.last_mut())
        {
            i.phase = phase;
        }
    }

    /// Report the innermost interrupted call of the stopped thread with this outcome.
    fn settle_top(&mut self, stop: &Stop, outcome: impl FnOnce(&Interrupted) -> Outcome) {
        let tid = stop.tid();
        let Some(i) = self.tasks.get_mut(&tid).and_then(|t| t.interrupted.pop()) else {
            return;
        };
        let o = outcome(&i);
        self.report_call(Some(stop), i.call, o);
        self.stopped_time.add(i.stopped_ns);
    }

    /// Every stop of a thread with interrupted calls comes here first. Returns the stop
    /// when the usual handling goes on with it.
    pub(super) fn follow_interrupted(&mut self, stop: Stop, kind: StopKind) -> Option<Stop> {
        let tid = stop.tid();
        let Some(phase) = self.top_phase(tid) else {
            return Some(stop);
        };
        match kind {
            StopKind::Signal(libc::SIGTRAP) if phase == Phase::Stepping => {
                self.at_handler(stop);
                None
            }
            StopKind::Signal(sig) => {
                match phase {
                    // A handler will run: step into it (on_signal delivers the signal and
                    // `resume_for` makes it one step).
                    Phase::Signalled if read_signal_caught(tid, sig) == Some(true) => {
                        self.set_top_phase(tid, Phase::Stepping)
                    }
                    // The handler did not start (its frame could not be written; a
                    // SIGSEGV follows): the call never came back to the program.
                    Phase::Stepping => self.settle_top(&stop, |i| Outcome::NotSeen(i.code)),
                    _ => {}
                }
                Some(stop)
            }
            StopKind::Syscall
            | StopKind::Event {
                event: libc::PTRACE_EVENT_SECCOMP,
                ..
            } => match sysinfo::syscall_info(&stop) {
                Ok(info) => {
                    let stop = self.at_syscall_stop(stop, info)?;
                    self.on_syscall_stop(stop, Some(info));
                    None
                }
                Err(_) => Some(stop),
            },
            // Group-stop or PTRACE_INTERRUPT: the call still waits; exec is handled
            // where exec is.
            StopKind::Event { .. } => Some(stop),
        }
    }

    /// The single-step stop at the handler's first instruction: the signal frame is at
    /// the stack pointer.
    fn at_handler(&mut self, stop: Stop) {
        let tid = stop.tid();
        let exit_ip = self
            .tasks
            .get(&tid)
            .and_then(|t| t.interrupted.last())
            .map_or(0, |i| i.exit_ip);
        match sysinfo::syscall_info(&stop) {
            Ok(info) => {
                let frame = info.sp;
                let ret = stop.read_u64(frame.wrapping_add(arch::FRAME_RET));
                let ip = stop.read_u64(frame.wrapping_add(arch::FRAME_IP));
                let setup = setup_of(ret, ip, exit_ip);
                self.set_top_phase(tid, Phase::InHandler { frame, setup });
            }
            Err(e) => {
                self.warn(format!(
                    "tid {tid}: cannot find the signal frame ({e}): an interrupted call is reported as not seen by the program"
                ));
                self.settle_top(&stop, |i| Outcome::NotSeen(i.code));
            }
        }
        // The trap is the step's, not a signal to deliver.
        self.resume(stop, 0);
        self.add_stopped(tid);
    }

    /// A syscall stop of a thread with interrupted calls. Returns the stop when the usual
    /// handling goes on with it.
    fn at_syscall_stop(&mut self, stop: Stop, info: SysInfo) -> Option<Stop> {
        let tid = stop.tid();
        match info.stop {
            SysStop::Entry { nr, .. } => {
                while let Some(phase) = self.top_phase(tid) {
                    match phase {
                        // No handler ran: this entry is the kernel running the call again.
                        Phase::Signalled | Phase::Stepping => {
                            self.settle_top(&stop, |i| Outcome::NotSeen(i.code))
                        }
                        Phase::InHandler { frame, setup } => {
                            if nr == Sysno::rt_sigreturn.id() as u64
                                && info.sp == frame.wrapping_add(arch::SIGRETURN_SP)
                            {
                                // Follow it to its exit (`resume_for`).
                                self.set_top_phase(tid, Phase::Returning { frame, setup });
                                break;
                            }
                            if info.sp > frame {
                                // The stack is back above the frame, with no rt_sigreturn:
                                // the thread left the handler another way.
                                self.settle_top(&stop, |i| Outcome::NotSeen(i.code));
                                continue;
                            }
                            // The handler's own call.
                            break;
                        }
                        // Cannot happen (rt_sigreturn does not come back to an entry).
                        Phase::Returning { setup, .. } => {
                            self.settle_top(&stop, |i| settled_by_setup(i.code, setup))
                        }
                    }
                }
                Some(stop)
            }
            SysStop::Exit { rval } => {
                if !matches!(self.top_phase(tid), Some(Phase::Returning { .. })) {
                    return Some(stop);
                }
                // rt_sigreturn of the frame: it restored what the call returns to.
                self.count(Some(Sysno::rt_sigreturn), true);
                let Some(i) = self.tasks.get_mut(&tid).and_then(|t| t.interrupted.pop()) else {
                    return Some(stop);
                };
                let outcome = outcome_after_return(i.code, rval, info.ip, i.exit_ip);
                self.report_call(Some(&stop), i.call, outcome);
                self.resume(stop, 0);
                self.stopped_time.add(i.stopped_ns + self.last_stop_ns);
                None
            }
            SysStop::None => Some(stop),
        }
    }

    /// The thread ended or exec'd with these calls interrupted: the program never came
    /// back to them.
    pub(super) fn abandon_interrupted(&mut self, calls: Vec<Interrupted>) {
        for i in calls {
            let o = Outcome::NotSeen(i.code);
            self.report_call(None, i.call, o);
            self.stopped_time.add(i.stopped_ns);
        }
    }

    /// Detaching the stopped thread with these calls interrupted: report what is known now.
    pub(super) fn settle_at_detach(&mut self, stop: &Stop, calls: Vec<Interrupted>) {
        let tid = stop.tid();
        for i in calls {
            let o = match i.phase {
                // No handler has run: unless one runs after we leave, the kernel restarts it.
                Phase::Signalled => Outcome::NotSeen(i.code),
                Phase::InHandler { setup, .. } | Phase::Returning { setup, .. }
                    if setup != Setup::Unknown =>
                {
                    settled_by_setup(i.code, setup)
                }
                _ => {
                    self.warn(format!(
                        "tid {tid}: detached while a signal handler was starting: whether {}() returned EINTR was not seen",
                        i.call.sys.name()
                    ));
                    settled_by_setup(i.code, Setup::Unknown)
                }
            };
            self.report_call(Some(stop), i.call, o);
            self.stopped_time.add(i.stopped_ns);
        }
    }
}

/// The outcome a signal frame set up, when the handler's return was not seen.
fn settled_by_setup(code: RestartCode, setup: Setup) -> Outcome {
    match (setup, code) {
        (Setup::Eintr, _) => Outcome::Eintr(code),
        (Setup::Restart, _) | (Setup::Unknown, RestartCode::NoIntr) => Outcome::NotSeen(code),
        // A handler runs: these codes then always give EINTR; ERESTARTSYS does unless
        // SA_RESTART, which could not be checked.
        (Setup::Unknown, _) => Outcome::Eintr(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restored_registers_tell_eintr_from_a_restart() {
        let exit_ip = 0x7000_1002;
        let sys = RestartCode::Sys;
        assert_eq!(
            outcome_after_return(sys, -EINTR, exit_ip, exit_ip),
            Outcome::Eintr(sys)
        );
        // SA_RESTART: rax holds the call's number again and rip is back on `syscall`.
        assert_eq!(
            outcome_after_return(sys, 43, exit_ip - arch::SYSCALL_INSN_LEN, exit_ip),
            Outcome::NotSeen(sys)
        );
        // A handler that wrote its own result into the frame.
        assert_eq!(
            outcome_after_return(sys, -(libc::ETIMEDOUT as i64), exit_ip, exit_ip),
            Outcome::Error(crate::model::Errno::ETIMEDOUT)
        );
        assert_eq!(setup_of(None, None, exit_ip), Setup::Unknown);
        assert_eq!(
            settled_by_setup(RestartCode::NoIntr, Setup::Unknown),
            Outcome::NotSeen(RestartCode::NoIntr)
        );
    }
}
