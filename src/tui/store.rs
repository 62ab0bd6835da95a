//! The events the TUI holds: one compact row per syscall, the full record left on disk.
//!
//! A full `SyscallEvent` costs several hundred bytes on the heap (name, args, fds, msghdrs,
//! explanation, cause), which at a million events is most of a gigabyte. A row here is 48
//! bytes plus the short list text (args, capped) in one shared arena; the full event is read
//! back from its line in the trace when the detail pane needs it. In `view` that is the file
//! being viewed (read on a loader thread, so the screen is up at once); in a live session it
//! is the trace the pipeline writes as it goes (the `--save` file, or a private unlinked
//! one), whose line each record arrives with. The store itself writes nothing.

use super::LineAt;
use crate::model::{FailureKind, Header, Record, SyscallEvent};
use crate::sink::jsonl::read::{JsonlReader, parse_line};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};

use super::procs::ProcTable;
use super::target::call_target;
use super::text::{clean, truncate_at};

/// Most bytes of argument text kept per row for the list and the search.
pub(crate) const ARGS_CAP: usize = 120;
/// Most bytes of decorated return value kept per row.
const RET_TEXT_CAP: usize = 40;
/// Separates the args from the decorated return value in the arena (never in clean text).
const SEP: u8 = 0x1f;

/// Most distinct targets kept; a target first seen past this shows as none in the list
/// (the detail pane still has the whole record).
const MAX_TARGETS: u32 = 1 << 18;

/// [`Row::flags`]: the call failed, and the trace classed the failure as expected.
const EXPECTED: u8 = 1;
/// [`Row::flags`]: the record has a stack (`-k`).
const STACK: u8 = 2;

/// One syscall as the list needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row {
    /// Nanoseconds since the trace started.
    pub ts_ns: u64,
    /// Raw return value.
    pub ret: i64,
    /// Byte offset of the record's JSON line in the backing file.
    pub line_off: u64,
    /// Start of this row's text in the arena.
    pub text_off: u32,
    /// Length of the JSON line (without the newline).
    pub line_len: u32,
    /// Thread-group id.
    pub pid: i32,
    /// Interned target (what the call talks to, see `target.rs`); 0 when none.
    pub target: u32,
    /// Interned syscall name.
    pub call: u16,
    /// Interned errno name; 0 when the call succeeded.
    pub errno: u16,
    /// Length of this row's text in the arena.
    pub text_len: u16,
    /// [`EXPECTED`], [`STACK`].
    flags: u8,
}

impl Row {
    /// The call failed, and harmlessly (the trace's `class` says `expected`).
    pub fn expected(&self) -> bool {
        self.flags & EXPECTED != 0
    }
    /// The record carries a stack.
    pub fn has_stack(&self) -> bool {
        self.flags & STACK != 0
    }
}

/// Small strings seen again and again (syscall and errno names, targets), numbered once.
#[derive(Default, Debug)]
pub(crate) struct Interner {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Interner {
    /// A table whose id 0 is reserved (for "none").
    fn with_none() -> Self {
        let mut t = Interner::default();
        t.names.push(String::new());
        t
    }
    /// The id of `s`, numbering it when new; None when the table already holds `cap` ids.
    fn intern_upto(&mut self, s: &str, cap: u32) -> Option<u32> {
        if let Some(&id) = self.ids.get(s) {
            return Some(id);
        }
        let id = u32::try_from(self.names.len()).ok().filter(|&i| i < cap)?;
        self.names.push(clean(s).into_owned());
        self.ids.insert(s.to_owned(), id);
        Some(id)
    }
    /// A name's u16 id. Past 65535 distinct names (a corrupt trace) everything shares the
    /// last id.
    fn intern(&mut self, s: &str) -> u16 {
        self.intern_upto(s, u32::from(u16::MAX))
            .map_or(u16::MAX, |id| id as u16)
    }
    /// Number of ids, the reserved 0 included.
    pub fn len(&self) -> usize {
        self.names.len()
    }
    /// The (terminal-safe) name of `id`.
    pub fn name(&self, id: impl Into<u32>) -> &str {
        self.names
            .get(id.into() as usize)
            .map_or("?", String::as_str)
    }
}

/// Where the JSON lines are.
struct Backing {
    /// The trace, read with pread (its writer's position is unaffected). None: a live
    /// session without a copy of its events (only their rows are kept).
    file: Option<File>,
    /// Where the lines indexed so far end: what a save copies.
    end: u64,
}

/// Every event of the session, compact.
pub(crate) struct Store {
    /// One per syscall event, in trace order.
    pub rows: Vec<Row>,
    /// Short text of every row, back to back.
    arena: Vec<u8>,
    /// Syscall names.
    pub calls: Interner,
    /// Errno names (0 = none).
    pub errnos: Interner,
    /// Targets (0 = none).
    pub targets: Interner,
    /// Failures per errno id.
    pub failures_by_errno: Vec<u64>,
    /// Total failures.
    pub failures: u64,
    /// Of which the trace classed as expected.
    pub expected: u64,
    /// Processes, from the process events.
    pub procs: ProcTable,
    /// Calls and failures per pid.
    pub per_pid: HashMap<i32, (u64, u64)>,
    /// The trace header, once seen.
    pub header: Option<Header>,
    backing: Backing,
}

/// An error reading a record back.
fn corrupt(msg: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_string())
}

