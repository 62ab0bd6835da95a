//! The knowledge base (assets/errors.toml) is complete, well formed, and in our own words.

mod common;
use common::UNIX7_ERRNOS;

use sockwhy::kb::{self, FAMILIES, PROBES};
use sockwhy::model::traced::{FD_IO_CALLS, SOCKET_CALLS};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The errnos of unix(7)'s ERRORS section (common::UNIX7_ERRNOS) plus ENFILE, which the
/// installed unix(7) also lists. Used when the shared reference file is absent.
fn unix7() -> Vec<&'static str> {
    UNIX7_ERRNOS.iter().copied().chain(["ENFILE"]).collect()
}

/// The errnos each traced call's manual page lists, extracted from the installed pages:
/// `man 2 NAME | sed -n '/^ERRORS/,/^[A-Z]/p' | grep -oE '^ {4,8}E[A-Z0-9]+'`, plus the
/// ones named in their running text (accept(2): ENOSR, ESOCKTNOSUPPORT, EPROTONOSUPPORT,
/// ETIMEDOUT) and EWOULDBLOCK (= EAGAIN). Each needs an answer for that call.
const PAGES: &[(&str, &[&str])] = &[
    (
        "socket",
        &[
            "EACCES",
            "EAFNOSUPPORT",
            "EINVAL",
            "EMFILE",
            "ENFILE",
            "ENOBUFS",
            "ENOMEM",
            "EPROTONOSUPPORT",
        ],
    ),
    (
        "socketpair",
        &[
            "EAFNOSUPPORT",
            "EFAULT",
            "EMFILE",
            "ENFILE",
            "EOPNOTSUPP",
            "EPROTONOSUPPORT",
        ],
    ),
    (
        "bind",
        &[
            "EACCES",
            "EADDRINUSE",
            "EBADF",
            "EINVAL",
            "ENOTSOCK",
            "EADDRNOTAVAIL",
            "EFAULT",
            "ELOOP",
            "ENAMETOOLONG",
            "ENOENT",
            "ENOMEM",
            "ENOTDIR",
            "EROFS",
        ],
    ),
    ("listen", &["EADDRINUSE", "EBADF", "ENOTSOCK", "EOPNOTSUPP"]),
    (
        "accept",
        &[
            "EAGAIN",
            "EWOULDBLOCK",
            "EBADF",
            "ECONNABORTED",
            "EFAULT",
            "EINTR",
            "EINVAL",
            "EMFILE",
            "ENFILE",
            "ENOBUFS",
            "ENOMEM",
            "ENOTSOCK",
            "EOPNOTSUPP",
            "EPERM",
            "EPROTO",
            "ENOSR",
            "ESOCKTNOSUPPORT",
            "EPROTONOSUPPORT",
            "ETIMEDOUT",
        ],
    ),
    (
        "connect",
        &[
            "EACCES",
            "EPERM",
            "EADDRINUSE",
            "EADDRNOTAVAIL",
            "EAFNOSUPPORT",
            "EAGAIN",
            "EALREADY",
            "EBADF",
            "ECONNREFUSED",
            "EFAULT",
            "EINPROGRESS",
            "EINTR",
            "EISCONN",
            "ENETUNREACH",
            "ENOTSOCK",
            "EPROTOTYPE",
            "ETIMEDOUT",
        ],
    ),
    (
        "sendmsg",
        &[
            "EACCES",
            "EAGAIN",
            "EWOULDBLOCK",
            "EALREADY",
            "EBADF",
            "ECONNRESET",
            "EDESTADDRREQ",
            "EFAULT",
            "EINTR",
            "EINVAL",
            "EISCONN",
            "EMSGSIZE",
            "ENOBUFS",
            "ENOMEM",
            "ENOTCONN",
            "ENOTSOCK",
            "EOPNOTSUPP",
            "EPIPE",
        ],
    ),
    (
        "recvmsg",
        &[
            "EAGAIN",
            "EWOULDBLOCK",
            "EBADF",
            "ECONNREFUSED",
            "EFAULT",
            "EINTR",
            "EINVAL",
            "ENOMEM",
            "ENOTCONN",
            "ENOTSOCK",
        ],
    ),
    ("shutdown", &["EBADF", "EINVAL", "ENOTCONN", "ENOTSOCK"]),
    (
        "getsockopt",
        &["EBADF", "EFAULT", "EINVAL", "ENOPROTOOPT", "ENOTSOCK"],
    ),
    (
        "read",
        &[
            "EAGAIN",
            "EWOULDBLOCK",
            "EBADF",
            "EFAULT",
            "EINTR",
            "EINVAL",
            "EIO",
            "EISDIR",
        ],
    ),
    (
        "write",
        &[
            "EAGAIN",
            "EWOULDBLOCK",
            "EBADF",
            "EDESTADDRREQ",
            "EDQUOT",
            "EFAULT",
            "EFBIG",
            "EINTR",
            "EINVAL",
            "EIO",
            "ENOSPC",
            "EPERM",
            "EPIPE",
        ],
    ),
];

