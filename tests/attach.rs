//! Attaching (-p) to processes in awkward states says what is really the matter
//! (issue 10): a zombie, a pid given twice, a thread's id, a process whose main thread
//! has exited, a process another tracer holds.

#[path = "common/cbuild.rs"]
mod cbuild;
mod common;

use cbuild::{fixture, read_pid, wait_for};
use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Start `attach MODE PIDFILE` (tests/fixtures/attach.c) and return it with the pid it wrote.
fn start(mode: &str, name: &str) -> (Child, i32) {
    let dir = tempdir(name);
    let pidf = dir.join("pid");
    let child = Command::new(fixture("attach"))
        .arg(mode)
        .arg(&pidf)
        .spawn()
        .unwrap();
    (child, read_pid(&pidf))
}

/// Start `tracee MODE PIDFILE` (tests/fixtures/tracee.c).
fn start_tracee(mode: &str, name: &str) -> (Child, i32) {
    let dir = tempdir(name);
    let pidf = dir.join("pid");
    let child = Command::new(tracee()).arg(mode).arg(&pidf).spawn().unwrap();
    (child, read_pid(&pidf))
}

fn kill(pid: i32, sig: i32) {
    // SAFETY: kill(2) takes no pointers.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Run sockwhy with `args`, wait for a line containing `want` on its stderr, then SIGINT
/// it and return (exit code, every stderr line).
fn attach_until(args: &[String], want: &str) -> (Option<i32>, Vec<String>) {
    let mut tracer = sockwhy().args(args).stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(tracer.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for l in lines.by_ref().map_while(Result::ok) {
        let hit = l.contains(want);
        seen.push(l);
        if hit {
            break;
        }
    }
    assert!(
        seen.last().is_some_and(|l| l.contains(want)),
        "no {want:?} in {seen:?}"
    );
    kill(tracer.id() as i32, libc::SIGINT);
    seen.extend(lines.map_while(Result::ok));
    (tracer.wait().unwrap().code(), seen)
}

#[test]
fn attaching_to_a_zombie_says_it_has_exited() {
    let (mut parent, zombie) = start("zombie", "attach-zombie");
    wait_for("the child to be a zombie", Duration::from_secs(10), || {
        proc_state(zombie).is_some_and(|(s, _)| s.starts_with('Z'))
    });
    let o = run(sockwhy().arg("-p").arg(zombie.to_string()));
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("zombie"), "{e}");
    assert!(e.contains(&format!("parent (pid {})", parent.id())), "{e}");
    assert!(!e.contains("another tracer"), "{e}");
    parent.kill().unwrap();
    let _ = parent.wait();
}

#[test]
fn a_pid_given_twice_is_traced_once() {
    let (mut target, pid) = start_tracee("loop", "attach-twice");
    let dir = tempdir("attach-twice-save");
    let save = dir.join("t.jsonl");
    let p = pid.to_string();
    let args: Vec<String> = vec![
        "--save".into(),
        save.to_str().unwrap().into(),
        "-p".into(),
        p.clone(),
        "-p".into(),
        p,
    ];
    let (code, lines) = attach_until(&args, "connect(");
    assert_eq!(code, Some(0), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("pid {pid} was given more than once: traced once"))),
        "{lines:?}"
    );
    let t = read_trace(&save);
    let count = |ev: &str| t.iter().filter(|r| r["event"] == ev).count();
    assert_eq!((count("attach"), count("detach")), (1, 1));
    assert_eq!(proc_state(pid).map(|(_, tracer)| tracer), Some(0));
    target.kill().unwrap();
    let _ = target.wait();
}

#[test]
fn a_thread_id_stands_for_its_process() {
    let (mut target, pid) = start_tracee("threads-loop", "attach-tid");
    let tid = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .find(|t| *t != pid)
        .unwrap();
    let (code, lines) = attach_until(&["-p".into(), tid.to_string()], "connect(");
    assert_eq!(code, Some(0), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains(&format!(
            "{tid} is a thread of process {pid}: tracing the whole process"
        ))),
        "{lines:?}"
    );
    target.kill().unwrap();
    let _ = target.wait();
}

#[test]
fn attaching_after_the_main_thread_exited_traces_the_others() {
    let (mut target, pid) = start("leader-exit", "attach-leader-exit");
    wait_for("the main thread to exit", Duration::from_secs(10), || {
        proc_state(pid).is_some_and(|(s, _)| s.starts_with('Z'))
    });
    let (code, lines) = attach_until(&["-p".into(), pid.to_string()], "connect(");
    assert_eq!(code, Some(0), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains(&format!(
            "the main thread of {pid} has exited (its other threads run on): tracing 1 of them"
        ))),
        "{lines:?}"
    );
    let connect = lines.iter().find(|l| l.contains("connect(")).unwrap();
    assert!(
        connect.contains("<UNIX-STREAM:["),
        "fd identity through the live thread: {connect}"
    );
    // Detached and running on.
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let tid = task.unwrap().file_name();
        let s =
            std::fs::read_to_string(format!("/proc/{pid}/task/{}/status", tid.to_str().unwrap()))
                .unwrap();
        assert!(s.contains("TracerPid:\t0\n"), "{s}");
    }
    target.kill().unwrap();
    let _ = target.wait();
}

#[test]
fn attaching_to_a_traced_process_names_its_tracer() {
    let (mut target, pid) = start_tracee("loop", "attach-traced");
    let mut first = sockwhy()
        .arg("-p")
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(
        "the first tracer to attach",
        Duration::from_secs(10),
        || proc_state(pid).is_some_and(|(_, t)| t != 0),
    );
    let o = run(sockwhy().arg("-p").arg(pid.to_string()));
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains(&format!(
            "it is already traced by pid {} (sockwhy)",
            first.id()
        )),
        "{e}"
    );
    kill(first.id() as i32, libc::SIGINT);
    assert_eq!(first.wait().unwrap().code(), Some(0));
    target.kill().unwrap();
    let _ = target.wait();
}
