//! Every bundled scenario, run untraced through the real binary, makes the kernel return
//! the errno it promises and says so.

mod common;
use common::UNIX7_ERRNOS;

use std::process::{Command, Stdio};

/// Exit code, stdout, stderr and pid of `sockwhy __scenario NAME`.
fn run_with_pid(name: &str) -> (i32, String, String, u32) {
    let child = Command::new(env!("CARGO_BIN_EXE_sockwhy"))
        .args(["__scenario", name])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sockwhy");
    let pid = child.id();
    let out = child.wait_with_output().expect("wait for sockwhy");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        pid,
    )
}

fn run_scenario(name: &str) -> (i32, String, String) {
    let (code, stdout, stderr, _) = run_with_pid(name);
    (code, stdout, stderr)
}

/// The names of sockwhy's scratch directories (`sockwhy-...`) in the temp dir now.
fn scratch_dirs() -> std::collections::BTreeSet<String> {
    std::fs::read_dir(std::env::temp_dir())
        .expect("read temp dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("sockwhy-"))
        .collect()
}

/// A scratch directory (`sockwhy-TAG-PID-N`) that the scenario run `pid` left in the temp
/// dir: one named for its pid that was not there before it ran (an earlier process with
/// the same pid, pids being reused, may have left one of its own).
fn leftover_scratch(pid: u32, before: &std::collections::BTreeSet<String>) -> Option<String> {
    let infix = format!("-{pid}-");
    scratch_dirs()
        .into_iter()
        .find(|n| n.contains(&infix) && !before.contains(n))
}

/// Runs the scenarios (those that need root, or the others): the expected errno, exit 0,
/// and no scratch directory left behind (eacces leaves a directory without search
/// permission, the hardest to remove).
fn check_scenarios(needs_root: bool) {
    let mut failures = Vec::new();
    let mut ran = 0;
    for s in sockwhy::scenario::all()
        .iter()
        .filter(|s| s.needs_root == needs_root)
    {
        ran += 1;
        let before = scratch_dirs();
        let (code, stdout, stderr, pid) = run_with_pid(s.name);
        if let Some(dir) = leftover_scratch(pid, &before) {
            failures.push(format!("{}: left {dir} behind", s.name));
        }
        if s.inject.is_some() {
            // The failure comes from --inject under the tracer; untraced the call succeeds.
            if code != 1 || !stdout.contains("succeeded") {
                failures.push(format!("{}: exit {code}\n{stdout}{stderr}", s.name));
            }
            continue;
        }
        let said = stdout.contains(&format!("got {} (expected {})", s.errno, s.errno));
        if code != 0 || !said {
            failures.push(format!(
                "{} (expected {}): exit {code}\n{stdout}{stderr}",
                s.name, s.errno
            ));
        }
    }
    assert!(ran > 0, "no scenario with needs_root={needs_root}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_scenario_gets_its_errno() {
    check_scenarios(false);
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root")]
fn every_root_scenario_gets_its_errno() {
    common::require_root();
    check_scenarios(true);
}

#[test]
fn every_unix7_errno_has_a_scenario() {
    let unix7: Vec<&str> = UNIX7_ERRNOS
        .iter()
        .copied()
        .chain(["EACCES", "EAGAIN"])
        .collect();
    let all = sockwhy::scenario::all();
    for errno in &unix7 {
        assert!(
            all.iter().any(|s| s.errno == *errno),
            "no scenario for {errno}"
        );
    }
    let mut names: Vec<&str> = all.iter().map(|s| s.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len(), "scenario names are unique");
    assert_eq!(all[0].name, "daemon", "the default demo comes first");
    for s in all {
        // `demo --list` prints the name in 20 columns: keep each line within 80.
        assert!(
            s.about.chars().count() <= 59,
            "{}: description too long",
            s.name
        );
    }
}

#[test]
fn daemon_story_fails_twice_then_succeeds() {
    let (code, stdout, _) = run_scenario("daemon");
    assert_eq!(code, 0, "{stdout}");
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("client:"))
        .collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(lines[0].contains("got ECONNREFUSED"), "{stdout}");
    assert!(lines[1].contains("got ENOENT"), "{stdout}");
    assert!(lines[2].ends_with(": ok"), "{stdout}");
    assert!(lines[3].contains("PONG"), "{stdout}");
}

#[test]
fn unknown_scenario_is_one_line_and_fails() {
    let (code, stdout, stderr) = run_scenario("no-such-scenario");
    assert_ne!(code, 0);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
