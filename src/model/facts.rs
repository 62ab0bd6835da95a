//! Facts probed from the live system at a failure, while the tracee is still stopped.
//! Filled by `probe`, read by `diagnose`; not part of the saved trace (the resulting
//! `Cause` with its evidence is).
//!
//! Plain data only: every field is something a probe observed. `None` (or an empty list
//! with its `*_checked` flag false) means "not looked at or could not be read", which a
//! rule must not read as "absent".

use super::{ByteString, Fd, Pid};

/// Type of an AF_UNIX socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockKind {
    /// SOCK_STREAM.
    Stream,
    /// SOCK_DGRAM.
    Dgram,
    /// SOCK_SEQPACKET.
    Seqpacket,
    /// Any other type number.
    Other(u32),
}

impl SockKind {
    /// From the kernel's SOCK_* number.
    pub fn from_raw(t: u32) -> SockKind {
        match t {
            1 => SockKind::Stream,
            2 => SockKind::Dgram,
            5 => SockKind::Seqpacket,
            n => SockKind::Other(n),
        }
    }
    /// The constant's name, `SOCK_STREAM`.
    pub fn name(self) -> String {
        match self {
            SockKind::Stream => "SOCK_STREAM".into(),
            SockKind::Dgram => "SOCK_DGRAM".into(),
            SockKind::Seqpacket => "SOCK_SEQPACKET".into(),
            SockKind::Other(n) => format!("type {n}"),
        }
    }
    /// strace's protocol label, `UNIX-STREAM`.
    pub fn unix_label(self) -> &'static str {
        match self {
            SockKind::Stream => "UNIX-STREAM",
            SockKind::Dgram => "UNIX-DGRAM",
            SockKind::Seqpacket => "UNIX-SEQPACKET",
            SockKind::Other(_) => "UNIX",
        }
    }
}

/// Connection state of an AF_UNIX socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockState {
    /// Neither listening nor connected (TCP_CLOSE / SS_UNCONNECTED).
    Unconnected,
    /// listen() was called.
    Listening,
    /// A connect() is in progress.
    Connecting,
    /// Connected to a peer (TCP_ESTABLISHED / SS_CONNECTED).
    Connected,
    /// Being torn down.
    Disconnecting,
    /// A state number this build does not name.
    Other(u32),
}

impl SockState {
    /// A word for people.
    pub fn word(self) -> String {
        match self {
            SockState::Unconnected => "unconnected".into(),
            SockState::Listening => "listening".into(),
            SockState::Connecting => "connecting".into(),
            SockState::Connected => "connected".into(),
            SockState::Disconnecting => "disconnecting".into(),
            SockState::Other(n) => format!("state {n}"),
        }
    }
}

/// The name an AF_UNIX socket is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnixName {
    /// A filesystem path, as the binder passed it (may be relative to its cwd then).
    Path(ByteString),
    /// An abstract name (without the leading NUL).
    Abstract(ByteString),
}

/// One AF_UNIX socket as sock_diag or /proc/net/unix shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnixSocket {
    /// Socket inode.
    pub inode: u64,
    /// Socket type.
    pub kind: SockKind,
    /// Connection state.
    pub state: SockState,
    /// Bound name, None when unbound.
    pub name: Option<UnixName>,
    /// Peer inode as the kernel reports it. `Some(0)`: the peer has no inode, because it
    /// was closed or (stream) is still waiting in the listener's accept queue.
    pub peer: Option<u64>,
    /// Listeners: connections waiting in the accept queue; others: bytes queued to read.
    pub rqueue: Option<u32>,
    /// Listeners: the backlog limit given to listen(); others: bytes queued to send.
    pub wqueue: Option<u32>,
    /// Inode and device (major, minor) of the file a path-bound socket created.
    pub vfs: Option<VfsId>,
    /// Owner uid of the socket (kernel 5.3+).
    pub uid: Option<u32>,
    /// Shutdown bits (1 = no more receives, 2 = no more sends), when reported.
    pub shutdown: Option<u8>,
}

/// A file's identity: inode on a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VfsId {
    /// Inode number.
    pub ino: u64,
    /// Device major number.
    pub major: u32,
    /// Device minor number.
    pub minor: u32,
}

/// A process holding an fd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// Its pid.
    pub pid: Pid,
    /// Its /proc/PID/comm (raw bytes: escape before showing).
    pub comm: ByteString,
    /// The fd numbers it holds the object on.
    pub fds: Vec<Fd>,
}

/// Everything the probes found for one failing call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {}
