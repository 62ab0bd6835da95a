//! A live trace: start the tracer thread, run the pipeline (diagnose, then fan out to
//! the sinks) on this thread.

use super::cli::{ColorChoice, LeaderExitChoice, TraceOpts};
use super::expr::parse_selection;
use super::pipeline::Pipeline;
use super::{EXIT_NOT_FOUND, ExitError};
use crate::decode::DecodeOpts;
use crate::model::escape::StrStyle;
use crate::model::{Header, TRACE_FORMAT_NAME, TRACE_FORMAT_VERSION, traced};
use crate::render::clock::{Absolute, Clock};
use crate::sink::Sink;
use crate::sink::filter::Filter;
use crate::sink::jsonl::write::JsonlWriter;
use crate::sink::summary::SummarySink;
use crate::sink::text::{TextOptions, TextSink};
use crate::tracer::{self, Control, Finish, LeaderExit, Target, TraceConfig};
use anyhow::{Result, anyhow, bail};
use std::ffi::OsString;
use std::io::{BufWriter, IsTerminal, Write};
use std::os::unix::ffi::OsStrExt;
use std::str::FromStr;
use std::time::SystemTime;
use syscalls::Sysno;

/// Trace `command` (or the -p pids in `opts`).
pub fn run_trace(opts: &TraceOpts, command: &[OsString]) -> Result<i32> {
    if opts.tui {
        need_terminal("--tui")?;
    }
    let sel = parse_selection(&opts.expr, &opts.paths, opts.failed, opts.successful)?;
    let cfg = build_config(opts, command)?;
    if opts.tui {
        return super::live_tui::run_live_tui(opts, cfg);
    }
    let attaching = matches!(cfg.target, Target::Attach(_));
    // Files first: a path that cannot be written (or a planted symlink) must not cost the
    // program a start, or an attached one a stop.
    let files = OutputFiles::open(opts)?;
    // The tracer's clock starts as it takes the first process: for a command, just
    // before `start` returns; when attaching, as it begins (before the attach work).
    let before = SystemTime::now();
    let handle = start(cfg)?;
    let zero = if attaching { before } else { SystemTime::now() };
    let stop = stop_control(handle.attached);
    let (sinks, mut trailer) = match text_sinks(opts, files, sel.show, zero) {
        Ok(s) => s,
        Err(e) => return Err(abandon(handle, e)),
    };
    let mut pipe = Pipeline::new(sinks).with_style(StrStyle::from_count(opts.hex));
    pipe.start(make_header(opts, command));
    // An output is gone (closed pipe, full disk): stop tracing cleanly, detaching
    // attached processes; the saved trace goes on to its end.
    let ran = pipe.run(&handle.rx, || handle.request(stop));
    let result = pipe.finish(&ran.end(false));
    handle.join();
    result?;
    if opts.stats {
        write_lines(&mut trailer, &stats_lines(&ran.finish))?;
    }
    Ok(ran.finish.exit_code.unwrap_or(0))
}

/// An output could not be opened after the tracer started: never leave the program
/// stopped under a tracer nobody reads. Stops the trace, waits for it, gives `e` back.
pub fn abandon(handle: tracer::Handle, e: anyhow::Error) -> anyhow::Error {
    handle.request(stop_control(handle.attached));
    for m in handle.rx.iter() {
        if matches!(m, tracer::TraceMsg::Finished(_)) {
            break;
        }
    }
    handle.join();
    e
}

/// Detach attached processes; end a spawned one (it cannot run without its tracer).
pub fn stop_control(attached: bool) -> Control {
    if attached {
        Control::Detach
    } else {
        Control::Kill
    }
}

/// A handle on where the text trace goes (stderr, or the -o file).
type TextOut = Box<dyn Write + Send>;

/// One line when the TUI has no terminal to draw on (its screen would be escape codes
/// written into a pipe or a file).
pub fn need_terminal(what: &str) -> Result<()> {
    if std::io::stdout().is_terminal() {
        return Ok(());
    }
    bail!(ExitError {
        msg: format!(
            "{what} needs a terminal, and stdout is not one (a text trace or `sockwhy report` \
             works in a pipe)"
        ),
        code: 2
    })
}

/// The files a text trace writes (`-o`, `--save`), opened before the tracer starts.
struct OutputFiles {
    output: Option<crate::sink::outfile::OutFile>,
    save: Option<JsonlWriter<std::io::BufWriter<crate::sink::outfile::OutFile>>>,
}

impl OutputFiles {
    fn open(opts: &TraceOpts) -> Result<Self> {
        Ok(OutputFiles {
            output: match &opts.output {
                Some(p) => Some(crate::sink::outfile::create(p)?),
                None => None,
            },
            save: match &opts.save {
                Some(p) => Some(JsonlWriter::create(p)?),
                None => None,
            },
        })
    }
}

