//! The knowledge base: (syscall, errno) -> our explanation, the manual page, and which
//! facts of the live system can show the cause. The data lives in `assets/errors.toml`,
//! compiled in and parsed once; this module only looks things up.
//!
//! It is data for two stages: `probe` asks it which probes to run at a failure (its tags
//! decide, nothing else), `diagnose` asks it for the explanation. Both import it; it
//! imports only the model.

pub mod sockets;

use crate::model::errno::parse_errno;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::OnceLock;
use syscalls::Sysno;

/// The data file, compiled in.
pub const ASSET: &str = include_str!("../../assets/errors.toml");

/// What an entry says can show the cause: each tag is a fact of the live system that
/// `probe` looks at when a call fails with this errno, or a fact of the record itself
/// (`addr`, `args`, `fd`: nothing to probe). Documented at the top of `assets/errors.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The address's path as the tracee sees it (cwd, root, each component).
    Path,
    /// The tracee's credentials against each component's permissions.
    Perm,
    /// The sockets bound to the address, and who holds them.
    Listener,
    /// The listener's (or the call's own listening socket's) accept queue.
    Backlog,
    /// The socket types at both ends.
    Type,
    /// The call's own socket as the kernel sees it now.
    State,
    /// The connected peer: does it still exist, who holds it.
    Peer,
    /// The address argument itself (in the record).
    Addr,
    /// Other argument values (in the record).
    Args,
    /// What the fd refers to (in the record).
    Fd,
    /// RLIMIT_NOFILE, the open fds, the system's file table.
    Limits,
    /// The sender's credentials, and whether a claimed pid exists (SCM_CREDENTIALS).
    Creds,
    /// Whether each fd passed in SCM_RIGHTS is open.
    Rights,
    /// Signals pending at the stop.
    Signal,
    /// The tracee's memory cgroup: its use and limit.
    Memory,
    /// The queue limit of datagram receivers (net.unix.max_dgram_qlen).
    Queue,
    /// Live sockets with names like the address's ("did you mean").
    Near,
    /// net.core.optmem_max, the most ancillary data one call may pass.
    Optmem,
}

/// Every tag, in the order of the documentation.
pub const PROBES: &[Probe] = &[
    Probe::Path,
    Probe::Perm,
    Probe::Listener,
    Probe::Backlog,
    Probe::Type,
    Probe::State,
    Probe::Peer,
    Probe::Addr,
    Probe::Args,
    Probe::Fd,
    Probe::Limits,
    Probe::Creds,
    Probe::Rights,
    Probe::Signal,
    Probe::Memory,
    Probe::Queue,
    Probe::Near,
    Probe::Optmem,
];

impl Probe {
    /// The tag as `assets/errors.toml` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Probe::Path => "path",
            Probe::Perm => "perm",
            Probe::Listener => "listener",
            Probe::Backlog => "backlog",
            Probe::Type => "type",
            Probe::State => "state",
            Probe::Peer => "peer",
            Probe::Addr => "addr",
            Probe::Args => "args",
            Probe::Fd => "fd",
            Probe::Limits => "limits",
            Probe::Creds => "creds",
            Probe::Rights => "rights",
            Probe::Signal => "signal",
            Probe::Memory => "memory",
            Probe::Queue => "queue",
            Probe::Near => "near",
            Probe::Optmem => "optmem",
        }
    }

    fn from_name(s: &str) -> Option<Probe> {
        PROBES.iter().copied().find(|p| p.name() == s)
    }
}

/// A set of probe tags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProbeSet(u32);

impl ProbeSet {
    /// True when `p` is in the set.
    pub fn has(self, p: Probe) -> bool {
        self.0 & (1 << p as u32) != 0
    }
    /// True when any of `ps` is in the set.
    pub fn any(self, ps: &[Probe]) -> bool {
        ps.iter().any(|&p| self.has(p))
    }
    /// The set with `p` added.
    pub fn with(self, p: Probe) -> ProbeSet {
        ProbeSet(self.0 | 1 << p as u32)
    }
    /// The set without `p`.
    pub fn without(self, p: Probe) -> ProbeSet {
        ProbeSet(self.0 & !(1 << p as u32))
    }
    /// The tags in the set.
    pub fn iter(self) -> impl Iterator<Item = Probe> {
        PROBES.iter().copied().filter(move |&p| self.has(p))
    }
    /// True when the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl FromIterator<Probe> for ProbeSet {
    fn from_iter<I: IntoIterator<Item = Probe>>(it: I) -> Self {
        it.into_iter().fold(ProbeSet::default(), ProbeSet::with)
    }
}

