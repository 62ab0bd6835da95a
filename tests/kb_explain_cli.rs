//! `sockwhy explain` through the real binary: output shape and exit codes.

use std::process::{Command, Output};

fn explain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sockwhy"))
        .arg("explain")
        .args(args)
        .output()
        .expect("run sockwhy")
}

#[test]
fn explains_every_errno_of_the_knowledge_base_within_80_columns() {
    for errno in sockwhy::kb::errnos() {
        let out = explain(&[errno]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{errno}: {out:?}");
        assert!(text.starts_with(&format!("{errno} (")), "{text}");
        assert!(text.contains(": see "), "{text}");
        assert!(
            text.lines().all(|l| l.chars().count() <= 80),
            "{errno}: a line is wider than 80 columns:\n{text}"
        );
    }
}

#[test]
fn errno_by_number_with_a_call() {
    let out = explain(&["111", "connect"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.starts_with("ECONNREFUSED (111): "), "{text}");
    assert!(text.contains("\nconnect: see connect(2)\n"), "{text}");
}

#[test]
fn unknown_errno_and_unknown_call_fail_with_one_line() {
    for args in [&["ENOTANERRNO"][..], &["ENOENT", "conect"][..]] {
        let out = explain(args);
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("unknown"), "{err}");
    }
}
