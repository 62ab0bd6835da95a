//! Text pieces shared by the text, Markdown and HTML reports: times, addresses, sockets,
//! the strace-like call line and the full decoding of an example call.
//!
//! Every string built here is terminal-safe (printable ASCII): values from the trace go
//! through [`safe`] (text fields, already C-escaped by the tracer, pass unchanged; a
//! hand-made or damaged file cannot smuggle control bytes through) or through
//! `render::escape` (byte strings). Each format then applies its own escaping on top.

use super::{
    CallSite, Ended, ExitStatus, FailureGroup, ProcRef, Process, Report, SiteFailure, Timeline,
    TimelineRow,
};
use crate::model::{AddrName, Cmsg, ProcessEventKind, SockAddr, SockId, SyscallEvent, UnixName};
use crate::render::escape::{is_terminal_safe, quote_bytes, quote_unix_name};
use crate::render::stack::stack_lines;
use std::borrow::Cow;

/// Lines of msgs, iovecs and cmsgs shown per example call.
const MAX_DETAIL_ITEMS: usize = 8;

/// A text field from the trace, made terminal-safe without escaping it twice: printable
/// ASCII (backslashes included: the field is already C-escaped) stays as is, any other
/// byte becomes `\xNN`.
pub(crate) fn safe(s: &str) -> Cow<'_, str> {
    if is_terminal_safe(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if (0x20..=0x7e).contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    Cow::Owned(out)
}

/// `1.234567s`.
pub(crate) fn secs(ns: u64) -> String {
    format!("{}.{:06}s", ns / 1_000_000_000, (ns % 1_000_000_000) / 1000)
}

/// `+1.234567s`: a time since the start of the trace.
pub(crate) fn at(ns: u64) -> String {
    format!("+{}", secs(ns))
}

/// A short duration: `250us`, `4ms`, `1.5s`.
pub(crate) fn span(ns: u64) -> String {
    if ns < 1_000_000 {
        format!("{}us", ns / 1000)
    } else if ns < 1_000_000_000 {
        trim_decimals(format!("{:.3}", ns as f64 / 1e6)) + "ms"
    } else {
        trim_decimals(format!("{:.3}", ns as f64 / 1e9)) + "s"
    }
}

fn trim_decimals(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// An address as one value: `"/run/x.sock"`, `@"name"`, `(unnamed)`, `AF_INET`; a kind
/// this build does not know as `kind "name"`.
pub(crate) fn addr_label(a: &SockAddr) -> String {
    match &a.name {
        AddrName::Unix(n) => quote_unix_name(n),
        AddrName::Other => safe(&a.family).into_owned(),
        AddrName::Unknown { kind, path } => match path {
            Some(p) => format!("{} {}", safe(kind), quote_bytes(p.as_bytes())),
            None => safe(kind).into_owned(),
        },
    }
}

/// An address in full: family, kind, name, addrlen.
fn addr_detail(a: &SockAddr) -> String {
    let kind = match &a.name {
        AddrName::Unix(UnixName::Path(_)) => "path",
        AddrName::Unix(UnixName::Abstract(_)) => "abstract name",
        AddrName::Unix(UnixName::Unnamed) => "unnamed",
        AddrName::Other => "address",
        AddrName::Unknown { .. } => "address of a kind this sockwhy does not know:",
    };
    let mut s = format!("{} {kind}", safe(&a.family));
    if !matches!(a.name, AddrName::Unix(UnixName::Unnamed) | AddrName::Other) {
        s.push(' ');
        s.push_str(&addr_label(a));
    }
    s.push_str(&format!(", addrlen {}", a.addrlen));
    s
}

/// A socket as `strace -yy` shows it, with the paths: `UNIX-STREAM:[123->456]`,
/// bound `"/x"`, peer `"/y"`; a non-socket fd as `file "/dev/null"`.
pub(crate) fn sock_label(s: &SockId) -> String {
    let proto = s.proto.name();
    let proto = safe(&proto);
    if s.inode == 0 && s.target.is_some() {
        let t = s.target.as_ref().map(|t| quote_bytes(t.as_bytes()));
        return format!("{proto} {}", t.unwrap_or_default());
    }
    let mut out = format!("{proto}:[{}", s.inode);
    if let Some(p) = s.peer {
        out.push_str(&format!("->{p}"));
    }
    out.push(']');
    if !s.path.is_unnamed() {
        out.push_str(&format!(" bound {}", quote_unix_name(&s.path)));
    }
    if !s.peer_path.is_unnamed() {
        out.push_str(&format!(" peer {}", quote_unix_name(&s.peer_path)));
    }
    out
}

/// The call as strace prints it: `connect(3<...>, {...}, 110) = -1 ENOENT`.
pub(crate) fn call_line(ev: &SyscallEvent) -> String {
    let mut s = format!("{}(", safe(&ev.syscall.name()));
    for (i, a) in ev.args.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&safe(a));
    }
    s.push_str(") = ");
    match &ev.errno {
        Some(e) => s.push_str(&format!("{} {}", ev.ret, safe(&e.name()))),
        None => match &ev.ret_text {
            Some(t) => s.push_str(&safe(t)),
            None => s.push_str(&ev.ret.to_string()),
        },
    }
    if let Some(r) = &ev.restart {
        s.push_str(&format!(" (interrupted: {})", safe(&r.name())));
    }
    if ev.injected {
        s.push_str(" (INJECTED)");
    }
    s
}

