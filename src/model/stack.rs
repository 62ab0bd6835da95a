//! A call's user-space stack: the raw addresses captured at the stop (with the identity of
//! every module they fall in, so symbolisation can run later, after the tracee has moved
//! on), and the symbolised frames that the saved trace keeps.

use serde::{Deserialize, Serialize};

/// One symbolised frame of a saved stack, innermost first (`stack` of a syscall record).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackFrame {
    /// The address in the process: the instruction pointer for the first frame, a return
    /// address for the others. Inlined frames repeat the address of the frame they are in.
    pub addr: u64,
    /// Path of the mapped file the address is in (as /proc/PID/maps names it, escaped);
    /// None for anonymous code (JIT) or an address outside every mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The address relative to the module's load bias: what `addr2line -e MODULE` takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Function name, demangled (Rust, C++), escaped; None when neither debug info nor a
    /// symbol table names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// Bytes from the start of the function's symbol to `addr` (`__connect+0x1b`), when the
    /// symbol table gives its start; None for inlined frames.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_offset: Option<u64>,
    /// Source file from the debug info, escaped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Line in `file` (of the call, for every frame but the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// True when the compiler inlined this function into the frame that follows it: it has
    /// no stack frame of its own, and `addr` is that of the frame it was inlined into.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inlined: bool,
}

/// Why a stack walk ended (`stack_end` of a syscall record; absent when it reached the
/// outermost frame).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum StackEnd {
    /// The walk reached the outermost frame.
    #[default]
    Complete,
    /// The frame limit (`--stack-trace-frame-limit`) was reached.
    FrameLimit,
    /// The bytes of stack memory one walk may read ran out.
    ByteLimit,
    /// The time one walk may take ran out.
    TimeLimit,
    /// The stack memory at `addr` could not be read.
    Unreadable {
        /// The address that could not be read.
        addr: u64,
    },
    /// The next return address was not in any mapped code: the stack is corrupt, or the
    /// code did not keep the unwind information the walk follows.
    NotCode {
        /// The address found.
        addr: u64,
    },
    /// The unwind rules gave a frame that does not move up the stack.
    Corrupt,
    /// The registers could not be read at the stop.
    NoRegisters,
    /// /proc/PID/maps could not be read (the process is gone, or not ours to read).
    NoMaps,
}

impl StackEnd {
    /// A few words for people: "frame limit reached", "stack unreadable at 0x7ff...".
    pub fn describe(self) -> String {
        match self {
            StackEnd::Complete => "complete".into(),
            StackEnd::FrameLimit => "frame limit reached".into(),
            StackEnd::ByteLimit => "stack byte limit reached".into(),
            StackEnd::TimeLimit => "time limit reached".into(),
            StackEnd::Unreadable { addr } => format!("stack unreadable at {addr:#x}"),
            StackEnd::NotCode { addr } => {
                format!("return address {addr:#x} is not in mapped code (corrupt stack?)")
            }
            StackEnd::Corrupt => "corrupt stack: a frame did not move up the stack".into(),
            StackEnd::NoRegisters => "registers could not be read".into(),
            StackEnd::NoMaps => "/proc/PID/maps could not be read".into(),
        }
    }
}

/// Identity of a mapped file at the stop: enough to find the same file later and to
/// notice that it changed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileId {
    /// Device, as stat reports it.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i128,
}

/// A module (mapped file) that a captured frame falls in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleRef {
    /// The path /proc/PID/maps shows (raw bytes).
    pub path: Vec<u8>,
    /// Where sockwhy opened it (the path itself, or through /proc/PID/root or
    /// /proc/PID/map_files when the path does not lead to the mapped file).
    pub open_path: std::path::PathBuf,
    /// The file's identity when it was opened.
    pub id: FileId,
    /// Load bias: address in the process minus address in the file.
    pub bias: u64,
    /// GNU build id (NT_GNU_BUILD_ID), when the file has one.
    pub build_id: Option<Vec<u8>>,
}

/// One captured frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawFrame {
    /// The instruction pointer (first frame) or a return address.
    pub addr: u64,
    /// True for a return address: the call is the instruction before it.
    pub is_return: bool,
    /// Index into `RawStack::modules`, None when the address is not in a mapped file.
    pub module: Option<u16>,
}

/// A stack as captured at the stop: addresses only, symbolised later.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawStack {
    /// Innermost first.
    pub frames: Vec<RawFrame>,
    /// The modules the frames refer to.
    pub modules: Vec<ModuleRef>,
    /// Why the walk ended.
    pub end: StackEnd,
    /// Bytes of stack memory read.
    pub bytes_read: usize,
    /// Time the walk took, in nanoseconds (registers, maps, unwind tables, memory).
    pub capture_ns: u64,
}
