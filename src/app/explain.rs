//! `sockwhy explain ERRNO [SYSCALL]`.

use anyhow::{Result, bail};

/// Print the explanation of `errno` (for `syscall`) offline.
pub fn run_explain(errno: &str, _syscall: Option<&str>) -> Result<i32> {
    bail!("explain {errno}: not built yet")
}
