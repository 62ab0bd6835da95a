//! NETLINK_SOCK_DIAG with UNIX_DIAG: per-socket peer, name, queue lengths.
//!
//! Requests and replies are built and parsed as plain bytes (linux/unix_diag.h,
//! linux/netlink.h), so no unsafe is needed; nix gives the socket calls. The parser
//! treats every length from the kernel as untrusted.

use crate::model::facts::{SockState, UnixSocket, VfsId};
use crate::model::{SockKind, UnixName};
use nix::sys::socket::{
    AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, recv, sendto,
    setsockopt, socket, sockopt,
};
use nix::sys::time::TimeVal;
use std::os::fd::{AsRawFd, OwnedFd};

const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 0x01;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_HDRLEN: usize = 16;
const AF_UNIX: u8 = 1;

const UDIAG_SHOW_NAME: u32 = 0x01;
const UDIAG_SHOW_VFS: u32 = 0x02;
const UDIAG_SHOW_PEER: u32 = 0x04;
const UDIAG_SHOW_RQLEN: u32 = 0x10;
const UDIAG_SHOW_MEMINFO: u32 = 0x20;
const UDIAG_SHOW_UID: u32 = 0x40;
/// Everything we use; ICONS (pending connections' inodes) is left out to keep replies small.
const SHOW_ALL: u32 = UDIAG_SHOW_NAME
    | UDIAG_SHOW_VFS
    | UDIAG_SHOW_PEER
    | UDIAG_SHOW_RQLEN
    | UDIAG_SHOW_MEMINFO
    | UDIAG_SHOW_UID;

const UNIX_DIAG_NAME: u16 = 0;
const UNIX_DIAG_VFS: u16 = 1;
const UNIX_DIAG_PEER: u16 = 2;
const UNIX_DIAG_RQLEN: u16 = 4;
const UNIX_DIAG_MEMINFO: u16 = 5;
/// Index of SK_MEMINFO_SNDBUF in the MEMINFO array of u32.
const SK_MEMINFO_SNDBUF: usize = 3;
const UNIX_DIAG_SHUTDOWN: u16 = 6;
const UNIX_DIAG_UID: u16 = 7;

/// Size of struct unix_diag_msg.
const DIAG_MSG_LEN: usize = 16;

/// Why a sock_diag query gave no answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SockDiagError {
    /// The socket or a netlink call failed (no unix_diag module, seccomp, ...).
    #[error("sock_diag: {0}")]
    Sys(nix::errno::Errno),
    /// The kernel knows no AF_UNIX socket with that inode (in our network namespace).
    #[error("sock_diag: no AF_UNIX socket with inode {0}")]
    NotFound(u64),
    /// The reply did not parse.
    #[error("sock_diag: malformed reply: {0}")]
    Malformed(&'static str),
}

fn open() -> Result<OwnedFd, SockDiagError> {
    let fd = socket(
        AddressFamily::Netlink,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkSockDiag,
    )
    .map_err(SockDiagError::Sys)?;
    // A stuck kernel reply must not hang the tracer with the tracee stopped.
    let _ = setsockopt(&fd, sockopt::ReceiveTimeout, &TimeVal::new(2, 0));
    Ok(fd)
}

/// Build the request: nlmsghdr + unix_diag_req.
fn request(flags: u16, ino: u32, show: u32, states: States, seq: u32) -> Vec<u8> {
    let mut b = Vec::with_capacity(NLMSG_HDRLEN + 24);
    b.extend_from_slice(&((NLMSG_HDRLEN + 24) as u32).to_ne_bytes());
    b.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    b.extend_from_slice(&(NLM_F_REQUEST | flags).to_ne_bytes());
    b.extend_from_slice(&seq.to_ne_bytes());
    b.extend_from_slice(&0u32.to_ne_bytes()); // pid: the kernel
    b.push(AF_UNIX); // sdiag_family
    b.push(0); // sdiag_protocol
    b.extend_from_slice(&0u16.to_ne_bytes()); // pad
    b.extend_from_slice(&states.mask().to_ne_bytes()); // udiag_states
    b.extend_from_slice(&ino.to_ne_bytes());
    b.extend_from_slice(&show.to_ne_bytes());
    // INET_DIAG_NOCOOKIE: match by inode alone.
    b.extend_from_slice(&u32::MAX.to_ne_bytes());
    b.extend_from_slice(&u32::MAX.to_ne_bytes());
    b
}

