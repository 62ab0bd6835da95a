//! The records of a trace: one header, then syscall and process events in the order seen.

use super::errno::ErrnoName;
use super::name::{Named, name_set};
use super::{Fd, MsgHdr, Pid, SockAddr, SockId, StackEnd, StackFrame, Tid};
use serde::{Deserialize, Serialize};
use syscalls::Sysno;

/// A syscall as a trace names it (`connect`), or a name this build does not know.
pub type SyscallName = Named<Sysno>;

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
    /// The last record (format version 2): how the run ended.
    End(TraceEnd),
}

/// How a run ended, as sockwhy saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// The traced program ended (its exit record says how).
    Exited,
    /// sockwhy let go of the traced processes; they run on.
    Detached,
    /// An output of sockwhy closed or failed (`sockwhy ... | head`, a full disk): tracing
    /// stopped there, spawned programs were ended and attached ones detached.
    OutputClosed,
    /// sockwhy was asked to stop (the TUI's quit with the program still running).
    Interrupted,
}

name_set!(EndReason {
    Exited => "exited",
    Detached => "detached",
    OutputClosed => "output-closed",
    Interrupted => "interrupted",
});

/// The closing record: written once the trace is over, so a reader knows the trace is
/// whole and how the run ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEnd {
    /// How it ended.
    pub how: Named<EndReason>,
    /// The exit status sockwhy passed through: the first traced process's (128+N when
    /// signal N killed it). None when it detached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
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
    /// The call, named as the kernel's syscall table names it (`connect`).
    pub syscall: SyscallName,
    /// Decoded arguments as text, already escaped (safe for a terminal).
    pub args: Vec<String>,
    /// Raw return value as the program sees it (-1 on failure, as libc reports it).
    pub ret: i64,
    /// The errno the program sees (`ENOENT`), or None on success.
    pub errno: Option<ErrnoName>,
    /// The return value decorated as strace does (`3<UNIX-STREAM:[123]>`, `[3, 4]`), when
    /// it says more than the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret_text: Option<String>,
    /// The kernel-internal restart code the exit stop showed (`ERESTARTSYS`), when the
    /// call was interrupted by a signal; `errno` then says what the program sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<ErrnoName>,
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
    /// Failures only: consequential or expected (harmless), and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<FailureClass>,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// A plausible reading; something checked did not rule it out.
    Low,
    /// The evidence points this way, but something relevant could not be checked.
    Medium,
    /// The evidence shows it.
    High,
}

name_set!(Confidence {
    Low => "low",
    Medium => "medium",
    High => "high",
});

/// The likely cause of a failure, with what was checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    /// The stable id of the rule that found it (`connect.stale-socket`), so tests and
    /// people can refer to it (`sockwhy explain` lists them). Empty in traces written
    /// before rules had ids.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rule: String,
    /// One sentence.
    pub summary: String,
    /// What was observed, one fact per entry (escaped text).
    pub evidence: Vec<String>,
    /// How sure (`high`, `medium`, `low`, or a word a later sockwhy uses).
    pub confidence: Named<Confidence>,
    /// What to do next, when a fix is known (one or two sentences, escaped text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// Whether a failure matters to the person debugging.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// A failure that changes what the program does: the one to look at.
    Consequential,
    /// A normal, harmless failure: glibc's nscd lookup, a getpeername probe on a
    /// non-socket, EAGAIN in an event loop, a refused connect followed by a fallback
    /// that worked, an EINTR the program retried.
    Expected,
}

name_set!(FailureKind {
    Consequential => "consequential",
    Expected => "expected",
});

/// How a failure was classified, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureClass {
    /// Consequential or expected.
    pub kind: Named<FailureKind>,
    /// Why, in a few words (escaped text): "glibc's nscd probe; nscd is not running".
    pub reason: String,
    /// The `seq` of the later call that recovered from this failure (a fallback connect
    /// that worked, a retry that succeeded), when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered_by: Option<u64>,
}

impl Cause {
    /// The confidence for ordering causes: an unknown word ranks below `low`.
    pub fn rank(&self) -> Option<Confidence> {
        self.confidence.known()
    }
}

/// Kind of process event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

name_set!(ProcessEventKind {
    Spawn => "spawn",
    Attach => "attach",
    Fork => "fork",
    Clone => "clone",
    Exec => "exec",
    Exit => "exit",
    Signal => "signal",
    Detach => "detach",
});

/// A process event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessEvent {
    /// What happened (a kind this build does not know is kept as read).
    pub event: Option<Named<ProcessEventKind>>,
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

impl ProcessEvent {
    /// What happened, when this build knows the kind.
    pub fn kind(&self) -> Option<ProcessEventKind> {
        self.event.as_ref().and_then(Named::known)
    }
}
