//! The plain-text report: for a terminal or a text file. Printable ASCII only, within 80
//! columns where it can be (a path or an argument longer than a line runs past it).

use super::format::{
    at, calls_summary, class_label, command_label, confidence, ended_label, example_lines,
    exec_label, plural, process_summary, procs_label, safe, secs, site_failure_label, site_label,
    sites_summary, span, stack_text, target_phrase, timeline_bar,
};
use super::wrap::{Break, lines, together};
use super::{Report, WORST_FIRST_RULE};
use crate::sink::summary::write_rows;
use std::io::{self, Write};

/// Columns of the text timeline's bars (buckets are merged pairwise to fit).
const BAR_WIDTH: usize = 48;
/// Columns of a timeline label (`pid name`).
const LABEL_WIDTH: usize = 18;

/// Write `r` as plain text.
pub fn write_text(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let run = &r.run;
    writeln!(out, "sockwhy report")?;
    writeln!(out, "==============")?;
    let field = |out: &mut dyn Write, name: &str, value: &str, how| -> io::Result<()> {
        put(
            out,
            lines(&format!("{name:<11}"), "           ", value, how),
        )
    };
    field(
        out,
        "Command:",
        &command_label(&run.command, &run.attached),
        Break::Words,
    )?;
    field(out, "Started:", &safe(&run.start), Break::Words)?;
    field(out, "Duration:", &secs(run.duration_ns), Break::Words)?;
    field(out, "Kernel:", &safe(&run.kernel), Break::Words)?;
    field(
        out,
        "Recorded:",
        &format!(
            "by sockwhy {}, trace format {}",
            safe(&run.sockwhy),
            run.format_version
        ),
        Break::Words,
    )?;
    field(out, "Result:", &super::result_label(r), Break::Words)?;
    if let Some(e) = super::end_label(r) {
        field(out, "Ended:", &e, Break::Words)?;
    }
    field(out, "Calls:", &calls_summary(r), Break::Words)?;
    for w in &r.warnings {
        field(out, "Warning:", &safe(w), Break::Words)?;
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
        put(
            out,
            lines(
                &format!("{pad}{}{name}: ", p.pid),
                &format!("{pad}    "),
                &process_summary(p),
                Break::Words,
            ),
        )?;
        for e in &p.execs {
            put(
                out,
                lines(
                    &format!("{pad}    exec "),
                    &format!("{pad}      "),
                    &exec_label(e),
                    Break::Code,
                ),
            )?;
        }
        if p.execs_omitted > 0 {
            writeln!(out, "{pad}    ... {} more execs", p.execs_omitted)?;
        }
    }
    if r.processes_omitted > 0 {
        writeln!(out, "  ... {} more processes not kept", r.processes_omitted)?;
    }

    write_failures(r, out)?;
    write_sites(r, out)?;

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
        let mut what = calls.join(", ");
        if e.expected > 0 {
            what.push_str(&format!("; {} expected", e.expected));
        }
        if e.call_sites > 0 {
            what.push_str(&format!(
                "; {}",
                plural(e.call_sites, "call site", "call sites")
            ));
        }
        put(
            out,
            lines(
                &format!("{:<16} {:>9}  ", safe(&e.errno), e.count),
                &" ".repeat(28),
                &what,
                Break::Words,
            ),
        )?;
    }

    writeln!(out)?;
    writeln!(out, "Failure timeline")?;
    writeln!(out, "----------------")?;
    write_timeline(r, out)?;
    Ok(())
}