/// A netlink socket kept per thread with its next sequence number: the tracer asks once
/// per new fd, and opening a socket per question cost as much as the question.
struct Conn {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
}

thread_local! {
    static CONN: std::cell::RefCell<Option<Conn>> = const { std::cell::RefCell::new(None) };
}

fn exchange(
    flags: u16,
    ino: u32,
    show: u32,
    states: States,
    mut each: impl FnMut(&[u8]),
) -> Result<(), SockDiagError> {
    CONN.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(Conn {
                fd: open()?,
                seq: 0,
                buf: vec![0u8; 64 * 1024],
            });
        }
        let conn = slot.as_mut().expect("just filled");
        conn.seq = conn.seq.wrapping_add(1);
        let r = exchange_on(
            conn,
            &request(flags, ino, show, states, conn.seq),
            &mut each,
        );
        if r.is_err() {
            // A half-read reply must not leak into the next question: start afresh.
            *slot = None;
        }
        r
    })
}

fn exchange_on(
    conn: &mut Conn,
    req: &[u8],
    each: &mut impl FnMut(&[u8]),
) -> Result<(), SockDiagError> {
    sendto(
        conn.fd.as_raw_fd(),
        req,
        &NetlinkAddr::new(0, 0),
        MsgFlags::empty(),
    )
    .map_err(SockDiagError::Sys)?;
    loop {
        let n = recv(conn.fd.as_raw_fd(), &mut conn.buf, MsgFlags::empty())
            .map_err(SockDiagError::Sys)?;
        if n == 0 {
            return Err(SockDiagError::Malformed("empty reply"));
        }
        if parse_datagram(&conn.buf[..n], conn.seq, each)? {
            return Ok(());
        }
    }
}

/// Walk the netlink messages of one datagram; Ok(true) when the reply is complete.
fn parse_datagram(
    mut d: &[u8],
    seq: u32,
    each: &mut impl FnMut(&[u8]),
) -> Result<bool, SockDiagError> {
    let mut done = false;
    while d.len() >= NLMSG_HDRLEN {
        let len = u32::from_ne_bytes(d[0..4].try_into().unwrap_or_default()) as usize;
        let ty = u16::from_ne_bytes(d[4..6].try_into().unwrap_or_default());
        let flags = u16::from_ne_bytes(d[6..8].try_into().unwrap_or_default());
        if len < NLMSG_HDRLEN || len > d.len() {
            return Err(SockDiagError::Malformed("bad nlmsg_len"));
        }
        let payload = &d[NLMSG_HDRLEN..len];
        let step = (len + 3) & !3;
        let msg_seq = u32::from_ne_bytes(d[8..12].try_into().unwrap_or_default());
        if msg_seq != seq {
            // A late reply to an earlier question that timed out.
            d = d.get(step..).unwrap_or_default();
            continue;
        }
        match ty {
            NLMSG_DONE => return Ok(true),
            NLMSG_ERROR => {
                let code = payload
                    .get(0..4)
                    .map(|b| i32::from_ne_bytes(b.try_into().unwrap_or_default()))
                    .ok_or(SockDiagError::Malformed("short error"))?;
                if code == 0 {
                    return Ok(true);
                }
                return Err(SockDiagError::Sys(nix::errno::Errno::from_raw(-code)));
            }
            SOCK_DIAG_BY_FAMILY => each(payload),
            _ => {}
        }
        // A reply to a non-dump request is one message without NLM_F_MULTI.
        if flags & 0x2 == 0 {
            done = true;
        }
        d = d.get(step..).unwrap_or_default();
    }
    Ok(done)
}

