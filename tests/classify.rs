//! Expected failures are not alarms: real programs make failures on purpose (glibc's
//! nscd lookup, bash's getpeername probe of stdin, EAGAIN in an event loop, libxcb's
//! abstract-then-path fallback, Python retrying an interrupted call). Each failure's
//! `class` says so, with the reason and the call that recovered; the others are
//! consequential. Records that waited for their class still come out in order.

mod common;
use common::*;
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Trace `cmd`; the whole saved trace and the text trace.
fn trace(tag: &str, cmd: &[&str]) -> (Vec<Value>, String) {
    let d = tempdir(tag);
    let save = d.join("t.jsonl");
    let text = d.join("t.txt");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .arg("-o")
        .arg(&text)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null()));
    assert!(o.status.code().is_some(), "{}", stderr(&o));
    (read_trace(&save), std::fs::read_to_string(&text).unwrap())
}

fn failures(t: &[Value]) -> Vec<&Value> {
    t.iter()
        .filter(|r| r["type"] == "syscall" && !r["errno"].is_null())
        .collect()
}

fn class(r: &Value) -> (&str, &str, Option<u64>) {
    let c = &r["class"];
    (
        c["kind"]
            .as_str()
            .unwrap_or_else(|| panic!("no class: {r}")),
        c["reason"].as_str().unwrap(),
        c["recovered_by"].as_u64(),
    )
}

/// Every failure has a class; the saved records are in sequence order.
fn check_whole(t: &[Value]) {
    let seqs: Vec<u64> = t
        .iter()
        .filter(|r| r["type"] == "syscall")
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {seqs:?}");
    for f in failures(t) {
        class(f);
    }
}

#[test]
fn classify_glibc_nscd_and_bash_getpeername_are_expected() {
    let (t, _) = trace("cls-bash", &["bash", "-c", "getent passwd root >/dev/null"]);
    check_whole(&t);
    let peer = failures(&t)
        .into_iter()
        .find(|r| r["syscall"] == "getpeername")
        .unwrap_or_else(|| panic!("bash probes stdin with getpeername: {t:#?}"));
    assert_eq!(peer["errno"], "ENOTSOCK");
    let (kind, reason, _) = class(peer);
    assert_eq!(kind, "expected");
    assert!(reason.starts_with("a probe of what the fd is"), "{reason}");
    if !std::path::Path::new("/var/run/nscd/socket").exists() {
        let nscd = failures(&t)
            .into_iter()
            .find(|r| r["addr"]["path"] == "/var/run/nscd/socket")
            .expect("glibc asks nscd");
        let (kind, reason, _) = class(nscd);
        assert_eq!(kind, "expected");
        assert!(reason.contains("nscd"), "{reason}");
    }
}

#[test]
#[cfg_attr(not(has_python3), ignore = "python3 is not installed")]
fn classify_eagain_in_an_event_loop_but_not_a_timeout() {
    let py = "import socket\n\
a, b = socket.socketpair()\n\
a.setblocking(False)\n\
try:\n    a.recv(1)\nexcept BlockingIOError:\n    pass\n\
c, d = socket.socketpair()\n\
c.settimeout(0.05)\n\
try:\n    c.recv(1)\nexcept OSError:\n    pass\n";
    let (t, _) = trace("cls-eagain", &["python3", "-c", py]);
    check_whole(&t);
    let eagain: Vec<&Value> = failures(&t)
        .into_iter()
        .filter(|r| r["errno"] == "EAGAIN" && r["syscall"] == "recvfrom")
        .collect();
    assert!(!eagain.is_empty(), "{t:#?}");
    let (kind, reason, _) = class(eagain[0]);
    assert_eq!(kind, "expected", "{reason}");
    assert!(
        reason.starts_with("a non-blocking socket with nothing ready"),
        "{reason}"
    );
    // Python's settimeout makes the fd non-blocking and polls: that EAGAIN is expected
    // too, whatever the number of them; none is called a timeout of a blocking socket.
    assert!(
        eagain.iter().all(|r| class(r).0 == "expected"),
        "{eagain:#?}"
    );
}

#[test]
#[cfg_attr(not(has_python3), ignore = "python3 is not installed")]
fn classify_a_receive_timeout_on_a_blocking_socket_is_consequential() {
    let py = "import socket, struct\n\
a, b = socket.socketpair()\n\
a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack('ll', 0, 50000))\n\
try:\n    a.recv(1)\nexcept OSError:\n    pass\n";
    let (t, _) = trace("cls-rcvtimeo", &["python3", "-c", py]);
    check_whole(&t);
    let r = failures(&t)
        .into_iter()
        .find(|r| r["errno"] == "EAGAIN")
        .unwrap_or_else(|| panic!("{t:#?}"));
    let (kind, reason, _) = class(r);
    assert_eq!(kind, "consequential");
    assert!(reason.contains("SO_RCVTIMEO"), "{reason}");
}

