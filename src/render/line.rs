//! The strace-like text line for an event, with the explanation and likely cause
//! indented under a failure, wrapped to stay readable at 80 columns.

use crate::model::errno::description;
use crate::model::{ErrnoName, ProcessEvent, ProcessEventKind, SyscallEvent};
use crate::render::escape::escape_str;

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// Width the explanation lines are wrapped to.
const WRAP: usize = 80;

fn paint(s: &str, code: &str, color: bool) -> String {
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
    format!(
        "[pid {}] {}({}) = {}",
        ev.tid,
        escape_str(&ev.syscall.name()),
        ev.args.join(", "),
        format_result(ev)
    )
}

/// The full text for a call: the line, and under a failure its meaning and likely cause.
pub fn format_syscall(ev: &SyscallEvent, color: bool) -> String {
    let line = format_call(ev);
    if !ev.failed() {
        return line;
    }
    let mut out = paint(&line, RED, color);
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
            &format!("{x}{man}"),
        );
    }
    if let Some(c) = &ev.cause {
        let conf = escape_str(&c.confidence.name());
        let mut cause = String::new();
        push_wrapped(
            &mut cause,
            "    likely cause: ",
            "                  ",
            &format!("{} [confidence: {conf}]", c.summary),
        );
        out.push_str(&paint(&cause, YELLOW, color));
        for e in &c.evidence {
            let mut ev_line = String::new();
            push_wrapped(&mut ev_line, "      - ", "        ", e);
            out.push_str(&paint(&ev_line, DIM, color));
        }
    }
    out
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

/// Append `text` word-wrapped at WRAP columns, on a new line, `first` before the first
/// line and `rest` before the others.
fn push_wrapped(out: &mut String, first: &str, rest: &str, text: &str) {
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.len() + 1 + word.len() > WRAP {
            out.push('\n');
            out.push_str(&line);
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
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
    use crate::model::{Cause, Confidence};

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
