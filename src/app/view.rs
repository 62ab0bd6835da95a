//! `sockwhy view FILE`.

use anyhow::{Context, Result};
use std::path::Path;

/// Open a saved trace in the TUI.
pub fn run_view(file: &Path) -> Result<i32> {
    crate::tui::run_view(file).context("view")?;
    Ok(0)
}
