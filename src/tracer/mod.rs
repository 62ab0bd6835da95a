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
