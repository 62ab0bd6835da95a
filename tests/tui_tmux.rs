//! End to end: the real binary in tmux, `sockwhy view FILE` on a trace written here.
//! Moves to a failure, opens its detail, filters, searches, saves, quits, and checks
//! what the screen showed at each step. Ignored where tmux is missing (see build.rs).

mod common;
use common::tmux::Tmux;
use common::unique_dir;

use sockwhy::model::{
    Cause, Confidence, Header, ProcessEvent, ProcessEventKind, Record, SockAddr, SyscallEvent,
    TRACE_FORMAT_NAME, TRACE_FORMAT_VERSION, UnixName,
};
use sockwhy::sink::jsonl::read::JsonlReader;
use sockwhy::sink::jsonl::write::JsonlWriter;
use std::path::{Path, PathBuf};
use std::process::Command;

fn call(seq: u64, pid: i32, name: &str, args: &[&str], ret: i64, errno: Option<&str>) -> Record {
    Record::Syscall(Box::new(SyscallEvent {
        seq,
        ts_ns: seq * 1_000_000,
        pid,
        tid: pid,
        syscall: name.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        ret,
        errno: errno.map(Into::into),
        ..Default::default()
    }))
}

fn trace() -> Vec<Record> {
    let mut recs = vec![Record::Header(Header {
        format: TRACE_FORMAT_NAME.into(),
        version: TRACE_FORMAT_VERSION,
        command: vec!["./client".into()],
        attached: vec![],
        start: "2026-01-01T00:00:00Z".into(),
        kernel: "Linux".into(),
        sockwhy: "test".into(),
    })];
    recs.push(Record::Process(ProcessEvent {
        event: Some(ProcessEventKind::Spawn.into()),
        pid: 4100,
        tid: 4100,
        exe: Some("/usr/bin/client".into()),
        argv: vec!["client".into(), "--socket".into(), "/run/app.sock".into()],
        comm: Some("client".into()),
        ..Default::default()
    }));
    recs.push(call(
        1,
        4100,
        "socket",
        &["AF_UNIX", "SOCK_STREAM", "0"],
        3,
        None,
    ));
    let Record::Syscall(mut failed) = call(
        2,
        4100,
        "connect",
        &[
            "3",
            "{sa_family=AF_UNIX, sun_path=\"/run/app.sock\"}",
            "110",
        ],
        -1,
        Some("ENOENT"),
    ) else {
        unreachable!()
    };
    failed.addr = Some(SockAddr::unix(UnixName::Path("/run/app.sock".into()), 110));
    failed.explanation = Some("Nothing is bound at this path.".into());
    failed.man = Some("connect(2)".into());
    failed.cause = Some(Cause {
        summary: "The server is not running yet.".into(),
        evidence: vec!["/run/app.sock: no such file".into()],
        confidence: Confidence::High.into(),
        ..Cause::default()
    });
    recs.push(Record::Syscall(failed));
    recs.push(Record::Process(ProcessEvent {
        event: Some(ProcessEventKind::Fork.into()),
        pid: 4101,
        tid: 4101,
        ppid: Some(4100),
        comm: Some("helper".into()),
        ..Default::default()
    }));
    recs.push(call(
        3,
        4101,
        "socket",
        &["AF_UNIX", "SOCK_DGRAM", "0"],
        4,
        None,
    ));
    recs.push(call(
        4,
        4101,
        "bind",
        &[
            "4",
            "{sa_family=AF_UNIX, sun_path=\"/var/lib/h.sock\"}",
            "110",
        ],
        -1,
        Some("EACCES"),
    ));
    recs.push(call(5, 4100, "close", &["3"], 0, None));
    recs.push(Record::Process(ProcessEvent {
        event: Some(ProcessEventKind::Exit.into()),
        pid: 4101,
        tid: 4101,
        exit_code: Some(1),
        ..Default::default()
    }));
    recs.push(Record::Process(ProcessEvent {
        event: Some(ProcessEventKind::Exit.into()),
        pid: 4100,
        tid: 4100,
        exit_code: Some(0),
        ..Default::default()
    }));
    recs
}

