//! `sockwhy probe PATH [--pid PID]`.

use anyhow::{Result, bail};

/// Diagnose a socket path without tracing.
pub fn run_probe(path: &str, _pid: Option<&str>) -> Result<i32> {
    bail!("probe {path}: not built yet")
}
