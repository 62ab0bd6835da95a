//! Drawing: a pure function of the state. Only the rows on screen are built.

use super::layout;
use super::procs::ProcState;
use super::state::{Overlay, Run, Screen, Session, State};
use super::store::Row;
use super::target::keep_tail;
use super::text::{clean, secs};
use super::wrap::wrap_lines;
use crate::model::{AddrName, FailureKind, SockId, SyscallEvent};
use crate::render::escape::{escape_bytes, quote_unix_name};
use crate::render::stack::{StackLineKind, stack_lines};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row as TRow, Table, Wrap};

/// Colour of a failure, by errno: the same errno is always the same colour.
pub(crate) fn errno_color(name: &str) -> Color {
    match name {
        "ENOENT" => Color::LightRed,
        "ECONNREFUSED" => Color::Red,
        "EACCES" | "EPERM" => Color::Magenta,
        "EAGAIN" | "EWOULDBLOCK" | "EINTR" | "EINPROGRESS" => Color::Yellow,
        "EADDRINUSE" => Color::LightMagenta,
        "EPIPE" | "ECONNRESET" | "ENOTCONN" => Color::LightYellow,
        _ => {
            const OTHERS: [Color; 3] = [Color::Red, Color::LightRed, Color::LightMagenta];
            let h = name
                .bytes()
                .fold(0usize, |h, b| h.wrapping_mul(31) + b as usize);
            OTHERS[h % OTHERS.len()]
        }
    }
}

/// Colour of an expected (harmless) failure: apart from every errno colour, and quiet.
pub(crate) const EXPECTED_COLOR: Color = Color::DarkGray;

/// Draw everything.
pub(crate) fn draw(state: &State, f: &mut Frame) {
    let a = layout::areas(&state.geometry(), f.area());
    match state.screen {
        Screen::Events => {
            draw_list(state, f, a.list);
            if let Some(d) = a.detail {
                draw_detail(state, f, d);
            }
        }
        Screen::Procs => {
            draw_procs(state, f, a.list);
            if let Some(d) = a.detail {
                draw_proc_detail(state, f, d);
            }
        }
    }
    if let Some(p) = a.pty {
        draw_pty(state, f, p);
    }
    draw_status(state, f, a.status);
    draw_hints(state, f, a.hints);
    match &state.overlay {
        Overlay::Help => draw_help(state, f),
        Overlay::Quit => draw_quit(state, f),
        _ => {}
    }
}

fn filter_title(state: &State) -> String {
    let s = &state.store;
    let mut t = format!(" Events {}/{} ", state.view.len(), s.rows.len());
    let fl = &state.filters;
    let mut parts = Vec::new();
    if fl.failures {
        parts.push("failures".to_owned());
    }
    if fl.hide_expected {
        parts.push("-expected".to_owned());
    }
    if let Some(c) = fl.call {
        parts.push(format!("call={}", s.calls.name(c)));
    }
    if let Some(p) = fl.pid {
        parts.push(format!("pid={p}"));
    }
    if let Some(e) = fl.errno {
        parts.push(format!("errno={}", s.errnos.name(e)));
    }
    if !parts.is_empty() {
        t.push_str(&format!("[{}] ", parts.join(" ")));
    }
    t
}

