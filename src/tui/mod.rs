//! The live TUI and the saved-trace viewer (ratatui + crossterm live only here).
//!
//! A reducer, as in gitui and ratatui's component template: terminal input becomes an
//! `Action` (`input`), `State::update` applies it (`state`), `ui::draw` renders the state.
//! The main loop (`run_loop`) is generic over the ratatui backend, so the tests drive the
//! real app on a `TestBackend` (`tests.rs`, snapshots in `snapshots/`).
//!
//! - `store`: one 48-byte row per syscall plus its list text (args capped at 120 bytes) in
//!   one arena; the full record is read back from its line for the detail pane (the trace
//!   file in `view`; in a live session the trace `FeedSink` writes as the pipeline's sink,
//!   the `--save` file or an unlinked 0600 one). The store writes nothing itself. Keeping
//!   every `SyscallEvent` whole costs about 1 KB each (see `benches/tui_view.rs`).
//! - `layout`: where each pane goes, a pure function of the size and what is open; the
//!   reducer asks it how tall a page is, so `state` never calls the view.
//! - Filters are an index vector rebuilt on change and appended to as events arrive;
//!   drawing builds only the rows on screen.
//! - Live: the feed is drained each frame within a budget (records stay in the channel,
//!   never dropped, and the next frame comes at once); the program's pty is read on its own
//!   thread and parsed by vt100, so its escape sequences never reach our terminal raw.
//!   Everything else shown passes through `text::clean`.
//! - `terminal`: the guard owns raw mode, the alternate screen and mouse capture; a panic
//!   hook restores first; SIGTERM, SIGHUP and SIGINT stop the loop like a quit (detach an
//!   attached program, end a spawned one).
//!
//! Keys: see `ui::KEYS` (shown by `?`).

mod feed;
mod input;
mod layout;
mod procs;
mod state;
mod store;
mod target;
mod terminal;
mod text;
mod ui;
mod wrap;

#[cfg(test)]
mod tests;

use crate::model::{Header, Record};
use crate::sink::jsonl::read::JsonlReader;
use crate::sink::jsonl::write::JsonlWriter;
use ratatui::Terminal;
use ratatui::backend::Backend;
use state::{Action, QuitChoice, Run, Session, State};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};
use store::Store;

pub use feed::FeedSink;

/// What the live TUI is fed, in order, by the pipeline thread.
#[derive(Debug)]
pub enum Feed {
    /// A trace record, already diagnosed, and where its line is in the trace the TUI
    /// reads details back from (None: not kept).
    Record(Box<Record>, Option<LineAt>),
    /// A one-line notice from the tracer.
    Warning(String),
    /// The trace is over; the traced program's exit code (None: detached).
    Finished(Option<i32>),
}

/// Where a record's line is in the trace behind a live session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineAt {
    /// Byte offset of the line.
    pub offset: u64,
    /// Its length, newline included.
    pub len: u64,
}

/// What the TUI can ask the tracer to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveControl {
    /// Detach from every task and leave them running (attach mode only).
    Detach,
    /// End the traced program.
    Kill,
}

/// A live session handed to the TUI.
pub struct Live {
    /// Events from the pipeline.
    pub feed: Receiver<Feed>,
    /// Master side of the tracee's pseudo-terminal (spawn mode).
    pub pty: Option<std::fs::File>,
    /// Ask the tracer to detach or kill.
    pub control: Box<dyn FnMut(LiveControl) + Send>,
    /// Tell the tracee's terminal its new size (rows, cols).
    pub resize_pty: Box<dyn FnMut(u16, u16) + Send>,
    /// True when attached with -p (detach is possible).
    pub attached: bool,
    /// Where `s` saves by default.
    pub save_path: std::path::PathBuf,
    /// The trace the feed's lines are in (a read handle on what `FeedSink` writes); None
    /// when the feed comes without lines.
    pub backing: Option<std::fs::File>,
}

/// How a live session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveOutcome {
    /// The trace had ended before the user quit; the program's exit code (None: unknown).
    Finished(Option<i32>),
    /// The user chose to detach (or sockwhy got SIGTERM, SIGHUP or SIGINT while
    /// attached); the program runs on.
    Detached,
    /// The user chose to end the program (or sockwhy got one of those signals, or the
    /// TUI failed, while it ran a spawned child); `LiveControl::Kill` was sent.
    Killed,
}

