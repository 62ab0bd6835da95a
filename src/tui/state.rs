//! The TUI as a reducer: every key, click and tick becomes an [`Action`] that
//! [`State::update`] applies; `ui::draw` only reads the state.

use super::layout::{self, Areas, Geometry};
use super::store::{Row, Store};
use super::text::clean;
use crate::model::{Record, SyscallEvent};
use ratatui::layout::Rect;
use std::path::PathBuf;

/// What the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Move the selection by this many rows (negative: up).
    Move(i64),
    /// One screen up or down.
    Page(i64),
    /// First row.
    Top,
    /// Last row; turns follow mode on.
    Bottom,
    /// Select this visible row (an index into the filtered list), from a click.
    Click(usize),
    /// Mouse wheel: move by this many rows.
    Wheel(i64),
    /// Enter: open or close the detail pane; in the process view, filter by that process.
    Enter,
    /// Esc: close whatever is open.
    Back,
    /// Scroll the detail pane.
    DetailScroll(i64),
    /// Failures only, on or off.
    ToggleFailures,
    /// Expected (harmless) failures hidden, on or off.
    ToggleExpected,
    /// Scroll the list's arguments sideways by this many columns (negative: back).
    HScroll(i32),
    /// The detail pane's stack: every frame, or runtime frames folded.
    ToggleUnfold,
    /// Only the selected row's syscall (again: off).
    FilterCall,
    /// Only the selected row's pid (again: off).
    FilterPid,
    /// Only the selected row's errno (again: off).
    FilterErrno,
    /// Every filter off.
    ClearFilters,
    /// Open the search prompt.
    StartSearch,
    /// Next match of the last search.
    SearchNext,
    /// Previous match.
    SearchPrev,
    /// A key typed into the open prompt.
    Edit(Edit),
    /// The process tree, on or off.
    ToggleProcs,
    /// Follow the newest event, on or off.
    ToggleFollow,
    /// Freeze the list (events are still kept), on or off.
    TogglePause,
    /// The program's terminal pane, shown or hidden.
    TogglePty,
    /// Send keys to the program until Ctrl-].
    EnterInput,
    /// Back from input mode.
    LeaveInput,
    /// Bytes for the program's terminal.
    PtyBytes(Vec<u8>),
    /// Open the save prompt.
    Save,
    /// Show every key.
    Help,
    /// Quit (asks first when a live program is still traced).
    Quit,
    /// An answer in the quit dialog.
    QuitChoose(QuitChoice),
    /// The terminal has a new size (columns, rows).
    Resize(u16, u16),
}

/// A key in a one-line prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Edit {
    /// Type a character.
    Char(char),
    /// Delete the last character.
    Backspace,
    /// Delete everything typed.
    Clear,
    /// Accept.
    Submit,
    /// Abandon.
    Cancel,
}

/// How the session ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QuitChoice {
    /// Nothing left to decide (view, or the program has ended).
    Quit,
    /// Leave the attached program running.
    Detach,
    /// End the traced program.
    Kill,
}

/// Which screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Screen {
    /// The event list (and detail).
    Events,
    /// The process tree.
    Procs,
}

/// What is drawn over the screen, or typed into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Overlay {
    /// Nothing.
    None,
    /// The key list.
    Help,
    /// Detach or kill?
    Quit,
    /// Typing a search.
    Search(String),
    /// Typing the save path.
    Save(String),
}

/// Where the events come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Session {
    /// A saved trace.
    View,
    /// A live trace; `attached` when started with -p.
    Live { attached: bool },
}

/// Whether events are still coming.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Run {
    /// A saved trace, still being read: percent done.
    Loading(u8),
    /// A saved trace, all loaded.
    Loaded,
    /// The tracer is running.
    Tracing,
    /// The trace is over; the program's exit code (None: detached or unknown).
    Finished(Option<i32>),
}

/// The one-key filters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Filters {
    /// Failed calls only.
    pub failures: bool,
    /// Hide failures the trace classed as expected.
    pub hide_expected: bool,
    /// This syscall only.
    pub call: Option<u16>,
    /// This process only.
    pub pid: Option<i32>,
    /// This errno only.
    pub errno: Option<u16>,
}

