//! The kernel fails a real call in this process; probe_failure looks at the live system
//! and the rules name the specific cause. Nothing here is built by hand except the event
//! the tracer would have decoded.

mod common;

use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, Backlog, ControlMessage, MsgFlags, SockFlag, SockType, UnixAddr,
    UnixCredentials, bind, connect, listen, recv, send, sendmsg, socket,
};
use sockwhy::diagnose::{History, rules::find_cause};
use sockwhy::model::{
    ByteString, Cause, Cmsg, Confidence, MsgHdr, Pid, SockAddr, SyscallEvent, UnixName,
};
use sockwhy::probe::identity::probe_fd_identity;
use sockwhy::probe::{ProbeCtx, probe_failure};
use sockwhy::render::escape::is_terminal_safe;
use std::io::IoSlice;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

fn me() -> Pid {
    std::process::id() as Pid
}

fn tmpdir(tag: &str) -> PathBuf {
    common::unique_dir(&std::env::temp_dir(), &format!("sockwhy-pr-{tag}"))
}

fn sock(ty: SockType, flags: SockFlag) -> OwnedFd {
    socket(
        AddressFamily::Unix,
        ty,
        flags | SockFlag::SOCK_CLOEXEC,
        None,
    )
    .unwrap()
}

fn addr(p: &Path) -> SockAddr {
    SockAddr::unix(UnixName::Path(p.as_os_str().as_bytes().into()), 110)
}

/// The event the tracer would have built, then probe + rules, as the pipeline runs them.
fn diagnose(sys: &str, e: Errno, fd: Option<RawFd>, a: Option<SockAddr>) -> Cause {
    diagnose_ev(ev(sys, e, fd, a), &History::default())
}

fn ev(sys: &str, e: Errno, fd: Option<RawFd>, a: Option<SockAddr>) -> SyscallEvent {
    SyscallEvent {
        seq: 10,
        pid: me(),
        tid: me(),
        syscall: sys.into(),
        ret: -1,
        errno: Some(format!("{e:?}").as_str().into()),
        fd,
        fds: fd
            .and_then(|f| probe_fd_identity(me(), f))
            .into_iter()
            .collect(),
        addr: a,
        ..Default::default()
    }
}

fn diagnose_ev(ev: SyscallEvent, h: &History) -> Cause {
    let facts = probe_failure(
        &ProbeCtx {
            pid: me(),
            tid: me(),
        },
        &ev,
    );
    let c = find_cause(&ev, &facts, h).unwrap_or_else(|| panic!("no cause for {ev:?}\n{facts:#?}"));
    assert!(is_terminal_safe(&c.summary), "{c:?}");
    assert!(c.evidence.iter().all(|e| is_terminal_safe(e)), "{c:?}");
    c
}

