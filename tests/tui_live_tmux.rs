//! `run_live` in a real terminal (tmux), fed by a hand-made channel the way the tracer
//! pipeline feeds it: the quit dialog ends a spawned child, SIGTERM detaches from an
//! attached one, and the terminal is given back each time. The test binary runs itself
//! as the TUI process (`live_child`, only when SOCKWHY_LIVE_CHILD is set).

mod common;
use common::tmux::Tmux;

use sockwhy::model::{
    Header, ProcessEvent, ProcessEventKind, Record, SyscallEvent, TRACE_FORMAT_NAME,
    TRACE_FORMAT_VERSION,
};
use sockwhy::tui::{Feed, Live, LiveControl, run_live};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn records() -> Vec<Record> {
    let mut v = vec![Record::Header(Header {
        format: TRACE_FORMAT_NAME.into(),
        version: TRACE_FORMAT_VERSION,
        command: vec!["server".into()],
        attached: vec![],
        start: "2026-01-01T00:00:00Z".into(),
        kernel: "Linux".into(),
        sockwhy: "test".into(),
    })];
    v.push(Record::Process(ProcessEvent {
        event: Some(ProcessEventKind::Spawn.into()),
        pid: 77,
        tid: 77,
        comm: Some("server".into()),
        ..Default::default()
    }));
    for (i, (name, ret, errno)) in [
        ("socket", 3, None),
        ("bind", -1, Some("EADDRINUSE")),
        ("close", 0, None),
    ]
    .into_iter()
    .enumerate()
    {
        v.push(Record::Syscall(Box::new(SyscallEvent {
            seq: i as u64 + 1,
            ts_ns: i as u64 * 1000,
            pid: 77,
            tid: 77,
            syscall: name.into(),
            args: vec!["3".into()],
            ret,
            errno: errno.map(Into::into),
            ..Default::default()
        })));
    }
    v
}

/// The TUI process: a live session whose "tracer" is this thread. Not a test of its own:
/// the tests below run it in tmux (`--ignored --exact live_child`), with
/// SOCKWHY_LIVE_CHILD naming where it writes its outcome.
#[test]
#[ignore = "run by the other tests of this file, in tmux"]
fn live_child() {
    let out =
        std::env::var("SOCKWHY_LIVE_CHILD").expect("SOCKWHY_LIVE_CHILD names the outcome file");
    let out = PathBuf::from(out);
    let attached = std::env::var("SOCKWHY_LIVE_ATTACHED").is_ok();
    std::fs::write(out.with_extension("pid"), std::process::id().to_string()).unwrap();
    let (tx, rx) = mpsc::sync_channel(16);
    for r in records() {
        tx.send(Feed::Record(Box::new(r), None)).unwrap();
    }
    let ctl_tx = tx.clone();
    let ctl_file = out.with_extension("control");
    let panic = std::env::var("SOCKWHY_LIVE_PANIC").is_ok();
    let pty = if panic {
        // /dev/null stands in for a pty master: reads end at once, writes vanish.
        Some(std::fs::File::open("/dev/null").unwrap())
    } else if std::env::var("SOCKWHY_LIVE_PTY").is_ok() {
        Some(program_on_a_pty())
    } else {
        None
    };
    let size_file = out.with_extension("size");
    let live = Live {
        feed: rx,
        pty,
        control: Box::new(move |c: LiveControl| {
            std::fs::write(&ctl_file, format!("{c:?}")).unwrap();
            // The tracer answers a kill or a detach by ending the trace.
            let _ = ctl_tx.send(Feed::Finished(None));
        }),
        // Sizing the program's pane is the first thing the loop does with a pty.
        resize_pty: Box::new(move |rows, cols| {
            assert!(!panic, "resize to {rows}x{cols} exploded");
            std::fs::write(&size_file, format!("{rows}x{cols}")).unwrap();
        }),
        attached,
        save_path: out.with_extension("saved"),
        // A hand-made feed: the records come without lines in a trace.
        backing: None,
    };
    // Keep the sender alive: the trace is "still running" until control() is called.
    let outcome = run_live(live).unwrap();
    drop(tx);
    println!("OUTCOME={outcome:?}");
    std::fs::write(&out, format!("{outcome:?}")).unwrap();
}

/// A shell on a new pseudo-terminal that prints in colour, then echoes what it reads.
fn program_on_a_pty() -> std::fs::File {
    let pty = nix::pty::openpty(None, None).unwrap();
    let slave = std::fs::File::from(pty.slave);
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("printf '\\033[31mhello-from-pty\\033[0m\\n'; exec cat")
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave)
        .spawn()
        .unwrap();
    // cat ends when the TUI closes the master; reap it then.
    std::thread::spawn(move || child.wait());
    std::fs::File::from(pty.master)
}

