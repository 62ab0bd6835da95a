//! The streaming text trace: one strace-like line per call, failures explained under it.
//!
//! Noise control, for programs that fail the same way thousands of times:
//! - A failure is shown in full the first time. Later ones that are the same (same
//!   process, call, errno, target and cause: [`RepeatKey`]) are only counted, and the
//!   count is printed as one line (`... 12,074 more like #118 (accept4 EMFILE), last
//!   #98231`) before the next line that is not such a repeat, and at the end. So the
//!   lines stay in time order and nothing is said twice. The saved trace keeps every call.
//!   A run of one repeat (a loop of socket, failing connect, close) is shown as its own
//!   line without the explanation (`... = -1 ENOENT (...) (as #5, explained above)`).
//! - A failure classified as expected (glibc's nscd lookup, a probe, EAGAIN in an event
//!   loop, a failure recovered from) takes one dim line with the reason, unless asked
//!   for in full (`-v`, `--expected`).

use super::Sink;
use super::filter::Filter;
use crate::model::{ProcessEvent, ProcessEventKind, Record, SyscallEvent, TraceEnd};
use crate::render::clock::{Clock, duration_suffix};
use crate::render::line::{
    DIM, RED, expected_note, format_body, format_explanation, format_process, is_expected, paint,
};
use crate::render::stack::format_stack;
use std::collections::HashMap;
use std::io::{self, Write};

/// Distinct failures remembered for collapsing; past this the memory starts afresh (a
/// failure seen long ago is then shown in full once more).
const MAX_KEYS: usize = 4096;

/// How the text trace looks.
#[derive(Debug, Default)]
pub struct TextOptions {
    /// ANSI colours.
    pub color: bool,
    /// Which records are shown.
    pub filter: Filter,
    /// Time prefixes (`-t`, `-tt`, `-ttt`, `-r`); None for none.
    pub clock: Option<Clock>,
    /// `-T`: the time spent in each call at the end of its line.
    pub durations: bool,
    /// `-v`, `--expected`: expected failures in full.
    pub expected_in_full: bool,
    /// `-q`: no attach, detach and new-process lines; `-qq`: no exit lines either.
    pub quiet: u8,
    /// `--stack-trace-unfold`: every frame of a stack (-k), the runtime's too.
    pub unfold_stacks: bool,
}

/// What makes two failures the same for collapsing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RepeatKey {
    pid: crate::model::Pid,
    syscall: String,
    errno: String,
    /// The address the call named, else the socket it was made on, else its fd.
    target: String,
    /// The cause's rule (or its summary, for causes without an id).
    cause: Option<String>,
    expected: bool,
}

impl RepeatKey {
    /// The key of a failing call.
    pub fn of(ev: &SyscallEvent) -> RepeatKey {
        let target = match (&ev.addr, ev.fd) {
            (Some(a), _) => format!("{:?}", a.name),
            (None, Some(fd)) => match ev.fds.iter().find(|s| s.fd == fd) {
                Some(id) => format!("fd {fd} inode {}", id.inode),
                None => format!("fd {fd}"),
            },
            (None, None) => String::new(),
        };
        RepeatKey {
            pid: ev.pid,
            syscall: ev.syscall.name().into_owned(),
            errno: ev
                .errno
                .as_ref()
                .map(|e| e.name().into_owned())
                .unwrap_or_default(),
            target,
            cause: ev.cause.as_ref().map(|c| {
                if c.rule.is_empty() {
                    c.summary.clone()
                } else {
                    c.rule.clone()
                }
            }),
            expected: ev.class.as_ref().is_some_and(is_expected),
        }
    }
}

/// A failure shown once, and its repeats since.
#[derive(Debug)]
struct Seen {
    /// The `seq` of the one shown in full.
    first: u64,
    /// Repeats not yet reported.
    pending: u64,
    /// The `seq` of the latest repeat.
    last: u64,
    /// The first pending repeat's thread, time and line (without prefix, with its note):
    /// a run of one repeat is shown as its own line, which says more than "1 more like".
    single: Option<(crate::model::Tid, u64, String)>,
}

/// Writes records as text to any writer (stderr, a file, a test buffer).
pub struct TextSink<W: Write> {
    out: W,
    opts: TextOptions,
    seen: HashMap<RepeatKey, Seen>,
    /// Keys with repeats not yet reported, in the order their repeats began.
    pending: Vec<RepeatKey>,
}

