//! Causes that were missing or vague, each made by the kernel for a real program
//! (python3, its socket module and ctypes): which control message sendmsg refused (more
//! than 253 fds, a wrong SCM_CREDENTIALS length, a type that cannot be sent, too much
//! control data for net.core.optmem_max), fds dropped by MSG_CTRUNC on a receive that
//! worked, what a non-socket fd really is, EBADF on -1 / a closed fd / O_PATH, ENOTDIR
//! naming the component, and EAGAIN on a non-blocking AF_UNIX connect.

mod common;
use common::*;
use serde_json::Value;
use std::process::Stdio;

/// Trace a python3 program; the syscall records.
fn py(tag: &str, src: &str) -> Vec<Value> {
    let d = tempdir(tag);
    let save = d.join("t.jsonl");
    let script = d.join("t.py");
    std::fs::write(&script, src).unwrap();
    let o = run(sockwhy()
        .current_dir(&d)
        .arg("--save")
        .arg(&save)
        .args(["-o", "/dev/null", "--", "python3"])
        .arg(&script)
        .stdin(Stdio::null()));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    read_trace(&save)
        .into_iter()
        .filter(|r| r["type"] == "syscall")
        .collect()
}

fn failing<'a>(t: &'a [Value], sys: &str, errno: &str) -> Vec<&'a Value> {
    t.iter()
        .filter(|r| r["syscall"] == sys && r["errno"] == errno)
        .collect()
}

fn cause(r: &Value) -> &Value {
    let c = &r["cause"];
    assert!(c.is_object(), "no cause: {r:#}");
    c
}

fn summary(c: &Value) -> &str {
    c["summary"].as_str().unwrap()
}

const PRELUDE: &str = "import socket, os, struct, array, ctypes, errno\n\
a, b = socket.socketpair()\n\
r, w = os.pipe()\n\
def send(anc):\n    try:\n        a.sendmsg([b'x'], anc)\n    except OSError:\n        pass\n";

#[test]
#[cfg_attr(not(has_python3), ignore = "python3 is not installed")]
fn cmsg_sendmsg_einval_names_the_control_message() {
    let src = format!(
        "{PRELUDE}\
send([(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [r] * 254).tobytes())])\n\
send([(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [r] * 200).tobytes())] * 2)\n\
send([(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, struct.pack('iI', os.getpid(), 0))])\n\
send([(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, struct.pack('iIIi', os.getpid(), 0, 0, 0))])\n\
send([(socket.SOL_SOCKET, 99, b'abcd'), (0, 1, b'abcd')])\n"
    );
    let t = py("cmsg-einval", &src);
    let f = failing(&t, "sendmsg", "EINVAL");
    assert_eq!(f.len(), 5, "{t:#?}");
    let c = cause(f[0]);
    assert_eq!(c["rule"], "sendmsg.too-many-fds");
    assert_eq!(
        summary(c),
        "The message passes 254 fds in SCM_RIGHTS; the kernel takes at most 253 in one message."
    );
    let c = cause(f[1]);
    assert_eq!(c["rule"], "sendmsg.too-many-fds");
    assert!(
        summary(c).contains("passes 400 fds in SCM_RIGHTS (2 SCM_RIGHTS messages of 200 + 200 fds: the limit is for all of them together)"),
        "{c:#}"
    );
    let c = cause(f[2]);
    assert_eq!(c["rule"], "sendmsg.credentials-length");
    assert!(
        summary(c).contains(
            "has cmsg_len 24; the kernel takes exactly CMSG_LEN(sizeof(struct ucred)) = 28"
        ),
        "{c:#}"
    );
    assert_eq!(c["confidence"], "high");
    let c = cause(f[3]);
    assert_eq!(c["rule"], "sendmsg.credentials-length-unseen");
    assert_eq!(c["confidence"], "medium");
    let c = cause(f[4]);
    assert_eq!(c["rule"], "sendmsg.unsendable-cmsg");
    assert!(
        summary(c).contains("of type SCM_???") || summary(c).contains("of type 0x63"),
        "{c:#}"
    );
    assert!(
        c["evidence"].as_array().unwrap().iter().any(|e| e
            .as_str()
            .unwrap()
            .contains("at level SOL_IP")
            && e.as_str().unwrap().contains("AF_UNIX ignores")),
        "{c:#}"
    );
}

