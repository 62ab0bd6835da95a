//! The ptrace engine, on its own thread: spawn (seccomp, pty) or attach, the wait loop,
//! per-task state, syscall info, bounded tracee-memory reads. The unsafe lives here.
//!
//! Files: `engine/` the wait loop (`calls.rs` a call from entry to exit and its report,
//! `restart.rs` calls a signal interrupted), `policy.rs` what is reported, `fdkind.rs`
//! the fd cache, `wait.rs` wait statuses, `stop.rs` the stopped-task guard and ptrace
//! requests, `sysinfo.rs` PTRACE_GET_SYSCALL_INFO, `arch/` what differs per CPU,
//! `spawn.rs`/`child.rs`/`seccomp.rs` starting a command, `attach.rs` -p,
//! `signals.rs` sockwhy's own signals, `procfs.rs` what the tracer reads in /proc.

use crate::decode::{DecodeOpts, DecodedArgs};
use crate::model::{Facts, Pid, ProcessEvent, SyscallEvent};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use syscalls::{Sysno, SysnoSet};

/// What to trace.
#[derive(Clone, Debug)]
pub enum Target {
    /// Start this command (argv[0] resolved through PATH).
    Spawn {
        /// Program and arguments, as bytes (they need not be UTF-8).
        argv: Vec<OsString>,
        /// Run it on a new pseudo-terminal (for the TUI) instead of our stdio.
        pty: bool,
    },
    /// Attach to these running processes.
    Attach(Vec<Pid>),
}

/// What to do when the command's first process exits while processes it started (a
/// daemon) still run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LeaderExit {
    /// Keep tracing them until they exit, and say so.
    #[default]
    Wait,
    /// Detach from them, leaving them running. Needs the trace to run without the
    /// seccomp filter (which cannot be removed), so every syscall stops.
    Detach,
    /// Kill them and end the trace.
    Kill,
}

/// How to trace.
#[derive(Clone, Debug)]
pub struct TraceConfig {
    /// What.
    pub target: Target,
    /// Follow forks, vforks, clones and threads.
    pub follow: bool,
    /// Use the seccomp filter when spawning (else stop on every syscall).
    pub seccomp: bool,
    /// Report calls on sockets of every family.
    pub all_families: bool,
    /// Calls to report (a subset of `model::traced::all_reportable`).
    pub report: SysnoSet,
    /// Calls to fail without running them: (call, errno number).
    pub inject: Vec<(Sysno, i32)>,
    /// Decoder options.
    pub decode: DecodeOpts,
    /// When the spawned command exits before what it started.
    pub leader_exit: LeaderExit,
    /// Take user-space stacks (-k) with these bounds; None: no stacks.
    pub stack: Option<crate::stack::StackOpts>,
    /// Run the tracer thread and the spawned command on one CPU (`cpu.rs`).
    pub same_cpu: bool,
    /// The longest the tracer stays awake for the next stop before it sleeps (`spin.rs`);
    /// zero: never. Not used with `same_cpu` or on one CPU.
    pub spin: std::time::Duration,
}

/// What the tracer thread sends, in order.
#[derive(Debug)]
pub enum TraceMsg {
    /// A reported call: the record (without its text fields `args` and `ret_text`), the
    /// decoded arguments they are rendered from on the pipeline thread, and the facts
    /// probed at the stop if it failed.
    Syscall {
        /// The record, its structured fields filled.
        event: Box<SyscallEvent>,
        /// The decoded arguments, for the text.
        args: Box<DecodedArgs>,
        /// What the probes found while the tracee was stopped (empty on success).
        facts: Box<Facts>,
    },
    /// A process event.
    Process(ProcessEvent),
    /// Something the user should know that is not an event (one line).
    Warning(String),
    /// The trace is over.
    Finished(Finish),
}

/// How the trace ended.
#[derive(Debug, Clone, Default)]
pub struct Finish {
    /// Exit code to pass through: the first traced process's status (128+N for signal N);
    /// None when we detached.
    pub exit_code: Option<i32>,
    /// Ptrace stops taken, per call name ("entry"/"exit" counted together), for --stats.
    pub stops: BTreeMap<String, StopCount>,
    /// How long each reported call kept its tracee stopped, for --stats.
    pub stopped: StoppedTime,
    /// True when the seccomp filter chose the stops (else every syscall stopped).
    pub filtered: bool,
    /// True when a signal to sockwhy (SIGTERM, SIGHUP, or Ctrl-C once only what the
    /// command left running was traced) ended the traced programs.
    pub interrupted: bool,
    /// What the waits for the next stop did, for --stats.
    pub spin: SpinCounts,
}

