//! Fuzz the saved-trace reader and every report writer fed from it: the JSON Lines reader
//! (src/sink/jsonl/read.rs), the `-c` summary, and the text, Markdown, HTML and JSON
//! reports. Nothing may panic; an error is one line; what the reader accepts, the writer
//! writes back and the reader reads again unchanged; text meant for a terminal holds no
//! control byte; the HTML holds no script; the JSON report parses.
//!
//! Input: a trace as it is (when it starts with `{`: seed with tests/fixtures/*.jsonl),
//! or one byte and then records, read after a valid header so the fuzzer does not have
//! to find one first.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockwhy::model::Record;
use sockwhy::render::escape::is_terminal_safe;
use sockwhy::sink::jsonl::read::JsonlReader;
use sockwhy::sink::jsonl::write::JsonlWriter;
use sockwhy::sink::report::{Report, html, json, markdown, text};
use sockwhy::sink::summary::Summary;

const HEADER: &[u8] = br#"{"type":"header","format":"sockwhy-trace","version":1,"command":["x"],"attached":[],"start":"2026-01-01T00:00:00Z","kernel":"Linux","sockwhy":"fuzz"}"#;

/// Every line of a text output is safe to print on a terminal.
fn check_terminal_text(what: &str, out: &[u8]) {
    let s = std::str::from_utf8(out).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    for l in s.lines() {
        assert!(is_terminal_safe(l), "{what}: unsafe line {l:?}");
    }
}

/// One record written by the writer and read back by the reader is the same record.
fn check_round_trip(rec: &Record) {
    let mut buf = Vec::new();
    if !matches!(rec, Record::Header(_)) {
        buf.extend_from_slice(HEADER);
        buf.push(b'\n');
    }
    JsonlWriter::new(&mut buf)
        .write(rec)
        .expect("write to memory");
    let mut r = JsonlReader::new(&buf[..]);
    let mut back = r.next_record().expect("the writer's header reads back");
    if !matches!(rec, Record::Header(_)) {
        back = r.next_record().expect("the writer's record reads back");
    }
    assert_eq!(back.as_ref(), Some(rec), "record changed on the way back");
}

fn render(f: fn(&Report, &mut dyn std::io::Write) -> std::io::Result<()>, r: &Report) -> Vec<u8> {
    let mut out = Vec::new();
    f(r, &mut out).expect("render to memory");
    out
}

fuzz_target!(|data: &[u8]| {
    let input: Vec<u8> = match data.split_first() {
        None => return,
        Some((b'{', _)) => data.to_vec(),
        Some((_, rest)) => [HEADER, b"\n", rest].concat(),
    };

    // The reader, record by record: what it accepts goes back and forth unchanged.
    let mut reader = JsonlReader::new(&input[..]);
    let mut records = Vec::new();
    loop {
        match reader.next_record() {
            Ok(Some(rec)) => records.push(rec),
            Ok(None) => break,
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    !msg.contains('\n'),
                    "a read error of several lines: {msg:?}"
                );
                break;
            }
        }
    }
    for rec in &records {
        check_round_trip(rec);
    }
    for w in reader.warnings() {
        assert!(!w.to_string().contains('\n'));
    }

    // The -c summary of what was read.
    let mut summary = Summary::new();
    for rec in &records {
        summary.add(rec);
    }
    let mut table = Vec::new();
    summary.write_table(&mut table).expect("render to memory");
    check_terminal_text("summary", &table);

    // The reports of the same bytes.
    let Ok(report) = Report::from_reader(&input[..]) else {
        return;
    };
    check_terminal_text("text report", &render(text::write_text, &report));
    check_terminal_text(
        "markdown report",
        &render(markdown::write_markdown, &report),
    );
    let page = String::from_utf8(render(html::write_html, &report)).expect("HTML is UTF-8");
    assert!(!page.contains("<script"), "a script in the HTML report");
    assert!(
        !page
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{7f}'),
        "a control character in the HTML report"
    );
    let doc = render(json::write_json, &report);
    serde_json::from_slice::<serde_json::Value>(&doc).expect("the JSON report parses");
});
