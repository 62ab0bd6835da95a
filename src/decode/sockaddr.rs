//! `struct sockaddr` (mostly `sockaddr_un`) from raw bytes, with the problems a
//! diagnosis can quote. Pure: the callers in `mod.rs` do the bounded reads.

use super::{Dir, Tracee, read_bounded};
use crate::model::sockaddr::{FAMILY_LEN, SOCKADDR_UN, SUN_PATH};
use crate::model::{AddrName, ByteString, SockAddr, UnixName};

/// sizeof(struct sockaddr_storage): the most any address read may take.
pub const SOCKADDR_STORAGE: usize = 128;

/// Family-specific fields beyond what the model keeps, for rendering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddrDetail {
    /// AF_UNIX: everything is in the model.
    Unix,
    /// AF_INET: port and address in network order as read.
    Inet { port: u16, addr: [u8; 4] },
    /// AF_INET6.
    Inet6 {
        port: u16,
        flowinfo: u32,
        addr: [u8; 16],
        scope_id: u32,
    },
    /// AF_NETLINK.
    Netlink { pid: u32, groups: u32 },
    /// Any other family: the bytes after sa_family (sa_data), bounded.
    Data(ByteString),
}

/// A decoded address: the model's record plus what rendering needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrArg {
    /// The sa_family value as read.
    pub family: u16,
    /// The model record (family name, kind, path, addrlen, problems).
    pub addr: SockAddr,
    /// Family-specific fields.
    pub detail: AddrDetail,
}

