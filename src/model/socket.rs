//! Which socket an fd is, as `strace -yy` shows it, and the name of an AF_UNIX socket.

use super::name::{NameSet, Named, name_set};
use super::{ByteString, Fd};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Type of an AF_UNIX socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SockKind {
    /// SOCK_STREAM.
    Stream,
    /// SOCK_DGRAM.
    Dgram,
    /// SOCK_SEQPACKET.
    Seqpacket,
    /// Any other type number (AF_UNIX has none: 0 when only the family is known).
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
}

/// What an fd refers to, as strace labels it: an AF_UNIX socket of a type, a socket of
/// another family, a socket of a family not identified, or not a socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SockProto {
    /// AF_UNIX: `UNIX-STREAM`, `UNIX-DGRAM`, `UNIX-SEQPACKET` (`UNIX` for another type).
    Unix(SockKind),
    /// Another family, by the protocol the kernel lists it under.
    Inet(InetProto),
    /// `NETLINK`.
    Netlink,
    /// `PACKET`.
    Packet,
    /// `socket`: a socket whose family was not identified.
    Socket,
    /// `file`: not a socket.
    File,
}

/// Protocols of AF_INET and AF_INET6 sockets, as /proc/net names their tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InetProto {
    /// `TCP`.
    Tcp,
    /// `TCPv6`.
    Tcp6,
    /// `UDP`.
    Udp,
    /// `UDPv6`.
    Udp6,
    /// `UDPLITE`.
    UdpLite,
    /// `UDPLITEv6`.
    UdpLite6,
    /// `RAW`.
    Raw,
    /// `RAWv6`.
    Raw6,
}

name_set!(InetProto {
    Tcp => "TCP",
    Tcp6 => "TCPv6",
    Udp => "UDP",
    Udp6 => "UDPv6",
    UdpLite => "UDPLITE",
    UdpLite6 => "UDPLITEv6",
    Raw => "RAW",
    Raw6 => "RAWv6",
});

impl NameSet for SockProto {
    fn to_name(self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            SockProto::Unix(SockKind::Stream) => "UNIX-STREAM",
            SockProto::Unix(SockKind::Dgram) => "UNIX-DGRAM",
            SockProto::Unix(SockKind::Seqpacket) => "UNIX-SEQPACKET",
            SockProto::Unix(SockKind::Other(_)) => "UNIX",
            SockProto::Inet(p) => return p.to_name(),
            SockProto::Netlink => "NETLINK",
            SockProto::Packet => "PACKET",
            SockProto::Socket => "socket",
            SockProto::File => "file",
        })
    }
    fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "UNIX-STREAM" => SockProto::Unix(SockKind::Stream),
            "UNIX-DGRAM" => SockProto::Unix(SockKind::Dgram),
            "UNIX-SEQPACKET" => SockProto::Unix(SockKind::Seqpacket),
            "UNIX" => SockProto::Unix(SockKind::Other(0)),
            "NETLINK" => SockProto::Netlink,
            "PACKET" => SockProto::Packet,
            "socket" => SockProto::Socket,
            "file" => SockProto::File,
            _ => SockProto::Inet(InetProto::from_name(s)?),
        })
    }
}

/// The name of an AF_UNIX socket or address (unix(7), "Address format"). The one shape
/// of a name in memory; `render::escape::quote_unix_name` is the one way it is shown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum UnixName {
    /// No name: an unbound socket, or an address whose addrlen covers only sun_family.
    #[default]
    Unnamed,
    /// A filesystem path, as the binder passed it (may be relative to its cwd then).
    Path(ByteString),
    /// An abstract name, without its leading NUL.
    Abstract(ByteString),
}

impl UnixName {
    /// True for [`UnixName::Unnamed`].
    pub fn is_unnamed(&self) -> bool {
        matches!(self, UnixName::Unnamed)
    }

    /// The name's bytes (an abstract name without its leading NUL); None when unnamed.
    pub fn bytes(&self) -> Option<&ByteString> {
        match self {
            UnixName::Unnamed => None,
            UnixName::Path(b) | UnixName::Abstract(b) => Some(b),
        }
    }

    /// From the bytes of sun_path as the kernel reports a bound name: a leading NUL marks
    /// an abstract name.
    pub fn from_sun_path(b: &[u8]) -> UnixName {
        match b.split_first() {
            Some((0, rest)) => UnixName::Abstract(ByteString::from(rest)),
            _ => UnixName::Path(ByteString::from(b)),
        }
    }

    /// The bytes of sun_path for this name: an abstract name with its leading NUL.
    pub fn to_sun_path(&self) -> Vec<u8> {
        match self {
            UnixName::Unnamed => Vec::new(),
            UnixName::Path(p) => p.0.clone(),
            UnixName::Abstract(a) => {
                let mut v = Vec::with_capacity(a.len() + 1);
                v.push(0);
                v.extend_from_slice(a.as_bytes());
                v
            }
        }
    }
}

/// Identity of the object behind an fd in the tracee, looked up once per fd.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SockId {
    /// The fd number in the tracee.
    pub fd: Fd,
    /// What it is: `UNIX-STREAM`, `TCP`, ..., `socket`, `file`.
    pub proto: Named<SockProto>,
    /// Socket inode (0 when not a socket).
    pub inode: u64,
    /// Inode of the connected peer, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<u64>,
    /// The name this socket is bound to. In the trace: its sun_path bytes (an abstract
    /// name with its leading NUL).
    #[serde(
        default,
        skip_serializing_if = "UnixName::is_unnamed",
        with = "sun_path_bytes"
    )]
    pub path: UnixName,
    /// The name the peer is bound to.
    #[serde(
        default,
        skip_serializing_if = "UnixName::is_unnamed",
        with = "sun_path_bytes"
    )]
    pub peer_path: UnixName,
    /// For a non-socket fd: the /proc/PID/fd link target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<ByteString>,
}

impl SockId {
    /// An identity with only the fd, what it is and its inode.
    pub fn new(fd: Fd, proto: SockProto, inode: u64) -> SockId {
        SockId {
            fd,
            proto: proto.into(),
            inode,
            peer: None,
            path: UnixName::Unnamed,
            peer_path: UnixName::Unnamed,
            target: None,
        }
    }

    /// The AF_UNIX type, when this is an AF_UNIX socket.
    pub fn unix_kind(&self) -> Option<SockKind> {
        match self.proto.known()? {
            SockProto::Unix(k) => Some(k),
            _ => None,
        }
    }

    /// True when this is not a socket.
    pub fn is_file(&self) -> bool {
        self.proto.is(SockProto::File)
    }
}

/// A [`UnixName`] on the wire as sun_path bytes (the format kept from version 1).
mod sun_path_bytes {
    use super::UnixName;
    use crate::model::ByteString;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(n: &UnixName, s: S) -> Result<S::Ok, S::Error> {
        ByteString(n.to_sun_path()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<UnixName, D::Error> {
        // `null` (not written by sockwhy, but allowed for an absent value) is no name.
        Ok(Option::<ByteString>::deserialize(d)?
            .map_or(UnixName::Unnamed, |b| UnixName::from_sun_path(b.as_bytes())))
    }
}
