//! `sockwhy probe PATH [--pid PID]`: what a connect() to PATH would meet, without tracing.
//!
//! The facts come from the same probes the tracer uses at a failure, and the verdict
//! from the same rules (`diagnose::rules::connect_verdict`), so the command and a trace
//! never disagree. This file only prints them.

use super::ExitError;
use crate::diagnose::rules::{self, ConnectVerdict};
use crate::model::facts::{Access, Creds, SockState, WalkEnd};
use crate::model::{ByteString, Facts, Pid, SockAddr, SockKind, UnixName};
use crate::probe::{self, path::may_access};
use crate::render::escape::{escape_bytes, quote_bytes, quote_unix_name};
use anyhow::Result;
use std::io::Write;

/// Diagnose a socket path without tracing. Exit 0 when a connect would be accepted,
/// 1 when not.
pub fn run_probe(path: &str, pid: Option<&str>) -> Result<i32> {
    let pid = match pid {
        Some(p) => parse_pid(p)?,
        None => std::process::id() as Pid,
    };
    let addr = parse_target(path)?;
    let facts = probe::probe_connect_target(pid, &addr);
    let (lines, ok) = report(pid, &addr, &facts);
    let mut out = std::io::stdout().lock();
    for l in lines {
        writeln!(out, "{l}")?;
    }
    Ok(if ok { 0 } else { 1 })
}

fn parse_pid(p: &str) -> Result<Pid> {
    let n: Pid = match p.parse() {
        Ok(n) if n > 0 => n,
        _ => {
            return Err(ExitError {
                msg: format!("--pid {}: not a process id", escape_bytes(p.as_bytes())),
                code: 2,
            }
            .into());
        }
    };
    if !probe::procfs::probe_pid_exists(n) {
        return Err(ExitError {
            msg: format!("--pid {n}: no such process"),
            code: 2,
        }
        .into());
    }
    if probe::procfs::probe_creds(n).is_none() {
        return Err(ExitError {
            msg: format!("--pid {n}: cannot read /proc/{n}/status (process gone or not permitted)"),
            code: 2,
        }
        .into());
    }
    Ok(n)
}

/// `@name` is an abstract name, anything else a path.
fn parse_target(t: &str) -> Result<SockAddr> {
    if t.is_empty() {
        return Err(ExitError {
            msg: "probe: empty path".into(),
            code: 2,
        }
        .into());
    }
    let name = match t.strip_prefix('@') {
        Some(n) => UnixName::Abstract(ByteString::from(n)),
        None => UnixName::Path(ByteString::from(t)),
    };
    let len = name.to_sun_path().len() + usize::from(matches!(name, UnixName::Path(_)));
    Ok(SockAddr::unix(name, (2 + len) as u32))
}

/// The lines to print, and whether a connect would be accepted.
fn report(pid: Pid, addr: &SockAddr, f: &Facts) -> (Vec<String>, bool) {
    let shown = addr.unix_name().map(quote_unix_name).unwrap_or_default();
    let who = if pid == std::process::id() as Pid {
        "this process".to_owned()
    } else {
        format!("pid {pid}")
    };
    let mut out = vec![format!("probe: {shown} as {who} sees it")];
    if let Some(m) = addr.unix_name().and_then(crate::kb::sockets::service_of) {
        out.push(format!(
            "service: {} (served by {})",
            escape_bytes(m.what().as_bytes()),
            escape_bytes(m.service.servers.join(", ").as_bytes())
        ));
    }
    if let Some(c) = &f.creds {
        out.push(format!(
            "credentials: uid {}, gid {}, groups {}",
            c.fsuid(),
            c.fsgid(),
            c.groups_text()
        ));
    }
    path_lines(f, &mut out);
    bound_lines(addr, f, &mut out);
    match rules::connect_verdict(pid, addr, f) {
        ConnectVerdict::Accepted => {
            out.push(format!("verdict: {who} may connect to {shown}"));
            (out, true)
        }
        ConnectVerdict::Refused { cause: Some(c), .. } => {
            out.push(format!("verdict: cannot connect: {}", c.summary));
            out.push(format!("rule: {}", c.rule));
            if let Some(fix) = &c.fix {
                out.push(format!("fix: {fix}"));
            }
            (out, false)
        }
        ConnectVerdict::Refused { errno, cause: None } => {
            out.push(format!(
                "verdict: cannot connect ({})",
                errno.and_then(|e| e.name()).unwrap_or("reason unknown")
            ));
            (out, false)
        }
    }
}

