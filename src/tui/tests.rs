//! Snapshot tests of every screen: the real loop, driven by scripted keys, on a
//! TestBackend. Pids and times are fixed because the events are built by hand.

use super::FeedSink;
use super::state::{Run, Session, State};
use super::store::Store;
use super::{Feed, InputSource, SessionIo, run_loop};
use crate::model::{
    Cause, Confidence, EndReason, Header, ProcessEvent, ProcessEventKind, Record, SockAddr, SockId,
    SockKind, SockProto, SyscallEvent, TRACE_FORMAT_NAME, TRACE_FORMAT_VERSION, TraceEnd, UnixName,
};
use crate::sink::Sink;
use crate::sink::jsonl::read::JsonlReader;
use crate::sink::jsonl::write::JsonlWriter;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::time::Duration;
use syscalls::Sysno;

fn header() -> Header {
    Header {
        format: TRACE_FORMAT_NAME.into(),
        version: TRACE_FORMAT_VERSION,
        command: vec!["./client".into()],
        attached: vec![],
        start: "2026-01-01T00:00:00Z".into(),
        kernel: "Linux 6.1".into(),
        sockwhy: "0.1.0".into(),
    }
}

fn call(seq: u64, pid: i32, name: &str, args: &[&str], ret: i64) -> SyscallEvent {
    SyscallEvent {
        seq,
        ts_ns: seq * 1_250_000,
        duration_ns: 12_000,
        pid,
        tid: pid,
        syscall: name.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        ret,
        ..Default::default()
    }
}

fn unix_addr(path: &str) -> SockAddr {
    SockAddr::unix(UnixName::Path(path.into()), 110)
}

fn stream(fd: i32, inode: u64) -> SockId {
    SockId::new(fd, SockProto::Unix(SockKind::Stream), inode)
}

fn proc_ev(kind: ProcessEventKind, ts_ns: u64, pid: i32) -> ProcessEvent {
    ProcessEvent {
        event: Some(kind.into()),
        ts_ns,
        pid,
        tid: pid,
        ..Default::default()
    }
}

/// A small story: a client fails to connect (ENOENT), its helper fails to bind (EACCES).
pub(crate) fn fixture() -> Vec<Record> {
    let mut v = vec![Record::Header(header())];
    let mut spawn = proc_ev(ProcessEventKind::Spawn, 0, 100);
    spawn.exe = Some("/usr/bin/client".into());
    spawn.argv = vec!["./client".into(), "--socket".into(), "/run/app.sock".into()];
    spawn.comm = Some("client".into());
    v.push(Record::Process(spawn));

    let mut e = call(
        1,
        100,
        "socket",
        &["AF_UNIX", "SOCK_STREAM|SOCK_CLOEXEC", "0"],
        3,
    );
    e.ret_text = Some("3<UNIX-STREAM:[4001]>".into());
    e.fds = vec![stream(3, 4001)];
    v.push(Record::Syscall(Box::new(e)));

    let mut e = call(
        2,
        100,
        "connect",
        &[
            "3",
            "{sa_family=AF_UNIX, sun_path=\"/run/app.sock\"}",
            "110",
        ],
        -1,
    );
    e.errno = Some("ENOENT".into());
    e.addr = Some(unix_addr("/run/app.sock"));
    e.fd = Some(3);
    e.fds = vec![stream(3, 4001)];
    e.explanation = Some("No socket is bound at this path: the file does not exist.".into());
    e.man = Some("connect(2)".into());
    e.cause = Some(Cause {
        summary: "The server has not created /run/app.sock yet (or removed it).".into(),
        evidence: vec![
            "/run/app.sock: no such file".into(),
            "/run: exists, a directory".into(),
        ],
        confidence: Confidence::High.into(),
        ..Cause::default()
    });
    v.push(Record::Syscall(Box::new(e)));

    let mut fork = proc_ev(ProcessEventKind::Fork, 3_000_000, 101);
    fork.ppid = Some(100);
    fork.comm = Some("client".into());
    v.push(Record::Process(fork));
    let mut exec = proc_ev(ProcessEventKind::Exec, 3_100_000, 101);
    exec.exe = Some("/usr/libexec/helper".into());
    exec.argv = vec!["helper".into(), "--bind".into()];
    v.push(Record::Process(exec));

    let mut e = call(3, 101, "socket", &["AF_UNIX", "SOCK_DGRAM", "0"], 4);
    e.ret_text = Some("4<UNIX-DGRAM:[4002]>".into());
    v.push(Record::Syscall(Box::new(e)));
    let mut e = call(
        4,
        101,
        "bind",
        &[
            "4",
            "{sa_family=AF_UNIX, sun_path=\"/var/lib/app/helper.sock\"}",
            "110",
        ],
        -1,
    );
    e.errno = Some("EACCES".into());
    e.addr = Some(unix_addr("/var/lib/app/helper.sock"));
    e.explanation = Some("Search or write permission was denied on the path.".into());
    e.man = Some("bind(2)".into());
    e.cause = Some(Cause {
        summary: "uid 1000 cannot write to /var/lib/app.".into(),
        evidence: vec!["/var/lib/app: owner root, mode 0755".into()],
        confidence: Confidence::Medium.into(),
        ..Cause::default()
    });
    v.push(Record::Syscall(Box::new(e)));
    v.push(Record::Syscall(Box::new(call(
        5,
        100,
        "write",
        &["3", "\"hello\\n\"", "6"],
        -1,
    ))));
    if let Some(Record::Syscall(e)) = v.last_mut() {
        e.errno = Some("ENOTCONN".into());
    }
    v.push(Record::Syscall(Box::new(call(6, 100, "close", &["3"], 0))));
    v.push(Record::Syscall(Box::new(call(7, 101, "close", &["4"], 0))));
    let mut exit = proc_ev(ProcessEventKind::Exit, 9_000_000, 101);
    exit.exit_code = Some(1);
    v.push(Record::Process(exit));
    let mut exit = proc_ev(ProcessEventKind::Exit, 9_500_000, 100);
    exit.exit_code = Some(0);
    v.push(Record::Process(exit));
    v
}