/// The call line with its pid, and then everything decoded about it, one fact a line.
pub(crate) fn example_lines(ev: &SyscallEvent) -> Vec<String> {
    let mut v = vec![format!("[pid {}] {}", ev.pid, call_line(ev))];
    let tid = if ev.tid != ev.pid {
        format!(" (thread {})", ev.tid)
    } else {
        String::new()
    };
    v.push(format!(
        "call #{} by pid {}{tid} at {}, took {}",
        ev.seq,
        ev.pid,
        at(ev.ts_ns),
        span(ev.duration_ns)
    ));
    if let Some(a) = &ev.addr {
        v.push(format!("address: {}", addr_detail(a)));
        for p in &a.problems {
            v.push(format!("  problem: {}", safe(p)));
        }
    }
    for s in &ev.fds {
        v.push(format!("fd {}: {}", s.fd, sock_label(s)));
    }
    if ev.fds.is_empty()
        && let Some(fd) = ev.fd
    {
        v.push(format!("fd {fd}"));
    }
    for (i, m) in ev.msgs.iter().enumerate().take(MAX_DETAIL_ITEMS) {
        let name = match &m.name {
            Some(a) => addr_detail(a),
            None => "none".to_owned(),
        };
        v.push(format!(
            "msg[{i}]: name {name}; namelen {}, iovlen {}, controllen {}, flags {}",
            m.namelen,
            m.iovlen,
            m.controllen,
            if m.flags.is_empty() {
                "0".into()
            } else {
                safe(&m.flags)
            }
        ));
        for (k, io) in m.iov.iter().enumerate().take(MAX_DETAIL_ITEMS) {
            let data = match &io.data {
                Some(d) => format!("{} ({} bytes shown)", quote_bytes(d.as_bytes()), d.len()),
                None => format!("unreadable at {:#x}", io.base),
            };
            v.push(format!("  iov[{k}]: len {}, {data}", io.len));
        }
        if m.iov.len() > MAX_DETAIL_ITEMS {
            v.push(format!(
                "  ... {} more iovecs",
                m.iov.len() - MAX_DETAIL_ITEMS
            ));
        }
        for c in m.cmsgs.iter().take(MAX_DETAIL_ITEMS) {
            v.push(format!("  cmsg: {}", cmsg_label(c)));
        }
        if m.cmsgs.len() > MAX_DETAIL_ITEMS {
            v.push(format!(
                "  ... {} more control messages",
                m.cmsgs.len() - MAX_DETAIL_ITEMS
            ));
        }
    }
    if ev.msgs.len() > MAX_DETAIL_ITEMS {
        v.push(format!(
            "... {} more msghdrs",
            ev.msgs.len() - MAX_DETAIL_ITEMS
        ));
    }
    v
}