/// What was traced, from the header: ` ./client --flag ` or ` pid 42 `, cut to `max`.
fn traced_title(state: &State, max: usize) -> Option<String> {
    let h = state.store.header.as_ref()?;
    let what = if !h.command.is_empty() {
        h.command
            .iter()
            .map(|a| clean(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    } else if !h.attached.is_empty() {
        let pids: Vec<String> = h.attached.iter().map(|p| p.to_string()).collect();
        format!("pid {}", pids.join(","))
    } else {
        return None;
    };
    if max < 8 {
        return None;
    }
    let what = if what.chars().count() > max - 2 {
        let cut: String = what.chars().take(max - 5).collect();
        format!("{cut}...")
    } else {
        what
    };
    Some(format!(" {what} "))
}

/// The list's columns at a width: narrow terminals get tighter columns and a bare result.
struct Columns {
    widths: [Constraint; 7],
    /// Width of the TARGET column.
    target: usize,
    /// `= ` before the result.
    equals: bool,
}

fn columns(width: u16) -> Columns {
    let (time, pid, call, target, result, equals) = match width {
        160.. => (10, 7, 11, 36, 26, true),
        100.. => (10, 7, 11, 24, 24, true),
        // `-1 ECONNREFUSED` fits; TIME keeps milliseconds.
        _ => (8, 6, 9, 16, 15, false),
    };
    Columns {
        widths: [
            Constraint::Length(1),
            Constraint::Length(time),
            Constraint::Length(pid),
            Constraint::Length(call),
            Constraint::Length(target),
            Constraint::Fill(1),
            Constraint::Length(result),
        ],
        target: target as usize,
        equals,
    }
}

/// `!` a failure, `·` an expected one, blank a success: the list reads without colour.
fn marker(r: &Row) -> &'static str {
    match (r.errno != 0, r.expected()) {
        (false, _) => " ",
        (true, false) => "!",
        (true, true) => "·",
    }
}

fn row_cells<'a>(state: &'a State, r: &Row, cols: &Columns) -> [Cell<'a>; 7] {
    let s = &state.store;
    let args = s.args(r);
    let args = match state.hscroll as usize {
        0 => std::borrow::Cow::Borrowed(args),
        n => {
            let rest: String = args.chars().skip(n).collect();
            format!("…{rest}").into()
        }
    };
    let result = s.result(r);
    [
        Cell::from(marker(r)),
        Cell::from(secs(r.ts_ns)),
        Cell::from(r.pid.to_string()),
        Cell::from(s.calls.name(r.call)),
        Cell::from(keep_tail(s.target(r), cols.target).into_owned()),
        Cell::from(args),
        Cell::from(if cols.equals {
            format!("= {result}")
        } else {
            result
        }),
    ]
}

