//! `sockwhy demo [SCENARIO]`: trace a bundled misbehaving program.

use super::ExitError;
use super::cli::TraceOpts;
use anyhow::{Context, Result, bail};
use std::io::Write;

/// The scenario `sockwhy demo` runs without a name: a client that fails to reach its
/// daemon the ways real programs do, then succeeds.
pub const DEFAULT_SCENARIO: &str = "daemon";

/// List the scenarios, or trace one.
pub fn run_demo(scenario: Option<&str>, list: bool, opts: &TraceOpts) -> Result<i32> {
    if list {
        // Written, not println!: a closed or full stdout is an error to return, not a panic.
        let mut out = std::io::stdout().lock();
        for (name, what) in crate::scenario::list() {
            writeln!(out, "{name:<22} {what}").context("cannot write to stdout")?;
        }
        out.flush().context("cannot write to stdout")?;
        return Ok(0);
    }
    let name = scenario.unwrap_or(DEFAULT_SCENARIO);
    let Some(sc) = crate::scenario::find(name) else {
        bail!(ExitError {
            msg: format!("unknown demo scenario {name:?} (see sockwhy demo --list)"),
            code: 2
        });
    };
    let mut opts = opts.clone();
    // A failure the kernel cannot be made to produce on demand (ENOMEM) comes from
    // fault injection, as a user would test their own error handling.
    if let Some(inj) = sc.inject
        && opts.inject.is_empty()
    {
        opts.inject.push(inj.to_owned());
    }
    let exe = std::env::current_exe()?;
    let cmd = vec![exe.into_os_string(), "__scenario".into(), sc.name.into()];
    super::trace::run_trace(&opts, &cmd)
}