fn start(name: &str, env: &str) -> (Tmux, PathBuf) {
    let dir = common::unique_dir(&std::env::temp_dir(), &format!("sockwhy-live-{name}"));
    let out = dir.join("outcome");
    let exe = std::env::current_exe().unwrap();
    let cmd = format!(
        "RUST_BACKTRACE=0 SOCKWHY_LIVE_CHILD='{}' {} '{}' --ignored --exact live_child --nocapture; echo CHILD-EXIT=$?; sleep 60",
        out.display(),
        env,
        exe.display()
    );
    let tmux = Tmux::start(&format!("live-{name}"), 80, 24, &cmd);
    (tmux, out)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn quitting_ends_a_spawned_child_and_restores_the_terminal() {
    let (tmux, out) = start("quit", "");
    let s = tmux.wait_for("Events 3/3");
    assert!(s.contains("tracing"), "{s}");
    assert!(s.contains("EADDRINUSE"), "{s}");
    tmux.keys(&["q"]);
    tmux.wait_for("cannot be detached safely");
    tmux.keys(&["k"]);
    let s = tmux.wait_for("CHILD-EXIT=0");
    assert!(s.contains("OUTCOME=Killed"), "{s}");
    assert!(!s.contains("Events 3/3"), "alternate screen left: {s}");
    assert_eq!(read(&out.with_extension("control")), "Kill");
    let _ = std::fs::remove_dir_all(out.parent().unwrap());
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn sigterm_detaches_from_an_attached_program_and_restores_the_terminal() {
    let (tmux, out) = start("term", "SOCKWHY_LIVE_ATTACHED=1");
    tmux.wait_for("Events 3/3");
    let pid = read(&out.with_extension("pid"));
    assert!(!pid.is_empty());
    common::kill(
        pid.trim().parse().unwrap(),
        nix::sys::signal::Signal::SIGTERM,
    );
    let s = tmux.wait_for("CHILD-EXIT=0");
    assert!(s.contains("OUTCOME=Detached"), "{s}");
    assert!(!s.contains("Events 3/3"), "alternate screen left: {s}");
    assert_eq!(read(&out.with_extension("control")), "Detach");
    let _ = std::fs::remove_dir_all(out.parent().unwrap());
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn a_panic_restores_the_terminal_before_its_message() {
    let (tmux, out) = start("panic", "SOCKWHY_LIVE_PANIC=1");
    let s = tmux.wait_for("CHILD-EXIT=");
    assert!(
        s.contains("exploded"),
        "the panic message is on the normal screen: {s}"
    );
    assert!(!s.contains("Events 3/3"), "alternate screen left: {s}");
    assert!(s.contains("CHILD-EXIT=101"), "{s}");
    // The program was spawned: leaving on a panic still ends it.
    assert_eq!(read(&out.with_extension("control")), "Kill");
    let _ = std::fs::remove_dir_all(out.parent().unwrap());
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn the_program_terminal_shows_output_takes_keys_and_follows_the_pane_size() {
    let (tmux, out) = start("pty", "SOCKWHY_LIVE_PTY=1");
    let s = tmux.wait_for("hello-from-pty");
    assert!(s.contains("Program (i: type into it)"), "{s}");
    assert!(
        !s.contains("033"),
        "colour codes interpreted, not shown: {s}"
    );
    let size = |tmux: &Tmux| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v = read(&out.with_extension("size"));
            if !v.is_empty() || Instant::now() > deadline {
                return v;
            }
            std::thread::sleep(Duration::from_millis(100));
            let _ = tmux;
        }
    };
    let first = size(&tmux);
    assert!(
        first.ends_with("x78"),
        "the pane inside its border at 80 columns: {first}"
    );
    let send = |keys: &[&str]| {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        tmux.run(&args);
    };
    send(&["i"]);
    tmux.wait_for("Ctrl-] returns");
    send(&["-l", "typed-into-it"]);
    send(&["Enter"]);
    let s = tmux.wait_for("typed-into-it");
    assert!(s.contains("Program"), "{s}");
    send(&["C-]"]);
    tmux.wait_for("Program (i: type into it)");
    tmux.run(&["resize-window", "-t", "t", "-x", "100", "-y", "30"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !read(&out.with_extension("size")).ends_with("x98") {
        assert!(
            Instant::now() < deadline,
            "pty not resized: {}",
            read(&out.with_extension("size"))
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    send(&["q"]);
    tmux.wait_for("cannot be detached safely");
    send(&["k"]);
    let s = tmux.wait_for("CHILD-EXIT=0");
    assert!(s.contains("OUTCOME=Killed"), "{s}");
    let _ = std::fs::remove_dir_all(out.parent().unwrap());
}
