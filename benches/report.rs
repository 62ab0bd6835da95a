//! How fast `sockwhy report` reads a big trace, and how much memory it needs.
//!
//!     cargo bench --bench report              # 1,000,000 events (and 100,000 for comparison)
//!     cargo bench --bench report -- 200000    # another size
//!
//! Generates a trace shaped like a real one (a process tree, execs, signals; a tenth of
//! the calls failing across a few dozen groups, with explanation, cause, class and a `-k`
//! stack from one of five call sites, and decoded msghdrs), then times the release binary on it for each report format and for `-c`,
//! and reports its peak RSS. Peak RSS comes from getrusage(RUSAGE_CHILDREN) in a helper
//! process that runs just that one command, so each figure is that run's alone.
//!
//! Measured 2026-11-24 on the 2-core development machine while five other builds ran
//! (load average about 10, so wall time is 3-4x the CPU time), 1,000,000 events, 609 MB:
//! 2.3-2.4 s of CPU for every format and for `-c`, 7.7-11.7 s wall, peak RSS 4.3-5.2 MB,
//! the same peak RSS as for 100,000 events: memory does not grow with the trace.

use sockwhy::model::{
    Cause, Confidence, FailureClass, FailureKind, Header, IoVec, MsgHdr, Named, ProcessEvent,
    ProcessEventKind, Record, SockAddr, SockId, StackFrame, SyscallEvent, UnixName,
};
use sockwhy::sink::jsonl::write::to_json_string;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--measure-child") {
        measure_child(&args[1..]);
        return;
    }
    let sizes: Vec<u64> = match args.iter().find_map(|a| a.parse().ok()) {
        Some(n) => vec![n],
        None => vec![100_000, 1_000_000],
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let bin = env!("CARGO_BIN_EXE_sockwhy");
    println!(
        "{:>9} {:>6} {:<9} {:>8} {:>8} {:>10} {:>13}",
        "events", "MB", "run", "wall s", "CPU s", "peak RSS", "events/CPU s"
    );
    for n in sizes {
        let file = dir.join(format!("report-bench-{n}.jsonl"));
        let t = Instant::now();
        generate(&file, n);
        let mb = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
        eprintln!(
            "generated {} ({mb:.0} MB) in {:.1}s",
            file.display(),
            t.elapsed().as_secs_f64()
        );
        for (label, extra) in [
            ("text", vec!["--format", "text"]),
            ("markdown", vec!["--format", "markdown"]),
            ("html", vec!["--format", "html"]),
            ("json", vec!["--format", "json"]),
            ("-c", vec!["-c"]),
        ] {
            let (secs, rss_kib, cpu) = measure(bin, &file, &extra);
            println!(
                "{n:>9} {mb:>6.0} {label:<9} {secs:>8.2} {cpu:>8.2} {:>7.1} MB {:>13.0}",
                rss_kib as f64 / 1024.0,
                n as f64 / cpu.max(0.001)
            );
        }
        let _ = std::fs::remove_file(&file);
    }
}

/// Run `sockwhy report EXTRA FILE -o /dev/null` through a helper; (wall seconds, peak
/// RSS KiB, CPU seconds). CPU time is the steadier figure on a busy machine.
fn measure(bin: &str, file: &Path, extra: &[&str]) -> (f64, i64, f64) {
    let me = std::env::current_exe().expect("own path");
    let out = Command::new(me)
        .arg("--measure-child")
        .arg(bin)
        .arg("report")
        .args(extra)
        .args(["-o", "/dev/null"])
        .arg(file)
        .stderr(Stdio::inherit())
        .output()
        .expect("run helper");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    let secs = it.next().and_then(|s| s.parse().ok()).expect("seconds");
    let rss = it.next().and_then(|s| s.parse().ok()).expect("rss");
    let cpu = it.next().and_then(|s| s.parse().ok()).expect("cpu");
    (secs, rss, cpu)
}

/// In the helper: run the command, print "seconds peak_rss_kib".
fn measure_child(cmd: &[String]) {
    let t = Instant::now();
    let st = Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdout(Stdio::null())
        .status()
        .expect("run sockwhy");
    let secs = t.elapsed().as_secs_f64();
    assert!(st.success(), "sockwhy report failed: {st}");
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    let cpu = usage.user_time() + usage.system_time();
    let cpu = cpu.tv_sec() as f64 + cpu.tv_usec() as f64 / 1e6;
    println!("{secs:.3} {} {cpu:.3}", usage.max_rss());
}

/// A `-k` stack of a failing connect made from one of five places in the program.
fn stack(site: u64) -> Vec<StackFrame> {
    let frame = |module: &str, function: &str, offset: u64, file: Option<(&str, u32)>| StackFrame {
        addr: 0x5500_0000_0000 + offset,
        module: Some(module.into()),
        offset: Some(offset),
        function: Some(function.into()),
        function_offset: Some(0x1b),
        file: file.map(|f| f.0.into()),
        line: file.map(|f| f.1),
        inlined: false,
    };
    let libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    let prog = "/usr/bin/worker";
    vec![
        frame(libc, "__connect", 0x11a7cb, None),
        frame(
            prog,
            &format!("connect_backend_{site}"),
            0x4000 + site * 0x100,
            Some(("src/net.c", 40 + site as u32)),
        ),
        frame(prog, "run_worker", 0x5000, Some(("src/worker.c", 88))),
        frame(prog, "main", 0x1a2b, Some(("src/main.c", 120))),
        frame(libc, "__libc_start_call_main", 0x29d90, None),
        frame(libc, "__libc_start_main_impl", 0x29e40, None),
        frame(prog, "_start", 0x1125, None),
    ]
}

