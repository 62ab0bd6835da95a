//! A decoded call's arguments and return value as strace `-yy` prints them. Every byte
//! that came from the tracee goes through `escape`, so the text is terminal-safe.

use crate::decode::sockaddr::{AddrArg, AddrDetail};
use crate::decode::{Arg, Decoded, consts};
use crate::model::{AddrKind, Fd, SockId};
use crate::render::escape::{escape_bytes, escape_str, quote_bytes};
use std::fmt::Write as _;

/// Each argument as text, in order.
pub fn render_args(d: &Decoded) -> Vec<String> {
    d.args.iter().map(|a| render_arg(d, a)).collect()
}

/// The return value decorated as strace does when it says more than the number: a
/// returned fd with its identity (`4<UNIX-STREAM:[123->124]>`). None otherwise.
pub fn render_ret_text(d: &Decoded) -> Option<String> {
    if d.failed() {
        return None;
    }
    match d.ret_fds.as_slice() {
        [fd] if i64::from(*fd) == d.ret => d.identity(*fd).map(|id| render_identity(*fd, id)),
        _ => None,
    }
}

/// An fd as strace -yy shows it: `3<UNIX-STREAM:[48213->48214,"/run/x.sock"]>`, or the
/// bare number when its identity is unknown.
pub fn render_fd(d: &Decoded, fd: Fd) -> String {
    match d.identity(fd) {
        Some(id) => render_identity(fd, id),
        None => fd.to_string(),
    }
}

/// `fd<what it is>` for a known identity.
pub fn render_identity(fd: Fd, id: &SockId) -> String {
    if id.proto == "file" {
        return match &id.target {
            Some(t) => format!("{fd}<{}>", escape_bytes(t.as_bytes())),
            None => fd.to_string(),
        };
    }
    let mut s = format!("{fd}<{}:[{}", escape_str(&id.proto), id.inode);
    if let Some(p) = id.peer {
        let _ = write!(s, "->{p}");
    }
    if let Some(path) = &id.path {
        s.push(',');
        s.push_str(&render_sock_path(path.as_bytes()));
    }
    s.push_str("]>");
    s
}

/// A bound name: `"/path"`, or `@"name"` for an abstract one (stored with its leading NUL).
fn render_sock_path(p: &[u8]) -> String {
    match p.split_first() {
        Some((0, rest)) => format!("@{}", quote_bytes(rest)),
        _ => quote_bytes(p),
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

fn render_arg(d: &Decoded, a: &Arg) -> String {
    match a {
        Arg::Int(v) => v.to_string(),
        Arg::UInt(v) => v.to_string(),
        Arg::Ptr(p) => render_ptr(*p),
        Arg::Fd(fd) => render_fd(d, *fd),
        Arg::Text(t) => {
            debug_assert!(crate::render::escape::is_terminal_safe(t), "{t:?}");
            t.clone()
        }
        Arg::Addr(a) => render_addr(a),
        Arg::Len { before, after } => render_len(*before, *after),
        Arg::FdPair([a, b]) => format!("[{}, {}]", render_fd(d, *a), render_fd(d, *b)),
        Arg::Bytes { data, truncated } => render_bytes(data.as_bytes(), *truncated),
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
pub fn render_bytes(data: &[u8], truncated: bool) -> String {
    let mut s = quote_bytes(data);
    if truncated {
        s.push_str("...");
    }
    s
}

/// A socket address as strace prints it: `{sa_family=AF_UNIX, sun_path="/run/x.sock"}`.
pub fn render_addr(a: &AddrArg) -> String {
    let fam = consts::family_name(a.family);
    match &a.detail {
        AddrDetail::Unix => {
            let path = a.addr.path.as_ref().map(|p| p.as_bytes()).unwrap_or(b"");
            match a.addr.kind {
                AddrKind::Path => format!("{{sa_family={fam}, sun_path={}}}", quote_bytes(path)),
                AddrKind::Abstract => {
                    format!("{{sa_family={fam}, sun_path=@{}}}", quote_bytes(path))
                }
                AddrKind::Unnamed | AddrKind::Other => format!("{{sa_family={fam}}}"),
            }
        }
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
            format!("{{sa_family={fam}, nl_pid={pid}, nl_groups={groups:08x}}}")
        }
        AddrDetail::Data(data) if data.is_empty() => format!("{{sa_family={fam}}}"),
        AddrDetail::Data(data) => {
            format!(
                "{{sa_family={fam}, sa_data={}}}",
                quote_bytes(data.as_bytes())
            )
        }
    }
}
