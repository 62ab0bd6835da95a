//! `sockwhy probe PATH` and a traced connect() to PATH come from the same rules: for each
//! way a connect fails, the probe's verdict is the cause the trace records.

mod common;
use common::*;
use std::os::unix::net::{UnixDatagram, UnixListener};
use std::path::Path;

/// The cause a traced `connect(PATH)` records, and `sockwhy probe PATH`'s verdict; the
/// rule ids of both must be the same.
fn both(name: &str, path: &Path) -> (String, String) {
    let save = tempdir(&format!("agree-save-{name}")).join("t.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .arg("--")
        .arg(tracee())
        .arg("connect")
        .arg(path));
    assert!(o.status.code().is_some(), "{}", stderr(&o));
    let trace = read_trace(&save);
    let c = syscalls(&trace, "connect");
    assert_eq!(c.len(), 1, "{trace:?}");
    let traced = c[0]["cause"]["summary"]
        .as_str()
        .unwrap_or_else(|| panic!("no cause: {}", c[0]))
        .to_owned();
    let o = run(sockwhy().arg("probe").arg(path));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let verdict = out
        .lines()
        .find_map(|l| l.strip_prefix("verdict: cannot connect: "))
        .unwrap_or_else(|| panic!("no verdict: {out}"))
        .to_owned();
    let rule = out
        .lines()
        .find_map(|l| l.strip_prefix("rule: "))
        .unwrap_or_else(|| panic!("no rule: {out}"));
    assert_eq!(c[0]["cause"]["rule"], rule, "{out}");
    (traced, verdict)
}

#[test]
fn probe_and_trace_agree_on_a_missing_directory() {
    let d = tempdir("agree-dir");
    let (t, p) = both("dir", &d.join("nodir/x.sock"));
    assert!(t.starts_with("Directory "), "{t}");
    assert_eq!(t, p);
}

#[test]
fn probe_and_trace_agree_on_a_stale_socket_file() {
    let d = tempdir("agree-stale");
    let path = d.join("stale.sock");
    drop(UnixListener::bind(&path).unwrap());
    let (t, p) = both("stale", &path);
    assert!(t.contains("stale socket file"), "{t}");
    assert_eq!(t, p);
}

#[test]
fn probe_and_trace_agree_on_a_regular_file() {
    let d = tempdir("agree-file");
    let path = d.join("not-a-socket");
    std::fs::write(&path, b"x").unwrap();
    let (t, p) = both("file", &path);
    assert!(t.contains("is a regular file, not a socket"), "{t}");
    assert_eq!(t, p);
}

#[test]
fn probe_and_trace_agree_on_a_bound_socket_that_does_not_listen() {
    let d = tempdir("agree-unlistened");
    let path = d.join("bound.sock");
    // Bound, never listen()ed: a stream connect is refused.
    let s = bound_stream(&path);
    let (t, p) = both("unlistened", &path);
    assert!(t.contains("not listening"), "{t}");
    assert_eq!(t, p);
    drop(s);
    // A datagram socket there takes a datagram connect: the probe does not refuse it.
    let _ = std::fs::remove_file(&path);
    let _dg = UnixDatagram::bind(&path).unwrap();
    let o = run(sockwhy().arg("probe").arg(&path));
    assert_eq!(o.status.code(), Some(0));
}

/// A stream socket bound to `path` that never listens (std binds and listens at once).
fn bound_stream(path: &Path) -> std::os::fd::OwnedFd {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, UnixAddr, bind, socket};
    use std::os::fd::AsRawFd;
    let fd = socket(
        AddressFamily::Unix,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .unwrap();
    bind(fd.as_raw_fd(), &UnixAddr::new(path).unwrap()).unwrap();
    fd
}