/// Write a trace of `n` records (header and process events included).
fn generate(path: &Path, n: u64) {
    let f = std::fs::File::create(path).expect("create bench trace");
    let mut w = BufWriter::with_capacity(1 << 20, f);
    let mut put = |r: &Record| {
        w.write_all(to_json_string(r).as_bytes()).unwrap();
        w.write_all(b"\n").unwrap();
    };
    put(&Record::Header(Header {
        format: "sockwhy-trace".into(),
        version: 1,
        command: vec!["/usr/bin/loadgen".into(), "--workers".into(), "64".into()],
        attached: vec![],
        start: "2026-11-24T05:00:00Z".into(),
        kernel: "Linux 6.1.0".into(),
        sockwhy: "0.1.0".into(),
    }));
    let main = 1000;
    let procs: Vec<i32> = (0..64).map(|i| main + 1 + i).collect();
    let pe = |event, ts_ns, pid, ppid| ProcessEvent {
        event: Some(Named::Known(event)),
        ts_ns,
        pid,
        tid: pid,
        ppid,
        ..ProcessEvent::default()
    };
    put(&Record::Process(pe(ProcessEventKind::Spawn, 0, main, None)));
    for &p in &procs {
        put(&Record::Process(pe(
            ProcessEventKind::Fork,
            1000,
            p,
            Some(main),
        )));
        put(&Record::Process(ProcessEvent {
            exe: Some("/usr/bin/worker".into()),
            argv: vec!["worker".into(), format!("--id={p}")],
            comm: Some("worker".into()),
            ..pe(ProcessEventKind::Exec, 2000, p, None)
        }));
    }
    let written = 2 + 2 * procs.len() as u64;
    let calls = n.saturating_sub(written + 2 * procs.len() as u64 + 1);
    let step = 60_000_000_000 / calls.max(1); // a minute of tracing
    let cause = Cause {
        summary: "Nothing is listening at this path: the socket file does not exist.".into(),
        evidence: vec![
            "stat(path) as the process sees it: ENOENT".into(),
            "parent directory exists: owner root:root, mode 0755".into(),
        ],
        confidence: Confidence::High.into(),
        ..Default::default()
    };
    for i in 0..calls {
        let pid = procs[(i % procs.len() as u64) as usize];
        let ts = 10_000 + i * step;
        let sock = SockId {
            fd: 3,
            proto: "UNIX-STREAM".into(),
            inode: 50_000 + (i % 1000),
            peer: Some(60_000 + (i % 1000)),
            path: UnixName::Unnamed,
            peer_path: UnixName::Path("/run/app/server.sock".into()),
            target: None,
        };
        let ev = if i % 10 == 0 {
            let k = (i / 10) % 40;
            let p = format!("/run/app/backend-{k}.sock");
            SyscallEvent {
                seq: i + 1,
                ts_ns: ts,
                duration_ns: 12_000,
                pid,
                tid: pid,
                syscall: "connect".into(),
                args: vec![
                    "3<UNIX-STREAM:[50000]>".into(),
                    format!("{{sun_family=AF_UNIX, sun_path=\"{p}\"}}"),
                    "30".into(),
                ],
                ret: -1,
                errno: Some(if k % 3 == 0 { "ECONNREFUSED" } else { "ENOENT" }.into()),
                // A refused connect is retried elsewhere and recovers; a missing path is real.
                class: Some(FailureClass {
                    kind: if k % 3 == 0 {
                        FailureKind::Expected
                    } else {
                        FailureKind::Consequential
                    }
                    .into(),
                    reason: "bench".into(),
                    recovered_by: (k % 3 == 0).then_some(i + 2),
                }),
                stack: stack(k % 5),
                addr: Some(SockAddr::unix(UnixName::Path(p.as_str().into()), 30)),
                fds: vec![sock],
                fd: Some(3),
                explanation: Some(
                    "Nothing exists at this path: the server is not running, has not created its socket yet, or uses another path."
                        .into(),
                ),
                man: Some("connect(2)".into()),
                cause: Some(cause.clone()),
                ..SyscallEvent::default()
            }
        } else {
            SyscallEvent {
                seq: i + 1,
                ts_ns: ts,
                duration_ns: 4_000,
                pid,
                tid: pid,
                syscall: "sendmsg".into(),
                args: vec![
                    "3<UNIX-STREAM:[50000->60000]>".into(),
                    "{msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"request 42\\n\", iov_len=11}], msg_iovlen=1, msg_controllen=0, msg_flags=0}".into(),
                    "MSG_NOSIGNAL".into(),
                ],
                ret: 11,
                fds: vec![sock],
                fd: Some(3),
                msgs: vec![MsgHdr {
                    name: None,
                    namelen: 0,
                    iov: vec![IoVec {
                        base: 0x7ffd_0000_1000,
                        len: 11,
                        data: Some("request 42\n".into()),
                    }],
                    iovlen: 1,
                    controllen: 0,
                    cmsgs: vec![],
                    flags: String::new(),
                }],
                ..SyscallEvent::default()
            }
        };
        put(&Record::Syscall(Box::new(ev)));
    }
    let end = 10_000 + calls * step;
    for &p in &procs {
        put(&Record::Process(ProcessEvent {
            signal: Some("SIGPIPE".into()),
            ..pe(ProcessEventKind::Signal, end, p, None)
        }));
        put(&Record::Process(ProcessEvent {
            exit_code: Some(if p % 2 == 0 { 1 } else { 0 }),
            ..pe(ProcessEventKind::Exit, end + 1000, p, None)
        }));
    }
    put(&Record::Process(ProcessEvent {
        exit_code: Some(1),
        ..pe(ProcessEventKind::Exit, end + 5000, main, None)
    }));
    w.flush().unwrap();
}