/// Parse one unix_diag_msg with its attributes.
pub fn parse_diag_msg(p: &[u8]) -> Option<UnixSocket> {
    if p.len() < DIAG_MSG_LEN || p[0] != AF_UNIX {
        return None;
    }
    let kind = SockKind::from_raw(p[1] as u32);
    let state = match p[2] {
        1 => SockState::Connected,
        2 => SockState::Connecting,
        7 => SockState::Unconnected,
        10 => SockState::Listening,
        n => SockState::Other(n as u32),
    };
    let inode = u32::from_ne_bytes(p[4..8].try_into().ok()?) as u64;
    let mut s = UnixSocket::new(inode, kind, state);
    let mut a = &p[DIAG_MSG_LEN..];
    while a.len() >= 4 {
        let alen = u16::from_ne_bytes([a[0], a[1]]) as usize;
        let aty = u16::from_ne_bytes([a[2], a[3]]);
        if alen < 4 || alen > a.len() {
            break;
        }
        let v = &a[4..alen];
        let u32_at = |i: usize| {
            v.get(i..i + 4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_ne_bytes)
        };
        match aty {
            UNIX_DIAG_NAME => s.name = decode_name(v),
            UNIX_DIAG_VFS => {
                if let (Some(ino), Some(dev)) = (u32_at(0), u32_at(4)) {
                    // The kernel's internal dev_t: 12-bit major, 20-bit minor.
                    s.vfs = Some(VfsId {
                        ino: ino as u64,
                        major: dev >> 20,
                        minor: dev & 0xfffff,
                    });
                }
            }
            UNIX_DIAG_PEER => s.peer = u32_at(0).map(u64::from),
            UNIX_DIAG_RQLEN => {
                s.rqueue = u32_at(0);
                s.wqueue = u32_at(4);
            }
            UNIX_DIAG_MEMINFO => s.sndbuf = u32_at(SK_MEMINFO_SNDBUF * 4),
            UNIX_DIAG_SHUTDOWN => s.shutdown = v.first().copied(),
            UNIX_DIAG_UID => s.uid = u32_at(0),
            _ => {}
        }
        let step = (alen + 3) & !3;
        a = a.get(step..).unwrap_or_default();
    }
    Some(s)
}

/// sun_path bytes as sock_diag gives them: abstract when the first byte is NUL, else a
/// path up to its terminating NUL.
fn decode_name(v: &[u8]) -> UnixName {
    match v.split_first() {
        Some((0, rest)) => UnixName::Abstract(rest.into()),
        _ => {
            let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
            UnixName::Path(v[..end].into())
        }
    }
}

/// Ask the kernel about the one AF_UNIX socket with inode `ino`.
pub fn probe_unix_inode(ino: u64) -> Result<UnixSocket, SockDiagError> {
    let ino32 = u32::try_from(ino).map_err(|_| SockDiagError::NotFound(ino))?;
    let mut found = None;
    let r = exchange(0, ino32, SHOW_ALL, States::All, |p| {
        if found.is_none() {
            found = parse_diag_msg(p);
        }
    });
    match r {
        Err(SockDiagError::Sys(nix::errno::Errno::ENOENT)) => Err(SockDiagError::NotFound(ino)),
        Err(e) => Err(e),
        Ok(()) => found.ok_or(SockDiagError::NotFound(ino)),
    }
}

/// Which sockets a dump asks for, by state (the kernel skips the others before it fills
/// anything in for them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum States {
    /// Every socket.
    All,
    /// All but the connected ones (TCP_ESTABLISHED): listeners, sockets bound or not yet
    /// connected. On a busy host most AF_UNIX sockets are connected ones (every client of
    /// a bus, a journal or a display, and each server-side end), none of which a client's
    /// connect can reach.
    NotConnected,
}

impl States {
    fn mask(self) -> u32 {
        match self {
            States::All => u32::MAX,
            // Bit TCP_ESTABLISHED (1) clear.
            States::NotConnected => !(1 << 1),
        }
    }
}