/// The path walk: where it ended, symlinks on the way, the permissions met.
fn path_lines(f: &Facts, out: &mut Vec<String>) {
    let Some(w) = &f.path else {
        return;
    };
    if let Some(cwd) = &w.cwd {
        out.push(format!("cwd: {}", quote_bytes(cwd.as_bytes())));
    }
    for s in w.steps.iter().filter(|s| s.link.is_some()) {
        out.push(format!(
            "symlink: {} -> {}",
            quote_bytes(s.path.as_bytes()),
            quote_bytes(s.link.as_ref().map(|l| l.as_bytes()).unwrap_or_default())
        ));
    }
    out.push(match &w.end {
        WalkEnd::Found => match w.target() {
            Some(t) => format!(
                "exists: yes, {} ({})",
                t.info.kind.phrase(),
                mode_line(&t.info)
            ),
            None => "exists: yes".to_owned(),
        },
        WalkEnd::Missing { at, last } => format!(
            "exists: no; {} {} does not exist",
            if *last { "the file" } else { "directory" },
            quote_bytes(at.as_bytes())
        ),
        WalkEnd::NotDir { at } => format!(
            "exists: no; {} is not a directory",
            quote_bytes(at.as_bytes())
        ),
        WalkEnd::Loop => "exists: no; too many levels of symbolic links".to_owned(),
        WalkEnd::Error { at, errno } => format!(
            "exists: unknown; looking up {} fails with {}",
            quote_bytes(at.as_bytes()),
            errno.map_or("the process's root or cwd cannot be read", |e| {
                e.name().unwrap_or("an unnamed errno")
            })
        ),
    });
    if let Some(d) = &w.denied {
        let need = match d.need {
            Access::Search => "search",
            Access::Write => "write",
        };
        out.push(format!(
            "permission: denied: no {need} permission on {} ({})",
            quote_bytes(d.path.as_bytes()),
            mode_line(&d.info)
        ));
    } else if w.perms_checked && matches!(w.end, WalkEnd::Found) {
        // Root passes by capability where the mode bits alone would refuse.
        let via_cap = match (&f.creds, w.target()) {
            (Some(c), Some(t)) => {
                let bare = Creds {
                    cap_eff: 0,
                    ..c.clone()
                };
                !may_access(&bare, &t.info, Access::Write)
            }
            _ => false,
        };
        out.push(format!(
            "permission: granted: search on every directory, write on the file{}",
            if via_cap {
                " (by CAP_DAC_OVERRIDE)"
            } else {
                ""
            }
        ));
    }
}

/// The sockets bound to the name, with their holders and queues.
fn bound_lines(addr: &SockAddr, f: &Facts, out: &mut Vec<String>) {
    match &f.bound {
        None => out.push("bound: unknown (no socket table could be read)".into()),
        Some(b) if b.is_empty() => out.push(
            if f.bound_exact && matches!(addr.unix_name(), Some(UnixName::Path(_))) {
                "bound: no socket is bound to this file or name".into()
            } else {
                "bound: no socket is bound to this name".into()
            },
        ),
        Some(b) => {
            for s in b {
                let queue = match (s.sock.state, s.sock.rqueue, s.sock.wqueue) {
                    (SockState::Listening, Some(q), Some(m)) => {
                        format!(", accept queue {q} of backlog {m}")
                    }
                    _ => String::new(),
                };
                out.push(format!(
                    "bound: {}, {}{queue}, inode {}, held by {}",
                    s.sock.kind.name(),
                    s.sock.state.word(),
                    s.sock.inode,
                    rules::owners_text(&s.owners)
                ));
            }
            match b.iter().find(|s| s.sock.state == SockState::Listening) {
                Some(l) => {
                    if let (Some(q), Some(m)) = (l.sock.rqueue, l.sock.wqueue)
                        && q > m
                    {
                        out.push(format!(
                            "backlog: full ({q} waiting > backlog {m}): a non-blocking connect gets EAGAIN, a blocking one waits"
                        ));
                    }
                }
                None if b.iter().any(|s| s.sock.kind == SockKind::Dgram) => out.push(
                    "type: bound by a datagram socket: send to it with SOCK_DGRAM (a SOCK_STREAM connect gets EPROTOTYPE)".into(),
                ),
                None => {}
            }
        }
    }
    for s in &f.bound_elsewhere {
        let owners: Vec<String> = s
            .owners
            .iter()
            .map(|o| format!("pid {} ({})", o.pid, escape_bytes(o.comm.as_bytes())))
            .collect();
        out.push(format!(
            "bound to a file that is gone: {}, {}, inode {}, held by {} (this name was deleted or replaced since)",
            s.sock.kind.name(),
            s.sock.state.word(),
            s.sock.inode,
            if owners.is_empty() {
                "no process we can see".into()
            } else {
                owners.join(", ")
            }
        ));
    }
}

fn mode_line(i: &crate::model::facts::FileInfo) -> String {
    format!("mode {:04o}, owner uid {} gid {}", i.mode, i.uid, i.gid)
}
