//! The same program under `strace -f -yy` (6.1) and under sockwhy, compared line by line
//! and whole (issues 9 and 12).
//!
//! The fixture, tests/fixtures/calls.c, makes every kind of AF_UNIX call and after each
//! one prints the line strace prints for it, from what it knows itself: its fds, the
//! sockets' inodes, its pid, the pointers it passed, what the kernel returned (strace's
//! own tests work this way). Then:
//! - the fixture's lines of the two runs are the same once pointers, pids and inode
//!   numbers are normalised, and nothing else is: the program did the same both times;
//! - strace's lines are the fixture's lines of its run, exactly, but for [`STRACE_QUIRKS`];
//! - sockwhy's lines are the fixture's lines of its run, exactly, but for [`DIFFERENCES`].
//!
//! So sockwhy prints what strace prints, line for line, except for the differences listed
//! here with their reasons. An entry that no longer changes anything fails the test, so the
//! list stays true when one is fixed.

mod common;

use common::*;
use std::collections::HashMap;
use std::process::Command;

/// Where sockwhy's line differs from strace 6.1's: `strace` in strace's line reads
/// `sockwhy` in sockwhy's.
struct Difference {
    strace: &'static str,
    sockwhy: &'static str,
    why: &'static str,
}

const DIFFERENCES: &[Difference] = &[
    Difference {
        strace: "SO_TYPE, [1]",
        sockwhy: "SO_TYPE, [SOCK_STREAM]",
        why: "deliberate: sockwhy names the socket type getsockopt(SO_TYPE) returned; \
              strace 6.1 prints the bare number",
    },
    Difference {
        strace: ",@\"sockwhy-calls\"]>",
        sockwhy: ",@\"sockwhy-calls\\0\"]>",
        why: "deliberate: in the -yy socket identity strace stops an abstract name at its \
              first NUL; the NUL belongs to the name (\"x\" and \"x\\0\" are different \
              sockets), so sockwhy shows all of it, as the bind() line does",
    },
];

/// Where strace's line differs from what the fixture knows (so sockwhy, printing what the
/// kernel says, does not follow it).
const STRACE_QUIRKS: &[&str] = &[
    "strace pads the call with spaces so that '= ' starts at column 40 (its -a default, \
     counting the 'PID ' prefix of -o); sockwhy writes one space, like strace -a1",
    "strace caches a socket's -yy description by inode, so after a stream socket's peer \
     has closed it may still show the peer (->INODE); the kernel reports none by then, and \
     the fixture and sockwhy say so",
];

/// The calls sockwhy traces: strace's lines for anything else are not compared.
const TRACED: &[&str] = &[
    "socket",
    "socketpair",
    "bind",
    "listen",
    "accept",
    "accept4",
    "connect",
    "getsockname",
    "getpeername",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "sendmmsg",
    "recvmmsg",
    "shutdown",
    "setsockopt",
    "getsockopt",
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "close",
];

/// What the fixture printed: its pid and its lines.
struct Account {
    pid: String,
    lines: Vec<String>,
}

