//! `sockwhy view FILE`.

use anyhow::{Result, bail};
use std::path::Path;

/// Open a saved trace in the TUI.
pub fn run_view(file: &Path) -> Result<i32> {
    bail!("view {}: not built yet", file.display())
}
