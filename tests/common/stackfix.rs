//! The -k fixtures (tests/fixtures/stack/): a C client built four ways and a Rust one, each
//! failing a connect from `connect_to_daemon`, called from `try_daemon`, called from `main`.

use nix::sys::ptrace;
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::Pid;
use sockwhy::model::{RawStack, StackFrame};
use sockwhy::stack::{Capturer, Regs};
use sockwhy::tracer::read_tracee;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How a fixture is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    /// gcc -g -O2 -fomit-frame-pointer, with rbp zeroed in try_daemon: only CFI gets past it.
    CfiOnly,
    /// gcc -g -O1 -fno-omit-frame-pointer.
    FramePointers,
    /// gcc -O2, no -g: names from the symbol table, no file:line.
    NoDebugInfo,
    /// gcc -O2 -s: no symbol table either (only CFI and the dynamic symbols).
    Stripped,
    /// rustc -g -C opt-level=1.
    Rust,
    /// gcc -g -O1 -fno-omit-frame-pointer, connect_to_daemon's return address garbage
    /// (0x12345) while connect runs.
    CorruptReturn,
    /// gcc -g -O2 -pthread: the connects come from a second thread (`client_thread`).
    Thread,
}

impl Build {
    /// Whether the build has DWARF line information.
    pub fn has_lines(self) -> bool {
        matches!(
            self,
            Build::CfiOnly | Build::FramePointers | Build::Rust | Build::Thread
        )
    }

    /// The fixture's function names, innermost first, as the stack must show them.
    pub fn call_chain(self) -> [&'static str; 3] {
        match self {
            Build::Thread => ["connect_to_daemon", "try_daemon", "client_thread"],
            _ => ["connect_to_daemon", "try_daemon", "main"],
        }
    }
}

/// The fixture's source file.
pub fn source(b: Build) -> PathBuf {
    let name = if b == Build::Rust {
        "stackfix.rs"
    } else {
        "stackfix.c"
    };
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stack")
        .join(name)
}

/// Build the fixture into `dir` (once per directory and way); returns the program.
pub fn build(b: Build, dir: &Path) -> PathBuf {
    let out = dir.join(format!("stackfix-{b:?}").to_lowercase());
    if out.exists() {
        return out;
    }
    let src = source(b);
    let mut cmd = match b {
        Build::Rust => {
            let mut c = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()));
            c.args(["-g", "-C", "opt-level=1", "--edition", "2021", "-o"]);
            c
        }
        _ => {
            let mut c = Command::new("gcc");
            c.args(match b {
                Build::CfiOnly => &["-g", "-O2", "-fomit-frame-pointer", "-DCLOBBER_RBP"][..],
                Build::FramePointers => &["-g", "-O1", "-fno-omit-frame-pointer"][..],
                Build::NoDebugInfo => &["-O2"][..],
                Build::CorruptReturn => {
                    &["-g", "-O1", "-fno-omit-frame-pointer", "-DCORRUPT_RA"][..]
                }
                Build::Thread => &["-g", "-O2", "-pthread", "-DIN_THREAD"][..],
                _ => &["-O2", "-s"][..],
            });
            c.arg("-o");
            c
        }
    };
    let st = cmd
        .arg(&out)
        .arg(&src)
        .status()
        .expect("gcc and rustc are needed to build the stack fixtures");
    assert!(st.success(), "building {} ({b:?}) failed", src.display());
    out
}

/// The line of the source marked `@mark`.
pub fn line_of(b: Build, mark: &str) -> u32 {
    let text = std::fs::read_to_string(source(b)).unwrap();
    let tag = format!("@{mark}");
    // The whole mark: `@call-try_daemon` is not `@call-try_daemon-in-thread`.
    let marked = |l: &str| {
        l.match_indices(&tag).any(|(at, _)| {
            l[at + tag.len()..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_'))
        })
    };
    let i = text
        .lines()
        .position(marked)
        .unwrap_or_else(|| panic!("no {tag} in the fixture"));
    i as u32 + 1
}

fn name_of(f: &StackFrame) -> &str {
    f.function.as_deref().unwrap_or("")
}

/// `fn_name` as the frame names it: `connect_to_daemon`, or `stackfix::connect_to_daemon`.
fn is_fn(f: &StackFrame, fn_name: &str) -> bool {
    let n = name_of(f);
    n == fn_name || n.ends_with(&format!("::{fn_name}"))
}

/// The chain connect_to_daemon <- try_daemon <- main appears in order, each with its call
/// site's file:line when the build has line info; the frame before it is the C library's.
pub fn check_chain(b: Build, frames: &[StackFrame]) {
    let shown: Vec<String> = frames
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {:?}:{:?} inlined={}",
                f.module.as_deref().unwrap_or("?"),
                f.function,
                f.file,
                f.line,
                f.inlined
            )
        })
        .collect();
    let ctx = format!("{b:?}:\n  {}", shown.join("\n  "));
    let chain = b.call_chain();
    let first = frames
        .iter()
        .position(|f| is_fn(f, chain[0]))
        .unwrap_or_else(|| panic!("no connect_to_daemon frame in {ctx}"));
    assert!(first > 0, "the connect wrapper comes first: {ctx}");
    let own: Vec<&StackFrame> = frames[first..].iter().filter(|f| !f.inlined).collect();
    for (i, name) in chain.iter().enumerate() {
        let f = own
            .get(i)
            .unwrap_or_else(|| panic!("frame for {name} missing in {ctx}"));
        assert!(is_fn(f, name), "expected {name} at own frame {i} in {ctx}");
        if b.has_lines() {
            let mark = match i {
                0 => "connect".to_owned(),
                2 if b == Build::Thread => "call-try_daemon-in-thread".to_owned(),
                _ => format!("call-{}", chain[i - 1]),
            };
            // Each frame's line is where it is in its own function: for the caller of an
            // inlined call, the line of that call.
            let site = f;
            let want = line_of(b, &mark);
            assert_eq!(site.line, Some(want), "line of @{mark} in {ctx}");
            assert!(
                site.file
                    .as_deref()
                    .is_some_and(|p| p.ends_with(if b == Build::Rust {
                        "stackfix.rs"
                    } else {
                        "stackfix.c"
                    })),
                "file of @{mark} in {ctx}"
            );
        }
    }
}

/// A stack taken at a connect's exit stop, and what taking it cost (registers included).
pub struct Captured {
    /// The stack.
    pub stack: RawStack,
    /// Time from the register read to the end of the walk.
    pub took: Duration,
}

/// Run `prog` under plain ptrace (PTRACE_TRACEME + PTRACE_SYSCALL, no sockwhy tracer) and
/// capture at the exit stop of each of its connects; it must exit 0 (all failed).
pub fn capture_at_connects(prog: &Path, args: &[&str], cap: &mut Capturer) -> Vec<Captured> {
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
    let mut out = Vec::new();
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
                let nr = ptrace::getregs(pid).unwrap().orig_rax;
                if nr == libc::SYS_connect as u64 {
                    if in_call {
                        let tid = pid.as_raw();
                        let t = Instant::now();
                        let r = ptrace::getregs(pid).ok().map(|r| Regs {
                            ip: r.rip,
                            sp: r.rsp,
                            bp: r.rbp,
                        });
                        let stack = cap.capture(tid, r, &|a, l| read_tracee(tid, a, l));
                        out.push(Captured {
                            stack,
                            took: t.elapsed(),
                        });
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
    out
}
