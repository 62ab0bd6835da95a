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

use sockwhy::model::RawStack;
use sockwhy::stack::{Capturer, StackOpts, Symbolizer};
use stackfix::{Build, build, capture_at_connects};
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
        let captured = capture_at_connects(
            &prog,
            &["/nonexistent/bench.sock", &n.to_string()],
            &mut cap,
        );
        let times: Vec<Duration> = captured.iter().map(|c| c.took).collect();
        let stacks: Vec<RawStack> = captured.into_iter().map(|c| c.stack).collect();
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
