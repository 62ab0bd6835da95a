//! The records of a trace: one header, then syscall and process events in the order seen.

use super::{Fd, MsgHdr, Pid, SockAddr, SockId, StackEnd, StackFrame, Tid};
use serde::{Deserialize, Serialize};

/// One line of the saved trace (JSON Lines), tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Record {
    /// First line of every trace.
    Header(Header),
    /// One traced system call (entry and exit together).
    Syscall(Box<SyscallEvent>),
    /// A process came, went, exec'd or got a signal.
    Process(ProcessEvent),
}

/// What was traced, when and where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`super::TRACE_FORMAT_NAME`].
    pub format: String,
    /// [`super::TRACE_FORMAT_VERSION`] of the writer.
    pub version: u32,
    /// The command line that was started (empty when attaching).
    pub command: Vec<String>,
    /// Pids attached to with -p (empty when spawning).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attached: Vec<Pid>,
    /// Start time, RFC 3339 UTC.
    pub start: String,
    /// `uname -sr` of the tracing machine.
    pub kernel: String,
    /// sockwhy version that wrote the trace.
    pub sockwhy: String,
}

/// One traced system call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyscallEvent {
    /// Sequence number in this trace, from 1, in order of the exit stop.
    pub seq: u64,
    /// Nanoseconds since the trace started, at the entry stop.
    pub ts_ns: u64,
    /// Time spent between entry and exit stop (0 when no exit stop was taken).
    #[serde(default)]
    pub duration_ns: u64,
    /// Thread-group id.
    pub pid: Pid,
    /// Thread id.
    pub tid: Tid,
    /// Syscall name (`connect`).
    pub syscall: String,
    /// Decoded arguments as text, already escaped (safe for a terminal).
    pub args: Vec<String>,
    /// Raw return value as the program sees it (-1 on failure, as libc reports it).
    pub ret: i64,
    /// Errno name the program sees (`ENOENT`), or None on success.
    pub errno: Option<String>,
    /// The return value decorated as strace does (`3<UNIX-STREAM:[123]>`, `[3, 4]`), when
    /// it says more than the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret_text: Option<String>,
    /// The kernel-internal restart code the exit stop showed (`ERESTARTSYS`), when the
    /// call was interrupted by a signal; `errno` then says what the program sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<String>,
    /// True when --inject made this call fail without running it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub injected: bool,
    /// The socket address argument (connect, bind, sendto, accept, recvfrom, get*name).
    pub addr: Option<SockAddr>,
    /// Identity of each fd the call used or returned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fds: Vec<SockId>,
    /// Decoded msghdrs (one for sendmsg/recvmsg, one per element for *mmsg).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msgs: Vec<MsgHdr>,
    /// The fd the call operated on, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fd: Option<Fd>,
    /// What the errno means for this call, in our words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// Manual page the explanation comes from, e.g. `connect(2)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub man: Option<String>,
    /// The likely cause on this machine, found by probing at the failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// The user-space stack at the call, innermost first (with -k).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stack: Vec<StackFrame>,
    /// Why the stack walk stopped short of the outermost frame; None when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_end: Option<StackEnd>,
}

impl SyscallEvent {
    /// True when the call failed (as the program sees it).
    pub fn failed(&self) -> bool {
        self.errno.is_some()
    }
}

/// How sure a cause is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// A plausible reading; something checked did not rule it out.
    Low,
    /// The evidence points this way, but something relevant could not be checked.
    Medium,
    /// The evidence shows it.
    High,
}

/// The likely cause of a failure, with what was checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    /// One sentence.
    pub summary: String,
    /// What was observed, one fact per entry (escaped text).
    pub evidence: Vec<String>,
    /// How sure.
    pub confidence: Confidence,
}

/// Kind of process event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProcessEventKind {
    /// The first traced process was started.
    Spawn,
    /// An attached process (with -p).
    Attach,
    /// A new process (fork, vfork, or clone without CLONE_THREAD).
    Fork,
    /// A new thread (clone with CLONE_THREAD).
    Clone,
    /// A successful execve.
    Exec,
    /// A process or thread ended (exit or signal).
    Exit,
    /// A signal was delivered to the tracee.
    Signal,
    /// sockwhy detached from the process (it runs on).
    Detach,
}

/// A process event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessEvent {
    /// What happened.
    pub event: Option<ProcessEventKind>,
    /// Nanoseconds since the trace started.
    pub ts_ns: u64,
    /// Thread-group id.
    pub pid: Pid,
    /// Thread id (equal to pid for the leader).
    pub tid: Tid,
    /// Parent pid for spawn/fork/clone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ppid: Option<Pid>,
    /// Program path (exec), escaped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exe: Option<String>,
    /// argv (exec), escaped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub argv: Vec<String>,
    /// Short command name (/proc/PID/comm), escaped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comm: Option<String>,
    /// Exit code (exit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Signal name: the killing signal (exit) or the delivered one (signal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// True when the exit left a core dump.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub core_dumped: bool,
}
