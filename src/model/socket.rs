//! Which socket an fd is, as `strace -yy` shows it.

use super::{ByteString, Fd};
use serde::{Deserialize, Serialize};

/// Identity of the object behind an fd in the tracee, looked up once per fd.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SockId {
    /// The fd number in the tracee.
    pub fd: Fd,
    /// `UNIX-STREAM`, `UNIX-DGRAM`, `UNIX-SEQPACKET`, `TCP`, `UDP`, `NETLINK`, ... or
    /// `socket` when the family is unknown, `file` for something that is not a socket.
    pub proto: String,
    /// Socket inode (0 when not a socket).
    pub inode: u64,
    /// Inode of the connected peer, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<u64>,
    /// Bound path or name of this socket (abstract names start with `@` in text only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<ByteString>,
    /// Bound path of the peer socket, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_path: Option<ByteString>,
    /// For a non-socket fd: the /proc/PID/fd link target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<ByteString>,
}
