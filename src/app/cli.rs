//! Command-line interface (clap). Parsing only; `app::run` acts on it.
//!
//! The trace options belong to the trace: they come before the command to trace (as with
//! strace), and `demo`, which runs a trace, takes them too (before or after its name).
//! Every other subcommand lists only its own options.

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

const OUTPUT: &str = "Output";
const FILTERS: &str = "Filters";
const STRACE: &str = "Accepted from strace (nothing to change)";

/// Trace a program's UNIX-domain socket calls and explain why they fail.
#[derive(Parser, Debug)]
#[command(
    name = "sockwhy",
    version,
    override_usage = "sockwhy [OPTIONS] CMD [ARGS...]\n       sockwhy [OPTIONS] -p PID [-p PID...]\n       sockwhy <demo|explain|probe|report|view|completions|manpage> ...",
    after_help = "A word that is not a subcommand starts the command to trace: `sockwhy ls -l` \
                  is `sockwhy -- ls -l`. Use `--` before a command that has a subcommand's \
                  name. Each subcommand has its own --help."
)]
pub struct Cli {
    /// Tracing options (used when tracing CMD or -p PID).
    #[command(flatten)]
    pub trace: TraceOpts,

    /// Subcommand; a word that is not one is taken as the command to trace.
    #[command(subcommand)]
    pub sub: Option<Sub>,

    /// The command to trace and its arguments (as bytes: they need not be UTF-8). Options
    /// after CMD are the command's own.
    #[arg(value_name = "CMD", trailing_var_arg = true)]
    pub command: Vec<OsString>,
}

