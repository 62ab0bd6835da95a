//! Command-line interface (clap). Parsing only; `app::run` acts on it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

/// Trace a program's UNIX-domain socket calls and explain why they fail.
#[derive(Parser, Debug)]
#[command(
    name = "sockwhy",
    version,
    allow_external_subcommands = true,
    override_usage = "sockwhy [OPTIONS] -- CMD [ARGS...]\n       sockwhy [OPTIONS] -p PID [-p PID...]\n       sockwhy <demo|explain|probe|report|view> ..."
)]
pub struct Cli {
    /// Tracing options (used when tracing CMD or -p PID).
    #[command(flatten)]
    pub trace: TraceOpts,

    /// Subcommand; a word that is not one is taken as the command to trace.
    #[command(subcommand)]
    pub sub: Option<Sub>,

    /// The command to trace, after `--` (taken as bytes: arguments need not be UTF-8).
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

/// Options of a live trace.
#[derive(Args, Debug, Clone, Default)]
pub struct TraceOpts {
    /// Attach to a running process (all its threads); repeatable. With `probe`: check as PID sees it.
    #[arg(short = 'p', long = "pid", value_name = "PID", global = true)]
    pub pids: Vec<String>,

    /// Write the text trace (with `report`: the report) to FILE instead of stderr (stdout).
    #[arg(short = 'o', long = "output", value_name = "FILE", global = true)]
    pub output: Option<PathBuf>,

    /// Also save the trace as JSON Lines to FILE (mode 0600).
    #[arg(long, value_name = "FILE", global = true)]
    pub save: Option<PathBuf>,

    /// Colour failing calls: auto (when the output is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// Show only failing calls.
    #[arg(long, global = true)]
    pub failed: bool,

    /// Choose the traced set: `-e trace=connect,bind` (names of traced calls, or %net / %fdio;
    /// pread64 and pwrite64 only when named).
    #[arg(short = 'e', value_name = "EXPR", global = true)]
    pub expr: Vec<String>,

    /// Bytes of payload data to show per buffer.
    #[arg(
        short = 's',
        long = "strsize",
        value_name = "N",
        default_value_t = 32,
        global = true
    )]
    pub strsize: usize,

    /// Do not follow forks, vforks, clones and threads.
    #[arg(long, global = true)]
    pub no_follow: bool,

    /// Report calls on sockets of every family, not only AF_UNIX.
    #[arg(long, global = true)]
    pub all_families: bool,

    /// Print, at exit, how many ptrace stops each traced call cost and a histogram of how long
    /// each reported call kept the tracee stopped.
    #[arg(long, global = true)]
    pub stats: bool,

    /// Print a summary table (calls, errors, time per syscall) at the end, like strace -c
    /// (with `report`: instead of the report).
    #[arg(short = 'c', long = "summary", global = true)]
    pub summary: bool,

    /// Make SYSCALL fail with ERRNO without running it (repeatable), e.g. connect=ENOMEM.
    #[arg(long, value_name = "SYSCALL=ERRNO", global = true)]
    pub inject: Vec<String>,

    /// Do not use the seccomp filter: stop on every syscall (slower; for comparison).
    #[arg(long, global = true)]
    pub no_seccomp: bool,

    /// Run sockwhy's tracer and the command on one CPU: faster for programs that make many
    /// short socket calls, slower for programs that need several CPUs (the command and all
    /// it starts are confined to that CPU). Not with -p.
    #[arg(long, global = true)]
    pub same_cpu: bool,

    /// Watch the trace in the live TUI.
    #[arg(long, global = true)]
    pub tui: bool,

    /// When the command exits while programs it started still run (a daemon): wait (trace
    /// them until they exit), detach (trace without the seccomp filter, slower, and leave
    /// them running untraced), or kill (end them with the trace).
    #[arg(long, value_enum, value_name = "ACTION", default_value_t = LeaderExitChoice::Wait, global = true)]
    pub leader_exit: LeaderExitChoice,
}

/// `--leader-exit`.
#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LeaderExitChoice {
    /// Keep tracing them until they exit.
    #[default]
    Wait,
    /// Detach from them and leave them running (the trace runs without the seccomp filter).
    Detach,
    /// Kill them.
    Kill,
}

/// `--color`.
#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Sub {
    /// Run a bundled misbehaving program under the tracer (default: the "daemon" story).
    Demo {
        /// Scenario name (see --list).
        scenario: Option<String>,
        /// List the scenarios.
        #[arg(long)]
        list: bool,
    },
    /// Explain an errno (for a syscall) without tracing.
    Explain {
        /// ENOENT, or a number.
        errno: String,
        /// connect, bind, sendmsg, ...
        syscall: Option<String>,
    },
    /// Diagnose a socket path without tracing: exists, type, owner, who listens, may I connect.
    Probe {
        /// The socket path (or @abstract-name). `--pid PID`: check as that process sees
        /// it (its cwd, root and credentials).
        path: String,
    },
    /// Turn a saved trace (JSON Lines) into a report.
    Report {
        /// The trace file.
        file: PathBuf,
        /// Output format. `-o OUT` writes the report to OUT instead of stdout; `-c` prints
        /// the strace -c style summary table instead of the report.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// Open a saved trace in the TUI.
    View {
        /// The trace file.
        file: PathBuf,
    },
    /// Run a bundled scenario in this process (used by demo and the tests).
    #[command(name = "__scenario", hide = true)]
    Scenario {
        /// Scenario name.
        name: String,
        /// Scenario arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Any other word: the command to trace (`sockwhy ls` = `sockwhy -- ls`).
    #[command(external_subcommand)]
    External(Vec<OsString>),
}

/// `report --format`.
#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReportFormat {
    /// Plain text.
    #[default]
    Text,
    /// Markdown, for an issue tracker.
    Markdown,
    /// A single self-contained HTML file.
    Html,
    /// Machine-readable JSON.
    Json,
}