impl Filters {
    fn matches(&self, r: &Row) -> bool {
        (!self.failures || r.errno != 0)
            && !(self.hide_expected && r.expected())
            && self.call.is_none_or(|c| c == r.call)
            && self.pid.is_none_or(|p| p == r.pid)
            && self.errno.is_none_or(|e| e == r.errno)
    }
}

/// The program's terminal, as the vt100 parser sees it.
pub(crate) struct PtyPane {
    /// Parses what the program writes; the widget draws its screen.
    pub parser: tui_term::vt100::Parser,
    /// Shown or hidden.
    pub visible: bool,
    /// Keys go to the program.
    pub input: bool,
}

/// Everything the screen shows.
pub(crate) struct State {
    /// The events.
    pub store: Store,
    /// Rows that pass the filters (indices into `store.rows`), in order.
    pub view: Vec<u32>,
    /// Selected position in `view`.
    pub sel: Option<usize>,
    /// First position of `view` on screen.
    pub top: usize,
    /// Stick to the newest event.
    pub follow: bool,
    /// The list is frozen at this many store rows.
    pub paused_at: Option<usize>,
    /// The filters.
    pub filters: Filters,
    /// The last search (as typed).
    pub search: String,
    /// The screen.
    pub screen: Screen,
    /// The overlay.
    pub overlay: Overlay,
    /// Detail pane open.
    pub show_detail: bool,
    /// Detail pane scroll.
    pub detail_scroll: u16,
    /// Columns of the list's arguments scrolled off to the left.
    pub hscroll: u16,
    /// The detail pane shows every stack frame (runtime frames unfolded).
    pub unfold_stack: bool,
    /// The selected row's full event, read back from the trace.
    pub detail: Option<(u32, Result<Box<SyscallEvent>, String>)>,
    /// Selected position in the process tree.
    pub proc_sel: usize,
    /// View or live.
    pub session: Session,
    /// Loaded, tracing or finished.
    pub run: Run,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// The last notice for the user (terminal-safe).
    pub message: Option<String>,
    /// Warnings from the tracer (terminal-safe).
    pub warnings: Vec<String>,
    /// The program's terminal (spawned live sessions).
    pub pty: Option<PtyPane>,
    /// Keys waiting to be written to the program's terminal.
    pub pty_out: Vec<u8>,
    /// Set when the session should end.
    pub quit: Option<QuitChoice>,
    /// Set when a save should start (the loop runs it off the UI thread).
    pub save_request: Option<PathBuf>,
    /// A save is running.
    pub saving: bool,
    /// What the save prompt offers.
    pub default_save: PathBuf,
}

impl State {
    /// A state over `store`, everything shown, the first row selected.
    pub fn new(store: Store, session: Session, default_save: PathBuf) -> State {
        let run = match session {
            Session::View => Run::Loaded,
            Session::Live { .. } => Run::Tracing,
        };
        let mut s = State {
            store,
            view: Vec::new(),
            sel: None,
            top: 0,
            follow: session != Session::View,
            paused_at: None,
            filters: Filters::default(),
            search: String::new(),
            screen: Screen::Events,
            overlay: Overlay::None,
            show_detail: false,
            detail_scroll: 0,
            hscroll: 0,
            unfold_stack: false,
            detail: None,
            proc_sel: 0,
            session,
            run,
            size: (80, 24),
            message: None,
            warnings: Vec::new(),
            pty: None,
            pty_out: Vec::new(),
            quit: None,
            save_request: None,
            saving: false,
            default_save,
        };
        s.rebuild_view(None);
        s
    }

    /// Give the session a program terminal of `rows` x `cols`.
    pub fn attach_pty(&mut self, rows: u16, cols: u16) {
        self.pty = Some(PtyPane {
            parser: tui_term::vt100::Parser::new(rows.max(1), cols.max(1), 0),
            visible: true,
            input: false,
        });
    }

    /// The row at a position of the filtered list.
    pub fn row_at(&self, pos: usize) -> Option<&Row> {
        self.view
            .get(pos)
            .and_then(|&i| self.store.rows.get(i as usize))
    }

    /// The selected row.
    pub fn selected(&self) -> Option<&Row> {
        self.sel.and_then(|p| self.row_at(p))
    }

    fn store_limit(&self) -> usize {
        self.paused_at.unwrap_or(self.store.rows.len())
    }