/// Options of a live trace.
#[derive(Args, Debug, Clone, PartialEq)]
pub struct TraceOpts {
    /// Attach to a running process (all its threads); repeatable, or a comma-separated list.
    #[arg(
        short = 'p',
        long = "pid",
        value_name = "PID",
        allow_hyphen_values = true
    )]
    pub pids: Vec<String>,

    /// Write the text trace to FILE instead of stderr.
    #[arg(short = 'o', long = "output", value_name = "FILE", help_heading = OUTPUT)]
    pub output: Option<PathBuf>,

    /// Also save the trace as JSON Lines to FILE (mode 0600): every call, whatever the
    /// filters show.
    #[arg(long, value_name = "FILE", help_heading = OUTPUT)]
    pub save: Option<PathBuf>,

    /// Colour failing calls: auto (when the output is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, help_heading = OUTPUT)]
    pub color: ColorChoice,

    /// Show only failing calls (expected failures, such as glibc's nscd lookup, take one line).
    #[arg(
        short = 'Z',
        long = "failed-only",
        visible_alias = "failed",
        help_heading = FILTERS
    )]
    pub failed: bool,

    /// Show only calls that succeeded.
    #[arg(
        short = 'z',
        long = "successful-only",
        conflicts_with = "failed",
        help_heading = FILTERS
    )]
    pub successful: bool,

    /// Filter expression, as strace's: trace=connect,bind (also !connect, /regex, %net,
    /// %fdio; pread64 and pwrite64 only when named), status=failed,successful,unfinished,
    /// errno=ECONNREFUSED,EACCES, signal=none.
    #[arg(short = 'e', value_name = "EXPR", help_heading = FILTERS)]
    pub expr: Vec<String>,

    /// Show only calls on this socket path or @abstract-name (a `*` matches any run of
    /// characters: -P '/run/app/*'); repeatable.
    #[arg(
        short = 'P',
        long = "trace-path",
        value_name = "PATH",
        help_heading = FILTERS
    )]
    pub paths: Vec<String>,

    /// Bytes of payload data to show per buffer.
    #[arg(
        short = 's',
        long = "strsize",
        value_name = "N",
        default_value_t = 32,
        allow_hyphen_values = true,
        value_parser = non_negative,
        help_heading = OUTPUT
    )]
    pub strsize: usize,

    /// Do not follow forks, vforks, clones and threads.
    #[arg(long)]
    pub no_follow: bool,

    /// Report calls on sockets of every family, not only AF_UNIX.
    #[arg(long)]
    pub all_families: bool,

    /// Print, at exit, how many ptrace stops each traced call cost and a histogram of how long
    /// each reported call kept the tracee stopped.
    #[arg(long, help_heading = OUTPUT)]
    pub stats: bool,

    /// Print only a summary table (calls, errors, time per syscall, errors by errno) at
    /// exit, like strace -c.
    #[arg(
        short = 'c',
        long = "summary-only",
        conflicts_with = "summary_and_trace",
        help_heading = OUTPUT
    )]
    pub summary: bool,

    /// Print the trace and the summary table at exit, like strace -C.
    #[arg(short = 'C', long = "summary", help_heading = OUTPUT)]
    pub summary_and_trace: bool,

    /// Make SYSCALL fail with ERRNO without running it (repeatable), e.g. connect=ENOMEM.
    #[arg(long, value_name = "SYSCALL=ERRNO")]
    pub inject: Vec<String>,

    /// Do not use the seccomp filter: stop on every syscall (slower; for comparison).
    #[arg(long, conflicts_with = "seccomp_bpf")]
    pub no_seccomp: bool,

    /// Run sockwhy's tracer and the command on one CPU: faster for programs that make many
    /// short socket calls, slower for programs that need several CPUs (the command and all
    /// it starts are confined to that CPU). Not with -p.
    #[arg(long)]
    pub same_cpu: bool,

    /// Before the tracer sleeps, stay awake up to this many microseconds for the next stop
    /// (0: never). Programs that make one short socket call after another run much faster
    /// traced; sockwhy stops doing it by itself while too few of these waits catch a stop.
    /// Never on one CPU or with --same-cpu.
    #[arg(long, value_name = "MICROS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pub spin: u64,

    /// Watch the trace in the live TUI.
    #[arg(long)]
    pub tui: bool,

    /// When the command exits while programs it started still run (a daemon): wait (trace
    /// them until they exit), detach (trace without the seccomp filter, slower, and leave
    /// them running untraced), or kill (end them with the trace).
    #[arg(long, value_enum, value_name = "ACTION", default_value_t = LeaderExitChoice::Wait)]
    pub leader_exit: LeaderExitChoice,

    /// Prefix each line with the time of day (-tt: with microseconds, -ttt: seconds since
    /// the epoch), as strace.
    #[arg(short = 't', long = "absolute-timestamps", action = ArgAction::Count, help_heading = OUTPUT)]
    pub timestamps: u8,

    /// Prefix each line with the time since the previous line, as strace.
    #[arg(short = 'r', long = "relative-timestamps", help_heading = OUTPUT)]
    pub relative: bool,

    /// Show the time spent in each call (`<0.000012>` at the end of the line), as strace.
    #[arg(short = 'T', long = "syscall-times", help_heading = OUTPUT)]
    pub durations: bool,

    /// Strings in hexadecimal: -x those with non-ASCII bytes, -xx all, as strace.
    #[arg(short = 'x', action = ArgAction::Count, help_heading = OUTPUT)]
    pub hex: u8,

    /// Show expected failures (glibc's nscd lookup, probes, EAGAIN in an event loop,
    /// failures recovered from) in full, not as one line.
    #[arg(short = 'v', long = "expected", help_heading = OUTPUT)]
    pub expected: bool,

    /// Fewer process messages: -q hides attach and detach lines, -qq also exits, as strace.
    #[arg(short = 'q', action = ArgAction::Count, help_heading = OUTPUT)]
    pub quiet: u8,

    /// Follow forks (-ff too): sockwhy always does, unless --no-follow; one trace names
    /// each line's pid.
    #[arg(short = 'f', action = ArgAction::Count, conflicts_with = "no_follow", help_heading = STRACE)]
    pub follow: u8,

    /// Decode fd identities (-yy too): sockwhy always shows them as strace -yy does.
    #[arg(short = 'y', action = ArgAction::Count, help_heading = STRACE)]
    pub decode_fds: u8,

    /// Stop only at traced calls: sockwhy always does for a started command (a seccomp
    /// filter), unless --no-seccomp.
    #[arg(long, help_heading = STRACE)]
    pub seccomp_bpf: bool,

    /// Show the user-space stack under each failing call, with file:line where debug info
    /// exists (-kk is the same: source lines are always shown).
    #[arg(short = 'k', action = ArgAction::Count)]
    pub stack_k: u8,

    /// Same as -k (`--stack-trace=source` as -kk, for strace's spellings).
    #[arg(
        long = "stack-trace",
        value_name = "MODE",
        value_enum,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "symbol"
    )]
    pub stack_trace: Option<StackTraceMode>,

    /// With -k: frames per stack at most (as strace's option).
    #[arg(
        long = "stack-trace-frame-limit",
        value_name = "N",
        default_value_t = crate::stack::DEFAULT_FRAME_LIMIT
    )]
    pub stack_frame_limit: usize,

    /// Take a stack at every reported call, not only at failures (implies -k).
    #[arg(long = "stack-trace-all-calls")]
    pub stack_all_calls: bool,

    /// Show the C library's and language runtimes' frames instead of folding them (implies -k).
    #[arg(long = "stack-trace-unfold")]
    pub stack_unfold: bool,
}

impl Default for TraceOpts {
    /// The options of a command line that gives none.
    fn default() -> Self {
        Cli::try_parse_from(["sockwhy"])
            .map(|c| c.trace)
            .expect("no arguments parse")
    }
}

