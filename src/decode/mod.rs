//! Pure decoders: from a syscall's registers and the tracee memory they point to, to
//! data (`Decoded`). Formatting to text happens later, on the pipeline thread, in
//! `render::call`: decode imports nothing of render.
//!
//! Everything here reads the tracee only through the [`Tracee`] trait, so the decoders
//! can be tested and fuzzed over plain byte buffers. Every read is bounded (see the
//! `*_MAX` constants) and a read that fails leaves the pointer to be shown, never an error.
//!
//! Layout: `sockaddr` (addresses and their problems), `msghdr` (iovecs, msghdr, cmsgs),
//! `sockopt` (option values), `consts` (name tables), `mem` (a Tracee over a buffer).
//! The formats follow strace 6.1 `-yy`; `render/tests.rs` holds the lines, decoded here
//! and rendered there, checked against it.
//! Fuzz with `cargo +nightly fuzz run --dev decode` (fuzz/fuzz_targets/decode.rs).

pub mod consts;
pub mod mem;
pub mod msghdr;
pub mod sockaddr;
pub mod sockopt;

use crate::model::errno::error_of;
use crate::model::{ByteString, Cmsg, Fd, MsgHdr, SockAddr, SockId, SyscallEvent};
use msghdr::{IovArg, IovData, MsgArg, MsgRead};
use sockaddr::{AddrArg, read_sockaddr_in, read_sockaddr_out};
use sockopt::OptVal;
use syscalls::Sysno;

/// What the decoders may ask of the stopped tracee.
pub trait Tracee {
    /// Read up to `len` bytes at `addr`. Returns the bytes read (possibly fewer than
    /// `len` when the range crosses into unmapped memory), or None when nothing at
    /// `addr` is readable. Callers bound `len`.
    fn read_mem(&self, addr: u64, len: usize) -> Option<Vec<u8>>;
    /// Which socket (or file) the tracee's `fd` is, when it can be found.
    fn fd_identity(&mut self, fd: Fd) -> Option<SockId>;
}

/// Options that shape decoding.
#[derive(Clone, Debug)]
pub struct DecodeOpts {
    /// `-s N`: bytes of payload data to keep per buffer (also the most array elements
    /// shown, as strace does).
    pub strsize: usize,
}

impl Default for DecodeOpts {
    fn default() -> Self {
        DecodeOpts { strsize: 32 }
    }
}

/// Who wrote the memory being decoded: the caller (input) or the kernel (output).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Written by the tracee for the kernel to read.
    In,
    /// Written by the kernel for the tracee.
    Out,
}

/// One decoded argument, as data.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// A plain signed number.
    Int(i64),
    /// An unsigned number (sizes, lengths).
    UInt(u64),
    /// A pointer shown as an address (NULL, or memory that could not be read or that
    /// is not shown, as strace does for a failed call's outputs).
    Ptr(u64),
    /// An fd; rendered with its identity from `Decoded::fds`.
    Fd(Fd),
    /// Already-safe text (flag names, constants).
    Text(String),
    /// A decoded socket address.
    Addr(Box<AddrArg>),
    /// A value-result length: `[110]` before the call, `[110 => 2]` when the kernel
    /// changed it.
    Len {
        /// The value the caller passed.
        before: u32,
        /// The value the kernel left (None when not read: a failed call, or entry).
        after: Option<u32>,
    },
    /// The two fds socketpair() returned.
    FdPair([Fd; 2]),
    /// A data buffer preview: at most `-s` bytes; `truncated` when there was more.
    Bytes {
        /// The bytes shown.
        data: ByteString,
        /// True when the buffer held more than is shown (rendered as `...`).
        truncated: bool,
    },
    /// An iovec array (readv, writev).
    Iov(IovArg),
    /// A msghdr (sendmsg, recvmsg).
    Msg(Box<MsgArg>),
    /// An mmsghdr array (sendmmsg, recvmmsg); `more` when it was cut at `-s` elements.
    MsgVec {
        /// The elements shown.
        items: Vec<MsgArg>,
        /// True when there were more elements than are shown.
        more: bool,
    },
    /// A socket option value.
    Opt(OptVal),
}

