//! "Did you mean": a real client fails on a name nobody serves while a real server
//! listens on a name like it; the cause names that server, its socket and how to reach
//! it. Also the relative path a server bound from another working directory. (Names
//! of well-known services are tests/services.rs's.)

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Start `cmd` in `cwd`, killed on drop; its pid.
fn server(cwd: &Path, cmd: &[&str]) -> (Reaped, i32) {
    let child = Command::new(cmd[0])
        .args(&cmd[1..])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("run {}: {e}", cmd[0]));
    let pid = child.id() as i32;
    (Reaped(child), pid)
}

/// Wait until `name` (a path as the server bound it, or `@abstract`) is listed as bound
/// in /proc/net/unix.
fn wait_bound(name: &str) {
    wait_for(
        &format!("{name} to be bound"),
        Duration::from_secs(10),
        || {
            std::fs::read_to_string("/proc/net/unix")
                .is_ok_and(|t| t.lines().any(|l| l.ends_with(&format!(" {name}"))))
        },
    );
}

/// Trace `cmd` in `cwd`; its failing connect records.
fn failed_connects(tag: &str, cwd: &Path, cmd: &[&str]) -> Vec<Value> {
    without_nscd(traced_failed_connects(tag, Some(cwd), &[], cmd))
}

fn the_cause(f: &[Value]) -> &Value {
    assert_eq!(f.len(), 1, "{f:#?}");
    &f[0]["cause"]
}

fn has_evidence(c: &Value, needle: &str) -> bool {
    c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e.as_str().unwrap().contains(needle))
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
#[cfg_attr(not(has_socat), ignore = "socat is not installed")]
fn near_similar_name_in_the_same_directory() {
    let d = tempdir("near-similar");
    let live = d.join("sockwhy-api-server.sock");
    let (_srv, pid) = server(
        &d,
        &[
            "socat",
            &format!("UNIX-LISTEN:{},fork", s(&live)),
            "EXEC:/bin/cat",
        ],
    );
    wait_bound(&s(&live));
    let wanted = d.join("sockwhy-api.sock");
    let f = failed_connects(
        "near-similar-client",
        &d,
        &["socat", "-", &format!("UNIX-CONNECT:{}", s(&wanted))],
    );
    let c = the_cause(&f);
    assert_eq!(f[0]["errno"], "ENOENT");
    assert_eq!(c["rule"], "connect.did-you-mean", "{c:#}");
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!(
            "\"{}\" is a live listening socket held by pid {pid} (socat)",
            s(&live)
        )) && summary.contains("a similar name in the same directory"),
        "{summary}"
    );
    assert!(
        c["fix"]
            .as_str()
            .unwrap()
            .starts_with(&format!("point the client at \"{}\"", s(&live))),
        "{c:#}"
    );
    assert!(
        has_evidence(c, "this process reaches it by that name"),
        "{c:#}"
    );
    assert_eq!(c["confidence"], "medium");
}

/// A socat listening at `live`, a socat client failing on `wanted`: the client's
/// cause must be the did-you-mean naming the server's socket and `why`.
fn socat_near_miss(tag: &str, d: &Path, live: &Path, wanted: &Path, why: &str) {
    let (_srv, pid) = server(
        d,
        &[
            "socat",
            &format!("UNIX-LISTEN:{},fork", s(live)),
            "EXEC:/bin/cat",
        ],
    );
    wait_bound(&s(live));
    let f = failed_connects(
        tag,
        d,
        &["socat", "-", &format!("UNIX-CONNECT:{}", s(wanted))],
    );
    let c = the_cause(&f);
    assert_eq!(c["rule"], "connect.did-you-mean", "{c:#}");
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!(
            "\"{}\" is a live listening socket held by pid {pid} (socat)",
            s(live)
        )) && summary.contains(why),
        "{summary}"
    );
}

