//! Wiring: which command runs, threads and channels, sinks. `anyhow` lives here and in
//! main, nowhere deeper.

pub mod cli;
pub mod demo;
pub mod docs;
pub mod explain;
pub mod expr;
pub mod hold;
pub mod live_tui;
pub mod pipeline;
pub mod probe_cmd;
pub mod report_cmd;
pub mod trace;
pub mod view;

use anyhow::{Result, bail};
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
    let given = cli.trace != cli::TraceOpts::default();
    match cli.sub {
        None => trace::run_trace(&cli.trace, &cli.command),
        Some(Sub::Demo {
            scenario,
            list,
            trace,
        }) => {
            // `sockwhy -c demo` and `sockwhy demo -c` both work; options on both sides
            // would have to be merged, and one side is enough.
            if given && *trace != cli::TraceOpts::default() {
                bail!(ExitError {
                    msg: "give the trace options either before or after `demo`, not both".into(),
                    code: 2
                });
            }
            let opts = if given { &cli.trace } else { &trace };
            demo::run_demo(scenario.as_deref(), list, opts)
        }
        Some(_) if given => bail!(ExitError {
            msg: "the options before the subcommand are options of a trace; \
                  the subcommand's own go after it (see sockwhy SUBCOMMAND --help)"
                .into(),
            code: 2
        }),
        Some(Sub::Explain { errno, syscall }) => explain::run_explain(&errno, syscall.as_deref()),
        Some(Sub::Probe { path, pid }) => probe_cmd::run_probe(&path, pid.as_deref()),
        Some(Sub::Report {
            file,
            format,
            output,
            summary,
        }) => report_cmd::run_report(&file, format, output.as_deref(), summary),
        Some(Sub::View { file }) => view::run_view(&file),
        Some(Sub::Completions { shell }) => docs::write_completions(shell),
        Some(Sub::Manpage) => docs::write_manpage(),
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
