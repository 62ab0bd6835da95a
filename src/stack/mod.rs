//! User-space stacks at a stop (`-k`). Two halves, on two threads:
//!
//! - capture (`Capturer`, on the tracer thread, while the tracee is stopped): registers
//!   from the tracer, /proc/PID/maps, the stack through the tracer's bounded memory reader;
//!   framehop walks it with each module's CFI (.eh_frame/.debug_frame; frame pointers where
//!   a module has none). The result is addresses plus the identity of each module
//!   (`RawStack`), so nothing needs the tracee afterwards.
//! - symbolise (`Symbolizer`, on the pipeline thread): DWARF functions, inlining and
//!   file:line through addr2line, ELF symbols where there is no debug info.
//!
//! Both keep per-file caches keyed by file identity (dev, inode, size, mtime): a second
//! failure in the same modules reads no file. Every walk is bounded in frames, stack bytes
//! and time; a corrupt stack ends it with a `StackEnd` marker.
//! Fuzz with `cargo +nightly fuzz run --dev stack` (fuzz/fuzz_targets/stack.rs).

pub mod elf;
pub mod files;
pub mod fold;
pub mod maps;
pub mod memory;
pub mod symbolize;
pub mod symbols;
pub mod unwind;

pub use memory::ReadMemory;
pub use symbolize::Symbolizer;
pub use unwind::Capturer;

use std::time::Duration;

/// The registers a walk starts from, read by the tracer at the stop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    /// Instruction pointer (rip).
    pub ip: u64,
    /// Stack pointer (rsp).
    pub sp: u64,
    /// Frame pointer (rbp).
    pub bp: u64,
}

/// Frames a walk stops at unless told otherwise (`--stack-trace-frame-limit`).
pub const DEFAULT_FRAME_LIMIT: usize = 32;
/// The most frames any walk takes, whatever the limit asked.
pub const MAX_FRAME_LIMIT: usize = 4096;

/// Bounds and choices of the walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackOpts {
    /// Frames at most.
    pub frame_limit: usize,
    /// Bytes of stack memory read at most per walk.
    pub max_bytes: usize,
    /// Time per walk, module tables read on first use included. Checked between frames
    /// and reads: a table being read is finished first.
    pub time_limit: Duration,
    /// Take a stack at every reported call, not only at failures.
    pub every_call: bool,
}

impl Default for StackOpts {
    fn default() -> Self {
        StackOpts {
            frame_limit: DEFAULT_FRAME_LIMIT,
            max_bytes: 512 << 10,
            time_limit: Duration::from_millis(100),
            every_call: false,
        }
    }
}
