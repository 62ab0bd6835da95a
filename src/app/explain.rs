//! `sockwhy explain ERRNO [SYSCALL]`.

use crate::diagnose::rules::{Outcomes, rules_for};
use crate::kb::{self, Entry};
use crate::model::errno::{description, parse_errno};
use anyhow::{Result, bail};
use std::io::Write;
use std::str::FromStr;
use syscalls::Sysno;

/// Width the explanation text is wrapped to.
const WIDTH: usize = 80;
/// Indent of the explanation text under its heading.
const INDENT: &str = "    ";

/// Print the explanation of `errno` (for `syscall`) offline.
pub fn run_explain(errno: &str, syscall: Option<&str>) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    write_explain(&mut out, errno, syscall)?;
    out.flush()?;
    Ok(0)
}

/// Write what `run_explain` prints to `out`.
pub fn write_explain(out: &mut impl Write, errno: &str, syscall: Option<&str>) -> Result<()> {
    let Some((id, name)) = parse_errno(errno).and_then(|e| Some((e, e.name()?))) else {
        bail!("unknown errno {errno:?}: give a name such as ENOENT or a number such as 2");
    };
    if let Some(s) = syscall
        && !kb::is_known_syscall(s)
    {
        bail!("unknown system call {s:?}: give a name such as connect or sendmsg");
    }
    writeln!(out, "{name} ({}): {}", id.into_raw(), description(id))?;
    let entries = kb::entries_for_errno(name);
    if entries.is_empty() {
        writeln!(
            out,
            "\nsockwhy has no explanation of {} for UNIX-domain sockets.",
            name
        )?;
        return Ok(());
    }
    explain_entries(out, name, syscall, entries)?;
    write_rules(out, id, syscall)
}

/// The knowledge base's entries for the errno (one call's, or every call's).
fn explain_entries(
    out: &mut impl Write,
    name: &str,
    syscall: Option<&str>,
    entries: &[Entry],
) -> Result<()> {
    match syscall {
        Some(s) => {
            if let Some(e) = kb::lookup(s, name) {
                let who = if e.is_generic() {
                    format!("{s} (no entry for this call; what it means in general)")
                } else {
                    s.to_owned()
                };
                write_entry(out, &who, e)?;
            }
        }
        None => {
            // Call-specific entries first: they are the useful ones; the generic last.
            for e in entries.iter().filter(|e| !e.is_generic()) {
                write_entry(out, &calls_of(e).join(", "), e)?;
            }
            for e in entries.iter().filter(|e| e.is_generic()) {
                let who = if entries.len() == 1 {
                    "any call"
                } else {
                    "any other call"
                };
                write_entry(out, who, e)?;
            }
        }
    }
    Ok(())
}

/// The cause rules that can fire for the errno (on the call): id and one line each.
fn write_rules(
    out: &mut impl Write,
    errno: crate::model::Errno,
    syscall: Option<&str>,
) -> Result<()> {
    let calls: Option<Vec<Sysno>> =
        syscall.map(|s| match kb::FAMILIES.iter().find(|(f, _)| *f == s) {
            Some((_, members)) => members.to_vec(),
            None => Sysno::from_str(s).into_iter().collect(),
        });
    // A rule for every errno (--inject's) says nothing about this one.
    let rules: Vec<_> = rules_for(Some(errno), calls.as_deref())
        .filter(|r| !matches!(r.outcomes, Outcomes::AnyErrno))
        .collect();
    if rules.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    let on = syscall.map(|s| format!(" on {s}")).unwrap_or_default();
    writeln!(out, "Causes sockwhy can find{on} (rule id: what it says):")?;
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in rules {
        let lead = format!("  {:width$}  ", r.id);
        let text = wrap(r.about, WIDTH.saturating_sub(lead.len()).max(20));
        for (i, line) in text.iter().enumerate() {
            if i == 0 {
                writeln!(out, "{lead}{line}")?;
            } else {
                writeln!(out, "{:w$}{line}", "", w = lead.len())?;
            }
        }
    }
    Ok(())
}

