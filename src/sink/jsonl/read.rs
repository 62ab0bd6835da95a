//! Reading a JSON Lines trace, one record at a time.
//!
//! Memory does not grow with the file: one line is held at a time, and a line is capped
//! at [`MAX_LINE_BYTES`] so a foreign file without newlines cannot make us read it whole.
//!
//! What is refused, each with one line naming the line number: an empty file, a first
//! line that is not a sockwhy header (a foreign file), a header of a newer format
//! version (checked before the rest of the header is parsed, so a future header layout
//! still gets the version message), a corrupt line, a second header. What is tolerated:
//! a last line that has no newline and does not parse (the tracer was killed while
//! writing it); it is skipped and reported by [`JsonlReader::warnings`].

use crate::model::{Record, TRACE_FORMAT_NAME, TRACE_FORMAT_VERSION};
use serde::Deserialize;
use std::io::{BufRead, Read};

/// The longest line accepted. Records are small (payloads are cut at `-s` bytes), so a
/// longer line means a foreign or damaged file.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Why a trace could not be read. Every message is one line.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// I/O failure.
    #[error("read failed: {0}")]
    Io(#[from] std::io::Error),
    /// A line that is not a trace record.
    #[error("line {line}: corrupt record: {msg}")]
    Corrupt {
        /// 1-based line number.
        line: u64,
        /// What was wrong.
        msg: String,
    },
    /// The first line is not a sockwhy header.
    #[error(
        "line 1: not a sockwhy trace ({what}; expected a {{\"type\":\"header\",\"format\":\"{TRACE_FORMAT_NAME}\",...}} line)"
    )]
    NotATrace {
        /// What was found instead.
        what: String,
    },
    /// Written by a newer sockwhy.
    #[error(
        "line 1: trace format version {0} is newer than this sockwhy reads (version {TRACE_FORMAT_VERSION}); upgrade sockwhy"
    )]
    TooNew(u32),
    /// Nothing in the file.
    #[error("the trace is empty (no header line)")]
    Empty,
    /// A line longer than [`MAX_LINE_BYTES`].
    #[error("line {0}: longer than {MAX_LINE_BYTES} bytes; not a sockwhy trace record")]
    LineTooLong(u64),
}

/// Something wrong with the trace that did not stop the reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadWarning {
    /// The last line had no newline and did not parse: the writer was stopped mid-line.
    TruncatedLastLine {
        /// 1-based line number.
        line: u64,
        /// How many bytes of it there were.
        bytes: usize,
    },
}

impl std::fmt::Display for ReadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadWarning::TruncatedLastLine { line, bytes } => write!(
                f,
                "line {line}: the last line is cut short ({bytes} bytes, no newline) and was \
                 ignored; the tracer was probably stopped while writing it"
            ),
        }
    }
}

/// The fields of a header that decide whether we can read the rest. Parsed before the
/// full header so that a newer layout still gets a clear "too new" message.
#[derive(Deserialize)]
struct HeaderProbe {
    #[serde(rename = "type")]
    kind: Option<String>,
    format: Option<String>,
    version: Option<u64>,
}

/// Streaming reader over records; checks the header first.
pub struct JsonlReader<R: BufRead> {
    input: R,
    line_no: u64,
    buf: Vec<u8>,
    done: bool,
    warnings: Vec<ReadWarning>,
}

impl<R: BufRead> JsonlReader<R> {
    /// Wrap `input`.
    pub fn new(input: R) -> Self {
        JsonlReader {
            input,
            line_no: 0,
            buf: Vec::new(),
            done: false,
            warnings: Vec::new(),
        }
    }

    /// What was tolerated so far (a truncated last line).
    pub fn warnings(&self) -> &[ReadWarning] {
        &self.warnings
    }

