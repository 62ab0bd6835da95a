//! The tracer core against real processes under real ptrace (issue 2).

mod common;

use common::*;
use nix::sys::signal::Signal;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn read_pid(path: &std::path::Path) -> i32 {
    read_line_file(path).trim().parse().unwrap()
}

/// The state letter of any task (thread) by its tid, from /proc/TID/stat.
fn task_state(tid: i32) -> Option<char> {
    let s = std::fs::read_to_string(format!("/proc/{tid}/stat")).ok()?;
    s[s.rfind(')')? + 1..].trim_start().chars().next()
}

#[test]
fn failing_connect_to_missing_path_is_shown_and_saved() {
    let dir = tempdir("connect-missing");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .arg("--")
        .arg(tracee())
        .args(["connect", "/nonexistent/dir/x.sock"]));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let line = err
        .lines()
        .find(|l| l.contains(" connect("))
        .unwrap_or_else(|| panic!("no connect line in {err}"));
    assert!(line.starts_with("[pid "), "{line}");
    assert!(
        line.ends_with("= -1 ENOENT (No such file or directory)"),
        "{line}"
    );

    let trace = read_trace(&save);
    let h = &trace[0];
    assert_eq!(h["type"], "header");
    assert_eq!(h["format"], "sockwhy-trace");
    assert_eq!(h["version"], 2);
    assert_eq!(h["command"][0], tracee().to_str().unwrap());
    assert!(h["kernel"].as_str().unwrap().starts_with("Linux "));
    assert!(h["start"].as_str().unwrap().ends_with('Z'));
    let c = syscalls(&trace, "connect");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0]["ret"], -1);
    assert_eq!(c[0]["errno"], "ENOENT");
    assert!(c[0]["seq"].as_u64().unwrap() >= 1);
    assert!(c[0]["pid"].as_i64().unwrap() > 0);
    let sock = syscalls(&trace, "socket");
    assert_eq!(sock.len(), 1);
    assert_eq!(sock[0]["ret"], c[0]["fd"]);
    // The file can hold payload bytes: only its owner may read it.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&save).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let kinds: Vec<&str> = trace
        .iter()
        .filter(|r| r["type"] == "process")
        .map(|r| r["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"spawn"));
    assert!(kinds.contains(&"exec"));
    assert_eq!(kinds.last(), Some(&"exit"));
}

#[test]
fn follows_fork_thread_and_exec() {
    let dir = tempdir("family");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .arg("--")
        .arg(tracee())
        .arg("family"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let trace = read_trace(&save);
    let c = syscalls(&trace, "connect");
    assert_eq!(c.len(), 3, "child, thread, after exec: {c:?}");
    let leader = trace.iter().find(|r| r["event"] == "spawn").unwrap()["pid"]
        .as_i64()
        .unwrap();
    let fork = trace
        .iter()
        .find(|r| r["event"] == "fork")
        .expect("fork event");
    assert_eq!(fork["ppid"].as_i64(), Some(leader));
    let child = fork["pid"].as_i64().unwrap();
    assert_eq!(c[0]["pid"].as_i64(), Some(child));
    let clone = trace
        .iter()
        .find(|r| r["event"] == "clone")
        .expect("clone event");
    assert_eq!(
        clone["pid"].as_i64(),
        Some(leader),
        "a thread belongs to the leader's group"
    );
    assert_eq!(c[1]["pid"].as_i64(), Some(leader));
    assert_eq!(c[1]["tid"], clone["tid"]);
    assert_eq!(c[2]["pid"].as_i64(), Some(leader));
    let execs = trace.iter().filter(|r| r["event"] == "exec").count();
    assert_eq!(execs, 2);
}

#[test]
fn exec_from_a_non_leader_thread_keeps_tracing() {
    let dir = tempdir("thread-exec");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .arg("--")
        .arg(tracee())
        .arg("thread-exec"));
    // The exec'd image connects to a missing path and exits 0 when it got ENOENT.
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let trace = read_trace(&save);
    let leader = trace.iter().find(|r| r["event"] == "spawn").unwrap()["pid"]
        .as_i64()
        .unwrap();
    let exec = trace
        .iter()
        .filter(|r| r["event"] == "exec")
        .nth(1)
        .expect("second exec");
    assert_eq!(exec["pid"].as_i64(), Some(leader));
    assert_eq!(
        exec["tid"].as_i64(),
        Some(leader),
        "after exec the thread has the leader's id"
    );
    let c = syscalls(&trace, "connect");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0]["tid"].as_i64(), Some(leader));
}

