//! `--tui`: the tracer thread, a pipeline thread (diagnose, save), and the TUI on this
//! thread, joined by channels.

use super::cli::TraceOpts;
use crate::tracer::TraceConfig;
use anyhow::{Result, bail};

/// Trace with the live TUI.
pub fn run_live_tui(_opts: &TraceOpts, _cfg: TraceConfig) -> Result<i32> {
    bail!("--tui: not built yet")
}