fn cmsg_label(c: &Cmsg) -> String {
    match c {
        Cmsg::Rights { fds, targets } => {
            let items: Vec<String> = fds
                .iter()
                .enumerate()
                .map(|(i, fd)| match targets.get(i).and_then(Option::as_ref) {
                    Some(t) => format!("{fd}<{}>", sock_label(t)),
                    None => fd.to_string(),
                })
                .collect();
            format!("SCM_RIGHTS [{}]", items.join(", "))
        }
        Cmsg::Credentials { pid, uid, gid } => {
            format!("SCM_CREDENTIALS {{pid={pid}, uid={uid}, gid={gid}}}")
        }
        Cmsg::Security { context } => format!("SCM_SECURITY {}", quote_bytes(context.as_bytes())),
        Cmsg::Pidfd { fd } => format!("SCM_PIDFD {fd}"),
        Cmsg::Unknown { level, kind, len } => {
            format!("level {level} type {kind}, {len} bytes (not decoded)")
        }
        Cmsg::Malformed { len, reason } => format!("malformed, cmsg_len {len}: {}", safe(reason)),
        Cmsg::Other { cmsg } => format!("{} (a kind this sockwhy does not know)", safe(cmsg)),
    }
}

/// `1 call`, `2 calls`.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What a failure group ended, for a table cell: `the program`, `a process`, `3 processes`.
pub(crate) fn ended_cell(g: &super::FailureGroup) -> String {
    if g.ended_main() {
        "the program".to_owned()
    } else if g.ended_count == 1 {
        "a process".to_owned()
    } else if g.ended_count > 1 {
        format!("{} processes", g.ended_count)
    } else {
        String::new()
    }
}

/// `exited 1`, `killed by SIGSEGV (core dumped)`.
pub(crate) fn exit_label(e: &ExitStatus) -> String {
    let mut s = match (&e.signal, e.code) {
        (Some(sig), _) => format!("killed by {}", safe(sig)),
        (None, Some(c)) => format!("exited {c}"),
        (None, None) => "ended".to_owned(),
    };
    if e.core_dumped {
        s.push_str(" (core dumped)");
    }
    s
}

/// `1000 (demo)`.
pub(crate) fn proc_label(p: &ProcRef) -> String {
    match &p.name {
        Some(n) => format!("{} ({})", p.pid, safe(n)),
        None => p.pid.to_string(),
    }
}

/// A comma-separated list of processes, with "and more" when the list was cut.
pub(crate) fn procs_label(ps: &[ProcRef], more: bool) -> String {
    let mut s = ps.iter().map(proc_label).collect::<Vec<_>>().join(", ");
    if more {
        s.push_str(" and more");
    }
    s
}

/// `pid 1000 (demo), the main process: exited 1 at +0.25s`.
pub(crate) fn ended_label(e: &Ended) -> String {
    format!(
        "pid {}{}: {} at {}",
        proc_label(&e.process),
        if e.main { ", the main process" } else { "" },
        exit_label(&e.exit),
        at(e.exit.ts_ns)
    )
}