#[test]
fn probe_rules_connect_enoent_missing_directory() {
    let d = tmpdir("enoent");
    let p = d.join("run/x.sock");
    let s = sock(SockType::Stream, SockFlag::empty());
    let e = connect(s.as_raw_fd(), &UnixAddr::new(&p).unwrap()).unwrap_err();
    assert_eq!(e, Errno::ENOENT);
    let c = diagnose("connect", e, Some(s.as_raw_fd()), Some(addr(&p)));
    assert!(
        c.summary.starts_with(&format!(
            "Directory \"{}\" does not exist",
            d.join("run").display()
        )),
        "{c:?}"
    );
    assert_eq!(c.rule, "connect.missing-directory");
    assert_eq!(c.confidence, Confidence::High);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_rules_connect_refused_stale_and_not_listening() {
    let d = tmpdir("refused");
    let p = d.join("s.sock");
    drop(std::os::unix::net::UnixListener::bind(&p).unwrap());
    let s = sock(SockType::Stream, SockFlag::empty());
    let e = connect(s.as_raw_fd(), &UnixAddr::new(&p).unwrap()).unwrap_err();
    assert_eq!(e, Errno::ECONNREFUSED);
    let c = diagnose("connect", e, Some(s.as_raw_fd()), Some(addr(&p)));
    assert!(c.summary.contains("is a stale socket file"), "{c:?}");
    assert_eq!(c.rule, "connect.stale-socket");
    assert_eq!(c.confidence, Confidence::High);

    // Bound by a live socket that never called listen().
    std::fs::remove_file(&p).unwrap();
    let server = sock(SockType::Stream, SockFlag::empty());
    bind(server.as_raw_fd(), &UnixAddr::new(&p).unwrap()).unwrap();
    let s = sock(SockType::Stream, SockFlag::empty());
    let e = connect(s.as_raw_fd(), &UnixAddr::new(&p).unwrap()).unwrap_err();
    assert_eq!(e, Errno::ECONNREFUSED);
    let c = diagnose("connect", e, Some(s.as_raw_fd()), Some(addr(&p)));
    assert!(c.summary.contains("not listening"), "{c:?}");
    assert_eq!(c.rule, "connect.not-listening");
    assert!(c.summary.contains(&format!("pid {} (", me())), "{c:?}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_rules_connect_refused_regular_file() {
    let d = tmpdir("regular");
    let p = d.join("file");
    std::fs::write(&p, b"x").unwrap();
    let s = sock(SockType::Stream, SockFlag::empty());
    let e = connect(s.as_raw_fd(), &UnixAddr::new(&p).unwrap()).unwrap_err();
    assert_eq!(e, Errno::ECONNREFUSED);
    let c = diagnose("connect", e, Some(s.as_raw_fd()), Some(addr(&p)));
    assert!(
        c.summary.contains("is a regular file, not a socket"),
        "{c:?}"
    );
    assert_eq!(c.rule, "connect.not-a-socket-file");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_rules_bind_eaddrinuse_names_holder() {
    let d = tmpdir("inuse");
    let p = d.join("s.sock");
    let holder = std::os::unix::net::UnixListener::bind(&p).unwrap();
    let s = sock(SockType::Stream, SockFlag::empty());
    let e = bind(s.as_raw_fd(), &UnixAddr::new(&p).unwrap()).unwrap_err();
    assert_eq!(e, Errno::EADDRINUSE);
    let c = diagnose("bind", e, Some(s.as_raw_fd()), Some(addr(&p)));
    assert!(
        c.summary
            .contains(&format!("is already bound by pid {} (", me())),
        "{c:?}"
    );
    assert!(
        c.summary.contains(&format!("fd {}", holder.as_raw_fd())),
        "{c:?}"
    );
    assert_eq!(c.rule, "bind.in-use-live-server");
    drop(holder);
    let s2 = sock(SockType::Stream, SockFlag::empty());
    let e = bind(s2.as_raw_fd(), &UnixAddr::new(&p).unwrap()).unwrap_err();
    let c = diagnose("bind", e, Some(s2.as_raw_fd()), Some(addr(&p)));
    assert!(
        c.summary.contains("stale socket file nobody holds"),
        "{c:?}"
    );
    assert_eq!(c.rule, "bind.in-use-stale-file");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_rules_connect_eagain_backlog_full() {
    let d = tmpdir("backlog");
    let p = d.join("s.sock");
    let l = sock(SockType::Stream, SockFlag::empty());
    bind(l.as_raw_fd(), &UnixAddr::new(&p).unwrap()).unwrap();
    listen(&l, Backlog::new(0).unwrap()).unwrap();
    let a = UnixAddr::new(&p).unwrap();
    let first = sock(SockType::Stream, SockFlag::SOCK_NONBLOCK);
    connect(first.as_raw_fd(), &a).unwrap();
    let second = sock(SockType::Stream, SockFlag::SOCK_NONBLOCK);
    let e = connect(second.as_raw_fd(), &a).unwrap_err();
    assert_eq!(e, Errno::EAGAIN);
    let c = diagnose("connect", e, Some(second.as_raw_fd()), Some(addr(&p)));
    assert!(
        c.summary
            .contains("accept queue is full (1 waiting, backlog 0)"),
        "{c:?}"
    );
    assert_eq!(c.rule, "connect.backlog-full");
    assert_eq!(c.confidence, Confidence::High);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_rules_connect_eprototype() {
    let d = tmpdir("proto");
    let p = d.join("d.sock");
    let _dg = std::os::unix::net::UnixDatagram::bind(&p).unwrap();
    let s = sock(SockType::Stream, SockFlag::empty());
    let e = connect(s.as_raw_fd(), &UnixAddr::new(&p).unwrap()).unwrap_err();
    assert_eq!(e, Errno::EPROTOTYPE);
    let c = diagnose("connect", e, Some(s.as_raw_fd()), Some(addr(&p)));
    assert!(
        c.summary.contains(&format!(
            "bound by a SOCK_DGRAM socket, but fd {} is SOCK_STREAM",
            s.as_raw_fd()
        )),
        "{c:?}"
    );
    assert_eq!(c.rule, "connect.wrong-type");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_rules_abstract_name_nobody_bound() {
    let name = format!("sockwhy-pr-\x1b[31m-{}", me());
    let s = sock(SockType::Stream, SockFlag::empty());
    let e = connect(
        s.as_raw_fd(),
        &UnixAddr::new_abstract(name.as_bytes()).unwrap(),
    )
    .unwrap_err();
    assert_eq!(e, Errno::ECONNREFUSED);
    let a = SockAddr::unix(
        UnixName::Abstract(ByteString::from(name.as_str())),
        2 + 1 + name.len() as u32,
    );
    let c = diagnose("connect", e, Some(s.as_raw_fd()), Some(a));
    assert!(
        c.summary
            .contains("Nobody has bound the abstract name @\"sockwhy-pr-\\x1b[31m-"),
        "{c:?}"
    );
    assert_eq!(c.rule, "connect.abstract-unbound");
}

#[test]
fn probe_rules_epipe_and_econnreset_after_peer_close() {
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let ev0 = ev("sendto", Errno::EPIPE, Some(a.as_raw_fd()), None); // identity while connected
    drop(b);
    let e = send(a.as_raw_fd(), b"x", MsgFlags::MSG_NOSIGNAL).unwrap_err();
    assert_eq!(e, Errno::EPIPE);
    let c = diagnose_ev(ev0, &History::default());
    assert!(c.summary.starts_with("The peer closed its end"), "{c:?}");
    assert_eq!(c.rule, "send.peer-closed");
    assert!(
        c.evidence.iter().any(|e| e.contains("no longer exists")),
        "{c:?}"
    );

    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    send(a.as_raw_fd(), b"unread", MsgFlags::empty()).unwrap();
    send(b.as_raw_fd(), b"unread", MsgFlags::empty()).unwrap();
    let ev0 = ev("recvfrom", Errno::ECONNRESET, Some(a.as_raw_fd()), None);
    drop(b);
    let mut buf = [0u8; 16];
    // Our own queued data is read first; then the reset shows.
    assert_eq!(recv(a.as_raw_fd(), &mut buf, MsgFlags::empty()), Ok(6));
    let e = recv(a.as_raw_fd(), &mut buf, MsgFlags::empty()).unwrap_err();
    assert_eq!(e, Errno::ECONNRESET);
    let c = diagnose_ev(ev0, &History::default());
    assert!(c.summary.contains("still unread"), "{c:?}");
    assert_eq!(c.rule, "socket.peer-reset");
}

#[test]
fn probe_rules_state_errors_use_socket_state_and_history() {
    // EISCONN: connect twice.
    let (l, _) = (
        std::os::unix::net::UnixListener::bind(tmpdir("state").join("l")).unwrap(),
        (),
    );
    let la = l.local_addr().unwrap();
    let lp = la.as_pathname().unwrap().to_path_buf();
    let s = sock(SockType::Stream, SockFlag::empty());
    let ua = UnixAddr::new(&lp).unwrap();
    connect(s.as_raw_fd(), &ua).unwrap();
    let mut h = History::default();
    let mut ok = ev(
        "connect",
        Errno::EISCONN,
        Some(s.as_raw_fd()),
        Some(addr(&lp)),
    );
    ok.seq = 3;
    ok.errno = None;
    ok.ret = 0;
    h.record(&ok);
    let e = connect(s.as_raw_fd(), &ua).unwrap_err();
    assert_eq!(e, Errno::EISCONN);
    let c = diagnose_ev(ev("connect", e, Some(s.as_raw_fd()), Some(addr(&lp))), &h);
    assert!(c.summary.contains("is already connected"), "{c:?}");
    assert_eq!(c.rule, "connect.already-connected");
    assert!(
        c.evidence
            .iter()
            .any(|e| e.contains("already succeeded at #3")),
        "{c:?}"
    );

    // ENOTCONN: send on a fresh stream socket.
    let u = sock(SockType::Stream, SockFlag::empty());
    let e = send(u.as_raw_fd(), b"x", MsgFlags::MSG_NOSIGNAL).unwrap_err();
    assert_eq!(e, Errno::ENOTCONN);
    let c = diagnose("sendto", e, Some(u.as_raw_fd()), None);
    assert!(c.summary.contains("is not connected"), "{c:?}");
    assert_eq!(c.rule, "socket.not-connected");

    // EINVAL: listen on an unbound stream socket (AF_UNIX does not autobind).
    let e = listen(&u, Backlog::new(1).unwrap()).unwrap_err();
    assert_eq!(e, Errno::EINVAL);
    let c = diagnose("listen", e, Some(u.as_raw_fd()), None);
    assert!(c.summary.contains("is not bound"), "{c:?}");
    assert_eq!(c.rule, "listen.not-bound");

    // EOPNOTSUPP: listen on a datagram socket.
    let dg = sock(SockType::Datagram, SockFlag::empty());
    let e = listen(&dg, Backlog::new(1).unwrap()).unwrap_err();
    assert_eq!(e, Errno::EOPNOTSUPP);
    let c = diagnose("listen", e, Some(dg.as_raw_fd()), None);
    assert!(c.summary.contains("SOCK_DGRAM socket: listen()"), "{c:?}");
    assert_eq!(c.rule, "listen.dgram");

    // EAGAIN: nothing to read on a non-blocking socket.
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 4];
    let e = recv(a.as_raw_fd(), &mut buf, MsgFlags::empty()).unwrap_err();
    assert_eq!(e, Errno::EAGAIN);
    let c = diagnose("recvfrom", e, Some(a.as_raw_fd()), None);
    assert!(c.summary.starts_with("Nothing is queued on fd"), "{c:?}");
    assert_eq!(c.rule, "recv.nothing-queued");
    let _ = std::fs::remove_dir_all(lp.parent().unwrap());
}

fn msg(cmsgs: Vec<Cmsg>) -> MsgHdr {
    MsgHdr {
        name: None,
        namelen: 0,
        iov: vec![],
        iovlen: 1,
        controllen: 64,
        cmsgs,
        flags: String::new(),
    }
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root")]
fn probe_rules_scm_rights_ebadf_and_credentials_esrch() {
    common::require_root();
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let bad: RawFd = 987;
    let iov = [IoSlice::new(b"x")];
    let e = sendmsg::<()>(
        a.as_raw_fd(),
        &iov,
        &[ControlMessage::ScmRights(&[0, bad])],
        MsgFlags::MSG_NOSIGNAL,
        None,
    )
    .unwrap_err();
    assert_eq!(e, Errno::EBADF);
    let mut ev0 = ev("sendmsg", e, Some(a.as_raw_fd()), None);
    ev0.msgs = vec![msg(vec![Cmsg::Rights {
        fds: vec![0, bad],
        targets: vec![None, None],
    }])];
    let c = diagnose_ev(ev0, &History::default());
    assert_eq!(
        c.summary,
        "SCM_RIGHTS passes fd 987 that is not open in the sender."
    );
    assert_eq!(c.rule, "sendmsg.rights-fd-not-open");

    // Root may claim any existing pid; one that does not exist gives ESRCH.
    let gone: i32 = 4_000_000;
    let cred = UnixCredentials::from(libc::ucred {
        pid: gone,
        uid: 0,
        gid: 0,
    });
    let e = sendmsg::<()>(
        a.as_raw_fd(),
        &iov,
        &[ControlMessage::ScmCredentials(&cred)],
        MsgFlags::MSG_NOSIGNAL,
        None,
    )
    .unwrap_err();
    assert_eq!(e, Errno::ESRCH);
    let mut ev0 = ev("sendmsg", e, Some(a.as_raw_fd()), None);
    ev0.msgs = vec![msg(vec![Cmsg::Credentials {
        pid: gone,
        uid: 0,
        gid: 0,
    }])];
    let c = diagnose_ev(ev0, &History::default());
    assert!(
        c.summary.contains("claimed pid 4000000 does not exist"),
        "{c:?}"
    );
    assert_eq!(c.rule, "sendmsg.creds-pid-gone");
}

#[test]
fn probe_rules_bind_enoent_missing_directory() {
    let d = tmpdir("bindenoent");
    let p = d.join("run/x.sock");
    let s = sock(SockType::Stream, SockFlag::empty());
    let e = bind(s.as_raw_fd(), &UnixAddr::new(&p).unwrap()).unwrap_err();
    assert_eq!(e, Errno::ENOENT);
    let c = diagnose("bind", e, Some(s.as_raw_fd()), Some(addr(&p)));
    assert!(
        c.summary.contains("bind() creates only the socket file"),
        "{c:?}"
    );
    assert_eq!(c.rule, "bind.missing-directory");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_rules_socket_file_deleted_or_replaced_while_server_runs() {
    let d = tmpdir("deleted");
    let p = d.join("s.sock");
    let server = std::os::unix::net::UnixListener::bind(&p).unwrap();
    std::fs::remove_file(&p).unwrap();
    let s = sock(SockType::Stream, SockFlag::empty());
    let e = connect(s.as_raw_fd(), &UnixAddr::new(&p).unwrap()).unwrap_err();
    assert_eq!(e, Errno::ENOENT);
    let c = diagnose("connect", e, Some(s.as_raw_fd()), Some(addr(&p)));
    assert!(
        c.summary
            .contains(&format!("was deleted while pid {} (", me())),
        "{c:?}"
    );
    assert_eq!(c.rule, "connect.deleted-while-held");

    // Another socket file now sits at that name, and nobody holds it.
    drop(std::os::unix::net::UnixListener::bind(&p).unwrap());
    let e = connect(s.as_raw_fd(), &UnixAddr::new(&p).unwrap()).unwrap_err();
    assert_eq!(e, Errno::ECONNREFUSED);
    let c = diagnose("connect", e, Some(s.as_raw_fd()), Some(addr(&p)));
    assert!(c.summary.contains("stale socket file"), "{c:?}");
    assert!(
        c.summary
            .contains("earlier file that was deleted and replaced"),
        "{c:?}"
    );
    assert_eq!(c.rule, "connect.stale-replaced");
    drop(server);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_rules_emsgsize_datagram_larger_than_sndbuf() {
    let (a, _b) = std::os::unix::net::UnixDatagram::pair().unwrap();
    nix::sys::socket::setsockopt(&a, nix::sys::socket::sockopt::SndBuf, &4096).unwrap();
    let big = vec![0u8; 64 * 1024];
    let e = send(a.as_raw_fd(), &big, MsgFlags::empty()).unwrap_err();
    assert_eq!(e, Errno::EMSGSIZE);
    let mut ev0 = ev("sendto", e, Some(a.as_raw_fd()), None);
    ev0.args = vec![
        a.as_raw_fd().to_string(),
        "\"\\0\\0\"...".into(),
        big.len().to_string(),
    ];
    let c = diagnose_ev(ev0, &History::default());
    assert!(
        c.summary
            .starts_with("The 65536-byte message is larger than fd"),
        "{c:?}"
    );
    assert_eq!(c.rule, "send.message-too-big");
    assert_eq!(c.confidence, Confidence::High);
}
