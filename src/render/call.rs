//! A decoded call's arguments and return value as strace `-yy` prints them. Every byte
//! that came from the tracee goes through `escape`, so the text is terminal-safe.
//!
//! Runs on the pipeline thread, once per record that some sink shows as text: the tracer
//! sends the structured arguments (`decode::DecodedArgs`), the record holds the fd
//! identities they are shown with.

use crate::decode::msghdr::{CmsgItem, IovArg, MsgArg, cmsg_type_name};
use crate::decode::sockaddr::{AddrArg, AddrDetail};
use crate::decode::sockopt::OptVal;
use crate::decode::{Arg, DecodedArgs, consts};
use crate::model::escape::StrStyle;
use crate::model::{
    AddrName, Cmsg, Fd, Named, SockId, SockKind, SockProto, SyscallEvent, UnixName,
};
use crate::render::escape::{escape_str, quote_strace, quote_unix_name_as};
use std::fmt::Write as _;

/// Fill the record's text fields, `args` and `ret_text`, from the decoded arguments and
/// the fd identities the record holds.
pub fn render_call(ev: &mut SyscallEvent, a: &DecodedArgs, style: StrStyle) {
    let ids = Ids(&ev.fds, style);
    let args = render_args(a, ids);
    let ret_text = render_ret_text(a, ids);
    ev.args = args;
    ev.ret_text = ret_text;
}

/// The fd identities a call's text is shown with, and how its strings are written.
#[derive(Clone, Copy, Debug)]
pub struct Ids<'a>(pub &'a [SockId], pub StrStyle);

impl Ids<'_> {
    /// The identity of `fd` in this call, when it was found.
    pub fn get(&self, fd: Fd) -> Option<&SockId> {
        self.0.iter().find(|s| s.fd == fd)
    }
}

/// Each argument as text, in order.
pub fn render_args(a: &DecodedArgs, ids: Ids) -> Vec<String> {
    a.args.iter().map(|arg| render_arg(ids, arg)).collect()
}

/// The return value decorated as strace does when it says more than the number: a
/// returned fd with its identity (`4<UNIX-STREAM:[123->124]>`). None otherwise.
pub fn render_ret_text(a: &DecodedArgs, ids: Ids) -> Option<String> {
    if a.failed() || !a.ret_is_fd {
        return None;
    }
    let fd = Fd::try_from(a.ret).ok()?;
    ids.get(fd).map(|id| render_identity(ids, fd, id))
}

/// An fd as strace -yy shows it: `3<UNIX-STREAM:[48213->48214,"/run/x.sock"]>`, or the
/// bare number when its identity is unknown.
pub fn render_fd(ids: Ids, fd: Fd) -> String {
    match ids.get(fd) {
        Some(id) => render_identity(ids, fd, id),
        None => fd.to_string(),
    }
}

/// `fd<what it is>` for a known identity.
pub fn render_identity(d: Ids, fd: Fd, id: &SockId) -> String {
    if id.is_file() {
        return match &id.target {
            Some(t) => {
                let q = quote_strace(t.as_bytes(), d.1);
                format!("{fd}<{}>", &q[1..q.len() - 1])
            }
            None => fd.to_string(),
        };
    }
    let mut s = format!("{fd}<{}:[{}", proto_label(&id.proto), id.inode);
    if let Some(p) = id.peer {
        let _ = write!(s, "->{p}");
    }
    if !id.path.is_unnamed() {
        s.push(',');
        s.push_str(&quote_unix_name_as(&id.path, d.1));
    }
    s.push_str("]>");
    s
}

/// The socket's label as strace -yy prints it, which is the kernel's protocol name:
/// `UNIX-STREAM` for a stream socket, `UNIX` for datagram and seqpacket sockets (they
/// share the kernel's datagram protocol). The saved trace keeps the type (`proto`).
fn proto_label(p: &Named<SockProto>) -> String {
    match p.known() {
        Some(SockProto::Unix(k)) if k != SockKind::Stream => "UNIX".to_owned(),
        _ => escape_str(&p.name()),
    }
}

/// A pointer: `NULL` or `0x7ffd1234`.
pub fn render_ptr(p: u64) -> String {
    if p == 0 {
        "NULL".to_string()
    } else {
        format!("{p:#x}")
    }
}

