//! The HTML report: one self-contained file (inline CSS and SVG, no script, nothing
//! fetched), readable in a browser and on paper.
//!
//! Every value from the trace is made terminal-safe by `format::safe` and then
//! HTML-escaped by [`esc`] (`&`, `<`, `>`, `"`, `'`), in text and in attributes alike. A
//! Content-Security-Policy that allows no script and no fetch is a second wall, not the
//! first: the escaping alone must hold (the Chromium test checks it).

use super::chart::{SERIES_CSS, write_errno_chart, write_timeline_svg};
use super::format::{
    at, call_line, class_label, command_label, confidence, ended_label, example_lines, exec_label,
    proc_label, process_summary, safe, secs, site_label, stack_text,
};
use super::{Report, WORST_FIRST_RULE};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Escape text for HTML content or a quoted attribute value.
pub fn esc(s: &str) -> String {
    let s = safe(s);
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { --fg:#1d1f21; --muted:#5f6368; --bg:#fff; --line:#d9dce0; --bad:#b3261e; --badbg:#fce8e6;
        --warn:#8a5a00; --warnbg:#fff4d6; --code:#f5f6f7; --accent:#1a5fb4; --quiet:#9aa0a6;
        --quietbg:#f8f9fa; --good:#137333; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 72rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 0 0 .5rem; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .88em; }
code { background: var(--code); padding: .05em .3em; border-radius: 3px; }
pre { background: var(--code); padding: .7rem .9rem; border-radius: 4px; overflow-x: auto;
      white-space: pre-wrap; overflow-wrap: anywhere; margin: .5rem 0 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: .85em; text-transform: uppercase; letter-spacing: .03em; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
dl.run { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 1rem 0; }
dl.run dt { color: var(--muted); }
dl.run dd { margin: 0; }
.rule { color: var(--muted); font-size: .9em; }
.warning { background: var(--warnbg); color: var(--warn); border-left: 4px solid var(--warn);
           padding: .5rem .8rem; margin: .5rem 0; }
article.failure { border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 4px;
                  padding: .8rem 1rem; margin: 1rem 0; }
article.failure.fatal { border-left-color: var(--bad); }
article.failure.expected { border-style: dashed; border-left-style: solid; border-left-color: var(--quiet);
                           color: var(--muted); background: var(--quietbg); }
article.failure.expected .errno { color: var(--muted); }
.badge.expected { background: var(--quietbg); color: var(--muted); border: 1px solid var(--quiet); }
tr.expected td { color: var(--muted); }
.fix { color: var(--good); font-weight: 600; }
code.rule { color: var(--muted); }
ul.sites { margin: .2rem 0 0; padding-left: 1.2rem; }
pre.stack { margin-top: .3rem; }
.badge { display: inline-block; font-size: .75em; font-weight: 600; padding: .1em .5em; border-radius: 1em;
         background: var(--badbg); color: var(--bad); vertical-align: middle; margin-left: .4rem; }
.errno { color: var(--bad); font-weight: 600; }
article dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; }
article dt { color: var(--muted); }
article dd { margin: 0; }
ul.evidence { margin: .2rem 0 0; padding-left: 1.2rem; }
ul.tree { list-style: none; padding: 0; }
ul.tree li { margin: .2rem 0; }
ul.tree .execs { color: var(--muted); font-size: .9em; }
.charts { display: grid; grid-template-columns: minmax(0, 2.6fr) minmax(0, 1fr); gap: 1.5rem;
          align-items: start; }
.charts figure { margin: 0; }
.charts figcaption { color: var(--muted); font-size: .85em; }
@media (max-width: 60rem) { .charts { grid-template-columns: 1fr; } }
svg.timeline, svg.errno-chart { width: 100%; height: auto; max-width: 100%; }
svg text { font: 12px ui-monospace, Menlo, Consolas, monospace; fill: var(--fg); }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .tick { fill: var(--muted); }
svg .life { stroke: #9aa0a6; stroke-width: 2; }
svg .fail { fill: #e8710a; }
svg .expected { fill: #dadce0; stroke: var(--quiet); stroke-width: 1; stroke-dasharray: 2 1; }
svg .fatal { fill: var(--bad); }
svg .exit { stroke: var(--fg); stroke-width: 2; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85em; }
@media print {
  body { font-size: 10pt; max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  article.failure, table, svg.timeline, svg.errno-chart, pre { break-inside: avoid; }
  pre, code { background: none; border: 1px solid var(--line); }
  .badge { border: 1px solid var(--bad); }
  a { color: inherit; text-decoration: none; }
  nav { display: none; }
}
"#;

/// Write `r` as one HTML document.
pub fn write_html(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut h = String::with_capacity(64 * 1024);
    let run = &r.run;
    let cmd = command_label(&run.command, &run.attached);
    // Writing to a String cannot fail.
    let _ = write_doc(&mut h, r, &cmd, run);
    out.write_all(h.as_bytes())
}

fn write_doc(h: &mut String, r: &Report, cmd: &str, run: &super::Run) -> std::fmt::Result {
    writeln!(h, "<!DOCTYPE html>")?;
    writeln!(h, "<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
    writeln!(
        h,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    )?;
    writeln!(
        h,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(h, "<title>sockwhy report: {}</title>", esc(cmd))?;
    writeln!(h, "<style>{CSS}{SERIES_CSS}</style></head><body>")?;

    writeln!(h, "<header><h1>sockwhy report</h1>")?;
    writeln!(h, "<p><code class=\"command\">{}</code></p>", esc(cmd))?;
    writeln!(h, "<dl class=\"run\">")?;
    let result = super::result_label(r);
    let ended = super::end_label(r);
    let calls = super::format::calls_summary(r);
    for (k, v) in [
        ("Result", result.as_str()),
        ("Calls", calls.as_str()),
        ("Started", run.start.as_str()),
        ("Duration", secs(run.duration_ns).as_str()),
        ("Kernel", run.kernel.as_str()),
        (
            "Recorded",
            format!(
                "sockwhy {}, trace format {}",
                safe(&run.sockwhy),
                run.format_version
            )
            .as_str(),
        ),
    ] {
        writeln!(h, "<dt>{k}</dt><dd>{}</dd>", esc(v))?;
    }
    if let Some(e) = &ended {
        writeln!(h, "<dt>Ended</dt><dd>{}</dd>", esc(e))?;
    }
    writeln!(h, "</dl></header>")?;
    for w in &r.warnings {
        writeln!(
            h,
            "<p class=\"warning\"><strong>Warning:</strong> {}</p>",
            esc(w)
        )?;
    }
    let sites = if r.call_sites.is_empty() {
        ""
    } else {
        " · <a href=\"#sites\">Call sites</a>"
    };
    writeln!(
        h,
        "<nav><a href=\"#failures\">Failures</a>{sites} · <a href=\"#timeline\">Timeline</a> · \
         <a href=\"#processes\">Processes</a> · <a href=\"#syscalls\">Calls per syscall</a> · \
         <a href=\"#errnos\">Failures per errno</a></nav>"
    )?;

    write_failures(h, r)?;
    write_sites(h, r)?;

    writeln!(h, "<section id=\"timeline\"><h2>Failure timeline</h2>")?;
    if r.timeline.rows.is_empty() {
        writeln!(h, "<p>No failures.</p>")?;
    } else {
        writeln!(h, "<div class=\"charts\"><figure class=\"per-process\">")?;
        write_timeline_svg(h, &r.timeline, r.run.duration_ns)?;
        writeln!(
            h,
            "<figcaption>Per process: each bar is {} of the run.</figcaption></figure>",
            esc(&super::format::span(r.timeline.bucket_ns))
        )?;
        writeln!(h, "<figure class=\"per-errno\">")?;
        write_errno_chart(h, &r.timeline)?;
        writeln!(
            h,
            "<figcaption>Per errno, stacked.</figcaption></figure></div>"
        )?;
        if r.timeline.rows_omitted > 0 {
            writeln!(
                h,
                "<p class=\"rule\">{} more processes with failures are not drawn.</p>",
                r.timeline.rows_omitted
            )?;
        }
    }
    writeln!(h, "</section>")?;

    writeln!(
        h,
        "<section id=\"processes\"><h2>Processes</h2><ul class=\"tree\">"
    )?;
    for p in &r.processes {
        let name = p
            .name()
            .map(|n| format!(" <code>{}</code>", esc(n)))
            .unwrap_or_default();
        writeln!(
            h,
            "<li style=\"margin-left:{}em\"><strong>{}</strong>{name}: {}",
            p.depth.min(32) as f32 * 1.5,
            p.pid,
            esc(&process_summary(p))
        )?;
        for e in &p.execs {
            writeln!(
                h,
                "<div class=\"execs\">exec <code>{}</code></div>",
                esc(&exec_label(e))
            )?;
        }
        writeln!(h, "</li>")?;
    }
    writeln!(h, "</ul>")?;
    if r.processes_omitted > 0 {
        writeln!(
            h,
            "<p class=\"rule\">{} more processes not kept.</p>",
            r.processes_omitted
        )?;
    }
    writeln!(h, "</section>")?;

    writeln!(
        h,
        "<section id=\"syscalls\"><h2>Calls per syscall</h2><table>"
    )?;
    writeln!(
        h,
        "<tr><th>syscall</th><th class=\"n\">calls</th><th class=\"n\">errors</th><th class=\"n\">seconds</th><th class=\"n\">usecs/call</th><th class=\"n\">% time</th></tr>"
    )?;
    let total_ns = r.syscalls_total.time_ns;
    for row in r.syscalls.iter().chain(std::iter::once(&r.syscalls_total)) {
        let pct = row.percent_of(total_ns);
        writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{pct:.2}</td></tr>",
            esc(&row.syscall),
            row.calls,
            row.errors,
            secs(row.time_ns).trim_end_matches('s'),
            row.usecs_per_call()
        )?;
    }
    writeln!(h, "</table></section>")?;

    writeln!(h, "<section id=\"errnos\"><h2>Failures per errno</h2>")?;
    if r.errnos.is_empty() {
        writeln!(h, "<p>None.</p>")?;
    } else {
        writeln!(
            h,
            "<table><tr><th>errno</th><th class=\"n\">calls</th><th class=\"n\">expected</th><th class=\"n\">call sites</th><th>syscalls</th></tr>"
        )?;
        for e in &r.errnos {
            let calls: Vec<String> = e
                .syscalls
                .iter()
                .map(|s| format!("<code>{}</code>", esc(s)))
                .collect();
            writeln!(
                h,
                "<tr><td class=\"errno\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                esc(&e.errno),
                e.count,
                e.expected,
                e.call_sites,
                calls.join(", ")
            )?;
        }
        writeln!(h, "</table>")?;
    }
    writeln!(h, "</section>")?;
    writeln!(
        h,
        "<footer>Made by <code>sockwhy report --format html</code> from a saved trace; \
         this page loads nothing and runs no script.</footer>"
    )?;
    writeln!(h, "</body></html>")
}

fn write_failures(h: &mut String, r: &Report) -> std::fmt::Result {
    writeln!(h, "<section id=\"failures\"><h2>Failures, worst first</h2>")?;
    writeln!(h, "<p class=\"rule\">{}</p>", esc(WORST_FIRST_RULE))?;
    if r.failures.is_empty() {
        writeln!(h, "<p>No call failed.</p>")?;
        return writeln!(h, "</section>");
    }
    writeln!(
        h,
        "<table class=\"groups\"><tr><th class=\"n\">#</th><th>call</th><th>errno</th><th>on</th><th class=\"n\">calls</th><th class=\"n\">first</th><th class=\"n\">last</th><th>ended</th></tr>"
    )?;
    for (n, g) in r.failures.iter().enumerate() {
        let ended = if g.is_expected() {
            "expected".to_owned()
        } else {
            super::format::ended_cell(g)
        };
        writeln!(
            h,
            "<tr{8}><td class=\"n\"><a href=\"#f{0}\">{0}</a></td><td><code>{1}</code></td><td class=\"errno\">{2}</td><td><code>{3}</code></td><td class=\"n\">{4}</td><td class=\"n\">{5}</td><td class=\"n\">{6}</td><td>{7}</td></tr>",
            n + 1,
            esc(&g.syscall),
            esc(&g.errno),
            esc(&g.target),
            g.count,
            at(g.first_ns),
            at(g.last_ns),
            ended,
            if g.is_expected() {
                " class=\"expected\""
            } else {
                ""
            }
        )?;
    }
    writeln!(h, "</table>")?;
    for (n, g) in r.failures.iter().enumerate() {
        let fatal = g.ended_count > 0;
        let expected = g.is_expected();
        writeln!(
            h,
            "<article class=\"failure{}{}\" id=\"f{}\">",
            if fatal { " fatal" } else { "" },
            if expected { " expected" } else { "" },
            n + 1
        )?;
        let badge = if expected {
            "<span class=\"badge expected\">expected</span>"
        } else if g.ended_main() {
            "<span class=\"badge\">ended the program</span>"
        } else if fatal {
            "<span class=\"badge\">ended a process</span>"
        } else {
            ""
        };
        let target = if g.target.is_empty() {
            String::new()
        } else {
            format!(" on <code>{}</code>", esc(&g.target))
        };
        writeln!(
            h,
            "<h3>{}. <code>{}</code> <span class=\"errno\">{}</span>{target} &times; {}{badge}</h3>",
            n + 1,
            esc(&g.syscall),
            esc(&g.errno),
            g.count
        )?;
        writeln!(h, "<dl>")?;
        writeln!(
            h,
            "<dt>When</dt><dd>first {}, last {}</dd>",
            at(g.first_ns),
            at(g.last_ns)
        )?;
        let procs: Vec<String> = g.processes.iter().map(|p| esc(&proc_label(p))).collect();
        writeln!(
            h,
            "<dt>Processes</dt><dd>{}{}</dd>",
            procs.join(", "),
            if g.more_processes { " and more" } else { "" }
        )?;
        for e in &g.ended {
            writeln!(h, "<dt>Ended</dt><dd>{}</dd>", esc(&ended_label(e)))?;
        }
        if let Some(c) = class_label(g) {
            writeln!(h, "<dt>Class</dt><dd class=\"class\">{}</dd>", esc(&c))?;
        }
        if let Some(x) = &g.explanation {
            writeln!(
                h,
                "<dt>Meaning</dt><dd class=\"explanation\">{}</dd>",
                esc(x)
            )?;
        }
        if let Some(m) = &g.man {
            writeln!(h, "<dt>See</dt><dd><code>{}</code></dd>", esc(m))?;
        }
        if let Some(c) = &g.cause {
            writeln!(
                h,
                "<dt>Likely cause</dt><dd class=\"cause\">{} <em>({} confidence)</em>",
                esc(&c.summary),
                confidence(c)
            )?;
            if !c.evidence.is_empty() {
                writeln!(h, "<ul class=\"evidence\">")?;
                for e in &c.evidence {
                    writeln!(h, "<li>{}</li>", esc(e))?;
                }
                writeln!(h, "</ul>")?;
            }
            writeln!(h, "</dd>")?;
            if let Some(fix) = &c.fix {
                writeln!(h, "<dt>Fix</dt><dd class=\"fix\">{}</dd>", esc(fix))?;
            }
            if !c.rule.is_empty() {
                writeln!(
                    h,
                    "<dt>Rule</dt><dd><code class=\"rule\">{}</code></dd>",
                    esc(&c.rule)
                )?;
            }
        }
        if !g.call_sites.is_empty() {
            writeln!(h, "<dt>Call sites</dt><dd><ul class=\"sites\">")?;
            for s in &g.call_sites {
                writeln!(
                    h,
                    "<li><code>{}</code>: {}</li>",
                    esc(&site_label(&s.site)),
                    esc(&super::format::plural(s.count, "call", "calls"))
                )?;
            }
            if g.call_sites_more > 0 {
                writeln!(
                    h,
                    "<li>and {} more calls from other places</li>",
                    g.call_sites_more
                )?;
            }
            writeln!(h, "</ul></dd>")?;
        }
        writeln!(h, "</dl>")?;
        let lines: Vec<String> = example_lines(&g.example).iter().map(|l| esc(l)).collect();
        writeln!(
            h,
            "<pre class=\"example\" title=\"{}\">{}</pre>",
            esc(&call_line(&g.example)),
            lines.join("\n")
        )?;
        let stack = stack_text(&g.example);
        if !stack.is_empty() {
            let lines: Vec<String> = stack.iter().map(|l| esc(l)).collect();
            writeln!(
                h,
                "<pre class=\"stack\">stack (runtime frames folded):\n{}</pre>",
                lines.join("\n")
            )?;
        }
        writeln!(h, "</article>")?;
    }
    if r.failures_ungrouped > 0 {
        writeln!(
            h,
            "<p class=\"rule\">{} more failing calls in groups past the first {} are not shown.</p>",
            r.failures_ungrouped,
            super::MAX_GROUPS
        )?;
    }
    writeln!(h, "</section>")
}

/// Failures by call site (with `-k`): the first frame of the program's own code.
fn write_sites(h: &mut String, r: &Report) -> std::fmt::Result {
    if r.call_sites.is_empty() {
        return Ok(());
    }
    writeln!(h, "<section id=\"sites\"><h2>Failures by call site</h2>")?;
    writeln!(
        h,
        "<p class=\"rule\">Where in the program the failing calls were made: the first frame of its own code in \
         each call's stack (<code>-k</code>), by function, file and line.</p>"
    )?;
    let summary = super::format::sites_summary(r);
    if !summary.is_empty() {
        writeln!(h, "<p class=\"sites-summary\">{}</p>", esc(&summary))?;
    }
    writeln!(
        h,
        "<table class=\"sites\"><tr><th>call site</th><th class=\"n\">calls</th><th>failures</th></tr>"
    )?;
    for s in &r.call_sites {
        let what: Vec<String> = s
            .failures
            .iter()
            .map(|f| esc(&super::format::site_failure_label(f)))
            .collect();
        writeln!(
            h,
            "<tr{}><td><code>{}</code></td><td class=\"n\">{}</td><td>{}</td></tr>",
            if s.all_expected() {
                " class=\"expected\""
            } else {
                ""
            },
            esc(&site_label(&s.site)),
            s.count,
            what.join("; ")
        )?;
    }
    writeln!(h, "</table>")?;
    if r.call_sites_omitted > 0 {
        writeln!(
            h,
            "<p class=\"rule\">{} more failing calls from call sites past the first {} are not listed.</p>",
            r.call_sites_omitted,
            super::MAX_CALL_SITES
        )?;
    }
    writeln!(h, "</section>")
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("</td><script>document.title='x'</script>\"&"),
            "&lt;/td&gt;&lt;script&gt;document.title=&#39;x&#39;&lt;/script&gt;&quot;&amp;"
        );
    }
}