/// How a process came and went, in a few words.
pub(crate) fn process_summary(p: &Process) -> String {
    let how = match (p.origin, p.ppid) {
        (Some(ProcessEventKind::Spawn), _) => "spawned".to_owned(),
        (Some(ProcessEventKind::Attach), _) => "attached".to_owned(),
        (_, Some(pp)) => format!("forked by {pp}"),
        _ => "first seen".to_owned(),
    };
    let mut s = format!("{how} at {}", at(p.start_ns));
    match &p.exit {
        Some(e) => s.push_str(&format!(", {} at {}", exit_label(e), at(e.ts_ns))),
        None if p.detached => s.push_str(", detached (ran on)"),
        None => s.push_str(", still running at the end of the trace"),
    }
    s.push_str(&format!("; {} calls, {} failed", p.calls, p.failures));
    if p.threads > 0 {
        s.push_str(&format!(
            ", {}",
            plural(p.threads, "thread started", "threads started")
        ));
    }
    if !p.signals.is_empty() {
        let sigs: Vec<String> = p
            .signals
            .iter()
            .map(|c| {
                if c.count == 1 {
                    safe(&c.signal).into_owned()
                } else {
                    format!("{} x{}", safe(&c.signal), c.count)
                }
            })
            .collect();
        s.push_str(&format!(", signals: {}", sigs.join(", ")));
        if p.signals_omitted > 0 {
            s.push_str(&format!(" and {} more deliveries", p.signals_omitted));
        }
    }
    if !p.other_events.is_empty() {
        let evs: Vec<String> = p
            .other_events
            .iter()
            .map(|c| match c.count {
                1 => safe(&c.event).into_owned(),
                n => format!("{} x{n}", safe(&c.event)),
            })
            .collect();
        s.push_str(&format!(
            ", events this sockwhy does not know: {}",
            evs.join(", ")
        ));
    }
    s
}

/// An exec as one line: `+0.001s /usr/bin/x ["x", "-v"]`.
pub(crate) fn exec_label(e: &super::Exec) -> String {
    let argv: Vec<String> = e.argv.iter().map(|a| format!("\"{}\"", safe(a))).collect();
    format!(
        "{} {} [{}]",
        at(e.ts_ns),
        e.exe.as_deref().map(safe).unwrap_or(Cow::Borrowed("?")),
        argv.join(", ")
    )
}

