//! One pipeline for every front end: a saved trace ends with its closing record however
//! the run ends (even when the text output closes first), and the TUI prints what `-c`
//! and `--stats` ask for once it has given the terminal back.

mod common;
use common::tmux::Tmux;
use common::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn report_text(trace: &Path) -> String {
    let o = run(sockwhy().arg("report").arg(trace));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn the_saved_trace_ends_with_how_the_program_ended() {
    let dir = tempdir("end-exited");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .arg("--")
        .arg(tracee())
        .args(["exit", "3"]));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let trace = read_trace(&save);
    assert_eq!(trace[0]["version"], 2);
    let last = trace.last().unwrap();
    assert_eq!(last["type"], "end", "{last}");
    assert_eq!(last["how"], "exited");
    assert_eq!(last["exit_code"], 3);
    let exit = &trace[trace.len() - 2];
    assert_eq!(
        (&exit["event"], &exit["exit_code"]),
        (&"exit".into(), &3.into())
    );
    let r = report_text(&save);
    assert!(
        r.contains("\nEnded:     the traced program ended; sockwhy exited 3\n"),
        "{r}"
    );
}

#[test]
fn a_closed_text_output_still_ends_the_saved_trace() {
    let dir = tempdir("end-output-closed");
    let save = dir.join("t.jsonl");
    let pidf = dir.join("pid");
    // The text trace goes to stderr; head takes three lines of it and leaves.
    let cmd = format!(
        "'{}' --save '{}' -- '{}' loop '{}' 2>&1 | head -n 3",
        env!("CARGO_BIN_EXE_sockwhy"),
        save.display(),
        tracee().display(),
        pidf.display()
    );
    let t = Instant::now();
    let o = Command::new("sh").arg("-c").arg(&cmd).output().unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "sockwhy kept running"
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 3);
    let pid: i64 = std::fs::read_to_string(&pidf)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Every line is whole (sockwhy finished writing), and the last says why it ended.
    let trace = read_trace(&save);
    let last = trace.last().unwrap();
    assert_eq!(last["type"], "end", "{last}");
    assert_eq!(last["how"], "output-closed");
    assert_eq!(last["exit_code"], 128 + 9);
    // The traced program's end is there, after the calls made before the output closed.
    let exit = trace
        .iter()
        .find(|r| r["type"] == "process" && r["event"] == "exit" && r["pid"] == pid)
        .unwrap_or_else(|| panic!("no exit record of {pid}"));
    assert_eq!(exit["signal"], "SIGKILL");
    assert!(!syscalls(&trace, "connect").is_empty());
    let r = report_text(&save);
    assert!(
        r.contains("\nEnded:     sockwhy's output closed, so tracing stopped there"),
        "{r}"
    );
    assert!(r.contains("; sockwhy exited 137\n"), "{r}");
}

#[test]
fn a_trace_cut_before_its_closing_record_says_so() {
    let dir = tempdir("end-missing");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .arg("--")
        .arg(tracee())
        .args(["exit", "0"]));
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(&save).unwrap();
    let cut: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("\"type\":\"end\""))
        .collect();
    std::fs::write(&save, cut.join("\n") + "\n").unwrap();
    let o = run(sockwhy().arg("report").arg(&save));
    assert_eq!(o.status.code(), Some(0));
    let r = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(r.contains("\nEnded:     not recorded"), "{r}");
    assert!(
        stderr(&o).contains("the trace has no closing record"),
        "{}",
        stderr(&o)
    );
}