/// `-s N`: a clear word for a negative number, not clap's tip to put `--` before it.
fn non_negative(s: &str) -> Result<usize, String> {
    match s.parse::<i128>() {
        Ok(n) if n < 0 => Err("must be a non-negative number".into()),
        Ok(_) => s.parse::<usize>().map_err(|_| "is too large".to_string()),
        Err(_) => Err("must be a non-negative number".into()),
    }
}

impl TraceOpts {
    /// Whether stacks are taken (-k, --stack-trace, or an option that implies them).
    pub fn stacks(&self) -> bool {
        self.stack_k > 0 || self.stack_trace.is_some() || self.stack_all_calls || self.stack_unfold
    }
}

/// `--stack-trace=MODE`: both show source lines where debug info exists.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackTraceMode {
    /// strace's -k.
    Symbol,
    /// strace's -kk.
    Source,
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
        /// Options of the trace (also accepted before `demo`).
        #[command(flatten)]
        trace: Box<TraceOpts>,
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
        /// The socket path (or @abstract-name).
        path: String,
        /// Check as process PID sees it (its cwd, root and credentials).
        #[arg(
            short = 'p',
            long = "pid",
            value_name = "PID",
            allow_hyphen_values = true
        )]
        pid: Option<String>,
    },
    /// Turn a saved trace (JSON Lines) into a report.
    Report {
        /// The trace file (`-` for stdin).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Write the report to FILE instead of stdout.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Print the strace -c style summary table instead of the report.
        #[arg(short = 'c', long = "summary")]
        summary: bool,
    },
    /// Open a saved trace in the TUI.
    View {
        /// The trace file.
        file: PathBuf,
    },
    /// Print a shell completion script (install: see the README, "Shell completion").
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), made from the same definitions as --help.
    Manpage,
    /// Run a bundled scenario in this process (used by demo and the tests).
    #[command(name = "__scenario", hide = true)]
    Scenario {
        /// Scenario name.
        name: String,
        /// Scenario arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("sockwhy").chain(args.iter().copied()))
    }

    #[test]
    fn the_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_command_without_dashes_and_its_own_options() {
        let c = parse(&[
            "-f",
            "-tt",
            "-T",
            "-e",
            "trace=connect",
            "ls",
            "-l",
            "-e",
            "x",
        ])
        .unwrap();
        assert!(c.sub.is_none());
        assert_eq!(c.command, ["ls", "-l", "-e", "x"]);
        assert_eq!(c.trace.expr, ["trace=connect"]);
        assert_eq!((c.trace.follow, c.trace.timestamps), (1, 2));
        assert!(c.trace.durations);
        let c = parse(&["--", "demo", "-c"]).unwrap();
        assert!(c.sub.is_none(), "after -- a subcommand's name is a command");
        assert_eq!(c.command, ["demo", "-c"]);
        let c = parse(&["true"]).unwrap();
        assert_eq!(c.command, ["true"]);
    }

    #[test]
    fn subcommands_take_their_own_options() {
        match parse(&["probe", "/x", "--pid", "5"]).unwrap().sub {
            Some(Sub::Probe { path, pid }) => {
                assert_eq!((path.as_str(), pid), ("/x", Some("5".into())))
            }
            s => panic!("{s:?}"),
        }
        match parse(&["demo", "-c", "eacces"]).unwrap().sub {
            Some(Sub::Demo {
                scenario, trace, ..
            }) => {
                assert_eq!(scenario.as_deref(), Some("eacces"));
                assert!(trace.summary);
            }
            s => panic!("{s:?}"),
        }
        assert!(parse(&["view", "-c", "x"]).is_err(), "view has no -c");
        assert!(parse(&["report", "x", "--save", "y"]).is_err());
    }

    #[test]
    fn negative_numbers_get_a_plain_word() {
        let e = parse(&["-s", "-5", "true"]).unwrap_err().to_string();
        assert!(e.contains("must be a non-negative number"), "{e}");
        assert!(!e.contains("tip") && !e.contains("'-- -5'"), "{e}");
        let c = parse(&["-p", "-5"]).unwrap();
        assert_eq!(c.trace.pids, ["-5"], "checked where pids are parsed");
    }

    #[test]
    fn strace_flags_that_contradict_are_refused() {
        assert!(parse(&["-f", "--no-follow", "true"]).is_err());
        assert!(parse(&["--seccomp-bpf", "--no-seccomp", "true"]).is_err());
        assert!(parse(&["-c", "-C", "true"]).is_err());
        assert!(parse(&["-Z", "-z", "true"]).is_err());
        let c = parse(&["-ff", "-yy", "-qq", "-xx", "--seccomp-bpf", "true"]).unwrap();
        assert_eq!(
            (
                c.trace.follow,
                c.trace.decode_fds,
                c.trace.quiet,
                c.trace.hex
            ),
            (2, 2, 2, 2)
        );
    }
}
