//! The plain-text report: for a terminal or a text file. Printable ASCII only.

use super::format::{
    at, command_label, confidence, ended_label, example_lines, exec_label, plural, process_summary,
    procs_label, safe, secs, span, target_phrase, timeline_bar,
};
use super::{Report, WORST_FIRST_RULE};
use crate::sink::summary::write_rows;
use std::io::{self, Write};

/// Width prose is wrapped to (call lines and paths are never broken).
const TEXT_WIDTH: usize = 100;

/// Write `r` as plain text.
pub fn write_text(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let run = &r.run;
    writeln!(out, "sockwhy report")?;
    writeln!(out, "==============")?;
    writeln!(
        out,
        "Command:   {}",
        command_label(&run.command, &run.attached)
    )?;
    writeln!(out, "Started:   {}", safe(&run.start))?;
    writeln!(out, "Duration:  {}", secs(run.duration_ns))?;
    writeln!(out, "Kernel:    {}", safe(&run.kernel))?;
    writeln!(
        out,
        "Recorded:  by sockwhy {}, trace format {}",
        safe(&run.sockwhy),
        run.format_version
    )?;
    writeln!(out, "Result:    {}", super::result_label(r))?;
    if let Some(e) = super::end_label(r) {
        writeln!(out, "Ended:     {e}")?;
    }
    writeln!(
        out,
        "Calls:     {} traced, {} failed, {} distinct failures",
        r.syscalls_total.calls,
        r.failed_calls(),
        r.failures.len()
    )?;
    for w in &r.warnings {
        writeln!(out, "Warning:   {}", safe(w))?;
    }

    writeln!(out)?;
    writeln!(out, "Processes")?;
    writeln!(out, "---------")?;
    for p in &r.processes {
        let pad = "  ".repeat(p.depth.min(32) + 1);
        let name = p
            .name()
            .map(|n| format!(" {}", safe(n)))
            .unwrap_or_default();
        writeln!(out, "{pad}{}{name}: {}", p.pid, process_summary(p))?;
        for e in &p.execs {
            writeln!(out, "{pad}    exec {}", exec_label(e))?;
        }
        if p.execs_omitted > 0 {
            writeln!(out, "{pad}    ... {} more execs", p.execs_omitted)?;
        }
    }
    if r.processes_omitted > 0 {
        writeln!(out, "  ... {} more processes not kept", r.processes_omitted)?;
    }

    writeln!(out)?;
    writeln!(out, "Failures, worst first")?;
    writeln!(out, "---------------------")?;
    for l in wrap(WORST_FIRST_RULE, TEXT_WIDTH) {
        writeln!(out, "{l}")?;
    }
    if r.failures.is_empty() {
        writeln!(out)?;
        writeln!(out, "No call failed.")?;
    }
    for (n, g) in r.failures.iter().enumerate() {
        writeln!(out)?;
        let ended = if g.ended_main() {
            "  [ended the program]"
        } else if g.ended_count > 0 {
            "  [ended a process]"
        } else {
            ""
        };
        writeln!(
            out,
            "#{} {} {}{}: {}{ended}",
            n + 1,
            safe(&g.syscall),
            safe(&g.errno),
            target_phrase(&g.target),
            plural(g.count, "call", "calls"),
        )?;
        writeln!(
            out,
            "    when:      first {}, last {}",
            at(g.first_ns),
            at(g.last_ns)
        )?;
        writeln!(
            out,
            "    processes: {}",
            procs_label(&g.processes, g.more_processes)
        )?;
        for e in &g.ended {
            writeln!(out, "    ended:     {}", ended_label(e))?;
        }
        if g.ended_count > g.ended.len() as u64 {
            writeln!(
                out,
                "    ended:     ... {} more processes",
                g.ended_count - g.ended.len() as u64
            )?;
        }
        if let Some(x) = &g.explanation {
            write_wrapped(out, "    meaning:   ", "               ", &safe(x))?;
        }
        if let Some(m) = &g.man {
            writeln!(out, "    see:       {}", safe(m))?;
        }
        if let Some(c) = &g.cause {
            let cause = format!("{} ({} confidence)", safe(&c.summary), confidence(c));
            write_wrapped(out, "    cause:     ", "               ", &cause)?;
            for e in &c.evidence {
                write_wrapped(out, "      - ", "        ", &safe(e))?;
            }
        }
        writeln!(out, "    example:")?;
        for l in example_lines(&g.example) {
            writeln!(out, "      {l}")?;
        }
    }
    if r.failures_ungrouped > 0 {
        writeln!(
            out,
            "\n... {} more failing calls in groups past the first {} (not shown)",
            r.failures_ungrouped,
            super::MAX_GROUPS
        )?;
    }

    writeln!(out)?;
    writeln!(out, "Calls per syscall")?;
    writeln!(out, "-----------------")?;
    write_rows(out, &r.syscalls, &r.syscalls_total)?;

    writeln!(out)?;
    writeln!(out, "Failures per errno")?;
    writeln!(out, "------------------")?;
    if r.errnos.is_empty() {
        writeln!(out, "none")?;
    }
    for e in &r.errnos {
        let calls: Vec<_> = e.syscalls.iter().map(|s| safe(s)).collect();
        writeln!(
            out,
            "{:<16} {:>9}  {}",
            safe(&e.errno),
            e.count,
            calls.join(", ")
        )?;
    }

    writeln!(out)?;
    writeln!(out, "Failure timeline")?;
    writeln!(out, "----------------")?;
    write_timeline(r, out)?;
    Ok(())
}

/// The timeline as one bar per process.
pub(super) fn write_timeline(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let t = &r.timeline;
    if t.rows.is_empty() {
        return writeln!(out, "no failures");
    }
    writeln!(
        out,
        "One column per {}; a digit counts the failures in it, # is 10 or more, ! is the failure that ended the process.",
        span(t.bucket_ns)
    )?;
    let labels: Vec<String> = t
        .rows
        .iter()
        .map(|row| match &row.process.name {
            Some(n) => format!("{} {}", row.process.pid, safe(n)),
            None => row.process.pid.to_string(),
        })
        .map(|l| if l.len() > 24 { l[..24].to_owned() } else { l })
        .collect();
    let w = labels.iter().map(String::len).max().unwrap_or(0);
    let start = "+0s";
    let end = at(t.span_ns());
    let gap = (t.buckets + 2).saturating_sub(start.len() + end.len());
    writeln!(out, "{:w$} {start}{}{end}", "", " ".repeat(gap))?;
    for (row, label) in t.rows.iter().zip(&labels) {
        let tail = match &row.exit {
            Some(e) => format!("; {}", super::format::exit_label(e)),
            None => String::new(),
        };
        writeln!(
            out,
            "{label:w$} |{}| {} failed{tail}",
            timeline_bar(row, t.bucket_ns),
            row.failures
        )?;
    }
    if t.rows_omitted > 0 {
        writeln!(out, "... {} more processes with failures", t.rows_omitted)?;
    }
    Ok(())
}

/// Prose at most [`TEXT_WIDTH`] columns wide: `first` before the first line, `rest`
/// before the others. Words longer than a line (paths) are not broken.
fn write_wrapped(out: &mut dyn Write, first: &str, rest: &str, s: &str) -> io::Result<()> {
    for (i, l) in wrap(s, TEXT_WIDTH - first.len()).iter().enumerate() {
        writeln!(out, "{}{l}", if i == 0 { first } else { rest })?;
    }
    Ok(())
}

/// Split our own prose into lines of at most `width` columns, at spaces.
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        if !cur.is_empty() && cur.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}
