//! The real binary, live: `sockwhy --tui demo` in tmux. Move to a failure, open its
//! detail, filter, search, save and quit, checking what the screen showed (issue 5).

mod common;

use common::tmux::Tmux;
use common::*;
use std::time::{Duration, Instant};

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn live_demo_in_tmux() {
    let dir = tempdir("tui-demo");
    let done = dir.join("exit-code");
    let cmd = format!(
        "cd {} && {} --tui demo; echo $? > {}; sleep 30",
        dir.display(),
        env!("CARGO_BIN_EXE_sockwhy"),
        done.display()
    );
    let tmux = Tmux::start("demo", 120, 40, &cmd);

    // The demo runs to its end; the status bar says so, with the failures by errno.
    let s = tmux.wait_for("finished, exit 0");
    assert!(s.contains("2 failed: ECONNREFUSED 1 ENOENT 1"), "{s}");
    // The program's own output is in its pane, not over the TUI.
    assert!(s.contains("client: the daemon answered PONG"), "{s}");

    // Failures only, then the detail of the newest (ENOENT), then the one before it.
    tmux.keys(&["f"]);
    let s = tmux.wait_for("[failures]");
    assert!(s.contains("Events 2/"), "{s}");
    assert!(!s.contains(" listen "), "filter left a success: {s}");
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("Likely cause");
    assert!(s.contains("does not exist"), "{s}");
    assert!(s.contains("see man connect(2)"), "{s}");
    tmux.keys(&["Up"]);
    let s = tmux.wait_for("stale socket file");
    assert!(s.contains("ECONNREFUSED"), "{s}");

    // Clear the filter and search for the server's listen().
    tmux.keys(&["x", "/"]);
    tmux.text("listen");
    tmux.keys(&["Enter"]);
    let s = tmux.wait_for("listen(3<UNIX-STREAM:");
    assert!(
        s.contains("bound \""),
        "detail of listen shows the bound socket: {s}"
    );

    // Save, then quit: the trace ended, so no dialog; sockwhy exits with the demo's status.
    tmux.keys(&["s", "Enter"]);
    tmux.wait_for("saved ");
    tmux.keys(&["q"]);
    assert_eq!(read_line_file(&done).trim(), "0", "{}", tmux.screen());
    let saved = read_trace(&dir.join("sockwhy-trace.jsonl"));
    assert_eq!(saved[0]["type"], "header");
    assert_eq!(
        syscalls(&saved, "connect")
            .iter()
            .filter(|c| c["errno"] == "ECONNREFUSED")
            .count(),
        1
    );
    assert!(syscalls(&saved, "connect").iter().any(|c| {
        c["cause"]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("stale"))
    }));
    // The terminal was given back: the shell's screen, not the TUI's frame.
    let s = tmux.screen();
    assert!(
        !s.contains("Events "),
        "TUI still on screen after quit:\n{s}"
    );
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn live_attach_in_tmux_detaches_on_quit() {
    let dir = tempdir("tui-attach");
    let (mut target, pid) = spawn_fixture_loop("loop", &dir);
    let done = dir.join("exit-code");
    let cmd = format!(
        "{} --tui -p {pid}; echo $? > {}; sleep 30",
        env!("CARGO_BIN_EXE_sockwhy"),
        done.display()
    );
    let tmux = Tmux::start("attach", 100, 30, &cmd);
    let s = tmux.wait_for("ENOENT");
    assert!(s.contains("connect"), "{s}");
    assert_ne!(proc_state(pid).unwrap().1, 0, "traced while the TUI runs");
    tmux.keys(&["q"]);
    let s = tmux.wait_for("detach");
    assert!(s.contains("[d]"), "quit dialog offers detach: {s}");
    tmux.keys(&["d"]);
    assert_eq!(read_line_file(&done).trim(), "0", "{}", tmux.screen());
    let (state, tracer) = proc_state(pid).expect("target alive after detach");
    assert_eq!(tracer, 0, "detached");
    assert!(
        !state.starts_with('t') && !state.starts_with('T'),
        "left stopped: {state}"
    );
    // Still working: it goes on with its loop, as before the attach.
    wait_running(pid, 3);
    assert!(target.0.try_wait().unwrap().is_none(), "target died");
}

/// Regression: when its terminal goes away (the tmux server, an ssh session, an xterm
/// closed), the TUI must end, not spin on end-of-file reading a dead terminal.
#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn view_ends_when_its_terminal_hangs_up() {
    let dir = tempdir("tui-hangup");
    let pidf = dir.join("pid");
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/recorded-daemon.jsonl"
    );
    let cmd = format!(
        "echo $$ > {}; exec {} view {fixture}",
        pidf.display(),
        env!("CARGO_BIN_EXE_sockwhy")
    );
    let tmux = Tmux::start("hup", 100, 30, &cmd);
    tmux.wait_for("Events");
    let pid: i32 = std::fs::read_to_string(&pidf)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    tmux.run(&["kill-server"]);
    let t = Instant::now();
    while std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z "))
    {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "sockwhy view still running after its terminal hung up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