impl<W: Write> TextSink<W> {
    /// A sink; `color` adds ANSI colours, `failed_only` shows only failing calls.
    pub fn new(out: W, color: bool, failed_only: bool) -> Self {
        TextSink::with_options(
            out,
            TextOptions {
                color,
                filter: if failed_only {
                    Filter::failed_only()
                } else {
                    Filter::default()
                },
                ..TextOptions::default()
            },
        )
    }

    /// A sink with every option.
    pub fn with_options(out: W, opts: TextOptions) -> Self {
        TextSink {
            out,
            opts,
            seen: HashMap::new(),
            pending: Vec::new(),
        }
    }

    /// Show every frame of a stack (-k) instead of folding the runtime's.
    pub fn unfold_stacks(mut self, unfold: bool) -> Self {
        self.opts.unfold_stacks = unfold;
        self
    }

    /// The line prefix: `[pid N] ` and the time.
    fn prefix(&mut self, tid: crate::model::Tid, ts_ns: u64) -> String {
        let time = self
            .opts
            .clock
            .as_mut()
            .map(|c| c.prefix(ts_ns))
            .unwrap_or_default();
        format!("[pid {tid}] {time}")
    }

    /// Print the counts of repeats not yet reported.
    fn flush_repeats(&mut self) -> io::Result<()> {
        for key in std::mem::take(&mut self.pending) {
            let Some(seen) = self.seen.get_mut(&key) else {
                continue;
            };
            let n = std::mem::take(&mut seen.pending);
            let single = seen.single.take();
            if n == 0 {
                continue;
            }
            if n == 1
                && let Some((tid, ts, body)) = single
            {
                let line = format!("{}{body}", self.prefix(tid, ts));
                writeln!(self.out, "{}", paint(&line, DIM, self.opts.color))?;
                continue;
            }
            let line = format!(
                "[pid {}] ... {} more like #{} ({} {}), last #{}",
                key.pid,
                thousands(n),
                seen.first,
                crate::render::escape::escape_str(&key.syscall),
                crate::render::escape::escape_str(&key.errno),
                seen.last
            );
            writeln!(self.out, "{}", paint(&line, DIM, self.opts.color))?;
        }
        Ok(())
    }

    /// A repeat of a failure already shown: counted, true. Otherwise remembered, false.
    fn count_repeat(&mut self, ev: &SyscallEvent) -> bool {
        let key = RepeatKey::of(ev);
        if let Some(seen) = self.seen.get_mut(&key) {
            if seen.pending == 0 {
                self.pending.push(key);
                let mut body = format_body(ev);
                if self.opts.durations {
                    body.push_str(&duration_suffix(ev.duration_ns));
                }
                // An expected failure's line is one line anyway; another points back.
                match &ev.class {
                    Some(c) if is_expected(c) && !self.opts.expected_in_full => {
                        body.push_str(&expected_note(c))
                    }
                    _ => body.push_str(&format!(" (as #{}, explained above)", seen.first)),
                }
                seen.single = Some((ev.tid, ev.ts_ns, body));
            }
            seen.pending += 1;
            seen.last = ev.seq;
            return true;
        }
        if self.seen.len() >= MAX_KEYS {
            // Only keys without pending repeats may go (their counts are still owed).
            self.seen.retain(|_, s| s.pending > 0);
        }
        self.seen.insert(
            key,
            Seen {
                first: ev.seq,
                pending: 0,
                last: ev.seq,
                single: None,
            },
        );
        false
    }

    fn write_call(&mut self, ev: &SyscallEvent) -> io::Result<()> {
        if ev.failed() && self.count_repeat(ev) {
            return Ok(());
        }
        self.flush_repeats()?;
        let mut line = self.prefix(ev.tid, ev.ts_ns);
        line.push_str(&format_body(ev));
        if self.opts.durations {
            line.push_str(&duration_suffix(ev.duration_ns));
        }
        let color = self.opts.color;
        let text = match &ev.class {
            _ if !ev.failed() => line,
            Some(c) if is_expected(c) && !self.opts.expected_in_full => {
                line.push_str(&expected_note(c));
                paint(&line, DIM, color)
            }
            _ => {
                let mut t = paint(&line, RED, color);
                t.push_str(&format_explanation(ev, color));
                t
            }
        };
        writeln!(self.out, "{text}")?;
        // Under a call shown in full, the stack it was made from (-k); an expected
        // failure's one line goes without.
        if !ev.class.as_ref().is_some_and(is_expected) || self.opts.expected_in_full {
            for l in format_stack(ev, self.opts.unfold_stacks, color) {
                writeln!(self.out, "{l}")?;
            }
        }
        Ok(())
    }