impl Store {
    fn with_backing(backing: Backing) -> Store {
        Store {
            rows: Vec::new(),
            arena: Vec::new(),
            calls: Interner::with_none(),
            errnos: Interner::with_none(),
            targets: Interner::with_none(),
            failures_by_errno: Vec::new(),
            failures: 0,
            expected: 0,
            procs: ProcTable::default(),
            per_pid: HashMap::new(),
            header: None,
            backing,
        }
    }

    /// An empty store for a live session reading lines back from `file`, the trace the
    /// pipeline writes (None: rows only, no details).
    pub fn live(file: Option<File>) -> Store {
        Store::with_backing(Backing { file, end: 0 })
    }

    /// Open a saved trace: read and check its header here (so a file that is not a trace
    /// fails before the screen changes), then read the rest on a thread of its own.
    pub fn open(path: &Path) -> io::Result<(Store, Loader)> {
        let file = File::open(path)?;
        let total = file.metadata()?.len();
        let consumed = Arc::new(AtomicU64::new(0));
        let counting = CountingBufRead {
            inner: io::BufReader::with_capacity(1 << 16, file.try_clone()?),
            consumed: Arc::clone(&consumed),
        };
        let mut reader = JsonlReader::new(counting);
        let header = reader.next_record().map_err(corrupt)?;
        let end = consumed.load(Ordering::Relaxed);
        let mut store = Store::with_backing(Backing {
            file: Some(file),
            end: total,
        });
        if let Some(h) = &header {
            store.index(h, 0, end);
        }
        // A few batches in flight at most: memory stays bounded whatever the file size.
        let (tx, rx) = mpsc::sync_channel(4);
        let progress = Arc::clone(&consumed);
        std::thread::Builder::new()
            .name("sockwhy-load".into())
            .spawn(move || load_rest(reader, consumed, end, tx))?;
        Ok((
            store,
            Loader {
                rx,
                total,
                read: progress,
            },
        ))
    }

    /// Load a whole saved trace before returning.
    #[cfg(test)]
    pub fn load(path: &Path) -> io::Result<Store> {
        let (mut store, loader) = Store::open(path)?;
        loop {
            match loader.rx.recv() {
                Ok(LoadMsg::Batch(batch)) => {
                    for (rec, off, len) in &batch {
                        store.index(rec, *off, *len);
                    }
                }
                Ok(LoadMsg::Failed(msg)) => return Err(corrupt(msg)),
                Ok(LoadMsg::Done) | Err(_) => return Ok(store),
            }
        }
    }

    /// Index a record the loader read at `off` (its line, `len` bytes).
    pub fn index_loaded(&mut self, rec: &Record, off: u64, len: u64) {
        self.index(rec, off, len);
    }

    /// Index a record that arrived live, with where its line is in the backing trace.
    pub fn push(&mut self, rec: &Record, line: Option<LineAt>) {
        match line {
            Some(l) if self.backing.file.is_some() => {
                self.backing.end = self.backing.end.max(l.offset + l.len);
                self.index(rec, l.offset, l.len);
            }
            _ => self.index(rec, 0, 0),
        }
    }