    /// Recompute the filtered list, keeping `keep` (a store row) selected if it passes,
    /// else the nearest row before it.
    fn rebuild_view(&mut self, keep: Option<u32>) {
        let limit = self.store_limit();
        let f = self.filters;
        self.view.clear();
        self.view.extend(
            self.store.rows[..limit]
                .iter()
                .enumerate()
                .filter(|(_, r)| f.matches(r))
                .map(|(i, _)| i as u32),
        );
        self.sel = if self.view.is_empty() {
            None
        } else if self.follow {
            Some(self.view.len() - 1)
        } else {
            match keep {
                Some(k) => Some(match self.view.binary_search(&k) {
                    Ok(p) => p,
                    Err(p) => p.saturating_sub(1),
                }),
                None => Some(0),
            }
        };
        self.scroll_into_view();
    }

    /// What the layout depends on.
    pub fn geometry(&self) -> Geometry {
        Geometry {
            pty_visible: self.pty.as_ref().is_some_and(|p| p.visible),
            detail: match self.screen {
                Screen::Events => self.show_detail,
                Screen::Procs => true,
            },
        }
    }

    /// The layout at the last known terminal size.
    pub fn areas(&self) -> Areas {
        layout::areas(&self.geometry(), Rect::new(0, 0, self.size.0, self.size.1))
    }

    /// Rows of the list on screen.
    pub fn list_rows(&self) -> usize {
        // Borders and the column header.
        self.areas().list.height.saturating_sub(3) as usize
    }

    fn scroll_into_view(&mut self) {
        let h = self.list_rows().max(1);
        let Some(sel) = self.sel else {
            self.top = 0;
            return;
        };
        if sel < self.top {
            self.top = sel;
        } else if sel >= self.top + h {
            self.top = sel + 1 - h;
        }
        let max_top = self.view.len().saturating_sub(h);
        self.top = self.top.min(max_top);
    }

    fn select(&mut self, pos: usize) {
        if self.view.is_empty() {
            self.sel = None;
            return;
        }
        let pos = pos.min(self.view.len() - 1);
        self.sel = Some(pos);
        self.follow = pos + 1 == self.view.len() && self.follow;
        self.detail_scroll = 0;
        self.scroll_into_view();
    }

    fn move_by(&mut self, d: i64) {
        let cur = self.sel.unwrap_or(0) as i64;
        let pos = (cur + d).max(0) as usize;
        if d < 0 {
            self.follow = false;
        }
        self.select(pos);
    }

    /// Take one record from the trace.
    pub fn ingest(&mut self, rec: &Record, line: Option<super::LineAt>) {
        let before = self.store.rows.len();
        self.store.push(rec, line);
        self.show_new_row(before);
    }

    /// Take one record the loader read from a saved trace.
    pub fn ingest_loaded(&mut self, rec: &Record, off: u64, len: u64) {
        let before = self.store.rows.len();
        self.store.index_loaded(rec, off, len);
        self.show_new_row(before);
    }

    fn show_new_row(&mut self, before: usize) {
        if self.store.rows.len() > before && self.paused_at.is_none() {
            let i = before;
            if self.filters.matches(&self.store.rows[i]) {
                self.view.push(i as u32);
                if self.sel.is_none() {
                    self.sel = Some(0);
                }
            }
        }
    }

    /// After a batch of records: keep following the newest.
    pub fn after_ingest(&mut self) {
        if self.follow && !self.view.is_empty() {
            self.sel = Some(self.view.len() - 1);
        }
        self.scroll_into_view();
        self.sync_detail();
    }

    /// A warning from the tracer.
    pub fn warn(&mut self, w: &str) {
        let w = clean(w).into_owned();
        self.message = Some(format!("warning: {w}"));
        self.warnings.push(w);
    }

    /// The trace is over.
    pub fn finish(&mut self, code: Option<i32>) {
        self.run = Run::Finished(code);
    }

    /// Read the selected event back when the detail pane needs it.
    pub fn sync_detail(&mut self) {
        if !self.show_detail || self.screen != Screen::Events {
            return;
        }
        let Some(&idx) = self.sel.and_then(|p| self.view.get(p)) else {
            self.detail = None;
            return;
        };
        if self.detail.as_ref().is_some_and(|(i, _)| *i == idx) {
            return;
        }
        let row = self.store.rows[idx as usize];
        let ev = self
            .store
            .load_event(&row)
            .map(Box::new)
            .map_err(|e| clean(&e.to_string()).into_owned());
        self.detail = Some((idx, ev));
    }

