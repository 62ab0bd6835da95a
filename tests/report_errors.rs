//! `sockwhy report` on damaged traces: a truncated last line is a warning (exit 0); an
//! empty, foreign, corrupt or newer-version file is one clear line and a non-zero exit.
//! The damaged files are made from tests/fixtures/demo.jsonl, so they follow the fixture.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn demo() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo.jsonl");
    fs::read_to_string(p).expect("demo fixture")
}

fn write_case(name: &str, body: &[u8]) -> PathBuf {
    let dir = common::tempdir("report_errors");
    let p = dir.join(name);
    fs::write(&p, body).unwrap();
    p
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn report(args: &[&str], file: &Path) -> Outcome {
    let out = Command::new(env!("CARGO_BIN_EXE_sockwhy"))
        .arg("report")
        .args(args)
        .arg(file)
        .output()
        .expect("run sockwhy");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The run failed with exactly one stderr line, `sockwhy: FILE: {msg}`.
fn assert_refused(o: &Outcome, file: &Path, msg: &str) {
    assert_ne!(o.code, 0, "should fail: {}", o.stderr);
    assert_eq!(o.stderr, format!("sockwhy: {}: {msg}\n", file.display()));
    assert!(o.stdout.is_empty(), "no report on failure: {}", o.stdout);
}

#[test]
fn truncated_last_line_reports_with_a_warning() {
    let text = demo();
    let body = text.trim_end_matches('\n');
    let cut = body.len() - 25;
    let last_line_no = body.lines().count();
    let last_len = body.lines().last().unwrap().len() - 25;
    let f = write_case("truncated.jsonl", &body.as_bytes()[..cut]);
    let o = report(&[], &f);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let warning = format!(
        "line {last_line_no}: the last line is cut short ({last_len} bytes, no newline) and was ignored; \
         the tracer was probably stopped while writing it"
    );
    assert_eq!(
        o.stderr,
        format!("sockwhy: warning: {}: {warning}\n", f.display())
    );
    // The text report wraps at 80 columns: the warning is whole across the breaks.
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat(&o.stdout).contains(&flat(&format!("Warning:   {warning}"))),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("Warning:   line "), "{}", o.stdout);
    assert!(o.stdout.contains("Failures, worst first"));
    // The same in the -c table: a warning, and the table.
    let o = report(&["-c"], &f);
    assert_eq!(o.code, 0);
    assert!(o.stderr.contains("warning"));
    assert!(o.stdout.starts_with("% time"));
}

#[test]
fn corrupt_line_in_the_middle_is_refused_naming_the_line() {
    let text = demo();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[4] = r#"{"type":"syscall","seq":2,"ts_ns":"#;
    let f = write_case("corrupt.jsonl", (lines.join("\n") + "\n").as_bytes());
    let o = report(&[], &f);
    assert_refused(
        &o,
        &f,
        "line 5: corrupt record: EOF while parsing a value (the line is cut short)",
    );

    lines[4] = r#"{"type":"syscall","seq":"two"}"#;
    let f = write_case("corrupt2.jsonl", (lines.join("\n") + "\n").as_bytes());
    let o = report(&["--format", "html"], &f);
    assert_refused(
        &o,
        &f,
        "line 5: corrupt record: invalid type: string \"two\", expected u64 at column 29",
    );
}

#[test]
fn truncated_header_is_refused() {
    let text = demo();
    let f = write_case("truncated-header.jsonl", &text.as_bytes()[..40]);
    assert_refused(
        &report(&[], &f),
        &f,
        "line 1: corrupt record: the header line is cut short (no newline): the tracer was stopped before it traced anything",
    );
}

#[test]
fn empty_file_is_refused() {
    let f = write_case("empty.jsonl", b"");
    assert_refused(&report(&[], &f), &f, "the trace is empty (no header line)");
    assert_refused(
        &report(&["-c"], &f),
        &f,
        "the trace is empty (no header line)",
    );
}

#[test]
fn foreign_file_is_refused() {
    let f = write_case("foreign.txt", b"[package]\nname = \"x\"\n");
    assert_refused(
        &report(&[], &f),
        &f,
        "line 1: not a sockwhy trace (the first line is not JSON; expected a {\"type\":\"header\",\"format\":\"sockwhy-trace\",...} line)",
    );
    let f = write_case(
        "other.jsonl",
        b"{\"type\":\"header\",\"format\":\"other-tool\",\"version\":1}\n",
    );
    assert_refused(
        &report(&[], &f),
        &f,
        "line 1: not a sockwhy trace (format \"other-tool\"; expected a {\"type\":\"header\",\"format\":\"sockwhy-trace\",...} line)",
    );
}

#[test]
fn newer_format_version_is_refused() {
    let text = demo();
    let body = text.replacen("\"version\":1,", "\"version\":3,", 1);
    assert_ne!(body, text, "the fixture's header has version 1");
    let f = write_case("future.jsonl", body.as_bytes());
    assert_refused(
        &report(&[], &f),
        &f,
        "line 1: trace format version 3 is newer than this sockwhy reads (version 2); upgrade sockwhy",
    );
}

#[test]
fn missing_file_is_one_line() {
    let f = common::tempdir("report_errors_missing").join("no-such-trace.jsonl");
    let o = report(&[], &f);
    assert_ne!(o.code, 0);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(
        o.stderr
            .starts_with(&format!("sockwhy: cannot open {}", f.display()))
    );
}

#[test]
fn output_file_and_formats() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo.jsonl");
    let out = common::tempdir("report_errors_out").join("out.md");
    let o = Command::new(env!("CARGO_BIN_EXE_sockwhy"))
        .args(["report", "--format", "markdown", "-o"])
        .arg(&out)
        .arg(&f)
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(o.stdout.is_empty());
    assert!(
        fs::read_to_string(&out)
            .unwrap()
            .starts_with("## sockwhy report: ")
    );
    let o = report(&["--format", "json"], &f);
    assert_eq!(o.code, 0);
    assert!(
        o.stdout
            .starts_with("{\n  \"format\": \"sockwhy-report\",\n  \"version\": 1,")
    );
}

/// Regression (the fuzz target's seeds): a timeline ending near u64::MAX nanoseconds made
/// the text, Markdown and HTML reports overflow computing its span.
#[test]
fn extreme_numbers_render_in_every_format() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extremes.jsonl");
    for args in [
        &["--format", "text"][..],
        &["--format", "markdown"],
        &["--format", "html"],
        &["--format", "json"],
        &["-c"],
    ] {
        let o = report(args, &f);
        assert_eq!(o.code, 0, "{args:?}: {}", o.stderr);
        assert_eq!(o.stderr, "", "{args:?}");
        assert!(!o.stdout.is_empty(), "{args:?}");
    }
    let o = report(&[], &f);
    assert!(
        o.stdout.contains("Duration:  18446744073.709551s"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("killed by SIGSEGV (core dumped)"),
        "{}",
        o.stdout
    );
}
