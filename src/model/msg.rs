//! A decoded `struct msghdr` and its control messages.

use super::{ByteString, Fd, SockAddr, SockId};
use serde::{Deserialize, Serialize};

/// One element of msg_iov (or of a readv/writev vector).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IoVec {
    /// Buffer address in the tracee.
    pub base: u64,
    /// Buffer length the caller gave.
    pub len: u64,
    /// The first bytes (at most `-s`), when read; None when the buffer could not be read.
    pub data: Option<ByteString>,
}

/// A control message (cmsg) in msg_control.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmsg", rename_all = "snake_case")]
pub enum Cmsg {
    /// SCM_RIGHTS: fds passed, with what each referred to in the sender (or receiver).
    Rights {
        fds: Vec<Fd>,
        targets: Vec<Option<SockId>>,
    },
    /// SCM_CREDENTIALS: struct ucred.
    Credentials { pid: i32, uid: u32, gid: u32 },
    /// SCM_SECURITY: the security context.
    Security { context: ByteString },
    /// SCM_PIDFD: a pidfd for the peer.
    Pidfd { fd: Fd },
    /// A cmsg this build does not decode.
    Unknown { level: i32, kind: i32, len: u64 },
    /// cmsg_len is impossible (shorter than the header, or past the end of msg_controllen).
    Malformed { len: u64, reason: String },
}

/// A decoded `struct msghdr`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsgHdr {
    /// msg_name, when present and readable.
    pub name: Option<SockAddr>,
    /// msg_namelen.
    pub namelen: u32,
    /// The iovecs.
    pub iov: Vec<IoVec>,
    /// msg_iovlen as passed.
    pub iovlen: u64,
    /// msg_controllen.
    pub controllen: u64,
    /// Decoded control messages.
    pub cmsgs: Vec<Cmsg>,
    /// msg_flags (meaningful on receive) as text, e.g. `MSG_CTRUNC`.
    pub flags: String,
}
