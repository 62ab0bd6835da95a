//! Signals the wait loop must pass through unchanged (issue 10): real-time signals with
//! their payloads, glibc's own SIGCANCEL (32) and SIGSETXID (33), deaths by RT signals.
//! The fixture (tests/fixtures/signals.c) checks what it received and exits with a
//! distinctive code when all is as without a tracer.

#[path = "common/cbuild.rs"]
mod cbuild;
mod common;

use cbuild::{fixture, read_pid, wait_deadline};
use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);

fn signals() -> std::path::PathBuf {
    fixture("signals")
}

/// Names of the signal records of a saved trace, in order.
fn signal_records(trace: &[serde_json::Value]) -> Vec<String> {
    trace
        .iter()
        .filter(|r| r["type"] == "process" && r["event"] == "signal")
        .map(|r| r["signal"].as_str().unwrap().to_owned())
        .collect()
}

/// strace's name for glibc's SIGRTMIN+i (glibc's SIGRTMIN is the kernel's 34).
fn glibc_rt(i: i32) -> String {
    format!("SIGRT_{}", libc::SIGRTMIN() - 32 + i)
}

#[test]
fn death_by_a_real_time_signal_passes_its_exit_status() {
    // bash's own test: `kill -RTMIN $$` ends bash with 128+34 without a tracer.
    let o = run(sockwhy().args(["--", "bash", "-c", "kill -RTMIN $$"]));
    assert_eq!(
        o.status.code(),
        Some(128 + libc::SIGRTMIN()),
        "{}",
        stderr(&o)
    );
    let dir = tempdir("rt-death");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .arg("--")
        .arg(signals())
        .args(["raise", "40"]));
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(128 + 40), "{e}");
    assert!(e.contains("--- SIGRT_8 ---"), "{e}");
    assert!(e.contains("+++ killed by SIGRT_8 +++"), "{e}");
    assert!(!e.contains("waitpid"), "{e}");
    let t = read_trace(&save);
    let exit = t.iter().rfind(|r| r["event"] == "exit").unwrap();
    assert_eq!(exit["signal"], "SIGRT_8");
}

fn check_rtqueue(extra: &[&str]) {
    let dir = tempdir("rtqueue");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .args(extra)
        .arg("--save")
        .arg(&save)
        .arg("--")
        .arg(signals())
        .args(["rtqueue", "50"]));
    assert_eq!(o.status.code(), Some(0), "{extra:?}: {}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "rtqueue: 50 signals in order\n"
    );
    let expected: Vec<String> = (0..50).map(|i| glibc_rt(i % 8)).collect();
    let got: Vec<String> = signal_records(&read_trace(&save))
        .into_iter()
        .filter(|s| s.starts_with("SIGRT"))
        .collect();
    assert_eq!(got, expected, "{extra:?}");
}

#[test]
fn queued_real_time_signals_arrive_with_their_values_in_order() {
    check_rtqueue(&[]);
    check_rtqueue(&["--no-seccomp"]);
}

/// Start `signals MODE ... PIDFILE`, attach sockwhy to it, and return both.
fn attached(mode: &[&str], name: &str) -> (std::process::Child, std::process::Child, String) {
    let dir = tempdir(name);
    let pidf = dir.join("pid");
    let target = Command::new(signals())
        .args(mode)
        .arg(&pidf)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = read_pid(&pidf);
    let tracer = sockwhy()
        .arg("-p")
        .arg(pid.to_string())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    (target, tracer, pid.to_string())
}

fn finish_attached(mode: &[&str], name: &str, code: i32, line: &str) {
    let (mut target, tracer, _pid) = attached(mode, name);
    let st = wait_deadline(&mut target, &format!("attached {mode:?}"), DEADLINE);
    let mut out = String::new();
    use std::io::Read;
    target
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let o = tracer.wait_with_output().unwrap();
    assert_eq!(st.code(), Some(code), "{mode:?}: {}", stderr(&o));
    assert!(out.contains(line), "{out}");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("waitpid"), "{}", stderr(&o));
}

#[test]
fn queued_real_time_signals_arrive_in_order_when_attached() {
    finish_attached(&["rtqueue", "50"], "rtqueue-p", 0, "50 signals in order");
}

/// Run `signals MODE` under sockwhy (with a deadline: a lost signal hangs it), check its
/// exit code, and return the saved trace.
fn spawned(mode: &str, code: i32) -> Vec<serde_json::Value> {
    let dir = tempdir(mode);
    let save = dir.join("t.jsonl");
    let mut child = sockwhy()
        .arg("--save")
        .arg(&save)
        .arg("--")
        .arg(signals())
        .arg(mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let st = wait_deadline(&mut child, &format!("{mode} under sockwhy"), DEADLINE);
    let o = child.wait_with_output().unwrap();
    assert_eq!(st.code(), Some(code), "{}", stderr(&o));
    read_trace(&save)
}

#[test]
fn setuid_in_a_threaded_program_finishes() {
    // glibc's setuid/setgid signal every thread with SIGSETXID and wait for each; the
    // threads are blocked in recv, which the signal interrupts and the kernel restarts.
    let t = spawned("setxid", 42);
    let recvs = syscalls(&t, "recvfrom");
    let done: Vec<_> = recvs.iter().filter(|r| r["ret"] == 2).collect();
    assert_eq!(done.len(), 8, "{recvs:?}");
    // The interrupted recvs were restarted: the program never saw a failure.
    assert!(recvs.iter().all(|r| r["errno"].is_null()), "{recvs:?}");
    assert!(
        signal_records(&t)
            .iter()
            .filter(|s| *s == "SIGRT_1")
            .count()
            >= 8,
        "{:?}",
        signal_records(&t)
    );
}

#[test]
fn setuid_in_a_threaded_program_finishes_when_attached() {
    finish_attached(
        &["setxid"],
        "setxid-p",
        42,
        "credentials set in every thread",
    );
}

#[test]
fn pthread_cancel_of_a_thread_blocked_in_recv_works() {
    let t = spawned("cancel", 43);
    assert!(signal_records(&t).contains(&"SIGRTMIN".to_owned()));
    // The cancelled recv never returned to the program: not a failure.
    let r = syscalls(&t, "recvfrom");
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(r[0]["errno"].is_null(), "{r:?}");
    assert_eq!(r[0]["restart"], "ERESTARTSYS");
}

#[test]
fn pthread_cancel_works_when_attached() {
    finish_attached(&["cancel"], "cancel-p", 43, "was cancelled");
}