    /// The 1-based number of the last line read.
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// The next record, None at the end.
    pub fn next_record(&mut self) -> Result<Option<Record>, ReadError> {
        loop {
            if self.done {
                return Ok(None);
            }
            self.buf.clear();
            let n = (&mut self.input)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut self.buf)?;
            if n == 0 {
                self.done = true;
                return if self.line_no == 0 {
                    Err(ReadError::Empty)
                } else {
                    Ok(None)
                };
            }
            self.line_no += 1;
            let complete = self.buf.last() == Some(&b'\n');
            if !complete && self.buf.len() > MAX_LINE_BYTES {
                return Err(ReadError::LineTooLong(self.line_no));
            }
            let line = trim_ascii_end(&self.buf);
            if line.is_empty() {
                if self.line_no == 1 {
                    return Err(ReadError::NotATrace {
                        what: "the first line is blank".into(),
                    });
                }
                // The writer never writes blank lines, but they carry nothing either.
                continue;
            }
            if self.line_no == 1 {
                let cut_short = || {
                    serde_json::from_slice::<serde::de::IgnoredAny>(line).is_err_and(|e| e.is_eof())
                };
                if !complete && line.starts_with(br#"{"type":"header","#) && cut_short() {
                    return Err(ReadError::Corrupt {
                        line: 1,
                        msg: "the header line is cut short (no newline): the tracer was stopped \
                              before it traced anything"
                            .into(),
                    });
                }
                check_header(line)?;
            }
            match parse_record(line) {
                Ok(rec) => {
                    if self.line_no > 1 && matches!(rec, Record::Header(_)) {
                        return Err(ReadError::Corrupt {
                            line: self.line_no,
                            msg: "a second header (two traces joined into one file?)".into(),
                        });
                    }
                    return Ok(Some(rec));
                }
                Err(_) if !complete && self.line_no > 1 => {
                    // No newline and unparsable: the writer died mid-line. `read_until`
                    // stops early only at the end of the input, so this is the last line.
                    self.warnings.push(ReadWarning::TruncatedLastLine {
                        line: self.line_no,
                        bytes: line.len(),
                    });
                    self.done = true;
                    return Ok(None);
                }
                Err(e) => {
                    return Err(ReadError::Corrupt {
                        line: self.line_no,
                        msg: describe_json_error(&e),
                    });
                }
            }
        }
    }
}

/// One line of a trace read back on its own (a viewer reading the line of an event it
/// indexed before): surrounding whitespace and blank lines are ignored.
pub fn parse_line(line: &[u8]) -> Result<Record, String> {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let line = trim_ascii_end(&line[start..]);
    if line.is_empty() {
        return Err("an empty line".into());
    }
    parse_record(line).map_err(|e| describe_json_error(&e))
}