    fn index(&mut self, rec: &Record, off: u64, len: u64) {
        match rec {
            Record::Header(h) => self.header = Some(h.clone()),
            Record::Process(p) => self.procs.apply(p),
            Record::Syscall(ev) => self.index_syscall(ev, off, len),
            // How the run ended; the feed says so too, and the rows are all there.
            Record::End(_) => {}
        }
    }

    fn index_syscall(&mut self, ev: &SyscallEvent, off: u64, len: u64) {
        let call = self.calls.intern(&ev.syscall.name());
        let errno = ev
            .errno
            .as_ref()
            .map_or(0, |e| self.errnos.intern(&e.name()));
        if errno != 0 {
            let i = errno as usize;
            if self.failures_by_errno.len() <= i {
                self.failures_by_errno.resize(i + 1, 0);
            }
            self.failures_by_errno[i] += 1;
            self.failures += 1;
        }
        let expected = errno != 0
            && ev
                .class
                .as_ref()
                .is_some_and(|c| c.kind.is(FailureKind::Expected));
        self.expected += u64::from(expected);
        let target = call_target(ev)
            .and_then(|t| self.targets.intern_upto(&t, MAX_TARGETS))
            .unwrap_or(0);
        let counts = self.per_pid.entry(ev.pid).or_default();
        counts.0 += 1;
        counts.1 += u64::from(errno != 0);
        let text_off = u32::try_from(self.arena.len()).ok();
        let mut text_len = 0u16;
        if text_off.is_some() {
            let start = self.arena.len();
            let mut whole = true;
            for (i, a) in ev.args.iter().enumerate() {
                if self.arena.len() - start >= ARGS_CAP {
                    whole = false;
                    break;
                }
                if i > 0 {
                    self.arena.extend_from_slice(b", ");
                }
                self.arena.extend_from_slice(clean(a).as_bytes());
            }
            let cut = truncate_at(&self.arena[start..], ARGS_CAP);
            if start + cut < self.arena.len() || !whole {
                // Say that the list shows only the start (the detail pane has it all).
                self.arena.truncate(start + cut);
                self.arena.extend_from_slice(b"...");
            }
            if let Some(rt) = ev.ret_text.as_deref().filter(|_| errno == 0) {
                self.arena.push(SEP);
                let rt = clean(rt);
                let cut = truncate_at(rt.as_bytes(), RET_TEXT_CAP);
                self.arena.extend_from_slice(&rt.as_bytes()[..cut]);
            }
            text_len = (self.arena.len() - start) as u16;
        }
        self.rows.push(Row {
            ts_ns: ev.ts_ns,
            ret: ev.ret,
            line_off: off,
            text_off: text_off.unwrap_or(0),
            line_len: u32::try_from(len).unwrap_or(u32::MAX),
            pid: ev.pid,
            target,
            call,
            errno,
            text_len,
            flags: if expected { EXPECTED } else { 0 }
                | if ev.stack.is_empty() { 0 } else { STACK },
        });
    }

    fn text(&self, r: &Row) -> (&str, Option<&str>) {
        let s = r.text_off as usize;
        let bytes = self
            .arena
            .get(s..s + r.text_len as usize)
            .unwrap_or_default();
        let (args, rt) = match bytes.iter().position(|&b| b == SEP) {
            Some(i) => (&bytes[..i], Some(&bytes[i + 1..])),
            None => (bytes, None),
        };
        // The arena only ever holds whole `clean` strings cut at char boundaries.
        (
            std::str::from_utf8(args).unwrap_or("?"),
            rt.map(|b| std::str::from_utf8(b).unwrap_or("?")),
        )
    }

    /// A row's short text as stored (args, then the decorated return value), for search.
    pub fn raw_text(&self, r: &Row) -> &[u8] {
        let s = r.text_off as usize;
        self.arena
            .get(s..s + r.text_len as usize)
            .unwrap_or_default()
    }

