//! A socket address as the tracee passed or received it.

use super::ByteString;
use serde::{Deserialize, Serialize};

/// What kind of AF_UNIX address this is (see unix(7), "Address format").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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

/// A decoded `struct sockaddr` (normally `sockaddr_un`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SockAddr {
    /// Family name, `AF_UNIX`, `AF_INET`, ... or the number when unknown.
    pub family: String,
    /// Address kind.
    pub kind: AddrKind,
    /// The path or abstract name (without the leading NUL for abstract names).
    /// Only the bytes the kernel would look at: up to addrlen, and for paths up to the first NUL.
    pub path: Option<ByteString>,
    /// The address length the caller passed (or the kernel returned).
    pub addrlen: u32,
    /// Problems with the address as passed, each a short phrase
    /// ("sun_path is not NUL-terminated", "addrlen 200 exceeds sizeof(struct sockaddr_un) 110").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}
