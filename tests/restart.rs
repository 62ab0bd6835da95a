//! A call a signal interrupted is recorded as the program saw it (issue 10): restarted
//! (no error) when the kernel ran it again, EINTR exactly when the program got EINTR.
//! The fixture (tests/fixtures/restart.c) counts the EINTRs it saw itself.

#[path = "common/cbuild.rs"]
mod cbuild;
mod common;

use cbuild::fixture;
use common::*;
use serde_json::Value;

/// Counts of one call's records: (returned, restarted with no error seen, EINTR, other
/// failures).
fn tally(trace: &[Value], call: &str) -> (usize, usize, usize, usize) {
    let recs = syscalls(trace, call);
    let ok = recs
        .iter()
        .filter(|r| r["errno"].is_null() && r["restart"].is_null())
        .count();
    let not_seen = recs
        .iter()
        .filter(|r| r["errno"].is_null() && r["restart"].is_string())
        .count();
    let eintr = recs.iter().filter(|r| r["errno"] == "EINTR").count();
    (ok, not_seen, eintr, recs.len() - ok - not_seen - eintr)
}

/// Run the fixture under sockwhy; returns (trace, the fixture's stdout, stderr).
fn traced(extra: &[&str], args: &[&str]) -> (Vec<Value>, String, String) {
    let dir = tempdir(&format!("restart-{}", args.join("-")));
    let save = dir.join("t.jsonl");
    let o = run(sockwhy()
        .args(extra)
        .arg("--save")
        .arg(&save)
        .arg("--")
        .arg(fixture("restart"))
        .args(args));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{extra:?} {args:?}: {err}");
    (
        read_trace(&save),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        err,
    )
}

/// `key=N` from the fixture's output line.
fn count(out: &str, key: &str) -> usize {
    out.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {key}= in {out:?}"))
}

const N: usize = 20;

#[test]
fn accepts_restarted_by_sa_restart_are_not_failures() {
    for extra in [&[][..], &["--no-seccomp"][..]] {
        let (t, out, err) = traced(extra, &["accept-server", &N.to_string(), "restart"]);
        assert_eq!(count(&out, "eintr"), 0, "{out}");
        let (ok, not_seen, eintr, other) = tally(&t, "accept");
        assert_eq!(ok, count(&out, "accepts"), "{extra:?}");
        assert_eq!((eintr, other), (0, 0), "{extra:?}: no failed accept: {err}");
        // Each connection's SIGCHLD (handled, SA_RESTART) and SIGWINCH (ignored) found
        // the server blocked in accept: 2N interrupted accepts, none seen by the program.
        assert_eq!(not_seen, 2 * N, "{extra:?}");
        assert!(
            syscalls(&t, "accept")
                .iter()
                .filter(|r| r["restart"].is_string())
                .all(|r| r["restart"] == "ERESTARTSYS" && r["cause"].is_null())
        );
        assert!(!err.contains("EINTR"), "{err}");
    }
}

#[test]
fn restarted_accepts_are_not_in_failed_or_the_summary_errors() {
    let o = run(sockwhy()
        .args(["--failed", "-c", "--"])
        .arg(fixture("restart"))
        .args(["accept-server", "5", "restart"]));
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(!e.contains(" accept("), "--failed shows no accept: {e}");
    let row: Vec<&str> = e
        .lines()
        .find(|l| l.split_whitespace().last() == Some("accept"))
        .unwrap_or_else(|| panic!("no accept row in {e}"))
        .split_whitespace()
        .collect();
    // % time, seconds, usecs/call, calls, [errors,] syscall: no errors column value.
    assert_eq!(row.len(), 5, "accept has errors in the summary: {row:?}");
    assert_eq!(row[3], "16", "6 accepts and 10 interruptions: {row:?}");
}

#[test]
fn accepts_without_sa_restart_show_eintr_as_often_as_the_program_saw_it() {
    for extra in [&[][..], &["--no-seccomp"][..]] {
        let (t, out, err) = traced(extra, &["accept-server", &N.to_string(), "norestart"]);
        let seen = count(&out, "eintr");
        assert_eq!(seen, N, "{out}");
        let (ok, not_seen, eintr, other) = tally(&t, "accept");
        assert_eq!(eintr, seen, "{extra:?}: {err}");
        assert_eq!(ok, count(&out, "accepts"));
        assert_eq!(other, 0);
        // SIGWINCH has no handler: the kernel restarted those, the program saw nothing.
        assert_eq!(not_seen, N, "{extra:?}");
        let first = syscalls(&t, "accept")
            .into_iter()
            .find(|r| r["errno"] == "EINTR")
            .unwrap();
        assert_eq!(first["restart"], "ERESTARTSYS");
        let cause = first["cause"]["summary"].as_str().unwrap();
        assert!(cause.starts_with("SIGCHLD interrupted"), "{cause}");
        assert!(cause.contains("without SA_RESTART"), "{cause}");
        assert_eq!(first["cause"]["rule"], "signal.no-sa-restart");
    }
}

#[test]
fn recv_interrupted_with_and_without_sa_restart() {
    let (t, out, _) = traced(&[], &["recv", "10", "restart"]);
    assert_eq!(out.trim(), "recv=4 eintr=0 signals=10");
    assert_eq!(tally(&t, "recvfrom"), (1, 10, 0, 0));
    let (t, out, _) = traced(&[], &["recv", "10", "norestart"]);
    assert_eq!(out.trim(), "recv=4 eintr=10 signals=10");
    assert_eq!(tally(&t, "recvfrom"), (1, 0, 10, 0));
    // The record of the call that returned is the last, after its restarts.
    let r = syscalls(&t, "recvfrom");
    assert_eq!(r.last().unwrap()["ret"], 4);
}