    /// What a row's call talks to (see `target.rs`), terminal-safe; empty when unknown.
    pub fn target(&self, r: &Row) -> &str {
        if r.target == 0 {
            ""
        } else {
            self.targets.name(r.target)
        }
    }

    /// The short args of a row, terminal-safe.
    pub fn args(&self, r: &Row) -> &str {
        self.text(r).0
    }

    /// The result column: `-1 ENOENT`, `3<UNIX-STREAM:[123]>` or the number.
    pub fn result(&self, r: &Row) -> String {
        if r.errno != 0 {
            return format!("{} {}", r.ret, self.errnos.name(r.errno));
        }
        match self.text(r).1 {
            Some(t) => t.to_owned(),
            None => r.ret.to_string(),
        }
    }

    /// Read the full event of a row back from its line.
    pub fn load_event(&mut self, r: &Row) -> io::Result<SyscallEvent> {
        let Some(file) = self.backing.file.as_ref().filter(|_| r.line_len > 0) else {
            return Err(io::Error::other(
                "its full record was not kept (writing the trace failed)",
            ));
        };
        let mut line = vec![0u8; r.line_len as usize];
        file.read_exact_at(&mut line, r.line_off)?;
        match parse_line(&line).map_err(corrupt)? {
            Record::Syscall(ev) => Ok(*ev),
            _ => Err(corrupt("the record at this offset is not a syscall")),
        }
    }

    /// A reader over every line of the backing trace indexed so far (for saving).
    pub fn snapshot_reader(&mut self) -> io::Result<impl Read + Send + use<>> {
        let file = self
            .backing
            .file
            .as_ref()
            .ok_or_else(|| io::Error::other("no copy of the events was kept"))?;
        Ok(AtReader {
            file: file.try_clone()?,
            pos: 0,
            end: self.backing.end,
        })
    }
}

/// What the loader thread sends.
pub(crate) enum LoadMsg {
    /// Records with the offset and length of their lines.
    Batch(Vec<(Record, u64, u64)>),
    /// The whole file is read.
    Done,
    /// Reading stopped here (a corrupt line); what came before is kept.
    Failed(String),
}

/// A saved trace being read in the background.
pub(crate) struct Loader {
    /// Batches of records, in file order.
    pub rx: Receiver<LoadMsg>,
    /// File size.
    pub total: u64,
    /// Bytes read so far.
    pub read: Arc<AtomicU64>,
}

const LOAD_BATCH: usize = 4096;

fn load_rest(
    mut reader: JsonlReader<CountingBufRead<io::BufReader<File>>>,
    consumed: Arc<AtomicU64>,
    mut start: u64,
    tx: SyncSender<LoadMsg>,
) {
    // A small first batch puts the first screen up sooner.
    let mut limit = 256;
    let mut batch = Vec::with_capacity(limit);
    loop {
        match reader.next_record() {
            Ok(Some(rec)) => {
                // The line with its newline (and any blank lines the reader skipped before
                // it, which reading it back skips again).
                let end = consumed.load(Ordering::Relaxed);
                batch.push((rec, start, end - start));
                start = end;
                if batch.len() >= limit {
                    limit = LOAD_BATCH;
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(LOAD_BATCH));
                    if tx.send(LoadMsg::Batch(full)).is_err() {
                        return; // the viewer has quit
                    }
                }
            }
            Ok(None) => {
                let _ = tx.send(LoadMsg::Batch(batch));
                let _ = tx.send(LoadMsg::Done);
                return;
            }
            Err(e) => {
                let _ = tx.send(LoadMsg::Batch(batch));
                let _ = tx.send(LoadMsg::Failed(e.to_string()));
                return;
            }
        }
    }
}

/// Counts the bytes the line reader consumed: after each record, the end of its line.
struct CountingBufRead<R> {
    inner: R,
    consumed: Arc<AtomicU64>,
}

impl<R: BufRead> Read for CountingBufRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for CountingBufRead<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.consumed.fetch_add(amt as u64, Ordering::Relaxed);
        self.inner.consume(amt);
    }
}

/// Reads `[pos, end)` of a file with pread, independent of any other handle's position.
struct AtReader {
    file: File,
    pos: u64,
    end: u64,
}

impl Read for AtReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}
