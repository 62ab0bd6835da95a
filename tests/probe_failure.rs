//! probe_failure against real sockets in this process: the facts a rule needs are found.

mod common;

use sockwhy::model::facts::{SockState, WalkEnd};
use sockwhy::model::{AddrName, ByteString, Pid, SockAddr, SyscallEvent, UnixName};
use sockwhy::probe::{ProbeCtx, probe_failure};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

fn me() -> ProbeCtx {
    let p = std::process::id() as Pid;
    ProbeCtx { pid: p, tid: p }
}

fn tmpdir(tag: &str) -> PathBuf {
    common::unique_dir(&std::env::temp_dir(), &format!("sockwhy-pf-{tag}"))
}

fn path_addr(p: &Path) -> SockAddr {
    SockAddr::unix(UnixName::Path(p.as_os_str().as_bytes().into()), 110)
}

fn failed(sys: &str, errno: &str, addr: Option<SockAddr>, fd: Option<i32>) -> SyscallEvent {
    SyscallEvent {
        syscall: sys.into(),
        errno: Some(errno.into()),
        ret: -1,
        addr,
        fd,
        ..Default::default()
    }
}

#[test]
fn probe_failure_connect_missing_directory() {
    let d = tmpdir("missing");
    let p = d.join("run/x.sock");
    let f = probe_failure(
        &me(),
        &failed("connect", "ENOENT", Some(path_addr(&p)), None),
    );
    let w = f.path.unwrap();
    assert_eq!(
        w.end,
        WalkEnd::Missing {
            at: d.join("run").as_os_str().as_bytes().into(),
            last: false,
        }
    );
    assert_eq!(f.bound, Some(vec![]), "nobody is bound to that name");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_failure_stale_socket_file_and_live_holder() {
    let d = tmpdir("stale");
    let p = d.join("s.sock");
    drop(UnixListener::bind(&p).unwrap());
    let f = probe_failure(
        &me(),
        &failed("connect", "ECONNREFUSED", Some(path_addr(&p)), None),
    );
    assert!(f.path.unwrap().target().is_some());
    assert_eq!(
        f.bound,
        Some(vec![]),
        "the file exists but nobody holds a socket on it"
    );

    std::fs::remove_file(&p).unwrap();
    let l = UnixListener::bind(&p).unwrap();
    let f = probe_failure(
        &me(),
        &failed("bind", "EADDRINUSE", Some(path_addr(&p)), Some(9)),
    );
    let bound = f.bound.unwrap();
    assert_eq!(bound.len(), 1);
    assert!(bound[0].by_file);
    assert_eq!(bound[0].sock.state, SockState::Listening);
    let o = &bound[0].owners;
    assert!(
        o.iter()
            .any(|o| o.pid == me().pid && o.fds == vec![l.as_raw_fd()])
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_failure_abstract_name_nobody_bound() {
    let name = format!("sockwhy-pf-none-{}", std::process::id());
    let a = SockAddr::unix(UnixName::Abstract(ByteString::from(name.as_str())), 20);
    let f = probe_failure(&me(), &failed("connect", "ECONNREFUSED", Some(a), None));
    assert_eq!(f.bound, Some(vec![]));
    assert!(f.path.is_none());
}

#[test]
fn probe_failure_peer_closed() {
    let (a, b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let id = sockwhy::probe::identity::probe_fd_identity(me().pid, fd).unwrap();
    let peer = id.peer.unwrap();
    drop(b);
    let mut ev = failed("write", "EPIPE", None, Some(fd));
    ev.fds = vec![id];
    // Under `cargo test` another test thread may be between fork and exec, its child
    // holding a copy of `b` for a moment: wait (with a deadline) until the peer is gone.
    let mut f = probe_failure(&me(), &ev);
    common::wait_for(
        "the peer socket to go",
        std::time::Duration::from_secs(5),
        || {
            f = probe_failure(&me(), &ev);
            f.peer.as_ref().is_some_and(|p| p.exists == Some(false))
        },
    );
    let p = f.peer.unwrap();
    assert_eq!(p.known, Some(peer));
    assert_eq!(p.exists, Some(false));
    assert!(p.owners.is_empty());
    let own = f.own.unwrap();
    assert_eq!(own.peer, Some(0));
    assert_eq!(own.shutdown, Some(3));
}

/// A process running as nobody (uid/gid 65534) in `cwd`, killed on drop.
struct Nobody(std::process::Child);

impl Nobody {
    fn start(cwd: &Path) -> Nobody {
        use std::os::unix::process::CommandExt;
        Nobody(
            std::process::Command::new("sleep")
                .arg("30")
                .current_dir(cwd)
                .uid(65534)
                .gid(65534)
                .spawn()
                .unwrap(),
        )
    }
    fn ctx(&self) -> ProbeCtx {
        let p = self.0.id() as Pid;
        ProbeCtx { pid: p, tid: p }
    }
}

impl Drop for Nobody {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root")]
fn probe_failure_eacces_relative_path_with_the_tracee_credentials() {
    common::require_root();
    use sockwhy::model::facts::Access;
    use std::os::unix::fs::PermissionsExt;
    let d = tmpdir("eacces");
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    let locked = d.join("locked");
    std::fs::create_dir(&locked).unwrap();
    let _l = UnixListener::bind(locked.join("x.sock")).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o750)).unwrap();
    let child = Nobody::start(&d);
    // The tracee passed a relative path: it resolves against its cwd, not ours.
    let rel = SockAddr {
        name: AddrName::Unix(UnixName::Path("locked/x.sock".into())),
        ..path_addr(Path::new("x"))
    };
    let mut ev = failed("connect", "EACCES", Some(rel), None);
    ev.pid = child.ctx().pid;
    let f = probe_failure(&child.ctx(), &ev);
    let cause = sockwhy::diagnose::rules::find_cause(&ev, &f, &Default::default()).unwrap();
    assert!(
        cause.summary.starts_with(&format!(
            "uid 65534 (nobody) may not search directory \"{}\"",
            locked.display()
        )),
        "{cause:?}"
    );
    assert_eq!(cause.rule, "path.search-denied");
    assert_eq!(f.creds.as_ref().unwrap().fsuid(), 65534);
    let w = f.path.unwrap();
    assert_eq!(w.cwd.as_ref().unwrap().as_bytes(), d.as_os_str().as_bytes());
    let den = w.denied.unwrap();
    assert_eq!(den.path.as_bytes(), locked.as_os_str().as_bytes());
    assert_eq!(den.need, Access::Search);
    assert_eq!(den.info.mode, 0o750);
    let _ = std::fs::remove_dir_all(&d);
}

/// The knowledge base's text with the `probes` line of the `[[ERRNO.call]]` entry that
/// begins with `syscalls` replaced by `probes`.
fn with_probes(errno: &str, syscalls: &str, probes: &str) -> sockwhy::kb::Kb {
    let text = sockwhy::kb::ASSET;
    let entry = format!("[[{errno}.call]]\nsyscalls = {syscalls}\n");
    let at = text.find(&entry).expect("the entry");
    let line = at + text[at..].find("\nprobes = ").expect("its probes") + 1;
    let end = line + text[line..].find('\n').unwrap();
    let changed = format!("{}probes = {probes}{}", &text[..line], &text[end..]);
    sockwhy::kb::Kb::parse(&changed).expect("still a knowledge base")
}

#[test]
fn probe_failure_runs_the_probes_the_knowledge_base_names_and_no_others() {
    use sockwhy::kb::{Probe, ProbeSet};
    use sockwhy::probe::probe_failure_with;
    let d = tmpdir("tags");
    let p = d.join("stale.sock");
    drop(UnixListener::bind(&p).unwrap());
    let ev = failed("connect", "ECONNREFUSED", Some(path_addr(&p)), None);
    // As shipped: connect ECONNREFUSED names path and listener.
    let f = probe_failure(&me(), &ev);
    assert!(f.path.is_some() && f.bound.is_some(), "{f:?}");
    // Without `listener`, the socket table is not read.
    let kb = with_probes("ECONNREFUSED", "[\"connect\"]", "[\"path\"]");
    let tags = kb.probes_for("connect", "ECONNREFUSED");
    let f = probe_failure_with(&me(), &ev, tags);
    assert!(f.path.is_some());
    assert_eq!(f.bound, None, "listener removed, no table: {f:?}");
    // Without `path` too, the address is not looked at at all.
    let kb = with_probes("ECONNREFUSED", "[\"connect\"]", "[]");
    let f = probe_failure_with(&me(), &ev, kb.probes_for("connect", "ECONNREFUSED"));
    assert_eq!((f.path, f.bound), (None, None));

    // Each tag with a live fact: that fact and no other.
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut on_fd = failed("write", "EPIPE", None, Some(fd));
    on_fd.fds = vec![sockwhy::probe::identity::probe_fd_identity(me().pid, fd).unwrap()];
    let nothing = probe_failure_with(&me(), &on_fd, Default::default());
    assert_eq!(nothing, Default::default(), "no tag, no probe");
    let only = |p: Probe| probe_failure_with(&me(), &on_fd, ProbeSet::default().with(p));
    type Has = fn(&sockwhy::model::Facts) -> bool;
    let checks: [(Probe, Has); 7] = [
        (Probe::State, |f| f.own.is_some()),
        (Probe::Peer, |f| f.peer.is_some()),
        (Probe::Limits, |f| {
            f.nofile.is_some() && f.open_fds.is_some()
        }),
        (Probe::Creds, |f| f.creds.is_some()),
        (Probe::Signal, |f| f.pending_signals.is_some()),
        (Probe::Queue, |f| f.max_dgram_qlen.is_some()),
        (Probe::Memory, |f| f.memcg.is_some()),
    ];
    for (tag, has) in checks {
        let f = only(tag);
        assert!(has(&f), "{}: {f:?}", tag.name());
        // Nothing a different tag would have probed.
        for (other, other_has) in checks.iter().filter(|(o, _)| *o != tag) {
            assert!(
                !other_has(&f),
                "{} probed {}: {f:?}",
                tag.name(),
                other.name()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&d);
}
