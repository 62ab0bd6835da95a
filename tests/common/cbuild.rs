//! C fixture programs other than tracee.c, built once per test process with gcc.
//! Included with `#[path = "common/cbuild.rs"] mod cbuild;`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// tests/fixtures/NAME.c, compiled (with -pthread) once per test process: tests of one
/// file run as threads of one process under `cargo test`, and must not build the same
/// fixture at once.
pub fn fixture(name: &str) -> PathBuf {
    static BUILT: Mutex<BTreeMap<String, PathBuf>> = Mutex::new(BTreeMap::new());
    crate::common::watchdog();
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    built
        .entry(name.to_owned())
        .or_insert_with(|| crate::common::compile_fixture(name))
        .clone()
}

/// Wait for `child` to exit, killing it and failing the test after `timeout`.
pub fn wait_deadline(child: &mut Child, what: &str, timeout: Duration) -> ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if t.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Poll `f` every 10 ms until it is true; fail the test after `timeout`.
pub fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The pid a fixture wrote to `path`.
pub fn read_pid(path: &Path) -> i32 {
    wait_for("the fixture's pid file", Duration::from_secs(10), || {
        std::fs::read_to_string(path).is_ok_and(|s| s.ends_with('\n'))
    });
    std::fs::read_to_string(path)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}
