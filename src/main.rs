//! The sockwhy binary: parse the command line, run, turn the outcome into an exit code.
//! This is the only place that decides exit codes and prints top-level errors.

use clap::Parser;
use sockwhy::app::{self, cli::Cli};

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help and --version are not errors; usage errors print clap's usage line.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
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
            eprintln!("sockwhy: {}", app::one_line(&e));
            std::process::exit(code);
        }
    }
}
