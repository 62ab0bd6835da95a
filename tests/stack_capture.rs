//! The stack module on its own, under real ptrace: each fixture is stopped at the exit of
//! its failing connect (PTRACE_TRACEME + PTRACE_SYSCALL, no sockwhy tracer), its stack is
//! captured there and symbolised after the process has gone on; the fixture's functions
//! and the file:line of each call site must appear in order.

mod common;

use common::stackfix::{self, Build, build, check_chain};
use sockwhy::model::stack::{RawStack, StackEnd};
use sockwhy::stack::{Capturer, StackOpts, Symbolizer};
use std::path::Path;

/// The stacks captured at each connect's exit stop.
fn capture_at_connects(prog: &Path, args: &[&str], cap: &mut Capturer) -> Vec<RawStack> {
    stackfix::capture_at_connects(prog, args, cap)
        .into_iter()
        .map(|c| c.stack)
        .collect()
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