/// A decoded call, after its exit stop.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decoded {
    /// The arguments in order.
    pub args: Vec<Arg>,
    /// Return value as the kernel gave it (negative errno on failure).
    pub ret: i64,
    /// The fd the call operated on.
    pub fd: Option<Fd>,
    /// The socket address argument.
    pub addr: Option<SockAddr>,
    /// Decoded msghdrs.
    pub msgs: Vec<MsgHdr>,
    /// Identities of fds used or returned.
    pub fds: Vec<SockId>,
    /// Fds the call created in the process: the returned one (socket, accept, dup),
    /// socketpair's two, and those received (SCM_RIGHTS, SCM_PIDFD, SO_PEERPIDFD).
    pub ret_fds: Vec<Fd>,
    /// True when the return value itself is an fd (socket, accept, dup, ...).
    pub ret_is_fd: bool,
}

impl Decoded {
    /// Move what the record keeps (the fd, address, msghdrs and fd identities) into `ev`;
    /// what is left is what only the text needs. Each fact is then held in one place.
    pub fn into_event(self, ev: &mut SyscallEvent) -> DecodedArgs {
        ev.fd = self.fd.or(ev.fd);
        ev.addr = self.addr;
        ev.msgs = self.msgs;
        ev.fds = self.fds;
        DecodedArgs {
            args: self.args,
            ret: self.ret,
            ret_is_fd: self.ret_is_fd,
        }
    }
}

/// The decoded arguments of a call whose record holds the rest (see
/// [`Decoded::into_event`]): rendered to text on the pipeline thread, with the fd
/// identities of the record, by `render::call::render_call`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DecodedArgs {
    /// The arguments in order.
    pub args: Vec<Arg>,
    /// Return value as the kernel gave it (negative errno on failure).
    pub ret: i64,
    /// True when the return value itself is an fd (socket, accept, dup, ...).
    pub ret_is_fd: bool,
}

impl DecodedArgs {
    /// True when the kernel returned an error (see `model::errno::error_of`).
    pub fn failed(&self) -> bool {
        error_of(self.ret).is_some()
    }
}

/// What the entry stop captured, to finish decoding at the exit stop.
#[derive(Clone, Debug)]
pub struct EntryState {
    /// The call.
    pub sys: Sysno,
    /// Its six argument registers.
    pub regs: [u64; 6],
    /// Arguments already decoded at entry (inputs the kernel may not change).
    pub args: Vec<Arg>,
    /// Identities of the fds looked up at entry (before close or dup2 changes them).
    pub fds: Vec<SockId>,
    /// The input socket address, decoded at entry.
    pub addr: Option<SockAddr>,
    /// A value-result length read at entry (addrlen, optlen, msg_namelen).
    pub len_in: Option<u32>,
    /// msghdrs decoded at entry (sendmsg, sendmmsg).
    pub msgs: Vec<MsgArg>,
    /// msg_namelen of each mmsghdr at entry (recvmmsg).
    pub namelens: Vec<Option<u32>>,
}

/// The most bytes one read may ask for, whatever the caller computed: a backstop so
/// no arithmetic on tracee values can make a huge allocation.
const READ_MAX: usize = 1 << 20;

/// Read at most `len` bytes (and never more than [`READ_MAX`]); the Tracee may return
/// fewer, and is trimmed if it returns more.
pub(crate) fn read_bounded(t: &dyn Tracee, addr: u64, len: usize) -> Option<Vec<u8>> {
    let len = len.min(READ_MAX);
    if addr == 0 {
        return None;
    }
    if len == 0 {
        return Some(Vec::new());
    }
    let mut v = t.read_mem(addr, len)?;
    v.truncate(len);
    Some(v)
}

/// Read exactly `N` bytes, or None.
pub(crate) fn read_array<const N: usize>(t: &dyn Tracee, addr: u64) -> Option<[u8; N]> {
    read_bounded(t, addr, N)?.try_into().ok()
}

/// Read a u32 (socklen_t, int) at `addr`.
pub(crate) fn read_u32(t: &dyn Tracee, addr: u64) -> Option<u32> {
    read_array::<4>(t, addr).map(u32::from_ne_bytes)
}

/// Record the identity of `fd` once per call.
fn note_fd(fds: &mut Vec<SockId>, t: &mut dyn Tracee, fd: Fd) {
    if fd < 0 || fds.iter().any(|s| s.fd == fd) {
        return;
    }
    if let Some(mut id) = t.fd_identity(fd) {
        // The lookup is keyed by fd; keep the record honest even if it was not.
        id.fd = fd;
        fds.push(id);
    }
}