/// The command line as one string, arguments quoted when they hold spaces.
pub(crate) fn command_label(cmd: &[String], attached: &[i32]) -> String {
    if cmd.is_empty() {
        if attached.is_empty() {
            return "(unknown)".to_owned();
        }
        let pids: Vec<String> = attached.iter().map(ToString::to_string).collect();
        return format!("attached to pid {}", pids.join(", "));
    }
    cmd.iter()
        .map(|a| {
            let a = safe(a);
            if a.is_empty() || a.contains(' ') {
                format!("\"{a}\"")
            } else {
                a.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `high`, `medium`, `low` (a word this build does not know as it is).
pub(crate) fn confidence(c: &crate::model::Cause) -> String {
    safe(&c.confidence.name()).into_owned()
}

/// Buckets merged into one column of a text bar so that the bar is at most `width`
/// columns wide.
pub(crate) fn bar_factor(t: &Timeline, width: usize) -> usize {
    t.buckets.div_ceil(width.max(1)).max(1)
}

/// One character per column (`factor` buckets): `.` no failure, `1`-`9` that many, `#` ten
/// or more, `~` only expected ones, `!` the column of the failure that ended the process.
pub(crate) fn timeline_bar(row: &TimelineRow, t: &Timeline, factor: usize) -> String {
    let fatal = row.fatal_ns.map(|ns| t.bucket_of(ns) / factor);
    row.counts
        .chunks(factor)
        .zip(row.expected.chunks(factor))
        .enumerate()
        .map(|(i, (c, e))| {
            let c: u64 = c.iter().sum();
            let e: u64 = e.iter().sum();
            if Some(i) == fatal {
                '!'
            } else {
                match c {
                    0 => '.',
                    _ if e >= c => '~',
                    1..=9 => char::from(b'0' + c as u8),
                    _ => '#',
                }
            }
        })
        .collect()
}

/// How the trace classed a group's failures, for people: `expected: glibc's nscd lookup;
/// nscd is not running (recovered by #15)`. None when the trace does not say.
pub(crate) fn class_label(g: &FailureGroup) -> Option<String> {
    let c = g.class.as_ref()?;
    let mut s = format!("{}: {}", safe(&c.kind.name()), safe(&c.reason));
    match (c.recovered_by, g.count) {
        (Some(seq), 1) => s.push_str(&format!(" (recovered by #{seq})")),
        (Some(seq), n) => s.push_str(&format!(
            " ({} of {n} calls recovered, the first by #{seq})",
            g.recovered
        )),
        (None, n) if g.recovered > 0 => {
            s.push_str(&format!(" ({} of {n} calls recovered)", g.recovered));
        }
        _ => {}
    }
    Some(s)
}

/// A call site: `connect_db at src/db.c:42 in /opt/app/bin/client`, or for a stripped
/// program `/opt/app/bin/client+0x4120`.
pub(crate) fn site_label(c: &CallSite) -> String {
    let module = c.module.as_deref().map(safe);
    let place = match (&c.function, &c.file) {
        (Some(f), Some(file)) => format!("{} at {}", safe(f), file_line(file, c.line)),
        (Some(f), None) => safe(f).into_owned(),
        (None, Some(file)) => file_line(file, c.line),
        (None, None) => {
            return match (module, c.offset) {
                (Some(m), Some(off)) => format!("{m}+{off:#x}"),
                (Some(m), None) => m.into_owned(),
                (None, _) => "code no file backs".to_owned(),
            };
        }
    };
    match module {
        Some(m) => format!("{place} in {m}"),
        None => place,
    }
}

fn file_line(file: &str, line: Option<u32>) -> String {
    match line {
        Some(l) => format!("{}:{l}", safe(file)),
        None => safe(file).into_owned(),
    }
}

/// One kind of failure at a call site: `connect ENOENT (3)`, `connect ECONNREFUSED (1,
/// expected)`.
pub(crate) fn site_failure_label(f: &SiteFailure) -> String {
    let expected = match f.expected {
        0 => String::new(),
        n if n == f.count => ", expected".to_owned(),
        n => format!(", {n} expected"),
    };
    format!(
        "{} {} ({}{expected})",
        safe(&f.syscall),
        safe(&f.errno),
        f.count
    )
}

/// "2 call sites fail with ENOENT; 1 call site fails with EACCES", from the errnos that
/// failed at a known call site; empty without stacks.
pub(crate) fn sites_summary(r: &Report) -> String {
    r.errnos
        .iter()
        .filter(|e| e.call_sites > 0)
        .map(|e| {
            format!(
                "{} with {}",
                plural(e.call_sites, "call site fails", "call sites fail"),
                safe(&e.errno)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `34 traced, 13 failed, 7 distinct failures (4 of them expected)`.
pub(crate) fn calls_summary(r: &Report) -> String {
    let expected = r.failures.iter().filter(|g| g.is_expected()).count();
    format!(
        "{} traced, {} failed, {} distinct failures{}",
        r.syscalls_total.calls,
        r.failed_calls(),
        r.failures.len(),
        match expected {
            0 => String::new(),
            n => format!(" ({n} of them expected)"),
        }
    )
}

/// The stack of a call as report lines, runtime frames folded (`#0 ...`, `#1-3 3 frames
/// in libc.so.6`); empty when it has none.
pub(crate) fn stack_text(ev: &SyscallEvent) -> Vec<String> {
    stack_lines(ev, false)
        .into_iter()
        .map(|l| safe(&l.text).into_owned())
        .collect()
}

/// The failure group's target for a heading: `on "/run/x.sock"`, or nothing.
pub(crate) fn target_phrase(target: &str) -> String {
    if target.is_empty() {
        String::new()
    } else {
        format!(" on {}", safe(target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_keeps_escaped_text_and_escapes_raw_controls() {
        assert_eq!(safe("a\\x1bb"), "a\\x1bb");
        assert_eq!(safe("a\x1b[2Jb\u{9b}"), "a\\x1b[2Jb\\xc2\\x9b");
    }

    #[test]
    fn spans() {
        assert_eq!(span(250_000), "250us");
        assert_eq!(span(4_000_000), "4ms");
        assert_eq!(span(1_500_000_000), "1.5s");
        assert_eq!(at(1_234_567_890), "+1.234567s");
    }
}
