//! What strace users type works, or says why it is not needed (issue 12): the command
//! without `--`, -f -tt -T -e trace=..., -c/-C, -Z/-z, -e status/errno/signal, -P, -q,
//! -x/-xx; and a newcomer's first minute: help that fits, plain errors.

mod common;

use common::*;
use std::process::Output;

fn err_lines(o: &Output) -> Vec<String> {
    stderr(o).lines().map(str::to_owned).collect()
}

/// The call lines (`[pid N] ...name(`) of a text trace.
fn calls<'a>(lines: &'a [String], name: &str) -> Vec<&'a String> {
    let pat = format!(" {name}(");
    lines
        .iter()
        .filter(|l| l.starts_with("[pid ") && l.contains(&pat))
        .collect()
}

fn is_time(s: &str, micros: bool) -> bool {
    let b = s.as_bytes();
    let hms = b.len() >= 8
        && b[2] == b':'
        && b[5] == b':'
        && [0, 1, 3, 4, 6, 7].iter().all(|&i| b[i].is_ascii_digit());
    hms && if micros {
        b.len() == 15 && b[8] == b'.' && b[9..].iter().all(u8::is_ascii_digit)
    } else {
        b.len() == 8
    }
}

#[test]
fn the_command_needs_no_dashes() {
    for args in [&["true"][..], &["--", "true"], &["-f", "true"]] {
        let o = run(sockwhy().args(args));
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    let o = run(sockwhy().arg(tracee()).args(["exit", "7"]));
    assert_eq!(
        o.status.code(),
        Some(7),
        "the command's own arguments pass through"
    );
}

#[test]
fn f_tt_t_and_trace_connect() {
    let o = run(sockwhy()
        .args(["-f", "-tt", "-T", "-e", "trace=connect", "--color=never"])
        .arg(tracee())
        .arg("connect"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = err_lines(&o);
    let connects = calls(&lines, "connect");
    assert_eq!(connects.len(), 1, "{lines:#?}");
    let l = connects[0];
    // [pid N] HH:MM:SS.uuuuuu connect(...) = -1 ENOENT (No such file or directory) <0.000012>
    let rest = l.split_once("] ").unwrap().1;
    let (time, call) = rest.split_once(' ').unwrap();
    assert!(is_time(time, true), "{l}");
    assert!(call.starts_with("connect(3<UNIX-STREAM:["), "{l}");
    let (body, dur) = call.rsplit_once(" <").unwrap();
    assert!(
        body.ends_with("= -1 ENOENT (No such file or directory)"),
        "{l}"
    );
    let dur = dur.strip_suffix('>').unwrap();
    let (s, us) = dur.split_once('.').unwrap();
    assert!(
        s.parse::<u64>().is_ok() && us.len() == 6 && us.parse::<u64>().is_ok(),
        "{l}"
    );
    assert!(
        calls(&lines, "socket").is_empty(),
        "trace=connect: {lines:#?}"
    );
}

#[test]
fn timestamps_as_strace_prints_them() {
    let line = |flags: &[&str]| {
        let o = run(sockwhy()
            .args(flags)
            .args(["-e", "trace=connect", "--color=never"])
            .arg(tracee())
            .arg("connect"));
        let lines = err_lines(&o);
        let l = calls(&lines, "connect")[0].clone();
        l.split_once("] ").unwrap().1.to_owned()
    };
    let l = line(&["-t"]);
    assert!(
        is_time(&l[..8], false) && l[8..].starts_with(" connect("),
        "{l}"
    );
    let l = line(&["-ttt"]);
    let (secs, rest) = l.split_once('.').unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let secs: u64 = secs.parse().unwrap();
    assert!(secs <= now && now - secs < 60, "{l}");
    assert!(rest[6..].starts_with(" connect("), "{l}");
    let l = line(&["-r"]);
    assert!(
        l.starts_with("     0.") && l[13..].starts_with(" connect("),
        "{l}"
    );
    let l = line(&["-t", "-r"]);
    // `10:20:30 (+     0.001325) connect(`: since the line before it.
    assert!(
        l[8..].starts_with(" (+     0.") && l[24..].starts_with(") connect("),
        "{l}"
    );
}

#[test]
fn c_is_the_table_alone_and_capital_c_the_trace_and_the_table() {
    let o = run(sockwhy().arg("-c").arg(tracee()).arg("connect"));
    assert_eq!(o.status.code(), Some(0));
    let lines = err_lines(&o);
    assert!(calls(&lines, "connect").is_empty(), "{lines:#?}");
    assert!(lines[0].starts_with("% time"), "{lines:#?}");
    let by_errno = lines
        .iter()
        .position(|l| l.trim() == "errors syscall          errno")
        .expect("errors by errno");
    assert!(
        lines[by_errno + 2].split_whitespace().collect::<Vec<_>>()[..3]
            == ["1", "connect", "ENOENT"],
        "{lines:#?}"
    );
    let o = run(sockwhy().arg("-C").arg(tracee()).arg("connect"));
    let lines = err_lines(&o);
    assert_eq!(calls(&lines, "connect").len(), 1, "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("% time")), "{lines:#?}");
}

#[test]
fn status_errno_path_and_trace_filters() {
    let shown = |flags: &[&str]| {
        let o = run(sockwhy()
            .args(flags)
            .arg("--color=never")
            .arg(tracee())
            .arg("connect"));
        assert_eq!(o.status.code(), Some(0), "{flags:?}: {}", stderr(&o));
        let lines = err_lines(&o);
        (
            calls(&lines, "socket").len(),
            calls(&lines, "connect").len(),
            lines.iter().any(|l| l.contains("+++ exited")),
        )
    };
    assert_eq!(shown(&[]), (1, 1, true));
    assert_eq!(shown(&["-Z"]), (0, 1, false));
    assert_eq!(shown(&["--failed-only"]), (0, 1, false));
    assert_eq!(shown(&["-z"]), (1, 0, true));
    assert_eq!(shown(&["-e", "status=failed"]), (0, 1, false));
    assert_eq!(shown(&["-e", "status=!failed"]), (1, 0, true));
    assert_eq!(shown(&["-e", "trace=!connect"]), (1, 0, true));
    assert_eq!(shown(&["-e", "trace=/^conn"]), (0, 1, true));
    assert_eq!(shown(&["-e", "errno=ENOENT"]), (0, 1, false));
    assert_eq!(shown(&["-e", "errno=ECONNREFUSED,EACCES"]), (0, 0, false));
    assert_eq!(shown(&["-P", "/nonexistent/*"]), (0, 1, false));
    assert_eq!(shown(&["-P", "/nonexistent/dir/x.sock"]), (0, 1, false));
    assert_eq!(shown(&["-P", "/run/*"]), (0, 0, false));
    assert_eq!(shown(&["-P", "@x"]), (0, 0, false));
    // Accepted, nothing to change: sockwhy does these always.
    assert_eq!(shown(&["-ff", "-yy", "--seccomp-bpf"]), (1, 1, true));
    assert_eq!(shown(&["-y", "-qq"]), (1, 1, false));
}

#[test]
fn signal_none_and_quiet() {
    let run_family = |flags: &[&str]| {
        let o = run(sockwhy()
            .args(flags)
            .arg("--color=never")
            .arg(tracee())
            .arg("family"));
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        err_lines(&o)
    };
    let all = run_family(&[]);
    let has = |lines: &[String], s: &str| lines.iter().any(|l| l.contains(s));
    assert!(has(&all, "--- SIGCHLD"), "{all:#?}");
    assert!(has(&all, "+++ new process"), "{all:#?}");
    let quiet = run_family(&["-e", "signal=none", "-q"]);
    assert!(!has(&quiet, "--- SIG"), "{quiet:#?}");
    assert!(!has(&quiet, "+++ new "), "{quiet:#?}");
    assert!(has(&quiet, "+++ exited"), "{quiet:#?}");
    assert!(!has(&run_family(&["-qq"]), "+++ exited"));
    let other = run_family(&["-e", "signal=!SIGCHLD"]);
    assert!(!has(&other, "--- SIGCHLD"), "{other:#?}");
}

#[test]
fn x_and_xx_write_strings_in_hex_as_strace() {
    let line = |flags: &[&str]| {
        let o = run(sockwhy()
            .args(flags)
            .args(["-e", "trace=connect"])
            .arg(tracee())
            .args(["connect", "/nonexistent/a b"]));
        let lines = err_lines(&o);
        calls(&lines, "connect")[0].clone()
    };
    assert!(
        line(&["-x"]).contains(r#"sun_path="/nonexistent/a b""#),
        "printable: as is"
    );
    assert!(
        line(&["-xx"]).contains(r#"sun_path="\x2f\x6e\x6f\x6e\x65\x78"#),
        "{}",
        line(&["-xx"])
    );
}

#[test]
fn help_fits_the_terminal_and_subcommands_list_their_own_options() {
    let o = run(sockwhy().arg("--help").env("COLUMNS", "80"));
    let help = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(help.contains("--failed-only"), "{help}");
    for l in help.lines() {
        assert!(l.len() <= 80, "{} columns: {l}", l.len());
    }
    for sub in ["view", "explain", "report", "probe", "completions"] {
        let o = run(sockwhy().args([sub, "--help"]));
        let h = String::from_utf8_lossy(&o.stdout).into_owned();
        assert_eq!(o.status.code(), Some(0), "{sub}");
        assert!(
            !h.contains("--strsize") && !h.contains("--leader-exit"),
            "{sub}: {h}"
        );
    }
    let o = run(sockwhy().args(["demo", "--help"]));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("--strsize"),
        "demo runs a trace"
    );
}

#[test]
fn completions_and_manual_page_come_from_the_same_definitions() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(sockwhy().args(["completions", shell]));
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let s = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            s.contains("sockwhy") && s.contains("failed-only"),
            "{shell}: {s}"
        );
    }
    let o = run(sockwhy().arg("manpage"));
    let page = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        page.starts_with(".ie") || page.contains(".TH sockwhy"),
        "{page}"
    );
    assert!(
        page.contains("failed\\-only") && page.contains("SOCKWHY REPORT"),
        "{page}"
    );
}

#[test]
fn plain_errors_for_what_newcomers_mistype() {
    let one_line = |args: &[&str], want: &str| {
        let o = run(sockwhy().args(args));
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert!(e.contains(want), "{args:?}: {e}");
        assert!(!e.contains("tip:"), "{args:?}: {e}");
        assert!(!e.contains('\x1b'), "{args:?}: {e:?}");
        e
    };
    one_line(&["-s", "-5", "true"], "must be a non-negative number");
    assert_eq!(
        one_line(&["-p", "-5"], "must be a non-negative number")
            .lines()
            .count(),
        1
    );
    one_line(&["--inject", "connect=EFOO", "true"], "unknown errno EFOO");
    one_line(&["-e", "errno=EFOO", "true"], "unknown errno EFOO");
    // Not a terminal here (stdout is a pipe): one line, nothing drawn.
    let e = one_line(&["--tui", "true"], "needs a terminal");
    assert_eq!(e.lines().count(), 1, "{e}");
    let demo = fixture("demo.jsonl");
    let o = run(sockwhy().arg("view").arg(&demo));
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "no escape codes into the pipe");
    assert_eq!(stderr(&o).lines().count(), 1);
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}
