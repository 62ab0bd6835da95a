//! `sockwhy demo [SCENARIO]`: trace a bundled misbehaving program.

use super::cli::TraceOpts;
use anyhow::Result;

/// List the scenarios, or trace one.
pub fn run_demo(scenario: Option<&str>, list: bool, opts: &TraceOpts) -> Result<i32> {
    if list {
        for (name, what) in crate::scenario::list() {
            println!("{name:<20} {what}");
        }
        return Ok(0);
    }
    let exe = std::env::current_exe()?;
    let cmd = vec![
        exe.to_string_lossy().into_owned(),
        "__scenario".to_owned(),
        scenario.unwrap_or("daemon").to_owned(),
    ];
    super::trace::run_trace(opts, &cmd)
}
