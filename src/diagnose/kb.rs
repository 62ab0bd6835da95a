//! The knowledge base: (syscall, errno) -> our explanation, the manual page, and which
//! probes can find the cause. The data lives in `assets/errors.toml`, compiled in and parsed
//! once; this module only looks things up.

use crate::model::errno::parse_errno;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::OnceLock;
use syscalls::Sysno;

/// The data file, compiled in.
const ASSET: &str = include_str!("../../assets/errors.toml");

/// The probe tags an entry may name (documented at the top of `assets/errors.toml`).
pub const PROBES: &[&str] = &[
    "path", "perm", "listener", "backlog", "type", "state", "peer", "addr", "args", "fd", "limits",
    "creds", "rights", "signal",
];

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
    /// Probe tags the cause rules may consult (see [`PROBES`]).
    pub probes: &'static [String],
}

/// One entry of the knowledge base.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The calls (or families) it applies to; empty for the errno's generic entry.
    #[serde(default)]
    pub syscalls: Vec<String>,
    /// The explanation, in our words.
    pub text: String,
    /// Manual page in `name(N)` form.
    pub man: String,
    /// Probe tags (see [`PROBES`]).
    #[serde(default)]
    pub probes: Vec<String>,
}

impl Entry {
    /// This entry as an [`Explanation`].
    pub fn explanation(&'static self) -> Explanation {
        Explanation {
            text: &self.text,
            man: &self.man,
            probes: &self.probes,
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

type Kb = BTreeMap<&'static str, Vec<Entry>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawErrno {
    text: String,
    man: String,
    #[serde(default)]
    probes: Vec<String>,
    #[serde(default)]
    call: Vec<Entry>,
}

/// Parse the data file: errno names must be real (canonical) names.
fn parse(text: &str) -> Result<Kb, String> {
    let raw: BTreeMap<String, RawErrno> =
        toml::from_str(text).map_err(|e| format!("assets/errors.toml: {e}"))?;
    let mut kb = Kb::new();
    for (key, r) in raw {
        let name = parse_errno(&key)
            .and_then(|e| e.name())
            .ok_or_else(|| format!("{key}: not an errno name"))?;
        if name != key {
            return Err(format!("{key}: write it as {name}"));
        }
        let mut entries = Vec::with_capacity(1 + r.call.len());
        entries.push(Entry {
            syscalls: Vec::new(),
            text: r.text,
            man: r.man,
            probes: r.probes,
        });
        for c in r.call {
            if c.syscalls.is_empty() {
                return Err(format!("{key}: a [[{key}.call]] entry lists no syscalls"));
            }
            entries.push(c);
        }
        kb.insert(name, entries);
    }
    Ok(kb)
}

fn kb() -> &'static Kb {
    static KB: OnceLock<Kb> = OnceLock::new();
    // The asset is part of the binary and checked by the tests, so a failure here is a
    // build defect, not bad input.
    KB.get_or_init(|| parse(ASSET).unwrap_or_else(|e| panic!("{e}")))
}

/// Every entry for `errno` (name or number): the generic one first, then the
/// call-specific ones in file order. Empty when the knowledge base does not know it.
pub fn entries_for_errno(errno: &str) -> &'static [Entry] {
    parse_errno(errno)
        .and_then(|e| e.name())
        .and_then(|name| kb().get(name))
        .map_or(&[], Vec::as_slice)
}

/// Every errno the knowledge base explains, by canonical name.
pub fn errnos() -> impl Iterator<Item = &'static str> {
    kb().keys().copied()
}

/// The entry that explains `errno` for `syscall`: one naming the call, else one naming its
/// family, else the errno's generic entry.
pub fn lookup(syscall: &str, errno: &str) -> Option<&'static Entry> {
    let entries = entries_for_errno(errno);
    let naming = |name: &str| {
        entries
            .iter()
            .find(|e| e.syscalls.iter().any(|s| s == name))
    };
    naming(syscall)
        .or_else(|| family_of(syscall).and_then(naming))
        .or_else(|| entries.iter().find(|e| e.is_generic()))
}

/// The explanation of `errno` (name, e.g. `ENOENT`, or number) for `syscall`, falling back
/// to the errno's generic entry.
pub fn explain(syscall: &str, errno: &str) -> Option<Explanation> {
    lookup(syscall, errno).map(Entry::explanation)
}

/// The probe tags that apply to `errno` on `syscall` (empty when unknown).
pub fn probes_for(syscall: &str, errno: &str) -> &'static [String] {
    lookup(syscall, errno).map_or(&[], |e| e.probes.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_parses() {
        parse(ASSET).expect("assets/errors.toml");
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
        assert_eq!(probes_for("connect", "ENOENT"), ["path", "listener"]);
        assert_eq!(probes_for("sendmsg", "ETOOMANYREFS")[0], "rights");
        assert!(probes_for("connect", "ENOSUCH").is_empty());
    }
}