/// A file in the temp directory of its own (the pid, and a count for the tests that
/// `cargo test` runs as threads of one process); tests unlink what they write (an open
/// trace reads on after the unlink).
fn temp_path(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "sockwhy-tui-test-{}-{n}-{name}",
        std::process::id()
    ))
}

fn write_trace(name: &str, recs: &[Record]) -> PathBuf {
    let p = temp_path(name);
    let mut w = JsonlWriter::create(&p).unwrap();
    for r in recs {
        w.write(r).unwrap();
    }
    p
}

/// Keys as typed: one char each; `\n` is Enter, `\x1b` Esc.
struct Script {
    events: VecDeque<Event>,
    done: bool,
}

impl Script {
    fn keys(keys: &str) -> Script {
        let events = keys
            .chars()
            .map(|c| {
                let code = match c {
                    '\n' => KeyCode::Enter,
                    '\x1b' => KeyCode::Esc,
                    '\x08' => KeyCode::Backspace,
                    c => KeyCode::Char(c),
                };
                Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
            })
            .collect();
        Script {
            events,
            done: false,
        }
    }
}

impl InputSource for Script {
    fn next(&mut self, _: Duration) -> io::Result<Option<Event>> {
        match self.events.pop_front() {
            Some(e) => Ok(Some(e)),
            // One empty poll lets the loop draw the last state; the next ends the run.
            None if !self.done => {
                self.done = true;
                Ok(None)
            }
            None => Err(io::Error::other("end of script")),
        }
    }
}

fn view_state(name: &str) -> State {
    let p = write_trace(name, &fixture());
    let store = Store::load(&p).unwrap();
    std::fs::remove_file(&p).unwrap();
    State::new(store, Session::View, "trace-saved.jsonl".into())
}

/// Run the real loop on `state` with `keys` at `w` x `h`; the final screen.
fn drive(
    state: &mut State,
    io: &mut SessionIo,
    keys: Script,
    w: u16,
    h: u16,
) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    state.update(super::state::Action::Resize(w, h));
    let mut keys = keys;
    let stop = AtomicBool::new(false);
    match run_loop(&mut term, state, io, &mut keys, &stop) {
        Ok(_) => {}
        Err(e) => assert_eq!(e.to_string(), "end of script"),
    }
    term
}

fn screen(name: &str, keys: &str, w: u16, h: u16) -> String {
    let mut st = view_state(&format!("{name}.jsonl"));
    let mut io = SessionIo::new(None);
    let term = drive(&mut st, &mut io, Script::keys(keys), w, h);
    let text = term.backend().to_string();
    assert_safe(&term);
    text
}

/// Nothing on screen a terminal could act on.
fn assert_safe(term: &Terminal<TestBackend>) {
    for cell in term.backend().buffer().content() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "control character on screen: {:?}",
            cell.symbol()
        );
    }
}

macro_rules! snap {
    ($name:ident, $keys:expr) => {
        #[test]
        fn $name() {
            for (w, h) in [(80, 24), (120, 40)] {
                let s = screen(stringify!($name), $keys, w, h);
                insta::assert_snapshot!(format!("{}_{w}x{h}", stringify!($name)), s);
            }
        }
    };
}