/// Other errnos a traced UNIX-socket program meets: positional I/O on a socket, an orphaned
/// seccomp filter, and the restart codes a tracer sees at the exit stop.
const EXTRA: &[&str] = &[
    "ESPIPE",
    "ENOSYS",
    "ERESTARTSYS",
    "ERESTARTNOINTR",
    "ERESTARTNOHAND",
    "ERESTART_RESTARTBLOCK",
];

fn reference_file() -> Option<String> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/unix7-errors.txt");
    std::fs::read_to_string(p).ok()
}

/// The unix(7) errno list: the shared reference file when present, and the embedded list.
fn unix7_errnos() -> BTreeSet<String> {
    let mut set: BTreeSet<String> = unix7().iter().map(|s| s.to_string()).collect();
    if let Some(text) = reference_file() {
        set.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| {
                    l.len() > 1
                        && l.starts_with('E')
                        && l.chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                })
                .map(str::to_owned),
        );
    }
    set
}

#[test]
fn every_unix7_errno_has_a_generic_entry() {
    let missing: Vec<String> = unix7_errnos()
        .into_iter()
        .chain(EXTRA.iter().map(|s| s.to_string()))
        .filter(|e| !kb::entries_for_errno(e).iter().any(|x| x.is_generic()))
        .collect();
    assert!(missing.is_empty(), "no entry for {missing:?}");
}

#[test]
fn every_errno_of_every_page_is_explained_for_its_call() {
    let mut missing = Vec::new();
    for (call, errnos) in PAGES {
        for e in *errnos {
            if kb::explain(call, e).is_none() {
                missing.push(format!("{call}/{e}"));
            }
            let generic = kb::entries_for_errno(e).iter().any(|x| x.is_generic());
            if !generic {
                missing.push(format!("{e} (generic)"));
            }
        }
    }
    assert!(missing.is_empty(), "not explained: {missing:?}");
}

#[test]
fn the_syscall_specific_facts_of_linux_are_there() {
    // LINUX-NOTES: what the kernel really returns, which the explanation must say.
    let has = |call: &str, errno: &str, word: &str| {
        let e = kb::explain(call, errno).expect("entry");
        assert!(
            e.text.contains(word),
            "{call}/{errno} should mention {word:?}: {}",
            e.text
        );
    };
    has("connect", "EINVAL", "ENAMETOOLONG");
    has("bind", "EINVAL", "108");
    has("connect", "ECONNREFUSED", "regular file");
    has("connect", "ECONNREFUSED", "abstract");
    has("sendto", "ENOTCONN", "EDESTADDRREQ");
    has("write", "EDESTADDRREQ", "ENOTCONN");
    has("recv", "EINVAL", "not connected");
    has("send", "EPIPE", "MSG_NOSIGNAL");
    has("connect", "EAGAIN", "listen(fd, 0)");
    has("connect", "ERESTARTSYS", "EINTR");
    has("socket", "ESOCKTNOSUPPORT", "SOCK_RAW");
    has("sendmsg", "ETOOMANYREFS", "CAP_SYS_ADMIN");
}

#[test]
fn every_entry_names_its_manual_page() {
    let ok = |m: &str| {
        let Some((name, rest)) = m.split_once('(') else {
            return false;
        };
        let section = rest.strip_suffix(')').unwrap_or("");
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && section.len() == 1
            && section.chars().all(|c| ('1'..='8').contains(&c))
    };
    for errno in kb::errnos() {
        for e in kb::entries_for_errno(errno) {
            assert!(ok(&e.man), "{errno} {:?}: man {:?}", e.syscalls, e.man);
        }
    }
}

#[test]
fn entries_are_short_and_use_known_tags_and_calls() {
    let mut calls: BTreeSet<String> = SOCKET_CALLS
        .iter()
        .chain(FD_IO_CALLS)
        .map(|s| s.name().to_owned())
        .collect();
    calls.extend(FAMILIES.iter().map(|(f, _)| f.to_string()));
    for errno in kb::errnos() {
        let entries = kb::entries_for_errno(errno);
        assert!(entries[0].is_generic(), "{errno}: generic entry first");
        for e in entries {
            let what = format!("{errno} {:?}", e.syscalls);
            let sentences = e.text.matches(". ").count() + 1;
            assert!(
                (1..=3).contains(&sentences),
                "{what}: {sentences} sentences"
            );
            assert!(e.text.ends_with('.'), "{what}: ends with a full stop");
            assert!(e.text.len() <= 420, "{what}: {} bytes", e.text.len());
            for p in e.probes.iter() {
                assert!(PROBES.contains(&p), "{what}: unknown probe {}", p.name());
            }
            for s in &e.syscalls {
                assert!(calls.contains(s), "{what}: {s} is not a traced call");
            }
        }
    }
}