fn write_failures(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "Failures, worst first")?;
    writeln!(out, "---------------------")?;
    put(out, lines("", "", WORST_FIRST_RULE, Break::Words))?;
    if r.failures.is_empty() {
        writeln!(out)?;
        writeln!(out, "No call failed.")?;
    }
    const FIELD: &str = "               ";
    for (n, g) in r.failures.iter().enumerate() {
        writeln!(out)?;
        let mark = if g.is_expected() {
            "  [expected]"
        } else if g.ended_main() {
            "  [ended the program]"
        } else if g.ended_count > 0 {
            "  [ended a process]"
        } else {
            ""
        };
        let heading = format!(
            "#{} {} {}{}:{}",
            n + 1,
            safe(&g.syscall),
            safe(&g.errno),
            target_phrase(&g.target),
            together(&format!(" {}{mark}", plural(g.count, "call", "calls"))),
        );
        put(out, lines("", "    ", &heading, Break::Words))?;
        let field = |out: &mut dyn Write, name: &str, value: &str| -> io::Result<()> {
            put(
                out,
                lines(&format!("    {name:<11}"), FIELD, value, Break::Words),
            )
        };
        field(
            out,
            "when:",
            &format!("first {}, last {}", at(g.first_ns), at(g.last_ns)),
        )?;
        field(
            out,
            "processes:",
            &procs_label(&g.processes, g.more_processes),
        )?;
        for e in &g.ended {
            field(out, "ended:", &ended_label(e))?;
        }
        if g.ended_count > g.ended.len() as u64 {
            field(
                out,
                "ended:",
                &format!(
                    "... {} more processes",
                    g.ended_count - g.ended.len() as u64
                ),
            )?;
        }
        if let Some(c) = class_label(g) {
            field(out, "class:", &c)?;
        }
        if let Some(x) = &g.explanation {
            field(out, "meaning:", &safe(x))?;
        }
        if let Some(m) = &g.man {
            field(out, "see:", &safe(m))?;
        }
        if let Some(c) = &g.cause {
            let cause = format!("{} ({} confidence)", safe(&c.summary), confidence(c));
            field(out, "cause:", &cause)?;
            for e in &c.evidence {
                put(out, lines("      - ", "        ", &safe(e), Break::Words))?;
            }
            if let Some(fix) = &c.fix {
                field(out, "fix:", &safe(fix))?;
            }
            if !c.rule.is_empty() {
                field(out, "rule:", &safe(&c.rule))?;
            }
        }
        if !g.call_sites.is_empty() {
            writeln!(out, "    call sites:")?;
            for s in &g.call_sites {
                let text = format!(
                    "{}: {}",
                    site_label(&s.site),
                    plural(s.count, "call", "calls")
                );
                put(out, lines("      - ", "        ", &text, Break::Words))?;
            }
            if g.call_sites_more > 0 {
                writeln!(
                    out,
                    "      - and {} more calls from other places",
                    g.call_sites_more
                )?;
            }
        }
        writeln!(out, "    example:")?;
        for l in example_lines(&g.example) {
            put(out, lines("      ", "          ", &l, Break::Code))?;
        }
        let stack = stack_text(&g.example);
        if !stack.is_empty() {
            writeln!(out, "      stack (runtime frames folded):")?;
            for l in stack {
                put(out, lines("        ", "            ", &l, Break::Words))?;
            }
        }
    }
    if r.failures_ungrouped > 0 {
        writeln!(out)?;
        put(
            out,
            lines(
                "",
                "",
                &format!(
                    "... {} more failing calls in groups past the first {} (not shown)",
                    r.failures_ungrouped,
                    super::MAX_GROUPS
                ),
                Break::Words,
            ),
        )?;
    }
    Ok(())
}

/// Failures by call site, when the trace has stacks.
fn write_sites(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.call_sites.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Failures by call site")?;
    writeln!(out, "---------------------")?;
    put(
        out,
        lines(
            "",
            "",
            "Where in the program the failing calls were made: the first frame of its own \
             code in each call's stack (-k), by function, file and line.",
            Break::Words,
        ),
    )?;
    let summary = sites_summary(r);
    if !summary.is_empty() {
        put(out, lines("", "", &format!("{summary}."), Break::Words))?;
    }
    for s in &r.call_sites {
        writeln!(out)?;
        let mut tail = format!(" {}", plural(s.count, "failing call", "failing calls"));
        if s.all_expected() {
            tail.push_str("  [expected]");
        }
        let head = format!("{}:{}", site_label(&s.site), together(&tail));
        put(out, lines("", "    ", &head, Break::Words))?;
        for f in &s.failures {
            put(
                out,
                lines("    - ", "      ", &site_failure_label(f), Break::Words),
            )?;
        }
        if s.failures_omitted > 0 {
            writeln!(out, "    - and {} more calls", s.failures_omitted)?;
        }
    }
    if r.call_sites_omitted > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "... {} more failing calls from call sites past the first {}",
            r.call_sites_omitted,
            super::MAX_CALL_SITES
        )?;
    }
    Ok(())
}

/// The timeline as one bar per process.
pub(super) fn write_timeline(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let t = &r.timeline;
    if t.rows.is_empty() {
        return writeln!(out, "no failures");
    }
    let factor = super::format::bar_factor(t, BAR_WIDTH);
    let column = t.bucket_ns.saturating_mul(factor as u64);
    put(
        out,
        lines(
            "",
            "",
            &format!(
                "One column per {}; a digit counts the failures in it, # is 10 or more, ~ marks \
                 only expected ones, ! is the failure that ended the process.",
                span(column)
            ),
            Break::Words,
        ),
    )?;
    let labels: Vec<String> = t
        .rows
        .iter()
        .map(|row| match &row.process.name {
            Some(n) => format!("{} {}", row.process.pid, safe(n)),
            None => row.process.pid.to_string(),
        })
        .map(|l| {
            if l.len() > LABEL_WIDTH {
                l[..LABEL_WIDTH].to_owned()
            } else {
                l
            }
        })
        .collect();
    let w = labels.iter().map(String::len).max().unwrap_or(0);
    let cols = t.buckets.div_ceil(factor);
    let start = "0";
    let end = span(column.saturating_mul(cols as u64));
    let gap = (cols + 2).saturating_sub(start.len() + end.len());
    writeln!(out, "{:w$} {start}{}{end}", "", " ".repeat(gap))?;
    for (row, label) in t.rows.iter().zip(&labels) {
        let tail = match &row.exit {
            Some(e) => format!("; {}", super::format::exit_label(e)),
            None => String::new(),
        };
        writeln!(
            out,
            "{label:w$} |{}| {} failed{tail}",
            timeline_bar(row, t, factor),
            row.failures
        )?;
    }
    if t.rows_omitted > 0 {
        writeln!(out, "... {} more processes with failures", t.rows_omitted)?;
    }
    Ok(())
}

fn put(out: &mut dyn Write, lines: Vec<String>) -> io::Result<()> {
    for l in lines {
        writeln!(out, "{l}")?;
    }
    Ok(())
}
