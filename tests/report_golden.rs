//! Golden tests: the text and Markdown reports (and the `-c` table) of the fixture traces
//! in tests/fixtures, compared byte for byte with the files beside them.
//!
//! After an intended change of output, or a new fixture (see tests/fixtures/README.md):
//! `UPDATE_GOLDEN=1 cargo test --test report_golden`, then read the diff before committing.

use sockwhy::sink::jsonl::read::JsonlReader;
use sockwhy::sink::report::{Report, markdown, text};
use sockwhy::sink::summary::Summary;
use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn report(name: &str) -> Report {
    let f = fs::File::open(fixtures().join(name)).expect("fixture");
    Report::from_reader(BufReader::new(f)).expect("fixture reads")
}

/// Compare `got` with the golden file `name`, or rewrite it under UPDATE_GOLDEN=1.
fn check_golden(name: &str, got: &str) {
    let path = fixtures().join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        // Rewriting compares nothing: never where the result counts.
        assert!(
            std::env::var_os("CI").is_none_or(|v| v != "true"),
            "UPDATE_GOLDEN=1 under CI=true: CI compares, it does not rewrite"
        );
        fs::write(&path, got).expect("write golden");
        return;
    }
    let want = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run UPDATE_GOLDEN=1 cargo test --test report_golden",
            path.display()
        )
    });
    if want != got {
        let first = want
            .lines()
            .zip(got.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(got.lines().count()));
        panic!(
            "{name} differs from the golden file at line {}:\n  want: {:?}\n  got:  {:?}\n\
             (UPDATE_GOLDEN=1 cargo test --test report_golden rewrites it; read the diff)",
            first + 1,
            want.lines().nth(first),
            got.lines().nth(first)
        );
    }
}

fn render(r: &Report, f: fn(&Report, &mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    f(r, &mut out).expect("render");
    String::from_utf8(out).expect("utf-8")
}

/// The traces with golden files: `NAME.jsonl` has `NAME.report.txt`, `NAME.report.md`
/// and `NAME.summary.txt`.
const GOLDEN: &[&str] = &["demo", "recorded-daemon", "noisy-client"];

#[test]
fn text_reports() {
    for name in GOLDEN {
        let got = render(&report(&format!("{name}.jsonl")), text::write_text);
        check_golden(&format!("{name}.report.txt"), &got);
    }
}

#[test]
fn markdown_reports() {
    for name in GOLDEN {
        let got = render(&report(&format!("{name}.jsonl")), markdown::write_markdown);
        check_golden(&format!("{name}.report.md"), &got);
    }
}

#[test]
fn summary_tables() {
    for name in GOLDEN {
        let f = fs::File::open(fixtures().join(format!("{name}.jsonl"))).unwrap();
        let mut reader = JsonlReader::new(BufReader::new(f));
        let mut s = Summary::new();
        while let Some(rec) = reader.next_record().unwrap() {
            s.add(&rec);
        }
        assert!(reader.warnings().is_empty());
        let mut out = Vec::new();
        s.write_table(&mut out).unwrap();
        check_golden(
            &format!("{name}.summary.txt"),
            &String::from_utf8(out).unwrap(),
        );
    }
}

#[test]
fn reports_are_worst_first() {
    for name in GOLDEN {
        check_order(&report(&format!("{name}.jsonl")));
    }
}

fn check_order(r: &Report) {
    assert!(!r.failures.is_empty());
    // The first group ended the main process, when any did.
    if r.failures.iter().any(|g| g.ended_main()) {
        assert!(r.failures[0].ended_main());
    }
    // Expected failures come after every consequential one.
    let first_expected = r.failures.iter().position(|g| g.is_expected());
    if let Some(i) = first_expected {
        assert!(
            r.failures[i..].iter().all(|g| g.is_expected()),
            "expected last"
        );
    }
    // Within a tier, more calls come first.
    for w in r.failures.windows(2) {
        let tier = |g: &sockwhy::sink::report::FailureGroup| {
            (g.is_expected(), !g.ended_main(), g.ended_count == 0)
        };
        assert!(tier(&w[0]) <= tier(&w[1]));
        if tier(&w[0]) == tier(&w[1]) {
            assert!(w[0].count >= w[1].count);
        }
    }
}

#[test]
fn text_report_is_terminal_safe_even_for_a_hostile_trace() {
    for name in ["demo.jsonl", "recorded-daemon.jsonl", "hostile.jsonl"] {
        let got = render(&report(name), text::write_text);
        for line in got.lines() {
            assert!(
                line.bytes().all(|b| (0x20..=0x7e).contains(&b)),
                "{name}: unsafe byte in {line:?}"
            );
        }
    }
}

/// The number of cells in a GFM table row: `|` not escaped with a backslash.
fn cells(line: &str) -> usize {
    let b = line.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
        .count()
}

#[test]
fn markdown_tables_keep_their_shape_for_a_hostile_trace() {
    let got = render(&report("hostile.jsonl"), markdown::write_markdown);
    let mut in_fence = false;
    let mut header_cells = None;
    for line in got.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if line.starts_with('|') {
            let n = cells(line);
            let h = *header_cells.get_or_insert(n);
            assert_eq!(n, h, "table row has the wrong number of cells: {line:?}");
        } else {
            header_cells = None;
            // Outside code spans and fences, nothing from the trace may open a tag.
            let outside_code = strip_code_spans(line);
            let ob = outside_code.as_bytes();
            let raw_lt = (0..ob.len()).any(|i| ob[i] == b'<' && (i == 0 || ob[i - 1] != b'\\'));
            assert!(!raw_lt, "unescaped < in Markdown prose: {line:?}");
        }
    }
    assert!(!in_fence, "unclosed code fence");
}

/// `line` without its code spans, as CommonMark finds them: a run of n backticks opens a
/// span that the next run of exactly n backticks closes.
fn strip_code_spans(line: &str) -> String {
    let b = line.as_bytes();
    let run_at = |i: usize| b[i..].iter().take_while(|&&c| c == b'`').count();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'`' {
            out.push(b[i] as char);
            i += 1;
            continue;
        }
        let n = run_at(i);
        let mut j = i + n;
        let mut close = None;
        while j < b.len() {
            if b[j] == b'`' {
                let m = run_at(j);
                if m == n {
                    close = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => i = end,
            None => {
                out.push_str(&line[i..i + n]);
                i += n;
            }
        }
    }
    out
}
