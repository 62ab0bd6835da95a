//! Reading a JSON Lines trace, one record at a time (memory does not grow with the file).

use crate::model::{Record, TRACE_FORMAT_NAME, TRACE_FORMAT_VERSION};
use std::io::BufRead;

/// Why a trace could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// I/O failure.
    #[error("read failed: {0}")]
    Io(#[from] std::io::Error),
    /// A line that is not a trace record.
    #[error("line {line}: not a sockwhy trace record: {msg}")]
    Corrupt {
        /// 1-based line number.
        line: u64,
        /// What was wrong.
        msg: String,
    },
    /// The first record is not a sockwhy header.
    #[error("line 1: not a sockwhy trace (no {TRACE_FORMAT_NAME} header)")]
    NotATrace,
    /// Written by a newer sockwhy.
    #[error(
        "trace format version {0} is newer than this sockwhy understands ({TRACE_FORMAT_VERSION}); upgrade sockwhy"
    )]
    TooNew(u32),
    /// Nothing in the file.
    #[error("the trace is empty")]
    Empty,
}

/// Streaming reader over records; checks the header first.
pub struct JsonlReader<R: BufRead> {
    input: R,
    line_no: u64,
    buf: String,
}

impl<R: BufRead> JsonlReader<R> {
    /// Wrap `input`.
    pub fn new(input: R) -> Self {
        JsonlReader {
            input,
            line_no: 0,
            buf: String::new(),
        }
    }

    /// The next record, None at the end.
    pub fn next_record(&mut self) -> Result<Option<Record>, ReadError> {
        loop {
            self.buf.clear();
            if self.input.read_line(&mut self.buf)? == 0 {
                return if self.line_no == 0 {
                    Err(ReadError::Empty)
                } else {
                    Ok(None)
                };
            }
            self.line_no += 1;
            let line = self.buf.trim_end();
            if line.is_empty() {
                continue;
            }
            let rec: Record = serde_json::from_str(line).map_err(|e| ReadError::Corrupt {
                line: self.line_no,
                msg: e.to_string(),
            })?;
            if self.line_no == 1 {
                match &rec {
                    Record::Header(h) if h.format == TRACE_FORMAT_NAME => {
                        if h.version > TRACE_FORMAT_VERSION {
                            return Err(ReadError::TooNew(h.version));
                        }
                    }
                    _ => return Err(ReadError::NotATrace),
                }
            }
            return Ok(Some(rec));
        }
    }
}
