//! strace's `-e` expressions and `-P`, turned into what is traced (the tracer's set of
//! calls) and what is shown (`sink::filter::Filter`).
//!
//! `trace=` decides what is traced at all, as in strace: it narrows the saved trace and
//! the `-c` table too. `status=`, `errno=`, `signal=` and `-P` decide what the text trace
//! (and `-c`) shows; the saved trace keeps every traced call.

use super::ExitError;
use crate::model::traced;
use crate::sink::filter::{Filter, NamePattern, Status, parse_errnos};
use anyhow::{Result, bail};
use std::collections::BTreeSet;
use std::str::FromStr;
use syscalls::{Sysno, SysnoSet};

/// What the command line's `-e`, `-P`, `-Z` and `-z` ask for.
#[derive(Debug)]
pub struct Selection {
    /// The calls to trace.
    pub trace: SysnoSet,
    /// What the text trace shows.
    pub show: Filter,
}

fn usage(msg: String) -> anyhow::Error {
    ExitError { msg, code: 2 }.into()
}

/// Parse every `-e EXPR` and `-P PATH`; `failed_only`/`successful_only` are `-Z`/`-z`.
pub fn parse_selection(
    exprs: &[String],
    paths: &[String],
    failed_only: bool,
    successful_only: bool,
) -> Result<Selection> {
    let mut trace: Option<SysnoSet> = None;
    let mut show = Filter::default();
    if failed_only {
        show.status = [Status::Failed].into();
    }
    if successful_only {
        show.status = [Status::Successful].into();
    }
    for e in exprs {
        let (qualifier, value) = e.split_once('=').unwrap_or(("trace", e));
        let (negated, list) = match value.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        match qualifier {
            "trace" | "t" => {
                let mut set = trace_set(list)?;
                if negated {
                    // Everything but: of the default set (positional I/O only when named).
                    set = traced::default_reported().difference(&set);
                }
                // Several trace= add up, as in strace.
                trace = Some(match trace {
                    Some(t) => t.union(&set),
                    None => set,
                });
            }
            "status" => {
                let set = status_set(list)?;
                let all: BTreeSet<Status> = Filter::default().status;
                show.status = if negated {
                    all.difference(&set).copied().collect()
                } else {
                    set
                };
                if failed_only {
                    show.status.retain(|s| *s == Status::Failed);
                }
            }
            "errno" => {
                let set = parse_errnos(list).map_err(|m| usage(format!("-e errno: {m}")))?;
                show.errnos = Some(if negated {
                    (1..=crate::model::errno::MAX_ERRNO)
                        .filter(|n| !set.contains(n))
                        .collect()
                } else {
                    set
                });
            }
            "signal" | "signals" | "s" => {
                let set = signal_set(list)?;
                show.signals = Some(if negated {
                    SIGNALS
                        .iter()
                        .map(|s| s.to_string())
                        .filter(|s| !set.contains(s))
                        .collect()
                } else {
                    set
                });
            }
            "abbrev" | "verbose" | "raw" | "read" | "write" | "quiet" | "decode-fds" | "kvm"
            | "inject" | "fault" => bail!(usage(format!(
                "-e {qualifier}= is an strace qualifier sockwhy does not have \
                 (sockwhy shows every socket call in full; --inject SYSCALL=ERRNO injects)"
            ))),
            _ => bail!(usage(format!(
                "unknown -e qualifier {:?} (trace=, status=, errno=, signal=)",
                crate::render::escape::escape_str(qualifier)
            ))),
        }
    }
    for p in paths {
        show.paths
            .push(NamePattern::parse(p).map_err(|m| usage(format!("-P {p:?}: {m}")))?);
    }
    if show.status.is_empty() {
        bail!(usage("-e status= leaves nothing to show".into()));
    }
    Ok(Selection {
        trace: trace.unwrap_or_else(traced::default_reported),
        show,
    })
}

/// The calls of a `trace=` list: names, `%net`/`%network`, `%fdio`, `all`, `none`,
/// `/regex` (matched against the names of the calls sockwhy traces); a `?` before an item
/// lets it match nothing, as in strace.
fn trace_set(list: &str) -> Result<SysnoSet> {
    let reportable = traced::all_reportable();
    let mut set = SysnoSet::empty();
    for item in list.split(',').filter(|n| !n.is_empty()) {
        let (optional, item) = match item.strip_prefix('?') {
            Some(rest) => (true, rest),
            None => (false, item),
        };
        let before = set.count();
        match item {
            "all" => set = set.union(&reportable),
            "none" => {}
            "%net" | "%network" => traced::SOCKET_CALLS.iter().for_each(|s| {
                set.insert(*s);
            }),
            "%fdio" => traced::FD_IO_CALLS.iter().for_each(|s| {
                set.insert(*s);
            }),
            _ if item.starts_with('/') => {
                let re = regex::Regex::new(&item[1..]).map_err(|e| {
                    usage(format!("-e trace={item}: not a regular expression: {e}"))
                })?;
                for s in reportable.iter().filter(|s| re.is_match(s.name())) {
                    set.insert(s);
                }
                if set.count() == before && !optional {
                    bail!(usage(format!(
                        "-e trace={item} matches no call sockwhy traces (socket calls and \
                         read/write/close on sockets)"
                    )));
                }
            }
            _ if item.starts_with('%') => {
                if !optional {
                    bail!(usage(format!(
                        "-e trace={item}: sockwhy traces socket calls only (%net, %fdio)"
                    )));
                }
            }
            _ => {
                let s = Sysno::from_str(item).map_err(|_| {
                    usage(format!(
                        "-e trace: unknown syscall {:?}",
                        crate::render::escape::escape_str(item)
                    ))
                })?;
                if reportable.contains(s) {
                    set.insert(s);
                } else if !optional {
                    bail!(usage(format!(
                        "-e trace: {item} is not a call sockwhy traces (socket calls and \
                         read/write/close on sockets)"
                    )));
                }
            }
        }
    }
    Ok(set)
}

