//! A decoded `struct msghdr` and its control messages.

use super::{ByteString, Fd, SockAddr, SockId};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

/// A control message (cmsg) in msg_control; in the trace an object tagged by `"cmsg"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cmsg {
    /// SCM_RIGHTS: fds passed, with what each referred to in the sender (or receiver).
    Rights {
        /// The fd numbers.
        fds: Vec<Fd>,
        /// What each referred to, when known.
        targets: Vec<Option<SockId>>,
    },
    /// SCM_CREDENTIALS: struct ucred.
    Credentials {
        /// Claimed pid.
        pid: i32,
        /// Claimed uid.
        uid: u32,
        /// Claimed gid.
        gid: u32,
    },
    /// SCM_SECURITY: the security context.
    Security {
        /// The context as the kernel gave it.
        context: ByteString,
    },
    /// SCM_PIDFD: a pidfd for the peer.
    Pidfd {
        /// The new fd.
        fd: Fd,
    },
    /// A cmsg this build does not decode.
    Unknown {
        /// cmsg_level.
        level: i32,
        /// cmsg_type.
        kind: i32,
        /// cmsg_len.
        len: u64,
    },
    /// cmsg_len is impossible (shorter than the header, or past the end of msg_controllen).
    Malformed {
        /// cmsg_len.
        len: u64,
        /// What is wrong, in words built from numbers and constant names.
        reason: String,
    },
    /// A kind a later sockwhy wrote that this build does not know, kept as read (its
    /// other fields are not).
    Other {
        /// The `cmsg` tag as read.
        cmsg: Box<str>,
    },
}

/// Every field any kind of cmsg has: the flat form of the trace, as read.
#[derive(Deserialize)]
struct WireIn<'a> {
    #[serde(borrow)]
    cmsg: std::borrow::Cow<'a, str>,
    #[serde(default)]
    fds: Option<Vec<Fd>>,
    #[serde(default)]
    targets: Option<Vec<Option<SockId>>>,
    #[serde(default)]
    pid: Option<i32>,
    #[serde(default)]
    uid: Option<u32>,
    #[serde(default)]
    gid: Option<u32>,
    #[serde(default)]
    context: Option<ByteString>,
    #[serde(default)]
    fd: Option<Fd>,
    #[serde(default)]
    level: Option<i32>,
    #[serde(default)]
    kind: Option<i32>,
    #[serde(default)]
    len: Option<u64>,
    #[serde(default)]
    reason: Option<String>,
}

/// The same, as written (borrowing from the cmsg).
#[derive(Serialize, Default)]
struct WireOut<'a> {
    cmsg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fds: Option<&'a [Fd]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    targets: Option<&'a [Option<SockId>]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pid: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<&'a ByteString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fd: Option<Fd>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    len: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl Serialize for Cmsg {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let w = match self {
            Cmsg::Rights { fds, targets } => WireOut {
                cmsg: "rights",
                fds: Some(fds),
                targets: Some(targets),
                ..WireOut::default()
            },
            Cmsg::Credentials { pid, uid, gid } => WireOut {
                cmsg: "credentials",
                pid: Some(*pid),
                uid: Some(*uid),
                gid: Some(*gid),
                ..WireOut::default()
            },
            Cmsg::Security { context } => WireOut {
                cmsg: "security",
                context: Some(context),
                ..WireOut::default()
            },
            Cmsg::Pidfd { fd } => WireOut {
                cmsg: "pidfd",
                fd: Some(*fd),
                ..WireOut::default()
            },
            Cmsg::Unknown { level, kind, len } => WireOut {
                cmsg: "unknown",
                level: Some(*level),
                kind: Some(*kind),
                len: Some(*len),
                ..WireOut::default()
            },
            Cmsg::Malformed { len, reason } => WireOut {
                cmsg: "malformed",
                len: Some(*len),
                reason: Some(reason),
                ..WireOut::default()
            },
            Cmsg::Other { cmsg } => WireOut {
                cmsg,
                ..WireOut::default()
            },
        };
        w.serialize(s)
    }
}

fn need<T, E: serde::de::Error>(v: Option<T>, field: &'static str) -> Result<T, E> {
    v.ok_or_else(|| E::missing_field(field))
}

impl<'de> Deserialize<'de> for Cmsg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = WireIn::deserialize(d)?;
        Ok(match &*w.cmsg {
            "rights" => Cmsg::Rights {
                fds: w.fds.unwrap_or_default(),
                targets: w.targets.unwrap_or_default(),
            },
            "credentials" => Cmsg::Credentials {
                pid: need(w.pid, "pid")?,
                uid: need(w.uid, "uid")?,
                gid: need(w.gid, "gid")?,
            },
            "security" => Cmsg::Security {
                context: need(w.context, "context")?,
            },
            "pidfd" => Cmsg::Pidfd {
                fd: need(w.fd, "fd")?,
            },
            "unknown" => Cmsg::Unknown {
                level: need(w.level, "level")?,
                kind: need(w.kind, "kind")?,
                len: need(w.len, "len")?,
            },
            "malformed" => Cmsg::Malformed {
                len: need(w.len, "len")?,
                reason: w.reason.unwrap_or_default(),
            },
            other => Cmsg::Other { cmsg: other.into() },
        })
    }
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
