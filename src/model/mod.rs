//! Plain data shared by every stage: no I/O, no OS types. The saved trace is these
//! types serialised, so a change here is a change of the trace format (see docs/trace-format.md).

pub mod bytes;
pub mod errno;
mod errno_text;
pub mod escape;
pub mod event;
pub mod facts;
pub mod msg;
pub mod name;
pub mod sockaddr;
pub mod socket;
pub mod stack;
pub mod traced;

pub use bytes::ByteString;
pub use errno::{Errno, ErrnoName};
pub use event::{
    Cause, Confidence, EndReason, FailureClass, FailureKind, Header, ProcessEvent,
    ProcessEventKind, Record, SyscallEvent, SyscallName, TraceEnd,
};
pub use facts::Facts;
pub use msg::{Cmsg, IoVec, MsgHdr};
pub use name::{NameSet, Named};
pub use sockaddr::{AddrKind, AddrName, SockAddr};
pub use socket::{InetProto, SockId, SockKind, SockProto, UnixName};
pub use stack::{RawStack, StackEnd, StackFrame};

/// A process id (thread-group leader), as the kernel numbers it in our pid namespace.
pub type Pid = i32;
/// A thread id.
pub type Tid = i32;
/// A file descriptor number in the tracee.
pub type Fd = i32;

/// Version of the JSON Lines trace format written by this build (2 added the closing
/// `end` record; every older version is still read).
pub const TRACE_FORMAT_VERSION: u32 = 2;
/// Value of the header's `format` field.
pub const TRACE_FORMAT_NAME: &str = "sockwhy-trace";
