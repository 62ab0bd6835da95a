//! `struct iovec` arrays, `struct msghdr` / `mmsghdr`, and the control messages in
//! msg_control. Lengths in these structs come from the tracee and are never trusted:
//! arrays are capped (elements and bytes), cmsgs are walked with the header size as the
//! minimum and `msg_controllen` as the end, and a bad `cmsg_len` stops the walk.

use super::sockaddr::{AddrArg, read_sockaddr_in, read_sockaddr_out};
use super::{DecodeOpts, Dir, Tracee, consts, note_fd, read_bounded};
use crate::model::{ByteString, Cmsg, IoVec, MsgHdr, SockId};

/// The kernel's limit on iovecs per call (and on vlen for *mmsg).
pub const UIO_MAXIOV: usize = 1024;
/// The most control data read per msghdr (the default net.core.optmem_max is 20 KiB
/// on older kernels and 128 KiB on newer; 64 KiB holds every real message).
pub const CONTROL_MAX: usize = 64 * 1024;
/// The most control data read per call, across all messages of a *mmsg.
pub const CONTROL_BUDGET: usize = 256 * 1024;
/// The most payload preview read per call, across all iovecs and messages: with a
/// large `-s` the element caps alone would allow gigabytes.
pub const DATA_BUDGET: usize = 1 << 20;

/// What one call may still read of payload and control data.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Payload preview bytes left.
    pub data: usize,
    /// Control data bytes left.
    pub control: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            data: DATA_BUDGET,
            control: CONTROL_BUDGET,
        }
    }
}
/// The most cmsgs decoded per msghdr.
pub const CMSG_MAX: usize = 1024;
/// sizeof(struct iovec) on x86_64.
const IOVEC: usize = 16;
/// sizeof(struct msghdr) on x86_64.
pub const MSGHDR: usize = 56;
/// sizeof(struct mmsghdr) on x86_64 (msghdr, msg_len, padding).
pub const MMSGHDR: usize = 64;
/// sizeof(struct cmsghdr) on x86_64.
const CMSGHDR: usize = 16;

/// How much payload each iovec shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IovData {
    /// Data the caller gave the kernel: each buffer up to `-s`.
    Each,
    /// Data the kernel filled: `n` bytes in total spread over the buffers in order.
    Upto(u64),
}

/// One iovec as shown: the model's record, and whether its data was cut at `-s`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IovItem {
    /// Base, length and the data preview.
    pub iov: IoVec,
    /// True when the buffer held more data than is shown.
    pub truncated: bool,
}

/// An iovec array as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IovArg {
    /// The elements read (at most `-s` of them, as strace limits arrays).
    pub items: Vec<IovItem>,
    /// The count the caller passed (more than `items.len()` means the list was cut).
    pub count: u64,
}

/// One control message as read: the header fields as they were, and the decoded body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CmsgItem {
    /// cmsg_len.
    pub len: u64,
    /// cmsg_level.
    pub level: i32,
    /// cmsg_type.
    pub kind: i32,
    /// The decoded body (or why it could not be).
    pub cmsg: Cmsg,
}

/// A decoded msghdr with what rendering needs beyond the model record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MsgArg {
    /// The model record (name, iovecs, control messages, flags as text).
    pub hdr: MsgHdr,
    /// msg_name as passed.
    pub name_ptr: u64,
    /// msg_name decoded, when it is shown (else the pointer is).
    pub name: Option<AddrArg>,
    /// msg_namelen before the call, when the kernel may change it (receive side).
    pub namelen_in: Option<u32>,
    /// msg_iov as passed.
    pub iov_ptr: u64,
    /// The iovecs, None when the array could not be read.
    pub iov: Option<IovArg>,
    /// msg_control as passed.
    pub control_ptr: u64,
    /// The control messages, None when msg_control could not be read.
    pub control: Option<Vec<CmsgItem>>,
    /// True when msg_controllen was more than [`CONTROL_MAX`] and the rest was not read.
    pub control_cut: bool,
    /// msg_flags as read.
    pub flags: u32,
    /// msg_len of an mmsghdr (bytes sent or received), when known.
    pub msg_len: Option<u32>,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn i32_at(b: &[u8], at: usize) -> i32 {
    u32_at(b, at) as i32
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_ne_bytes(a)
}

/// The most elements an array shows: strace's rule, `-s` elements, within the kernel's cap.
pub fn max_elems(o: &DecodeOpts) -> usize {
    o.strsize.clamp(1, UIO_MAXIOV)
}