/// A register as the C `int` the kernel takes.
fn int(r: u64) -> i32 {
    r as u32 as i32
}

/// A data buffer preview of `avail` bytes at `ptr`, at most `strsize` of them.
fn bytes_arg(t: &dyn Tracee, ptr: u64, avail: u64, o: &DecodeOpts) -> Arg {
    let want = (avail.min(o.strsize as u64)) as usize;
    match read_bounded(t, ptr, want) {
        Some(data) => {
            let truncated = (data.len() as u64) < avail;
            Arg::Bytes {
                data: ByteString(data),
                truncated,
            }
        }
        None => Arg::Ptr(ptr),
    }
}

fn addr_arg(ptr: u64, a: Option<AddrArg>) -> Arg {
    match a {
        Some(a) => Arg::Addr(Box::new(a)),
        None => Arg::Ptr(ptr),
    }
}

/// A value-result length pointer read at entry: `[110]`, or the pointer.
fn len_arg(ptr: u64, before: Option<u32>, after: Option<u32>) -> Arg {
    match before {
        Some(before) => Arg::Len { before, after },
        None => Arg::Ptr(ptr),
    }
}

/// Decode what can be decoded at the entry stop.
pub fn decode_entry(sys: Sysno, regs: [u64; 6], t: &mut dyn Tracee, o: &DecodeOpts) -> EntryState {
    let mut e = EntryState {
        sys,
        regs,
        args: Vec::new(),
        fds: Vec::new(),
        addr: None,
        len_in: None,
        msgs: Vec::new(),
        namelens: Vec::new(),
    };
    if let Some(fd) = operated_fd(sys, regs) {
        note_fd(&mut e.fds, t, fd);
    }
    let r = regs;
    match sys {
        Sysno::bind | Sysno::connect => {
            let (a, m) = read_sockaddr_in(t, r[1], int(r[2]) as u32);
            e.addr = m;
            e.args = vec![
                Arg::Fd(int(r[0])),
                addr_arg(r[1], a),
                Arg::UInt(u64::from(int(r[2]) as u32)),
            ];
        }
        Sysno::accept | Sysno::accept4 | Sysno::getsockname | Sysno::getpeername => {
            e.len_in = read_u32(t, r[2]);
        }
        Sysno::sendto => {
            let (a, m) = read_sockaddr_in(t, r[4], int(r[5]) as u32);
            e.addr = m;
            e.args = vec![
                Arg::Fd(int(r[0])),
                bytes_arg(t, r[1], r[2], o),
                Arg::UInt(r[2]),
                Arg::Text(consts::msg_flags(int(r[3]) as u32)),
                addr_arg(r[4], a),
                Arg::UInt(u64::from(int(r[5]) as u32)),
            ];
        }
        Sysno::recvfrom => {
            e.len_in = read_u32(t, r[5]);
        }
        Sysno::sendmsg => {
            let mut budget = msghdr::Budget::default();
            let how = MsgRead {
                dir: Dir::In,
                data: IovData::Each,
                namelen_in: None,
            };
            e.msgs.extend(msghdr::read_msghdr(
                t,
                r[1],
                how,
                o,
                &mut e.fds,
                &mut budget,
            ));
        }
        Sysno::recvmsg => {
            e.len_in = msghdr::read_namelen(t, r[1]);
        }
        Sysno::sendmmsg => {
            let mut budget = msghdr::Budget::default();
            let how = MsgRead {
                dir: Dir::In,
                data: IovData::Each,
                namelen_in: None,
            };
            for i in 0..mmsg_count(r[2], o) {
                let Some(at) = msghdr::mmsg_at(r[1], i) else {
                    break;
                };
                match msghdr::read_msghdr(t, at, how, o, &mut e.fds, &mut budget) {
                    Some(m) => e.msgs.push(m),
                    None => break,
                }
            }
        }
        Sysno::recvmmsg => {
            e.namelens = (0..mmsg_count(r[2], o))
                .map(|i| msghdr::mmsg_at(r[1], i).and_then(|at| msghdr::read_namelen(t, at)))
                .collect();
            e.args = vec![timespec_arg(t, r[4])];
        }
        Sysno::writev => {
            let iov = msghdr::read_iovec(
                t,
                r[1],
                u64::from(int(r[2]) as u32),
                IovData::Each,
                o,
                &mut msghdr::Budget::default().data,
            );
            e.args = vec![
                Arg::Fd(int(r[0])),
                iov.map_or(Arg::Ptr(r[1]), Arg::Iov),
                Arg::UInt(u64::from(int(r[2]) as u32)),
            ];
        }
        Sysno::setsockopt => {
            let (level, name, len) = (int(r[1]), int(r[2]), int(r[4]));
            let val = if len < 0 {
                None
            } else {
                read_bounded(t, r[3], sockopt::read_len(len as u32, o.strsize))
                    .and_then(|b| sockopt::decode_optval(level, name, &b, len as u32, o.strsize))
            };
            if let Some(OptVal::Fd(f)) = val {
                note_fd(&mut e.fds, t, f);
            }
            e.args = vec![
                Arg::Fd(int(r[0])),
                Arg::Text(consts::sol_level(level)),
                Arg::Text(consts::sockopt_name(level, name)),
                val.map_or(Arg::Ptr(r[3]), Arg::Opt),
                Arg::Int(i64::from(len)),
            ];
        }
        Sysno::getsockopt => {
            e.len_in = read_u32(t, r[4]);
        }
        Sysno::write | Sysno::pwrite64 => {
            e.args = vec![
                Arg::Fd(int(r[0])),
                bytes_arg(t, r[1], r[2], o),
                Arg::UInt(r[2]),
            ];
            if sys == Sysno::pwrite64 {
                e.args.push(Arg::Int(r[3] as i64));
            }
        }
        _ => {}
    }
    e
}