fn render_arg(d: Ids, a: &Arg) -> String {
    match a {
        Arg::Int(v) => v.to_string(),
        Arg::UInt(v) => v.to_string(),
        Arg::Ptr(p) => render_ptr(*p),
        Arg::Fd(fd) => render_fd(d, *fd),
        Arg::Text(t) => {
            debug_assert!(crate::render::escape::is_terminal_safe(t), "{t:?}");
            t.clone()
        }
        Arg::Addr(a) => render_addr(d, a),
        Arg::Len { before, after } => render_len(*before, *after),
        Arg::FdPair([a, b]) => format!("[{}, {}]", render_fd(d, *a), render_fd(d, *b)),
        Arg::Bytes { data, truncated } => render_bytes(d, data.as_bytes(), *truncated),
        Arg::Iov(v) => render_iov(d, v),
        Arg::Msg(m) => render_msg(d, m),
        Arg::MsgVec { items, more } => {
            let mut parts: Vec<String> = items
                .iter()
                .map(|m| {
                    let mut s = format!("{{msg_hdr={}", render_msg(d, m));
                    if let Some(n) = m.msg_len {
                        let _ = write!(s, ", msg_len={n}");
                    }
                    s.push('}');
                    s
                })
                .collect();
            if *more {
                parts.push("...".to_string());
            }
            format!("[{}]", parts.join(", "))
        }
        Arg::Opt(v) => render_optval(d, v),
    }
}

/// An iovec array: `[{iov_base="hello", iov_len=5}, ...]`.
pub fn render_iov(d: Ids, v: &IovArg) -> String {
    let mut parts: Vec<String> = v
        .items
        .iter()
        .map(|i| {
            let base = match &i.iov.data {
                Some(data) => render_bytes(d, data.as_bytes(), i.truncated),
                None => render_ptr(i.iov.base),
            };
            format!("{{iov_base={base}, iov_len={}}}", i.iov.len)
        })
        .collect();
    if (v.items.len() as u64) < v.count {
        parts.push("...".to_string());
    }
    format!("[{}]", parts.join(", "))
}

/// A msghdr as strace prints it.
pub fn render_msg(d: Ids, m: &MsgArg) -> String {
    let name = match &m.name {
        Some(a) => render_addr(d, a),
        None => render_ptr(m.name_ptr),
    };
    let namelen = match m.namelen_in {
        Some(before) if before != m.hdr.namelen => {
            format!("{} => {}", before as i32, m.hdr.namelen as i32)
        }
        _ => (m.hdr.namelen as i32).to_string(),
    };
    let iov = match &m.iov {
        Some(v) => render_iov(d, v),
        None => render_ptr(m.iov_ptr),
    };
    let mut s = format!(
        "{{msg_name={name}, msg_namelen={namelen}, msg_iov={iov}, msg_iovlen={}",
        m.hdr.iovlen
    );
    if m.hdr.controllen != 0 {
        let control = match &m.control {
            Some(items) if m.control_ptr != 0 => {
                let mut parts: Vec<String> = items.iter().map(|c| render_cmsg(d, c)).collect();
                if m.control_cut {
                    parts.push("...".to_string());
                }
                format!("[{}]", parts.join(", "))
            }
            _ => render_ptr(m.control_ptr),
        };
        let _ = write!(s, ", msg_control={control}");
    }
    let _ = write!(
        s,
        ", msg_controllen={}, msg_flags={}}}",
        m.hdr.controllen,
        consts::msg_flags(m.flags)
    );
    s
}

/// One control message: `{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS,
/// cmsg_data=[3<UNIX-STREAM:[1->2]>]}`.
pub fn render_cmsg(d: Ids, c: &CmsgItem) -> String {
    let mut s = format!(
        "{{cmsg_len={}, cmsg_level={}, cmsg_type={}",
        c.len,
        consts::sol_level(c.level),
        cmsg_type_name(c.level, c.kind)
    );
    match &c.cmsg {
        Cmsg::Rights { fds, targets } => {
            let fds: Vec<String> = fds
                .iter()
                .enumerate()
                .map(|(i, &fd)| match targets.get(i).and_then(Option::as_ref) {
                    Some(id) => render_identity(d, fd, id),
                    None => render_fd(d, fd),
                })
                .collect();
            let _ = write!(s, ", cmsg_data=[{}]}}", fds.join(", "));
        }
        Cmsg::Credentials { pid, uid, gid } => {
            let _ = write!(s, ", cmsg_data={{pid={pid}, uid={uid}, gid={gid}}}}}");
        }
        Cmsg::Security { context } => {
            let _ = write!(s, ", cmsg_data={}}}", quote_strace(context.as_bytes(), d.1));
        }
        Cmsg::Pidfd { fd } => {
            let _ = write!(s, ", cmsg_data=[{}]}}", render_fd(d, *fd));
        }
        // Decoding never makes `Other` (it is a kind read from a newer trace).
        Cmsg::Unknown { .. } | Cmsg::Other { .. } => s.push('}'),
        Cmsg::Malformed { reason, .. } => {
            // The reason is built from numbers and constant names only.
            let _ = write!(s, "}} /* {} */", escape_str(reason));
        }
    }
    s
}