/// `sockwhy --tui ARGS demo` in tmux, its stderr to a file; quits once the demo is over
/// and the screen shows `shown`. (stderr after the TUI, exit code).
fn tui_demo(name: &str, args: &str, sh_setup: &str, shown: &[&str]) -> (String, String) {
    let dir = tempdir(name);
    let err = dir.join("stderr");
    let done = dir.join("exit-code");
    let cmd = format!(
        "cd {} && {sh_setup} {} --tui {args} demo 2>{}; echo $? > {}; sleep 30",
        dir.display(),
        env!("CARGO_BIN_EXE_sockwhy"),
        err.display(),
        done.display()
    );
    let tmux = Tmux::start(name, 120, 40, &cmd);
    let mut want = vec!["finished, exit 0"];
    want.extend(shown);
    tmux.wait_for_all(&want);
    // Nothing is printed behind the TUI's back while it is up.
    assert_eq!(std::fs::read_to_string(&err).unwrap(), "");
    tmux.keys(&["q"]);
    // The shell writes the code (a whole line) once sockwhy has exited and flushed.
    let code = read_line_file(&done).trim().to_owned();
    (std::fs::read_to_string(&err).unwrap(), code)
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn tui_summary_and_stats_are_printed_after_the_tui() {
    let (err, code) = tui_demo("tui-tables", "-c --stats", "", &[]);
    assert_eq!(code, "0", "{err}");
    assert!(
        err.contains("% time     seconds  usecs/call     calls    errors syscall"),
        "{err}"
    );
    let connect = err
        .lines()
        .find(|l| l.ends_with(" connect"))
        .unwrap_or_else(|| panic!("no connect row: {err}"));
    // Two of the demo's connects fail.
    assert!(connect.split_whitespace().nth(4) == Some("2"), "{connect}");
    assert!(err.contains("sockwhy: ptrace stops per call"), "{err}");
    assert!(err.lines().any(|l| l.starts_with("total ")), "{err}");
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn tui_reports_a_save_that_cannot_be_written() {
    // Writes past 2 KiB fail with EFBIG (SIGXFSZ ignored) after the first few records.
    let (err, code) = tui_demo(
        "tui-save-error",
        "--save t.jsonl",
        "trap '' XFSZ; ulimit -f 4;",
        &["cannot write the saved trace"],
    );
    assert_eq!(code, "1", "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("sockwhy: cannot write the saved trace: t.jsonl: File too large"),
        "{err}"
    );
}

#[test]
fn sigterm_to_sockwhy_ends_the_saved_trace_as_interrupted() {
    let dir = tempdir("end-sigterm");
    let save = dir.join("t.jsonl");
    let pidf = dir.join("pid");
    let mut child = sockwhy()
        .arg("-o")
        .arg(dir.join("text"))
        .arg("--save")
        .arg(&save)
        .arg("--")
        .arg(tracee())
        .arg("loop")
        .arg(&pidf)
        .spawn()
        .unwrap();
    read_line_file(&pidf);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let st = child.wait().unwrap();
    // The program cannot run on without its tracer: it was ended (SIGKILL, 128+9).
    assert_eq!(st.code(), Some(137));
    let trace = read_trace(&save);
    let last = trace.last().unwrap();
    assert_eq!(last["type"], "end", "{last}");
    assert_eq!(last["how"], "interrupted", "{last}");
    assert_eq!(last["exit_code"], 137);
}

/// Records are handed to the pipeline in batches (tracer/outbox.rs); a program that goes
/// quiet must still have its lines shown at once, not when it next makes a call or exits.
/// The tracer's tick sends what is held: the socketpair line comes while the program
/// sleeps (within 3 s of the start, python's own start included, of a 20 s sleep; the
/// tick is 10 ms).
#[test]
#[cfg_attr(not(has_python3), ignore = "python3 is not installed")]
fn a_quiet_program_has_its_lines_shown_while_it_sleeps() {
    use std::io::{BufRead, BufReader};
    let mut child = sockwhy()
        .args(["--", "python3", "-c"])
        .arg("import socket, time; socket.socketpair(); time.sleep(20)")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            if l.contains("socketpair(AF_UNIX") {
                let _ = tx.send(l);
            }
        }
    });
    let got = rx.recv_timeout(Duration::from_secs(10));
    let waited = t0.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    let line = got.expect("no socketpair line while the program slept");
    assert!(
        waited < Duration::from_secs(3),
        "the line came after {waited:?}: {line}"
    );
}