/// The fd a call operates on (its first argument), for the calls that have one: the one
/// answer to "which argument is the fd".
pub fn operated_fd(sys: Sysno, regs: [u64; 6]) -> Option<Fd> {
    match sys {
        Sysno::socket | Sysno::socketpair => None,
        Sysno::bind
        | Sysno::connect
        | Sysno::listen
        | Sysno::accept
        | Sysno::accept4
        | Sysno::getsockname
        | Sysno::getpeername
        | Sysno::sendto
        | Sysno::recvfrom
        | Sysno::sendmsg
        | Sysno::recvmsg
        | Sysno::sendmmsg
        | Sysno::recvmmsg
        | Sysno::shutdown
        | Sysno::setsockopt
        | Sysno::getsockopt
        | Sysno::read
        | Sysno::write
        | Sysno::readv
        | Sysno::writev
        | Sysno::pread64
        | Sysno::pwrite64
        | Sysno::close
        | Sysno::dup
        | Sysno::dup2
        | Sysno::dup3
        | Sysno::fcntl => Some(int(regs[0])),
        _ => None,
    }
}

/// Finish decoding at the exit stop (`ret` is the raw kernel return value).
pub fn decode_exit(e: EntryState, ret: i64, t: &mut dyn Tracee, o: &DecodeOpts) -> Decoded {
    let failed = error_of(ret).is_some();
    let r = e.regs;
    let mut d = Decoded {
        args: Vec::new(),
        ret,
        fd: operated_fd(e.sys, r),
        addr: e.addr,
        msgs: Vec::new(),
        fds: e.fds,
        ret_fds: Vec::new(),
        ret_is_fd: false,
    };
    let fd = Arg::Fd(int(r[0]));
    d.args = match e.sys {
        Sysno::socket => {
            vec![
                Arg::Text(consts::family_name(int(r[0]) as u16)),
                Arg::Text(consts::sock_type(int(r[1]) as u32)),
                Arg::Int(i64::from(int(r[2]))),
            ]
        }
        Sysno::socketpair => {
            let pair = if failed {
                None
            } else {
                read_array::<8>(t, r[3]).map(|b| {
                    [
                        i32::from_ne_bytes([b[0], b[1], b[2], b[3]]),
                        i32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
                    ]
                })
            };
            if let Some(p) = pair {
                d.ret_fds.extend(p);
            }
            vec![
                Arg::Text(consts::family_name(int(r[0]) as u16)),
                Arg::Text(consts::sock_type(int(r[1]) as u32)),
                Arg::Int(i64::from(int(r[2]))),
                pair.map_or(Arg::Ptr(r[3]), Arg::FdPair),
            ]
        }
        Sysno::listen => vec![fd, Arg::Int(i64::from(int(r[1])))],
        Sysno::accept | Sysno::accept4 | Sysno::getsockname | Sysno::getpeername => {
            let mut args = vec![fd];
            args.extend(addr_out_args(&mut d, t, r[1], r[2], e.len_in, failed));
            if e.sys == Sysno::accept4 {
                args.push(Arg::Text(consts::accept_flags(int(r[3]) as u32)));
            }
            args
        }
        Sysno::recvfrom => {
            let data = if failed {
                Arg::Ptr(r[1])
            } else {
                bytes_arg(t, r[1], (ret as u64).min(r[2]), o)
            };
            let mut args = vec![
                fd,
                data,
                Arg::UInt(r[2]),
                Arg::Text(consts::msg_flags(int(r[3]) as u32)),
            ];
            args.extend(addr_out_args(&mut d, t, r[4], r[5], e.len_in, failed));
            args
        }
        Sysno::read | Sysno::pread64 => {
            let data = if failed {
                Arg::Ptr(r[1])
            } else {
                bytes_arg(t, r[1], (ret as u64).min(r[2]), o)
            };
            let mut args = vec![fd, data, Arg::UInt(r[2])];
            if e.sys == Sysno::pread64 {
                args.push(Arg::Int(r[3] as i64));
            }
            args
        }
        Sysno::sendmsg => {
            let m = e.msgs.into_iter().next();
            d.msgs.extend(m.iter().map(|m| m.hdr.clone()));
            vec![
                fd,
                m.map_or(Arg::Ptr(r[1]), |m| Arg::Msg(Box::new(m))),
                Arg::Text(consts::msg_flags(int(r[2]) as u32)),
            ]
        }
        Sysno::recvmsg => {
            let msg = if failed {
                // The kernel filled nothing; strace shows the one input it kept.
                e.len_in.map_or(Arg::Ptr(r[1]), |n| {
                    Arg::Text(format!("{{msg_namelen={}}}", n as i32))
                })
            } else {
                let how = MsgRead {
                    dir: Dir::Out,
                    data: IovData::Upto(ret as u64),
                    namelen_in: e.len_in,
                };
                let mut budget = msghdr::Budget::default();
                match msghdr::read_msghdr(t, r[1], how, o, &mut d.fds, &mut budget) {
                    Some(m) => {
                        d.msgs.push(m.hdr.clone());
                        Arg::Msg(Box::new(m))
                    }
                    None => Arg::Ptr(r[1]),
                }
            };
            vec![fd, msg, Arg::Text(consts::msg_flags(int(r[2]) as u32))]
        }
        Sysno::sendmmsg => {
            let mut items = e.msgs;
            let mut more = (items.len() as u64) < u64::from(int(r[2]) as u32);
            if !failed {
                // Only the first `ret` were sent; the kernel wrote their msg_len.
                let sent = usize::try_from(ret).unwrap_or(0);
                if sent < items.len() {
                    items.truncate(sent);
                    more = false;
                }
                for (i, m) in items.iter_mut().enumerate() {
                    m.msg_len = msghdr::read_msg_len(t, r[1], i);
                }
            }
            d.msgs.extend(items.iter().map(|m| m.hdr.clone()));
            vec![
                fd,
                if items.is_empty() && int(r[2]) != 0 {
                    // Not one mmsghdr could be read.
                    Arg::Ptr(r[1])
                } else {
                    Arg::MsgVec { items, more }
                },
                Arg::UInt(u64::from(int(r[2]) as u32)),
                Arg::Text(consts::msg_flags(int(r[3]) as u32)),
            ]
        }
        Sysno::recvmmsg => {
            let vec = if failed {
                Arg::Ptr(r[1])
            } else {
                let got = usize::try_from(ret).unwrap_or(0);
                let mut items = Vec::new();
                let mut budget = msghdr::Budget::default();
                for (i, namelen_in) in e.namelens.iter().enumerate().take(got) {
                    let Some(at) = msghdr::mmsg_at(r[1], i) else {
                        break;
                    };
                    let msg_len = msghdr::read_msg_len(t, r[1], i);
                    let how = MsgRead {
                        dir: Dir::Out,
                        data: IovData::Upto(u64::from(msg_len.unwrap_or(0))),
                        namelen_in: *namelen_in,
                    };
                    match msghdr::read_msghdr(t, at, how, o, &mut d.fds, &mut budget) {
                        Some(mut m) => {
                            m.msg_len = msg_len;
                            items.push(m);
                        }
                        None => break,
                    }
                }
                d.msgs.extend(items.iter().map(|m| m.hdr.clone()));
                let more = items.len() < got;
                if items.is_empty() && got > 0 {
                    Arg::Ptr(r[1])
                } else {
                    Arg::MsgVec { items, more }
                }
            };
            let timeout = e.args.into_iter().next().unwrap_or(Arg::Ptr(r[4]));
            vec![
                fd,
                vec,
                Arg::UInt(u64::from(int(r[2]) as u32)),
                Arg::Text(consts::msg_flags(int(r[3]) as u32)),
                timeout,
            ]
        }
        Sysno::readv => {
            let iov = if failed {
                None
            } else {
                msghdr::read_iovec(
                    t,
                    r[1],
                    u64::from(int(r[2]) as u32),
                    IovData::Upto(ret as u64),
                    o,
                    &mut msghdr::Budget::default().data,
                )
            };
            vec![
                fd,
                iov.map_or(Arg::Ptr(r[1]), Arg::Iov),
                Arg::UInt(u64::from(int(r[2]) as u32)),
            ]
        }
        Sysno::getsockopt => {
            let (level, name) = (int(r[1]), int(r[2]));
            let after = if failed { None } else { read_u32(t, r[4]) };
            let val = match (e.len_in, after) {
                (Some(before), Some(after)) => {
                    let shown = before.min(after);
                    read_bounded(t, r[3], sockopt::read_len(shown, o.strsize))
                        .and_then(|b| sockopt::decode_optval(level, name, &b, shown, o.strsize))
                }
                _ => None,
            };
            if let Some(OptVal::Fd(f)) = val {
                note_fd(&mut d.fds, t, f);
            }
            vec![
                fd,
                Arg::Text(consts::sol_level(level)),
                Arg::Text(consts::sockopt_name(level, name)),
                val.map_or(Arg::Ptr(r[3]), Arg::Opt),
                len_arg(r[4], e.len_in, after),
            ]
        }
        Sysno::shutdown => vec![
            fd,
            Arg::Text(consts::name_or_hex(
                consts::SHUT_HOW,
                u64::from(int(r[1]) as u32),
                "SHUT_???",
            )),
        ],
        Sysno::close => vec![fd],
        Sysno::close_range => vec![
            Arg::UInt(u64::from(int(r[0]) as u32)),
            Arg::UInt(u64::from(int(r[1]) as u32)),
            Arg::Text(consts::flags(
                consts::CLOSE_RANGE_FLAGS,
                u64::from(int(r[2]) as u32),
                "CLOSE_RANGE_???",
            )),
        ],
        Sysno::dup | Sysno::dup2 | Sysno::dup3 | Sysno::fcntl => decode_dup(e.sys, r),
        _ if !e.args.is_empty() => e.args,
        _ => r.iter().map(|&x| Arg::Ptr(x)).collect(),
    };
    if !failed {
        d.ret_is_fd = returns_fd(e.sys, r);
        if d.ret_is_fd {
            d.ret_fds.push(ret as Fd);
        }
        d.ret_fds.extend(received_fds(e.sys, &d));
    }
    let ret_fds = d.ret_fds.clone();
    for f in ret_fds {
        note_fd(&mut d.fds, t, f);
    }
    d
}

