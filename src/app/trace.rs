//! A live trace: start the tracer thread, run the pipeline (diagnose, then fan out to
//! the sinks) on this thread.

use super::cli::{ColorChoice, LeaderExitChoice, TraceOpts};
use super::{EXIT_NOT_FOUND, ExitError};
use crate::decode::DecodeOpts;
use crate::diagnose::{self, History};
use crate::model::{Header, Record, TRACE_FORMAT_NAME, TRACE_FORMAT_VERSION, traced};
use crate::sink::jsonl::write::JsonlWriter;
use crate::sink::text::TextSink;
use crate::tracer::{self, Control, Finish, LeaderExit, Target, TraceConfig, TraceMsg};
use anyhow::{Context, Result, anyhow, bail};
use std::ffi::OsString;
use std::io::{IsTerminal, LineWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::str::FromStr;
use syscalls::{Sysno, SysnoSet};

/// Trace `command` (or the -p pids in `opts`).
pub fn run_trace(opts: &TraceOpts, command: &[OsString]) -> Result<i32> {
    let cfg = build_config(opts, command)?;
    if opts.tui {
        return super::live_tui::run_live_tui(opts, cfg);
    }
    let handle = start(cfg)?;
    let header = make_header(opts, command);
    let (out, is_tty): (Box<dyn Write + Send>, bool) = match &opts.output {
        Some(p) => (
            Box::new(LineWriter::new(
                std::fs::File::create(p)
                    .with_context(|| format!("cannot create {}", p.display()))?,
            )),
            false,
        ),
        None => (
            Box::new(LineWriter::new(std::io::stderr())),
            std::io::stderr().is_terminal(),
        ),
    };
    let mut pipe = Pipeline::new(opts, &header, out, use_color(opts.color, is_tty))?;
    let mut finish = Finish::default();
    for msg in handle.rx.iter() {
        if let TraceMsg::Finished(f) = msg {
            finish = f;
            break;
        }
        if let Err(e) = pipe.handle(msg)
            && pipe.error.is_none()
        {
            // The output is gone (closed pipe, full disk): stop tracing cleanly,
            // detaching attached processes, and keep draining so the tracer can finish.
            pipe.error = Some(e);
            handle.request(if handle.attached {
                Control::Detach
            } else {
                Control::Kill
            });
        }
    }
    if let Some(e) = pipe.error.take() {
        return Err(e);
    }
    pipe.finish(&finish, opts)?;
    Ok(finish.exit_code.unwrap_or(0))
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

/// The sinks of a live trace and the diagnosis state.
pub struct Pipeline {
    text: Option<TextSink<Box<dyn Write + Send>>>,
    jsonl: Option<JsonlWriter<std::io::BufWriter<std::fs::File>>>,
    summary: Option<crate::sink::summary::Summary>,
    history: History,
    /// First output error: the trace is being stopped.
    pub error: Option<anyhow::Error>,
}

impl Pipeline {
    /// Open the sinks `opts` asks for and write the header.
    pub fn new(
        opts: &TraceOpts,
        header: &Header,
        text_out: Box<dyn Write + Send>,
        color: bool,
    ) -> Result<Self> {
        let jsonl = match &opts.save {
            Some(p) => {
                let mut w = JsonlWriter::create(p)
                    .with_context(|| format!("cannot create {}", p.display()))?;
                w.write(&Record::Header(header.clone()))?;
                Some(w)
            }
            None => None,
        };
        let mut summary = opts.summary.then(crate::sink::summary::Summary::default);
        if let Some(s) = summary.as_mut() {
            s.add(&Record::Header(header.clone()));
        }
        Ok(Pipeline {
            text: Some(TextSink::new(text_out, color, opts.failed)),
            jsonl,
            summary,
            history: History::default(),
            error: None,
        })
    }

    /// A pipeline without a text sink (the TUI shows events instead).
    pub fn without_text(mut self) -> Self {
        self.text = None;
        self
    }

    /// Diagnose one message and write it everywhere; returns the record it became.
    pub fn process(&mut self, msg: TraceMsg) -> Option<Record> {
        match msg {
            TraceMsg::Syscall(mut ev, facts) => {
                diagnose::diagnose(&mut ev, &facts, &self.history);
                self.history.record(&ev);
                Some(Record::Syscall(ev))
            }
            TraceMsg::Process(pe) => {
                // Exits close sockets: the rules can then say who closed a peer.
                self.history.record_process(&pe);
                Some(Record::Process(pe))
            }
            TraceMsg::Warning(_) | TraceMsg::Finished(_) => None,
        }
    }

    /// Diagnose and write one message.
    pub fn handle(&mut self, msg: TraceMsg) -> Result<()> {
        if let TraceMsg::Warning(w) = &msg {
            eprintln!("sockwhy: {w}");
        }
        if let Some(rec) = self.process(msg) {
            self.write(&rec)?;
        }
        Ok(())
    }

    /// Write a record to every sink.
    pub fn write(&mut self, rec: &Record) -> Result<()> {
        if self.error.is_some() {
            return Ok(());
        }
        if let Some(s) = self.summary.as_mut() {
            s.add(rec);
        }
        if let Some(j) = self.jsonl.as_mut() {
            j.write(rec).context("cannot write the saved trace")?;
        }
        if let Some(t) = self.text.as_mut() {
            t.write(rec)?;
        }
        Ok(())
    }

    /// The end: --stats and the -c summary.
    pub fn finish(&mut self, finish: &Finish, opts: &TraceOpts) -> Result<()> {
        let mut lines = Vec::new();
        if opts.stats {
            lines.extend(stats_lines(finish));
        }
        if let Some(s) = &self.summary {
            let mut buf = Vec::new();
            s.write_table(&mut buf)?;
            lines.extend(String::from_utf8_lossy(&buf).lines().map(str::to_owned));
        }
        if let Some(t) = self.text.as_mut() {
            for l in &lines {
                t.write_line(l)?;
            }
            t.flush()?;
        } else {
            for l in &lines {
                eprintln!("{l}");
            }
        }
        Ok(())
    }
}

/// The --stats table: ptrace stops per call, so the cost of tracing is visible.
fn stats_lines(finish: &Finish) -> Vec<String> {
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
        report: parse_trace_expr(&opts.expr)?,
        inject: opts
            .inject
            .iter()
            .map(|s| parse_inject(s))
            .collect::<Result<_>>()?,
        decode: DecodeOpts {
            strsize: opts.strsize,
        },
        leader_exit: match opts.leader_exit {
            LeaderExitChoice::Wait => LeaderExit::Wait,
            LeaderExitChoice::Detach => LeaderExit::Detach,
            LeaderExitChoice::Kill => LeaderExit::Kill,
        },
        same_cpu: opts.same_cpu,
    })
}