#[test]
#[cfg_attr(not(has_python3), ignore = "python3 is not installed")]
fn cmsg_enobufs_is_control_data_over_optmem_max() {
    let optmem: u64 = std::fs::read_to_string("/proc/sys/net/core/optmem_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let size = optmem + 1000;
    let src = format!("{PRELUDE}send([(0, 1, b'a' * {size})])\n");
    let t = py("cmsg-enobufs", &src);
    let f = failing(&t, "sendmsg", "ENOBUFS");
    assert_eq!(f.len(), 1, "{t:#?}");
    let c = cause(f[0]);
    assert_eq!(c["rule"], "sendmsg.control-over-optmem");
    assert!(
        summary(c).contains(&format!("more than net.core.optmem_max ({optmem})")),
        "{c:#}"
    );
}

#[test]
#[cfg_attr(not(has_python3), ignore = "python3 is not installed")]
fn cmsg_msg_ctrunc_drops_passed_fds() {
    let src = format!(
        "{PRELUDE}\
a.sendmsg([b'x'], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [r, w, r]).tobytes())])\n\
msg, anc, flags, addr = b.recvmsg(1, socket.CMSG_LEN(4))\n\
assert flags & socket.MSG_CTRUNC\n"
    );
    let t = py("cmsg-ctrunc", &src);
    let sent = t
        .iter()
        .find(|r| r["syscall"] == "sendmsg" && r["errno"].is_null())
        .unwrap();
    let recv = t
        .iter()
        .find(|r| r["syscall"] == "recvmsg" && r["errno"].is_null())
        .unwrap_or_else(|| panic!("{t:#?}"));
    let c = cause(recv);
    assert_eq!(c["rule"], "recvmsg.fds-dropped");
    assert!(recv["class"].is_null(), "a success has no class");
    assert!(
        summary(c).contains(&format!(
            "of the 3 fds pid {} sent (#{}), 1 arrived; the kernel closed the other 2",
            sent["pid"], sent["seq"]
        )),
        "{c:#}"
    );
    assert_eq!(c["confidence"], "high");
}

#[test]
#[cfg_attr(not(has_python3), ignore = "python3 is not installed")]
fn fd_enotsock_says_what_the_fd_is_and_ebadf_why() {
    let src = "import os, ctypes, socket\n\
libc = ctypes.CDLL(None, use_errno=True)\n\
addr = b'\\x01\\x00/nonexistent\\x00'\n\
r, w = os.pipe()\n\
e = os.eventfd(0)\n\
f = os.open('/etc/hostname', os.O_RDONLY)\n\
p = os.open('/etc', os.O_PATH)\n\
for fd in (r, e, f):\n    libc.connect(fd, addr, len(addr))\n\
libc.connect(-1, addr, len(addr))\n\
libc.connect(987, addr, len(addr))\n\
libc.connect(p, addr, len(addr))\n";
    let t = py("fd-kinds", src);
    let f = failing(&t, "connect", "ENOTSOCK");
    assert_eq!(f.len(), 3, "{t:#?}");
    let kinds: Vec<&str> = f.iter().map(|r| summary(cause(r))).collect();
    assert!(kinds[0].ends_with("it refers to a pipe."), "{kinds:?}");
    assert!(kinds[1].ends_with("it refers to an eventfd."), "{kinds:?}");
    assert!(
        kinds[2].ends_with("it refers to a regular file (/etc/hostname)."),
        "{kinds:?}"
    );
    assert!(f.iter().all(|r| cause(r)["rule"] == "fd.not-a-socket"));
    let b = failing(&t, "connect", "EBADF");
    assert_eq!(b.len(), 3, "{t:#?}");
    assert_eq!(cause(b[0])["rule"], "fd.negative");
    assert_eq!(cause(b[1])["rule"], "fd.not-open");
    assert!(summary(cause(b[1])).starts_with("fd 987 is not open in the process"));
    assert_eq!(cause(b[2])["rule"], "fd.o-path");
    assert!(
        summary(cause(b[2])).contains("was opened with O_PATH (a directory (/etc))"),
        "{:#}",
        cause(b[2])
    );
}

#[test]
#[cfg_attr(not(has_python3), ignore = "python3 is not installed")]
fn path_enotdir_names_the_component_for_connect_and_bind() {
    let src = "import socket, os\n\
open('afile', 'w').close()\n\
for f in (socket.socket(socket.AF_UNIX).connect, socket.socket(socket.AF_UNIX).bind):\n    try:\n        f('afile/x.sock')\n    except OSError:\n        pass\n";
    let t = py("enotdir", src);
    for sys in ["connect", "bind"] {
        let f = failing(&t, sys, "ENOTDIR");
        assert_eq!(f.len(), 1, "{sys}: {t:#?}");
        let c = cause(f[0]);
        assert_eq!(c["rule"], "path.not-a-directory", "{sys}");
        assert!(
            summary(c).contains(
                "/afile\" is used as a directory in \"afile/x.sock\", but it is a regular file."
            ),
            "{sys}: {c:#}"
        );
    }
}

#[test]
#[cfg_attr(not(has_python3), ignore = "python3 is not installed")]
fn connect_eagain_on_af_unix_is_a_refusal_not_in_progress() {
    let src = "import socket\n\
l = socket.socket(socket.AF_UNIX)\n\
l.bind('l.sock')\n\
l.listen(0)\n\
c1 = socket.socket(socket.AF_UNIX); c1.setblocking(False); c1.connect('l.sock')\n\
c2 = socket.socket(socket.AF_UNIX); c2.setblocking(False)\n\
try:\n    c2.connect('l.sock')\nexcept BlockingIOError:\n    pass\n";
    let t = py("eagain-connect", src);
    let f = failing(&t, "connect", "EAGAIN");
    assert_eq!(f.len(), 1, "{t:#?}");
    let c = cause(f[0]);
    assert_eq!(c["rule"], "connect.backlog-full");
    assert!(
        summary(c)
            .ends_with("Unlike TCP this is not a connect in progress: the connection was refused."),
        "{c:#}"
    );
    assert!(
        c["evidence"].as_array().unwrap().iter().any(|e| e
            .as_str()
            .unwrap()
            .ends_with("is non-blocking (O_NONBLOCK)")),
        "{c:#}"
    );
    assert_eq!(f[0]["class"]["kind"], "consequential");
}
