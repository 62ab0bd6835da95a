//! The machine-readable report: the whole [`Report`] as one JSON document.
//!
//! Strings are as the trace holds them (JSON escaping keeps them lossless); times are
//! nanoseconds since the start of the trace. `format`/`version` name this layout.

use super::Report;
use serde::Serialize;
use std::io::{self, Write};

/// `format` of the JSON report.
pub const REPORT_FORMAT_NAME: &str = "sockwhy-report";
/// Version of the JSON report layout.
pub const REPORT_FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    format: &'static str,
    version: u32,
    #[serde(flatten)]
    report: &'a Report,
}

/// Write `r` as pretty-printed JSON, with a trailing newline.
pub fn write_json(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = Doc {
        format: REPORT_FORMAT_NAME,
        version: REPORT_FORMAT_VERSION,
        report: r,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}