mod arch;
mod attach;
mod child;
mod cpu;
mod engine;
mod errno;
mod fdkind;
mod memory;
mod outbox;
mod policy;
mod procfs;
mod seccomp;
mod signals;
mod signame;
mod socktable;
mod spawn;
mod spin;
pub use spin::SpinCounts;
mod stack;
mod stats;
mod stop;
mod sysinfo;
mod tracee;
mod wait;

pub use memory::read_tracee;
pub use stats::{Bucket, StopCount, StoppedTime};

use crate::model::ProcessEventKind;
use engine::{Engine, Mode};
use nix::sys::ptrace::Options;
use std::fs::File;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

/// Why tracing could not start.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The command is not in PATH / does not exist.
    #[error("{0}: command not found")]
    NotFound(String),
    /// It exists but cannot be executed.
    #[error("{0}: not an executable file (or permission denied)")]
    NotExecutable(String),
    /// No process with that pid.
    #[error("attach to {0}: no such process")]
    NoSuchPid(Pid),
    /// PTRACE_SEIZE refused, with what was found to be the reason.
    #[error("attach to {0}: {1}")]
    AttachDenied(Pid, String),
    /// Setting up the child failed.
    #[error("cannot start the command: {0}")]
    Spawn(String),
    /// A ptrace request failed at start.
    #[error("{0}")]
    Ptrace(String),
}

impl TraceError {
    /// True for "command not found / not executable" (exit code 127).
    pub fn is_not_found(&self) -> bool {
        matches!(self, TraceError::NotFound(_) | TraceError::NotExecutable(_))
    }
}

/// What another thread may ask of the tracer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Detach and leave the tracees running (attach mode; in spawn mode this kills).
    Detach,
    /// Kill the traced processes.
    Kill,
}

/// Sends requests to the tracer thread, from any thread.
#[derive(Clone, Debug)]
pub struct Controller {
    tx: Sender<Control>,
}

impl Controller {
    /// Ask the tracer thread to detach or kill.
    pub fn request(&self, c: Control) {
        if self.tx.send(c).is_ok() {
            signals::wake();
        }
    }
}

/// A running trace.
pub struct Handle {
    /// Events, in order; ends with `TraceMsg::Finished`.
    pub rx: Receiver<TraceMsg>,
    /// Master side of the tracee's terminal (spawn with pty).
    pub pty_master: Option<File>,
    /// True when attached to running processes (they can be detached).
    pub attached: bool,
    controller: Controller,
    thread: JoinHandle<()>,
}

impl Handle {
    /// Ask the tracer thread to detach or kill.
    pub fn request(&self, c: Control) {
        self.controller.request(c);
    }

    /// A handle on the requests, for another thread.
    pub fn controller(&self) -> Controller {
        self.controller.clone()
    }

    /// Wait for the tracer thread to end.
    pub fn join(self) {
        let _ = self.thread.join();
    }
}

/// Tell the tracee's pseudo-terminal its size.
pub fn resize_pty(master: &File, rows: u16, cols: u16) {
    spawn::resize_pty(master, rows, cols);
}

/// Capacity of the event channel: when the consumer falls behind, the tracer (and so
/// the tracee) waits; nothing is dropped. Four of the outbox's batches: enough to ride
/// out a burst, and what a pipeline that falls behind (writing --save of a 2M-call
/// ping-pong) holds at most, a few megabytes.
const CHANNEL_CAPACITY: usize = 1024;

