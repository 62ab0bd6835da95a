//! Shared by the integration tests: the sockwhy binary, the C fixture, trace parsing.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The sockwhy binary under test.
pub fn sockwhy() -> Command {
    watchdog();
    Command::new(env!("CARGO_BIN_EXE_sockwhy"))
}

/// How long one test process may run. `cargo test` runs a file's tests in one process
/// and has no timeout of its own (nextest has, in .config/nextest.toml): a test that
/// hangs on a stuck tracee must fail, not hold CI until its own limit.
const WATCHDOG: Duration = Duration::from_secs(300);

/// Start (once per process) the thread that ends this test process after [`WATCHDOG`].
pub fn watchdog() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        std::thread::spawn(|| {
            std::thread::sleep(WATCHDOG);
            eprintln!("a test of this file hangs: still running after {WATCHDOG:?}");
            std::process::exit(124);
        });
    });
}

/// The fixture program, compiled once per test binary with gcc.
pub fn tracee() -> &'static Path {
    watchdog();
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| compile_fixture("tracee"))
}

/// Compile tests/fixtures/NAME.c with gcc into the target's temp directory.
pub fn compile_fixture(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let out = dir.join(format!("{name}-{}", std::process::id()));
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{name}.c"));
    let st = Command::new("gcc")
        .args(["-O1", "-Wall", "-pthread", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .expect("gcc is needed to build the test fixture");
    assert!(st.success(), "compiling {} failed", src.display());
    out
}

/// A fresh temporary directory for one test, under the target directory.
pub fn tempdir(name: &str) -> PathBuf {
    unique_dir(Path::new(env!("CARGO_TARGET_TMPDIR")), name)
}

/// A fresh directory `PARENT/NAME-PID-N`: the pid tells test processes apart (nextest) and
/// N the tests of one process (`cargo test` runs a file's tests as threads of one process),
/// so no two tests ever share a directory, whatever names they pass.
pub fn unique_dir(parent: &Path, name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let d = parent.join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Poll `f` every 20 ms until it holds; fail naming `what` after `timeout`.
pub fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The voluntary context switches of all threads of `pid`: the count grows while the
/// process runs a loop that sleeps, so a test can see it running instead of sleeping on it.
pub fn context_switches(pid: i32) -> Option<u64> {
    let mut n = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let s = std::fs::read_to_string(task.ok()?.path().join("status")).ok()?;
        n += s
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))?
            .trim()
            .parse::<u64>()
            .ok()?;
    }
    Some(n)
}

/// The CPU time of `pid` so far (all its threads), in clock ticks: utime + stime of
/// /proc/PID/stat.
pub fn cpu_ticks(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // After the command name in parentheses: the state is field 3, utime and stime 14, 15.
    let f: Vec<&str> = s[s.rfind(')').unwrap() + 2..].split(' ').collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

/// Wait until `pid` has gone on running (at least `n` more context switches, its state
/// never stopped), within 10 s: the positive check that it was left working.
pub fn wait_running(pid: i32, n: u64) {
    let start = context_switches(pid).expect("process alive");
    wait_for(
        &format!("pid {pid} to keep running"),
        Duration::from_secs(10),
        || {
            let (state, _) = proc_state(pid).expect("process alive");
            assert!(
                !state.starts_with(['t', 'T', 'Z', 'X']),
                "pid {pid} is {state}"
            );
            context_switches(pid).expect("process alive") >= start + n
        },
    );
}

/// Send `sig` to `pid`.
pub fn kill(pid: i32, sig: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig)
        .unwrap_or_else(|e| panic!("kill({pid}, {sig}): {e}"));
}

/// For a test compiled with `is_root` (build.rs): say so clearly if it runs without root
/// after all (built as root, run as someone else).
pub fn require_root() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test needs root (it was built as root; rebuild as this user to ignore it)"
    );
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

/// A child killed and reaped when dropped, so a failing test leaves no process behind.
pub struct Reaped(pub std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The contents of `path` once a whole line is there (a shell or the fixture writes it
/// while the test watches), within 10 s.
pub fn read_line_file(path: &Path) -> String {
    wait_for(
        &format!("a line in {}", path.display()),
        Duration::from_secs(10),
        || std::fs::read_to_string(path).is_ok_and(|s| s.ends_with('\n')),
    );
    std::fs::read_to_string(path).unwrap()
}

/// Start the fixture in a long-running `mode` (loop, threads-loop) that writes its pid to
/// a file in `dir`; the child and its pid once it is running.
pub fn spawn_fixture_loop(mode: &str, dir: &Path) -> (Reaped, i32) {
    let pidf = dir.join(format!("{mode}.pid"));
    let child = Command::new(tracee())
        .arg(mode)
        .arg(&pidf)
        .spawn()
        .expect("start the fixture");
    let child = Reaped(child);
    let pid = read_line_file(&pidf).trim().parse().unwrap();
    (child, pid)
}

/// The connect calls of a trace that failed.
pub fn failed_connects_in(trace: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    trace
        .into_iter()
        .filter(|r| r["type"] == "syscall" && r["syscall"] == "connect" && !r["errno"].is_null())
        .collect()
}

/// Trace only the connect calls of `cmd` (in `cwd` when given, with `env` added, stdin
/// empty); the records of those that failed.
pub fn traced_failed_connects(
    tag: &str,
    cwd: Option<&Path>,
    env: &[(&str, &str)],
    cmd: &[&str],
) -> Vec<serde_json::Value> {
    let save = tempdir(tag).join("t.jsonl");
    let mut c = sockwhy();
    if let Some(d) = cwd {
        c.current_dir(d);
    }
    c.arg("--save")
        .arg(&save)
        .args(["-o", "/dev/null", "-e", "trace=connect", "--"])
        .args(cmd)
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let o = run(&mut c);
    assert!(o.status.code().is_some(), "{}", stderr(&o));
    failed_connects_in(read_trace(&save))
}

/// `records` without glibc's connects to nscd's socket. A program that looks up a user
/// or a host (python without HOME asks for the user's home directory) first tries
/// nscd, and fails where it is not running: tests/services.rs and tests/classify.rs
/// check that failure; a test about a client's own failing connect leaves it out.
pub fn without_nscd(records: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    records
        .into_iter()
        .filter(|r| r["addr"]["path"] != "/var/run/nscd/socket")
        .collect()
}
