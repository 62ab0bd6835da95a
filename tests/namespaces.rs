//! The tracee does not see the world the server sees: real servers in namespaces of their
//! own (`unshare --mount` with a tmpfs over the socket's directory, as systemd's
//! PrivateTmp does; `unshare --net`), real clients traced, and the cause says which
//! namespace each side is in instead of "restart the server".

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Start `sh -c SCRIPT` under `unshare ARGS` (no fork: the pid is the server's once
/// the script execs it), killed on drop.
fn unshared(args: &[&str], script: &str) -> (Reaped, i32) {
    let child = Command::new("unshare")
        .args(args)
        .args(["sh", "-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("run unshare");
    let pid = child.id() as i32;
    (Reaped(child), pid)
}

/// `socat ABSTRACT-LISTEN:NAME` in a network namespace of its own, once it listens.
fn netns_server(name: &str) -> (Reaped, i32) {
    let (server, pid) = unshared(
        &["--net"],
        &format!("exec socat ABSTRACT-LISTEN:{name},fork EXEC:/bin/cat"),
    );
    wait_abstract_in(pid, name);
    (server, pid)
}

/// A process on the host, killed on drop.
fn host(cmd: &[&str]) -> (Reaped, i32) {
    let child = Command::new(cmd[0])
        .args(&cmd[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("run {}: {e}", cmd[0]));
    let pid = child.id() as i32;
    (Reaped(child), pid)
}

/// Wait until `pid`'s own view has a socket at `path`.
fn wait_socket_seen_by(pid: i32, path: &Path) {
    let through = format!("/proc/{pid}/root{}", path.display());
    wait_for(
        &format!("{through} to be a socket"),
        Duration::from_secs(10),
        || {
            use std::os::unix::fs::FileTypeExt;
            std::fs::symlink_metadata(&through).is_ok_and(|m| m.file_type().is_socket())
        },
    );
}

/// Wait until network namespace of `pid` lists the abstract name.
fn wait_abstract_in(pid: i32, name: &str) {
    wait_for(
        &format!("@{name} in pid {pid}'s network namespace"),
        Duration::from_secs(10),
        || {
            std::fs::read_to_string(format!("/proc/{pid}/net/unix"))
                .is_ok_and(|t| t.contains(&format!(" @{name}\n")))
        },
    );
}

/// Trace `cmd`, return its failing connect records (the program's own).
fn traced_connect_failures(tag: &str, cmd: &[&str]) -> Vec<Value> {
    without_nscd(traced_failed_connects(tag, None, &[], cmd))
}

fn evidence(c: &Value) -> Vec<String> {
    c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .collect()
}

fn mnt_of(pid: i32) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/mnt"))
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root (unshare --mount)")]
#[cfg_attr(not(has_redis), ignore = "redis-server is not installed")]
#[cfg_attr(not(has_socat), ignore = "socat is not installed")]
fn ns_server_socket_only_in_its_private_tmp() {
    require_root();
    let d = tempdir("ns-private-tmp");
    let sock = d.join("redis.sock");
    // redis-server in its own mount namespace, a tmpfs over the directory: the host's
    // directory stays empty, as with systemd's PrivateTmp=.
    let (_server, pid) = unshared(
        &["--mount", "--propagation", "private"],
        &format!(
            "mount -t tmpfs tmpfs '{dir}' && cd '{dir}' && exec redis-server --port 0 --unixsocket '{sock}' --save '' --appendonly no",
            dir = d.display(),
            sock = sock.display()
        ),
    );
    wait_socket_seen_by(pid, &sock);
    assert!(!sock.exists(), "the host does not see the socket");
    let f = traced_connect_failures(
        "ns-private-tmp-client",
        &["socat", "-", &format!("UNIX-CONNECT:{}", sock.display())],
    );
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["errno"], "ENOENT");
    let c = &f[0]["cause"];
    assert_eq!(c["rule"], "connect.other-mount-namespace", "{c:#}");
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!(
            "only in the mount namespace of pid {pid} (redis-server)"
        )),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "(mnt:[{}])",
            mnt_of(pid)
                .trim_start_matches("mnt:[")
                .trim_end_matches(']')
        )),
        "{summary}"
    );
    assert!(!summary.contains("restart the server"), "{summary}");
    assert_eq!(c["confidence"], "high");
    let ev = evidence(c);
    assert!(
        ev.iter().any(|e| e.starts_with("they differ in: mnt (")),
        "{ev:#?}"
    );
    assert!(
        ev.iter()
            .any(|e| e.contains("is the socket's own file") && e.contains(&format!("pid {pid}"))),
        "{ev:#?}"
    );
    assert!(
        c["fix"]
            .as_str()
            .unwrap()
            .contains(&format!("nsenter -t {pid} -m")),
        "{c:#}"
    );
    // `sockwhy probe` judges the same way.
    let o = run(sockwhy().arg("probe").arg(&sock));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l == "rule: connect.other-mount-namespace"),
        "{out}"
    );
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root (unshare --mount)")]
#[cfg_attr(not(has_socat), ignore = "socat is not installed")]
fn ns_client_in_a_private_mount_namespace() {
    require_root();
    let d = tempdir("ns-client-mnt");
    let sock = d.join("s.sock");
    let (_server, pid) = host(&[
        "socat",
        &format!("UNIX-LISTEN:{},fork", sock.display()),
        "EXEC:/bin/cat",
    ]);
    wait_socket_seen_by(pid, &sock);
    let f = traced_connect_failures(
        "ns-client-mnt-client",
        &[
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            &format!(
                "mount -t tmpfs tmpfs '{}' && exec socat - UNIX-CONNECT:'{}'",
                d.display(),
                sock.display()
            ),
        ],
    );
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["errno"], "ENOENT");
    let c = &f[0]["cause"];
    assert_eq!(c["rule"], "connect.other-mount-namespace", "{c:#}");
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!("mount namespace of pid {pid} (socat)")),
        "{summary}"
    );
    assert!(summary.contains(&mnt_of(pid)), "{summary}");
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root (unshare --net)")]
#[cfg_attr(not(has_socat), ignore = "socat is not installed")]
fn ns_abstract_name_held_in_another_network_namespace() {
    require_root();
    let name = format!("sockwhy-ns-srv-{}", std::process::id());
    let (_server, pid) = netns_server(&name);
    let f = traced_connect_failures(
        "ns-netns-client",
        &["socat", "-", &format!("ABSTRACT-CONNECT:{name}")],
    );
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["errno"], "ECONNREFUSED");
    let c = &f[0]["cause"];
    assert_eq!(c["rule"], "connect.abstract-other-netns", "{c:#}");
    let summary = c["summary"].as_str().unwrap();
    let netns = std::fs::read_link(format!("/proc/{pid}/ns/net")).unwrap();
    assert!(
        summary.contains(&format!("pid {pid} (socat)"))
            && summary.contains(&format!("in network namespace {}", netns.to_string_lossy())),
        "{summary}"
    );
    assert!(
        c["fix"]
            .as_str()
            .unwrap()
            .contains(&format!("nsenter -t {pid} -n")),
        "{c:#}"
    );
    assert_eq!(c["confidence"], "high");
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root (unshare --net)")]
#[cfg_attr(not(has_socat), ignore = "socat is not installed")]
fn ns_client_in_its_own_network_namespace() {
    require_root();
    let name = format!("sockwhy-ns-host-{}", std::process::id());
    let (_server, pid) = host(&[
        "socat",
        &format!("ABSTRACT-LISTEN:{name},fork"),
        "EXEC:/bin/cat",
    ]);
    wait_abstract_in(pid, &name);
    let f = traced_connect_failures(
        "ns-own-netns-client",
        &[
            "unshare",
            "--net",
            "socat",
            "-",
            &format!("ABSTRACT-CONNECT:{name}"),
        ],
    );
    assert_eq!(f.len(), 1, "{f:#?}");
    let c = &f[0]["cause"];
    assert_eq!(c["rule"], "connect.abstract-other-netns", "{c:#}");
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("pid {pid} (socat)")),
        "{c:#}"
    );
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root (unshare --net, setpriv)")]
#[cfg_attr(not(has_socat), ignore = "socat is not installed")]
fn ns_an_unprivileged_sockwhy_says_what_it_could_not_check() {
    require_root();
    use std::os::unix::fs::PermissionsExt;
    let name = format!("sockwhy-ns-hidden-{}", std::process::id());
    let (_server, _) = netns_server(&name);
    let d = tempdir("ns-hidden");
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
    let save = d.join("t.jsonl");
    // sockwhy itself as nobody: root's processes (and their network namespaces) are
    // closed to it.
    let o = run(Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_sockwhy"))
        .arg("--save")
        .arg(&save)
        .args(["-o", "/dev/null", "-e", "trace=connect", "--", "socat", "-"])
        .arg(format!("ABSTRACT-CONNECT:{name}"))
        .stdin(Stdio::null()));
    assert!(o.status.code().is_some(), "{}", stderr(&o));
    let f = without_nscd(failed_connects_in(read_trace(&save)));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["errno"], "ECONNREFUSED");
    let c = &f[0]["cause"];
    assert_eq!(c["rule"], "connect.abstract-unbound", "{c:#}");
    assert_eq!(c["confidence"], "medium", "{c:#}");
    assert!(
        evidence(c).contains(&"not checked: the network namespaces of processes sockwhy may not look into (run it as root)".to_owned()),
        "{c:#}"
    );
}
