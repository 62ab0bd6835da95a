//! Writing the JSON Lines trace, flushed line by line so a crash loses nothing seen.

use crate::model::Record;
use crate::sink::outfile::{self, OutFile};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// A JSON Lines writer.
pub struct JsonlWriter<W: Write> {
    out: W,
}

impl JsonlWriter<BufWriter<OutFile>> {
    /// Create `path` as every output file is (0600, no symlink, see [`outfile`]): the
    /// trace can hold payload bytes.
    pub fn create(path: &Path) -> io::Result<Self> {
        Ok(JsonlWriter {
            out: BufWriter::new(outfile::create(path)?),
        })
    }
}

impl<W: Write> JsonlWriter<W> {
    /// Wrap any writer.
    pub fn new(out: W) -> Self {
        JsonlWriter { out }
    }

    /// Write one record as one line and flush it.
    pub fn write(&mut self, rec: &Record) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, rec).map_err(io::Error::from)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// One record as a JSON string (no newline), for sinks that embed it.
pub fn to_json_string(rec: &Record) -> String {
    serde_json::to_string(rec).unwrap_or_default()
}
