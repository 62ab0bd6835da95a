//! The live TUI and the saved-trace viewer (ratatui + crossterm live only here).

use crate::model::Record;
use std::sync::mpsc::Receiver;

/// What the live TUI is fed, in order, by the pipeline thread.
#[derive(Debug)]
pub enum Feed {
    /// A trace record, already diagnosed.
    Record(Box<Record>),
    /// A one-line notice from the tracer.
    Warning(String),
    /// The trace is over; the traced program's exit code (None: detached).
    Finished(Option<i32>),
}

/// What the TUI can ask the tracer to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveControl {
    /// Detach from every task and leave them running (attach mode only).
    Detach,
    /// End the traced program.
    Kill,
}

/// A live session handed to the TUI.
pub struct Live {
    /// Events from the pipeline.
    pub feed: Receiver<Feed>,
    /// Master side of the tracee's pseudo-terminal (spawn mode).
    pub pty: Option<std::fs::File>,
    /// Ask the tracer to detach or kill.
    pub control: Box<dyn FnMut(LiveControl) + Send>,
    /// Tell the tracee's terminal its new size (rows, cols).
    pub resize_pty: Box<dyn FnMut(u16, u16) + Send>,
    /// True when attached with -p (detach is possible).
    pub attached: bool,
    /// Where `s` saves by default.
    pub save_path: std::path::PathBuf,
}