/// Start tracing on a new thread. Errors that prevent the start (command not found,
/// attach refused) are returned here, before any event.
pub fn start(cfg: TraceConfig) -> Result<Handle, TraceError> {
    // Block our signals before any thread exists, so every thread inherits the mask and
    // only the tracer thread's sigwait takes them.
    let old_mask = signals::block().map_err(|e| TraceError::Spawn(format!("sigprocmask: {e}")))?;
    let (tx, rx) = sync_channel(CHANNEL_CAPACITY);
    let (setup_tx, setup_rx) = channel::<Result<Option<File>, TraceError>>();
    let (req_tx, req_rx) = channel();
    let attached = matches!(cfg.target, Target::Attach(_));
    let thread = std::thread::Builder::new()
        .name("tracer".into())
        .spawn(move || run_tracer(cfg, tx, req_rx, setup_tx, *old_mask.as_ref()))
        .map_err(|e| TraceError::Spawn(format!("tracer thread: {e}")))?;
    match setup_rx.recv() {
        Ok(Ok(pty_master)) => Ok(Handle {
            rx,
            pty_master,
            attached,
            controller: Controller { tx: req_tx },
            thread,
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(TraceError::Spawn(
                "the tracer thread ended during set-up".into(),
            ))
        }
    }
}

fn run_tracer(
    cfg: TraceConfig,
    tx: SyncSender<TraceMsg>,
    requests: Receiver<Control>,
    setup: Sender<Result<Option<File>, TraceError>>,
    old_mask: libc::sigset_t,
) {
    let mut options = Options::PTRACE_O_TRACESYSGOOD | Options::PTRACE_O_TRACEEXEC;
    if cfg.follow {
        options |= Options::PTRACE_O_TRACEFORK
            | Options::PTRACE_O_TRACEVFORK
            | Options::PTRACE_O_TRACECLONE;
    }
    match cfg.target.clone() {
        Target::Spawn { argv, pty } => {
            // Without following forks, children would inherit the filter but not the
            // tracer, and their filtered calls would fail with ENOSYS: no filter then.
            // Nor when what the command leaves running is to be detached: the filter
            // would go on stopping calls nobody resumes.
            let filtered = cfg.seccomp && cfg.follow && cfg.leader_exit != LeaderExit::Detach;
            let policy = policy::Policy::new(&cfg);
            let filter = filtered.then(|| policy.filter_set());
            if cfg.same_cpu
                && let Err(e) = cpu::pin_here()
            {
                let _ = setup.send(Err(TraceError::Spawn(format!("--same-cpu: {e}"))));
                return;
            }
            options |= Options::PTRACE_O_EXITKILL;
            if filtered {
                options |= Options::PTRACE_O_TRACESECCOMP;
            }
            let spawned = match spawn::spawn(
                &argv,
                options,
                filter.as_ref(),
                !cfg.all_families,
                pty,
                old_mask,
            ) {
                Ok(s) => s,
                Err(e) => {
                    let _ = setup.send(Err(e));
                    return;
                }
            };
            let pid = spawned.pid;
            let _ = setup.send(Ok(spawned.pty_master));
            let mode = if filtered {
                Mode::Filtered
            } else {
                Mode::Unfiltered
            };
            let mut engine = Engine::new(mode, &cfg, tx.clone(), requests);
            engine.add_task(pid, pid);
            engine.set_leader(pid);
            engine.process_event(ProcessEventKind::Spawn, pid, pid, |e| {
                e.argv = argv
                    .iter()
                    .map(|a| crate::model::escape::escape_bytes(a.as_bytes()))
                    .collect()
            });
            let mut finish = engine.run();
            if finish.exit_code == Some(127)
                && let Some(err) = spawn::read_exec_error(spawned.exec_error)
            {
                let _ = tx.send(TraceMsg::Warning(format!(
                    "exec of {} failed: {err}",
                    crate::model::escape::escape_bytes(argv[0].as_bytes())
                )));
            }
            finish.exit_code.get_or_insert(0);
            let _ = tx.send(TraceMsg::Finished(finish));
        }
        Target::Attach(given) => {
            let mut engine = Engine::new(Mode::Attached, &cfg, tx.clone(), requests);
            let (pids, notes) = attach::normalize(&given);
            for n in notes {
                let _ = tx.send(TraceMsg::Warning(n));
            }
            for pid in &pids {
                match attach::attach(*pid, options) {
                    Ok(a) => {
                        for n in a.notes {
                            engine.warn(n);
                        }
                        for tid in a.tids {
                            engine.add_task(tid, *pid);
                        }
                        engine.process_event(ProcessEventKind::Attach, *pid, *pid, |e| {
                            e.comm = procfs::read_comm(*pid);
                        });
                    }
                    Err(e) => {
                        // Leave the ones already seized as they were.
                        let _ = setup.send(Err(e));
                        drop(engine);
                        attach::detach_all_now();
                        return;
                    }
                }
            }
            let _ = setup.send(Ok(None));
            let finish = engine.run();
            let _ = tx.send(TraceMsg::Finished(finish));
        }
    }
}

/// Let the calling thread handle SIGTERM/SIGHUP (see `signals::unblock_termination`).
pub fn unblock_termination_signals() {
    signals::unblock_termination();
}
