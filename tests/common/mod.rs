//! Shared by the integration tests: the sockwhy binary, the C fixture, trace parsing.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The sockwhy binary under test.
pub fn sockwhy() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sockwhy"))
}

/// The fixture program, compiled once per test binary with gcc.
pub fn tracee() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let out = dir.join(format!("tracee-{}", std::process::id()));
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tracee.c");
        let st = Command::new("gcc")
            .args(["-O1", "-pthread", "-o"])
            .arg(&out)
            .arg(&src)
            .status()
            .expect("gcc is needed to build the test fixture");
        assert!(st.success(), "compiling {} failed", src.display());
        out
    })
}

/// A fresh temporary directory for one test.
pub fn tempdir(name: &str) -> PathBuf {
    let d =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Parse a JSON Lines trace into values.
pub fn read_trace(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

/// The syscall records of a trace.
pub fn syscalls<'a>(trace: &'a [serde_json::Value], name: &str) -> Vec<&'a serde_json::Value> {
    trace
        .iter()
        .filter(|r| r["type"] == "syscall" && r["syscall"] == name)
        .collect()
}

/// Run and capture.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run sockwhy")
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The errnos of unix(7)'s ERRORS section, as in ../shared/reference/unix7-errors.txt.
pub const UNIX7_ERRNOS: &[&str] = &[
    "EADDRINUSE",
    "EBADF",
    "ECONNREFUSED",
    "ECONNRESET",
    "EFAULT",
    "EINVAL",
    "EISCONN",
    "ENOENT",
    "ENOMEM",
    "ENOTCONN",
    "EOPNOTSUPP",
    "EPERM",
    "EPIPE",
    "EPROTONOSUPPORT",
    "EPROTOTYPE",
    "ESOCKTNOSUPPORT",
    "ESRCH",
    "ETOOMANYREFS",
];

/// A process's state letter line and its TracerPid, from /proc/PID/status.
pub fn proc_state(pid: i32) -> Option<(String, i32)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let state = s
        .lines()
        .find_map(|l| l.strip_prefix("State:"))?
        .trim()
        .to_owned();
    let tracer = s
        .lines()
        .find_map(|l| l.strip_prefix("TracerPid:"))?
        .trim()
        .parse()
        .ok()?;
    Some((state, tracer))
}
pub mod stackfix;
pub mod tmux;
