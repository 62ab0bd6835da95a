//! The traced command's arguments are bytes, as under strace (issue 10): non-UTF-8
//! arguments reach the program unchanged.

mod common;

use common::*;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

#[test]
fn non_utf8_arguments_run_as_without_the_tracer() {
    let dir = tempdir("non-utf8");
    let save = dir.join("t.jsonl");
    let arg = OsStr::from_bytes(b"\xff\x1b[2J");
    let untraced = std::process::Command::new("ls").arg(arg).output().unwrap();
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .args(["--", "ls"])
        .arg(arg));
    assert_eq!(o.status.code(), untraced.status.code(), "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(2));
    // ls got the bytes as they were: its own complaint is the same.
    let ls_said = |out: &[u8]| {
        String::from_utf8_lossy(out)
            .lines()
            .find(|l| l.starts_with("ls: "))
            .map(str::to_owned)
    };
    assert_eq!(ls_said(&o.stderr), ls_said(&untraced.stderr));
    let t = read_trace(&save);
    assert_eq!(t[0]["command"][1], "\\xff\\x1b[2J", "escaped in the header");
    let exec = t.iter().find(|r| r["event"] == "exec").unwrap();
    assert_eq!(exec["argv"][1], "\\xff\\x1b[2J");
}

#[test]
fn a_non_utf8_command_that_does_not_exist_is_one_safe_line() {
    let o = run(sockwhy()
        .arg("--")
        .arg(OsStr::from_bytes(b"/nonexistent/\xff\x1b[2J")));
    assert_eq!(o.status.code(), Some(127));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(!e.contains('\x1b'), "{e:?}");
    assert!(e.ends_with(": command not found\n"), "{e}");
}