/// Syscall families: an entry naming the family applies to every member, unless an entry
/// names the member itself.
pub const FAMILIES: &[(&str, &[Sysno])] = &[
    ("accept", &[Sysno::accept, Sysno::accept4]),
    ("send", &[Sysno::sendto, Sysno::sendmsg, Sysno::sendmmsg]),
    ("recv", &[Sysno::recvfrom, Sysno::recvmsg, Sysno::recvmmsg]),
    (
        "read",
        &[
            Sysno::read,
            Sysno::readv,
            Sysno::pread64,
            Sysno::preadv,
            Sysno::preadv2,
        ],
    ),
    (
        "write",
        &[
            Sysno::write,
            Sysno::writev,
            Sysno::pwrite64,
            Sysno::pwritev,
            Sysno::pwritev2,
        ],
    ),
];

/// One explanation.
#[derive(Clone, Copy, Debug)]
pub struct Explanation {
    /// What the errno means for this call, in our words.
    pub text: &'static str,
    /// Manual page, e.g. `connect(2)`.
    pub man: &'static str,
    /// What can show the cause on the live system (see [`Probe`]).
    pub probes: ProbeSet,
}

/// One entry of the knowledge base.
#[derive(Debug)]
pub struct Entry {
    /// The calls (or families) it applies to; empty for the errno's generic entry.
    pub syscalls: Vec<String>,
    /// The explanation, in our words.
    pub text: String,
    /// Manual page in `name(N)` form.
    pub man: String,
    /// What can show the cause on the live system.
    pub probes: ProbeSet,
}

impl Entry {
    /// This entry (of the built-in knowledge base) as an [`Explanation`].
    pub fn explanation(&'static self) -> Explanation {
        Explanation {
            text: &self.text,
            man: &self.man,
            probes: self.probes,
        }
    }

    /// True for the errno's generic entry.
    pub fn is_generic(&self) -> bool {
        self.syscalls.is_empty()
    }
}

/// The family `syscall` belongs to, if any.
pub fn family_of(syscall: &str) -> Option<&'static str> {
    FAMILIES
        .iter()
        .find(|(_, members)| members.iter().any(|m| m.name() == syscall))
        .map(|(f, _)| *f)
}

/// True for a name `explain` accepts as a syscall: a real one, or a family name.
pub fn is_known_syscall(name: &str) -> bool {
    Sysno::from_str(name).is_ok() || FAMILIES.iter().any(|(f, _)| *f == name)
}

/// An entry as the data file writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCall {
    #[serde(default)]
    syscalls: Vec<String>,
    text: String,
    man: String,
    #[serde(default)]
    probes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawErrno {
    text: String,
    man: String,
    #[serde(default)]
    probes: Vec<String>,
    #[serde(default)]
    call: Vec<RawCall>,
}

fn probe_set(key: &str, tags: &[String]) -> Result<ProbeSet, String> {
    tags.iter()
        .map(|t| Probe::from_name(t).ok_or_else(|| format!("{key}: unknown probe tag {t:?}")))
        .collect()
}

/// A knowledge base: entries by canonical errno name.
#[derive(Debug)]
pub struct Kb {
    entries: BTreeMap<&'static str, Vec<Entry>>,
}

impl Kb {
    /// Parse a data file in the form of `assets/errors.toml`: errno names must be real
    /// (canonical) names, probe tags known ones.
    pub fn parse(text: &str) -> Result<Kb, String> {
        let raw: BTreeMap<String, RawErrno> =
            toml::from_str(text).map_err(|e| format!("assets/errors.toml: {e}"))?;
        let mut entries = BTreeMap::new();
        for (key, r) in raw {
            let name = parse_errno(&key)
                .and_then(|e| e.name())
                .ok_or_else(|| format!("{key}: not an errno name"))?;
            if name != key {
                return Err(format!("{key}: write it as {name}"));
            }
            let mut list = Vec::with_capacity(1 + r.call.len());
            list.push(Entry {
                syscalls: Vec::new(),
                text: r.text,
                man: r.man,
                probes: probe_set(&key, &r.probes)?,
            });
            for c in r.call {
                if c.syscalls.is_empty() {
                    return Err(format!("{key}: a [[{key}.call]] entry lists no syscalls"));
                }
                list.push(Entry {
                    probes: probe_set(&key, &c.probes)?,
                    syscalls: c.syscalls,
                    text: c.text,
                    man: c.man,
                });
            }
            entries.insert(name, list);
        }
        Ok(Kb { entries })
    }