snap!(list, "");
// Down to the connect failure, then its detail.
snap!(detail_of_failure, "j\n");
snap!(failures_only, "f");
// Failures only, to the top (connect), then only its errno, then only its syscall.
snap!(filter_errno_and_call, "fgec");
snap!(filter_pid, "jjjp");
snap!(process_view, "tj");
snap!(process_filters_list, "tj\n");
snap!(search, "/bind\n");
snap!(help, "?");
snap!(save_prompt, "s");

/// The TUI's sink as the pipeline drives it: it writes each record to a private trace
/// and sends it with its line. The sink, its feed, and a read handle on that trace.
fn live_sink() -> (FeedSink, mpsc::Receiver<Feed>, File) {
    let (tx, rx) = mpsc::channel();
    let w = JsonlWriter::spool(&std::env::temp_dir()).unwrap();
    let backing = w.reader().unwrap();
    (FeedSink::new(tx, w, false), rx, backing)
}

/// `recs` through the TUI's sink, then (with `end`) the end of the trace.
fn live_feed(recs: &[Record], end: Option<Option<i32>>) -> (mpsc::Receiver<Feed>, File) {
    let (mut sink, rx, backing) = live_sink();
    for r in recs {
        sink.write(r).unwrap();
    }
    if let Some(exit_code) = end {
        finish(&mut sink, exit_code);
    }
    (rx, backing)
}

fn finish(sink: &mut FeedSink, exit_code: Option<i32>) {
    sink.finish(&TraceEnd {
        how: EndReason::Exited.into(),
        exit_code,
    })
    .unwrap();
}

fn live_state(attached: bool) -> State {
    let (rx, backing) = live_feed(&fixture()[..8], None);
    let store = Store::live(Some(backing));
    let mut st = State::new(store, Session::Live { attached }, "live.jsonl".into());
    while let Ok(Feed::Record(r, line)) = rx.try_recv() {
        st.ingest(&r, line);
    }
    st.after_ingest();
    st
}

#[test]
fn quit_dialog_attached() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut st = live_state(true);
        let term = drive(&mut st, &mut SessionIo::new(None), Script::keys("q"), w, h);
        insta::assert_snapshot!(
            format!("quit_dialog_attached_{w}x{h}"),
            term.backend().to_string()
        );
        assert_eq!(st.quit, None, "the dialog asks first");
    }
}

#[test]
fn quit_dialog_spawned() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut st = live_state(false);
        let term = drive(&mut st, &mut SessionIo::new(None), Script::keys("q"), w, h);
        insta::assert_snapshot!(
            format!("quit_dialog_spawned_{w}x{h}"),
            term.backend().to_string()
        );
    }
}

#[test]
fn quit_choices() {
    use super::state::QuitChoice;
    let mut st = live_state(true);
    drive(
        &mut st,
        &mut SessionIo::new(None),
        Script::keys("qd"),
        80,
        24,
    );
    assert_eq!(st.quit, Some(QuitChoice::Detach));
    // A spawned child cannot be detached: `d` does nothing, `k` ends it.
    let mut st = live_state(false);
    drive(
        &mut st,
        &mut SessionIo::new(None),
        Script::keys("qd"),
        80,
        24,
    );
    assert_eq!(st.quit, None);
    let mut st = live_state(false);
    drive(
        &mut st,
        &mut SessionIo::new(None),
        Script::keys("qk"),
        80,
        24,
    );
    assert_eq!(st.quit, Some(QuitChoice::Kill));
    // Once the program has ended, q just quits.
    let mut st = live_state(false);
    st.finish(Some(0));
    drive(
        &mut st,
        &mut SessionIo::new(None),
        Script::keys("q"),
        80,
        24,
    );
    assert_eq!(st.quit, Some(QuitChoice::Quit));
    // A saved trace quits at once.
    let mut st = view_state("quit.jsonl");
    drive(
        &mut st,
        &mut SessionIo::new(None),
        Script::keys("q"),
        80,
        24,
    );
    assert_eq!(st.quit, Some(QuitChoice::Quit));
}

