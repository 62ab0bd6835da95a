//! `sockwhy probe` run as a real binary against real sockets and files.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tmpdir(tag: &str) -> PathBuf {
    let d = common::unique_dir(&std::env::temp_dir(), &format!("sockwhy-pc-{tag}"));
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    d
}

fn probe(args: &[&str]) -> (Output, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_sockwhy"))
        .arg("probe")
        .args(args)
        .output()
        .unwrap();
    let s = String::from_utf8(o.stdout.clone()).unwrap();
    (o, s)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn line<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no {key} line in:\n{out}"))
}

#[test]
fn probe_cmd_live_listener() {
    let d = tmpdir("live");
    let p = d.join("live.sock");
    let l = UnixListener::bind(&p).unwrap();
    let (o, out) = probe(&[s(&p)]);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(line(&out, "exists:").contains("a socket"), "{out}");
    let bound = line(&out, "bound:");
    assert!(bound.contains("SOCK_STREAM, listening"), "{out}");
    assert!(bound.contains("accept queue 0 of backlog"), "{out}");
    assert!(
        bound.contains(&format!("held by pid {} (", std::process::id())),
        "the test process holds it: {out}"
    );
    assert!(line(&out, "verdict:").contains("may connect"), "{out}");
    drop(l);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_cmd_stale_socket_file() {
    let d = tmpdir("stale");
    let p = d.join("stale.sock");
    drop(UnixListener::bind(&p).unwrap());
    let (o, out) = probe(&[s(&p)]);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(line(&out, "exists:").contains("a socket"), "{out}");
    assert!(line(&out, "bound:").contains("no socket is bound"), "{out}");
    assert!(
        line(&out, "verdict:").contains("is a stale socket file"),
        "{out}"
    );
    assert_eq!(line(&out, "rule:"), "rule: connect.stale-socket", "{out}");
    assert!(line(&out, "fix:").contains("start the server"), "{out}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_cmd_missing_directory() {
    let d = tmpdir("missing");
    let p = d.join("nodir/x.sock");
    let (o, out) = probe(&[s(&p)]);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let want = format!("directory \"{}\" does not exist", s(&d.join("nodir")));
    assert!(line(&out, "exists:").contains(&want), "{out}");
    assert!(
        line(&out, "verdict:").contains(&format!("Directory \"{}\"", s(&d.join("nodir")))),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// A process running as nobody (uid/gid 65534), killed on drop.
struct Nobody(std::process::Child);

impl Drop for Nobody {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root")]
fn probe_cmd_permission_denied_for_another_pid() {
    common::require_root();
    let d = tmpdir("perm");
    let locked = d.join("locked");
    std::fs::create_dir(&locked).unwrap();
    let p = locked.join("x.sock");
    let l = UnixListener::bind(&p).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o700)).unwrap();
    let child = Nobody(
        Command::new("sleep")
            .arg("30")
            .current_dir("/")
            .uid(65534)
            .gid(65534)
            .spawn()
            .unwrap(),
    );
    let pid = child.0.id().to_string();
    let (o, out) = probe(&[s(&p), "--pid", &pid]);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        line(&out, "credentials:").contains("uid 65534, gid 65534"),
        "{out}"
    );
    let perm = line(&out, "permission:");
    assert!(
        perm.contains(&format!("no search permission on \"{}\"", s(&locked))),
        "{out}"
    );
    assert!(perm.contains("mode 0700, owner uid 0 gid 0"), "{out}");
    assert!(
        line(&out, "verdict:").contains("uid 65534 (nobody) may not search directory"),
        "{out}"
    );
    // The same path as ourselves (root) is fine.
    let (o, out) = probe(&[s(&p)]);
    assert_eq!(o.status.code(), Some(0), "{out}");
    drop(child);
    drop(l);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn probe_cmd_bad_pid_and_abstract_name() {
    let (o, _) = probe(&["/x", "--pid", "abc"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.trim(), "sockwhy: --pid abc: not a process id");
    let (o, _) = probe(&["/x", "--pid", "2147483647"]);
    assert_eq!(
        String::from_utf8(o.stderr).unwrap().trim(),
        "sockwhy: --pid 2147483647: no such process"
    );

    let name = format!("sockwhy-pc-{}", std::process::id());
    let (o, out) = probe(&[&format!("@{name}")]);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        line(&out, "verdict:").contains(&format!("Nobody has bound the abstract name @\"{name}\"")),
        "{out}"
    );

    use std::os::linux::net::SocketAddrExt;
    let a = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let _l = UnixListener::bind_addr(&a).unwrap();
    let (o, out) = probe(&[&format!("@{name}")]);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        line(&out, "bound:").contains("SOCK_STREAM, listening"),
        "{out}"
    );
    assert!(line(&out, "verdict:").contains("may connect"), "{out}");
}
