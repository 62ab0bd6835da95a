//! The strace-like text line for an event, with the explanation and likely cause
//! indented under a failure, wrapped to stay readable at 80 columns.

use crate::model::errno::description;
use crate::model::{
    Cause, ErrnoName, FailureClass, FailureKind, ProcessEvent, ProcessEventKind, SyscallEvent,
};
use crate::render::escape::escape_str;

/// Bold red: a failing call's line.
pub const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[33m";
/// Dim: evidence, expected failures, counts of repeats.
pub const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// Width the explanation lines are wrapped to.
const WRAP: usize = 80;

/// `s` in the colour `code` when `color`.
pub fn paint(s: &str, code: &str, color: bool) -> String {
    if color {
        format!("{code}{s}{RESET}")
    } else {
        s.to_owned()
    }
}

/// `= 0`, `= 3<UNIX-STREAM:[..]>`, `= -1 ENOENT (No such file or directory)`.
pub fn format_result(ev: &SyscallEvent) -> String {
    if let Some(r) = &ev.restart {
        // The tracer reports an interrupted call once it has seen what the program got.
        return match &ev.errno {
            Some(e) => format!(
                "-1 {e} ({}) (the exit stop showed {r})",
                errno_description(e)
            ),
            None => format!("? {r} (interrupted by a signal; the program saw no error)"),
        };
    }
    match &ev.errno {
        Some(e) => {
            let desc = errno_description(e);
            let inj = if ev.injected { " (INJECTED)" } else { "" };
            format!("-1 {} ({desc}){inj}", escape_str(&e.name()))
        }
        None => ev.ret_text.clone().unwrap_or_else(|| ev.ret.to_string()),
    }
}

/// libc's description of an errno ("No such file or directory"); `unknown error` for a
/// name this build does not know.
pub fn errno_description(e: &ErrnoName) -> &'static str {
    e.known().map_or("unknown error", description)
}

/// The call itself on one line: `[pid N] name(args) = result`.
pub fn format_call(ev: &SyscallEvent) -> String {
    format!("[pid {}] {}", ev.tid, format_body(ev))
}

/// The call without its pid: `name(args) = result`.
pub fn format_body(ev: &SyscallEvent) -> String {
    format!(
        "{}({}) = {}",
        escape_str(&ev.syscall.name()),
        ev.args.join(", "),
        format_result(ev)
    )
}

/// The full text for a call: the line, and under a failure its meaning and likely cause.
pub fn format_syscall(ev: &SyscallEvent, color: bool) -> String {
    let line = format_call(ev);
    if !ev.failed() {
        // A call that worked can still carry a warning (recvmsg's MSG_CTRUNC: passed fds
        // were dropped, which the program rarely notices).
        return match &ev.cause {
            Some(c) => {
                let mut out = line;
                push_cause(&mut out, c, "    warning: ", "             ", color);
                out
            }
            None => line,
        };
    }
    let mut out = paint(&line, RED, color);
    out.push_str(&format_explanation(ev, color));
    out
}

/// What goes under a failing call's line, each line after a newline: its meaning,
/// likely cause with the evidence, and for an expected failure why it is expected.
pub fn format_explanation(ev: &SyscallEvent, color: bool) -> String {
    let mut out = String::new();
    if let Some(x) = &ev.explanation {
        let man = ev
            .man
            .as_deref()
            .map(|m| format!(" (see {m})"))
            .unwrap_or_default();
        push_wrapped(
            &mut out,
            "    meaning: ",
            "             ",
            words(&format!("{x}{man}")),
        );
    }
    if let Some(c) = &ev.cause {
        push_cause(
            &mut out,
            c,
            "    likely cause: ",
            "                  ",
            color,
        );
    }
    if let Some(class) = ev.class.as_ref().filter(|c| is_expected(c)) {
        let mut note = String::new();
        push_wrapped(
            &mut note,
            "    expected: ",
            "              ",
            words(&expected_reason(class)),
        );
        out.push_str(&paint(&note, DIM, color));
    }
    out
}