#[test]
fn live_feed_and_program_terminal() {
    let (mut sink, rx, backing) = live_sink();
    for r in fixture() {
        sink.write(&r).unwrap();
    }
    sink.warning("pid 7: \x1b[2Jgone").unwrap();
    finish(&mut sink, Some(3));
    let store = Store::live(Some(backing));
    let mut st = State::new(
        store,
        Session::Live { attached: false },
        "live.jsonl".into(),
    );
    st.attach_pty(8, 80);
    if let Some(p) = st.pty.as_mut() {
        // Escape sequences are interpreted by the vt100 parser, not passed through.
        p.parser
            .process(b"\x1b[2J\x1b[Hserver: \x1b[31mlistening\x1b[0m\r\n\x1b]0;title\x07$ ");
    }
    let mut io = SessionIo::new(None);
    io.feed = Some(rx);
    for (w, h) in [(80, 24), (120, 40)] {
        let term = drive(&mut st, &mut io, Script::keys(""), w, h);
        assert_safe(&term);
        insta::assert_snapshot!(format!("live_finished_{w}x{h}"), term.backend().to_string());
    }
    assert_eq!(st.run, Run::Finished(Some(3)));
    assert_eq!(st.store.rows.len(), 7);
    // Follow mode sticks to the newest.
    assert_eq!(st.sel, Some(6));
}

#[test]
fn hostile_text_never_reaches_the_screen() {
    let mut recs = fixture();
    if let Record::Header(h) = &mut recs[0] {
        h.command = vec!["./x\x1b[2J".into()];
    }
    let mut p = proc_ev(ProcessEventKind::Fork, 1, 666);
    p.ppid = Some(100);
    p.comm = Some("evil\x1b]0;pwned\x07\u{9b}31m".into());
    recs.push(Record::Process(p));
    let mut e = call(8, 666, "connect\x1b[2J", &["\x1b[31mred"], -1);
    e.errno = Some("EVIL\x07".into());
    e.explanation = Some("bell\x07".into());
    e.fds = vec![SockId {
        path: UnixName::Path(b"\x1b[H/tmp/x"[..].into()),
        ..stream(3, 1)
    }];
    recs.push(Record::Syscall(Box::new(e)));
    let path = write_trace("hostile.jsonl", &recs);
    let mut st = State::new(Store::load(&path).unwrap(), Session::View, "x".into());
    std::fs::remove_file(&path).unwrap();
    for keys in ["G\n", "t", "tG"] {
        let term = drive(
            &mut st,
            &mut SessionIo::new(None),
            Script::keys(keys),
            120,
            40,
        );
        assert_safe(&term);
        let text = term.backend().to_string();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
        assert!(text.contains("\\x1b"), "shown escaped: {text}");
        st.update(super::state::Action::Back);
    }
}

#[test]
fn mouse_click_and_wheel_select_rows() {
    let mut st = view_state("mouse.jsonl");
    let mut io = SessionIo::new(None);
    let click = |row| {
        Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 10,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let wheel = Event::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 5,
        modifiers: KeyModifiers::NONE,
    });
    // Row 0 is the border, row 1 the column header: row 4 is the third event.
    let script = Script {
        events: VecDeque::from([click(4)]),
        done: false,
    };
    drive(&mut st, &mut io, script, 80, 24);
    assert_eq!(st.sel, Some(2));
    let script = Script {
        events: VecDeque::from([wheel]),
        done: false,
    };
    drive(&mut st, &mut io, script, 80, 24);
    assert_eq!(st.sel, Some(5));
}

#[test]
fn search_moves_between_matches() {
    let mut st = view_state("search.jsonl");
    let mut io = SessionIo::new(None);
    drive(&mut st, &mut io, Script::keys("/close\n"), 80, 24);
    assert_eq!(st.sel, Some(5));
    drive(&mut st, &mut io, Script::keys("n"), 80, 24);
    assert_eq!(st.sel, Some(6));
    drive(&mut st, &mut io, Script::keys("n"), 80, 24);
    assert_eq!(st.sel, Some(5), "wraps around");
    drive(&mut st, &mut io, Script::keys("N"), 80, 24);
    assert_eq!(st.sel, Some(6));
}

#[test]
fn save_writes_a_trace_that_reads_back() {
    let mut st = view_state("save-src.jsonl");
    let out = temp_path("saved-out.jsonl");
    let _ = std::fs::remove_file(&out);
    st.default_save = out.clone();
    let mut io = SessionIo::new(None);
    drive(&mut st, &mut io, Script::keys("fs\n"), 80, 24);
    for _ in 0..500 {
        io.pump(&mut st).unwrap();
        if !st.saving {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!st.saving);
    let msg = st.message.clone().unwrap_or_default();
    assert!(msg.starts_with("saved 13 records"), "{msg}");
    let mut r = JsonlReader::new(io::BufReader::new(std::fs::File::open(&out).unwrap()));
    let mut recs = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        recs.push(rec);
    }
    assert_eq!(
        recs,
        fixture(),
        "the whole trace, not only what the filter shows"
    );
    std::fs::remove_file(&out).unwrap();
}