/// Lowercase words (letters, digits, underscores), for comparing phrasing.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every run of 8 consecutive words in `text`.
fn runs_of_8(text: &str) -> BTreeSet<Vec<String>> {
    words(text).windows(8).map(<[String]>::to_vec).collect()
}

fn assert_not_copied_from(source: &str, what: &str) {
    let manual = runs_of_8(source);
    assert!(!manual.is_empty(), "{what}: no text to compare");
    for errno in kb::errnos() {
        for e in kb::entries_for_errno(errno) {
            let shared: Vec<String> = runs_of_8(&e.text)
                .intersection(&manual)
                .map(|r| r.join(" "))
                .collect();
            assert!(
                shared.is_empty(),
                "{errno} {:?} repeats {what}: {shared:?}",
                e.syscalls
            );
        }
    }
}

/// The ERRORS section (to the end of the page) of an installed manual page.
fn man_errors(section: &str, page: &str) -> String {
    let out = Command::new("man")
        .args([section, page])
        .env("MANWIDTH", "2000")
        .env("MAN_KEEP_FORMATTING", "")
        .output()
        .unwrap_or_else(|e| panic!("cannot run man ({e}); CI installs man-db and manpages"));
    let body = String::from_utf8_lossy(&out.stdout);
    let start = body.find("\nERRORS").unwrap_or_else(|| {
        panic!("man {section} {page}: no ERRORS section (is the page installed?)")
    });
    body[start..].to_owned()
}

/// unix(7)'s ERRORS: the shared reference file where it is (beside the repository on the
/// team's machines), else the installed page.
#[test]
#[cfg_attr(not(has_man_pages), ignore = "the manual pages are not installed")]
fn no_entry_is_copied_from_unix7() {
    match reference_file() {
        Some(text) => assert_not_copied_from(&text, "unix7-errors.txt"),
        None => assert_not_copied_from(&man_errors("7", "unix"), "unix(7)"),
    }
}

/// The same check against the installed manual pages' ERRORS sections.
#[test]
#[cfg_attr(not(has_man_pages), ignore = "the manual pages are not installed")]
fn no_entry_is_copied_from_the_installed_manual() {
    let mut text = String::new();
    let pages = [
        ("7", "unix"),
        ("2", "socket"),
        ("2", "socketpair"),
        ("2", "bind"),
        ("2", "listen"),
        ("2", "accept"),
        ("2", "connect"),
        ("2", "send"),
        ("2", "recv"),
        ("2", "shutdown"),
        ("2", "getsockopt"),
        ("2", "read"),
        ("2", "write"),
    ];
    for (section, page) in pages {
        text.push_str(&man_errors(section, page));
        text.push('\n');
    }
    assert_not_copied_from(&text, "the manual");
}

#[test]
fn every_scenario_errno_is_explained() {
    for s in sockwhy::scenario::all() {
        assert!(
            !kb::entries_for_errno(s.errno).is_empty(),
            "scenario {} expects {}, which the knowledge base lacks",
            s.name,
            s.errno
        );
    }
}

#[test]
fn every_scenario_failure_has_an_entry_for_its_call() {
    for s in sockwhy::scenario::all() {
        let e = kb::explain(s.call, s.errno);
        assert!(
            e.is_some(),
            "{}: no entry for {} {}",
            s.name,
            s.call,
            s.errno
        );
    }
}

/// Every cited page exists in the installed manual.
#[test]
#[cfg_attr(not(has_man_pages), ignore = "the manual pages are not installed")]
fn every_cited_page_is_installed() {
    let mut pages = BTreeSet::new();
    for errno in kb::errnos() {
        for e in kb::entries_for_errno(errno) {
            pages.insert(e.man.clone());
        }
    }
    let installed = |section: &str, name: &str| {
        Command::new("man")
            .args(["-w", section, name])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    assert!(
        installed("7", "unix"),
        "man -w 7 unix: manual pages not installed"
    );
    let mut missing = Vec::new();
    for page in &pages {
        let Some((name, rest)) = page.split_once('(') else {
            missing.push(page.clone());
            continue;
        };
        let section = rest.trim_end_matches(')');
        if !installed(section, name) {
            missing.push(page.clone());
        }
    }
    assert!(missing.is_empty(), "pages not installed: {missing:?}");
}
