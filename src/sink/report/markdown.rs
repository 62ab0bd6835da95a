//! The Markdown report: pastes cleanly into an issue tracker (GitHub-flavoured tables).
//!
//! Values from the trace go in code spans (inline) or fenced blocks (the example calls),
//! where Markdown and HTML mean nothing; in table cells `|` is still escaped, since GFM
//! splits cells before it looks at code spans. Prose from the trace (explanations,
//! causes, evidence) is backslash-escaped so it cannot open a link, a tag or emphasis.

use super::format::{
    at, command_label, confidence, ended_label, example_lines, exec_label, proc_label,
    process_summary, safe, secs,
};
use super::{Report, WORST_FIRST_RULE};
use std::io::{self, Write};

/// Failure groups in the Markdown table; issue trackers cap a comment's length.
const MD_MAX_TABLE_ROWS: usize = 100;
/// Failure groups described in full in Markdown.
const MD_MAX_DETAILS: usize = 20;
/// Processes listed in Markdown.
const MD_MAX_PROCESSES: usize = 100;

/// Escape text for Markdown prose or a table cell: every character that could start
/// markup is backslash-escaped (CommonMark lets any ASCII punctuation be escaped).
pub(crate) fn md_text(s: &str) -> String {
    let s = safe(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '['
                | ']'
                | '<'
                | '>'
                | '|'
                | '~'
                | '&'
                | '#'
                | '!'
                | '{'
                | '}'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A code span that holds `s` whatever backticks it contains.
pub(crate) fn md_code(s: &str) -> String {
    let s = safe(s);
    let longest = longest_run(&s, '`');
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.starts_with(' ') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A code span for a table cell: as [`md_code`], with `|` escaped.
pub(crate) fn md_code_cell(s: &str) -> String {
    md_code(s).replace('|', "\\|")
}

fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        if c == ch {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// A fenced block around `lines`, with a fence longer than any backtick run inside.
fn fenced(out: &mut dyn Write, lines: &[String]) -> io::Result<()> {
    let longest = lines.iter().map(|l| longest_run(l, '`')).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    writeln!(out, "{fence}text")?;
    for l in lines {
        writeln!(out, "{l}")?;
    }
    writeln!(out, "{fence}")
}

/// Write `r` as Markdown.
pub fn write_markdown(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let run = &r.run;
    writeln!(
        out,
        "## sockwhy report: {}",
        md_code(&command_label(&run.command, &run.attached))
    )?;
    writeln!(out)?;
    writeln!(out, "| Run | |")?;
    writeln!(out, "|---|---|")?;
    writeln!(out, "| Started | {} |", md_text(&run.start))?;
    writeln!(out, "| Duration | {} |", secs(run.duration_ns))?;
    writeln!(out, "| Kernel | {} |", md_text(&run.kernel))?;
    writeln!(
        out,
        "| Recorded | sockwhy {}, trace format {} |",
        md_text(&run.sockwhy),
        run.format_version
    )?;
    writeln!(out, "| Result | {} |", md_text(&super::result_label(r)))?;
    if let Some(e) = super::end_label(r) {
        writeln!(out, "| Ended | {} |", md_text(&e))?;
    }
    writeln!(
        out,
        "| Calls | {} traced, {} failed, {} distinct failures |",
        r.syscalls_total.calls,
        r.failed_calls(),
        r.failures.len()
    )?;
    for w in &r.warnings {
        writeln!(out)?;
        writeln!(out, "> **Warning:** {}", md_text(w))?;
    }

    writeln!(out)?;
    writeln!(out, "### Failures, worst first")?;
    writeln!(out)?;
    writeln!(out, "{}", md_text(WORST_FIRST_RULE))?;
    writeln!(out)?;
    if r.failures.is_empty() {
        writeln!(out, "No call failed.")?;
    } else {
        writeln!(
            out,
            "| # | call | errno | on | calls | first | last | processes | ended |"
        )?;
        writeln!(out, "|---:|---|---|---|---:|---:|---:|---|---|")?;
        for (n, g) in r.failures.iter().enumerate().take(MD_MAX_TABLE_ROWS) {
            let procs: Vec<String> = g
                .processes
                .iter()
                .map(|p| md_text(&proc_label(p)))
                .collect();
            let ended = super::format::ended_cell(g);
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {}{} | {ended} |",
                n + 1,
                md_code_cell(&g.syscall),
                md_code_cell(&g.errno),
                if g.target.is_empty() {
                    String::new()
                } else {
                    md_code_cell(&g.target)
                },
                g.count,
                at(g.first_ns),
                at(g.last_ns),
                procs.join(", "),
                if g.more_processes { ", and more" } else { "" },
            )?;
        }
    }
    if r.failures.len() > MD_MAX_TABLE_ROWS {
        writeln!(out)?;
        writeln!(
            out,
            "{} more distinct failures are not listed here; `sockwhy report --format html` shows them all.",
            r.failures.len() - MD_MAX_TABLE_ROWS
        )?;
    }
    for (n, g) in r.failures.iter().enumerate().take(MD_MAX_DETAILS) {
        writeln!(out)?;
        writeln!(
            out,
            "#### {}. {} {}{}",
            n + 1,
            md_code(&g.syscall),
            md_code(&g.errno),
            if g.target.is_empty() {
                String::new()
            } else {
                format!(" on {}", md_code(&g.target))
            }
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "- **Calls:** {}, first {}, last {}",
            g.count,
            at(g.first_ns),
            at(g.last_ns)
        )?;
        let procs: Vec<String> = g
            .processes
            .iter()
            .map(|p| md_text(&proc_label(p)))
            .collect();
        writeln!(
            out,
            "- **Processes:** {}{}",
            procs.join(", "),
            if g.more_processes { " and more" } else { "" }
        )?;
        for e in &g.ended {
            writeln!(out, "- **Ended:** {}", md_text(&ended_label(e)))?;
        }
        if let Some(x) = &g.explanation {
            writeln!(out, "- **Meaning:** {}", md_text(x))?;
        }
        if let Some(m) = &g.man {
            writeln!(out, "- **See:** {}", md_code(m))?;
        }
        if let Some(c) = &g.cause {
            writeln!(
                out,
                "- **Likely cause** ({} confidence): {}",
                confidence(c),
                md_text(&c.summary)
            )?;
            for e in &c.evidence {
                writeln!(out, "  - {}", md_text(e))?;
            }
        }
        writeln!(out, "- **Example:**")?;
        writeln!(out)?;
        fenced(out, &example_lines(&g.example))?;
    }
    if r.failures.len() > MD_MAX_DETAILS {
        writeln!(out)?;
        writeln!(
            out,
            "Only the first {MD_MAX_DETAILS} failures are described in full here."
        )?;
    }
    if r.failures_ungrouped > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "{} more failing calls in groups past the first {} are not shown.",
            r.failures_ungrouped,
            super::MAX_GROUPS
        )?;
    }

    writeln!(out)?;
    writeln!(out, "### Processes")?;
    writeln!(out)?;
    for p in r.processes.iter().take(MD_MAX_PROCESSES) {
        let pad = "  ".repeat(p.depth.min(32));
        let name = p
            .name()
            .map(|n| format!(" {}", md_code(n)))
            .unwrap_or_default();
        writeln!(
            out,
            "{pad}- **{}**{name}: {}",
            p.pid,
            md_text(&process_summary(p))
        )?;
        for e in &p.execs {
            writeln!(out, "{pad}  - exec {}", md_code(&exec_label(e)))?;
        }
    }
    let more = r.processes.len().saturating_sub(MD_MAX_PROCESSES) as u64 + r.processes_omitted;
    if more > 0 {
        writeln!(out, "- ... and {more} more processes")?;
    }

    writeln!(out)?;
    writeln!(out, "### Calls per syscall")?;
    writeln!(out)?;
    writeln!(
        out,
        "| syscall | calls | errors | seconds | usecs/call | % time |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|")?;
    let total_ns = r.syscalls_total.time_ns;
    for row in r.syscalls.iter().chain(std::iter::once(&r.syscalls_total)) {
        let pct = row.percent_of(total_ns);
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {pct:.2} |",
            md_code_cell(&row.syscall),
            row.calls,
            row.errors,
            secs(row.time_ns).trim_end_matches('s'),
            row.usecs_per_call()
        )?;
    }

    writeln!(out)?;
    writeln!(out, "### Failures per errno")?;
    writeln!(out)?;
    if r.errnos.is_empty() {
        writeln!(out, "None.")?;
    } else {
        writeln!(out, "| errno | calls | syscalls |")?;
        writeln!(out, "|---|---:|---|")?;
        for e in &r.errnos {
            let calls: Vec<String> = e.syscalls.iter().map(|s| md_code_cell(s)).collect();
            writeln!(
                out,
                "| {} | {} | {} |",
                md_code_cell(&e.errno),
                e.count,
                calls.join(", ")
            )?;
        }
    }

    writeln!(out)?;
    writeln!(out, "### Failure timeline")?;
    writeln!(out)?;
    let mut buf = Vec::new();
    super::text::write_timeline(r, &mut buf)?;
    let lines: Vec<String> = String::from_utf8_lossy(&buf)
        .lines()
        .map(str::to_owned)
        .collect();
    fenced(out, &lines)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_spans_cannot_break_out() {
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`x"), "`` `x ``");
        assert_eq!(md_code_cell("a|b"), "`a\\|b`");
        assert_eq!(md_text("<b>|[x](y)"), "\\<b\\>\\|\\[x\\](y)");
    }
}