fn run_fixture(tracer: &mut Command) -> Account {
    let o = tracer.output().expect("run the tracer");
    assert!(
        o.status.success(),
        "{:?}: {}\n{}",
        tracer,
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8(o.stdout).expect("the fixture prints text");
    let pid = out
        .lines()
        .find_map(|l| l.strip_prefix("# pid "))
        .expect("the fixture prints its pid")
        .to_owned();
    let lines: Vec<String> = out
        .lines()
        .filter(|l| !l.starts_with("# "))
        .map(str::to_owned)
        .collect();
    assert!(
        lines.len() >= 30,
        "the fixture made too few calls: {lines:#?}"
    );
    Account { pid, lines }
}

/// The name of the call in `name(args...) = ...`, and whether it is on an AF_UNIX socket
/// (its first argument is one, or it makes one).
fn call_name(rest: &str) -> Option<(&str, bool)> {
    let (name, args) = rest.split_once('(')?;
    let unix =
        args.starts_with("AF_UNIX") || args.split(',').next().is_some_and(|a| a.contains("<UNIX"));
    Some((name, unix))
}

/// The byte offset of the `)` that closes the call's argument list, skipping strings.
fn end_of_args(line: &str) -> usize {
    let (mut depth, mut quoted, mut escaped) = (0i32, false, false);
    for (i, c) in line.char_indices() {
        if quoted {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    panic!("no end of the argument list in {line}")
}

/// `want` as strace -o writes it after `prefix`: '= ' at column 40 (quirk 1).
fn strace_aligned(prefix: &str, want: &str) -> String {
    let end = end_of_args(want) + 1;
    let (call, result) = want.split_at(end);
    let result = result
        .strip_prefix(" = ")
        .unwrap_or_else(|| panic!("no result in {want}"));
    let col = prefix.len() + call.len();
    format!(
        "{call}{}= {result}",
        " ".repeat(40usize.saturating_sub(col).max(1))
    )
}

/// The -yy identities in `line`: `FD<PROTO:[INODE...]>` -> (inode, the whole identity).
fn identities(line: &str) -> Vec<(String, String)> {
    let mut v = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(":[") {
        let start = rest[..at].rfind('<').map_or(at, |i| i + 1);
        let Some(len) = rest[at..].find("]>") else {
            break;
        };
        let inode: String = rest[at + 2..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        v.push((inode, rest[start..at + len + 2].to_owned()));
        rest = &rest[at + len + 2..];
    }
    v
}

/// Quirk 2: `want` with each identity that has no peer replaced by the last description
/// with a peer the fixture printed earlier for the same inode (strace's cache).
fn strace_cached(earlier: &[String], want: &str) -> String {
    let mut out = want.to_owned();
    for (inode, id) in identities(want) {
        if id.contains("->") {
            continue;
        }
        let cached = earlier
            .iter()
            .rev()
            .flat_map(|l| identities(l))
            .find(|(i, d)| *i == inode && d.contains("->"));
        if let Some((_, d)) = cached {
            out = out.replace(&id, &d);
        }
    }
    out
}

/// Pointers, pids and inode numbers replaced by their order of first appearance, and
/// nothing else touched.
#[derive(Default)]
struct Normaliser {
    seen: HashMap<String, usize>,
}

impl Normaliser {
    fn name(&mut self, kind: &str, value: &str) -> String {
        let key = format!("{kind}{value}");
        let n = self.seen.len();
        let n = *self.seen.entry(key).or_insert(n);
        format!("<{kind}{n}>")
    }

    fn line(&mut self, line: &str) -> String {
        let mut out = String::new();
        let mut rest = line;
        while let Some(c) = rest.chars().next() {
            if let Some((text, n)) = self.number_at(rest) {
                out += &text;
                rest = &rest[n..];
            } else {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out
    }

    /// A pointer (0x and at least 8 hex digits: flags and masks are shorter), an inode
    /// (after ":[" or "->" in an identity) or a pid (in credentials) at the start of `s`:
    /// its replacement and the bytes it took.
    fn number_at(&mut self, s: &str) -> Option<(String, usize)> {
        let run = |s: &str, hex: bool| {
            s.chars()
                .take_while(|c| {
                    if hex {
                        c.is_ascii_hexdigit()
                    } else {
                        c.is_ascii_digit()
                    }
                })
                .count()
        };
        if let Some(h) = s.strip_prefix("0x") {
            let n = run(h, true);
            return (n >= 8).then(|| (self.name("ptr", &h[..n]), 2 + n));
        }
        for (mark, kind) in [(":[", "ino"), ("->", "ino"), ("pid=", "pid")] {
            if let Some(d) = s.strip_prefix(mark) {
                let n = run(d, false);
                return (n > 0).then(|| {
                    (
                        format!("{mark}{}", self.name(kind, &d[..n])),
                        mark.len() + n,
                    )
                });
            }
        }
        None
    }
}

fn normalised(a: &Account) -> Vec<String> {
    let mut n = Normaliser::default();
    n.name("pid", &a.pid);
    a.lines.iter().map(|l| n.line(l)).collect()
}

/// Each `got` line is its `want` line (as `ok` judges); else which is not, readably.
fn assert_lines(
    tracer: &str,
    want: &[String],
    got: &[String],
    ok: impl Fn(usize, &str) -> bool,
) -> Result<(), String> {
    for (i, g) in got.iter().enumerate() {
        let Some(w) = want.get(i) else {
            return Err(format!(
                "{tracer} printed more lines than the fixture made calls: {g}"
            ));
        };
        if !ok(i, g) {
            return Err(format!("{tracer}, call #{i}:\n  want: {w}\n  got:  {g}"));
        }
    }
    match want.get(got.len()) {
        Some(w) => Err(format!(
            "{tracer} printed {} lines, the fixture made {} calls; the first missing: {w}",
            got.len(),
            want.len()
        )),
        None => Ok(()),
    }
}

#[test]
#[cfg_attr(not(has_strace), ignore = "strace is not installed")]
fn sockwhy_agrees_with_strace_yy_line_by_line() {
    let calls = compile_fixture("calls");
    let dir = unique_dir(&std::env::temp_dir(), "sockwhy-strace-compare");

    // Under strace.
    let st_out = dir.join("strace.txt");
    let under_strace = run_fixture(
        Command::new("strace")
            .args(["-f", "-yy", "-qq", "-o"])
            .arg(&st_out)
            .arg(&calls)
            .arg(&dir),
    );
    let strace: Vec<String> = std::fs::read_to_string(&st_out)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let (pid, rest) = l.split_once(' ')?;
            let (name, unix) = call_name(rest.trim_start_matches(' '))?;
            (pid == under_strace.pid && unix && TRACED.contains(&name)).then(|| l.to_owned())
        })
        .collect();
    // strace -f -o starts each line with the pid, left-aligned in 5 columns, and a space.
    let prefix = format!("{:<5} ", under_strace.pid);
    let want = &under_strace.lines;
    assert_lines("strace", want, &strace, |i, got| {
        let plain = format!("{prefix}{}", strace_aligned(&prefix, &want[i]));
        let cached = format!(
            "{prefix}{}",
            strace_aligned(&prefix, &strace_cached(&want[..i], &want[i]))
        );
        got == plain || got == cached
    })
    .unwrap_or_else(|e| panic!("{e}\n(strace's known quirks: {STRACE_QUIRKS:#?})"));

    // Under sockwhy.
    let sw_out = dir.join("sockwhy.txt");
    let under_sockwhy = run_fixture(
        // --expected: a failure classified as expected keeps its line as strace's (it
        // would otherwise end with a note saying why it is expected).
        sockwhy()
            .args(["--expected", "-o"])
            .arg(&sw_out)
            .arg("--")
            .arg(&calls)
            .arg(&dir),
    );
    let prefix = format!("[pid {}] ", under_sockwhy.pid);
    let text = std::fs::read_to_string(&sw_out).unwrap();
    // Every line of a call, nothing filtered but the process events and the
    // explanations under failures (indented).
    let sockwhy_lines: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| {
            l.strip_prefix(&prefix)
                .unwrap_or_else(|| panic!("not a line of pid {}: {l}", under_sockwhy.pid))
        })
        .filter(|l| !l.starts_with("execve(") && !l.starts_with("+++ "))
        .map(str::to_owned)
        .collect();
    let mut used = vec![0; DIFFERENCES.len()];
    let expected: Vec<String> = under_sockwhy
        .lines
        .iter()
        .map(|l| {
            let mut l = l.clone();
            for (d, n) in DIFFERENCES.iter().zip(&mut used) {
                if l.contains(d.strace) {
                    *n += 1;
                    l = l.replace(d.strace, d.sockwhy);
                }
            }
            l
        })
        .collect();
    assert_lines("sockwhy", &expected, &sockwhy_lines, |i, got| {
        got == expected[i]
    })
    .unwrap_or_else(|e| panic!("{e}\n(the listed differences are applied to the fixture's line)"));
    for (d, n) in DIFFERENCES.iter().zip(&used) {
        assert!(
            *n > 0,
            "the difference {:?} -> {:?} ({}) no longer occurs: remove it from the list",
            d.strace,
            d.sockwhy,
            d.why
        );
    }

    // The program did the same under both.
    let (a, b) = (normalised(&under_strace), normalised(&under_sockwhy));
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(
            x, y,
            "the fixture's call #{i} went another way under sockwhy"
        );
    }
    assert_eq!(a.len(), b.len());
    assert!(
        a.iter().any(|l| l.contains("<ino") && l.contains("<ptr"))
            && a.iter().any(|l| l.contains("pid=<pid0>")),
        "the normaliser found no inode, pointer or pid: {a:#?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
