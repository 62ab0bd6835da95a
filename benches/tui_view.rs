//! `sockwhy view` with a million events: load time, frame time, memory.
//!
//! Run: `cargo bench --bench tui_view` (optionally `-- N` for another event count).
//! Writes a trace to the temp directory, loads it as `view` does, pages through it with
//! the detail pane open on a 120x40 TestBackend, and prints the numbers with the peak
//! resident memory (VmHWM). Also loads 100,000 full records into a Vec, for comparison
//! with keeping every `SyscallEvent` in memory.

use sockwhy::model::{
    Cause, Confidence, FailureClass, FailureKind, Header, ProcessEvent, ProcessEventKind, Record,
    SockAddr, SockId, StackFrame, SyscallEvent, TRACE_FORMAT_NAME, TRACE_FORMAT_VERSION, UnixName,
};
use sockwhy::sink::jsonl::read::JsonlReader;
use sockwhy::sink::jsonl::write::to_json_string;
use std::io::{BufWriter, Write};
use std::time::Instant;

fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .map(|l| l[field.len() + 1..].trim().to_owned())
        .unwrap_or_default()
}

fn kib(field: &str) -> u64 {
    status(field)
        .trim_end_matches(" kB")
        .trim()
        .parse()
        .unwrap_or(0)
}

fn frame(module: &str, function: &str, file: Option<(&str, u32)>) -> StackFrame {
    StackFrame {
        addr: 0x5500_0000_1000,
        module: Some(module.into()),
        offset: Some(0x1000),
        function: Some(function.into()),
        function_offset: Some(0x1b),
        file: file.map(|f| f.0.into()),
        line: file.map(|f| f.1),
        inlined: false,
    }
}

