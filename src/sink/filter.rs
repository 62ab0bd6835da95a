//! What the text trace (and the `-c` table) shows: strace's `-Z`/`-z`, `-e status=`,
//! `-e signal=`, and the filters strace users asked for, by errno (`-e errno=`) and by
//! socket name (`-P`). The saved trace keeps every call whatever these say.

use crate::model::{AddrName, Errno, ProcessEvent, ProcessEventKind, SyscallEvent, UnixName};
use std::collections::BTreeSet;

/// How a call ended, as strace's `-e status=` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// It returned without an error.
    Successful,
    /// It returned an error.
    Failed,
    /// A signal interrupted it and the kernel restarted it: the program saw no result.
    Unfinished,
}

/// Which records the text trace shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// The statuses shown (all three by default).
    pub status: BTreeSet<Status>,
    /// Only failures with one of these errnos (None: any).
    pub errnos: Option<BTreeSet<i32>>,
    /// Only calls on a socket named like one of these (none: any).
    pub paths: Vec<NamePattern>,
    /// The signals shown (None: all); names without `SIG`.
    pub signals: Option<BTreeSet<String>>,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            status: [Status::Successful, Status::Failed, Status::Unfinished].into(),
            errnos: None,
            paths: Vec::new(),
            signals: None,
        }
    }
}

impl Filter {
    /// Only failing calls (`--failed`, `-Z`).
    pub fn failed_only() -> Filter {
        Filter {
            status: [Status::Failed].into(),
            ..Filter::default()
        }
    }

    /// True when the filter shows only failures, so process events are left out too.
    pub fn only_failures(&self) -> bool {
        self.errnos.is_some() || self.status.iter().all(|s| *s == Status::Failed)
    }

    /// True when the call is shown.
    pub fn shows_call(&self, ev: &SyscallEvent) -> bool {
        if !self.status.contains(&status_of(ev)) {
            return false;
        }
        if let Some(set) = &self.errnos {
            match ev.errno.as_ref().and_then(|e| e.known()) {
                Some(e) if set.contains(&e.into_raw()) => {}
                _ => return false,
            }
        }
        self.paths.is_empty() || names_of(ev).any(|n| self.paths.iter().any(|p| p.matches(n)))
    }

    /// True when the process event is shown (signals by `-e signal=`; all but failures
    /// with a filter that shows only failures).
    pub fn shows_process(&self, pe: &ProcessEvent) -> bool {
        if self.only_failures() || !self.paths.is_empty() {
            return false;
        }
        match (&self.signals, pe.kind(), &pe.signal) {
            (Some(set), Some(ProcessEventKind::Signal), Some(name)) => {
                set.contains(name.strip_prefix("SIG").unwrap_or(name))
            }
            _ => true,
        }
    }
}

/// The status of a call.
pub fn status_of(ev: &SyscallEvent) -> Status {
    if ev.failed() {
        Status::Failed
    } else if ev.restart.is_some() {
        Status::Unfinished
    } else {
        Status::Successful
    }
}

/// Every AF_UNIX name a call touches: its address, the names of its sockets and of their
/// peers, the addresses of its messages.
fn names_of(ev: &SyscallEvent) -> impl Iterator<Item = &UnixName> {
    fn unix(a: &AddrName) -> Option<&UnixName> {
        match a {
            AddrName::Unix(n) => Some(n),
            _ => None,
        }
    }
    ev.addr
        .iter()
        .filter_map(|a| unix(&a.name))
        .chain(ev.fds.iter().flat_map(|s| [&s.path, &s.peer_path]))
        .chain(
            ev.msgs
                .iter()
                .filter_map(|m| m.name.as_ref().and_then(|a| unix(&a.name))),
        )
        .filter(|n| !n.is_unnamed())
}

/// `-P` as given: a path, `@name` for an abstract name, either with `*` (any run of
/// bytes) and `?` (one byte).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePattern {
    abstract_name: bool,
    glob: Vec<u8>,
}

impl NamePattern {
    /// Parse `-P`'s argument; Err with a reason for an empty one.
    pub fn parse(s: &str) -> Result<NamePattern, String> {
        let (abstract_name, glob) = match s.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        if glob.is_empty() && !abstract_name {
            return Err("an empty path matches no socket".into());
        }
        Ok(NamePattern {
            abstract_name,
            glob: glob.as_bytes().to_vec(),
        })
    }

    /// True when `name` is of the pattern's kind and matches it. An abstract name bound
    /// with trailing NULs (its length counted them) matches without them too.
    pub fn matches(&self, name: &UnixName) -> bool {
        match (name, self.abstract_name) {
            (UnixName::Path(p), false) => glob_match(&self.glob, p.as_bytes()),
            (UnixName::Abstract(a), true) => {
                let b = a.as_bytes();
                let trimmed = &b[..b.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1)];
                glob_match(&self.glob, b) || glob_match(&self.glob, trimmed)
            }
            _ => false,
        }
    }
}