/// The calls an entry applies to, with family names spelled out (`send` -> sendto, ...).
fn calls_of(e: &Entry) -> Vec<&str> {
    let mut calls = Vec::new();
    for name in &e.syscalls {
        match kb::FAMILIES.iter().find(|(f, _)| f == name) {
            Some((_, members)) => calls.extend(members.iter().map(|m| m.name())),
            None => calls.push(name.as_str()),
        }
    }
    calls.dedup();
    calls
}

fn write_entry(out: &mut impl Write, who: &str, e: &Entry) -> Result<()> {
    writeln!(out)?;
    for line in wrap(&format!("{who}: see {}", e.man), WIDTH) {
        writeln!(out, "{line}")?;
    }
    for line in wrap(&e.text, WIDTH - INDENT.len()) {
        writeln!(out, "{INDENT}{line}")?;
    }
    Ok(())
}

/// Greedy word wrap to `width` columns; a word longer than the width gets a line of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = if line.is_empty() {
            word.chars().count()
        } else {
            line.chars().count() + 1 + word.chars().count()
        };
        if needed > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn explain(errno: &str, syscall: Option<&str>) -> Result<String> {
        let mut out = Vec::new();
        write_explain(&mut out, errno, syscall)?;
        Ok(String::from_utf8(out).expect("utf-8"))
    }

    #[test]
    fn wrap_fits_the_width() {
        let lines = wrap("aaa bbb ccc ddd", 7);
        assert_eq!(lines, ["aaa bbb", "ccc ddd"]);
        assert_eq!(wrap("abcdefghij xy", 4), ["abcdefghij", "xy"]);
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn one_call() {
        let s = explain("2", Some("connect")).unwrap();
        assert!(
            s.starts_with("ENOENT (2): No such file or directory\n"),
            "{s}"
        );
        assert!(s.contains("\nconnect: see connect(2)\n"), "{s}");
        assert!(s.lines().all(|l| l.chars().count() <= WIDTH), "{s}");
    }

    #[test]
    fn a_call_without_its_own_entry_gets_the_generic_one() {
        let s = explain("ECONNREFUSED", Some("bind")).unwrap();
        assert!(s.contains("bind (no entry for this call"), "{s}");
        assert!(s.contains("see unix(7)"), "{s}");
    }

    #[test]
    fn every_call_when_none_is_given() {
        let s = explain("enoent", None).unwrap();
        assert!(
            s.contains("\nconnect, sendto, sendmsg, sendmmsg: see connect(2)\n"),
            "{s}"
        );
        assert!(s.contains("\nbind: see bind(2)\n"), "{s}");
        assert!(s.contains("\nany other call: see unix(7)\n"), "{s}");
    }

    #[test]
    fn unknown_errno_or_call_is_an_error() {
        assert!(explain("ENOTHING", None).is_err());
        assert!(explain("ENOENT", Some("frobnicate")).is_err());
        assert!(explain("EWOULDBLOCK", Some("recvmsg")).is_ok());
    }

    #[test]
    fn the_rules_that_can_fire_are_listed_by_id() {
        let s = explain("ECONNREFUSED", Some("connect")).unwrap();
        let rules = s
            .split_once("\nCauses sockwhy can find on connect (rule id: what it says):\n")
            .unwrap_or_else(|| panic!("{s}"))
            .1;
        assert!(rules.contains("\n  connect.stale-socket "), "{s}");
        assert!(rules.contains("  connect.abstract-unbound "), "{s}");
        assert!(!rules.contains("bind."), "only connect's rules: {s}");
        assert!(s.lines().all(|l| l.chars().count() <= WIDTH), "{s}");
        // A family name lists the rules of its members.
        let s = explain("EAGAIN", Some("recv")).unwrap();
        assert!(s.contains("  recv.nothing-queued "), "{s}");
        assert!(!s.contains("accept.nothing-waiting"), "{s}");
        let s = explain("EADDRINUSE", None).unwrap();
        assert!(s.contains("  bind.in-use-live-server "), "{s}");
    }

    #[test]
    fn a_known_errno_without_entry_says_so() {
        let s = explain("EHWPOISON", None).unwrap();
        assert!(s.contains("no explanation of EHWPOISON"), "{s}");
    }
}
