//! What one -k stack costs, measured inside: a fixture makes N failing connects under
//! plain ptrace (no sockwhy tracer), and at each exit stop the stack module captures the
//! stack (the part the tracee waits for); afterwards each is symbolised (the pipeline's
//! part). Prints the first (cold: unwind tables and DWARF read) and the rest (warm: caches)
//! separately, as median and 99th percentile.
//!
//!     cargo bench --bench stack            # 10,000 connects, C and Rust fixtures
//!     cargo bench --bench stack -- 2000    # another count
//!
//! The wall-clock cost against strace -k on the same workload is bench/stack_k.sh.

#[path = "../tests/common/stackfix.rs"]
#[allow(dead_code)]
mod stackfix;

use nix::sys::ptrace;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::Pid;
use sockwhy::model::RawStack;
use sockwhy::stack::{Capturer, Regs, StackOpts, Symbolizer};
use sockwhy::tracer::memory::read_tracee;
use stackfix::{Build, build};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-stack");
    std::fs::create_dir_all(&dir).unwrap();
    println!("{n} failing connects per program; times per stack");
    println!(
        "{:<8} {:>6} {:>12} {:>13} {:>13} {:>14} {:>14}",
        "program",
        "frames",
        "capture 1st",
        "capture p50",
        "capture p99",
        "symbolise 1st",
        "symbolise p50"
    );
    for b in [Build::CfiOnly, Build::Rust] {
        let prog = build(b, &dir);
        let mut cap = Capturer::new(StackOpts::default());
        let (stacks, times) = run(&prog, n, &mut cap);
        let mut sym = Symbolizer::new();
        let mut stimes = Vec::new();
        let mut frames = 0;
        for s in &stacks {
            let t = Instant::now();
            frames = sym.symbolize(s).len();
            stimes.push(t.elapsed());
        }
        let (c1, crest) = times.split_first().unwrap();
        let (s1, srest) = stimes.split_first().unwrap();
        println!(
            "{:<8} {:>6} {:>12} {:>13} {:>13} {:>14} {:>14}",
            format!("{b:?}"),
            frames,
            us(*c1),
            us(pct(crest, 50)),
            us(pct(crest, 99)),
            us(*s1),
            us(pct(srest, 50))
        );
    }
}

fn us(d: Duration) -> String {
    format!("{:.1} us", d.as_secs_f64() * 1e6)
}

fn pct(v: &[Duration], p: usize) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[(v.len() - 1) * p / 100]
}

/// Run `prog` with `n` failing connects under ptrace; capture at each exit stop.
fn run(prog: &std::path::Path, n: u64, cap: &mut Capturer) -> (Vec<RawStack>, Vec<Duration>) {
    let mut cmd = Command::new(prog);
    cmd.args(["/nonexistent/bench.sock", &n.to_string()]);
    // SAFETY: traceme is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| ptrace::traceme().map_err(std::io::Error::from));
    }
    #[allow(clippy::zombie_processes)] // reaped by waitpid below
    let child = cmd.spawn().unwrap();
    let pid = Pid::from_raw(child.id() as i32);
    waitpid(pid, None).unwrap();
    ptrace::setoptions(pid, ptrace::Options::PTRACE_O_TRACESYSGOOD).unwrap();
    ptrace::syscall(pid, None).unwrap();
    let (mut stacks, mut times, mut in_call) = (Vec::new(), Vec::new(), false);
    loop {
        match waitpid(pid, None).unwrap() {
            WaitStatus::PtraceSyscall(_) => {
                let regs = ptrace::getregs(pid).unwrap();
                if regs.orig_rax == libc::SYS_connect as u64 {
                    if in_call {
                        let tid = pid.as_raw();
                        let t = Instant::now();
                        // The register read is part of what a stop costs.
                        let r = ptrace::getregs(pid).unwrap();
                        let regs = Regs {
                            ip: r.rip,
                            sp: r.rsp,
                            bp: r.rbp,
                        };
                        let s = cap.capture(tid, Some(regs), &|a, l| read_tracee(tid, a, l));
                        times.push(t.elapsed());
                        stacks.push(s);
                    }
                    in_call = !in_call;
                }
                ptrace::syscall(pid, None).unwrap();
            }
            WaitStatus::Exited(..) => break,
            WaitStatus::Stopped(_, sig) => ptrace::syscall(pid, Some(sig)).unwrap(),
            _ => ptrace::syscall(pid, None).unwrap(),
        }
    }
    (stacks, times)
}