#[test]
#[cfg_attr(not(has_socat), ignore = "socat is not installed")]
fn near_same_file_name_elsewhere_and_another_number() {
    let d = tempdir("near-socat");
    std::fs::create_dir_all(d.join("a")).unwrap();
    std::fs::create_dir_all(d.join("b")).unwrap();
    socat_near_miss(
        "near-basename",
        &d,
        &d.join("a/sockwhy-near-app.sock"),
        &d.join("b/sockwhy-near-app.sock"),
        "the same file name in another directory",
    );
    // The same name with another number (a worker's index).
    socat_near_miss(
        "near-number",
        &d,
        &d.join("sockwhy-worker-2.sock"),
        &d.join("sockwhy-worker-1.sock"),
        "the same name with another number",
    );
}

#[test]
#[cfg_attr(not(has_socat), ignore = "socat is not installed")]
fn near_abstract_name_one_edit_away() {
    let base = format!("sockwhy-near-{}-svc", std::process::id());
    let (_srv, pid) = server(
        Path::new("/"),
        &[
            "socat",
            &format!("ABSTRACT-LISTEN:{base}x,fork"),
            "EXEC:/bin/cat",
        ],
    );
    wait_bound(&format!("@{base}x"));
    let f = failed_connects(
        "near-abstract",
        Path::new("/"),
        &["socat", "-", &format!("ABSTRACT-CONNECT:{base}y")],
    );
    assert_eq!(f[0]["errno"], "ECONNREFUSED");
    let c = the_cause(&f);
    assert_eq!(c["rule"], "connect.did-you-mean", "{c:#}");
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(&format!("@\"{base}y\" is bound by nobody; @\"{base}x\" is a live listening socket held by pid {pid} (socat)")),
        "{summary}"
    );
}

#[test]
#[cfg_attr(not(has_socat), ignore = "socat is not installed")]
#[cfg_attr(not(has_python3), ignore = "python3 is not installed")]
fn near_relative_path_from_another_cwd() {
    let d = tempdir("near-relative");
    let srv = d.join("srv");
    let cli = d.join("cli");
    std::fs::create_dir_all(srv.join("run")).unwrap();
    std::fs::create_dir_all(cli.join("run")).unwrap();
    // The server binds a relative name from its own cwd.
    let (_srv, pid) = server(
        &srv,
        &["socat", "UNIX-LISTEN:run/app.sock,fork", "EXEC:/bin/cat"],
    );
    wait_bound("run/app.sock");
    let py = "import socket; socket.socket(socket.AF_UNIX).connect('run/app.sock')";
    let f = failed_connects("near-relative-client", &cli, &["python3", "-c", py]);
    let c = the_cause(&f);
    assert_eq!(c["rule"], "connect.relative-other-cwd", "{c:#}");
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!("against its cwd \"{}\"", s(&cli)))
            && summary.contains(&format!("pid {pid} (socat)"))
            && summary.contains(&format!("live socket \"{}\"", s(&srv.join("run/app.sock")))),
        "{summary}"
    );
    assert!(
        c["fix"].as_str().unwrap().contains(&format!(
            "absolute path \"{}\"",
            s(&srv.join("run/app.sock"))
        )),
        "{c:#}"
    );

    // The server binds the absolute name; the client still uses the relative one.
    let abs = d.join("srv2/run/app.sock");
    std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
    let (_srv2, pid2) = server(
        &d,
        &[
            "socat",
            &format!("UNIX-LISTEN:{},fork", s(&abs)),
            "EXEC:/bin/cat",
        ],
    );
    wait_bound(&s(&abs));
    drop(_srv);
    let py = "import socket; socket.socket(socket.AF_UNIX).connect('run/app.sock')";
    let f = failed_connects("near-relative-abs", &cli, &["python3", "-c", py]);
    let c = the_cause(&f);
    assert_eq!(c["rule"], "connect.did-you-mean", "{c:#}");
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!(
            "\"{}\" is a live listening socket held by pid {pid2} (socat)",
            s(&abs)
        )) && summary.contains("the same relative name, under another directory"),
        "{c:#}"
    );
}