fn u16_ne(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

fn u32_ne(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Decode an address from `bytes` (what was read at the pointer, possibly more than
/// `len`) of which the kernel uses `len`. `dir` says who wrote it: for an input the bytes
/// past `len` show what the caller meant (a path cut short by addrlen); for an output
/// they are stale and ignored. None when not even sa_family is there.
pub fn decode_sockaddr(bytes: &[u8], len: u32, dir: Dir) -> Option<AddrArg> {
    let bytes = &bytes[..bytes.len().min(SOCKADDR_STORAGE)];
    if len < FAMILY_LEN || bytes.len() < FAMILY_LEN as usize {
        return None;
    }
    let family = u16_ne(bytes, 0);
    // What the kernel looks at: the first `len` bytes (all we have when len is larger).
    let used = &bytes[..bytes.len().min(len as usize)];
    let mut problems = Vec::new();
    if dir == Dir::In && family == libc::AF_UNIX as u16 && len > SOCKADDR_UN {
        problems.push(format!(
            "addrlen {len} exceeds sizeof(struct sockaddr_un) {SOCKADDR_UN}"
        ));
    }
    if used.len() < len.min(SOCKADDR_STORAGE as u32) as usize {
        problems.push(format!(
            "only {} of the {len} address bytes are readable",
            used.len()
        ));
    }
    let mut addr = SockAddr {
        family: super::consts::lookup(super::consts::ADDRESS_FAMILIES, u64::from(family))
            .map_or_else(|| family.to_string(), str::to_string),
        name: AddrName::Other,
        addrlen: len,
        problems,
    };
    let data = &used[FAMILY_LEN as usize..];
    let detail = match i32::from(family) {
        libc::AF_UNIX => {
            decode_sun_path(bytes, data, len, dir, &mut addr);
            AddrDetail::Unix
        }
        libc::AF_INET if data.len() >= 6 && len >= 16 => AddrDetail::Inet {
            port: u16::from_be_bytes([data[0], data[1]]),
            addr: [data[2], data[3], data[4], data[5]],
        },
        libc::AF_INET6 if data.len() >= 26 && len >= 28 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&data[6..22]);
            AddrDetail::Inet6 {
                port: u16::from_be_bytes([data[0], data[1]]),
                flowinfo: u32::from_be_bytes([data[2], data[3], data[4], data[5]]),
                addr: a,
                scope_id: u32_ne(data, 22),
            }
        }
        libc::AF_NETLINK if data.len() >= 10 && len >= 12 => AddrDetail::Netlink {
            pid: u32_ne(data, 2),
            groups: u32_ne(data, 6),
        },
        _ => AddrDetail::Data(ByteString::from(data)),
    };
    Some(AddrArg {
        family,
        addr,
        detail,
    })
}

/// Fill the name and problems of an AF_UNIX address. `all` is everything read, `sun`
/// the sun_path bytes within addrlen. The problems are phrases of numbers only: the name
/// itself is in the record, and text is made from it later, where it is escaped.
fn decode_sun_path(all: &[u8], sun: &[u8], len: u32, dir: Dir, a: &mut SockAddr) {
    a.name = AddrName::Unix(UnixName::Unnamed);
    if len == FAMILY_LEN {
        return;
    }
    let Some(&first) = sun.first() else {
        // addrlen promised a path but the memory ended first (problem already noted).
        return;
    };
    if first == 0 {
        let name = &sun[1..sun.len().min(SUN_PATH)];
        a.name = AddrName::Unix(UnixName::Abstract(ByteString::from(name)));
        let trailing = name.iter().rev().take_while(|&&b| b == 0).count();
        if trailing > 0 && trailing < name.len() {
            a.problems.push(format!(
                "abstract name ({} bytes) is followed by {trailing} NUL byte{} that addrlen {len} \
                 counts (a peer must use the same length)",
                name.len() - trailing,
                if trailing == 1 { "" } else { "s" }
            ));
        } else if trailing > 0 {
            a.problems.push(format!(
                "abstract name is {trailing} NUL byte{}",
                if trailing == 1 { "" } else { "s" }
            ));
        }
        return;
    }
    let nul = sun.iter().position(|&b| b == 0);
    let plen = nul.unwrap_or(sun.len());
    a.name = AddrName::Unix(UnixName::Path(ByteString::from(&sun[..plen.min(SUN_PATH)])));
    if dir == Dir::Out {
        return;
    }
    // The string as it sits in memory, up to sockaddr_storage: shows what the caller meant.
    let mem = &all[FAMILY_LEN as usize..];
    let mem_len = mem.iter().position(|&b| b == 0);
    let over = |m: usize| m > SUN_PATH;
    if over(plen) || (nul.is_none() && mem_len.map_or(over(mem.len()), over)) {
        let m = match (nul, mem_len) {
            (Some(_), _) => plen.to_string(),
            (None, Some(m)) => m.to_string(),
            (None, None) => format!("at least {}", mem.len()),
        };
        a.problems.push(format!(
            "sun_path is {m} bytes, more than the {SUN_PATH} it holds"
        ));
    } else if nul.is_none() && plen == SUN_PATH {
        a.problems.push(format!(
            "sun_path fills all {SUN_PATH} bytes with no terminating NUL \
             (Linux accepts it; other systems may not)"
        ));
    } else if let (None, Some(m)) = (nul, mem_len)
        && m > plen
    {
        a.problems.push(format!(
            "addrlen {len} cuts sun_path to its first {plen} bytes; the string in memory is {m} bytes"
        ));
    }
}

/// Read and decode an input address (bind, connect, sendto, msg_name of a send). The
/// arg is the pointer itself when nothing can be shown (NULL, addrlen < 2, unreadable).
pub fn read_sockaddr_in(t: &dyn Tracee, ptr: u64, len: u32) -> (Option<AddrArg>, Option<SockAddr>) {
    if ptr == 0 {
        return (None, None);
    }
    if len < FAMILY_LEN {
        return (None, Some(problem_addr(len, too_short(len))));
    }
    // Read past a short addrlen (up to sizeof(sockaddr_un)) to see what the caller meant.
    let want = (len as usize)
        .max(SOCKADDR_UN as usize)
        .min(SOCKADDR_STORAGE);
    let bytes = read_bounded(t, ptr, want);
    match bytes
        .as_deref()
        .and_then(|b| decode_sockaddr(b, len, Dir::In))
    {
        Some(a) => {
            let model = a.addr.clone();
            (Some(a), Some(model))
        }
        None => (
            None,
            Some(problem_addr(
                len,
                format!("the address at {ptr:#x} is not readable memory"),
            )),
        ),
    }
}

/// Read and decode an address the kernel wrote (accept, recvfrom, get*name, msg_name of
/// a receive): `len_in` was the buffer size, `len_out` what the kernel reported.
pub fn read_sockaddr_out(
    t: &dyn Tracee,
    ptr: u64,
    len_in: u32,
    len_out: u32,
) -> (Option<AddrArg>, Option<SockAddr>) {
    if ptr == 0 {
        return (None, None);
    }
    let shown = len_in.min(len_out);
    let bytes = read_bounded(t, ptr, (shown as usize).min(SOCKADDR_STORAGE));
    let mut dec = bytes
        .as_deref()
        .and_then(|b| decode_sockaddr(b, shown, Dir::Out));
    let truncated = (len_out > len_in).then(|| {
        format!("the kernel's address ({len_out} bytes) was cut to the {len_in}-byte buffer")
    });
    match &mut dec {
        Some(a) => {
            a.addr.addrlen = len_out;
            a.addr.problems.extend(truncated);
            let model = a.addr.clone();
            (dec, Some(model))
        }
        // Nothing decodable (len_out 0 from an unnamed peer, or a buffer under 2 bytes):
        // the pointer is shown; only a truncation is worth recording.
        None => (None, truncated.map(|why| problem_addr(len_out, why))),
    }
}

fn too_short(len: u32) -> String {
    format!("addrlen {len} is too short to hold even sa_family ({FAMILY_LEN} bytes)")
}

/// A record for an address that could not be decoded, carrying why.
fn problem_addr(len: u32, why: String) -> SockAddr {
    SockAddr {
        family: String::new(),
        name: AddrName::Other,
        addrlen: len,
        problems: vec![why],
    }
}