fn parse_pids(pids: &[String]) -> Result<Vec<i32>> {
    pids.iter()
        .flat_map(|p| p.split(','))
        .map(|p| match p.trim().parse::<i32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(anyhow!(ExitError {
                msg: format!("invalid PID {:?}", crate::render::escape::escape_str(p)),
                code: 2
            })),
        })
        .collect()
}

/// `-e trace=connect,bind` (also `%net` for the socket calls, `%fdio` for read/write/close).
pub fn parse_trace_expr(exprs: &[String]) -> Result<SysnoSet> {
    if exprs.is_empty() {
        return Ok(traced::default_reported());
    }
    let mut set = SysnoSet::empty();
    for e in exprs {
        let list = e.strip_prefix("trace=").ok_or_else(|| {
            anyhow!(ExitError {
                msg: format!("unsupported -e expression {e:?} (only trace=LIST)"),
                code: 2
            })
        })?;
        for name in list.split(',').filter(|n| !n.is_empty()) {
            match name {
                "%net" | "%network" => traced::SOCKET_CALLS.iter().for_each(|s| {
                    set.insert(*s);
                }),
                "%fdio" => traced::FD_IO_CALLS.iter().for_each(|s| {
                    set.insert(*s);
                }),
                _ => {
                    let s = Sysno::from_str(name).map_err(|_| {
                        anyhow!(ExitError {
                            msg: format!("-e trace: unknown syscall {name:?}"),
                            code: 2
                        })
                    })?;
                    if !traced::all_reportable().contains(s) {
                        bail!(ExitError {
                            msg: format!(
                                "-e trace: {name} is not a call sockwhy traces (socket calls and read/write/close on sockets)"
                            ),
                            code: 2
                        });
                    }
                    set.insert(s);
                }
            }
        }
    }
    Ok(set)
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
    let num = errno_number(errno).ok_or_else(bad)?;
    Ok((sys, num))
}

/// Errno number from a name or a number.
pub fn errno_number(s: &str) -> Option<i32> {
    if let Ok(n) = s.parse::<i32>() {
        return (1..4096).contains(&n).then_some(n);
    }
    (1..4096).find(|n| syscalls::Errno::new(*n).name() == Some(s))
}