/// An option value: `[1]`, `[SOCK_STREAM]`, `{pid=1, uid=0, gid=0}`, ...
pub fn render_optval(d: Ids, v: &OptVal) -> String {
    match v {
        OptVal::Int(i) => format!("[{i}]"),
        OptVal::SockType(ty) => format!(
            "[{}]",
            consts::name_or_hex(consts::SOCK_TYPES, *ty as u32 as u64, "SOCK_???")
        ),
        OptVal::Errno(0) => "[0]".to_string(),
        OptVal::Errno(e) => match crate::model::Errno::new(*e).name() {
            Some(n) => format!("[{n}]"),
            None => format!("[{e}]"),
        },
        OptVal::Fd(fd) => format!("[{}]", render_fd(d, *fd)),
        OptVal::Ucred { pid, uid, gid } => format!("{{pid={pid}, uid={uid}, gid={gid}}}"),
        OptVal::Timeval { sec, usec } => format!("{{tv_sec={sec}, tv_usec={usec}}}"),
        OptVal::Linger { onoff, linger } => format!("{{l_onoff={onoff}, l_linger={linger}}}"),
        OptVal::Bytes { data, truncated } => render_bytes(d, data.as_bytes(), *truncated),
    }
}

/// `[110]`, or `[110 => 2]` when the kernel changed the value.
pub fn render_len(before: u32, after: Option<u32>) -> String {
    match after {
        Some(a) if a != before => format!("[{before} => {a}]"),
        _ => format!("[{before}]"),
    }
}

/// A buffer preview: `"hello"`, with `...` after it when there was more.
pub fn render_bytes(d: Ids, data: &[u8], truncated: bool) -> String {
    let mut s = quote_strace(data, d.1);
    if truncated {
        s.push_str("...");
    }
    s
}

/// A socket address as strace prints it: `{sa_family=AF_UNIX, sun_path="/run/x.sock"}`.
pub fn render_addr(d: Ids, a: &AddrArg) -> String {
    let fam = consts::family_name(a.family);
    match &a.detail {
        AddrDetail::Unix => match &a.addr.name {
            AddrName::Unix(n @ (UnixName::Path(_) | UnixName::Abstract(_))) => {
                format!(
                    "{{sa_family={fam}, sun_path={}}}",
                    quote_unix_name_as(n, d.1)
                )
            }
            _ => format!("{{sa_family={fam}}}"),
        },
        AddrDetail::Inet { port, addr } => format!(
            "{{sa_family={fam}, sin_port=htons({port}), sin_addr=inet_addr(\"{}\")}}",
            std::net::Ipv4Addr::from(*addr)
        ),
        AddrDetail::Inet6 {
            port,
            flowinfo,
            addr,
            scope_id,
        } => format!(
            "{{sa_family={fam}, sin6_port=htons({port}), sin6_flowinfo=htonl({flowinfo}), \
             inet_pton({fam}, \"{}\", &sin6_addr), sin6_scope_id={scope_id}}}",
            std::net::Ipv6Addr::from(*addr)
        ),
        AddrDetail::Netlink { pid, groups } => {
            format!("{{sa_family={fam}, nl_pid={pid}, nl_groups={groups:#08x}}}")
        }
        AddrDetail::Data(data) if data.is_empty() => format!("{{sa_family={fam}}}"),
        AddrDetail::Data(data) => {
            format!(
                "{{sa_family={fam}, sa_data={}}}",
                quote_strace(data.as_bytes(), d.1)
            )
        }
    }
}
