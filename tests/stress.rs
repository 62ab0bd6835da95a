//! Many threads and many processes (issue 10): every call reported exactly once, held
//! against what the program itself counted, and the exit status right. The full-size
//! run (64 threads x 1,000 connects) is bench/stress.sh; this one is sized for the test
//! suite's debug build.

#[path = "common/cbuild.rs"]
mod cbuild;
mod common;

use cbuild::fixture;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn count(out: &str, key: &str) -> usize {
    out.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {key}= in {out:?}"))
}

fn calls(t: &[Value], name: &str, errno: Option<&str>) -> usize {
    syscalls(t, name)
        .iter()
        .filter(|r| r["errno"].as_str() == errno)
        .count()
}

/// Every record has its own sequence number, 1..=N with none missing.
fn assert_each_once(t: &[Value]) {
    let seqs: Vec<u64> = t
        .iter()
        .filter(|r| r["type"] == "syscall")
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    let set: BTreeSet<u64> = seqs.iter().copied().collect();
    assert_eq!(set.len(), seqs.len(), "a sequence number used twice");
    assert_eq!(set.first(), Some(&1));
    assert_eq!(set.last(), Some(&(seqs.len() as u64)), "a record missing");
}

#[test]
fn threads_making_connects_half_failing_each_reported_once() {
    let dir = tempdir("stress-connects");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .args(["-o", "/dev/null", "--"])
        .arg(fixture("stress"))
        .args(["connects", "64", "250"]));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out} {}", stderr(&o));
    assert!(stderr(&o).is_empty(), "no warnings: {}", stderr(&o));
    let n = count(&out, "connects");
    assert_eq!(n, 64 * 250);
    assert_eq!(count(&out, "other"), 0);
    let t = read_trace(&save);
    assert_each_once(&t);
    assert_eq!(calls(&t, "connect", None), count(&out, "ok"));
    assert_eq!(calls(&t, "connect", Some("ENOENT")), count(&out, "enoent"));
    assert_eq!(syscalls(&t, "connect").len(), n);
    assert_eq!(calls(&t, "socket", None), n + 1, "and the listener");
    assert_eq!(calls(&t, "accept", None), count(&out, "accepted"));
    assert_eq!(calls(&t, "close", None), n + count(&out, "accepted"));
    let threads: BTreeSet<i64> = syscalls(&t, "connect")
        .iter()
        .map(|r| r["tid"].as_i64().unwrap())
        .collect();
    assert_eq!(threads.len(), 64);
    let leader = t.iter().find(|r| r["event"] == "spawn").unwrap()["pid"].clone();
    let exit = t
        .iter()
        .rfind(|r| r["event"] == "exit" && r["tid"] == leader)
        .unwrap();
    assert_eq!(exit["exit_code"], 0);
}

#[test]
fn a_forking_server_with_200_children_each_reported_once() {
    let dir = tempdir("stress-fork");
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .args(["-o", "/dev/null", "--"])
        .arg(fixture("restart"))
        .args(["accept-server", "200", "restart"]));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out} {}", stderr(&o));
    assert_eq!(out.trim(), "accepts=201 eintr=0");
    let t = read_trace(&save);
    assert_each_once(&t);
    assert_eq!(
        calls(&t, "accept", None),
        201 + 400,
        "201 accepts, 400 restarts"
    );
    assert_eq!(
        syscalls(&t, "accept")
            .iter()
            .filter(|r| r["restart"].is_null())
            .count(),
        201
    );
    assert!(syscalls(&t, "accept").iter().all(|r| r["errno"].is_null()));
    assert_eq!(calls(&t, "connect", None), 201);
    assert_eq!(calls(&t, "write", None), 200, "each child's reply");
    let forks: BTreeSet<i64> = t
        .iter()
        .filter(|r| r["event"] == "fork")
        .map(|r| r["pid"].as_i64().unwrap())
        .collect();
    assert_eq!(forks.len(), 201, "200 children and the client");
    let exited: BTreeSet<i64> = t
        .iter()
        .filter(|r| r["event"] == "exit" && r["exit_code"] == 0)
        .map(|r| r["pid"].as_i64().unwrap())
        .collect();
    assert!(forks.is_subset(&exited), "every child exited 0");
}