    /// The one compiled in.
    pub fn builtin() -> &'static Kb {
        static KB: OnceLock<Kb> = OnceLock::new();
        // The asset is part of the binary and checked by the tests, so a failure here is a
        // build defect, not bad input.
        KB.get_or_init(|| Kb::parse(ASSET).unwrap_or_else(|e| panic!("{e}")))
    }

    /// Every entry for `errno` (name or number): the generic one first, then the
    /// call-specific ones in file order. Empty when the knowledge base does not know it.
    pub fn entries_for_errno(&self, errno: &str) -> &[Entry] {
        parse_errno(errno)
            .and_then(|e| e.name())
            .and_then(|name| self.entries.get(name))
            .map_or(&[], Vec::as_slice)
    }

    /// The entry that explains `errno` for `syscall`: one naming the call, else one naming
    /// its family, else the errno's generic entry.
    pub fn lookup(&self, syscall: &str, errno: &str) -> Option<&Entry> {
        let entries = self.entries_for_errno(errno);
        let naming = |name: &str| {
            entries
                .iter()
                .find(|e| e.syscalls.iter().any(|s| s == name))
        };
        naming(syscall)
            .or_else(|| family_of(syscall).and_then(naming))
            .or_else(|| entries.iter().find(|e| e.is_generic()))
    }

    /// What can show the cause of `errno` on `syscall` (empty when unknown).
    pub fn probes_for(&self, syscall: &str, errno: &str) -> ProbeSet {
        self.lookup(syscall, errno)
            .map_or_else(ProbeSet::default, |e| e.probes)
    }
}

/// Every entry for `errno` in the built-in knowledge base (see [`Kb::entries_for_errno`]).
pub fn entries_for_errno(errno: &str) -> &'static [Entry] {
    Kb::builtin().entries_for_errno(errno)
}

/// Every errno the knowledge base explains, by canonical name.
pub fn errnos() -> impl Iterator<Item = &'static str> {
    Kb::builtin().entries.keys().copied()
}

/// The built-in entry for `errno` on `syscall` (see [`Kb::lookup`]).
pub fn lookup(syscall: &str, errno: &str) -> Option<&'static Entry> {
    Kb::builtin().lookup(syscall, errno)
}

/// The explanation of `errno` (name, e.g. `ENOENT`, or number) for `syscall`, falling back
/// to the errno's generic entry.
pub fn explain(syscall: &str, errno: &str) -> Option<Explanation> {
    lookup(syscall, errno).map(Entry::explanation)
}

/// What can show the cause of `errno` on `syscall`, by the built-in knowledge base.
pub fn probes_for(syscall: &str, errno: &str) -> ProbeSet {
    Kb::builtin().probes_for(syscall, errno)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_parses() {
        Kb::parse(ASSET).expect("assets/errors.toml");
        let bad = ASSET.replacen("probes = [\"path\", \"perm\"]", "probes = [\"paths\"]", 1);
        assert_eq!(
            Kb::parse(&bad).unwrap_err(),
            "EACCES: unknown probe tag \"paths\""
        );
    }

    #[test]
    fn specific_then_family_then_generic() {
        let generic = explain("bind", "ECONNREFUSED").unwrap();
        assert_eq!(generic.man, "unix(7)");
        assert_eq!(
            explain("connect", "ECONNREFUSED").unwrap().man,
            "connect(2)"
        );
        // sendmsg has its own EBADF entry (SCM_RIGHTS); sendto has none and falls back.
        assert_eq!(explain("sendmsg", "EBADF").unwrap().man, "unix(7)");
        assert_eq!(explain("sendto", "EBADF").unwrap().man, "errno(3)");
        // accept4 is in the accept family.
        assert_eq!(explain("accept4", "EAGAIN").unwrap().man, "accept(2)");
        assert_eq!(explain("recvmsg", "ECONNRESET").unwrap().man, "recv(2)");
        assert!(explain("connect", "ENOSUCH").is_none());
    }

    #[test]
    fn probes_are_looked_up_with_the_entry() {
        let names = |s: ProbeSet| s.iter().map(Probe::name).collect::<Vec<_>>();
        assert_eq!(
            names(probes_for("connect", "ENOENT")),
            ["path", "listener", "near"]
        );
        assert!(probes_for("sendmsg", "ETOOMANYREFS").has(Probe::Rights));
        assert!(probes_for("connect", "ENOSUCH").is_empty());
    }
}