#[test]
fn exit_status_and_death_by_signal_pass_through() {
    let o = run(sockwhy().arg("--").arg(tracee()).args(["exit", "7"]));
    assert_eq!(o.status.code(), Some(7));
    let o = run(sockwhy().arg("--").arg(tracee()).args(["kill", "15"]));
    assert_eq!(o.status.code(), Some(128 + 15));
    assert!(
        stderr(&o).contains("+++ killed by SIGTERM +++"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn group_stop_behaves_as_without_the_tracer() {
    let dir = tempdir("stop");
    let (pidf, marker) = (dir.join("pid"), dir.join("marker"));
    let mut child = sockwhy()
        .arg("--")
        .arg(tracee())
        .arg("stop")
        .arg(&pidf)
        .arg(&marker)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = read_pid(&pidf);
    wait_for("the tracee to stop", Duration::from_secs(10), || {
        proc_state(pid).is_some_and(|(s, _)| s.starts_with('t') || s.starts_with('T'))
    });
    // It stays stopped: the tracer does not resume it behind the job's back. Wait until
    // nothing can move any more: the tracee stopped and its tracer thread asleep, seen on
    // three polls in a row (a stop wakes the tracer at once, so a tracer that was going to
    // resume the tracee is not asleep while it is stopped).
    let mut quiet = 0;
    wait_for(
        "the tracee stopped and its tracer idle",
        Duration::from_secs(10),
        || {
            let (state, tracer) = proc_state(pid).expect("tracee alive");
            let stopped = state.starts_with(['t', 'T']) && task_state(tracer) == Some('S');
            quiet = if stopped { quiet + 1 } else { 0 };
            quiet == 3
        },
    );
    assert!(!marker.exists(), "the tracee ran on while stopped");
    kill(pid, Signal::SIGCONT);
    let st = child.wait().unwrap();
    assert_eq!(st.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "resumed\n");
}

type Lines = std::io::Lines<BufReader<std::process::ChildStderr>>;

/// sockwhy attached to `pid` with `opts`, once it has shown a line that `want` accepts
/// (`what` names it); its stderr lines after that one.
fn attached_until(
    pid: i32,
    opts: &[&str],
    what: &str,
    want: impl Fn(&str) -> bool,
) -> (std::process::Child, Lines) {
    let mut tracer = sockwhy()
        .args(["-p", &pid.to_string()])
        .args(opts)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(tracer.stderr.take().unwrap()).lines();
    let got = lines.by_ref().map_while(Result::ok).find(|l| want(l));
    assert!(got.is_some(), "no {what} seen while attached");
    (tracer, lines)
}

/// `pid` is alive, has no tracer and is not left stopped.
fn assert_detached(pid: i32) {
    let (state, tracer_pid) = proc_state(pid).expect("target still alive");
    assert_eq!(tracer_pid, 0, "detached");
    assert!(!state.starts_with(['t', 'T']), "left stopped: {state}");
}

#[test]
fn attach_and_detach_leave_the_process_running() {
    let dir = tempdir("attach");
    let (mut target, pid) = spawn_fixture_loop("loop", &dir);
    let (mut tracer, lines) = attached_until(pid, &[], "connect", |l| {
        l.contains("connect(") && l.contains("ENOENT")
    });
    let tracer_tid = proc_state(pid).unwrap().1;
    assert!(
        std::path::Path::new(&format!("/proc/{}/task/{tracer_tid}", tracer.id())).exists(),
        "a sockwhy thread is the tracer"
    );
    kill(tracer.id() as i32, Signal::SIGINT);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let st = tracer.wait().unwrap();
    assert_eq!(st.code(), Some(0), "{rest:?}");
    assert_detached(pid);
    // Still working: it keeps running its loop.
    wait_running(pid, 3);
    assert!(
        target.0.try_wait().unwrap().is_none(),
        "target died after detach"
    );
}

/// A program that always has its next call at hand keeps the tracer awake (waiting for
/// the next stop catches it every time, so the tracer never sleeps where it used to take
/// its signals): Ctrl-C must still detach at once, and leave the program running.
#[test]
fn ctrl_c_detaches_at_once_from_a_program_that_is_never_quiet() {
    let dir = tempdir("attach-busy");
    let (target, pid) = spawn_fixture_loop("busy", &dir);
    let (mut tracer, lines) = attached_until(pid, &["-e", "trace=write"], "write", |l| {
        l.contains("write(") && l.contains("\"busy\"")
    });
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).count());
    kill(tracer.id() as i32, Signal::SIGINT);
    let t = std::time::Instant::now();
    wait_for("sockwhy to detach and exit", Duration::from_secs(5), || {
        tracer.try_wait().unwrap().is_some()
    });
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(tracer.wait().unwrap().code(), Some(0));
    drain.join().unwrap();
    assert_detached(pid);
    // Still working: its CPU time goes on growing.
    let before = cpu_ticks(pid as u32);
    wait_for(
        "the program to keep running",
        Duration::from_secs(5),
        || cpu_ticks(pid as u32) > before + 2,
    );
    drop(target);
}

#[test]
fn attach_errors_are_one_line() {
    let o = run(sockwhy().args(["-p", "999999999"]));
    assert_ne!(o.status.code(), Some(0));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("no such process"), "{e}");
    let o = run(sockwhy().args(["-p", "abc"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("invalid PID"), "{}", stderr(&o));
}

#[test]
fn command_not_found_exits_127() {
    let o = run(sockwhy().args(["--", "definitely-not-a-command-xyz"]));
    assert_eq!(o.status.code(), Some(127));
    let e = stderr(&o);
    assert_eq!(
        e.trim(),
        "sockwhy: definitely-not-a-command-xyz: command not found"
    );
    let o = run(sockwhy().args(["--", "/etc/passwd"]));
    assert_eq!(o.status.code(), Some(127));
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn unknown_option_prints_usage() {
    let o = run(sockwhy().args(["--bogus-option"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Usage:"), "{}", stderr(&o));
}

#[test]
fn reads_and_writes_on_files_cost_no_exit_stops() {
    let o = run(sockwhy()
        .arg("--stats")
        .arg("--")
        .arg(tracee())
        .args(["storm", "5000"]));
    assert_eq!(o.status.code(), Some(0));
    let e = stderr(&o);
    let row = |name: &str| -> Vec<u64> {
        let l = e
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} row in {e}"));
        l.split_whitespace()
            .skip(1)
            .map(|n| n.parse().unwrap())
            .collect()
    };
    let w = row("write");
    assert!(w[0] >= 5001, "entry stops {w:?}");
    assert_eq!(w[1], 1, "only the socket write takes an exit stop: {w:?}");
    assert_eq!(w[2], 1);
    let r = row("read");
    assert!(r[1] <= 2, "read exit stops {r:?}");
    // Calls outside the filter never stop at all, nor do fcntl commands that make no fd
    // (F_GETFL), nor socket() of another family: the filter checks those arguments.
    for absent in ["getpid", "fcntl", "socket"] {
        assert!(
            e.lines()
                .all(|l| l.split_whitespace().next() != Some(absent)),
            "{absent} stopped: {e}"
        );
    }
    assert_eq!(row("socketpair"), vec![1, 1, 1]);
    // Only the socket I/O is shown.
    assert_eq!(
        e.lines().filter(|l| l.contains(" write(")).count(),
        1,
        "{e}"
    );
}

#[test]
fn positional_io_stops_only_when_asked_for() {
    let dir = tempdir("positional");
    let save = dir.join("t.jsonl");
    // 200 pread64 and pwrite64 on a file, then one of each on a socket (ESPIPE).
    let trace = |opts: &[&str]| {
        let o = run(sockwhy()
            .args(opts)
            .arg("--stats")
            .arg("--save")
            .arg(&save)
            .arg("--")
            .arg(tracee())
            .args(["positional", "200"]));
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{e}");
        (e, read_trace(&save))
    };
    let stopped =
        |e: &str, name: &str| e.lines().any(|l| l.split_whitespace().next() == Some(name));
    // By default they are outside the filter: not one stop.
    let (e, t) = trace(&[]);
    for name in ["pread64", "pwrite64"] {
        assert!(!stopped(&e, name), "{name} stopped: {e}");
        assert!(syscalls(&t, name).is_empty());
    }
    // Asked for, they stop, and those on the socket are reported with their errno.
    let (e, t) = trace(&["-e", "trace=socketpair,pread64,pwrite64"]);
    for name in ["pread64", "pwrite64"] {
        let c = syscalls(&t, name);
        assert_eq!(c.len(), 1, "{name}: {e}");
        assert_eq!(c[0]["errno"], "ESPIPE");
        assert!(stopped(&e, name), "{name} did not stop: {e}");
    }
}

#[test]
fn same_cpu_runs_the_command_and_what_it_starts_on_one_cpu() {
    let cpus = |extra: &[&str]| -> String {
        let o = run(sockwhy().args(extra).arg("--").arg(tracee()).arg("cpus"));
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        String::from_utf8(o.stdout).unwrap().trim().to_owned()
    };
    assert_eq!(cpus(&["--same-cpu"]), "1 1");
    let n = std::thread::available_parallelism().unwrap().get();
    assert_eq!(
        cpus(&[]),
        format!("{n} {n}"),
        "the mask is left alone without it"
    );
    let o = run(sockwhy().args(["--same-cpu", "-p", "1"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--same-cpu applies to a command"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn failed_shows_only_failures() {
    let o = run(sockwhy()
        .arg("--failed")
        .arg("--")
        .arg(tracee())
        .args(["connect"]));
    let e = stderr(&o);
    assert!(e.lines().any(|l| l.contains("connect(")), "{e}");
    assert!(
        !e.lines()
            .any(|l| l.contains(" socket(") || l.contains("+++")),
        "{e}"
    );
}

#[test]
fn trace_filter_narrows_the_set() {
    let o = run(sockwhy()
        .args(["-e", "trace=socket"])
        .arg("--")
        .arg(tracee())
        .args(["connect"]));
    let e = stderr(&o);
    assert!(e.contains(" socket("), "{e}");
    assert!(!e.contains(" connect("), "{e}");
    let o = run(sockwhy().args(["-e", "trace=open"]).arg("--").arg(tracee()));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a call sockwhy traces"));
}

#[test]
fn closed_output_pipe_ends_quietly() {
    let dir = tempdir("pipe");
    let pidf = dir.join("pid");
    let mut tracer = sockwhy()
        .arg("--")
        .arg(tracee())
        .arg("loop")
        .arg(&pidf)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut r = BufReader::new(tracer.stderr.take().unwrap());
    let mut first = String::new();
    r.read_line(&mut first).unwrap();
    drop(r);
    let t = Instant::now();
    loop {
        if let Some(st) = tracer.try_wait().unwrap() {
            assert_eq!(st.code(), Some(0), "exit status after a closed pipe");
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "sockwhy kept running after its output closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = read_pid(&pidf);
    wait_for(
        "the spawned loop to end with its tracer",
        Duration::from_secs(5),
        || proc_state(pid).is_none_or(|(s, _)| s.starts_with('Z') || s.starts_with('X')),
    );
}

#[test]
fn injected_failure_is_not_performed() {
    let dir = tempdir("inject");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .args(["--inject", "connect=ENOMEM", "--save"])
        .arg(&save)
        .arg("--")
        .arg(tracee())
        .arg("connect"));
    // The fixture exits 1 because it did not get the ENOENT the real call would give.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let t = read_trace(&save);
    let c = syscalls(&t, "connect");
    assert_eq!(c[0]["errno"], "ENOMEM");
    assert_eq!(c[0]["injected"], true);
    assert!(stderr(&o).contains("= -1 ENOMEM (Cannot allocate memory) (INJECTED)"));
}

#[test]
fn tracee_gets_default_dispositions_an_empty_mask_and_its_signals() {
    // sockwhy blocks SIGINT/SIGTERM/SIGHUP/SIGCHLD for itself and Rust ignores SIGPIPE:
    // none of that may leak into the traced program.
    for extra in [&[][..], &["--no-seccomp"][..]] {
        let o = run(sockwhy().args(extra).arg("--").arg(tracee()).arg("signals"));
        assert_eq!(
            o.status.code(),
            Some(0),
            "check {} failed ({extra:?}): {}",
            o.status.code().unwrap_or(-1),
            stderr(&o)
        );
        assert!(stderr(&o).contains("--- SIGUSR1 ---"), "{}", stderr(&o));
    }
}

#[test]
fn colour_follows_the_flag() {
    let esc = |args: &[&str]| {
        let o = run(sockwhy().args(args).arg("--").arg(tracee()).arg("connect"));
        stderr(&o).contains('\x1b')
    };
    assert!(esc(&["--color=always"]));
    assert!(!esc(&["--color=never"]));
    // Not a terminal: auto means no colour.
    assert!(!esc(&[]));
}

#[test]
fn no_follow_traces_only_the_first_process_and_children_still_work() {
    let dir = tempdir("no-follow");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .args(["--no-follow", "--save"])
        .arg(&save)
        .arg("--")
        .arg(tracee())
        .arg("family"));
    // The exec'd image exits 0 only if its connect got ENOENT (not ENOSYS from a filter
    // left without its tracer).
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let trace = read_trace(&save);
    let c = syscalls(&trace, "connect");
    assert_eq!(c.len(), 1, "only the leader's connect after exec: {c:?}");
    assert!(
        c[0]["args"][1]
            .as_str()
            .unwrap()
            .contains("after-exec.sock")
    );
    assert!(
        !trace
            .iter()
            .any(|r| r["event"] == "fork" || r["event"] == "clone")
    );
}

#[test]
fn attach_follows_every_thread_and_detaches_them_all() {
    let dir = tempdir("attach-threads");
    let save = dir.join("t.jsonl");
    let (mut target, pid) = spawn_fixture_loop("threads-loop", &dir);
    let mut tracer = sockwhy()
        .arg("--save")
        .arg(&save)
        .arg("-p")
        .arg(pid.to_string())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(tracer.stderr.take().unwrap()).lines();
    let mut seen = std::collections::BTreeSet::new();
    for l in lines.by_ref().map_while(Result::ok) {
        for name in ["thread-one", "thread-two"] {
            if l.contains(name) {
                seen.insert(name);
            }
        }
        if seen.len() == 2 {
            break;
        }
    }
    assert_eq!(seen.len(), 2, "both threads' connects seen");
    kill(tracer.id() as i32, Signal::SIGTERM);
    let _rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert_eq!(tracer.wait().unwrap().code(), Some(0));
    // Every thread is untraced and running.
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let tid: i32 = task.unwrap().file_name().to_str().unwrap().parse().unwrap();
        let status = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")).unwrap();
        assert!(
            status.contains("TracerPid:\t0\n"),
            "thread {tid} still traced"
        );
        let state = status.lines().find(|l| l.starts_with("State:")).unwrap();
        assert!(
            !state.contains("stopped") && !state.contains("tracing stop"),
            "thread {tid}: {state}"
        );
    }
    let trace = read_trace(&save);
    let tids: std::collections::BTreeSet<i64> = syscalls(&trace, "connect")
        .iter()
        .map(|c| c["tid"].as_i64().unwrap())
        .collect();
    assert!(tids.len() >= 2, "connects from several threads: {tids:?}");
    assert!(
        syscalls(&trace, "connect")
            .iter()
            .all(|c| c["pid"].as_i64() == Some(pid as i64))
    );
    let detached = trace.iter().filter(|r| r["event"] == "detach").count();
    assert!(detached >= 3, "each of the 3 threads detached: {detached}");
    wait_running(pid, 3);
    assert!(
        target.0.try_wait().unwrap().is_none(),
        "target died after detach"
    );
}

#[test]
fn injection_touches_only_reported_socket_calls() {
    // storm writes 200 times to /dev/null and once to a socketpair: only the socket write
    // may fail, and the fixture still exits 0 (it ignores write errors).
    let dir = tempdir("inject-scope");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .args(["--inject", "write=EPIPE", "--save"])
        .arg(&save)
        .arg("--")
        .arg(tracee())
        .args(["storm", "200"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let t = read_trace(&save);
    let w = syscalls(&t, "write");
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0]["errno"], "EPIPE");
    assert_eq!(w[0]["injected"], true);
    // The socket's peer then finds nothing: the write was not performed.
    let r = syscalls(&t, "read");
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0]["errno"], "EAGAIN");
}