/// Most records taken from the feed per frame; the rest wait in the channel (kept, never
/// dropped) and the next frame comes at once.
const FEED_BUDGET: usize = 50_000;
/// Most time spent taking records per frame.
const FEED_TIME: Duration = Duration::from_millis(30);
/// Most program-terminal bytes parsed per frame.
const PTY_BUDGET: usize = 1 << 20;
/// Input poll when nothing is pending.
const IDLE_POLL: Duration = Duration::from_millis(50);
/// How long to keep reading the feed after asking the tracer to detach or kill.
const WIND_DOWN: Duration = Duration::from_secs(5);

/// Open a saved trace (`sockwhy view FILE`). The header is checked before the terminal is
/// touched, so a file that is not a trace is a normal one-line error; the rest is read on
/// a loader thread while the screen is already up (status: `loading N%`).
pub fn run_view(path: &Path) -> io::Result<()> {
    let (store, loader) = Store::open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let mut state = State::new(store, Session::View, saved_name(path));
    state.run = Run::Loading(0);
    let mut io = SessionIo::new(Some(path.to_owned()));
    io.loader = Some(loader);
    let mut guard = terminal::TerminalGuard::new()?;
    let size = guard.terminal.size()?;
    state.update(Action::Resize(size.width, size.height));
    let stop = std::sync::Arc::clone(&guard.stop);
    run_loop(
        &mut guard.terminal,
        &mut state,
        &mut io,
        &mut CrosstermInput,
        &stop,
    )?;
    Ok(())
}

/// Run the live TUI until the user quits; the tracer runs on its own thread and feeds
/// `live.feed`. On the way out (quit, error, SIGTERM) the tracer is told to detach or kill
/// if the program still runs, and the feed is read until it says the trace is over (for
/// at most a few seconds) so the pipeline is never left blocked on a full channel.
pub fn run_live(mut live: Live) -> io::Result<LiveOutcome> {
    let feed = std::mem::replace(&mut live.feed, mpsc::channel().1);
    let mut io = SessionIo::new(None);
    io.feed = Some(feed);
    let setup = (|| {
        let store = Store::live(live.backing.take());
        if let Some(pty) = live.pty.take() {
            io.attach_pty(pty)?;
        }
        Ok(store)
    })();
    let store = match setup {
        Ok(s) => s,
        Err(e) => {
            // No TUI after all: do not leave the program stopped under a dead tracer.
            let c = if live.attached {
                QuitChoice::Detach
            } else {
                QuitChoice::Kill
            };
            finish_live(&mut live, &mut io, Run::Tracing, c);
            return Err(e);
        }
    };
    let session = Session::Live {
        attached: live.attached,
    };
    let mut state = State::new(store, session, live.save_path.clone());
    let resize = std::mem::replace(&mut live.resize_pty, Box::new(|_, _| {}));
    io.resize_pty = Some(resize);
    // A panic in the loop still settles the tracee (after the guard restored the
    // terminal while unwinding), then goes on unwinding.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut guard = terminal::TerminalGuard::new()?;
        let size = guard.terminal.size()?;
        if io.pty_writer.is_some() {
            state.attach_pty(size.height / 3, size.width);
        }
        state.update(Action::Resize(size.width, size.height));
        let stop = std::sync::Arc::clone(&guard.stop);
        run_loop(
            &mut guard.terminal,
            &mut state,
            &mut io,
            &mut CrosstermInput,
            &stop,
        )
    }));
    // The terminal is restored here (the guard is dropped); now settle the tracee.
    let result = match result {
        Ok(r) => r,
        Err(panic) => {
            finish_live(&mut live, &mut io, state.run, exit_choice(&state));
            std::panic::resume_unwind(panic);
        }
    };
    let choice = match &result {
        Ok(c) => *c,
        Err(_) => exit_choice(&state),
    };
    let outcome = finish_live(&mut live, &mut io, state.run, choice);
    result.map(|_| outcome)
}

/// What to do with the tracee when leaving without asking (error, signal).
fn exit_choice(state: &State) -> QuitChoice {
    match state.session {
        _ if !state.tracee_running() => QuitChoice::Quit,
        Session::Live { attached: true } => QuitChoice::Detach,
        _ => QuitChoice::Kill,
    }
}