fn draw_list(state: &State, f: &mut Frame, area: Rect) {
    let mode = if state.follow { " follow " } else { " browse " };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(filter_title(state))
        .title_bottom(match state.hscroll {
            0 => mode.to_owned(),
            n => format!("{mode}| args from column {} (h/l) ", n + 1),
        });
    if let Some(t) = traced_title(state, area.width as usize / 3) {
        block = block.title_bottom(Line::from(t).right_aligned());
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    let cols = columns(inner.width);
    let h = inner.height.saturating_sub(1) as usize;
    let end = (state.top + h).min(state.view.len());
    let rows = (state.top..end).filter_map(|pos| {
        let r = state.row_at(pos)?;
        let mut style = Style::default();
        if r.expected() {
            style = style.fg(EXPECTED_COLOR);
        } else if r.errno != 0 {
            style = style.fg(errno_color(state.store.errnos.name(r.errno)));
        }
        if Some(pos) == state.sel {
            style = style.add_modifier(Modifier::REVERSED);
        }
        Some(TRow::new(row_cells(state, r, &cols)).style(style))
    });
    let header = TRow::new(["", "TIME", "PID", "CALL", "TARGET", "ARGS", "RESULT"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let table = Table::new(rows, cols.widths)
        .header(header)
        .column_spacing(1);
    f.render_widget(table, inner);
    if state.view.is_empty() {
        let msg = if state.store.rows.is_empty() {
            "no events yet"
        } else {
            "no event matches the filters (x clears them)"
        };
        let y = inner.y + 1;
        if y < inner.y + inner.height {
            f.render_widget(
                Paragraph::new(msg).style(Style::default().fg(Color::DarkGray)),
                Rect::new(inner.x, y, inner.width, 1),
            );
        }
    }
}

fn fd_line(id: &SockId) -> String {
    let mut s = format!("fd {}: {}", id.fd, clean(&id.proto.name()));
    if id.inode != 0 {
        s.push_str(&format!(" inode {}", id.inode));
    }
    if !id.path.is_unnamed() {
        s.push_str(&format!(" bound {}", quote_unix_name(&id.path)));
    }
    if let Some(peer) = id.peer {
        s.push_str(&format!(" -> peer inode {peer}"));
    }
    if !id.peer_path.is_unnamed() {
        s.push_str(&format!(" at {}", quote_unix_name(&id.peer_path)));
    }
    if let Some(t) = &id.target {
        s.push_str(&format!(" ({})", escape_bytes(t.as_bytes())));
    }
    s
}

/// The full call, as strace prints it: `connect(3, {...}, 110) = -1 ENOENT`.
pub(crate) fn call_line(ev: &SyscallEvent) -> String {
    let args: Vec<_> = ev.args.iter().map(|a| clean(a).into_owned()).collect();
    let ret = match (&ev.errno, &ev.ret_text) {
        (Some(e), _) => format!("{} {}", ev.ret, clean(&e.name())),
        (None, Some(t)) => clean(t).into_owned(),
        (None, None) => ev.ret.to_string(),
    };
    format!("{}({}) = {ret}", clean(&ev.syscall.name()), args.join(", "))
}

fn detail_lines(ev: &SyscallEvent, unfold: bool) -> Vec<Line<'static>> {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let label = Style::default().fg(Color::Cyan);
    let mut out = Vec::new();
    let call_style = match &ev.errno {
        Some(e) => bold.fg(errno_color(&e.name())),
        None => bold,
    };
    out.push(Line::styled(call_line(ev), call_style));
    let mut when = format!(
        "pid {}  tid {}  at {}s  #{}",
        ev.pid,
        ev.tid,
        secs(ev.ts_ns),
        ev.seq
    );
    if ev.duration_ns > 0 {
        when.push_str(&format!("  took {}us", ev.duration_ns / 1000));
    }
    if ev.injected {
        when.push_str("  (injected failure)");
    }
    if let Some(r) = &ev.restart {
        when.push_str(&format!("  (interrupted: {})", clean(&r.name())));
    }
    out.push(Line::from(when));
    if let Some(e) = &ev.errno {
        let mut l = vec![
            Span::styled("Error ", label),
            Span::styled(
                clean(&e.name()).into_owned(),
                bold.fg(errno_color(&e.name())),
            ),
        ];
        if let Some(m) = &ev.man {
            l.push(Span::raw(format!("   see man {}", clean(m))));
        }
        out.push(Line::from(l));
        match &ev.explanation {
            Some(x) => out.push(Line::from(format!("  {}", clean(x)))),
            None => out.push(Line::styled(
                "  (no explanation for this errno and call)",
                Style::default().fg(Color::DarkGray),
            )),
        }
    } else if let Some(m) = &ev.man {
        out.push(Line::from(vec![
            Span::styled("Manual ", label),
            Span::raw(format!("man {}", clean(m))),
        ]));
    }
    if let Some(c) = &ev.class {
        let expected = c.kind.is(FailureKind::Expected);
        let mut text = format!("{}: {}", clean(&c.kind.name()), clean(&c.reason));
        if let Some(seq) = c.recovered_by {
            text.push_str(&format!(" (recovered by #{seq})"));
        }
        let style = if expected {
            Style::default().fg(EXPECTED_COLOR)
        } else {
            Style::default()
        };
        out.push(Line::from(vec![
            Span::styled("Class ", label),
            Span::styled(text, style),
        ]));
    }
    if let Some(c) = &ev.cause {
        let conf = clean(&c.confidence.name()).into_owned();
        let mut l = vec![
            Span::styled("Likely cause ", label),
            Span::raw(format!("({conf} confidence)")),
        ];
        if !c.rule.is_empty() {
            l.push(Span::styled(
                format!("  rule {}", clean(&c.rule)),
                Style::default().fg(Color::DarkGray),
            ));
        }
        out.push(Line::from(l));
        out.push(Line::styled(format!("  {}", clean(&c.summary)), bold));
        for e in &c.evidence {
            out.push(Line::from(format!("  - {}", clean(e))));
        }
        if let Some(fix) = &c.fix {
            out.push(Line::styled("Fix", label));
            out.push(Line::styled(
                format!("  {}", clean(fix)),
                Style::default().fg(Color::Green),
            ));
        }
    }
    push_stack(&mut out, ev, unfold);
    if !ev.fds.is_empty() {
        out.push(Line::styled("Socket", label));
        for id in &ev.fds {
            out.push(Line::from(format!("  {}", fd_line(id))));
        }
    }
    if let Some(addr) = &ev.addr {
        let kind = addr.kind();
        let mut s = format!("  {} {}", clean(&addr.family), clean(&kind.name()));
        match &addr.name {
            AddrName::Unix(n) if !n.is_unnamed() => s.push_str(&format!(" {}", quote_unix_name(n))),
            AddrName::Unknown { path: Some(p), .. } => s.push_str(&format!(
                " {}",
                crate::render::escape::quote_bytes(p.as_bytes())
            )),
            _ => {}
        }
        s.push_str(&format!(" addrlen {}", addr.addrlen));
        out.push(Line::styled("Address", label));
        out.push(Line::from(s));
        for p in &addr.problems {
            out.push(Line::styled(
                format!("  ! {}", clean(p)),
                Style::default().fg(Color::Yellow),
            ));
        }
    }
    out
}

fn draw_detail(state: &State, f: &mut Frame, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(" Detail ");
    let lines = match &state.detail {
        Some((_, Ok(ev))) => detail_lines(ev, state.unfold_stack),
        Some((_, Err(e))) => vec![Line::from(format!("cannot read this event back: {e}"))],
        None => vec![Line::from("nothing selected")],
    };
    let width = block.inner(area).width as usize;
    let p = Paragraph::new(wrap_lines(lines, width))
        .block(block)
        .scroll((state.detail_scroll, 0));
    f.render_widget(p, area);
}

/// The stack (-k), innermost first: the program's first own frame in bold, runtime frames
/// folded unless `unfold`.
fn push_stack(out: &mut Vec<Line<'static>>, ev: &SyscallEvent, unfold: bool) {
    if ev.stack.is_empty() && ev.stack_end.is_none() {
        return;
    }
    let lines = stack_lines(ev, unfold);
    let folded = lines
        .iter()
        .any(|l| l.kind == StackLineKind::Folded && l.text.contains(" frames in "));
    let how = match (unfold, folded) {
        (true, _) => ", every frame: u folds the runtime's",
        (false, true) => ", runtime frames folded: u unfolds",
        (false, false) => "",
    };
    out.push(Line::from(vec![
        Span::styled("Stack ", Style::default().fg(Color::Cyan)),
        Span::raw(format!(
            "({}{how})",
            match ev.stack.len() {
                1 => "1 frame".to_owned(),
                n => format!("{n} frames"),
            }
        )),
    ]));
    for l in lines {
        let style = match l.kind {
            StackLineKind::FirstOwn => Style::default().add_modifier(Modifier::BOLD),
            StackLineKind::Folded => Style::default().fg(Color::DarkGray),
            StackLineKind::End => Style::default().fg(Color::Yellow),
            StackLineKind::Frame => Style::default(),
        };
        out.push(Line::styled(format!("  {}", clean(&l.text)), style));
    }
}

fn draw_procs(state: &State, f: &mut Frame, area: Rect) {
    let procs = &state.store.procs;
    let block = Block::default().borders(Borders::ALL).title(format!(
        " Processes {} ({} running) ",
        procs.len(),
        procs.alive()
    ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let tree = procs.tree();
    let h = inner.height as usize;
    let top = state.proc_sel.saturating_sub(h.saturating_sub(1));
    let lines: Vec<Line> = tree
        .iter()
        .enumerate()
        .skip(top)
        .take(h)
        .filter_map(|(i, &(depth, pid))| {
            let p = procs.get(pid)?;
            let indent = if depth == 0 {
                String::new()
            } else {
                format!("{}`- ", "   ".repeat(depth - 1))
            };
            let state_style = match p.state {
                ProcState::Alive => Style::default().fg(Color::Green),
                ProcState::Exited(0) | ProcState::Detached => Style::default(),
                _ => Style::default().fg(Color::Red),
            };
            let mut l = Line::from(vec![
                Span::raw(format!("{:<14} ", format!("{indent}{pid}"))),
                Span::styled(
                    format!("{:<16} ", p.comm.as_deref().unwrap_or("?")),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Span::styled(p.state.describe(), state_style),
            ]);
            if i == state.proc_sel {
                l = l.style(Style::default().add_modifier(Modifier::REVERSED));
            }
            Some(l)
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_proc_detail(state: &State, f: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Process (Enter: show its events) ");
    let procs = &state.store.procs;
    let label = Style::default().fg(Color::Cyan);
    let mut lines = Vec::new();
    if let Some(p) = procs
        .tree()
        .get(state.proc_sel)
        .and_then(|&(_, pid)| procs.get(pid))
    {
        lines.push(Line::from(format!(
            "pid {}  parent {}  {}",
            p.pid,
            p.ppid.map_or("-".to_owned(), |x| x.to_string()),
            p.state.describe()
        )));
        if p.threads > 0 || p.signals > 0 {
            lines.push(Line::from(format!(
                "threads {}  signals received {}",
                p.threads, p.signals
            )));
        }
        if !p.other_events.is_empty() {
            lines.push(Line::from(format!(
                "events this sockwhy does not know: {}",
                p.other_events.join(", ")
            )));
        }
        let (calls, failed) = state.store.per_pid.get(&p.pid).copied().unwrap_or((0, 0));
        lines.push(Line::from(format!("calls {calls}  failed {failed}")));
        lines.push(Line::styled("Exec history", label));
        if p.execs.is_empty() {
            lines.push(Line::from("  (none seen)"));
        }
        for (i, e) in p.execs.iter().enumerate() {
            lines.push(Line::from(format!("  {}. {e}", i + 1)));
        }
    } else {
        lines.push(Line::from("no process events in this trace"));
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn draw_pty(state: &State, f: &mut Frame, area: Rect) {
    let Some(p) = &state.pty else { return };
    let title = if p.input {
        " Program (input: keys go to the program, Ctrl-] returns) "
    } else {
        " Program (i: type into it) "
    };
    let mut block = Block::default().borders(Borders::ALL).title(title);
    if p.input {
        block = block.border_style(Style::default().fg(Color::Yellow));
    }
    // The vt100 parser has interpreted every escape sequence; the widget copies cells.
    let w = tui_term::widget::PseudoTerminal::new(p.parser.screen()).block(block);
    f.render_widget(w, area);
}

fn draw_status(state: &State, f: &mut Frame, area: Rect) {
    let s = &state.store;
    let mut run = match (state.run, state.paused_at) {
        (Run::Tracing, Some(_)) => "tracing, paused".to_owned(),
        (Run::Tracing, None) => "tracing".to_owned(),
        (Run::Loading(p), _) => format!("loading {p}%"),
        (Run::Loaded, Some(_)) => "saved trace, paused".to_owned(),
        (Run::Loaded, None) => "saved trace".to_owned(),
        (Run::Finished(Some(c)), _) => format!("finished, exit {c}"),
        (Run::Finished(None), _) => "finished".to_owned(),
    };
    if !matches!(state.run, Run::Finished(Some(_)))
        && let Some(st) = s.procs.root_state()
        && *st != ProcState::Alive
    {
        run.push_str(&format!(" ({})", st.describe()));
    }
    let mut spans = vec![
        Span::styled(
            format!(" {run}"),
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Span::raw(format!(
            " | {} events | {} alive",
            s.rows.len(),
            s.procs.alive()
        )),
    ];
    if state.saving {
        spans.push(Span::raw(" | saving"));
    }
    if s.failures > 0 {
        let mut by: Vec<(u16, u64)> = s
            .failures_by_errno
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| (i as u16, *n))
            .collect();
        by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let expected = match (s.expected, state.filters.hide_expected) {
            (0, _) => String::new(),
            (n, false) => format!(" ({n} expected, E hides)"),
            (n, true) => format!(" ({n} expected hidden, E shows)"),
        };
        spans.push(Span::raw(format!(" | {} failed{expected}:", s.failures)));
        for (id, n) in by.iter().take(4) {
            let name = s.errnos.name(*id);
            spans.push(Span::styled(
                format!(" {name} {n}"),
                Style::default().fg(errno_color(name)).bg(Color::Black),
            ));
        }
        if by.len() > 4 {
            spans.push(Span::raw(" ..."));
        }
    }
    f.render_widget(
        Paragraph::new(Line::from(spans))
            .style(Style::default().bg(Color::DarkGray).fg(Color::White)),
        area,
    );
}

fn draw_hints(state: &State, f: &mut Frame, area: Rect) {
    let line = match &state.overlay {
        Overlay::Search(q) => Line::from(format!("/{}_", clean(q))),
        Overlay::Save(p) => Line::from(format!(
            "save to: {}_   (Enter saves, Ctrl-U clears, Esc cancels)",
            clean(p)
        )),
        _ => match &state.message {
            Some(m) => Line::from(format!(" {m}")),
            None => hint_line(state, area.width as usize),
        },
    };
    f.render_widget(
        Paragraph::new(line).style(Style::default().fg(Color::Gray)),
        area,
    );
}

/// As many key hints as fit, `? help` always last.
fn hint_line(state: &State, width: usize) -> Line<'static> {
    // With a stack in the detail pane, its key comes first.
    let stack = state.show_detail && state.selected().is_some_and(Row::has_stack);
    let hints: &[&str] = match state.screen {
        Screen::Procs => &["Enter its events", "Esc back", "q quit"],
        Screen::Events if stack => &[
            "u fold/unfold stack",
            "J/K scroll",
            "Esc close",
            "f failures",
            "E expected",
            "q quit",
        ],
        Screen::Events => &[
            "Enter detail",
            "f failures",
            "E expected",
            "/ search",
            "c call",
            "p pid",
            "e errno",
            "x clear",
            "h/l scroll",
            "t procs",
            "s save",
            "q quit",
        ],
    };
    let last = "? help";
    let mut out = String::from(" ");
    for h in hints {
        if out.len() + h.len() + 2 + last.len() > width {
            break;
        }
        out.push_str(h);
        out.push_str("  ");
    }
    out.push_str(last);
    Line::from(out)
}

/// A box of `w` x `h` in the middle of `area`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Every key, for `?` (and the README).
pub(crate) const KEYS: &[(&str, &str)] = &[
    ("Up/Down j/k", "move; PgUp/PgDn a page; Home/g top"),
    ("End/G", "newest event, follow mode"),
    ("F", "follow mode on/off (browse)"),
    ("Enter", "detail of the selected call"),
    ("J/K", "scroll the detail"),
    ("u", "stack: unfold runtime frames / fold"),
    ("Left/Right h/l", "scroll the arguments sideways"),
    ("Esc", "close the detail, dialog or view"),
    ("f", "failures only on/off"),
    ("E", "expected failures hidden/shown"),
    ("c / p / e", "only this syscall / pid / errno on/off"),
    ("x", "clear every filter"),
    ("/", "search; n next, N previous"),
    ("t", "process tree; Enter filters by it"),
    ("space", "pause the list (events kept)"),
    ("o", "program terminal shown/hidden"),
    ("i", "type into the program; Ctrl-] back"),
    ("s", "save the trace (JSON Lines)"),
    ("?", "this help"),
    ("q", "quit (live: detach or kill)"),
    ("mouse", "wheel scrolls, click selects"),
];

fn draw_help(_state: &State, f: &mut Frame) {
    let h = KEYS.len() as u16 + 2;
    let area = centered(f.area(), 62, h);
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(
                    format!(" {k:<14} "),
                    Style::default()
                        .fg(Color::Cyan)
                        .add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Keys (any key closes) "),
        ),
        area,
    );
}

fn draw_quit(state: &State, f: &mut Frame) {
    let lines: Vec<Line> = match state.session {
        _ if state.run != Run::Tracing => {
            vec![
                Line::from(" The program has ended."),
                Line::from(" [q] quit   [Esc] stay"),
            ]
        }
        Session::Live { attached: true } => vec![
            Line::from(" The attached program is still running."),
            Line::from(""),
            Line::from(" [d] detach: leave it running untraced"),
            Line::from(" [k] kill it and quit"),
            Line::from(" [Esc] stay"),
        ],
        _ => vec![
            Line::from(" The program was started by sockwhy under a seccomp"),
            Line::from(" filter: it cannot be detached safely (its filtered"),
            Line::from(" calls would fail with ENOSYS). Quitting ends it."),
            Line::from(""),
            Line::from(" [k] end it and quit   [Esc] stay"),
        ],
    };
    let area = centered(f.area(), 56, lines.len() as u16 + 2);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Quit ")
                .border_style(Style::default().fg(Color::Yellow)),
        ),
        area,
    );
}