/// Read an iovec array of `count` elements at `ptr`. None when not one element can be
/// read. `budget` is the preview data the call may still read; past it, buffers show
/// no data (marked cut).
pub fn read_iovec(
    t: &dyn Tracee,
    ptr: u64,
    count: u64,
    data: IovData,
    o: &DecodeOpts,
    budget: &mut usize,
) -> Option<IovArg> {
    let n = usize::try_from(count)
        .unwrap_or(usize::MAX)
        .min(max_elems(o));
    if n == 0 {
        return Some(IovArg {
            items: Vec::new(),
            count,
        });
    }
    let raw = read_bounded(t, ptr, n * IOVEC)?;
    if raw.len() < IOVEC {
        return None;
    }
    let mut left = match data {
        IovData::Each => u64::MAX,
        IovData::Upto(n) => n,
    };
    let items = raw
        .chunks_exact(IOVEC)
        .map(|c| {
            let base = u64_at(c, 0);
            let len = u64_at(c, 8);
            let avail = len.min(left);
            if let IovData::Upto(_) = data {
                left -= avail;
            }
            let want = (avail.min(o.strsize as u64) as usize).min(*budget);
            let got = if base == 0 {
                None
            } else if want == 0 {
                // Nothing to show (empty buffer, the data ran out before it, or the
                // call's budget is spent).
                Some(Vec::new())
            } else {
                read_bounded(t, base, want)
            };
            if let Some(g) = &got {
                *budget -= g.len().min(*budget);
            }
            let truncated = got.as_ref().is_some_and(|g| (g.len() as u64) < avail);
            IovItem {
                iov: IoVec {
                    base,
                    len,
                    data: got.map(ByteString),
                },
                truncated,
            }
        })
        .collect();
    Some(IovArg { items, count })
}

/// Walk the control data `buf` (the first bytes of a msg_control of `controllen` bytes).
/// Every cmsg_len is checked against the header size and the bytes left before it is
/// used; the first bad one is recorded as `Malformed` and ends the walk, as it ends the
/// kernel's. Pure, for the fuzzer.
pub fn decode_cmsgs(buf: &[u8], controllen: u64) -> Vec<CmsgItem> {
    let mut items = Vec::new();
    let mut off = 0usize;
    while off.saturating_add(CMSGHDR) <= buf.len() && items.len() < CMSG_MAX {
        let len = u64_at(buf, off);
        let level = i32_at(buf, off + 8);
        let kind = i32_at(buf, off + 12);
        let left = controllen.saturating_sub(off as u64);
        let what = || cmsg_what(level, kind);
        if len < CMSGHDR as u64 {
            items.push(CmsgItem {
                len,
                level,
                kind,
                cmsg: Cmsg::Malformed {
                    len,
                    reason: format!(
                        "cmsg_len {len} is shorter than the {CMSGHDR}-byte cmsghdr ({})",
                        what()
                    ),
                },
            });
            break;
        }
        if len > left {
            items.push(CmsgItem {
                len,
                level,
                kind,
                cmsg: Cmsg::Malformed {
                    len,
                    reason: format!(
                        "cmsg_len {len} runs past the {left} bytes left in msg_control ({})",
                        what()
                    ),
                },
            });
            break;
        }
        // len <= left <= controllen; what was read may still end sooner (CONTROL_MAX).
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| off.checked_add(l))
            .map_or(buf.len(), |e| e.min(buf.len()));
        let body = &buf[off + CMSGHDR..end];
        items.push(CmsgItem {
            len,
            level,
            kind,
            cmsg: decode_cmsg_body(level, kind, len, body),
        });
        // CMSG_NXTHDR: the next header starts at the aligned end of this one.
        let step = len.saturating_add(7) & !7;
        match usize::try_from(step).ok().and_then(|s| off.checked_add(s)) {
            Some(next) => off = next,
            None => break,
        }
    }
    items
}

/// `SOL_SOCKET/SCM_RIGHTS`, for problem phrases.
fn cmsg_what(level: i32, kind: i32) -> String {
    format!(
        "{}/{}",
        consts::sol_level(level),
        cmsg_type_name(level, kind)
    )
}

/// The cmsg_type as text: a name at SOL_SOCKET, else a number.
pub fn cmsg_type_name(level: i32, kind: i32) -> String {
    if level == libc::SOL_SOCKET {
        consts::name_or_hex(consts::SCM_TYPES, kind as u32 as u64, "SCM_???")
    } else {
        kind.to_string()
    }
}

fn decode_cmsg_body(level: i32, kind: i32, len: u64, body: &[u8]) -> Cmsg {
    let unknown = Cmsg::Unknown { level, kind, len };
    if level != libc::SOL_SOCKET {
        return unknown;
    }
    match kind {
        consts::scm::RIGHTS => Cmsg::Rights {
            fds: body.chunks_exact(4).map(|c| i32_at(c, 0)).collect(),
            targets: Vec::new(),
        },
        consts::scm::CREDENTIALS if body.len() >= 12 => Cmsg::Credentials {
            pid: i32_at(body, 0),
            uid: u32_at(body, 4),
            gid: u32_at(body, 8),
        },
        consts::scm::SECURITY => Cmsg::Security {
            context: ByteString::from(body),
        },
        consts::scm::PIDFD if body.len() >= 4 => Cmsg::Pidfd {
            fd: i32_at(body, 0),
        },
        // A body too short for its type (MSG_CTRUNC cut it): header only, as strace shows.
        _ => unknown,
    }
}

