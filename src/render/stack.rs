//! A call's stack as text under its line: innermost first, runs of C library and runtime
//! frames folded to one line each so the program's own first frame stands out.

use crate::model::{StackEnd, StackFrame, SyscallEvent};
use crate::stack::fold::runtime_of_each;

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// One frame: `MODULE FUNCTION+0xOFF at FILE:LINE`, each part where known.
/// (All text in a frame was escaped when it was symbolised.)
pub fn format_frame(f: &StackFrame) -> String {
    let mut s = match (&f.module, f.offset) {
        (Some(m), _) => m.clone(),
        (None, _) => format!("{:#x}", f.addr),
    };
    match (&f.function, f.function_offset) {
        (Some(func), Some(off)) if off > 0 => s.push_str(&format!(" {func}+{off:#x}")),
        (Some(func), _) => s.push_str(&format!(" {func}")),
        (None, _) => {
            if let Some(off) = f.offset {
                s.push_str(&format!(" +{off:#x}"));
            }
        }
    }
    if let Some(file) = &f.file {
        s.push_str(&format!(" at {file}"));
        if let Some(l) = f.line {
            s.push_str(&format!(":{l}"));
        }
    }
    if f.inlined {
        s.push_str(" (inlined)");
    }
    s
}

/// What one line of a shown stack is, so each front end can style it its own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackLineKind {
    /// A frame shown on its own.
    Frame,
    /// The first frame of the program's own code: the one to look at.
    FirstOwn,
    /// A run of C library or runtime frames folded into one line (or one such frame).
    Folded,
    /// Why the walk stopped short.
    End,
}

/// One line of a shown stack, without indentation: `#1 /tmp/client main at client.c:57`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackLine {
    /// What the line is.
    pub kind: StackLineKind,
    /// Its text (escaped when the frame was symbolised).
    pub text: String,
}

/// The lines of a call's stack, innermost first (empty when it has none). `unfold` shows
/// every frame; otherwise each run of runtime frames is one line naming its modules.
pub fn stack_lines(ev: &SyscallEvent, unfold: bool) -> Vec<StackLine> {
    let mut out = Vec::new();
    let kinds = runtime_of_each(&ev.stack);
    let mut own_seen = false;
    let mut i = 0;
    let line = |kind, text| StackLine { kind, text };
    while i < ev.stack.len() {
        let f = &ev.stack[i];
        if !unfold && kinds[i].is_some() {
            let run = kinds[i..].iter().take_while(|k| k.is_some()).count();
            let mut libs: Vec<&str> = Vec::new();
            for k in kinds[i..i + run].iter().flatten() {
                if !libs.contains(&k.as_str()) {
                    libs.push(k);
                }
            }
            let text = if run == 1 {
                format!("#{i} {}", format_frame(f))
            } else {
                format!("#{i}-{} {run} frames in {}", i + run - 1, libs.join(", "))
            };
            out.push(line(StackLineKind::Folded, text));
            i += run;
            continue;
        }
        let kind = if !own_seen && kinds[i].is_none() {
            own_seen = true;
            StackLineKind::FirstOwn
        } else {
            StackLineKind::Frame
        };
        out.push(line(kind, format!("#{i} {}", format_frame(f))));
        i += 1;
    }
    if let Some(end) = ev.stack_end
        && end != StackEnd::Complete
    {
        out.push(line(
            StackLineKind::End,
            format!("(walk stopped: {})", end.describe()),
        ));
    }
    out
}

/// The stack lines under a call (empty when it has none). `unfold` shows every frame;
/// otherwise each run of runtime frames is one line naming its modules.
pub fn format_stack(ev: &SyscallEvent, unfold: bool, color: bool) -> Vec<String> {
    let mut out = Vec::new();
    if ev.stack.is_empty() && ev.stack_end.is_none() {
        return out;
    }
    out.push("    stack:".to_owned());
    for l in stack_lines(ev, unfold) {
        let text = format!("      {}", l.text);
        out.push(match l.kind {
            StackLineKind::Folded => paint(&text, DIM, color),
            StackLineKind::FirstOwn => paint(&text, BOLD, color),
            StackLineKind::Frame | StackLineKind::End => text,
        });
    }
    out
}

fn paint(s: &str, code: &str, color: bool) -> String {
    if color {
        format!("{code}{s}{RESET}")
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(module: &str, function: Option<&str>, file: Option<(&str, u32)>) -> StackFrame {
        StackFrame {
            addr: 0x7f00_0000_1000,
            module: Some(module.into()),
            offset: Some(0x10a7cb),
            function: function.map(Into::into),
            function_offset: function.map(|_| 0x1b),
            file: file.map(|f| f.0.into()),
            line: file.map(|f| f.1),
            inlined: false,
        }
    }

    #[test]
    fn folds_runtime_runs_and_keeps_the_programs_frames() {
        let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
        let ev = SyscallEvent {
            stack: vec![
                frame(libc, Some("__connect"), None),
                frame(
                    "/tmp/client",
                    Some("connect_to_daemon"),
                    Some(("client.c", 42)),
                ),
                frame("/tmp/client", Some("main"), Some(("client.c", 57))),
                frame(libc, Some("__libc_start_call_main"), None),
                frame(libc, Some("__libc_start_main_impl"), None),
                frame("/tmp/client", Some("_start"), None),
                frame("/tmp/client", None, None),
            ],
            stack_end: Some(StackEnd::FrameLimit),
            ..Default::default()
        };
        let folded = format_stack(&ev, false, false);
        assert_eq!(
            folded,
            [
                "    stack:",
                "      #0 /usr/lib/x86_64-linux-gnu/libc.so.6 __connect+0x1b",
                "      #1 /tmp/client connect_to_daemon+0x1b at client.c:42",
                "      #2 /tmp/client main+0x1b at client.c:57",
                "      #3-5 3 frames in libc.so.6, C start-up",
                "      #6 /tmp/client +0x10a7cb",
                "      (walk stopped: frame limit reached)",
            ]
        );
        let unfolded = format_stack(&ev, true, false);
        assert_eq!(unfolded.len(), 1 + 7 + 1);
        assert_eq!(
            unfolded[5],
            "      #4 /usr/lib/x86_64-linux-gnu/libc.so.6 __libc_start_main_impl+0x1b"
        );
        assert!(format_stack(&SyscallEvent::default(), false, false).is_empty());
    }
}