fn finish_live(live: &mut Live, io: &mut SessionIo, run: Run, c: QuitChoice) -> LiveOutcome {
    let outcome = match c {
        QuitChoice::Quit => {
            return LiveOutcome::Finished(match run {
                Run::Finished(code) => code,
                _ => None,
            });
        }
        QuitChoice::Detach => {
            (live.control)(LiveControl::Detach);
            LiveOutcome::Detached
        }
        QuitChoice::Kill => {
            (live.control)(LiveControl::Kill);
            LiveOutcome::Killed
        }
    };
    if let Some(feed) = io.feed.take() {
        let deadline = Instant::now() + WIND_DOWN;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match feed.recv_timeout(left) {
                Ok(Feed::Finished(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
    outcome
}

/// `trace.jsonl` -> `trace-saved.jsonl`, beside it.
fn saved_name(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or("trace".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}-saved.jsonl"))
}

/// Where terminal events come from: the real terminal, or a script in the tests.
pub(crate) trait InputSource {
    /// The next event, waiting at most `timeout`.
    fn next(&mut self, timeout: Duration) -> io::Result<Option<crossterm::event::Event>>;
}

/// The real terminal.
struct CrosstermInput;

impl InputSource for CrosstermInput {
    fn next(&mut self, timeout: Duration) -> io::Result<Option<crossterm::event::Event>> {
        if crossterm::event::poll(timeout)? {
            crossterm::event::read().map(Some)
        } else {
            Ok(None)
        }
    }
}

/// A finished save: where, and how many records or why not.
type SaveResult = (PathBuf, Result<u64, String>);

/// Everything the loop talks to besides the terminal.
pub(crate) struct SessionIo {
    feed: Option<Receiver<Feed>>,
    pty_writer: Option<std::fs::File>,
    pty_rx: Option<Receiver<Vec<u8>>>,
    resize_pty: Option<Box<dyn FnMut(u16, u16) + Send>>,
    pty_size: (u16, u16),
    save_tx: Sender<SaveResult>,
    save_rx: Receiver<SaveResult>,
    /// The trace being viewed, which a save must not overwrite.
    source: Option<PathBuf>,
    /// More feed is waiting than one frame took.
    backlog: bool,
    /// A saved trace still being read.
    loader: Option<store::Loader>,
}

impl SessionIo {
    pub(crate) fn new(source: Option<PathBuf>) -> SessionIo {
        let (save_tx, save_rx) = mpsc::channel();
        SessionIo {
            feed: None,
            pty_writer: None,
            pty_rx: None,
            resize_pty: None,
            pty_size: (0, 0),
            save_tx,
            save_rx,
            source,
            backlog: false,
            loader: None,
        }
    }

    /// Read the program's terminal on a thread of its own (reads block).
    fn attach_pty(&mut self, pty: std::fs::File) -> io::Result<()> {
        let mut reader = pty.try_clone()?;
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("sockwhy-pty".into())
            .spawn(move || {
                let mut buf = vec![0u8; 16 * 1024];
                // EIO once the program's side is closed ends the thread.
                while let Ok(n) = reader.read(&mut buf) {
                    if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            })?;
        self.pty_writer = Some(pty);
        self.pty_rx = Some(rx);
        Ok(())
    }

    /// Take what arrived: feed records (bounded per frame), program output, save results.
    /// True when something changed.
    fn pump(&mut self, state: &mut State) -> io::Result<bool> {
        let mut changed = false;
        self.backlog = false;
        if let Some(feed) = &self.feed {
            let start = Instant::now();
            let mut n = 0;
            let mut gone = false;
            loop {
                if n >= FEED_BUDGET || start.elapsed() >= FEED_TIME {
                    self.backlog = true;
                    break;
                }
                match feed.try_recv() {
                    Ok(Feed::Record(r, line)) => state.ingest(&r, line),
                    Ok(Feed::Warning(w)) => state.warn(&w),
                    Ok(Feed::Finished(code)) => state.finish(code),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        gone = true;
                        break;
                    }
                }
                n += 1;
            }
            if gone {
                self.feed = None;
                if state.run == Run::Tracing {
                    state.warn("the tracer stopped without saying how the program ended");
                    state.finish(None);
                }
                changed = true;
            }
            if n > 0 {
                state.after_ingest();
                changed = true;
            }
        }
        if let Some(l) = &self.loader {
            let start = Instant::now();
            let mut took = false;
            let mut finished = None;
            while start.elapsed() < FEED_TIME {
                match l.rx.try_recv() {
                    Ok(store::LoadMsg::Batch(batch)) => {
                        for (rec, off, len) in &batch {
                            state.ingest_loaded(rec, *off, *len);
                        }
                        took = true;
                    }
                    Ok(store::LoadMsg::Done) => finished = Some(None),
                    Ok(store::LoadMsg::Failed(e)) => finished = Some(Some(e)),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => finished = Some(None),
                }
                if finished.is_some() {
                    break;
                }
            }
            if took {
                let read = l.read.load(Ordering::Relaxed);
                let pct = (read.saturating_mul(100) / l.total.max(1)).min(99) as u8;
                state.run = Run::Loading(pct);
                state.after_ingest();
                changed = true;
                self.backlog = true;
            }
            if let Some(err) = finished {
                self.loader = None;
                state.run = Run::Loaded;
                if let Some(e) = err {
                    state.warn(&format!("reading stopped: {e}"));
                }
                state.after_ingest();
                changed = true;
            }
        }
        if let (Some(rx), Some(p)) = (&self.pty_rx, state.pty.as_mut()) {
            let mut taken = 0;
            while taken < PTY_BUDGET {
                match rx.try_recv() {
                    Ok(bytes) => {
                        taken += bytes.len();
                        p.parser.process(&bytes);
                        changed = true;
                    }
                    Err(_) => break,
                }
            }
            if taken >= PTY_BUDGET {
                self.backlog = true;
            }
        }
        while let Ok((path, r)) = self.save_rx.try_recv() {
            state.saving = false;
            let shown = text::clean(&path.to_string_lossy()).into_owned();
            state.message = Some(match r {
                Ok(n) => format!("saved {n} records to {shown}"),
                Err(e) => format!("save to {shown} failed: {}", text::clean(&e)),
            });
            changed = true;
        }
        Ok(changed)
    }

    /// Keep the program's terminal the size of its pane.
    fn sync_pty_size(&mut self, state: &mut State) {
        let Some(p) = state.pty.as_mut() else { return };
        if !p.visible {
            return;
        }
        let a = state.areas();
        let Some(area) = a.pty else { return };
        let rows = area.height.saturating_sub(2).max(1);
        let cols = area.width.saturating_sub(2).max(1);
        if self.pty_size != (rows, cols) {
            self.pty_size = (rows, cols);
            if let Some(p) = state.pty.as_mut() {
                p.parser.screen_mut().set_size(rows, cols);
            }
            if let Some(r) = self.resize_pty.as_mut() {
                r(rows, cols);
            }
        }
    }

    fn flush_pty_out(&mut self, state: &mut State) {
        if state.pty_out.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut state.pty_out);
        if let Some(w) = self.pty_writer.as_mut()
            && let Err(e) = w.write_all(&bytes)
        {
            state.message = Some(format!("cannot write to the program: {e}"));
        }
    }

    /// Save every record seen so far, on a thread: the UI and the tracer go on meanwhile.
    fn start_save(&mut self, state: &mut State, path: PathBuf) {
        let shown = text::clean(&path.to_string_lossy()).into_owned();
        if let Some(src) = &self.source
            && same_file(src, &path)
        {
            state.message = Some(format!(
                "{shown} is the trace being viewed; pick another name"
            ));
            return;
        }
        let reader = match state.store.snapshot_reader() {
            Ok(r) => r,
            Err(e) => {
                state.message = Some(format!("save failed: {e}"));
                return;
            }
        };
        let header = state.store.header.clone();
        let tx = self.save_tx.clone();
        state.saving = true;
        state.message = Some(format!("saving to {shown}..."));
        let spawned = std::thread::Builder::new()
            .name("sockwhy-save".into())
            .spawn(move || {
                let r = save_records(reader, header, &path).map_err(|e| e.to_string());
                let _ = tx.send((path, r));
            });
        if let Err(e) = spawned {
            state.saving = false;
            state.message = Some(format!("save failed: {e}"));
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Copy every record from `reader` to a new trace at `path`, the header replaced by
/// `header` when one is given.
fn save_records(reader: impl Read, header: Option<Header>, path: &Path) -> io::Result<u64> {
    let mut rd = JsonlReader::new(io::BufReader::with_capacity(1 << 16, reader));
    let mut w = JsonlWriter::create(path)?;
    let mut n = 0u64;
    while let Some(rec) = rd.next_record().map_err(io::Error::other)? {
        match (rec, &header) {
            (Record::Header(_), Some(h)) if n == 0 => w.write(&Record::Header(h.clone()))?,
            (rec, _) => w.write(&rec)?,
        };
        n += 1;
    }
    Ok(n)
}

/// The main loop: take what arrived, draw when something changed, apply input, until
/// the user quits or a signal says stop. Generic over the backend for the tests.
pub(crate) fn run_loop<B, I>(
    terminal: &mut Terminal<B>,
    state: &mut State,
    io: &mut SessionIo,
    input: &mut I,
    stop: &AtomicBool,
) -> io::Result<QuitChoice>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    I: InputSource,
{
    let mut dirty = true;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(exit_choice(state));
        }
        dirty |= io.pump(state)?;
        io.sync_pty_size(state);
        if dirty {
            terminal
                .draw(|f| ui::draw(state, f))
                .map_err(io::Error::other)?;
            dirty = false;
        }
        if let Some(q) = state.quit {
            return Ok(q);
        }
        let wait = if io.backlog {
            Duration::ZERO
        } else {
            IDLE_POLL
        };
        let mut next = input.next(wait)?;
        while let Some(ev) = next {
            if let Some(a) = input::action_for(state, &ev) {
                state.update(a);
                dirty = true;
            }
            if state.quit.is_some() {
                break;
            }
            next = input.next(Duration::ZERO)?;
        }
        if let Some(p) = state.save_request.take() {
            io.start_save(state, p);
            dirty = true;
        }
        io.flush_pty_out(state);
    }
}

/// Measurements for `benches/tui_view.rs` (not a stable API).
#[doc(hidden)]
pub mod bench {
    use super::state::{Action, Session, State};
    use super::store::Store;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use std::io;
    use std::path::Path;
    use std::time::{Duration, Instant};

    /// What one run measured.
    #[derive(Debug, Clone)]
    pub struct ViewBench {
        /// Syscall rows loaded.
        pub rows: usize,
        /// Reading the trace into compact rows.
        pub load: Duration,
        /// Frames drawn (each after one action).
        pub frames: usize,
        /// Mean and worst time of update + draw per frame.
        pub frame_mean: Duration,
        /// Worst frame.
        pub frame_max: Duration,
        /// Turning the failures-only filter on (rebuilds the index vector).
        pub filter: Duration,
        /// Then hiding the expected failures too.
        pub hide_expected: Duration,
        /// One search that has to scan most rows.
        pub search: Duration,
        /// Size of one compact row.
        pub row_bytes: usize,
        /// From opening the file to the first rows on screen (`view` in the background).
        pub first_rows: Duration,
        /// Resident memory (KiB) with every row loaded, before and after loading.
        pub rss_kib: (u64, u64),
    }

    fn rss_kib() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// Load `path` as `sockwhy view` does, then draw `frames` frames at `w` x `h` on a
    /// TestBackend while paging with the detail pane open.
    pub fn view_bench(
        path: &Path,
        w: u16,
        h: u16,
        frames: usize,
        search: &str,
    ) -> io::Result<ViewBench> {
        let rss_before = rss_kib();
        let t = Instant::now();
        let (store, loader) = Store::open(path)?;
        let mut st = State::new(store, Session::View, "x".into());
        let mut io = super::SessionIo::new(None);
        io.loader = Some(loader);
        let mut first_rows = None;
        while io.loader.is_some() {
            io.pump(&mut st)?;
            if first_rows.is_none() && !st.store.rows.is_empty() {
                first_rows = Some(t.elapsed());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let load = t.elapsed();
        let rss_loaded = rss_kib();
        let rows = st.store.rows.len();
        let mut term = Terminal::new(TestBackend::new(w, h)).map_err(io::Error::other)?;
        st.update(Action::Resize(w, h));
        st.update(Action::Enter);
        let mut total = Duration::ZERO;
        let mut max = Duration::ZERO;
        for i in 0..frames {
            let t = Instant::now();
            let a = match i % 4 {
                0 => Action::Page(1),
                1 => Action::Move(1),
                2 => Action::Page(50),
                _ => Action::Move(-1),
            };
            st.update(a);
            term.draw(|f| super::ui::draw(&st, f))
                .map_err(io::Error::other)?;
            let d = t.elapsed();
            total += d;
            max = max.max(d);
        }
        let t = Instant::now();
        st.update(Action::ToggleFailures);
        term.draw(|f| super::ui::draw(&st, f))
            .map_err(io::Error::other)?;
        let filter = t.elapsed();
        let t = Instant::now();
        st.update(Action::ToggleExpected);
        term.draw(|f| super::ui::draw(&st, f))
            .map_err(io::Error::other)?;
        let hide_expected = t.elapsed();
        st.update(Action::ToggleExpected);
        st.update(Action::ToggleFailures);
        st.update(Action::Top);
        let t = Instant::now();
        st.search = search.to_owned();
        st.update(Action::SearchNext);
        term.draw(|f| super::ui::draw(&st, f))
            .map_err(io::Error::other)?;
        let search = t.elapsed();
        Ok(ViewBench {
            rows,
            load,
            frames,
            frame_mean: total / frames.max(1) as u32,
            frame_max: max,
            filter,
            hide_expected,
            search,
            row_bytes: std::mem::size_of::<super::store::Row>(),
            first_rows: first_rows.unwrap_or(load),
            rss_kib: (rss_before, rss_loaded),
        })
    }
}
