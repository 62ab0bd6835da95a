//! Permission failures in names, not only numbers: the uids and gids as the tracee's own
//! /etc/passwd and /etc/group name them, and the concrete fix (the group to join, the
//! chmod, the user to run as). Real sockets, a real client dropped to nobody by setpriv.

mod common;
use common::*;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// The name of gid 33 and of uid 65534 in this machine's files (Debian: www-data, nobody).
fn names() -> (String, String) {
    let field0 = |file: &str, id: &str| {
        std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .find(|l| l.split(':').nth(2) == Some(id))
            .map(|l| l.split(':').next().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no id {id} in {file}"))
    };
    (field0("/etc/group", "33"), field0("/etc/passwd", "65534"))
}

fn connect_as_nobody(tag: &str, wrap: Option<&str>, path: &Path) -> Value {
    let save = tempdir(tag).join("t.jsonl");
    let client = format!(
        "'{}' --save '{}' -o /dev/null -e trace=connect -- setpriv --reuid=65534 --regid=65534 --clear-groups socat - UNIX-CONNECT:'{}'",
        env!("CARGO_BIN_EXE_sockwhy"),
        save.display(),
        path.display()
    );
    let script = match wrap {
        Some(w) => format!("{w} && exec {client}"),
        None => format!("exec {client}"),
    };
    let o = run(Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .stdin(Stdio::null()));
    assert!(o.status.code().is_some(), "{}", stderr(&o));
    read_trace(&save)
        .into_iter()
        .find(|r| r["type"] == "syscall" && r["syscall"] == "connect" && r["errno"] == "EACCES")
        .unwrap_or_else(|| panic!("no EACCES connect"))
}

fn has(c: &Value, want: &str) -> bool {
    c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e.as_str() == Some(want))
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root (chown, setpriv, unshare)")]
#[cfg_attr(not(has_socat), ignore = "socat is not installed")]
fn names_directory_search_denied_with_group_and_chmod() {
    require_root();
    let (www, nobody) = names();
    let d = tempdir("names-dir");
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    let locked = d.join("locked");
    std::fs::create_dir(&locked).unwrap();
    let sock = locked.join("app.sock");
    let _l = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    std::os::unix::fs::chown(&locked, Some(0), Some(33)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o750)).unwrap();

    let ev = connect_as_nobody("names-dir-client", None, &sock);
    let c = &ev["cause"];
    assert_eq!(c["rule"], "path.search-denied", "{c:#}");
    let l = locked.display();
    assert_eq!(
        c["summary"],
        format!(
            "uid 65534 ({nobody}) may not search directory \"{l}\", so nothing below it can be reached."
        )
    );
    assert!(
        has(
            c,
            &format!("\"{l}\": drwxr-x--- (0750), owner uid 0 (root) gid 33 ({www})")
        ),
        "{c:#}"
    );
    assert!(
        has(
            c,
            &format!(
                "uid 65534 ({nobody}) is neither the owner (uid 0 (root)) nor in group 33 ({www}): the \"other\" bits apply; no CAP_DAC_OVERRIDE"
            )
        ),
        "{c:#}"
    );
    assert_eq!(
        c["fix"],
        format!(
            "add {nobody} to group {www} (usermod -aG {www} {nobody}, then start the client again), or chmod o+x \"{l}\" (mode 0751), or run the client as uid 0 (root)"
        )
    );

    // The same, with /etc/group (as this client's root has it) listing nobody in the
    // group: the process was started without it.
    let group = d.join("group");
    let text: String = std::fs::read_to_string("/etc/group")
        .unwrap()
        .lines()
        .map(|l| {
            if l.split(':').nth(2) == Some("33") {
                let sep = if l.ends_with(':') { "" } else { "," };
                format!("{l}{sep}{nobody}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&group, text).unwrap();
    let ev = connect_as_nobody(
        "names-dir-listed",
        Some(&format!("mount --bind '{}' /etc/group", group.display())),
        &sock,
    );
    let c = &ev["cause"];
    assert!(
        has(
            c,
            &format!(
                "/etc/group lists uid 65534 ({nobody}) in group 33 ({www}), but this process does not have that group: it was started before the group was given (start it again, or log in again)"
            )
        ),
        "{c:#}"
    );
    assert!(
        c["fix"]
            .as_str()
            .unwrap()
            .starts_with(&format!("start the client again so it gets group {www}")),
        "{c:#}"
    );
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root (chown, setpriv, unshare)")]
#[cfg_attr(not(has_socat), ignore = "socat is not installed")]
fn names_socket_write_denied() {
    require_root();
    let (www, nobody) = names();
    let d = tempdir("names-sock");
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    let sock = d.join("app.sock");
    let _l = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    std::os::unix::fs::chown(&sock, Some(33), Some(33)).unwrap();
    std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o660)).unwrap();
    let ev = connect_as_nobody("names-sock-client", None, &sock);
    let c = &ev["cause"];
    assert_eq!(c["rule"], "connect.socket-write-denied", "{c:#}");
    let p = sock.display();
    assert_eq!(
        c["summary"],
        format!(
            "uid 65534 ({nobody}) may not write to socket file \"{p}\"; connecting needs write permission on it."
        )
    );
    let www_user = std::fs::read_to_string("/etc/passwd")
        .unwrap()
        .lines()
        .find(|l| l.split(':').nth(2) == Some("33"))
        .map(|l| l.split(':').next().unwrap().to_owned());
    let owner = match www_user {
        Some(u) => format!("uid 33 ({u})"),
        None => "uid 33".into(),
    };
    assert_eq!(
        c["fix"],
        format!(
            "add {nobody} to group {www} (usermod -aG {www} {nobody}, then start the client again), or chmod o+w \"{p}\" (mode 0662), or run the client as {owner}"
        )
    );
}