fn event(i: u64) -> SyscallEvent {
    let pid = 1000 + (i % 8) as i32;
    let fd = 3 + (i % 5) as i32;
    let id = SockId {
        fd,
        proto: "UNIX-STREAM".into(),
        inode: 40_000 + i % 1000,
        peer: Some(50_000 + i % 1000),
        path: UnixName::Unnamed,
        peer_path: UnixName::Path("/run/app/server.sock".into()),
        target: None,
    };
    let mut e = SyscallEvent {
        seq: i + 1,
        ts_ns: i * 2_000,
        duration_ns: 900,
        pid,
        tid: pid,
        fd: Some(fd),
        fds: vec![id],
        ..Default::default()
    };
    match i % 10 {
        0..=3 => {
            e.syscall = "sendmsg".into();
            e.args = vec![
                fd.to_string(),
                "{msg_name=NULL, msg_iov=[{iov_base=\"GET /v1/status HTTP/1.1\\r\\n\"..., iov_len=64}], msg_iovlen=1, msg_controllen=0, msg_flags=0}".into(),
                "MSG_NOSIGNAL".into(),
            ];
            e.ret = 64;
        }
        4..=7 => {
            e.syscall = "recvmsg".into();
            e.args = vec![
                fd.to_string(),
                "{msg_name=NULL, msg_iov=[{iov_base=\"HTTP/1.1 200 OK\\r\\n\"..., iov_len=4096}], msg_iovlen=1, msg_controllen=0, msg_flags=0}".into(),
                "0".into(),
            ];
            e.ret = 120;
        }
        8 => {
            e.syscall = "write".into();
            e.args = vec![fd.to_string(), "\"ping\\n\"".into(), "5".into()];
            e.ret = 5;
        }
        _ => {
            // One call in ten fails, with the explanation and a cause.
            e.syscall = "connect".into();
            e.args = vec![
                fd.to_string(),
                "{sa_family=AF_UNIX, sun_path=\"/run/app/missing.sock\"}".into(),
                "110".into(),
            ];
            e.ret = -1;
            e.errno = Some(
                if i % 20 == 9 {
                    "ENOENT"
                } else {
                    "ECONNREFUSED"
                }
                .into(),
            );
            // Five servers: the TARGET column tells the connects apart.
            let target = format!("/run/app/backend-{}.sock", (i / 10) % 5);
            e.args[1] = format!("{{sa_family=AF_UNIX, sun_path=\"{target}\"}}");
            e.addr = Some(SockAddr::unix(UnixName::Path(target.as_str().into()), 110));
            let expected = i % 20 != 9;
            e.class = Some(FailureClass {
                kind: if expected {
                    FailureKind::Expected
                } else {
                    FailureKind::Consequential
                }
                .into(),
                reason: "bench".into(),
                recovered_by: expected.then_some(i + 2),
            });
            e.stack = vec![
                frame("/usr/lib/x86_64-linux-gnu/libc.so.6", "__connect", None),
                frame("/usr/bin/bench", "connect_backend", Some(("src/net.c", 42))),
                frame("/usr/bin/bench", "main", Some(("src/main.c", 120))),
                frame(
                    "/usr/lib/x86_64-linux-gnu/libc.so.6",
                    "__libc_start_call_main",
                    None,
                ),
                frame("/usr/bin/bench", "_start", None),
            ];
            e.explanation = Some(
                "No socket is bound at this path: the file does not exist, or is not a socket."
                    .into(),
            );
            e.man = Some("connect(2)".into());
            e.cause = Some(Cause {
                summary: "The server has not created the socket yet.".into(),
                evidence: vec![
                    "/run/app/missing.sock: no such file".into(),
                    "/run/app: exists, mode 0755, owner root".into(),
                ],
                confidence: Confidence::High.into(),
                ..Cause::default()
            });
        }
    }
    e
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let path = std::env::temp_dir().join(format!("sockwhy-bench-{}.jsonl", std::process::id()));
    let t = Instant::now();
    {
        let mut out = BufWriter::new(std::fs::File::create(&path).expect("create the trace"));
        let header = Record::Header(Header {
            format: TRACE_FORMAT_NAME.into(),
            version: TRACE_FORMAT_VERSION,
            command: vec!["bench".into()],
            attached: vec![],
            start: "2026-01-01T00:00:00Z".into(),
            kernel: "Linux".into(),
            sockwhy: "bench".into(),
        });
        writeln!(out, "{}", to_json_string(&header)).unwrap();
        for pid in 1000..1008 {
            let p = Record::Process(ProcessEvent {
                event: Some(
                    if pid == 1000 {
                        ProcessEventKind::Spawn
                    } else {
                        ProcessEventKind::Fork
                    }
                    .into(),
                ),
                pid,
                tid: pid,
                ppid: (pid != 1000).then_some(1000),
                comm: Some("bench".into()),
                ..Default::default()
            });
            writeln!(out, "{}", to_json_string(&p)).unwrap();
        }
        for i in 0..n {
            let r = Record::Syscall(Box::new(event(i)));
            writeln!(out, "{}", to_json_string(&r)).unwrap();
        }
    }
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "trace: {n} events, {:.0} MiB, written in {:.2?}",
        size as f64 / 1048576.0,
        t.elapsed()
    );
    let r = sockwhy::tui::bench::view_bench(&path, 120, 40, 400, "backend-4.sock\"}, 111")
        .expect("view bench");
    let hwm = kib("VmHWM:");
    println!(
        "load on the loader thread: first rows after {:.2?}, all {} rows after {:.2?}",
        r.first_rows, r.rows, r.load
    );
    println!(
        "frame (update + draw, 120x40, detail open, paging): mean {:.2?}, max {:.2?} over {} frames",
        r.frame_mean, r.frame_max, r.frames
    );
    println!(
        "failures-only filter over all rows: {:.2?}; then expected hidden: {:.2?}",
        r.filter, r.hide_expected
    );
    println!("search that scans every row: {:.2?}", r.search);
    let (before, loaded) = r.rss_kib;
    println!(
        "memory: row {} bytes; RSS {} MiB before, {} MiB loaded ({:.0} bytes/event); peak (VmHWM) {} MiB",
        r.row_bytes,
        before / 1024,
        loaded / 1024,
        (loaded.saturating_sub(before) * 1024) as f64 / r.rows.max(1) as f64,
        hwm / 1024,
    );

    // For comparison: the same events kept whole.
    let sample = 100_000usize.min(r.rows);
    let before = kib("VmRSS:");
    let mut reader = JsonlReader::new(std::io::BufReader::new(
        std::fs::File::open(&path).expect("reopen"),
    ));
    let mut full = Vec::with_capacity(sample);
    while full.len() < sample {
        match reader.next_record() {
            Ok(Some(Record::Syscall(e))) => full.push(e),
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    let after = kib("VmRSS:");
    println!(
        "for comparison, full SyscallEvents: {:.0} bytes/event ({} kept)",
        (after.saturating_sub(before) * 1024) as f64 / full.len().max(1) as f64,
        full.len()
    );
    drop(full);

    // Where the load time goes: the same syscall lines parsed as `Record` (internally
    // tagged, so serde buffers each object before picking the variant) and directly as
    // `SyscallEvent` (which ignores the "type" key).
    let lines: Vec<String> = std::io::BufRead::lines(std::io::BufReader::new(
        std::fs::File::open(&path).expect("reopen"),
    ))
    .skip(9)
    .take(sample)
    .map_while(Result::ok)
    .collect();
    let t = Instant::now();
    let n_tagged = lines
        .iter()
        .filter(|l| serde_json::from_str::<Record>(l).is_ok())
        .count();
    let tagged = t.elapsed();
    let t = Instant::now();
    let n_direct = lines
        .iter()
        .filter(|l| serde_json::from_str::<SyscallEvent>(l).is_ok())
        .count();
    let direct = t.elapsed();
    println!(
        "parse per line: as Record {:.2?} ({n_tagged} ok), as SyscallEvent {:.2?} ({n_direct} ok)",
        tagged / lines.len().max(1) as u32,
        direct / lines.len().max(1) as u32,
    );
    let _ = std::fs::remove_file(&path);
}
