//! The Markdown report: pastes cleanly into an issue tracker (GitHub-flavoured tables).
//!
//! Values from the trace go in code spans (inline) or fenced blocks (the example calls),
//! where Markdown and HTML mean nothing; in table cells `|` is still escaped, since GFM
//! splits cells before it looks at code spans. Prose from the trace (explanations,
//! causes, evidence) is backslash-escaped so it cannot open a link, a tag or emphasis.
//!
//! Prose, list items and the example blocks keep to 80 columns where they can (a list
//! item goes on on an indented line); a table row cannot be broken.

use super::format::{
    at, calls_summary, class_label, command_label, confidence, ended_label, example_lines,
    exec_label, proc_label, process_summary, safe, secs, site_failure_label, site_label,
    sites_summary, stack_text,
};
use super::wrap::{Break, lines, together};
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

/// A list item (or a paragraph, with `first` empty) wrapped at 80 columns, its
/// continuation lines indented by `rest`. A code span is never broken (a reader that
/// takes the item line by line must still find it whole).
fn item(out: &mut dyn Write, first: &str, rest: &str, text: &str) -> io::Result<()> {
    for l in lines(first, rest, &unbroken_code(text), Break::Words) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

/// `s` with the spaces inside its code spans made unbreakable. A span is a run of n
/// backticks up to the next run of exactly n, as CommonMark finds them.
fn unbroken_code(s: &str) -> String {
    let b = s.as_bytes();
    let run_at = |i: usize| b[i..].iter().take_while(|&&c| c == b'`').count();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'`' {
            let next = s[i..].find('`').map_or(s.len(), |k| i + k);
            out.push_str(&s[i..next]);
            i = next;
            continue;
        }
        let n = run_at(i);
        let mut j = i + n;
        let mut close = None;
        while j < b.len() {
            if b[j] == b'`' {
                let m = run_at(j);
                if m == n {
                    close = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        let end = close.unwrap_or(i + n);
        let span = &s[i..end];
        out.push_str(&if close.is_some() {
            together(span)
        } else {
            span.to_owned()
        });
        i = end;
    }
    out
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
    writeln!(out, "| Calls | {} |", md_text(&calls_summary(r)))?;
    for w in &r.warnings {
        writeln!(out)?;
        writeln!(out, "> **Warning:** {}", md_text(w))?;
    }

    writeln!(out)?;
    writeln!(out, "### Failures, worst first")?;
    writeln!(out)?;
    item(out, "", "", &md_text(WORST_FIRST_RULE))?;
    writeln!(out)?;
    if r.failures.is_empty() {
        writeln!(out, "No call failed.")?;
    } else {
        writeln!(
            out,
            "| # | call | errno | on | calls | first | last | processes | ended | class |"
        )?;
        writeln!(out, "|---:|---|---|---|---:|---:|---:|---|---|---|")?;
        for (n, g) in r.failures.iter().enumerate().take(MD_MAX_TABLE_ROWS) {
            let procs: Vec<String> = g
                .processes
                .iter()
                .map(|p| md_text(&proc_label(p)))
                .collect();
            let ended = super::format::ended_cell(g);
            let class = g
                .class
                .as_ref()
                .map(|c| md_text(&c.kind.name()))
                .unwrap_or_default();
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {}{} | {ended} | {class} |",
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
            "#### {}. {} {}{}{}",
            n + 1,
            md_code(&g.syscall),
            md_code(&g.errno),
            if g.target.is_empty() {
                String::new()
            } else {
                format!(" on {}", md_code(&g.target))
            },
            if g.is_expected() { " (expected)" } else { "" }
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
        item(
            out,
            "- **Processes:** ",
            "  ",
            &format!(
                "{}{}",
                procs.join(", "),
                if g.more_processes { " and more" } else { "" }
            ),
        )?;
        for e in &g.ended {
            item(out, "- **Ended:** ", "  ", &md_text(&ended_label(e)))?;
        }
        if let Some(c) = class_label(g) {
            item(out, "- **Class:** ", "  ", &md_text(&c))?;
        }
        if let Some(x) = &g.explanation {
            item(out, "- **Meaning:** ", "  ", &md_text(x))?;
        }
        if let Some(m) = &g.man {
            writeln!(out, "- **See:** {}", md_code(m))?;
        }
        if let Some(c) = &g.cause {
            item(
                out,
                &format!("- **Likely cause** ({} confidence): ", confidence(c)),
                "  ",
                &md_text(&c.summary),
            )?;
            for e in &c.evidence {
                item(out, "  - ", "    ", &md_text(e))?;
            }
            if let Some(fix) = &c.fix {
                item(out, "- **Fix:** ", "  ", &md_text(fix))?;
            }
            if !c.rule.is_empty() {
                writeln!(out, "- **Rule:** {}", md_code(&c.rule))?;
            }
        }
        if !g.call_sites.is_empty() {
            writeln!(out, "- **Call sites:**")?;
            for s in &g.call_sites {
                item(
                    out,
                    "  - ",
                    "    ",
                    &format!(
                        "{}: {}",
                        md_code(&site_label(&s.site)),
                        super::format::plural(s.count, "call", "calls")
                    ),
                )?;
            }
            if g.call_sites_more > 0 {
                writeln!(
                    out,
                    "  - and {} more calls from other places",
                    g.call_sites_more
                )?;
            }
        }
        writeln!(out, "- **Example:**")?;
        writeln!(out)?;
        let mut block: Vec<String> = example_lines(&g.example)
            .iter()
            .flat_map(|l| lines("", "    ", l, Break::Code))
            .collect();
        let stack = stack_text(&g.example);
        if !stack.is_empty() {
            block.push("stack (runtime frames folded):".to_owned());
            for l in stack {
                block.extend(lines("  ", "      ", &l, Break::Words));
            }
        }
        fenced(out, &block)?;
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

    write_sites(r, out)?;

    writeln!(out)?;
    writeln!(out, "### Processes")?;
    writeln!(out)?;
    for p in r.processes.iter().take(MD_MAX_PROCESSES) {
        let pad = "  ".repeat(p.depth.min(32));
        let name = p
            .name()
            .map(|n| format!(" {}", md_code(n)))
            .unwrap_or_default();
        item(
            out,
            &format!("{pad}- **{}**{name}: ", p.pid),
            &format!("{pad}  "),
            &md_text(&process_summary(p)),
        )?;
        for e in &p.execs {
            item(
                out,
                &format!("{pad}  - exec "),
                &format!("{pad}    "),
                &md_code(&exec_label(e)),
            )?;
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
        writeln!(out, "| errno | calls | expected | call sites | syscalls |")?;
        writeln!(out, "|---|---:|---:|---:|---|")?;
        for e in &r.errnos {
            let calls: Vec<String> = e.syscalls.iter().map(|s| md_code_cell(s)).collect();
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md_code_cell(&e.errno),
                e.count,
                e.expected,
                e.call_sites,
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

/// Failures by call site, when the trace has stacks.
fn write_sites(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    if r.call_sites.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "### Failures by call site")?;
    writeln!(out)?;
    item(
        out,
        "",
        "",
        "Where in the program the failing calls were made: the first frame of its own code \
         in each call's stack (`-k`), by function, file and line.",
    )?;
    let summary = sites_summary(r);
    if !summary.is_empty() {
        item(out, "", "", &format!("{}.", md_text(&summary)))?;
    }
    writeln!(out)?;
    writeln!(out, "| call site | calls | failures |")?;
    writeln!(out, "|---|---:|---|")?;
    for s in r.call_sites.iter().take(MD_MAX_TABLE_ROWS) {
        let what: Vec<String> = s
            .failures
            .iter()
            .map(|f| md_text(&site_failure_label(f)))
            .collect();
        writeln!(
            out,
            "| {} | {} | {} |",
            md_code_cell(&site_label(&s.site)),
            s.count,
            what.join("; ")
        )?;
    }
    let more = r.call_sites.len().saturating_sub(MD_MAX_TABLE_ROWS);
    if more > 0 {
        writeln!(out)?;
        writeln!(out, "{more} more call sites are not listed here.")?;
    }
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

    #[test]
    fn code_spans_are_not_broken() {
        let s = format!("- exec {} and {}", md_code("a b"), md_code("x `y` z"));
        let u = unbroken_code(&s);
        assert_eq!(u.matches(" ").count(), 4, "{u:?}");
        assert_eq!(u.replace(super::super::wrap::NBSP, " "), s);
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