/// True when a successful call of `sys` returns a new fd.
fn returns_fd(sys: Sysno, r: [u64; 6]) -> bool {
    match sys {
        Sysno::socket | Sysno::accept | Sysno::accept4 => true,
        Sysno::dup | Sysno::dup2 | Sysno::dup3 => true,
        Sysno::fcntl => matches!(int(r[1]), libc::F_DUPFD | libc::F_DUPFD_CLOEXEC),
        _ => false,
    }
}

/// Fds a receive installed in the process: SCM_RIGHTS and SCM_PIDFD bodies, and the
/// pidfd of SO_PEERPIDFD. (A send's SCM_RIGHTS fds already existed.)
fn received_fds(sys: Sysno, d: &Decoded) -> Vec<Fd> {
    match sys {
        Sysno::recvmsg | Sysno::recvmmsg => d
            .msgs
            .iter()
            .flat_map(|m| &m.cmsgs)
            .flat_map(|c| match c {
                Cmsg::Rights { fds, .. } => fds.clone(),
                Cmsg::Pidfd { fd } => vec![*fd],
                _ => Vec::new(),
            })
            .collect(),
        Sysno::getsockopt => d
            .args
            .iter()
            .filter_map(|a| match a {
                Arg::Opt(OptVal::Fd(fd)) => Some(*fd),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// dup, dup2, dup3 and fcntl: the arguments.
fn decode_dup(sys: Sysno, r: [u64; 6]) -> Vec<Arg> {
    let fd = Arg::Fd(int(r[0]));
    match sys {
        Sysno::dup => vec![fd],
        Sysno::dup2 => vec![fd, Arg::Int(i64::from(int(r[1])))],
        Sysno::dup3 => vec![
            fd,
            Arg::Int(i64::from(int(r[1]))),
            Arg::Text(consts::flags(
                consts::O_FLAGS,
                u64::from(int(r[2]) as u32),
                "O_???",
            )),
        ],
        _ => {
            let cmd = int(r[1]);
            let name = consts::name_or_hex(consts::FCNTL_CMDS, u64::from(cmd as u32), "F_???");
            let arg = match cmd {
                libc::F_DUPFD | libc::F_DUPFD_CLOEXEC | libc::F_SETOWN => {
                    Arg::Int(i64::from(int(r[2])))
                }
                libc::F_SETFD => Arg::Text(consts::flags(
                    &[(libc::FD_CLOEXEC as u64, "FD_CLOEXEC")],
                    u64::from(int(r[2]) as u32),
                    "FD_???",
                )),
                libc::F_SETFL => Arg::Text(consts::flags(
                    consts::O_FLAGS,
                    u64::from(int(r[2]) as u32),
                    "O_???",
                )),
                libc::F_GETFD | libc::F_GETFL | libc::F_GETOWN => {
                    return vec![fd, Arg::Text(name)];
                }
                _ => Arg::Ptr(r[2]),
            };
            vec![fd, Arg::Text(name), arg]
        }
    }
}

/// How many mmsghdrs to decode of `vlen`.
fn mmsg_count(vlen: u64, o: &DecodeOpts) -> usize {
    usize::try_from(vlen as u32)
        .unwrap_or(usize::MAX)
        .min(msghdr::max_elems(o))
}

/// recvmmsg's timeout: NULL, `{tv_sec=1, tv_nsec=0}`, or the pointer.
fn timespec_arg(t: &dyn Tracee, ptr: u64) -> Arg {
    match read_array::<16>(t, ptr) {
        Some(b) => {
            let (s, n) = b.split_at(8);
            let sec = i64::from_ne_bytes(s.try_into().unwrap_or_default());
            let nsec = i64::from_ne_bytes(n.try_into().unwrap_or_default());
            Arg::Text(format!("{{tv_sec={sec}, tv_nsec={nsec}}}"))
        }
        None => Arg::Ptr(ptr),
    }
}

/// The (address, length) pair of accept/recvfrom/get*name after the call.
fn addr_out_args(
    d: &mut Decoded,
    t: &dyn Tracee,
    addr_ptr: u64,
    len_ptr: u64,
    len_in: Option<u32>,
    failed: bool,
) -> [Arg; 2] {
    if addr_ptr == 0 || failed {
        // On failure the kernel wrote nothing worth showing: strace prints the pointers.
        return [Arg::Ptr(addr_ptr), len_arg(len_ptr, len_in, None)];
    }
    let len_out = read_u32(t, len_ptr);
    match (len_in, len_out) {
        (Some(before), Some(after)) => {
            let (a, m) = read_sockaddr_out(t, addr_ptr, before, after);
            d.addr = m;
            [
                addr_arg(addr_ptr, a),
                Arg::Len {
                    before,
                    after: Some(after),
                },
            ]
        }
        _ => [Arg::Ptr(addr_ptr), len_arg(len_ptr, len_in, len_out)],
    }
}
