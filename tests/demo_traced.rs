//! Every demo scenario traced for real: the kernel produces the errno, sockwhy explains
//! it and names the specific cause it found on the live system (issue 4).

mod common;

use common::*;

/// (scenario, failing syscall, errno, the rule that must find its cause, words the cause
/// must contain).
const EXPECT: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "daemon",
        "connect",
        "ECONNREFUSED",
        "connect.stale-socket",
        &["stale socket file", "appd.sock"],
    ),
    (
        "enoent",
        "connect",
        "ENOENT",
        "connect.missing-directory",
        &["does not exist", "/missing\""],
    ),
    (
        "econnrefused",
        "connect",
        "ECONNREFUSED",
        "connect.stale-socket",
        &["stale socket file", "nobody holds"],
    ),
    (
        "econnrefused-file",
        "connect",
        "ECONNREFUSED",
        "connect.not-a-socket-file",
        &["is a regular file, not a socket"],
    ),
    (
        "econnrefused-abstract",
        "connect",
        "ECONNREFUSED",
        "connect.abstract-unbound",
        &["Nobody has bound the abstract name", "@\"sockwhy-nobody-"],
    ),
    (
        "econnrefused-dgram",
        "sendto",
        "ECONNREFUSED",
        "send.dgram-peer-closed",
        &["datagram peer", "was closed"],
    ),
    (
        "eaddrinuse",
        "bind",
        "EADDRINUSE",
        "bind.in-use-live-server",
        &["already bound by pid"],
    ),
    (
        "eaddrinuse-stale",
        "bind",
        "EADDRINUSE",
        "bind.in-use-stale-file",
        &["stale socket file nobody holds"],
    ),
    (
        "eaddrinuse-abstract",
        "bind",
        "EADDRINUSE",
        "bind.in-use-live-server",
        &["@\"sockwhy-taken-", "already bound by pid"],
    ),
    (
        "eacces",
        "connect",
        "EACCES",
        "path.search-denied",
        &["uid 65534 (nobody) may not search directory", "private"],
    ),
    (
        "eagain",
        "connect",
        "EAGAIN",
        "connect.backlog-full",
        &["accept queue is full", "backlog 0"],
    ),
    (
        "eagain-recv",
        "recvfrom",
        "EAGAIN",
        "recv.nothing-queued",
        &["Nothing is queued", "non-blocking"],
    ),
    (
        "ebadf",
        "sendmsg",
        "EBADF",
        "sendmsg.rights-fd-not-open",
        &["SCM_RIGHTS passes fd", "not open in the sender"],
    ),
    (
        "econnreset",
        "recvfrom",
        "ECONNRESET",
        "socket.peer-reset",
        &["peer closed", "unread"],
    ),
    (
        "efault",
        "connect",
        "EFAULT",
        "any.bad-pointer",
        &["not readable memory", "0x8"],
    ),
    (
        "einval",
        "listen",
        "EINVAL",
        "listen.not-bound",
        &["not bound", "bind() first"],
    ),
    (
        "einval-family",
        "connect",
        "EINVAL",
        "address.wrong-family",
        &["sun_family is AF_INET"],
    ),
    (
        "einval-long-path",
        "connect",
        "EINVAL",
        "address.malformed",
        &["addrlen 122", "110"],
    ),
    (
        "eintr",
        "recvfrom",
        "EINTR",
        "signal.no-sa-restart",
        &["SIGUSR1 interrupted", "SA_RESTART"],
    ),
    (
        "eisconn",
        "connect",
        "EISCONN",
        "connect.already-connected",
        &["already connected"],
    ),
    (
        "eloop",
        "connect",
        "ELOOP",
        "path.symlink-loop",
        &["symbolic links"],
    ),
    (
        "emfile",
        "accept",
        "EMFILE",
        "fd.table-full",
        &["at its limit of 32"],
    ),
    (
        "emsgsize",
        "sendto",
        "EMSGSIZE",
        "send.message-too-big",
        &["1048576-byte message", "SO_SNDBUF"],
    ),
    (
        "enametoolong",
        "connect",
        "ENAMETOOLONG",
        "address.component-too-long",
        &["longer than 255 bytes"],
    ),
    ("enomem", "connect", "ENOMEM", "any.injected", &["injected"]),
    (
        "enotdir",
        "connect",
        "ENOTDIR",
        "path.not-a-directory",
        &["is used as a directory"],
    ),
    (
        "enotconn",
        "sendto",
        "ENOTCONN",
        "socket.not-connected",
        &["is not connected"],
    ),
    (
        "enotsock",
        "connect",
        "ENOTSOCK",
        "fd.not-a-socket",
        &["not a socket", "/dev/null"],
    ),
    (
        "eopnotsupp",
        "sendto",
        "EOPNOTSUPP",
        "sendto.stream-address",
        &["unconnected SOCK_STREAM"],
    ),
    (
        "eopnotsupp-oob",
        "sendto",
        "EOPNOTSUPP",
        "send.oob",
        &["MSG_OOB"],
    ),
    (
        "eperm",
        "sendmsg",
        "EPERM",
        "sendmsg.creds-not-owned",
        &["uid 0 is none of the sender's uids"],
    ),
    (
        "eperm-dgram",
        "sendto",
        "EPERM",
        "sendto.receiver-connected",
        &["connected to another socket"],
    ),
    (
        "epipe",
        "sendto",
        "EPIPE",
        "send.peer-closed",
        &["peer closed"],
    ),
    (
        "eprotonosupport",
        "socket",
        "EPROTONOSUPPORT",
        "socket.bad-protocol",
        &["protocol 7"],
    ),
    (
        "eprototype",
        "connect",
        "EPROTOTYPE",
        "connect.wrong-type",
        &["SOCK_STREAM", "SOCK_DGRAM"],
    ),
    (
        "esocktnosupport",
        "socket",
        "ESOCKTNOSUPPORT",
        "socket.bad-type",
        &["SOCK_RDM"],
    ),
    (
        "esrch",
        "sendmsg",
        "ESRCH",
        "sendmsg.creds-pid-gone",
        &["claimed pid", "does not exist"],
    ),
    (
        "etoomanyrefs",
        "sendmsg",
        "ETOOMANYREFS",
        "sendmsg.too-many-in-flight",
        &["in flight", "RLIMIT_NOFILE"],
    ),
];