/// A cause under a call (`first` labels its first line, `rest` indents the others), its
/// evidence and its fix, each on lines of their own.
fn push_cause(out: &mut String, c: &Cause, first: &str, rest: &str, color: bool) {
    let conf = format!("[confidence: {}]", escape_str(&c.confidence.name()));
    let mut cause = String::new();
    push_wrapped(
        &mut cause,
        first,
        rest,
        words(&c.summary).chain(std::iter::once(conf.as_str())),
    );
    out.push_str(&paint(&cause, YELLOW, color));
    for e in &c.evidence {
        let mut ev_line = String::new();
        push_wrapped(&mut ev_line, "      - ", "        ", words(e));
        out.push_str(&paint(&ev_line, DIM, color));
    }
    if let Some(fix) = &c.fix {
        push_wrapped(out, "    fix: ", "         ", words(fix));
    }
}

/// True for a failure classified as expected (harmless).
pub fn is_expected(c: &FailureClass) -> bool {
    c.kind.known() == Some(FailureKind::Expected)
}

/// Why a failure is expected, with the call that recovered from it.
fn expected_reason(c: &FailureClass) -> String {
    let reason = if c.reason.is_empty() {
        "a harmless failure".to_owned()
    } else {
        escape_str(&c.reason)
    };
    match c.recovered_by {
        Some(seq) => format!("{reason}; recovered by #{seq}"),
        None => reason,
    }
}

/// The note an expected failure's one line ends with: ` (expected: glibc's nscd probe)`.
pub fn expected_note(c: &FailureClass) -> String {
    format!(" (expected: {})", expected_reason(c))
}

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split_whitespace()
}

