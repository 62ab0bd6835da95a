//! The TUI's sink: every record of a live trace goes to the trace the TUI reads details
//! back from (the `--save` file, or a private unlinked one), then to the TUI with where
//! its line is.

use super::{Feed, LineAt};
use crate::model::{Record, SyscallEvent, TraceEnd};
use crate::sink::Sink;
use crate::sink::jsonl::write::JsonlWriter;
use std::io::{self, BufWriter};
use std::sync::mpsc::Sender;

/// Feeds the live TUI through the pipeline, like any other sink.
pub struct FeedSink {
    tx: Sender<Feed>,
    out: JsonlWriter<BufWriter<crate::sink::outfile::OutFile>>,
    what: &'static str,
    /// Writing the trace failed: the list goes on, without the details of later events.
    failed: Option<io::Error>,
}

impl FeedSink {
    /// A feed to `tx` whose records are written to `out` first; `saving` when `out` is
    /// the user's `--save` file (for the messages).
    pub fn new(
        tx: Sender<Feed>,
        out: JsonlWriter<BufWriter<crate::sink::outfile::OutFile>>,
        saving: bool,
    ) -> FeedSink {
        FeedSink {
            tx,
            out,
            what: if saving {
                "the saved trace"
            } else {
                "the TUI's copy of the trace"
            },
            failed: None,
        }
    }

    fn send(&self, f: Feed) {
        // The TUI has gone (it quit first): the trace is being stopped; nothing to show.
        let _ = self.tx.send(f);
    }

    fn fail(&mut self, e: io::Error) {
        self.send(Feed::Warning(format!(
            "cannot write {}: {e}; the list goes on, without the details of later events",
            self.what
        )));
        self.failed.get_or_insert(e);
    }
}

impl Sink for FeedSink {
    fn what(&self) -> &'static str {
        self.what
    }

    fn wants_text(&self, _ev: &SyscallEvent) -> bool {
        true
    }

    /// Never fails: a write error is shown in the TUI at once and returned by `finish`.
    fn write(&mut self, rec: &Record) -> io::Result<()> {
        let mut line = None;
        if self.failed.is_none() {
            let offset = self.out.written();
            match self.out.write(rec) {
                Ok(len) => {
                    line = Some(LineAt {
                        offset,
                        len: len + 1,
                    })
                }
                Err(e) => self.fail(e),
            }
        }
        self.send(Feed::Record(Box::new(rec.clone()), line));
        Ok(())
    }

    fn warning(&mut self, line: &str) -> io::Result<()> {
        self.send(Feed::Warning(line.to_owned()));
        Ok(())
    }

    fn finish(&mut self, end: &TraceEnd) -> io::Result<()> {
        if self.failed.is_none()
            && let Err(e) = self.out.write(&Record::End(end.clone()))
        {
            self.fail(e);
        }
        self.send(Feed::Finished(end.exit_code));
        match self.failed.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