/// Shell-style `*` and `?` over bytes (no classes: socket names rarely need them).
fn glob_match(pat: &[u8], s: &[u8]) -> bool {
    // The classic two-pointer match with backtracking to the last `*`: linear space, no
    // recursion, so a long pattern cannot blow the stack.
    let (mut p, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        match pat.get(p) {
            Some(b'*') => {
                star = Some((p, i));
                p += 1;
            }
            Some(&c) if c == b'?' || c == s[i] => {
                p += 1;
                i += 1;
            }
            _ => match star {
                Some((sp, si)) => {
                    p = sp + 1;
                    i = si + 1;
                    star = Some((sp, si + 1));
                }
                None => return false,
            },
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// Parse an errno list for `-e errno=`: names (any case) or numbers.
pub fn parse_errnos(list: &str) -> Result<BTreeSet<i32>, String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            crate::model::errno::parse_errno(s)
                .map(Errno::into_raw)
                .ok_or_else(|| format!("unknown errno {}", crate::render::escape::escape_str(s)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ByteString, SockAddr, SockId, SockKind, SockProto};

    fn connect(path: UnixName, errno: Option<&str>) -> SyscallEvent {
        SyscallEvent {
            syscall: "connect".into(),
            errno: errno.map(Into::into),
            addr: Some(SockAddr::unix(path, 110)),
            ..Default::default()
        }
    }

    fn path(s: &str) -> UnixName {
        UnixName::Path(ByteString::from(s.as_bytes()))
    }

    #[test]
    fn globs() {
        for (p, s, m) in [
            ("/run/*", "/run/x.sock", true),
            ("/run/*", "/run/a/b.sock", true),
            ("/run/*.sock", "/run/a.socket", false),
            ("/run/?.sock", "/run/a.sock", true),
            ("/run/x.sock", "/run/x.sock", true),
            ("/run/x.sock", "/run/x.sock2", false),
            ("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
        ] {
            assert_eq!(glob_match(p.as_bytes(), s.as_bytes()), m, "{p} {s}");
        }
    }

    #[test]
    fn paths_match_the_address_and_the_sockets_and_their_peers() {
        let f = Filter {
            paths: vec![NamePattern::parse("/run/app/*").unwrap()],
            ..Filter::default()
        };
        assert!(f.shows_call(&connect(path("/run/app/x.sock"), Some("ENOENT"))));
        assert!(!f.shows_call(&connect(path("/run/other.sock"), None)));
        let mut send = SyscallEvent {
            syscall: "sendto".into(),
            ..Default::default()
        };
        assert!(!f.shows_call(&send));
        let mut id = SockId::new(3, SockProto::Unix(SockKind::Stream), 7);
        id.peer_path = path("/run/app/db.sock");
        send.fds.push(id);
        assert!(f.shows_call(&send), "the peer's name");
        let abs = Filter {
            paths: vec![NamePattern::parse("@sockwhy-calls").unwrap()],
            ..Filter::default()
        };
        let name = UnixName::Abstract(ByteString::from(&b"sockwhy-calls\0"[..]));
        assert!(abs.shows_call(&connect(name, None)), "trailing NUL");
        assert!(!abs.shows_call(&connect(path("sockwhy-calls"), None)));
    }

    #[test]
    fn errnos_and_status() {
        let f = Filter {
            errnos: Some(parse_errnos("econnrefused,EACCES").unwrap()),
            ..Filter::default()
        };
        assert!(f.shows_call(&connect(path("/x"), Some("ECONNREFUSED"))));
        assert!(!f.shows_call(&connect(path("/x"), Some("ENOENT"))));
        assert!(!f.shows_call(&connect(path("/x"), None)));
        assert!(f.only_failures());
        assert_eq!(parse_errnos("EFOO").unwrap_err(), "unknown errno EFOO");
        let ok = Filter {
            status: [Status::Successful].into(),
            ..Filter::default()
        };
        assert!(ok.shows_call(&connect(path("/x"), None)));
        assert!(!ok.shows_call(&connect(path("/x"), Some("ENOENT"))));
    }

    #[test]
    fn signals() {
        let f = Filter {
            signals: Some(BTreeSet::new()),
            ..Filter::default()
        };
        let sig = ProcessEvent {
            event: Some(ProcessEventKind::Signal.into()),
            signal: Some("SIGCHLD".into()),
            ..Default::default()
        };
        assert!(!f.shows_process(&sig));
        let exit = ProcessEvent {
            event: Some(ProcessEventKind::Exit.into()),
            exit_code: Some(0),
            ..Default::default()
        };
        assert!(f.shows_process(&exit));
        assert!(Filter::default().shows_process(&sig));
    }
}
