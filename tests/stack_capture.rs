//! The stack module on its own, under real ptrace: each fixture is stopped at the exit of
//! its failing connect (PTRACE_TRACEME + PTRACE_SYSCALL, no sockwhy tracer), its stack is
//! captured there and symbolised after the process has gone on; the fixture's functions
//! and the file:line of each call site must appear in order.

mod common;

use common::stackfix::{Build, build, check_chain};
use nix::sys::ptrace;
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::Pid;
use sockwhy::model::stack::{RawStack, StackEnd};
use sockwhy::stack::{Capturer, Regs, StackOpts, Symbolizer};
use sockwhy::tracer::memory::read_tracee;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

/// Run `prog` under ptrace and capture at the exit stop of each connect (at most `n`).
fn capture_at_connects(prog: &Path, args: &[&str], cap: &mut Capturer) -> Vec<RawStack> {
    let mut cmd = Command::new(prog);
    cmd.args(args);
    // SAFETY: traceme is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| ptrace::traceme().map_err(std::io::Error::from));
    }
    // Reaped by the waitpid loop below (Exited), not by Child::wait.
    #[allow(clippy::zombie_processes)]
    let child = cmd.spawn().expect("start the fixture");
    let pid = Pid::from_raw(child.id() as i32);
    let mut stacks = Vec::new();
    let mut in_call = false;
    // The exec stop.
    assert!(matches!(
        waitpid(pid, None),
        Ok(WaitStatus::Stopped(_, Signal::SIGTRAP))
    ));
    ptrace::setoptions(pid, ptrace::Options::PTRACE_O_TRACESYSGOOD).unwrap();
    ptrace::syscall(pid, None).unwrap();
    loop {
        match waitpid(pid, None).unwrap() {
            WaitStatus::PtraceSyscall(_) => {
                let regs = ptrace::getregs(pid).unwrap();
                if regs.orig_rax == libc::SYS_connect as u64 {
                    if in_call {
                        let tid = pid.as_raw();
                        let r = Regs {
                            ip: regs.rip,
                            sp: regs.rsp,
                            bp: regs.rbp,
                        };
                        stacks.push(cap.capture(tid, Some(r), &|a, l| read_tracee(tid, a, l)));
                    }
                    in_call = !in_call;
                }
                ptrace::syscall(pid, None).unwrap();
            }
            WaitStatus::Exited(_, code) => {
                assert_eq!(code, 0, "the fixture's connects must all fail");
                break;
            }
            WaitStatus::Stopped(_, sig) => ptrace::syscall(pid, Some(sig)).unwrap(),
            other => panic!("unexpected stop {other:?}"),
        }
    }
    stacks
}

fn run(b: Build) {
    let dir = common::tempdir(&format!("stack-capture-{b:?}"));
    let prog = build(b, &dir);
    let mut cap = Capturer::new(StackOpts::default());
    let stacks = capture_at_connects(&prog, &["/nonexistent/stackfix.sock", "2"], &mut cap);
    assert_eq!(stacks.len(), 2);
    let mut sym = Symbolizer::new();
    for raw in &stacks {
        let frames = sym.symbolize(raw);
        assert!(
            matches!(raw.end, StackEnd::Complete),
            "{b:?}: the walk reaches _start, got {:?} after {frames:#?}",
            raw.end
        );
        if b == Build::Stripped {
            // No names for the program, but CFI still walks its three frames.
            let exe = prog.to_str().unwrap();
            let own = frames
                .iter()
                .filter(|f| f.module.as_deref() == Some(exe))
                .count();
            assert!(own >= 3, "three frames in the stripped program: {frames:?}");
        } else {
            check_chain(b, &frames);
        }
        let libc = &frames[0];
        assert!(
            libc.module
                .as_deref()
                .is_some_and(|m| m.contains("libc.so")),
            "{b:?}: innermost frame in libc: {libc:?}"
        );
        assert!(libc.function.is_some() && libc.function_offset.is_some());
    }
    assert_eq!(
        stacks[0].frames, stacks[1].frames,
        "the same call site twice gives the same addresses"
    );
    assert_eq!(stacks[0].modules, stacks[1].modules);
}

#[test]
fn gcc_o2_without_frame_pointers_walks_by_cfi() {
    run(Build::CfiOnly);
}

#[test]
fn gcc_with_frame_pointers() {
    run(Build::FramePointers);
}

#[test]
fn gcc_without_debug_info_names_from_the_symbol_table() {
    run(Build::NoDebugInfo);
}

#[test]
fn gcc_stripped_still_walks() {
    run(Build::Stripped);
}

#[test]
fn rust_program_demangled_with_lines() {
    run(Build::Rust);
}

#[test]
fn frame_and_byte_limits_end_the_walk_with_a_marker() {
    let dir = common::tempdir("stack-capture-limits");
    let prog = build(Build::CfiOnly, &dir);
    let mut cap = Capturer::new(StackOpts {
        frame_limit: 2,
        ..StackOpts::default()
    });
    let s = capture_at_connects(&prog, &["/nonexistent/x.sock"], &mut cap);
    assert_eq!(s[0].frames.len(), 2);
    assert_eq!(s[0].end, StackEnd::FrameLimit);
    // A budget smaller than one block of stack: nothing past the first frame.
    let mut cap = Capturer::new(StackOpts {
        max_bytes: 64,
        ..StackOpts::default()
    });
    let s = capture_at_connects(&prog, &["/nonexistent/x.sock"], &mut cap);
    assert_eq!(s[0].end, StackEnd::ByteLimit, "{:?}", s[0]);
    assert!(s[0].bytes_read <= 64);
}

#[test]
fn a_corrupt_return_address_ends_the_walk_with_a_marker() {
    let dir = common::tempdir("stack-capture-corrupt");
    let prog = build(Build::CorruptReturn, &dir);
    let mut cap = Capturer::new(StackOpts::default());
    let s = capture_at_connects(&prog, &["/nonexistent/x.sock"], &mut cap);
    assert_eq!(s[0].end, StackEnd::NotCode { addr: 0x12345 }, "{:?}", s[0]);
    let frames = Symbolizer::new().symbolize(&s[0]);
    let names: Vec<_> = frames.iter().map(|f| f.function.as_deref()).collect();
    assert_eq!(names.len(), 2, "{frames:?}");
    assert_eq!(names[1], Some("connect_to_daemon"));
}

#[test]
fn a_module_replaced_before_symbolisation_gets_no_names() {
    let dir = common::tempdir("stack-capture-replaced");
    let prog = build(Build::FramePointers, &dir);
    let mut cap = Capturer::new(StackOpts::default());
    let s = capture_at_connects(&prog, &["/nonexistent/x.sock"], &mut cap);
    // Another program under the same path (a new inode), as an upgrade would leave it.
    let other = build(Build::CfiOnly, &dir);
    let tmp = dir.join("replacement");
    std::fs::copy(&other, &tmp).unwrap();
    std::fs::rename(&tmp, &prog).unwrap();
    let frames = Symbolizer::new().symbolize(&s[0]);
    let exe = prog.to_str().unwrap();
    let own: Vec<_> = frames
        .iter()
        .filter(|f| f.module.as_deref() == Some(exe))
        .collect();
    assert!(own.len() >= 3, "{frames:?}");
    for f in own {
        assert!(
            f.function.is_none() && f.file.is_none() && f.offset.is_some(),
            "names from the replacement file would be wrong: {f:?}"
        );
    }
}
