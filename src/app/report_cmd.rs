//! `sockwhy report FILE`.

use super::cli::ReportFormat;
use anyhow::{Result, bail};
use std::path::Path;

/// Turn a saved trace into a report.
pub fn run_report(
    file: &Path,
    _f: ReportFormat,
    _out: Option<&Path>,
    _summary: bool,
) -> Result<i32> {
    bail!("report {}: not built yet", file.display())
}