#[test]
fn live_save_uses_the_real_header() {
    let mut st = live_state(false);
    let out = temp_path("live-saved.jsonl");
    let _ = std::fs::remove_file(&out);
    st.default_save = out.clone();
    let mut io = SessionIo::new(None);
    drive(&mut st, &mut io, Script::keys("s\n"), 80, 24);
    for _ in 0..500 {
        io.pump(&mut st).unwrap();
        if !st.saving {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut r = JsonlReader::new(io::BufReader::new(std::fs::File::open(&out).unwrap()));
    let mut recs = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        recs.push(rec);
    }
    assert_eq!(recs, fixture()[..8].to_vec());
    std::fs::remove_file(&out).unwrap();
}

#[test]
fn saving_over_the_viewed_trace_is_refused() {
    let path = write_trace("self.jsonl", &fixture());
    let mut st = State::new(Store::load(&path).unwrap(), Session::View, path.clone());
    let mut io = SessionIo::new(Some(path.clone()));
    drive(&mut st, &mut io, Script::keys("s\n"), 80, 24);
    assert!(!st.saving);
    assert!(st.message.unwrap_or_default().contains("being viewed"));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn detail_reads_the_full_event_back() {
    let mut st = view_state("detail.jsonl");
    drive(
        &mut st,
        &mut SessionIo::new(None),
        Script::keys("j\n"),
        80,
        24,
    );
    let Some((_, Ok(ev))) = &st.detail else {
        panic!("no detail")
    };
    assert_eq!(ev.syscall, Sysno::connect);
    assert_eq!(
        ev.cause.as_ref().and_then(|c| c.confidence.known()),
        Some(Confidence::High)
    );
}

#[test]
fn a_feed_backlog_is_taken_over_several_frames_and_nothing_is_dropped() {
    let n = 6_000u64;
    let recs: Vec<Record> = (0..n)
        .map(|i| Record::Syscall(Box::new(call(i + 1, 100, "write", &["3"], 1))))
        .collect();
    let (rx, backing) = live_feed(&recs, Some(Some(0)));
    let store = Store::live(Some(backing));
    let mut st = State::new(store, Session::Live { attached: false }, "x".into());
    let mut io = SessionIo::new(None);
    io.feed = Some(rx);
    let mut frames = 0;
    while st.run == Run::Tracing {
        io.pump(&mut st).unwrap();
        frames += 1;
        assert!(frames < 100_000);
    }
    assert_eq!(st.store.rows.len() as u64, n);
    assert_eq!(st.view.len() as u64, n);
    assert_eq!(st.sel, Some(n as usize - 1), "follow mode is at the newest");
    // The last event reads back whole from the trace the sink wrote.
    let last = st.store.rows[n as usize - 1];
    assert_eq!(st.store.load_event(&last).unwrap().seq, n);
}

#[test]
fn resizing_keeps_the_selection_on_screen() {
    let recs: Vec<Record> = (0..500)
        .map(|i| Record::Syscall(Box::new(call(i + 1, 100, "read", &["3"], 1))))
        .collect();
    let (rx, backing) = live_feed(&recs, None);
    let store = Store::live(Some(backing));
    let mut st = State::new(store, Session::Live { attached: true }, "x".into());
    let mut io = SessionIo::new(None);
    io.feed = Some(rx);
    // Each frame takes what fits in its time budget; take all 500 first.
    while st.store.rows.len() < 500 {
        io.pump(&mut st).unwrap();
    }
    drive(&mut st, &mut io, Script::keys(""), 120, 40);
    assert_eq!(st.sel, Some(499));
    let resize = Script {
        events: VecDeque::from([
            Event::Resize(80, 24),
            Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        ]),
        done: false,
    };
    let term = drive(&mut st, &mut io, resize, 80, 24);
    let h = st.list_rows();
    let sel = st.sel.unwrap();
    assert!(
        st.top <= sel && sel < st.top + h,
        "top {} sel {sel} h {h}",
        st.top
    );
    assert!(term.backend().to_string().contains("read(3) = 1"));
}

#[test]
fn failures_are_coloured_by_errno() {
    use ratatui::style::Color;
    let mut st = view_state("colour.jsonl");
    let term = drive(
        &mut st,
        &mut SessionIo::new(None),
        Script::keys("G"),
        80,
        24,
    );
    let buf = term.backend().buffer();
    // Rows start below the border and the header: y=2 is the first event.
    let fg = |y: u16| buf[(30, y)].fg;
    assert_eq!(fg(2), Color::Reset, "a success keeps the default colour");
    assert_eq!(fg(3), super::ui::errno_color("ENOENT"));
    assert_eq!(fg(5), super::ui::errno_color("EACCES"));
    assert_ne!(fg(3), fg(5), "different errnos, different colours");
}

fn load_in_background(path: &std::path::Path) -> (State, SessionIo) {
    let (store, loader) = Store::open(path).unwrap();
    let mut st = State::new(store, Session::View, "x".into());
    st.run = Run::Loading(0);
    let mut io = SessionIo::new(None);
    io.loader = Some(loader);
    for _ in 0..1000 {
        io.pump(&mut st).unwrap();
        if st.run == Run::Loaded {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (st, io)
}

#[test]
fn a_saved_trace_loads_in_the_background() {
    let path = write_trace("background.jsonl", &fixture());
    let (mut st, mut io) = load_in_background(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(st.run, Run::Loaded);
    assert_eq!(st.store.rows.len(), 7);
    assert_eq!(st.store.procs.len(), 2);
    let term = drive(&mut st, &mut io, Script::keys("j\n"), 80, 24);
    assert!(term.backend().to_string().contains("Likely cause"));
}

#[test]
fn a_corrupt_line_keeps_what_came_before_and_says_so() {
    let path = write_trace("corrupt.jsonl", &fixture()[..4]);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"type\":\"syscall\",\"seq\":\n");
    std::fs::write(&path, text).unwrap();
    let (st, _io) = load_in_background(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(st.run, Run::Loaded);
    assert_eq!(st.store.rows.len(), 2);
    let m = st.message.unwrap_or_default();
    assert!(m.contains("line 5"), "{m}");
}

#[test]
fn a_file_that_is_not_a_trace_fails_before_the_screen_changes() {
    let path = temp_path("not-a-trace.jsonl");
    std::fs::write(&path, "hello\n").unwrap();
    assert!(Store::open(&path).is_err());
    assert!(super::run_view(&path).is_err());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn tiny_terminals_do_not_panic() {
    for (w, h) in [(1, 1), (10, 4), (20, 6), (40, 10)] {
        for keys in ["", "j\n", "t", "?", "s", "/x", "fgec"] {
            let mut st = view_state("tiny.jsonl");
            drive(&mut st, &mut SessionIo::new(None), Script::keys(keys), w, h);
        }
        let mut st = live_state(true);
        st.attach_pty(3, 10);
        drive(&mut st, &mut SessionIo::new(None), Script::keys("q"), w, h);
    }
}

/// tests/fixtures/known-names.jsonl with one name changed, loaded as `view` loads it; the
/// screen after `keys`.
fn view_with(from: &str, to: &str, keys: &str) -> (State, String) {
    let text = include_str!("../../tests/fixtures/known-names.jsonl");
    assert!(text.contains(from), "{from} not in the fixture");
    let tag: String = to.chars().filter(char::is_ascii_alphanumeric).collect();
    let p = temp_path(&format!("names-{tag}.jsonl"));
    std::fs::write(&p, text.replace(from, to)).unwrap();
    let store = Store::load(&p).unwrap();
    std::fs::remove_file(&p).unwrap();
    let mut st = State::new(store, Session::View, "x.jsonl".into());
    let term = drive(
        &mut st,
        &mut SessionIo::new(None),
        Script::keys(keys),
        120,
        40,
    );
    assert_safe(&term);
    (st, term.backend().to_string())
}

/// The detail pane of the first call opened: the full event as read back.
fn detail_with(from: &str, to: &str) -> (SyscallEvent, String) {
    let (st, screen) = view_with(from, to, "\n");
    let Some((_, Ok(ev))) = &st.detail else {
        panic!("no detail: {screen}")
    };
    ((**ev).clone(), screen)
}

#[test]
fn view_shows_an_unknown_syscall_as_it_is() {
    let (ev, screen) = detail_with("\"syscall\":\"connect\"", "\"syscall\":\"frobnicate\"");
    assert_eq!(ev.syscall.name(), "frobnicate");
    assert!(screen.contains("frobnicate(3<UNIX-STREAM"), "{screen}");
}

#[test]
fn view_shows_an_unknown_errno_as_it_is() {
    let (ev, screen) = detail_with("\"errno\":\"ENOENT\"", "\"errno\":\"EFUTURE\"");
    assert_eq!(ev.errno.unwrap().name(), "EFUTURE");
    assert!(screen.contains("-1 EFUTURE"), "{screen}");
}

#[test]
fn view_shows_an_unknown_socket_kind_as_it_is() {
    let (_, screen) = detail_with("\"proto\":\"UNIX-STREAM\"", "\"proto\":\"QUIC\"");
    assert!(screen.contains("fd 3: QUIC inode 81234"), "{screen}");
}

#[test]
fn view_reads_an_unknown_cmsg_kind() {
    let (st, screen) = view_with(
        "{\"cmsg\":\"rights\",\"fds\":[9],\"targets\":[null]}",
        "{\"cmsg\":\"timestamp\",\"ns\":5}",
        "j\n",
    );
    let Some((_, Ok(ev))) = &st.detail else {
        panic!("no detail: {screen}")
    };
    assert_eq!(
        ev.msgs[0].cmsgs,
        vec![crate::model::Cmsg::Other {
            cmsg: "timestamp".into()
        }]
    );
    assert!(screen.contains("sendmsg(4"), "{screen}");
}

#[test]
fn view_shows_an_unknown_address_kind_as_it_is() {
    let (_, screen) = detail_with(
        "\"kind\":\"path\",\"path\":\"/run/app.sock\"",
        "\"kind\":\"vsock\",\"path\":\"cid:3\"",
    );
    assert!(
        screen.contains("AF_UNIX vsock \"cid:3\" addrlen 16"),
        "{screen}"
    );
}

#[test]
fn view_shows_an_unknown_process_event_as_it_is() {
    let (_, screen) = view_with("\"event\":\"exec\"", "\"event\":\"migrate\"", "t");
    assert!(
        screen.contains("events this sockwhy does not know: migrate"),
        "{screen}"
    );
}

#[test]
fn view_shows_an_unknown_confidence_as_it_is() {
    let (_, screen) = detail_with("\"confidence\":\"high\"", "\"confidence\":\"certain\"");
    assert!(screen.contains("(certain confidence)"), "{screen}");
}

/// tests/fixtures/noisy-client.jsonl, loaded as `view` loads it: nscd lookups and fd
/// probes (expected failures), connects to five sockets, one refused and recovered, a
/// helper's bind, and real failures with rule ids, fixes and stacks.
fn noisy_state() -> State {
    let p = temp_path("noisy.jsonl");
    std::fs::write(&p, include_str!("../../tests/fixtures/noisy-client.jsonl")).unwrap();
    let store = Store::load(&p).unwrap();
    std::fs::remove_file(&p).unwrap();
    State::new(store, Session::View, "noisy-saved.jsonl".into())
}

fn noisy_screen(keys: &str, w: u16, h: u16) -> (State, String) {
    let mut st = noisy_state();
    let term = drive(&mut st, &mut SessionIo::new(None), Script::keys(keys), w, h);
    assert_safe(&term);
    let text = term.backend().to_string();
    (st, text)
}

macro_rules! snap_noisy {
    ($name:ident, $keys:expr) => {
        #[test]
        fn $name() {
            for (w, h) in [(80, 24), (120, 40)] {
                let (_, s) = noisy_screen($keys, w, h);
                insta::assert_snapshot!(format!("{}_{w}x{h}", stringify!($name)), s);
            }
        }
    };
}

// The TARGET column, and `·` marking the expected failures.
snap_noisy!(noisy_list, "");
// Failures only, then the expected ones hidden too.
snap_noisy!(noisy_expected_hidden, "fE");
// A real failure's detail: class, rule id, fix and the folded stack.
snap_noisy!(noisy_detail_stack, "/db.sock\n\n");
// The same, scrolled down to the stack, every frame.
snap_noisy!(noisy_detail_unfolded, "/db.sock\n\nuJJJJJJJJ");
// An expected failure's detail: why it is harmless, and the call that recovered.
snap_noisy!(noisy_detail_expected, "/metrics.sock\n\n");
// The arguments scrolled sideways.
snap_noisy!(noisy_hscroll, "jjjllll");

#[test]
fn expected_failures_are_coloured_apart_and_can_be_hidden() {
    let (mut st, screen) = noisy_screen("", 120, 40);
    let buf_fg = |st: &mut State, row: usize| {
        let term = drive(st, &mut SessionIo::new(None), Script::keys(""), 120, 40);
        // y=2 is the first event; column 40 is inside the TARGET column.
        term.backend().buffer()[(40, 2 + row as u16)].fg
    };
    let failed: Vec<usize> = (0..st.view.len())
        .filter(|&p| st.row_at(p).is_some_and(|r| r.errno != 0))
        .collect();
    let expected: Vec<usize> = failed
        .iter()
        .copied()
        .filter(|&p| st.row_at(p).is_some_and(|r| r.expected()))
        .collect();
    assert_eq!(
        st.store.expected, 7,
        "2 nscd, 4 probes, 1 refused: {screen}"
    );
    assert_eq!(failed.len(), 13);
    st.follow = false;
    let first_expected = expected[0];
    let first_real = failed
        .iter()
        .copied()
        .find(|p| !expected.contains(p))
        .unwrap();
    assert!(first_real < 38 && first_expected < 38, "both on screen");
    assert_eq!(
        buf_fg(&mut st, first_expected),
        super::ui::EXPECTED_COLOR,
        "{screen}"
    );
    let real = buf_fg(&mut st, first_real);
    assert_ne!(real, super::ui::EXPECTED_COLOR);
    assert_eq!(real, super::ui::errno_color("EADDRINUSE"));
    assert!(
        screen.contains("(7 expected, E hides)"),
        "status bar: {screen}"
    );

    // `E` hides them, with the failures filter and without it.
    st.update(super::state::Action::ToggleFailures);
    assert_eq!(st.view.len(), 13);
    st.update(super::state::Action::ToggleExpected);
    assert_eq!(st.view.len(), 6);
    assert!(
        st.view
            .iter()
            .all(|&i| !st.store.rows[i as usize].expected())
    );
    st.update(super::state::Action::ToggleFailures);
    assert_eq!(st.view.len(), 34 - 7);
    let term = drive(
        &mut st,
        &mut SessionIo::new(None),
        Script::keys(""),
        120,
        40,
    );
    let s = term.backend().to_string();
    assert!(s.contains("Events 27/34 [-expected]"), "{s}");
    assert!(s.contains("(7 expected hidden, E shows)"), "{s}");
    st.update(super::state::Action::ToggleExpected);
    assert_eq!(st.view.len(), 34);
}

#[test]
fn five_connects_show_five_targets() {
    let (st, screen) = noisy_screen("", 120, 40);
    let targets: std::collections::BTreeSet<&str> = (0..st.view.len())
        .filter_map(|p| st.row_at(p))
        .filter(|r| st.store.calls.name(r.call) == "connect")
        .map(|r| st.store.target(r))
        .collect();
    assert_eq!(
        targets.into_iter().collect::<Vec<_>>(),
        [
            "/run/app/api.sock",
            "/run/app/db.sock",
            "/run/app/metrics.sock",
            "/var/lib/app/cache/shards/primary/cache-server.sock",
            "/var/run/nscd/socket",
            "@app-metrics",
        ]
    );
    for t in [
        "/run/app/api.sock",
        "/run/app/metrics.sock",
        "@app-metrics",
        "/run/app/db.sock",
        "…imary/cache-server.sock",
    ] {
        assert!(screen.contains(t), "{t} in the TARGET column: {screen}");
    }
    // The search looks at targets too.
    let (st, _) = noisy_screen("/api.sock\n", 120, 40);
    let r = st.selected().unwrap();
    assert_eq!(st.store.target(r), "/run/app/api.sock");
}

#[test]
fn horizontal_scroll_is_bounded_and_shown() {
    let (mut st, _) = noisy_screen("", 80, 24);
    for _ in 0..100 {
        st.update(super::state::Action::HScroll(8));
    }
    assert_eq!(st.hscroll as usize, super::store::ARGS_CAP);
    for _ in 0..100 {
        st.update(super::state::Action::HScroll(-8));
    }
    assert_eq!(st.hscroll, 0);
    let (_, s) = noisy_screen("ll", 80, 24);
    assert!(s.contains("args from column 17 (h/l)"), "{s}");
}

#[test]
fn the_stack_folds_and_unfolds() {
    let (st, folded) = noisy_screen("/db.sock\n\n", 120, 40);
    assert!(st.selected().is_some_and(|r| r.has_stack()));
    assert!(
        folded.contains("runtime frames folded: u unfolds"),
        "{folded}"
    );
    assert!(
        folded.contains("#4-6 3 frames in libc.so.6, C start-up"),
        "{folded}"
    );
    assert!(
        folded.contains("#1 /opt/app/bin/client connect_db+0x3e at src/db.c:42"),
        "{folded}"
    );
    let (_, unfolded) = noisy_screen("/db.sock\n\nu", 120, 40);
    assert!(unfolded.contains("every frame: u folds"), "{unfolded}");
    assert!(
        unfolded.contains("#4 /usr/lib/x86_64-linux-gnu/libc.so.6 __libc_start_call_main+0x80"),
        "{unfolded}"
    );
    assert!(folded.contains("rule connect.no-socket-file"), "{folded}");
    assert!(folded.contains("Start the database"), "the fix: {folded}");
}

#[test]
fn a_row_stays_48_bytes() {
    // A million events are a million rows: the target and the flags fit in the padding.
    assert!(std::mem::size_of::<super::store::Row>() <= 48);
}
