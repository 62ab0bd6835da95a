//! Every demo scenario traced for real: the kernel produces the errno, sockwhy explains
//! it and names the specific cause it found on the live system (issue 4).

mod common;

use common::*;

/// (scenario, failing syscall, errno, words the likely cause must contain).
const EXPECT: &[(&str, &str, &str, &[&str])] = &[
    (
        "daemon",
        "connect",
        "ECONNREFUSED",
        &["stale socket file", "appd.sock"],
    ),
    (
        "enoent",
        "connect",
        "ENOENT",
        &["does not exist", "/missing\""],
    ),
    (
        "econnrefused",
        "connect",
        "ECONNREFUSED",
        &["stale socket file", "nobody holds"],
    ),
    (
        "econnrefused-file",
        "connect",
        "ECONNREFUSED",
        &["is a regular file, not a socket"],
    ),
    (
        "econnrefused-abstract",
        "connect",
        "ECONNREFUSED",
        &["Nobody has bound the abstract name", "@\"sockwhy-nobody-"],
    ),
    (
        "econnrefused-dgram",
        "sendto",
        "ECONNREFUSED",
        &["datagram peer", "was closed"],
    ),
    (
        "eaddrinuse",
        "bind",
        "EADDRINUSE",
        &["already bound by pid"],
    ),
    (
        "eaddrinuse-stale",
        "bind",
        "EADDRINUSE",
        &["stale socket file nobody holds"],
    ),
    (
        "eaddrinuse-abstract",
        "bind",
        "EADDRINUSE",
        &["@\"sockwhy-taken-", "already bound by pid"],
    ),
    (
        "eacces",
        "connect",
        "EACCES",
        &["uid 65534 may not search directory", "private"],
    ),
    (
        "eagain",
        "connect",
        "EAGAIN",
        &["accept queue is full", "backlog 0"],
    ),
    (
        "eagain-recv",
        "recvfrom",
        "EAGAIN",
        &["Nothing is queued", "non-blocking"],
    ),
    (
        "ebadf",
        "sendmsg",
        "EBADF",
        &["SCM_RIGHTS passes fd", "not open in the sender"],
    ),
    (
        "econnreset",
        "recvfrom",
        "ECONNRESET",
        &["peer closed", "unread"],
    ),
    (
        "efault",
        "connect",
        "EFAULT",
        &["not readable memory", "0x8"],
    ),
    ("einval", "listen", "EINVAL", &["not bound", "bind() first"]),
    (
        "einval-family",
        "connect",
        "EINVAL",
        &["sun_family is AF_INET"],
    ),
    (
        "einval-long-path",
        "connect",
        "EINVAL",
        &["addrlen 122", "110"],
    ),
    (
        "eintr",
        "recvfrom",
        "EINTR",
        &["SIGUSR1 interrupted", "SA_RESTART"],
    ),
    ("eisconn", "connect", "EISCONN", &["already connected"]),
    ("eloop", "connect", "ELOOP", &["symbolic links"]),
    ("emfile", "accept", "EMFILE", &["at its limit of 32"]),
    (
        "emsgsize",
        "sendto",
        "EMSGSIZE",
        &["1048576-byte message", "SO_SNDBUF"],
    ),
    (
        "enametoolong",
        "connect",
        "ENAMETOOLONG",
        &["longer than 255 bytes"],
    ),
    ("enomem", "connect", "ENOMEM", &["injected"]),
    ("enotdir", "connect", "ENOTDIR", &["is used as a directory"]),
    ("enotconn", "sendto", "ENOTCONN", &["is not connected"]),
    (
        "enotsock",
        "connect",
        "ENOTSOCK",
        &["not a socket", "/dev/null"],
    ),
    (
        "eopnotsupp",
        "sendto",
        "EOPNOTSUPP",
        &["unconnected SOCK_STREAM"],
    ),
    ("eopnotsupp-oob", "sendto", "EOPNOTSUPP", &["MSG_OOB"]),
    (
        "eperm",
        "sendmsg",
        "EPERM",
        &["uid 0 is none of the sender's uids"],
    ),
    (
        "eperm-dgram",
        "sendto",
        "EPERM",
        &["connected to another socket"],
    ),
    ("epipe", "sendto", "EPIPE", &["peer closed"]),
    (
        "eprotonosupport",
        "socket",
        "EPROTONOSUPPORT",
        &["protocol 7"],
    ),
    (
        "eprototype",
        "connect",
        "EPROTOTYPE",
        &["SOCK_STREAM", "SOCK_DGRAM"],
    ),
    (
        "esocktnosupport",
        "socket",
        "ESOCKTNOSUPPORT",
        &["SOCK_RDM"],
    ),
    (
        "esrch",
        "sendmsg",
        "ESRCH",
        &["claimed pid", "does not exist"],
    ),
    (
        "etoomanyrefs",
        "sendmsg",
        "ETOOMANYREFS",
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
    let (_, syscall, errno, needles) = EXPECT.iter().find(|e| e.0 == name).unwrap();
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