fn status_set(list: &str) -> Result<BTreeSet<Status>> {
    let mut set = BTreeSet::new();
    for item in list.split(',').filter(|n| !n.is_empty()) {
        match item {
            "all" => set.extend([Status::Successful, Status::Failed, Status::Unfinished]),
            "none" => {}
            "successful" => {
                set.insert(Status::Successful);
            }
            "failed" => {
                set.insert(Status::Failed);
            }
            "unfinished" => {
                set.insert(Status::Unfinished);
            }
            // strace's calls whose result it could not see: sockwhy reports a call only
            // with its result, so these select nothing.
            "unavailable" | "detached" => {}
            _ => bail!(usage(format!(
                "-e status: unknown status {:?} (successful, failed, unfinished, \
                 unavailable, detached)",
                crate::render::escape::escape_str(item)
            ))),
        }
    }
    Ok(set)
}

/// Linux's signal names (x86-64 numbering), without `SIG`, by number from 1.
const SIGNALS: &[&str] = &[
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

fn signal_set(list: &str) -> Result<BTreeSet<String>> {
    let mut set = BTreeSet::new();
    for item in list.split(',').filter(|n| !n.is_empty()) {
        let up = item.to_ascii_uppercase();
        let name = up.strip_prefix("SIG").unwrap_or(&up);
        match name {
            "ALL" => set.extend(SIGNALS.iter().map(|s| s.to_string())),
            "NONE" => {}
            _ => {
                let known = match name.parse::<usize>() {
                    Ok(n) => SIGNALS.get(n.wrapping_sub(1)).map(|s| s.to_string()),
                    Err(_) => {
                        (SIGNALS.contains(&name) || name.starts_with("RT")).then(|| name.to_owned())
                    }
                };
                match known {
                    Some(n) => {
                        set.insert(n);
                    }
                    None => bail!(usage(format!(
                        "-e signal: unknown signal {:?}",
                        crate::render::escape::escape_str(item)
                    ))),
                }
            }
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(exprs: &[&str]) -> Result<Selection> {
        let e: Vec<String> = exprs.iter().map(|s| s.to_string()).collect();
        parse_selection(&e, &[], false, false)
    }

    fn msg(r: Result<Selection>) -> String {
        crate::app::one_line(&r.unwrap_err())
    }

    #[test]
    fn trace_lists_negation_and_regex() {
        let s = sel(&["trace=connect,bind"]).unwrap();
        assert_eq!(s.trace.count(), 2);
        let s = sel(&["trace=!connect"]).unwrap();
        assert!(!s.trace.contains(Sysno::connect));
        assert_eq!(s.trace.count(), traced::default_reported().count() - 1);
        assert!(
            !s.trace.contains(Sysno::pread64),
            "positional I/O only when named"
        );
        assert!(sel(&[]).unwrap().trace.contains(Sysno::connect));
        assert!(!sel(&[]).unwrap().trace.contains(Sysno::pwrite64));
        assert!(
            sel(&["trace=pread64"])
                .unwrap()
                .trace
                .contains(Sysno::pread64)
        );
        let s = sel(&["trace=/^(send|recv)m?msg$"]).unwrap();
        let names: BTreeSet<&str> = s.trace.iter().map(|s| s.name()).collect();
        assert_eq!(names, ["recvmmsg", "recvmsg", "sendmmsg", "sendmsg"].into());
        let s = sel(&["connect"]).unwrap();
        assert_eq!(s.trace.count(), 1, "a bare list is trace=");
        assert!(msg(sel(&["trace=/^open"])).contains("matches no call"));
        assert!(msg(sel(&["trace=open"])).contains("not a call sockwhy traces"));
        assert!(sel(&["trace=?open,connect"]).is_ok());
        assert!(msg(sel(&["trace=/("])).contains("not a regular expression"));
    }

    #[test]
    fn status_errno_signal() {
        let s = sel(&["status=failed"]).unwrap();
        assert_eq!(s.show.status, [Status::Failed].into());
        let s = sel(&["status=!failed"]).unwrap();
        assert_eq!(
            s.show.status,
            [Status::Successful, Status::Unfinished].into()
        );
        assert!(msg(sel(&["status=broken"])).contains("unknown status"));
        let s = sel(&["errno=ECONNREFUSED,eacces"]).unwrap();
        assert_eq!(s.show.errnos, Some([13, 111].into()));
        assert_eq!(msg(sel(&["errno=EFOO"])), "-e errno: unknown errno EFOO");
        let s = sel(&["signal=none"]).unwrap();
        assert_eq!(s.show.signals, Some(BTreeSet::new()));
        let s = sel(&["signal=!SIGCHLD"]).unwrap();
        let sigs = s.show.signals.unwrap();
        assert!(!sigs.contains("CHLD") && sigs.contains("TERM"));
        let s = sel(&["signal=17,term"]).unwrap();
        assert_eq!(s.show.signals, Some(["CHLD".into(), "TERM".into()].into()));
        assert!(msg(sel(&["signal=SIGFOO"])).contains("unknown signal"));
        assert!(msg(sel(&["verbose=all"])).contains("does not have"));
        assert!(msg(sel(&["bogus=1"])).contains("unknown -e qualifier"));
    }
}