#[test]
#[cfg_attr(not(has_xvfb), ignore = "Xvfb is not installed")]
fn classify_libxcb_falls_back_from_the_abstract_name_to_the_path() {
    // An X server without the abstract socket: libxcb's first try is refused, its
    // fallback to the path works.
    let n = (60 + std::process::id() % 300..900)
        .find(|n| {
            !std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !std::path::Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .unwrap();
    let mut x = Command::new("Xvfb")
        .arg(format!(":{n}"))
        .args(["-nolisten", "tcp", "-nolisten", "local"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let sock = format!("/tmp/.X11-unix/X{n}");
    wait_for("Xvfb's socket", Duration::from_secs(20), || {
        std::path::Path::new(&sock).exists()
    });
    let (t, text) = trace("cls-x11", &["env", &format!("DISPLAY=:{n}"), "xdpyinfo"]);
    kill(x.id() as i32, nix::sys::signal::Signal::SIGTERM);
    let _ = x.wait();
    check_whole(&t);
    let refused = failures(&t)
        .into_iter()
        .find(|r| r["addr"]["kind"] == "abstract" && r["errno"] == "ECONNREFUSED")
        .unwrap_or_else(|| panic!("{t:#?}"));
    let ok = t
        .iter()
        .find(|r| {
            r["syscall"] == "connect" && r["addr"]["path"] == sock.as_str() && r["errno"].is_null()
        })
        .expect("the path connect works");
    let (kind, reason, by) = class(refused);
    assert_eq!(kind, "expected");
    assert_eq!(by, ok["seq"].as_u64());
    assert!(
        reason.starts_with(&format!(
            "the program fell back to \"{sock}\" (#{})",
            by.unwrap()
        )),
        "{reason}"
    );
    // The held line still comes before the connect that decided it.
    let pos = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle}: {text}"))
    };
    assert!(pos(&format!("sun_path=@\"{sock}\"")) < pos(&format!("sun_path=\"{sock}\"")));
}

#[test]
#[cfg_attr(not(has_python3), ignore = "python3 is not installed")]
fn classify_python_retries_an_interrupted_call() {
    // Python retries a call a signal interrupted when the handler returns (PEP 475).
    let py = "import os, signal, socket, time\n\
signal.signal(signal.SIGALRM, lambda *a: None)\n\
a, b = socket.socketpair()\n\
if os.fork() == 0:\n    time.sleep(0.4)\n    b.send(b'x')\n    os._exit(0)\n\
signal.setitimer(signal.ITIMER_REAL, 0.1)\n\
a.recv(1)\n\
os.wait()\n";
    let (t, _) = trace("cls-eintr", &["python3", "-c", py]);
    check_whole(&t);
    let intr = failures(&t)
        .into_iter()
        .find(|r| r["errno"] == "EINTR")
        .unwrap_or_else(|| panic!("the recv is interrupted: {t:#?}"));
    let (kind, reason, by) = class(intr);
    assert_eq!(kind, "expected", "{reason}");
    let retry = t
        .iter()
        .find(|r| r["seq"].as_u64() == by)
        .expect("recovered by a later call");
    assert_eq!(retry["syscall"], intr["syscall"]);
    assert_eq!(retry["fd"], intr["fd"]);
    assert!(retry["errno"].is_null());
    assert!(
        reason.starts_with("the program retried the call"),
        "{reason}"
    );
}

#[test]
fn classify_the_daemon_demo_recovers_but_its_failures_matter() {
    let d = tempdir("cls-daemon");
    let save = d.join("t.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .args(["-o", "/dev/null", "demo", "daemon"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = read_trace(&save);
    check_whole(&t);
    let f = failures(&t);
    let connects: Vec<&Value> = t.iter().filter(|r| r["syscall"] == "connect").collect();
    let answered = connects
        .iter()
        .find(|r| r["errno"].is_null())
        .expect("the restarted daemon answers");
    let refused = f.iter().find(|r| r["errno"] == "ECONNREFUSED").unwrap();
    let (kind, reason, by) = class(refused);
    assert_eq!((kind, by), ("consequential", answered["seq"].as_u64()));
    assert!(
        reason.contains("later retry of the same address"),
        "{reason}"
    );
    let missing = f.iter().find(|r| r["errno"] == "ENOENT").unwrap();
    let (kind, reason, _) = class(missing);
    assert_eq!(kind, "consequential");
    assert!(
        reason.contains("went back to an address that had failed before"),
        "{reason}"
    );
}

#[test]
fn classify_the_eintr_demo_does_not_retry() {
    let d = tempdir("cls-eintr-demo");
    let save = d.join("t.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .args(["-o", "/dev/null", "demo", "eintr"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = read_trace(&save);
    check_whole(&t);
    let intr = failures(&t)
        .into_iter()
        .find(|r| r["errno"] == "EINTR")
        .unwrap();
    let (kind, reason, by) = class(intr);
    assert_eq!((kind, by), ("consequential", None), "{reason}");
}

/// A TCP option set on a UNIX socket (redis and many libraries set TCP_NODELAY on every
/// connection): the line names it as strace does, the cause says why AF_UNIX refuses it,
/// and the failure is expected, one line in the text trace.
#[test]
#[cfg_attr(not(has_python3), ignore = "python3 is not installed")]
fn a_tcp_option_on_a_unix_socket_is_expected() {
    let (t, text) = trace(
        "tcp-option",
        &[
            "python3",
            "-c",
            "import socket\n\
             a, b = socket.socketpair()\n\
             try:\n    a.setsockopt(socket.SOL_TCP, socket.TCP_NODELAY, 1)\n\
             except OSError:\n    pass\n\
             a.sendall(b'x')\n",
        ],
    );
    check_whole(&t);
    let f: Vec<_> = failures(&t)
        .into_iter()
        .filter(|r| r["syscall"] == "setsockopt")
        .collect();
    assert_eq!(f.len(), 1, "{t:#?}");
    assert_eq!(f[0]["args"][1], "SOL_TCP");
    assert_eq!(f[0]["args"][2], "TCP_NODELAY");
    assert_eq!(f[0]["errno"], "EOPNOTSUPP");
    assert_eq!(f[0]["cause"]["rule"], "sockopt.other-protocol", "{}", f[0]);
    assert_eq!(class(f[0]).0, "expected");
    let line = text
        .lines()
        .find(|l| l.contains("] setsockopt("))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("SOL_TCP, TCP_NODELAY, [1], 4) = -1 EOPNOTSUPP")
            && line.contains("(expected: "),
        "{line}"
    );
}
