//! Wiring: which command runs, threads and channels, sinks. `anyhow` lives here and in
//! main, nowhere deeper.

pub mod cli;
pub mod demo;
pub mod explain;
pub mod hold;
pub mod live_tui;
pub mod pipeline;
pub mod probe_cmd;
pub mod report_cmd;
pub mod trace;
pub mod view;

use anyhow::Result;
use cli::{Cli, Sub};

/// Exit code for "command not found / not executable", as shells and strace use.
pub const EXIT_NOT_FOUND: i32 = 127;

/// An error that carries its own exit code.
#[derive(Debug, thiserror::Error)]
#[error("{msg}")]
pub struct ExitError {
    /// The one-line message.
    pub msg: String,
    /// The exit code.
    pub code: i32,
}

/// Run what the command line asks for; Ok(exit code).
pub fn run(cli: Cli) -> Result<i32> {
    match cli.sub {
        None => trace::run_trace(&cli.trace, &cli.command),
        Some(Sub::External(cmd)) => trace::run_trace(&cli.trace, &cmd),
        Some(Sub::Demo { scenario, list }) => demo::run_demo(scenario.as_deref(), list, &cli.trace),
        Some(Sub::Explain { errno, syscall }) => explain::run_explain(&errno, syscall.as_deref()),
        // `probe --pid`, `report -o` and `report -c` are the global options of the same
        // names (one meaning per flag across subcommands).
        Some(Sub::Probe { path }) => {
            probe_cmd::run_probe(&path, cli.trace.pids.first().map(String::as_str))
        }
        Some(Sub::Report { file, format }) => report_cmd::run_report(
            &file,
            format,
            cli.trace.output.as_deref(),
            cli.trace.summary,
        ),
        Some(Sub::View { file }) => view::run_view(&file),
        Some(Sub::Scenario { name, args }) => {
            crate::scenario::run(&name, &args).map_err(|msg| ExitError { msg, code: 2 }.into())
        }
    }
}

/// A warning line on stderr. A closed or full stderr loses it: a warning is not worth
/// ending a trace for (that would end the traced program too), and `eprintln!` would panic.
pub fn warn(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "sockwhy: {msg}");
}

/// True when the error chain holds a broken pipe (output closed by the reader).
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The exit code for an error.
pub fn exit_code_for(e: &anyhow::Error) -> i32 {
    e.chain()
        .find_map(|c| c.downcast_ref::<ExitError>().map(|x| x.code))
        .unwrap_or(1)
}

/// The error as one line: contexts joined with ": ", newlines removed. A cause that its
/// context already ends with (`read failed: {0}` over the same io::Error) is said once.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut s = String::new();
    for c in e.chain().map(|c| c.to_string()) {
        if s.is_empty() {
            s = c;
        } else if !s.ends_with(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
    }
    crate::render::escape::escape_str(&s.replace('\n', " ")).replace("\\\"", "\"")
}