    fn shows_process(&self, pe: &ProcessEvent) -> bool {
        let hidden = match pe.kind() {
            Some(
                ProcessEventKind::Attach
                | ProcessEventKind::Detach
                | ProcessEventKind::Fork
                | ProcessEventKind::Clone,
            ) => self.opts.quiet >= 1,
            Some(ProcessEventKind::Exit) => self.opts.quiet >= 2,
            _ => false,
        };
        !hidden && self.opts.filter.shows_process(pe)
    }
}

/// `12074` as `12,074`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl<W: Write> Sink for TextSink<W> {
    fn what(&self) -> &'static str {
        "the text trace"
    }

    fn wants_text(&self, ev: &SyscallEvent) -> bool {
        self.opts.filter.shows_call(ev)
    }

    /// Write one record (nothing for the header, the closing record or filtered events).
    fn write(&mut self, rec: &Record) -> io::Result<()> {
        match rec {
            Record::Syscall(ev) if self.opts.filter.shows_call(ev) => self.write_call(ev),
            Record::Process(pe) if self.shows_process(pe) => match format_process(pe) {
                Some(t) => {
                    self.flush_repeats()?;
                    // The time prefix goes after `[pid N] `, as strace puts it.
                    let text = match t.split_once("] ") {
                        Some((_, rest)) => format!("{}{rest}", self.prefix(pe.tid, pe.ts_ns)),
                        None => t,
                    };
                    writeln!(self.out, "{text}")
                }
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// The repeats still counted stay: only what is written goes out.
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Notices go to stderr, beside the trace (which may be a file), after the lines
    /// before them. A stderr that cannot take them is no reason to stop the trace.
    fn warning(&mut self, line: &str) -> io::Result<()> {
        self.out.flush()?;
        let _ = writeln!(io::stderr(), "sockwhy: {line}");
        Ok(())
    }

    fn finish(&mut self, _end: &TraceEnd) -> io::Result<()> {
        self.flush_repeats()?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cause, Confidence, FailureClass, FailureKind, SockAddr, UnixName};

    fn accept_emfile(seq: u64, pid: i32) -> Record {
        Record::Syscall(Box::new(SyscallEvent {
            seq,
            pid,
            tid: pid,
            syscall: "accept4".into(),
            args: vec!["3".into(), "NULL".into(), "NULL".into(), "0".into()],
            ret: -1,
            errno: Some("EMFILE".into()),
            fd: Some(3),
            explanation: Some("The process has no free fd.".into()),
            cause: Some(Cause {
                rule: "accept.fd-limit".into(),
                summary: "1024 of 1024 fds open".into(),
                confidence: Confidence::High.into(),
                ..Cause::default()
            }),
            ..Default::default()
        }))
    }

    fn nscd(seq: u64) -> Record {
        Record::Syscall(Box::new(SyscallEvent {
            seq,
            pid: 9,
            tid: 9,
            syscall: "connect".into(),
            args: vec!["3".into()],
            ret: -1,
            errno: Some("ENOENT".into()),
            addr: Some(SockAddr::unix(
                UnixName::Path(b"/var/run/nscd/socket"[..].into()),
                110,
            )),
            explanation: Some("Nothing exists at this path.".into()),
            class: Some(FailureClass {
                kind: FailureKind::Expected.into(),
                reason: "glibc's nscd probe; nscd is not running".into(),
                recovered_by: None,
            }),
            ..Default::default()
        }))
    }

    fn text_of(records: &[Record], opts: TextOptions) -> String {
        let mut out = Vec::new();
        let mut sink = TextSink::with_options(&mut out, opts);
        for r in records {
            sink.write(r).unwrap();
        }
        sink.finish(&TraceEnd {
            how: crate::model::EndReason::Exited.into(),
            exit_code: Some(0),
        })
        .unwrap();
        drop(sink);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_single_repeat_is_its_own_line_pointing_at_the_first() {
        // socket, failing connect, close in a loop: each turn's one repeat is shown as
        // the call it is, not as "1 more like".
        let recs: Vec<Record> = vec![
            accept_emfile(1, 5),
            accept_emfile(2, 6),
            accept_emfile(3, 5),
        ];
        let t = text_of(&recs, TextOptions::default());
        let last = t.lines().last().unwrap();
        assert!(
            last.starts_with("[pid 5] accept4(3, NULL, NULL, 0) = -1 EMFILE")
                && last.ends_with(" (as #1, explained above)"),
            "{t}"
        );
        assert!(!t.contains("more like"), "{t}");
    }

    #[test]
    fn repeats_collapse_into_a_count_printed_when_something_else_comes_and_at_the_end() {
        let mut recs: Vec<Record> = (1..=12_075).map(|s| accept_emfile(s, 5)).collect();
        recs.push(accept_emfile(12_076, 6));
        recs.extend((12_077..=12_080).map(|s| accept_emfile(s, 5)));
        let t = text_of(&recs, TextOptions::default());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3 + 1 + 3 + 1, "{t}");
        assert!(lines[0].starts_with("[pid 5] accept4(3, NULL, NULL, 0) = -1 EMFILE"));
        assert_eq!(
            lines[3],
            "[pid 5] ... 12,074 more like #1 (accept4 EMFILE), last #12075"
        );
        assert!(
            lines[4].starts_with("[pid 6] accept4("),
            "another process: in full"
        );
        assert_eq!(
            lines[7], "[pid 5] ... 4 more like #1 (accept4 EMFILE), last #12080",
            "at the end"
        );
    }

    #[test]
    fn interleaved_failures_each_collapse() {
        let mut recs = Vec::new();
        for i in 0..100 {
            recs.push(accept_emfile(2 * i + 1, 5));
            recs.push(nscd(2 * i + 2));
        }
        let t = text_of(&recs, TextOptions::default());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3 + 1 + 2, "{t}");
        assert!(
            lines[4].ends_with("99 more like #1 (accept4 EMFILE), last #199"),
            "{t}"
        );
        assert!(
            lines[5].ends_with("99 more like #2 (connect ENOENT), last #200"),
            "{t}"
        );
    }

    #[test]
    fn an_expected_failure_is_one_line_unless_asked_for_in_full() {
        let t = text_of(&[nscd(1)], TextOptions::default());
        assert_eq!(
            t,
            "[pid 9] connect(3) = -1 ENOENT (No such file or directory) \
             (expected: glibc's nscd probe; nscd is not running)\n"
        );
        let failed = TextOptions {
            filter: Filter::failed_only(),
            ..TextOptions::default()
        };
        assert_eq!(text_of(&[nscd(1)], failed).lines().count(), 1);
        let full = TextOptions {
            expected_in_full: true,
            ..TextOptions::default()
        };
        let t = text_of(&[nscd(1)], full);
        assert!(
            t.starts_with("[pid 9] connect(3) = -1 ENOENT (No such file or directory)\n"),
            "{t}"
        );
        assert!(t.contains("\n    meaning: Nothing exists"), "{t}");
        assert!(
            t.ends_with("\n    expected: glibc's nscd probe; nscd is not running\n"),
            "{t}"
        );
        let color = TextOptions {
            color: true,
            ..TextOptions::default()
        };
        assert!(text_of(&[nscd(1)], color).starts_with(DIM));
    }

    #[test]
    fn durations_and_quiet() {
        let mut ev = SyscallEvent {
            tid: 4,
            syscall: "close".into(),
            args: vec!["3".into()],
            duration_ns: 12_345,
            ..Default::default()
        };
        ev.seq = 1;
        let t = text_of(
            &[Record::Syscall(Box::new(ev))],
            TextOptions {
                durations: true,
                ..TextOptions::default()
            },
        );
        assert_eq!(t, "[pid 4] close(3) = 0 <0.000012>\n");
        let exit = Record::Process(ProcessEvent {
            event: Some(ProcessEventKind::Exit.into()),
            pid: 4,
            tid: 4,
            exit_code: Some(0),
            ..Default::default()
        });
        let quiet = |q| {
            text_of(
                std::slice::from_ref(&exit),
                TextOptions {
                    quiet: q,
                    ..TextOptions::default()
                },
            )
        };
        assert_eq!(quiet(1), "[pid 4] +++ exited with 0 +++\n");
        assert_eq!(quiet(2), "");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
