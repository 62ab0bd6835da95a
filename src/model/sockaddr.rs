//! A socket address as the tracee passed or received it.

use super::name::{Named, name_set};
use super::{ByteString, UnixName};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// sizeof(((struct sockaddr_un *)0)->sun_path).
pub const SUN_PATH: usize = 108;
/// sizeof(struct sockaddr_un).
pub const SOCKADDR_UN: u32 = 110;
/// sizeof(sa_family_t).
pub const FAMILY_LEN: u32 = 2;

/// What kind of address this is, as the trace's `kind` names it (unix(7), "Address format").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrKind {
    /// A filesystem path name.
    Path,
    /// An abstract name: sun_path starts with a NUL byte.
    Abstract,
    /// No name: addrlen covers only sun_family.
    Unnamed,
    /// Not an AF_UNIX address (family named in `family`).
    Other,
}

name_set!(AddrKind {
    Path => "path",
    Abstract => "abstract",
    Unnamed => "unnamed",
    Other => "other",
});

/// What an address names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddrName {
    /// An AF_UNIX address: a path, an abstract name, or no name.
    Unix(UnixName),
    /// Not an AF_UNIX address (the family says which).
    Other,
    /// A kind a later sockwhy wrote that this build does not know, kept as read.
    Unknown {
        /// The kind's name.
        kind: Box<str>,
        /// The name, when the record gave one.
        path: Option<ByteString>,
    },
}

/// A decoded `struct sockaddr` (normally `sockaddr_un`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SockAddr {
    /// Family name, `AF_UNIX`, `AF_INET`, ... or the number when unknown.
    pub family: String,
    /// What it names. For AF_UNIX only the bytes the kernel would look at: up to addrlen,
    /// and for paths up to the first NUL.
    pub name: AddrName,
    /// The address length the caller passed (or the kernel returned).
    pub addrlen: u32,
    /// Problems with the address as passed, each a short phrase
    /// ("sun_path is not NUL-terminated", "addrlen 200 exceeds sizeof(struct sockaddr_un) 110").
    pub problems: Vec<String>,
}

impl SockAddr {
    /// An AF_UNIX address.
    pub fn unix(name: UnixName, addrlen: u32) -> SockAddr {
        SockAddr {
            family: "AF_UNIX".into(),
            name: AddrName::Unix(name),
            addrlen,
            problems: Vec::new(),
        }
    }

    /// The AF_UNIX name, when this is an AF_UNIX address.
    pub fn unix_name(&self) -> Option<&UnixName> {
        match &self.name {
            AddrName::Unix(n) => Some(n),
            _ => None,
        }
    }

    /// The kind as the trace names it.
    pub fn kind(&self) -> Named<AddrKind> {
        match &self.name {
            AddrName::Unix(UnixName::Path(_)) => AddrKind::Path.into(),
            AddrName::Unix(UnixName::Abstract(_)) => AddrKind::Abstract.into(),
            AddrName::Unix(UnixName::Unnamed) => AddrKind::Unnamed.into(),
            AddrName::Other => AddrKind::Other.into(),
            AddrName::Unknown { kind, .. } => Named::Unknown(kind.clone()),
        }
    }
}

/// The record as the trace holds it: `kind` and `path` beside each other (format version 1).
#[derive(Serialize)]
struct WireOut<'a> {
    family: &'a str,
    kind: Named<AddrKind>,
    path: Option<&'a ByteString>,
    addrlen: u32,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    problems: &'a [String],
}

#[derive(Deserialize)]
struct WireIn {
    family: String,
    kind: Named<AddrKind>,
    #[serde(default)]
    path: Option<ByteString>,
    addrlen: u32,
    #[serde(default)]
    problems: Vec<String>,
}

impl Serialize for SockAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let path = match &self.name {
            AddrName::Unix(n) => n.bytes(),
            AddrName::Other => None,
            AddrName::Unknown { path, .. } => path.as_ref(),
        };
        WireOut {
            family: &self.family,
            kind: self.kind(),
            path,
            addrlen: self.addrlen,
            problems: &self.problems,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for SockAddr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = WireIn::deserialize(d)?;
        // A path or abstract kind without its name (not written by sockwhy) names "".
        let bytes = || w.path.clone().unwrap_or_default();
        let name = match &w.kind {
            Named::Known(AddrKind::Path) => AddrName::Unix(UnixName::Path(bytes())),
            Named::Known(AddrKind::Abstract) => AddrName::Unix(UnixName::Abstract(bytes())),
            Named::Known(AddrKind::Unnamed) => AddrName::Unix(UnixName::Unnamed),
            Named::Known(AddrKind::Other) => AddrName::Other,
            Named::Unknown(k) => AddrName::Unknown {
                kind: k.clone(),
                path: w.path.clone(),
            },
        };
        Ok(SockAddr {
            family: w.family,
            name,
            addrlen: w.addrlen,
            problems: w.problems,
        })
    }
}
