//! `sockwhy view FILE`.

use anyhow::{Context, Result, anyhow};
use std::io::IsTerminal;
use std::path::Path;

/// Open a saved trace in the TUI.
pub fn run_view(file: &Path) -> Result<i32> {
    if !std::io::stdout().is_terminal() {
        // A file that is not a trace is the error to give first, as on a terminal.
        read_header(file)?;
        super::trace::need_terminal("view")?;
    }
    crate::tui::run_view(file).context("view")?;
    Ok(0)
}

/// Read the first record of the trace at `file`, for its errors.
fn read_header(file: &Path) -> Result<()> {
    let name = file.display();
    let f = std::fs::File::open(file).with_context(|| format!("view: {name}"))?;
    let mut r = crate::sink::jsonl::read::JsonlReader::new(std::io::BufReader::new(f));
    r.next_record().map_err(|e| anyhow!("view: {name}: {e}"))?;
    Ok(())
}
