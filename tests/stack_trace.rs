//! `sockwhy -k`: the real tracer takes the stack at the exit stop of each failing call, the
//! pipeline symbolises it, the saved trace keeps it and the text trace shows it.

mod common;

use common::stackfix::{Build, build, check_chain, line_of};
use common::{read_trace, run, sockwhy, stderr, syscalls, tempdir};
use sockwhy::model::StackFrame;
use std::path::Path;

/// Trace `prog` (two failing connects) with `flags`; the trace and the text.
fn trace(prog: &Path, dir: &Path, flags: &[&str]) -> (Vec<serde_json::Value>, String) {
    let save = dir.join(format!(
        "trace-{}.jsonl",
        flags.join("").replace(['-', '='], "")
    ));
    let out = run(sockwhy()
        .args(flags)
        .arg("--save")
        .arg(&save)
        .arg("--")
        .arg(prog)
        .args(["/nonexistent/stackfix.sock", "2"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    (read_trace(&save), stderr(&out))
}

fn frames(rec: &serde_json::Value) -> Vec<StackFrame> {
    serde_json::from_value(rec["stack"].clone()).unwrap_or_default()
}

/// The frames without their process addresses, which differ from run to run (ASLR).
fn placeless(rec: &serde_json::Value) -> Vec<StackFrame> {
    frames(rec)
        .into_iter()
        .map(|f| StackFrame { addr: 0, ..f })
        .collect()
}

fn saved_stacks_name_every_call_site(b: Build) {
    let dir = tempdir(&format!("stack-trace-{b:?}"));
    let prog = build(b, &dir);
    let (t, text) = trace(&prog, &dir, &["-k"]);
    let connects = syscalls(&t, "connect");
    assert_eq!(connects.len(), 2);
    for c in &connects {
        assert_eq!(c["errno"], "ENOENT");
        assert!(c.get("stack_end").is_none(), "walk complete: {c}");
        check_chain(b, &frames(c));
    }
    // Successful calls get no stack unless asked.
    for s in syscalls(&t, "socket") {
        assert!(s.get("stack").is_none(), "{s}");
    }
    // The text shows the program's frames, with the call site's line.
    assert!(text.contains("    stack:"), "{text}");
    let own = text
        .lines()
        .find(|l| l.contains("connect_to_daemon+"))
        .unwrap_or_else(|| panic!("no connect_to_daemon line in {text}"));
    if b.has_lines() {
        let want = format!(":{}", line_of(b, "connect"));
        assert!(own.ends_with(&want), "{own} should end with {want}");
    }
}

#[test]
fn gcc_o2_without_frame_pointers() {
    saved_stacks_name_every_call_site(Build::CfiOnly);
}

#[test]
fn gcc_with_frame_pointers() {
    saved_stacks_name_every_call_site(Build::FramePointers);
}

#[test]
fn gcc_without_debug_info() {
    saved_stacks_name_every_call_site(Build::NoDebugInfo);
}

#[test]
fn rust_program() {
    saved_stacks_name_every_call_site(Build::Rust);
}

#[test]
fn a_second_thread_on_its_own_stack() {
    saved_stacks_name_every_call_site(Build::Thread);
}

#[test]
fn strace_spellings_limits_and_every_call() {
    let dir = tempdir("stack-trace-options");
    let prog = build(Build::CfiOnly, &dir);
    let reference = placeless(syscalls(&trace(&prog, &dir, &["-k"]).0, "connect")[0]);
    for flags in [&["-kk"][..], &["--stack-trace"], &["--stack-trace=source"]] {
        let (t, _) = trace(&prog, &dir, flags);
        assert_eq!(
            placeless(syscalls(&t, "connect")[0]),
            reference,
            "{flags:?} is -k"
        );
    }
    let (t, text) = trace(&prog, &dir, &["-k", "--stack-trace-frame-limit=2"]);
    let c = syscalls(&t, "connect")[0];
    assert_eq!(c["stack_end"]["reason"], "frame-limit", "{c}");
    let machine_frames = frames(c).iter().filter(|f| !f.inlined).count();
    assert_eq!(machine_frames, 2);
    assert!(
        text.contains("(walk stopped: frame limit reached)"),
        "{text}"
    );

    let (t, _) = trace(&prog, &dir, &["--stack-trace-all-calls"]);
    let socket = syscalls(&t, "socket")[0];
    assert!(socket["errno"].is_null());
    let f = frames(socket);
    assert!(
        f.iter()
            .any(|f| f.function.as_deref() == Some("connect_to_daemon")),
        "successful socket() from connect_to_daemon: {f:?}"
    );

    let out = run(sockwhy().args(["-k", "--stack-trace-frame-limit=0", "--", "true"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--stack-trace-frame-limit"));
}

#[test]
fn runtime_frames_fold_unless_unfolded() {
    let dir = tempdir("stack-trace-fold");
    let prog = build(Build::FramePointers, &dir);
    let (_, folded) = trace(&prog, &dir, &["-k"]);
    let (_, unfolded) = trace(&prog, &dir, &["--stack-trace-unfold"]);
    let stack = |text: &str| -> Vec<String> {
        text.lines()
            .skip_while(|l| *l != "    stack:")
            .skip(1)
            .take_while(|l| l.starts_with("      "))
            .map(str::to_owned)
            .collect()
    };
    let (f, u) = (stack(&folded), stack(&unfolded));
    assert!(
        f.iter().any(|l| l.contains(" frames in libc.so.6")),
        "start-up frames folded: {f:?}"
    );
    assert!(
        u.iter().any(|l| l.contains("__libc_start")),
        "unfolded: {u:?}"
    );
    assert!(u.len() > f.len());
    // The program's own frames are there either way.
    for name in ["connect_to_daemon", "try_daemon", "main"] {
        assert!(
            f.iter().any(|l| l.contains(&format!(" {name}+"))),
            "{name} in {f:?}"
        );
    }
}

#[test]
fn without_k_no_stack_is_taken() {
    let dir = tempdir("stack-trace-off");
    let prog = build(Build::CfiOnly, &dir);
    let (t, text) = trace(&prog, &dir, &[]);
    assert!(
        syscalls(&t, "connect")
            .iter()
            .all(|c| c.get("stack").is_none())
    );
    assert!(!text.contains("stack:"));
}

#[test]
fn a_corrupt_stack_is_marked_and_the_program_runs_on() {
    let dir = tempdir("stack-trace-corrupt");
    let prog = build(Build::CorruptReturn, &dir);
    // `trace` asserts exit status 0: the program restored its frame and went on.
    let (t, text) = trace(&prog, &dir, &["-k"]);
    for c in syscalls(&t, "connect") {
        assert_eq!(c["stack_end"]["reason"], "not-code", "{c}");
        assert_eq!(c["stack_end"]["addr"], 0x12345);
        assert_eq!(frames(c).len(), 2);
    }
    assert!(
        text.contains(
            "(walk stopped: return address 0x12345 is not in mapped code (corrupt stack?))"
        ),
        "{text}"
    );
}

#[test]
fn module_paths_are_escaped_before_the_terminal() {
    let dir = tempdir("stack-trace-escape");
    let evil = dir.join("bin\x1b[2J\x07dir");
    std::fs::create_dir_all(&evil).unwrap();
    let prog = evil.join("client");
    std::fs::copy(build(Build::FramePointers, &dir), &prog).unwrap();
    let (t, text) = trace(&prog, &dir, &["-k", "--color=never"]);
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    assert!(
        text.contains("bin\\x1b[2J\\x07dir/client connect_to_daemon+"),
        "{text}"
    );
    let c = syscalls(&t, "connect")[0];
    let f = frames(c);
    assert!(
        f.iter().any(|f| f
            .module
            .as_deref()
            .is_some_and(|m| m.ends_with("bin\\x1b[2J\\x07dir/client"))),
        "the saved module is a text field, escaped: {f:?}"
    );
}