/// The sinks of a text trace (text unless `-c`, `--save`, `-c`/`-C`), and a handle on the
/// text's destination for `--stats`, printed after everything else. `zero` is the wall
/// clock at the trace's time 0.
fn text_sinks(
    opts: &TraceOpts,
    files: OutputFiles,
    show: Filter,
    zero: SystemTime,
) -> Result<(Vec<Box<dyn Sink + Send>>, TextOut)> {
    let is_tty = opts.output.is_none() && std::io::stderr().is_terminal();
    let file = files.output;
    // Handles on an -o file share its offset: each writes after the lines before it.
    // Block-buffered: the pipeline flushes each sink whenever it has caught up with the
    // tracer (`Sink::flush`), a write per batch of lines rather than one per line.
    let handle = || -> Result<TextOut> {
        Ok(match &file {
            Some(f) => Box::new(BufWriter::new(f.try_clone()?)),
            None => Box::new(BufWriter::new(std::io::stderr())),
        })
    };
    let mut sinks: Vec<Box<dyn Sink + Send>> = Vec::new();
    // -c is the table alone, as in strace; -C the trace and the table.
    if !opts.summary {
        let absolute = Absolute::from_count(opts.timestamps);
        let clock = Clock::new(absolute, opts.relative, zero);
        let text = TextOptions {
            color: use_color(opts.color, is_tty),
            filter: show,
            clock: clock.is_on().then_some(clock),
            durations: opts.durations,
            expected_in_full: opts.expected,
            quiet: opts.quiet,
            unfold_stacks: opts.stack_unfold,
        };
        sinks.push(Box::new(TextSink::with_options(handle()?, text)));
    }
    if let Some(w) = files.save {
        sinks.push(Box::new(w));
    }
    if opts.summary || opts.summary_and_trace {
        sinks.push(Box::new(SummarySink::new(handle()?)));
    }
    Ok((sinks, handle()?))
}

/// Start the tracer, turning start errors into one-line errors with the right exit code.
pub fn start(cfg: TraceConfig) -> Result<tracer::Handle> {
    tracer::start(cfg).map_err(|e| {
        let code = if e.is_not_found() { EXIT_NOT_FOUND } else { 1 };
        anyhow!(ExitError {
            msg: e.to_string(),
            code
        })
    })
}

/// Write `lines`, each with its newline, and flush.
pub fn write_lines(out: &mut dyn Write, lines: &[String]) -> Result<()> {
    for l in lines {
        writeln!(out, "{l}")?;
    }
    out.flush()?;
    Ok(())
}

/// The --stats table: ptrace stops per call, so the cost of tracing is visible.
pub fn stats_lines(finish: &Finish) -> Vec<String> {
    let mode = if finish.filtered {
        "seccomp filter (only traced calls stop)"
    } else {
        "PTRACE_SYSCALL (every syscall stops)"
    };
    let mut v = vec![
        format!("sockwhy: ptrace stops per call, mode: {mode}"),
        format!(
            "{:<16} {:>10} {:>10} {:>10}",
            "syscall", "entry", "exit", "reported"
        ),
    ];
    let (mut te, mut tx, mut tr) = (0, 0, 0);
    for (name, c) in &finish.stops {
        v.push(format!(
            "{name:<16} {:>10} {:>10} {:>10}",
            c.entry, c.exit, c.reported
        ));
        te += c.entry;
        tx += c.exit;
        tr += c.reported;
    }
    v.push(format!("{:<16} {te:>10} {tx:>10} {tr:>10}", "total"));
    v.extend(stopped_time_lines(&finish.stopped));
    let s = &finish.spin;
    v.push(if s.limit_us == 0 {
        format!(
            "sockwhy: waits awake for the next stop: off (--spin 0, --same-cpu or one CPU); {} sleeps",
            s.slept
        )
    } else {
        format!(
            "sockwhy: waits awake for the next stop (up to {} us): {} caught one, {} found none; {} sleeps",
            s.limit_us, s.caught, s.missed, s.slept
        )
    });
    v
}

/// The --stats histogram of how long each reported call kept its tracee stopped.
fn stopped_time_lines(t: &tracer::StoppedTime) -> Vec<String> {
    let us = |ns: u64| ns as f64 / 1000.0;
    let mut v = vec![format!(
        "sockwhy: time the tracee spent stopped per reported call (entry + exit stop): {} calls, mean {:.1} us, median < {} us, p99 < {} us, max {:.1} us",
        t.count(),
        us(t.mean_ns()),
        t.percentile_us(50.0),
        t.percentile_us(99.0),
        us(t.max_ns())
    )];
    let buckets = t.buckets();
    let most = buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    for b in buckets {
        let bar = "#".repeat(((b.count * 40).div_ceil(most)) as usize);
        v.push(format!(
            "{:>8} - {:<8} {:>10} {:>5.1}% {bar}",
            format!("{} us", b.lo_us),
            format!("{} us", b.hi_us),
            b.count,
            100.0 * b.count as f64 / t.count() as f64
        ));
    }
    v
}

