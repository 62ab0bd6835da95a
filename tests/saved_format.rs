//! The saved format keeps its promise (docs/trace-format.md, Versioning): a later sockwhy
//! may add names to any list of names without a new version, and `sockwhy report` reads
//! such a trace and shows each unknown name as it is. One test per kind of name, each
//! changing one name of tests/fixtures/known-names.jsonl (the view's loader has the same
//! tests in src/tui/tests.rs).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn base() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/known-names.jsonl");
    fs::read_to_string(p).expect("known-names fixture")
}

/// The fixture with `from` replaced by `to` (which must occur).
fn with(name: &str, from: &str, to: &str) -> PathBuf {
    let text = base();
    assert!(text.contains(from), "{from} not in the fixture");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("saved_format");
    fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.jsonl"));
    fs::write(&p, text.replace(from, to)).unwrap();
    p
}

/// `sockwhy report` in every format: all succeed; the text report is returned.
fn report(file: &Path) -> String {
    let mut text = String::new();
    for format in ["text", "markdown", "html", "json"] {
        let o = Command::new(env!("CARGO_BIN_EXE_sockwhy"))
            .args(["report", "--format", format])
            .arg(file)
            .output()
            .expect("run sockwhy");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
        if format == "text" {
            text = String::from_utf8(o.stdout).unwrap();
        }
    }
    text
}

/// The report with every run of whitespace as one space: the text report wraps long lines
/// at 80 columns, so a value is found whole only across the breaks.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn line_with<'a>(text: &'a str, what: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no line with {what:?} in:\n{text}"))
}

#[test]
fn the_base_trace_reads() {
    let r = report(&with("base", "\"connect\"", "\"connect\""));
    assert!(r.contains("#1 sendmsg EBADF"), "{r}");
}

#[test]
fn an_unknown_syscall_is_shown_as_it_is() {
    let r = report(&with(
        "syscall",
        "\"syscall\":\"connect\"",
        "\"syscall\":\"frobnicate\"",
    ));
    assert!(line_with(&r, "frobnicate ENOENT").starts_with('#'), "{r}");
    assert!(
        flat(&r).contains(
            "frobnicate(3<UNIX-STREAM:[81234]>, {sa_family=AF_UNIX, sun_path=\"/run/app.sock\"}, 16) = -1 ENOENT"
        ),
        "{r}"
    );
    assert!(
        line_with(&r, "1 frobnicate").contains("1 frobnicate"),
        "{r}"
    );
}

#[test]
fn an_unknown_errno_is_shown_as_it_is() {
    let r = report(&with(
        "errno",
        "\"errno\":\"ENOENT\"",
        "\"errno\":\"EFUTURE\"",
    ));
    assert!(line_with(&r, "connect EFUTURE").starts_with('#'), "{r}");
    assert!(line_with(&r, "EFUTURE   ").contains("connect"), "{r}");
}

#[test]
fn an_unknown_socket_kind_is_shown_as_it_is() {
    let r = report(&with(
        "proto",
        "\"proto\":\"UNIX-STREAM\"",
        "\"proto\":\"QUIC\"",
    ));
    assert!(line_with(&r, "fd 3: ").contains("QUIC:[81234]"), "{r}");
}

#[test]
fn an_unknown_cmsg_kind_is_shown_as_it_is() {
    let r = report(&with(
        "cmsg",
        "{\"cmsg\":\"rights\",\"fds\":[9],\"targets\":[null]}",
        "{\"cmsg\":\"timestamp\",\"ns\":5}",
    ));
    assert!(line_with(&r, "cmsg: ").contains("timestamp"), "{r}");
}

#[test]
fn an_unknown_address_kind_is_shown_as_it_is() {
    let r = report(&with(
        "addr",
        "\"kind\":\"path\",\"path\":\"/run/app.sock\"",
        "\"kind\":\"vsock\",\"path\":\"cid:3\"",
    ));
    assert!(
        line_with(&r, "connect ENOENT").contains("vsock \"cid:3\""),
        "{r}"
    );
    assert!(
        flat(&r).contains(
            "address: AF_UNIX address of a kind this sockwhy does not know: vsock \"cid:3\", addrlen 16"
        ),
        "{r}"
    );
}

#[test]
fn an_unknown_process_event_is_shown_as_it_is() {
    let r = report(&with(
        "event",
        "\"event\":\"exec\"",
        "\"event\":\"migrate\"",
    ));
    assert!(
        flat(&r).contains(
            "4100: spawned at +0.000001s, exited 1 at +0.000005s; 2 calls, 2 failed, events this sockwhy does not know: migrate"
        ),
        "{r}"
    );
}

#[test]
fn an_unknown_confidence_is_shown_as_it_is() {
    let r = report(&with(
        "confidence",
        "\"confidence\":\"high\"",
        "\"confidence\":\"certain\"",
    ));
    assert!(
        line_with(&r, "cause: ").contains("(certain confidence)"),
        "{r}"
    );
}