/// Look up what each passed fd is, filling `Rights::targets` and the call's fd list.
fn note_cmsg_fds(items: &mut [CmsgItem], t: &mut dyn Tracee, fds: &mut Vec<SockId>) {
    for it in items {
        match &mut it.cmsg {
            Cmsg::Rights {
                fds: passed,
                targets,
            } => {
                *targets = passed
                    .iter()
                    .map(|&fd| {
                        note_fd(fds, t, fd);
                        fds.iter().find(|s| s.fd == fd).cloned()
                    })
                    .collect();
            }
            Cmsg::Pidfd { fd } => note_fd(fds, t, *fd),
            _ => {}
        }
    }
}

/// Where a msghdr is read and how much of it to believe.
#[derive(Clone, Copy, Debug)]
pub struct MsgRead {
    /// Caller's input (send, at entry) or the kernel's output (receive, at exit).
    pub dir: Dir,
    /// How much iovec data to show.
    pub data: IovData,
    /// msg_namelen before the call (receive side), read at entry.
    pub namelen_in: Option<u32>,
}

/// Read and decode the msghdr at `ptr`. None when the struct itself cannot be read.
/// `budget` is what this call may still read of payload and control data.
pub fn read_msghdr(
    t: &mut dyn Tracee,
    ptr: u64,
    how: MsgRead,
    o: &DecodeOpts,
    fds: &mut Vec<SockId>,
    budget: &mut Budget,
) -> Option<MsgArg> {
    let raw = read_bounded(t, ptr, MSGHDR)?;
    if raw.len() < MSGHDR {
        return None;
    }
    let name_ptr = u64_at(&raw, 0);
    let namelen = u32_at(&raw, 8);
    let iov_ptr = u64_at(&raw, 16);
    let iovlen = u64_at(&raw, 24);
    let control_ptr = u64_at(&raw, 32);
    let controllen = u64_at(&raw, 40);
    let flags = u32_at(&raw, 48);

    let (name, name_model) = match how.dir {
        Dir::In => read_sockaddr_in(t, name_ptr, namelen),
        Dir::Out => read_sockaddr_out(t, name_ptr, how.namelen_in.unwrap_or(namelen), namelen),
    };
    let iov = read_iovec(t, iov_ptr, iovlen, how.data, o, &mut budget.data);
    let mut control_cut = false;
    let control = if controllen == 0 || control_ptr == 0 {
        Some(Vec::new())
    } else {
        let want = usize::try_from(controllen)
            .unwrap_or(usize::MAX)
            .min(CONTROL_MAX)
            .min(budget.control);
        control_cut = (want as u64) < controllen;
        read_bounded(t, control_ptr, want).map(|buf| {
            budget.control -= buf.len().min(budget.control);
            let mut items = decode_cmsgs(&buf, controllen);
            note_cmsg_fds(&mut items, t, fds);
            items
        })
    };
    let hdr = MsgHdr {
        name: name_model,
        namelen,
        iov: iov
            .as_ref()
            .map(|v| v.items.iter().map(|i| i.iov.clone()).collect())
            .unwrap_or_default(),
        iovlen,
        controllen,
        cmsgs: control
            .as_ref()
            .map(|v| v.iter().map(|c| c.cmsg.clone()).collect())
            .unwrap_or_default(),
        flags: consts::msg_flags(flags),
    };
    Some(MsgArg {
        hdr,
        name_ptr,
        name,
        namelen_in: how.namelen_in,
        iov_ptr,
        iov,
        control_ptr,
        control,
        control_cut,
        flags,
        msg_len: None,
    })
}

/// msg_namelen of the msghdr at `ptr` (read at entry of a receive).
pub fn read_namelen(t: &dyn Tracee, ptr: u64) -> Option<u32> {
    super::read_u32(t, ptr.checked_add(8)?)
}

/// msg_len of the `i`th mmsghdr at `vec`.
pub fn read_msg_len(t: &dyn Tracee, vec: u64, i: usize) -> Option<u32> {
    let at = vec.checked_add((i as u64).checked_mul(MMSGHDR as u64)?)?;
    super::read_u32(t, at.checked_add(MSGHDR as u64)?)
}

/// The address of the `i`th mmsghdr.
pub fn mmsg_at(vec: u64, i: usize) -> Option<u64> {
    vec.checked_add((i as u64).checked_mul(MMSGHDR as u64)?)
}