#[cfg(test)]
mod cap_tests {
    use super::*;
    use crate::model::{Record, SyscallEvent};
    use crate::sink::report::ReportBuilder;

    #[test]
    fn long_reports_are_cut_for_issue_trackers() {
        let mut b = ReportBuilder::new();
        for i in 0..150 {
            b.add(&Record::Syscall(Box::new(SyscallEvent {
                seq: i + 1,
                ts_ns: i * 1000,
                pid: 1,
                tid: 1,
                syscall: "connect".into(),
                ret: -1,
                errno: Some("ENOENT".into()),
                fd: Some(i as i32),
                ..SyscallEvent::default()
            })));
        }
        let mut out = Vec::new();
        write_markdown(&b.finish(), &mut out).unwrap();
        let md = String::from_utf8(out).unwrap();
        let rows = md
            .lines()
            .filter(|l| {
                let rest = l.strip_prefix("| ").unwrap_or("");
                rest.starts_with(|c: char| c.is_ascii_digit()) && rest.contains(" | `connect` | ")
            })
            .count();
        assert_eq!(rows, MD_MAX_TABLE_ROWS);
        assert_eq!(md.matches("\n#### ").count(), MD_MAX_DETAILS);
        assert!(md.contains("50 more distinct failures are not listed here"));
    }
}