fn write_trace(dir: &Path) -> PathBuf {
    let path = dir.join("trace.jsonl");
    let mut w = JsonlWriter::create(&path).unwrap();
    for r in trace() {
        w.write(&r).unwrap();
    }
    path
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn view_in_tmux() {
    let dir = unique_dir(&std::env::temp_dir(), "sockwhy-tmux");
    write_trace(&dir);
    let saved = dir.join("trace-saved.jsonl");
    let _ = std::fs::remove_file(&saved);
    let bin = env!("CARGO_BIN_EXE_sockwhy");
    // After sockwhy exits the shell prints its status on the normal screen.
    let cmd = format!(
        "cd '{}' && '{bin}' view trace.jsonl; echo SOCKWHY-EXIT=$?; sleep 60",
        dir.display()
    );
    let tmux = Tmux::start("view", 120, 40, &cmd);

    let s = tmux.wait_for_all(&["Events 5/5", "saved trace", "2 failed"]);
    assert!(s.contains("= -1 ENOENT"), "{s}");

    // Move to the failure and open its detail.
    tmux.keys(&["j", "Enter"]);
    let s = tmux.wait_for_all(&["Detail", "Likely cause"]);
    assert!(
        s.contains("connect(3, {sa_family=AF_UNIX, sun_path=\"/run/app.sock\"}, 110) = -1 ENOENT"),
        "{s}"
    );
    assert!(s.contains("Nothing is bound at this path."), "{s}");
    assert!(s.contains("The server is not running yet."), "{s}");
    assert!(s.contains("see man connect(2)"), "{s}");
    tmux.keys(&["Escape"]);
    tmux.wait_gone("Likely cause");

    // Failures only.
    tmux.keys(&["f"]);
    let s = tmux.wait_for_all(&["Events 2/5 [failures]"]);
    assert!(!s.contains("= 3"), "successes hidden: {s}");
    tmux.keys(&["x"]);
    tmux.wait_for_all(&["Events 5/5 "]);

    // Search, then filter by the found row's pid.
    tmux.keys(&["/", "b", "i", "n", "d", "Enter"]);
    tmux.wait_for_all(&["/bind"]);
    tmux.keys(&["p"]);
    let s = tmux.wait_for_all(&["Events 2/5 [pid=4101]"]);
    assert!(s.contains("-1 EACCES"), "{s}");
    tmux.keys(&["x"]);

    // The process tree.
    tmux.keys(&["t"]);
    let s = tmux.wait_for_all(&["Processes 2", "helper"]);
    assert!(s.contains("exit 1"), "{s}");
    tmux.keys(&["Escape"]);
    tmux.wait_gone("Processes 2");

    // Save to the offered path.
    tmux.keys(&["s"]);
    tmux.wait_for_all(&["save to:", "trace-saved.jsonl"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for_all(&["saved 10 records to"]);
    let mut r = JsonlReader::new(std::io::BufReader::new(
        std::fs::File::open(&saved).unwrap(),
    ));
    let mut n = 0;
    while let Some(rec) = r.next_record().unwrap() {
        assert_eq!(rec, trace()[n]);
        n += 1;
    }
    assert_eq!(n, 10);

    // Help, then quit: a saved trace quits at once and the terminal is given back.
    tmux.keys(&["?"]);
    tmux.wait_for_all(&["Keys (any key closes)"]);
    tmux.keys(&["Escape"]);
    tmux.wait_gone("Keys (any key closes)");
    tmux.keys(&["q"]);
    let s = tmux.wait_for_all(&["SOCKWHY-EXIT=0"]);
    assert!(!s.contains("Events 5/5"), "alternate screen left: {s}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn view_reports_a_bad_file_without_touching_the_terminal() {
    let dir = unique_dir(&std::env::temp_dir(), "sockwhy-tmux-bad");
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{\"type\":\"nonsense\"}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sockwhy"))
        .arg("view")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.jsonl"), "{err}");
    assert!(
        !err.contains('\x1b'),
        "no terminal control on a plain error: {err:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `s` save opens its file as every output file is opened: a symlink planted where
/// the save goes is refused, and what it points to is left alone (issue 10).
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn saving_through_a_planted_symlink_is_refused() {
    let dir = unique_dir(&std::env::temp_dir(), "sockwhy-tmux-symlink");
    write_trace(&dir);
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("trace-saved.jsonl")).unwrap();
    let cmd = format!(
        "cd '{}' && '{}' view trace.jsonl; echo SOCKWHY-EXIT=$?; sleep 60",
        dir.display(),
        env!("CARGO_BIN_EXE_sockwhy")
    );
    let tmux = Tmux::start("save-symlink", 160, 30, &cmd);
    tmux.wait_for("Events 5/5");
    tmux.keys(&["s"]);
    tmux.wait_for_all(&["save to:", "trace-saved.jsonl"]);
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("failed");
    assert!(
        s.contains("refusing to write trace-saved.jsonl: it is a symbolic link"),
        "{s}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    tmux.keys(&["q"]);
    tmux.wait_for("SOCKWHY-EXIT=0");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The noise controls and the new detail on the real binary: `sockwhy view` of
/// tests/fixtures/noisy-client.jsonl (expected failures, five targets, a stack, a fix).
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn noise_keys_in_tmux() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/noisy-client.jsonl");
    let cmd = format!(
        "'{}' view '{}'; echo SOCKWHY-EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_sockwhy"),
        fixture.display()
    );
    let tmux = Tmux::start("noise", 120, 40, &cmd);
    let s = tmux.wait_for_all(&["Events 34/34", "13 failed (7 expected, E hides)"]);
    assert!(s.contains("TARGET"), "{s}");
    for target in ["/var/run/nscd/socket", "/run/app/api.sock", "@app-metrics"] {
        assert!(s.contains(target), "{target}: {s}");
    }
    // E hides the expected failures, f then shows only the real ones.
    tmux.keys(&["E"]);
    tmux.wait_for_all(&["Events 27/34 [-expected]", "7 expected hidden, E shows"]);
    tmux.keys(&["f"]);
    let s = tmux.wait_for("Events 6/34 [failures -expected]");
    // (The status bar still counts every errno.)
    let rows: Vec<&str> = s.lines().filter(|l| l.starts_with('│')).collect();
    assert!(
        !rows.iter().any(|l| l.contains("/var/run/nscd/socket")),
        "{s}"
    );
    assert!(!rows.iter().any(|l| l.contains("ENOTSOCK")), "{s}");
    tmux.keys(&["E"]);
    tmux.wait_for("Events 13/34 [failures]");
    tmux.keys(&["x"]);
    tmux.wait_for("Events 34/34 ");

    // The real failure's detail: rule id, fix, the stack folded, then unfolded.
    tmux.keys(&["/"]);
    tmux.text("db.sock");
    tmux.keys(&["Enter", "Enter"]);
    let s = tmux.wait_for_all(&["rule connect.no-socket-file", "Fix", "Stack (7 frames"]);
    assert!(
        s.contains("Start the database (systemctl start app-db)"),
        "{s}"
    );
    assert!(
        s.contains("#1 /opt/app/bin/client connect_db+0x3e at src/db.c:42"),
        "{s}"
    );
    assert!(s.contains("#4-6 3 frames in libc.so.6, C start-up"), "{s}");
    assert!(s.contains("u fold/unfold stack"), "the hint: {s}");
    tmux.keys(&["u"]);
    let s = tmux.wait_for("every frame: u folds");
    assert!(s.contains("__libc_start_call_main+0x80"), "{s}");
    tmux.keys(&["u"]);
    tmux.wait_for("runtime frames folded: u unfolds");
    tmux.keys(&["Escape"]);
    tmux.wait_gone("Stack (7 frames");

    // Sideways through the arguments, and back.
    tmux.keys(&["Right", "l"]);
    tmux.wait_for("args from column 17 (h/l)");
    tmux.keys(&["Left", "h"]);
    tmux.wait_gone("args from column");

    // The help lists the new keys.
    tmux.keys(&["?"]);
    let s = tmux.wait_for("Keys (any key closes)");
    assert!(s.contains("expected failures hidden/shown"), "{s}");
    assert!(s.contains("scroll the arguments sideways"), "{s}");
    tmux.keys(&["Escape", "q"]);
    tmux.wait_for("SOCKWHY-EXIT=0");
}