/// A process event as strace shows them (`+++ exited with 1 +++`), or None for events
/// that a text trace does not show.
pub fn format_process(pe: &ProcessEvent) -> Option<String> {
    let p = pe.tid;
    let Some(kind) = pe.kind() else {
        // A kind a later sockwhy wrote: shown as it is.
        let name = pe.event.as_ref()?.name();
        return Some(format!("[pid {p}] +++ {} +++", escape_str(&name)));
    };
    match kind {
        ProcessEventKind::Exit => Some(match (&pe.signal, pe.exit_code) {
            (Some(s), _) => format!(
                "[pid {p}] +++ killed by {s}{} +++",
                if pe.core_dumped { " (core dumped)" } else { "" }
            ),
            (None, Some(c)) => format!("[pid {p}] +++ exited with {c} +++"),
            _ => format!("[pid {p}] +++ exited +++"),
        }),
        ProcessEventKind::Signal => Some(format!(
            "[pid {p}] --- {} ---",
            pe.signal.as_deref().unwrap_or("?")
        )),
        ProcessEventKind::Exec => Some(format!(
            "[pid {p}] execve(\"{}\", [{}]) = 0",
            pe.exe.as_deref().unwrap_or("?"),
            pe.argv
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        ProcessEventKind::Fork | ProcessEventKind::Clone => Some(format!(
            "[pid {p}] +++ {} of {} +++",
            if kind == ProcessEventKind::Clone {
                "new thread"
            } else {
                "new process, child"
            },
            pe.ppid.unwrap_or(0)
        )),
        ProcessEventKind::Attach => Some(format!("[pid {p}] +++ attached +++")),
        ProcessEventKind::Detach => Some(format!("[pid {p}] +++ detached +++")),
        ProcessEventKind::Spawn => None,
    }
}

/// Append `words` wrapped at WRAP columns, on a new line, `first` before the first
/// line and `rest` before the others. A word too long for a line of its own (a long
/// path) is cut at the margin, so no line is wider than WRAP.
fn push_wrapped<'a>(
    out: &mut String,
    first: &str,
    rest: &str,
    words: impl Iterator<Item = &'a str>,
) {
    let mut line = String::from(first);
    let mut empty = true;
    for word in words {
        if !empty && line.len() + 1 + word.len() > WRAP {
            out.push('\n');
            out.push_str(&line);
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        let mut word = word;
        // Text here is escaped ASCII, so any byte index is a char boundary.
        while line.len() + word.len() > WRAP && WRAP > line.len() {
            let (head, tail) = word.split_at(WRAP - line.len());
            line.push_str(head);
            out.push('\n');
            out.push_str(&line);
            line = String::from(rest);
            word = tail;
        }
        line.push_str(word);
        empty = false;
    }
    out.push('\n');
    out.push_str(&line);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Confidence;

    #[test]
    fn a_success_with_a_warning_shows_it_under_its_line() {
        let ev = SyscallEvent {
            tid: 7,
            syscall: syscalls::Sysno::recvmsg.into(),
            args: vec!["4".into(), "{...}".into(), "0".into()],
            ret: 1,
            cause: Some(Cause {
                rule: "recvmsg.fds-dropped".into(),
                summary: "MSG_CTRUNC: of the 3 fds sent, 1 arrived.".into(),
                evidence: vec!["msg_flags has MSG_CTRUNC".into()],
                confidence: Confidence::High.into(),
                fix: Some("give recvmsg room for every fd (CMSG_SPACE)".into()),
            }),
            ..Default::default()
        };
        let s = format_syscall(&ev, false);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[0], "[pid 7] recvmsg(4, {...}, 0) = 1");
        assert!(
            lines[1].starts_with("    warning: MSG_CTRUNC: of the 3 fds sent"),
            "{s}"
        );
        assert!(s.contains("\n      - msg_flags has MSG_CTRUNC\n"), "{s}");
        assert!(
            s.ends_with("\n    fix: give recvmsg room for every fd (CMSG_SPACE)"),
            "{s}"
        );
        // Without a cause a success is its line alone.
        let plain = SyscallEvent { cause: None, ..ev };
        assert_eq!(format_syscall(&plain, false).lines().count(), 1);
    }

    #[test]
    fn failure_lines_wrap_at_80_and_show_cause() {
        let ev = SyscallEvent {
            tid: 7,
            syscall: "connect".into(),
            args: vec!["3".into(), "{sun_family=AF_UNIX, sun_path=\"/x\"}".into(), "5".into()],
            ret: -1,
            errno: Some("ENOENT".into()),
            explanation: Some("The socket path does not exist: no file at that name, or a directory on the way to it is missing.".into()),
            man: Some("connect(2)".into()),
            cause: Some(Cause { summary: "Directory /run/app is missing.".into(), evidence: vec!["lstat /run/app: ENOENT".into()], confidence: Confidence::High.into(), ..Cause::default() }),
            ..Default::default()
        };
        let s = format_syscall(&ev, false);
        assert!(s.starts_with("[pid 7] connect(3, {sun_family=AF_UNIX, sun_path=\"/x\"}, 5) = -1 ENOENT (No such file or directory)\n"));
        assert!(
            s.contains("\n    likely cause: Directory /run/app is missing. [confidence: high]")
        );
        for l in s.lines().skip(1) {
            assert!(l.len() <= 80, "{l}");
        }
    }

    #[test]
    fn a_long_cause_stays_within_80_columns_and_keeps_its_confidence_whole() {
        let long_path = format!("\"/{}\"", "very-long-directory-name/".repeat(12));
        for n in 0..40 {
            let summary = format!("{} {long_path} is missing.", "word ".repeat(n));
            let ev = SyscallEvent {
                syscall: "connect".into(),
                ret: -1,
                errno: Some("ENOENT".into()),
                cause: Some(Cause {
                    summary,
                    evidence: vec![format!("lstat {long_path}: ENOENT")],
                    confidence: Confidence::Medium.into(),
                    ..Cause::default()
                }),
                ..Default::default()
            };
            let s = format_syscall(&ev, false);
            for l in s.lines().skip(1) {
                assert!(l.len() <= 80, "{} columns: {l}", l.len());
            }
            assert!(s.contains("[confidence: medium]"), "{s}");
            // The path is all there, cut only at line ends.
            let joined: String = s.lines().skip(1).map(str::trim).collect();
            assert!(joined.contains(&long_path.replace(' ', "")), "{s}");
        }
    }

    #[test]
    fn an_interrupted_call_shows_what_the_program_saw() {
        let mut ev = SyscallEvent {
            ret: -1,
            restart: Some("ERESTARTSYS".into()),
            ..Default::default()
        };
        assert_eq!(
            format_result(&ev),
            "? ERESTARTSYS (interrupted by a signal; the program saw no error)"
        );
        ev.errno = Some("EINTR".into());
        assert_eq!(
            format_result(&ev),
            "-1 EINTR (Interrupted system call) (the exit stop showed ERESTARTSYS)"
        );
    }
}
