//! The same program under `strace -f -yy` and under sockwhy: both must agree on the
//! calls made, their return values, errnos and socket paths (issue 3).

mod common;

use common::*;
use std::process::Command;

/// One call as either tracer saw it.
#[derive(Debug, PartialEq)]
struct Seen {
    name: String,
    ret: i64,
    errno: Option<String>,
    path: Option<String>,
}

fn strace_available() -> bool {
    Command::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Parse strace's `PID name(args) = ret [ERRNO (text)]` lines, keeping the AF_UNIX calls
/// sockwhy reports.
fn parse_strace(text: &str, traced: &[&str]) -> Vec<Seen> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((_, rest)) = line.split_once(' ') else {
            continue;
        };
        // strace pads short pids: "123  connect(...".
        let rest = rest.trim_start();
        let Some((name, args)) = rest.split_once('(') else {
            continue;
        };
        if !traced.contains(&name) {
            continue;
        }
        let unix = args.starts_with("AF_UNIX")
            || args.split(',').next().is_some_and(|a| a.contains("<UNIX"));
        if !unix {
            continue;
        }
        let Some((_, result)) = rest.rsplit_once(" = ") else {
            continue;
        };
        let mut words = result.split_whitespace();
        let ret_word = words.next().unwrap();
        let ret: i64 = ret_word.split('<').next().unwrap().parse().unwrap();
        let errno = (ret == -1).then(|| words.next().unwrap().to_owned());
        // The address the call passed (strace shows it inline); abstract names as @...
        let path = args.split_once("sun_path=").map(|(_, p)| {
            let abstract_ = p.starts_with('@');
            let p = p.trim_start_matches('@').trim_start_matches('"');
            let end = p.find('"').unwrap();
            format!("{}{}", if abstract_ { "@" } else { "" }, &p[..end])
        });
        out.push(Seen {
            name: name.to_owned(),
            ret,
            errno,
            path,
        });
    }
    out
}

fn from_sockwhy(trace: &[serde_json::Value]) -> Vec<Seen> {
    trace
        .iter()
        .filter(|r| r["type"] == "syscall")
        .map(|r| Seen {
            name: r["syscall"].as_str().unwrap().to_owned(),
            ret: r["ret"].as_i64().unwrap(),
            errno: r["errno"].as_str().map(str::to_owned),
            path: r["addr"].as_object().and_then(|a| {
                let p = a.get("path")?.as_str()?;
                match a["kind"].as_str()? {
                    // strace escapes the NUL bytes of abstract names; compare the text before them.
                    "abstract" => Some(format!("@{}", p.split('\0').next().unwrap())),
                    "path" => Some(p.to_owned()),
                    _ => None,
                }
            }),
        })
        .collect()
}

#[test]
fn sockwhy_agrees_with_strace_yy() {
    if !strace_available() {
        eprintln!("SKIPPED: strace is not installed (CI installs it)");
        return;
    }
    let dir = tempdir("strace-compare");
    let st_out = dir.join("strace.txt");
    let st = Command::new("strace")
        .args(["-f", "-yy", "-qq", "-o"])
        .arg(&st_out)
        .arg(tracee())
        .arg("calls")
        .arg(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    let save = dir.join("sockwhy.jsonl");
    let o = run(sockwhy()
        .arg("--save")
        .arg(&save)
        .arg("-o")
        .arg("/dev/null")
        .arg("--")
        .arg(tracee())
        .arg("calls")
        .arg(&dir));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let names: Vec<&str> = sockwhy_names();
    let want = parse_strace(&std::fs::read_to_string(&st_out).unwrap(), &names);
    let got = from_sockwhy(&read_trace(&save));
    assert!(want.len() >= 28, "strace saw too few calls: {want:#?}");
    // strace writes "@name\0" for the abstract name with its trailing NUL: compare the
    // part before the escape, as from_sockwhy does.
    let want: Vec<Seen> = want
        .into_iter()
        .map(|mut s| {
            if let Some(p) = &s.path
                && p.starts_with('@')
            {
                s.path = Some(p.split("\\0").next().unwrap().to_owned());
            }
            s
        })
        .collect();
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(w, g, "call #{i} differs");
    }
    assert_eq!(
        want.len(),
        got.len(),
        "strace: {want:#?}\nsockwhy: {got:#?}"
    );
}

fn sockwhy_names() -> Vec<&'static str> {
    vec![
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
    ]
}