/// One line as a record. The writer puts `"type"` first, so for the two common kinds the
/// body is parsed straight into its struct (which ignores the `type` key), skipping the
/// buffering serde needs to find the tag of an internally tagged enum: about twice as
/// fast. Any other line takes the general path, which gives the same result.
fn parse_record(line: &[u8]) -> Result<Record, serde_json::Error> {
    // A second `"type":` key (it cannot occur inside a JSON string, where quotes are
    // escaped) would be ignored by the fast path but refused by the general one.
    let one_tag = || !line[8..].windows(7).any(|w| w == br#""type":"#);
    if line.starts_with(br#"{"type":"syscall","#) && one_tag() {
        serde_json::from_slice(line).map(|ev| Record::Syscall(Box::new(ev)))
    } else if line.starts_with(br#"{"type":"process","#) && one_tag() {
        serde_json::from_slice(line).map(Record::Process)
    } else {
        serde_json::from_slice(line)
    }
}

/// Decide from the first line whether this is a trace we can read.
fn check_header(line: &[u8]) -> Result<(), ReadError> {
    let probe: HeaderProbe = match serde_json::from_slice(line) {
        Ok(p) => p,
        Err(e) => {
            let what = if line.first() == Some(&b'{') {
                format!(
                    "the first line is not a JSON record: {}",
                    describe_json_error(&e)
                )
            } else {
                "the first line is not JSON".to_owned()
            };
            return Err(ReadError::NotATrace { what });
        }
    };
    if probe.kind.as_deref() != Some("header") || probe.format.as_deref() != Some(TRACE_FORMAT_NAME)
    {
        let what = match (probe.kind.as_deref(), probe.format.as_deref()) {
            (Some("header"), Some(f)) => {
                format!("format {:?}", crate::render::escape::escape_str(f))
            }
            (Some("header"), None) => "a header without a format".to_owned(),
            (Some(t), _) => format!(
                "the first record is of type {:?}",
                crate::render::escape::escape_str(t)
            ),
            (None, _) => "the first line has no \"type\"".to_owned(),
        };
        return Err(ReadError::NotATrace { what });
    }
    match probe.version {
        Some(v) if v > u64::from(TRACE_FORMAT_VERSION) => {
            Err(ReadError::TooNew(u32::try_from(v).unwrap_or(u32::MAX)))
        }
        Some(0) | None => Err(ReadError::Corrupt {
            line: 1,
            msg: "the header has no valid format version".into(),
        }),
        Some(_) => Ok(()),
    }
}

/// A serde_json error without its own "line 1" (it only ever sees one line of ours).
fn describe_json_error(e: &serde_json::Error) -> String {
    let what = e.to_string();
    let what = match what.rfind(" at line ") {
        Some(i) => &what[..i],
        None => &what,
    };
    let what = crate::render::escape::escape_str(what).replace("\\\"", "\"");
    if e.is_eof() {
        format!("{what} (the line is cut short)")
    } else if e.column() == 0 {
        // Errors inside a tagged record come from a buffered value and carry no position.
        what
    } else {
        format!("{what} at column {}", e.column())
    }
}

fn trim_ascii_end(b: &[u8]) -> &[u8] {
    let mut end = b.len();
    while end > 0 && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    &b[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"type":"header","format":"sockwhy-trace","version":1,"command":["x"],"start":"2026-01-01T00:00:00Z","kernel":"Linux 6.1","sockwhy":"0.1.0"}"#;
    const PROC: &str = r#"{"type":"process","event":"spawn","ts_ns":0,"pid":10,"tid":10}"#;

    fn read_all(s: &str) -> (Result<Vec<Record>, ReadError>, Vec<ReadWarning>) {
        let mut r = JsonlReader::new(s.as_bytes());
        let mut v = Vec::new();
        loop {
            match r.next_record() {
                Ok(Some(rec)) => v.push(rec),
                Ok(None) => return (Ok(v), r.warnings().to_vec()),
                Err(e) => return (Err(e), r.warnings().to_vec()),
            }
        }
    }

    #[test]
    fn reads_header_and_records() {
        let (r, w) = read_all(&format!("{HEADER}\n{PROC}\n"));
        assert_eq!(r.unwrap().len(), 2);
        assert!(w.is_empty());
    }

    #[test]
    fn complete_last_line_without_newline_is_fine() {
        let (r, w) = read_all(&format!("{HEADER}\n{PROC}"));
        assert_eq!(r.unwrap().len(), 2);
        assert!(w.is_empty());
    }

    #[test]
    fn truncated_last_line_is_a_warning() {
        let (r, w) = read_all(&format!("{HEADER}\n{PROC}\n{}", &PROC[..20]));
        assert_eq!(r.unwrap().len(), 2);
        assert_eq!(
            w,
            vec![ReadWarning::TruncatedLastLine { line: 3, bytes: 20 }]
        );
    }

    #[test]
    fn corrupt_line_names_the_line() {
        let (r, _) = read_all(&format!("{HEADER}\n{}\n{PROC}\n", &PROC[..20]));
        let msg = r.unwrap_err().to_string();
        assert!(msg.starts_with("line 2: corrupt record: "), "{msg}");
        assert!(!msg.contains('\n'));
    }

    #[test]
    fn empty_foreign_and_too_new() {
        assert!(matches!(read_all("").0, Err(ReadError::Empty)));
        assert!(matches!(
            read_all("hello\n").0,
            Err(ReadError::NotATrace { .. })
        ));
        assert!(matches!(read_all(PROC).0, Err(ReadError::NotATrace { .. })));
        let v3 = r#"{"type":"header","format":"sockwhy-trace","version":3,"layout":"new"}"#;
        let r = read_all(v3).0;
        assert!(matches!(r, Err(ReadError::TooNew(3))), "{r:?}");
    }

    #[test]
    fn fast_path_equals_the_general_parse() {
        let call = r#"{"type":"syscall","seq":1,"ts_ns":5,"pid":1,"tid":1,"syscall":"connect","args":["3"],"ret":-1,"errno":"ENOENT","addr":null}"#;
        for line in [call, PROC] {
            let general: Record = serde_json::from_str(line).unwrap();
            assert_eq!(parse_record(line.as_bytes()).unwrap(), general);
        }
        // A duplicate type key is refused by both paths.
        let dup =
            r#"{"type":"process","type":"syscall","event":"spawn","ts_ns":0,"pid":1,"tid":1}"#;
        assert!(serde_json::from_str::<Record>(dup).is_err());
        assert!(parse_record(dup.as_bytes()).is_err());
    }

    #[test]
    fn version_1_and_2_are_read_and_the_closing_record_parses() {
        let end = r#"{"type":"end","how":"output-closed","exit_code":137}"#;
        for v in ["1", "2"] {
            let h = HEADER.replace("\"version\":1", &format!("\"version\":{v}"));
            let (r, _) = read_all(&format!("{h}\n{PROC}\n{end}\n"));
            let recs = r.unwrap();
            assert_eq!(recs.len(), 3);
            let Record::End(e) = &recs[2] else {
                panic!("{:?}", recs[2])
            };
            assert_eq!(e.how, crate::model::EndReason::OutputClosed);
            assert_eq!(e.exit_code, Some(137));
        }
    }

    #[test]
    fn truncated_header_says_so() {
        let (r, _) = read_all(&HEADER[..40]);
        let msg = r.unwrap_err().to_string();
        assert!(
            msg.starts_with("line 1: corrupt record: the header line is cut short"),
            "{msg}"
        );
    }

    #[test]
    fn second_header_is_refused() {
        let (r, _) = read_all(&format!("{HEADER}\n{HEADER}\n"));
        assert!(r.unwrap_err().to_string().starts_with("line 2: "));
    }
}
