//! The sockwhy binary: parse the command line, run, turn the outcome into an exit code.
//! This is the only place that decides exit codes and prints top-level errors.

use clap::Parser;
use sockwhy::app::{self, cli::Cli};
use std::io::Write;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help and --version are not errors; usage errors print clap's usage line.
            let code = if e.use_stderr() { 2 } else { 0 };
            // --help into a full file is an error; into a closed pipe, a quiet stop.
            match e.print() {
                Err(p) if p.kind() != std::io::ErrorKind::BrokenPipe => std::process::exit(1),
                _ => std::process::exit(code),
            }
        }
    };
    match app::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            if app::is_broken_pipe(&e) {
                // A closed output pipe (`sockwhy ... | head`) is a quiet, clean stop.
                std::process::exit(0);
            }
            let code = app::exit_code_for(&e);
            // Not eprintln!, which panics when stderr is full: with nowhere to say it,
            // the exit code is all there is.
            let _ = writeln!(std::io::stderr().lock(), "sockwhy: {}", app::one_line(&e));
            std::process::exit(code);
        }
    }
}
