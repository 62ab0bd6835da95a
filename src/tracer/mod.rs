//! The ptrace engine, on its own thread: spawn (seccomp, pty) or attach, the wait loop,
//! per-task state, syscall info, bounded tracee-memory reads. The unsafe lives here.

use crate::decode::DecodeOpts;
use crate::model::{Facts, Pid, ProcessEvent, SyscallEvent};
use std::collections::BTreeMap;
use syscalls::{Sysno, SysnoSet};

/// What to trace.
#[derive(Clone, Debug)]
pub enum Target {
    /// Start this command (argv[0] resolved through PATH).
    Spawn {
        /// Program and arguments.
        argv: Vec<String>,
        /// Run it on a new pseudo-terminal (for the TUI) instead of our stdio.
        pty: bool,
    },
    /// Attach to these running processes.
    Attach(Vec<Pid>),
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
    /// Take user-space stacks (-k) with these bounds; None: no stacks.
    pub stack: Option<crate::stack::StackOpts>,
}

/// What the tracer thread sends, in order.
#[derive(Debug)]
pub enum TraceMsg {
    /// A reported call, with the facts probed if it failed.
    Syscall(Box<SyscallEvent>, Box<Facts>),
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
}

/// Stops taken for one syscall.
#[derive(Debug, Clone, Copy, Default)]
pub struct StopCount {
    /// Entry (or seccomp) stops.
    pub entry: u64,
    /// Exit stops.
    pub exit: u64,
    /// Calls reported.
    pub reported: u64,
}

mod attach;
mod child;
mod engine;
mod errno;
mod fdkind;
pub mod memory;
mod seccomp;
mod signals;
mod spawn;
mod stack;
mod sysinfo;
mod tracee;

pub use errno::errno_name;
pub use spawn::resolve_command;

use crate::model::{ProcessEventKind, traced};
use nix::sys::ptrace::Options;
use std::fs::File;
use std::sync::mpsc::{Receiver, sync_channel};
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
    /// PTRACE_SEIZE refused.
    #[error("attach to {0}: {1} (another tracer, ptrace_scope, or missing CAP_SYS_PTRACE)")]
    AttachDenied(Pid, &'static str),
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

/// A running trace.
pub struct Handle {
    /// Events, in order; ends with `TraceMsg::Finished`.
    pub rx: Receiver<TraceMsg>,
    /// Master side of the tracee's terminal (spawn with pty).
    pub pty_master: Option<File>,
    /// True when attached to running processes (they can be detached).
    pub attached: bool,
    thread: JoinHandle<()>,
}

impl Handle {
    /// Ask the tracer thread to detach or kill.
    pub fn request(&self, c: Control) {
        signals::request(c);
    }

    /// Wait for the tracer thread to end.
    pub fn join(self) {
        let _ = self.thread.join();
    }
}

/// Ask the running tracer (from any thread) to detach or kill.
pub fn request(c: Control) {
    signals::request(c);
}

/// Tell the tracee's pseudo-terminal its size.
pub fn resize_pty(master: &File, rows: u16, cols: u16) {
    spawn::resize_pty(master, rows, cols);
}

/// Capacity of the event channel: when the consumer falls behind, the tracer (and so
/// the tracee) waits; nothing is dropped.
const CHANNEL_CAPACITY: usize = 4096;

/// Start tracing on a new thread. Errors that prevent the start (command not found,
/// attach refused) are returned here, before any event.
pub fn start(cfg: TraceConfig) -> Result<Handle, TraceError> {
    // Block our signals before any thread exists, so every thread inherits the mask and
    // only the tracer thread's sigwait takes them.
    let old_mask = signals::block().map_err(|e| TraceError::Spawn(format!("sigprocmask: {e}")))?;
    let (tx, rx) = sync_channel(CHANNEL_CAPACITY);
    let (setup_tx, setup_rx) = std::sync::mpsc::channel::<Result<Option<File>, TraceError>>();
    let attached = matches!(cfg.target, Target::Attach(_));
    let thread = std::thread::Builder::new()
        .name("tracer".into())
        .spawn(move || run_tracer(cfg, tx, setup_tx, *old_mask.as_ref()))
        .map_err(|e| TraceError::Spawn(format!("tracer thread: {e}")))?;
    match setup_rx.recv() {
        Ok(Ok(pty_master)) => Ok(Handle {
            rx,
            pty_master,
            attached,
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
    tx: std::sync::mpsc::SyncSender<TraceMsg>,
    setup: std::sync::mpsc::Sender<Result<Option<File>, TraceError>>,
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
            let filter = (cfg.seccomp && cfg.follow).then(|| stopped_set(&cfg));
            options |= Options::PTRACE_O_EXITKILL;
            if filter.is_some() {
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
            let stopped = stopped_set(&cfg);
            let filtered = filter.is_some();
            let mut engine = engine::Engine::new(cfg, tx.clone(), stopped, filtered, true);
            engine.add_task(pid, pid);
            engine.set_leader(pid);
            engine.process_event(ProcessEventKind::Spawn, pid, pid, |e| {
                e.argv = argv
                    .iter()
                    .map(|a| crate::render::escape::escape_str(a))
                    .collect()
            });
            let mut finish = engine.run();
            if finish.exit_code == Some(127)
                && let Some(err) = spawn::exec_error()
            {
                let _ = tx.send(TraceMsg::Warning(format!(
                    "exec of {} failed: {err}",
                    argv[0]
                )));
            }
            finish.exit_code.get_or_insert(0);
            let _ = tx.send(TraceMsg::Finished(finish));
        }
        Target::Attach(pids) => {
            let stopped = stopped_set(&cfg);
            let mut engine = engine::Engine::new(cfg, tx.clone(), stopped, false, false);
            for pid in &pids {
                match attach::attach(*pid, options) {
                    Ok(tids) => {
                        for tid in tids {
                            engine.add_task(tid, *pid);
                        }
                        engine.process_event(ProcessEventKind::Attach, *pid, *pid, |e| {
                            e.comm = engine::read_comm(*pid);
                        });
                    }
                    Err(e) => {
                        // Leave the ones already seized as they were.
                        let _ = setup.send(Err(e));
                        drop(engine);
                        detach_all_now();
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

/// On an attach error after some pids were seized: interrupt and detach them.
fn detach_all_now() {
    // Seized tasks that were interrupted report a stop; detach each as it comes.
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    while let Ok(st) = waitpid(None::<nix::unistd::Pid>, Some(WaitPidFlag::__WALL)) {
        if let Some(p) = st.pid() {
            let sig = match st {
                WaitStatus::Stopped(_, s) => Some(s),
                _ => None,
            };
            let _ = nix::sys::ptrace::detach(p, sig);
        }
    }
}

/// Calls the filter stops on: the reported ones plus those that keep the fd cache true.
fn stopped_set(cfg: &TraceConfig) -> SysnoSet {
    let mut set = cfg.report.clone();
    for s in traced::FD_CHANGING_CALLS
        .iter()
        .chain([&Sysno::close, &Sysno::close_range])
    {
        set.insert(*s);
    }
    set
}

/// Let the calling thread handle SIGTERM/SIGHUP (see `signals::unblock_termination`).
pub fn unblock_termination_signals() {
    signals::unblock_termination();
}