#[test]
fn every_listed_scenario_has_an_expectation() {
    let o = run(sockwhy().args(["demo", "--list"]));
    let listed: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    for name in &listed {
        assert!(
            EXPECT.iter().any(|e| e.0 == name),
            "scenario {name} has no traced test"
        );
    }
    // unix(7)'s list: each has at least one traced scenario.
    for errno in UNIX7_ERRNOS {
        assert!(
            EXPECT.iter().any(|e| e.2 == *errno),
            "no scenario for {errno}"
        );
    }
}

fn check(name: &str) {
    if sockwhy::scenario::find(name).is_some_and(|s| s.needs_root) {
        require_root();
    }
    let (_, syscall, errno, rule, needles) = EXPECT.iter().find(|e| e.0 == name).unwrap();
    let dir = tempdir(&format!("demo-{name}"));
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .args(["-o", "/dev/null", "demo", name]));
    // The scenario exits 0 only when the kernel gave it the errno it provokes.
    assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
    let trace = read_trace(&save);
    let ev = trace
        .iter()
        .find(|r| r["type"] == "syscall" && r["syscall"] == *syscall && r["errno"] == *errno)
        .unwrap_or_else(|| panic!("{name}: no {syscall} failing with {errno} in the trace"));
    let expl = ev["explanation"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: no explanation"));
    assert!(expl.len() > 40, "{name}: explanation too thin: {expl}");
    let man = ev["man"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: no man page"));
    assert!(man.ends_with(')') && man.contains('('), "{name}: man {man}");
    assert!(
        !needles.is_empty(),
        "{name}: every scenario names its specific cause"
    );
    let cause = &ev["cause"];
    let summary = cause["summary"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: no cause for {errno}: {ev}"));
    assert_eq!(cause["rule"], *rule, "{name}: {cause}");
    for n in *needles {
        assert!(summary.contains(n), "{name}: cause {summary:?} lacks {n:?}");
    }
    assert!(["high", "medium", "low"].contains(&cause["confidence"].as_str().unwrap()));
    assert!(
        !cause["evidence"].as_array().unwrap().is_empty() || cause["confidence"] != "high",
        "{name}: a high-confidence cause needs evidence"
    );
}

macro_rules! scenario_tests {
    ($($(#[$m:meta])* $f:ident => $name:literal),* $(,)?) => {
        $( #[test] $(#[$m])* fn $f() { check($name); } )*
    };
}

scenario_tests! {
    daemon => "daemon",
    enoent => "enoent",
    econnrefused => "econnrefused",
    econnrefused_file => "econnrefused-file",
    econnrefused_abstract => "econnrefused-abstract",
    econnrefused_dgram => "econnrefused-dgram",
    eaddrinuse => "eaddrinuse",
    eaddrinuse_stale => "eaddrinuse-stale",
    eaddrinuse_abstract => "eaddrinuse-abstract",
    eacces => "eacces",
    eagain => "eagain",
    eagain_recv => "eagain-recv",
    ebadf => "ebadf",
    econnreset => "econnreset",
    efault => "efault",
    einval => "einval",
    einval_family => "einval-family",
    einval_long_path => "einval-long-path",
    eintr => "eintr",
    eisconn => "eisconn",
    eloop => "eloop",
    emfile => "emfile",
    emsgsize => "emsgsize",
    enametoolong => "enametoolong",
    enomem => "enomem",
    enotdir => "enotdir",
    enotconn => "enotconn",
    enotsock => "enotsock",
    eopnotsupp => "eopnotsupp",
    eopnotsupp_oob => "eopnotsupp-oob",
    eperm => "eperm",
    eperm_dgram => "eperm-dgram",
    epipe => "epipe",
    eprotonosupport => "eprotonosupport",
    eprototype => "eprototype",
    esocktnosupport => "esocktnosupport",
    #[cfg_attr(not(is_root), ignore = "needs root")]
    esrch => "esrch",
    etoomanyrefs => "etoomanyrefs",
}
