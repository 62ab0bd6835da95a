//! setsockopt/getsockopt values: the option's type decides how its bytes read.

use super::consts::so;
use crate::model::{ByteString, Fd};

/// A decoded option value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptVal {
    /// An int option: `[1]`.
    Int(i32),
    /// SO_TYPE: `[SOCK_STREAM]`.
    SockType(i32),
    /// SO_ERROR: `[ECONNREFUSED]`, `[0]`.
    Errno(i32),
    /// SO_PEERPIDFD: an fd the kernel installed.
    Fd(Fd),
    /// SO_PEERCRED: struct ucred.
    Ucred { pid: i32, uid: u32, gid: u32 },
    /// SO_RCVTIMEO/SO_SNDTIMEO (old and new): struct timeval.
    Timeval { sec: i64, usec: i64 },
    /// SO_LINGER: struct linger.
    Linger { onoff: i32, linger: i32 },
    /// Anything else, as bytes (at most `-s`); `truncated` when there was more.
    Bytes { data: ByteString, truncated: bool },
}

fn i32_at(b: &[u8], at: usize) -> i32 {
    i32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn i64_at(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_ne_bytes(a)
}

/// How many bytes to read for an option value of `len` bytes: enough for every struct
/// decoded here, and `-s` for the rest.
pub fn read_len(len: u32, strsize: usize) -> usize {
    (len as usize).min(strsize.max(16))
}

/// Decode the value of option (`level`, `name`) whose length is `len`, from `bytes`
/// (what could be read of it, possibly fewer than `len`). None when it should be shown
/// as a pointer (too short for its type, as strace does).
pub fn decode_optval(
    level: i32,
    name: i32,
    bytes: &[u8],
    len: u32,
    strsize: usize,
) -> Option<OptVal> {
    let have = bytes.len();
    let as_bytes = || OptVal::Bytes {
        data: ByteString::from(&bytes[..have.min(strsize)]),
        truncated: have.min(strsize) < len as usize,
    };
    if level != libc::SOL_SOCKET {
        return Some(if len == 4 && have >= 4 {
            OptVal::Int(i32_at(bytes, 0))
        } else {
            as_bytes()
        });
    }
    let v = match name {
        so::PEERCRED if have >= 12 => OptVal::Ucred {
            pid: i32_at(bytes, 0),
            uid: i32_at(bytes, 4) as u32,
            gid: i32_at(bytes, 8) as u32,
        },
        so::PEERCRED | so::PEERSEC | so::PEERGROUPS | so::PEERNAME => as_bytes(),
        so::TYPE if have >= 4 => OptVal::SockType(i32_at(bytes, 0)),
        so::ERROR if have >= 4 => OptVal::Errno(i32_at(bytes, 0)),
        so::PEERPIDFD if have >= 4 => OptVal::Fd(i32_at(bytes, 0)),
        so::RCVTIMEO_OLD | so::SNDTIMEO_OLD | so::RCVTIMEO_NEW | so::SNDTIMEO_NEW
            if have >= 16 =>
        {
            OptVal::Timeval {
                sec: i64_at(bytes, 0),
                usec: i64_at(bytes, 8),
            }
        }
        so::LINGER if have >= 8 => OptVal::Linger {
            onoff: i32_at(bytes, 0),
            linger: i32_at(bytes, 4),
        },
        so::RCVTIMEO_OLD | so::SNDTIMEO_OLD | so::RCVTIMEO_NEW | so::SNDTIMEO_NEW | so::LINGER => {
            return None;
        }
        25 /* SO_BINDTODEVICE */ => as_bytes(),
        _ if have >= 4 => OptVal::Int(i32_at(bytes, 0)),
        _ => return None,
    };
    Some(v)
}