/// Every AF_UNIX socket in our network namespace, with only its inode, type, state,
/// name and file: what finds the sockets bound at an address. The kernel fills the
/// other attributes (peer, queues, memory, owner) for every socket of a dump, so leaving
/// them out makes each unrelated socket cost a few dozen bytes, not a hundred and more;
/// ask `probe_unix_inode` about the few that match.
pub fn probe_unix_names(states: States) -> Result<Vec<UnixSocket>, SockDiagError> {
    dump(UDIAG_SHOW_NAME | UDIAG_SHOW_VFS, states)
}

fn dump(show: u32, states: States) -> Result<Vec<UnixSocket>, SockDiagError> {
    // Sized as the last dump was: growing a vector of thousands of sockets step by step
    // copied each of them several times.
    thread_local! {
        static LAST: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }
    let mut out = Vec::with_capacity(LAST.get() + LAST.get() / 8);
    exchange(NLM_F_DUMP, 0, show, states, |p| {
        if let Some(s) = parse_diag_msg(p) {
            out.push(s);
        }
    })?;
    LAST.set(out.len());
    Ok(out)
}

/// Every AF_UNIX socket in the network namespace `netns` (a /proc/PID/ns/net file):
/// sock_diag answers only for the namespace its netlink socket was created in, so a
/// short-lived thread joins that namespace, creates the socket and ends (sockwhy's own
/// threads stay where they are). Needs CAP_SYS_ADMIN over that namespace; Err(Sys(EPERM))
/// without it.
pub fn probe_unix_all_in_netns(
    netns: &std::path::Path,
    states: States,
) -> Result<Vec<UnixSocket>, SockDiagError> {
    let ns = std::fs::File::open(netns).map_err(|e| {
        SockDiagError::Sys(nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)))
    })?;
    let fd = std::thread::scope(|s| {
        s.spawn(|| {
            nix::sched::setns(&ns, nix::sched::CloneFlags::CLONE_NEWNET)
                .map_err(SockDiagError::Sys)?;
            open()
        })
        .join()
        .unwrap_or(Err(SockDiagError::Malformed("the netns thread panicked")))
    })?;
    let mut conn = Conn {
        fd,
        seq: 1,
        buf: vec![0u8; 64 * 1024],
    };
    let mut out = Vec::new();
    let req = request(NLM_F_DUMP, 0, SHOW_ALL, states, conn.seq);
    exchange_on(&mut conn, &req, &mut |p: &[u8]| {
        if let Some(s) = parse_diag_msg(p) {
            out.push(s);
        }
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::net::UnixStream;

    fn inode_of(fd: &impl AsRawFd) -> u64 {
        let link = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap();
        let s = link.to_str().unwrap();
        s.trim_start_matches("socket:[")
            .trim_end_matches(']')
            .parse()
            .unwrap()
    }

    /// A listener with a chosen backlog (std always asks for the maximum).
    fn listener(path: &std::path::Path, backlog: i32) -> OwnedFd {
        use nix::sys::socket::{Backlog, UnixAddr, bind, listen};
        let fd = socket(
            AddressFamily::Unix,
            SockType::Stream,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .unwrap();
        bind(fd.as_raw_fd(), &UnixAddr::new(path).unwrap()).unwrap();
        listen(&fd, Backlog::new(backlog).unwrap()).unwrap();
        fd
    }

    #[test]
    fn probe_sockdiag_listener_and_peers() {
        let dir = std::env::temp_dir().join(format!("sockwhy-sd-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("l.sock");
        let _ = std::fs::remove_file(&path);
        let l = listener(&path, 5);
        let c = UnixStream::connect(&path).unwrap();
        let li = probe_unix_inode(inode_of(&l)).unwrap();
        assert_eq!(li.state, SockState::Listening);
        assert_eq!(li.kind, SockKind::Stream);
        assert_eq!(
            li.name,
            UnixName::Path(path.as_os_str().as_encoded_bytes().into())
        );
        assert_eq!(
            li.rqueue,
            Some(1),
            "one connection waits in the accept queue"
        );
        assert_eq!(li.wqueue, Some(5), "the backlog given to listen()");
        let md = std::fs::metadata(&path).unwrap();
        let vfs = li.vfs.unwrap();
        assert_eq!(vfs.ino, md.ino());
        assert_eq!(
            (vfs.major as u64, vfs.minor as u64),
            (
                nix::sys::stat::major(md.dev()),
                nix::sys::stat::minor(md.dev())
            )
        );
        let ci = probe_unix_inode(inode_of(&c)).unwrap();
        assert_eq!(ci.state, SockState::Connected);
        assert_eq!(
            ci.peer,
            Some(0),
            "the embryo peer has no inode until accepted"
        );
        let l = std::os::unix::net::UnixListener::from(l);
        let (s, _) = l.accept().unwrap();
        let ci = probe_unix_inode(inode_of(&c)).unwrap();
        assert_eq!(ci.peer, Some(inode_of(&s)));
        drop(s);
        let ci = probe_unix_inode(inode_of(&c)).unwrap();
        assert_eq!(ci.peer, Some(0), "a closed peer has no inode");
        assert_eq!(ci.shutdown, Some(3), "the kernel shut us down both ways");
        let all = dump(SHOW_ALL, States::All).unwrap();
        assert!(all.iter().any(|s| s.inode == li.inode));
        let names = probe_unix_names(States::All).unwrap();
        let l = names.iter().find(|s| s.inode == li.inode).unwrap();
        assert_eq!((&l.name, l.vfs, l.state), (&li.name, li.vfs, li.state));
        assert_eq!(
            (l.peer, l.rqueue),
            (None, None),
            "only names and files asked for"
        );
        // Connected sockets are left out when asked: the listener stays, both ends of a
        // socketpair go.
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let pair = [inode_of(&a), inode_of(&b)];
        let all = probe_unix_names(States::All).unwrap();
        assert!(pair.iter().all(|i| all.iter().any(|s| s.inode == *i)));
        let free = probe_unix_names(States::NotConnected).unwrap();
        assert!(free.iter().any(|s| s.inode == li.inode));
        assert!(!free.iter().any(|s| pair.contains(&s.inode)));
        assert!(free.iter().all(|s| s.state != SockState::Connected));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn probe_sockdiag_unknown_inode_is_not_found() {
        // Inode 1 is never a socket.
        assert_eq!(probe_unix_inode(1), Err(SockDiagError::NotFound(1)));
    }

    #[test]
    fn probe_sockdiag_parse_rejects_truncated_attributes() {
        let mut m = vec![AF_UNIX, 1, 10, 0];
        m.extend_from_slice(&7u32.to_ne_bytes());
        m.extend_from_slice(&[0; 8]);
        // attribute claiming 200 bytes with 4 present
        m.extend_from_slice(&200u16.to_ne_bytes());
        m.extend_from_slice(&UNIX_DIAG_NAME.to_ne_bytes());
        let s = parse_diag_msg(&m).unwrap();
        assert_eq!(s.inode, 7);
        assert_eq!(s.name, UnixName::Unnamed);
        assert_eq!(s.state, SockState::Listening);
    }

    #[test]
    fn probe_sockdiag_parsers_never_panic_on_garbage() {
        let mut x: u64 = 0x2545f4914f6cdd1d;
        for len in 0..600 {
            let mut buf: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 24) as u8
                })
                .collect();
            let _ = parse_diag_msg(&buf);
            if buf.len() >= 16 {
                // A plausible header length, so the walk goes past the first message.
                let n = (buf.len() as u32).min(64);
                buf[0..4].copy_from_slice(&n.to_ne_bytes());
            }
            let _ = parse_datagram(&buf, 1, &mut |p: &[u8]| {
                let _ = parse_diag_msg(p);
            });
        }
    }

    #[test]
    fn probe_sockdiag_abstract_name_keeps_embedded_nul() {
        assert_eq!(
            decode_name(b"\0a\0b"),
            UnixName::Abstract(b"a\0b".as_slice().into())
        );
        assert_eq!(
            decode_name(b"/x\0"),
            UnixName::Path(b"/x".as_slice().into())
        );
    }
}