    /// True when a live program is still traced (quitting needs a decision).
    pub fn tracee_running(&self) -> bool {
        matches!(self.session, Session::Live { .. }) && self.run == Run::Tracing
    }

    /// Apply one action.
    pub fn update(&mut self, a: Action) {
        match a {
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.scroll_into_view();
            }
            Action::Edit(e) => self.edit(e),
            Action::PtyBytes(b) => {
                if self.pty.as_ref().is_some_and(|p| p.input) {
                    self.pty_out.extend_from_slice(&b);
                }
            }
            Action::LeaveInput => {
                if let Some(p) = self.pty.as_mut() {
                    p.input = false;
                    self.message = None;
                }
            }
            Action::QuitChoose(c) => {
                if self.overlay == Overlay::Quit {
                    let attached = self.session == Session::Live { attached: true };
                    let choice = match c {
                        _ if !self.tracee_running() => Some(QuitChoice::Quit),
                        QuitChoice::Kill => Some(QuitChoice::Kill),
                        QuitChoice::Detach if attached => Some(QuitChoice::Detach),
                        // A spawned child cannot be detached; `q` again confirms ending it.
                        QuitChoice::Quit if !attached => Some(QuitChoice::Kill),
                        _ => None,
                    };
                    if let Some(c) = choice {
                        self.overlay = Overlay::None;
                        self.quit = Some(c);
                    }
                }
            }
            Action::Quit => {
                if self.tracee_running() {
                    self.overlay = Overlay::Quit;
                } else {
                    self.quit = Some(QuitChoice::Quit);
                }
            }
            Action::Help => {
                self.overlay = if self.overlay == Overlay::Help {
                    Overlay::None
                } else {
                    Overlay::Help
                }
            }
            Action::Back => {
                if self.overlay != Overlay::None {
                    self.overlay = Overlay::None;
                } else if self.screen == Screen::Procs {
                    self.screen = Screen::Events;
                } else if self.show_detail {
                    self.show_detail = false;
                    self.scroll_into_view();
                } else {
                    self.message = None;
                }
            }
            Action::ToggleProcs => {
                self.screen = match self.screen {
                    Screen::Events => Screen::Procs,
                    Screen::Procs => Screen::Events,
                };
            }
            _ if self.screen == Screen::Procs => self.update_procs(a),
            _ => self.update_events(a),
        }
        self.sync_detail();
    }

    fn update_procs(&mut self, a: Action) {
        let n = self.store.procs.len();
        match a {
            Action::Move(d) | Action::Wheel(d) => {
                let p = (self.proc_sel as i64 + d).clamp(0, n.saturating_sub(1) as i64);
                self.proc_sel = p as usize;
            }
            Action::Page(d) => self.update_procs(Action::Move(d * 10)),
            Action::Top => self.proc_sel = 0,
            Action::Bottom => self.proc_sel = n.saturating_sub(1),
            Action::Click(i) => self.proc_sel = i.min(n.saturating_sub(1)),
            Action::Enter => {
                if let Some(&(_, pid)) = self.store.procs.tree().get(self.proc_sel) {
                    let keep = self.selected_index();
                    self.filters.pid = Some(pid);
                    self.screen = Screen::Events;
                    self.message = Some(format!("showing pid {pid} only (p or x to clear)"));
                    self.rebuild_view(keep);
                }
            }
            other => self.update_events(other),
        }
    }

    fn selected_index(&self) -> Option<u32> {
        self.sel.and_then(|p| self.view.get(p).copied())
    }

    fn update_events(&mut self, a: Action) {
        match a {
            Action::Move(d) | Action::Wheel(d) => self.move_by(d),
            Action::Page(d) => self.move_by(d * self.list_rows().max(1) as i64),
            Action::Top => {
                self.follow = false;
                self.select(0);
            }
            Action::Bottom => {
                self.follow = true;
                self.select(usize::MAX);
            }
            Action::Click(pos) => {
                self.follow = false;
                self.select(pos);
            }
            Action::Enter if self.screen == Screen::Events => {
                self.show_detail = !self.show_detail;
                self.detail_scroll = 0;
                // The hints say what the pane's keys are; an old notice would hide them.
                self.message = None;
                self.scroll_into_view();
            }
            Action::DetailScroll(d) => {
                self.detail_scroll = (self.detail_scroll as i64 + d).clamp(0, 10_000) as u16;
            }
            Action::ToggleFailures => {
                let keep = self.selected_index();
                self.filters.failures = !self.filters.failures;
                self.rebuild_view(keep);
            }
            Action::ToggleExpected => {
                let keep = self.selected_index();
                self.filters.hide_expected = !self.filters.hide_expected;
                self.message = Some(if self.filters.hide_expected {
                    format!(
                        "{} expected failures hidden (E shows them)",
                        self.store.expected
                    )
                } else {
                    "expected failures shown".to_owned()
                });
                self.rebuild_view(keep);
            }
            Action::HScroll(d) => {
                // The list keeps at most ARGS_CAP bytes of arguments (and "...").
                let max = super::store::ARGS_CAP as i64;
                self.hscroll = (i64::from(self.hscroll) + i64::from(d)).clamp(0, max) as u16;
            }
            Action::ToggleUnfold => {
                self.unfold_stack = !self.unfold_stack;
                if !self.show_detail {
                    self.message = Some(format!(
                        "stacks: {} (Enter opens the detail)",
                        if self.unfold_stack {
                            "every frame"
                        } else {
                            "runtime frames folded"
                        }
                    ));
                }
            }
            Action::FilterCall => {
                let keep = self.selected_index();
                self.filters.call = match (self.filters.call, self.selected()) {
                    (Some(_), _) => None,
                    (None, Some(r)) => Some(r.call),
                    (None, None) => None,
                };
                self.rebuild_view(keep);
            }
            Action::FilterPid => {
                let keep = self.selected_index();
                self.filters.pid = match (self.filters.pid, self.selected()) {
                    (Some(_), _) => None,
                    (None, Some(r)) => Some(r.pid),
                    (None, None) => None,
                };
                self.rebuild_view(keep);
            }
            Action::FilterErrno => {
                let keep = self.selected_index();
                self.filters.errno = match (self.filters.errno, self.selected()) {
                    (Some(_), _) => None,
                    (None, Some(r)) if r.errno != 0 => Some(r.errno),
                    (None, _) => {
                        self.message = Some("select a failed call to filter by its errno".into());
                        None
                    }
                };
                self.rebuild_view(keep);
            }
            Action::ClearFilters => {
                let keep = self.selected_index();
                self.filters = Filters::default();
                self.rebuild_view(keep);
            }
            Action::StartSearch => self.overlay = Overlay::Search(String::new()),
            Action::SearchNext => self.find(true, false),
            Action::SearchPrev => self.find(false, false),
            Action::ToggleFollow => {
                self.follow = !self.follow;
                if self.follow {
                    self.select(usize::MAX);
                }
            }
            Action::TogglePause => {
                let keep = self.selected_index();
                self.paused_at = match self.paused_at {
                    Some(_) => None,
                    None => Some(self.store.rows.len()),
                };
                self.rebuild_view(keep);
            }
            Action::TogglePty => match self.pty.as_mut() {
                Some(p) => {
                    p.visible = !p.visible;
                    p.input &= p.visible;
                    self.scroll_into_view();
                }
                None => self.message = Some("no program terminal in this session".into()),
            },
            Action::EnterInput => match self.pty.as_mut() {
                Some(p) => {
                    p.visible = true;
                    p.input = true;
                    self.message = Some("keys go to the program; Ctrl-] to come back".into());
                    self.scroll_into_view();
                }
                None => self.message = Some("no program terminal in this session".into()),
            },
            Action::Save => {
                if self.saving {
                    self.message = Some("a save is already running".into());
                } else {
                    let p = self.default_save.to_string_lossy().into_owned();
                    self.overlay = Overlay::Save(p);
                }
            }
            _ => {}
        }
    }

    fn edit(&mut self, e: Edit) {
        let buf = match &mut self.overlay {
            Overlay::Search(b) | Overlay::Save(b) => b,
            _ => return,
        };
        match e {
            Edit::Char(c) if !c.is_control() => buf.push(c),
            Edit::Char(_) => {}
            Edit::Backspace => {
                buf.pop();
            }
            Edit::Clear => buf.clear(),
            Edit::Cancel => self.overlay = Overlay::None,
            Edit::Submit => {
                let text = std::mem::take(buf);
                let was = std::mem::replace(&mut self.overlay, Overlay::None);
                match was {
                    Overlay::Search(_) => {
                        if !text.is_empty() {
                            self.search = text;
                        }
                        self.find(true, true);
                    }
                    Overlay::Save(_) if !text.trim().is_empty() => {
                        self.save_request = Some(PathBuf::from(text.trim()));
                    }
                    _ => {}
                }
            }
        }
    }

    /// Move to the next (or previous) match; `here` lets the selected row match itself.
    fn find(&mut self, forward: bool, here: bool) {
        if self.search.is_empty() {
            self.message = Some("no search yet: / to search".into());
            return;
        }
        let n = self.view.len();
        if n == 0 {
            return;
        }
        let m = Matcher::new(&self.store, &self.search);
        let start = self.sel.unwrap_or(0);
        let first = usize::from(!here);
        for k in first..n + first {
            let pos = if forward {
                (start + k) % n
            } else {
                (start + n - (k % n)) % n
            };
            if let Some(r) = self.row_at(pos)
                && m.matches(&self.store, r)
            {
                self.follow = false;
                self.select(pos);
                self.message = Some(format!("/{}", clean(&self.search)));
                return;
            }
        }
        self.message = Some(format!("not found: {}", clean(&self.search)));
    }
}

