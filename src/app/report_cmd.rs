//! `sockwhy report FILE`: a saved trace to a report (text, Markdown, HTML, JSON), or with
//! `-c` the `strace -c` style table.

use super::cli::ReportFormat;
use crate::sink::jsonl::read::JsonlReader;
use crate::sink::report::{Report, html, json, markdown, text};
use crate::sink::summary::Summary;
use anyhow::{Context, Result};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

/// Read buffer: large enough that a trace of a million records reads in big chunks.
const READ_BUF: usize = 256 * 1024;

/// Turn a saved trace into a report. `-` reads the trace from stdin.
pub fn run_report(file: &Path, f: ReportFormat, out: Option<&Path>, summary: bool) -> Result<i32> {
    let name = file.display().to_string();
    let input: Box<dyn BufRead> = if file == Path::new("-") {
        Box::new(BufReader::with_capacity(READ_BUF, io::stdin().lock()))
    } else {
        let f = File::open(file).with_context(|| format!("cannot open {name}"))?;
        Box::new(BufReader::with_capacity(READ_BUF, f))
    };

    if summary {
        let (table, warnings) = read_summary(input).with_context(|| name.clone())?;
        for w in &warnings {
            super::warn(&format!("warning: {name}: {w}"));
        }
        return write_out(out, |w| table.write_table(w));
    }

    let report = Report::from_reader(input).with_context(|| name.clone())?;
    for w in &report.warnings {
        super::warn(&format!(
            "warning: {name}: {}",
            crate::render::escape::escape_str(w)
        ));
    }
    write_out(out, |w| match f {
        ReportFormat::Text => text::write_text(&report, w),
        ReportFormat::Markdown => markdown::write_markdown(&report, w),
        ReportFormat::Html => html::write_html(&report, w),
        ReportFormat::Json => json::write_json(&report, w),
    })
}

/// Only the summary table: no grouping, one pass.
fn read_summary(input: Box<dyn BufRead>) -> Result<(Summary, Vec<String>)> {
    let mut reader = JsonlReader::new(input);
    let mut s = Summary::new();
    while let Some(rec) = reader.next_record()? {
        s.add(&rec);
    }
    let warnings = reader.warnings().iter().map(ToString::to_string).collect();
    Ok((s, warnings))
}

/// Write to OUT (created, or truncated) or to stdout, and flush.
fn write_out(
    out: Option<&Path>,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<i32> {
    match out {
        Some(p) => {
            let mut w = BufWriter::new(crate::sink::outfile::create(p)?);
            body(&mut w).and_then(|()| w.flush())?;
        }
        None => {
            let mut w = BufWriter::new(io::stdout().lock());
            body(&mut w).and_then(|()| w.flush())?;
        }
    }
    Ok(0)
}
