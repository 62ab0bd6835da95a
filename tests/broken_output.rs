//! A closed or full stdout/stderr never makes sockwhy panic (issue 10): a closed pipe is a
//! quiet stop (exit 0), a full disk an error that exits 1; and errors are said once.

mod common;

use common::*;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A panic exits 101 and says "panicked"; neither may happen.
fn assert_no_panic(what: &str, o: &Output) {
    assert_ne!(o.status.code(), Some(101), "{what} panicked: {}", stderr(o));
    assert!(!stderr(o).contains("panicked"), "{what}: {}", stderr(o));
}

/// Run with stdout a pipe whose reader is already gone (what `| head -c 10` leaves once
/// head has read its bytes, without the race of when it does): the first write fails.
fn with_closed_stdout(cmd: &mut Command) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    cmd.stdout(writer).stderr(Stdio::piped()).output().unwrap()
}

/// Run with `fd` (1 or 2) on /dev/full: every write fails with ENOSPC.
fn with_full(cmd: &mut Command, fd: i32) -> Output {
    let full = File::options().write(true).open("/dev/full").unwrap();
    if fd == 1 {
        cmd.stdout(full).stderr(Stdio::piped());
    } else {
        cmd.stderr(full).stdout(Stdio::piped());
    }
    cmd.output().unwrap()
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// Every command that prints to stdout.
fn stdout_commands() -> Vec<(&'static str, Vec<String>)> {
    let demo = fixture("demo.jsonl");
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        ("demo --list", s(&["demo", "--list"])),
        ("report -c", s(&["report", "-c", &demo])),
        ("report", s(&["report", &demo])),
        (
            "report markdown",
            s(&["report", "--format", "markdown", &demo]),
        ),
        ("report html", s(&["report", "--format", "html", &demo])),
        ("report json", s(&["report", "--format", "json", &demo])),
        ("explain", s(&["explain", "ECONNREFUSED"])),
        ("probe", s(&["probe", "/nonexistent/x.sock"])),
    ]
}

#[test]
fn a_closed_stdout_ends_quietly() {
    for (what, args) in stdout_commands() {
        let o = with_closed_stdout(sockwhy().args(&args));
        assert_no_panic(what, &o);
        // probe exits 1 for "a connect would fail"; the others 0.
        let want = if what == "probe" { [0, 1] } else { [0, 0] };
        assert!(
            want.contains(&o.status.code().unwrap()),
            "{what}: {:?} {}",
            o.status,
            stderr(&o)
        );
        assert_eq!(stderr(&o), "", "{what} says nothing");
    }
    let o = with_closed_stdout(sockwhy().arg("--help"));
    assert_no_panic("--help", &o);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_full_stdout_is_an_error_not_a_panic() {
    for (what, args) in stdout_commands() {
        let o = with_full(sockwhy().args(&args), 1);
        assert_no_panic(what, &o);
        assert_eq!(o.status.code(), Some(1), "{what}: {}", stderr(&o));
        let e = stderr(&o);
        assert_eq!(e.lines().count(), 1, "{what}: {e}");
        assert!(e.contains("No space left on device"), "{what}: {e}");
    }
    assert_eq!(
        stderr(&with_full(sockwhy().args(["demo", "--list"]), 1)).trim_end(),
        "sockwhy: cannot write to stdout: No space left on device (os error 28)"
    );
    let o = with_full(sockwhy().arg("--help"), 1);
    assert_no_panic("--help", &o);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_full_stderr_is_an_error_not_a_panic() {
    // The text trace goes to stderr: it cannot be written, so tracing stops.
    for args in [
        vec!["--", "true"],
        vec!["-c", "--", "true"],
        vec!["--stats", "--", "true"],
    ] {
        let o = with_full(sockwhy().args(&args), 2);
        assert_no_panic(&format!("{args:?}"), &o);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
    }
    let o = with_full(sockwhy().arg("--").arg(tracee()).arg("connect"), 2);
    assert_no_panic("a failing connect", &o);
    assert_eq!(o.status.code(), Some(1));
    // With the text trace in a file, stderr is for warnings only: the trace runs.
    let dir = tempdir("full-stderr");
    let out = dir.join("trace.txt");
    let o = with_full(
        sockwhy()
            .arg("-o")
            .arg(&out)
            .arg("--")
            .arg(tracee())
            .args(["exit", "7"]),
        2,
    );
    assert_no_panic("-o FILE", &o);
    assert_eq!(o.status.code(), Some(7));
    // A report whose warning cannot be shown is still written.
    let text = std::fs::read_to_string(fixture("demo.jsonl")).unwrap();
    let cut = dir.join("cut.jsonl");
    std::fs::write(&cut, &text[..text.len() - 10]).unwrap();
    let o = with_full(sockwhy().arg("report").arg(&cut), 2);
    assert_no_panic("report with a warning", &o);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("sockwhy report\n"));
}

#[test]
fn report_of_a_directory_says_so_once() {
    for args in [vec!["report"], vec!["report", "-c"], vec!["view"]] {
        let o = run(sockwhy().args(&args).arg(fixture("")));
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {e}");
        assert_eq!(e.lines().count(), 1, "{args:?}: {e}");
        assert_eq!(
            e.to_lowercase().matches("is a directory").count(),
            1,
            "{args:?}: {e}"
        );
    }
}