/// A search, prepared once: which syscall and errno names match are known up front, so
/// a row costs one scan of its short text (and of its pid when the search is a number).
struct Matcher {
    needle: Vec<u8>,
    calls: Vec<bool>,
    errnos: Vec<bool>,
    targets: Vec<bool>,
    pid: bool,
}

impl Matcher {
    fn new(store: &Store, query: &str) -> Matcher {
        let needle = query.to_ascii_lowercase().into_bytes();
        let calls = (0..store.calls.len())
            .map(|i| contains_ci(store.calls.name(i as u16).as_bytes(), &needle))
            .collect();
        let errnos = (0..store.errnos.len())
            .map(|i| i != 0 && contains_ci(store.errnos.name(i as u16).as_bytes(), &needle))
            .collect();
        let targets = (0..store.targets.len())
            .map(|i| i != 0 && contains_ci(store.targets.name(i as u32).as_bytes(), &needle))
            .collect();
        let pid = !needle.is_empty() && needle.iter().all(u8::is_ascii_digit);
        Matcher {
            needle,
            calls,
            errnos,
            targets,
            pid,
        }
    }

    fn matches(&self, store: &Store, r: &Row) -> bool {
        self.calls.get(r.call as usize).copied().unwrap_or(false)
            || self.errnos.get(r.errno as usize).copied().unwrap_or(false)
            || self
                .targets
                .get(r.target as usize)
                .copied()
                .unwrap_or(false)
            || contains_ci(store.raw_text(r), &self.needle)
            || (self.pid && contains_ci(itoa(r.pid, &mut [0u8; 12]), &self.needle))
    }
}

/// `n` in decimal, without allocating.
fn itoa(n: i32, buf: &mut [u8; 12]) -> &[u8] {
    let mut i = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// `needle` (lowercase ASCII) in `hay`, ignoring ASCII case.
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let upper = first.to_ascii_uppercase();
    let last = hay.len() - needle.len();
    let mut i = 0;
    while i <= last {
        let b = hay[i];
        if (b == first || b == upper)
            && hay[i + 1..i + needle.len()]
                .iter()
                .zip(rest)
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
        {
            return true;
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{contains_ci, itoa};

    #[test]
    fn case_insensitive_contains() {
        assert!(contains_ci(b"Connect(/RUN/x)", b"run/x"));
        assert!(!contains_ci(b"conn", b"connect"));
        assert!(contains_ci(b"", b""));
    }

    #[test]
    fn decimal_without_allocation() {
        assert_eq!(itoa(0, &mut [0; 12]), b"0");
        assert_eq!(itoa(-2147483648, &mut [0; 12]), b"-2147483648");
        assert_eq!(itoa(4101, &mut [0; 12]), b"4101");
    }
}