/// Colour when asked, or on a terminal without NO_COLOR.
pub fn use_color(c: ColorChoice, is_tty: bool) -> bool {
    match c {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// The trace's header record.
pub fn make_header(opts: &TraceOpts, command: &[OsString]) -> Header {
    Header {
        format: TRACE_FORMAT_NAME.to_owned(),
        version: TRACE_FORMAT_VERSION,
        command: command
            .iter()
            .map(|a| crate::render::escape::escape_bytes(a.as_bytes()))
            .collect(),
        attached: opts.pids.iter().filter_map(|p| p.parse().ok()).collect(),
        start: rfc3339_now(),
        kernel: kernel_release(),
        sockwhy: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

fn kernel_release() -> String {
    let rel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("Linux {}", rel.trim())
}

/// Now as RFC 3339 UTC with milliseconds.
pub fn rfc3339_now() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Turn the command line into a tracer configuration.
pub fn build_config(opts: &TraceOpts, command: &[OsString]) -> Result<TraceConfig> {
    let target = match (opts.pids.is_empty(), command.is_empty()) {
        (true, true) => bail!(ExitError {
            msg: "nothing to trace: give a command after -- or -p PID (see sockwhy --help)".into(),
            code: 2
        }),
        (false, false) => bail!(ExitError {
            msg: "give either a command or -p PID, not both".into(),
            code: 2
        }),
        (false, true) if opts.same_cpu => bail!(ExitError {
            msg: "--same-cpu applies to a command sockwhy starts, not to -p (it would change the affinity of a running program)".into(),
            code: 2
        }),
        (false, true) => Target::Attach(parse_pids(&opts.pids)?),
        (true, false) => Target::Spawn {
            argv: command.to_vec(),
            pty: opts.tui,
        },
    };
    Ok(TraceConfig {
        target,
        follow: !opts.no_follow,
        seccomp: !opts.no_seccomp,
        all_families: opts.all_families,
        report: parse_selection(&opts.expr, &opts.paths, opts.failed, opts.successful)?.trace,
        inject: opts
            .inject
            .iter()
            .map(|s| parse_inject(s))
            .collect::<Result<_>>()?,
        decode: DecodeOpts {
            strsize: opts.strsize,
        },
        stack: stack_opts(opts)?,
        leader_exit: match opts.leader_exit {
            LeaderExitChoice::Wait => LeaderExit::Wait,
            LeaderExitChoice::Detach => LeaderExit::Detach,
            LeaderExitChoice::Kill => LeaderExit::Kill,
        },
        same_cpu: opts.same_cpu,
        spin: std::time::Duration::from_micros(opts.spin),
    })
}

/// -k and its options.
fn stack_opts(opts: &TraceOpts) -> Result<Option<crate::stack::StackOpts>> {
    if !opts.stacks() {
        return Ok(None);
    }
    let max = crate::stack::MAX_FRAME_LIMIT;
    if !(1..=max).contains(&opts.stack_frame_limit) {
        bail!(ExitError {
            msg: format!("--stack-trace-frame-limit: expected 1 to {max}"),
            code: 2
        });
    }
    Ok(Some(crate::stack::StackOpts {
        frame_limit: opts.stack_frame_limit,
        every_call: opts.stack_all_calls,
        ..Default::default()
    }))
}

fn parse_pids(pids: &[String]) -> Result<Vec<i32>> {
    pids.iter()
        .flat_map(|p| p.split(','))
        .map(|p| {
            let bad = |why: &str| {
                anyhow!(ExitError {
                    msg: format!(
                        "invalid PID {:?}: {why}",
                        crate::render::escape::escape_str(p)
                    ),
                    code: 2
                })
            };
            match p.trim().parse::<i64>() {
                Ok(n) if n < 0 => Err(bad("must be a non-negative number")),
                Ok(0) => Err(bad("0 is not a process")),
                Ok(n) => i32::try_from(n).map_err(|_| bad("too large for a process id")),
                Err(_) => Err(bad("must be a non-negative number")),
            }
        })
        .collect()
}

/// `connect=ENOMEM` (or a number).
pub fn parse_inject(s: &str) -> Result<(Sysno, i32)> {
    let bad = || {
        anyhow!(ExitError {
            msg: format!("--inject {s:?}: expected SYSCALL=ERRNO, e.g. connect=ENOMEM"),
            code: 2
        })
    };
    let (name, errno) = s.split_once('=').ok_or_else(bad)?;
    let sys = Sysno::from_str(name).map_err(|_| bad())?;
    if !traced::all_reportable().contains(sys) {
        bail!(ExitError {
            msg: format!("--inject: {name} is not a call sockwhy traces"),
            code: 2
        });
    }
    let e = crate::model::errno::parse_errno(errno).ok_or_else(|| {
        anyhow!(ExitError {
            msg: format!(
                "--inject {name}=...: unknown errno {}",
                crate::render::escape::escape_str(errno)
            ),
            code: 2
        })
    })?;
    Ok((sys, e.into_raw()))
}
