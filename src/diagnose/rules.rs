//! Cause rules: small pure functions over the event, the probed facts and the history.
//!
//! Each rule guards on its (syscall, errno) and returns a cause only when the facts it
//! needs were probed. Confidence is High only when the facts show the cause itself;
//! Medium when something relevant could not be checked; Low for a plausible reading.
//! The first rule that answers wins, so specific rules come before general ones.

mod address;
mod args;
mod cmsg;
mod namespace;
mod near;
mod service;
mod state;
mod table;

pub use table::{Calls, Outcomes, RULES, RuleDef, rules_for};

use super::History;
use crate::model::facts::{Creds, FileInfo, FileKind, IdNames, Owner, UnixSocket};
use crate::model::{Cause, Confidence, Errno, Facts, Fd, SockAddr, SockKind, SyscallEvent};
use crate::render::escape::{escape_bytes, escape_str};
use syscalls::Sysno;

/// Calls that send on a socket (x86-64 has no `send` or `recv`: libc maps them to
/// sendto and recvfrom).
pub(crate) const SENDS: &[Sysno] = &[
    Sysno::sendto,
    Sysno::sendmsg,
    Sysno::sendmmsg,
    Sysno::write,
    Sysno::writev,
    Sysno::pwrite64,
];
/// Calls that receive on a socket.
pub(crate) const RECVS: &[Sysno] = &[
    Sysno::recvfrom,
    Sysno::recvmsg,
    Sysno::recvmmsg,
    Sysno::read,
    Sysno::readv,
    Sysno::pread64,
];

/// What every rule gets.
pub(crate) struct Ctx<'a> {
    ev: &'a SyscallEvent,
    f: &'a Facts,
    h: &'a History,
    /// The errno the program saw; None for a call that succeeded (the rules about
    /// successes read the record alone).
    errno: Option<Errno>,
    sys: Sysno,
}

impl Ctx<'_> {
    /// The address the call passed (argument, or msg_name).
    fn addr(&self) -> Option<&SockAddr> {
        self.ev
            .addr
            .as_ref()
            .or_else(|| self.ev.msgs.iter().find_map(|m| m.name.as_ref()))
    }
    /// The type of the call's own socket, from the live probe or the fd's identity.
    fn own_kind(&self) -> Option<SockKind> {
        if let Some(o) = &self.f.own {
            return Some(o.kind);
        }
        let fd = self.ev.fd?;
        self.ev.fds.iter().find(|s| s.fd == fd)?.unix_kind()
    }
    fn fd_text(&self) -> String {
        match self.ev.fd {
            Some(fd) => format!("fd {fd}"),
            None => "the socket".into(),
        }
    }
    /// True when the call failed with `e`.
    fn errno_is(&self, e: Errno) -> bool {
        self.errno == Some(e)
    }
}

/// What a connect() to an address would meet now, judged from probed facts by the same
/// rules a traced failure gets (`sockwhy probe`).
#[derive(Clone, Debug, PartialEq)]
pub enum ConnectVerdict {
    /// Nothing in the facts refuses the connect.
    Accepted,
    /// It would fail: with this errno (None: the facts do not say which), and why.
    Refused {
        /// The errno the kernel would give.
        errno: Option<Errno>,
        /// The cause the rules find for it.
        cause: Option<Cause>,
    },
}

/// Judge a connect() by `pid` to `addr` from `facts` (those of `probe::probe_connect_target`).
pub fn connect_verdict(pid: crate::model::Pid, addr: &SockAddr, facts: &Facts) -> ConnectVerdict {
    let errno = match address::connect_outcome(addr, facts) {
        address::Connect::Accepted => return ConnectVerdict::Accepted,
        address::Connect::Refused(e) => Some(e),
        address::Connect::Unknown => None,
    };
    // The failure a trace would have recorded, diagnosed as the trace would.
    let ev = SyscallEvent {
        pid,
        tid: pid,
        syscall: Sysno::connect.into(),
        errno: errno.map(Into::into),
        ret: -1,
        addr: Some(addr.clone()),
        ..SyscallEvent::default()
    };
    ConnectVerdict::Refused {
        errno,
        cause: find_cause(&ev, facts, &History::default()),
    }
}

/// The likely cause of `ev`'s failure, if the evidence supports one: the first rule of
/// [`RULES`] for the call and errno that finds it, with that rule's id.
pub fn find_cause(ev: &SyscallEvent, facts: &Facts, hist: &History) -> Option<Cause> {
    // Rules are about calls and errnos this build knows.
    let c = Ctx {
        ev,
        f: facts,
        h: hist,
        errno: Some(ev.errno.as_ref()?.known()?),
        sys: ev.syscall.known()?,
    };
    let mut cause = run_rules(&c)?;
    // Say what could not be looked at, so a reader can weigh the cause; and a cause
    // whose evidence has holes is not certain, whatever the rule thought.
    cause.evidence.extend(
        facts
            .unchecked
            .iter()
            .map(|u| format!("not checked: {}", escape_str(u))),
    );
    if !facts.unchecked.is_empty() && cause.rank() == Some(Confidence::High) {
        cause.confidence = Confidence::Medium.into();
    }
    Some(cause)
}

/// A warning about a call that succeeded (control data cut short, fds lost), from the
/// record and the history alone: successes are not probed.
pub fn find_note(ev: &SyscallEvent, hist: &History) -> Option<Cause> {
    if ev.failed() {
        return None;
    }
    let facts = Facts::default();
    let c = Ctx {
        ev,
        f: &facts,
        h: hist,
        errno: None,
        sys: ev.syscall.known()?,
    };
    run_rules(&c)
}

/// The first rule for the call and outcome that finds a cause, its id set here (the
/// one place a cause gets its rule id).
fn run_rules(c: &Ctx) -> Option<Cause> {
    RULES
        .iter()
        .filter(|r| r.applies(c.sys, c.errno))
        .find_map(|r| {
            let mut cause = (r.find)(c)?;
            cause.rule = r.id.to_owned();
            Some(cause)
        })
}

fn cause(
    summary: impl Into<String>,
    evidence: Vec<String>,
    confidence: Confidence,
) -> Option<Cause> {
    Some(Cause {
        summary: summary.into(),
        evidence,
        confidence: confidence.into(),
        ..Cause::default()
    })
}

/// A cause with what to do about it.
fn cause_fix(
    summary: impl Into<String>,
    evidence: Vec<String>,
    confidence: Confidence,
    fix: impl Into<String>,
) -> Option<Cause> {
    Some(Cause {
        fix: Some(fix.into()),
        ..cause(summary, evidence, confidence)?
    })
}

/// `pid 42 (nginx) fd 5`.
fn owner_text(o: &Owner) -> String {
    let fds = o
        .fds
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let s = if o.fds.len() == 1 { "" } else { "s" };
    format!(
        "pid {} ({}) fd{s} {fds}",
        o.pid,
        escape_bytes(o.comm.as_bytes())
    )
}

/// Who holds a socket: `pid 42 (nginx) fd 5, ...`, or that nobody visible does.
pub fn owners_text(os: &[Owner]) -> String {
    if os.is_empty() {
        "no process we can see".into()
    } else {
        os.iter().map(owner_text).collect::<Vec<_>>().join(", ")
    }
}

/// `SOCK_STREAM, listening, inode 123`.
fn sock_text(s: &UnixSocket) -> String {
    format!("{}, {}, inode {}", s.kind.name(), s.state.word(), s.inode)
}

/// `uid 65534 (nobody)`, the name from the tracee's /etc/passwd when it was read.
pub(crate) fn uid_text(uid: u32, names: Option<&IdNames>) -> String {
    match names.and_then(|n| n.user(uid)) {
        Some(n) => format!("uid {uid} ({})", escape_bytes(n.as_bytes())),
        None => format!("uid {uid}"),
    }
}

/// `gid 33 (www-data)`, the name from the tracee's /etc/group when it was read.
pub(crate) fn gid_text(gid: u32, names: Option<&IdNames>) -> String {
    match names.and_then(|n| n.group(gid)) {
        Some(n) => format!("gid {gid} ({})", escape_bytes(n.as_bytes())),
        None => format!("gid {gid}"),
    }
}

/// `drwx------ (0700), owner uid 0 (root) gid 0 (root)`.
fn mode_text(i: &FileInfo, names: Option<&IdNames>) -> String {
    let t = match i.kind {
        FileKind::Dir => 'd',
        FileKind::Socket => 's',
        FileKind::Symlink => 'l',
        FileKind::Fifo => 'p',
        FileKind::CharDev => 'c',
        FileKind::BlockDev => 'b',
        _ => '-',
    };
    let mut r = String::from(t);
    for shift in [6, 3, 0] {
        let b = i.mode >> shift;
        r.push(if b & 4 != 0 { 'r' } else { '-' });
        r.push(if b & 2 != 0 { 'w' } else { '-' });
        r.push(if b & 1 != 0 { 'x' } else { '-' });
    }
    format!(
        "{r} ({:04o}), owner {} {}",
        i.mode,
        uid_text(i.uid, names),
        gid_text(i.gid, names)
    )
}

/// `the process runs as uid 1000 (alice), gid 1000 (alice), supplementary groups 4,24`.
fn creds_text(c: &Creds, names: Option<&IdNames>) -> String {
    let g = if c.groups.is_empty() {
        "none".to_owned()
    } else {
        c.groups
            .iter()
            .map(|&g| match names.and_then(|n| n.group(g)) {
                Some(n) => format!("{g} ({})", escape_bytes(n.as_bytes())),
                None => g.to_string(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        "the process runs as {}, {}, supplementary groups {g}",
        uid_text(c.fsuid(), names),
        gid_text(c.fsgid(), names)
    )
}

impl Ctx<'_> {
    /// A file's mode and owner, with names when they were read.
    fn mode_text(&self, i: &FileInfo) -> String {
        mode_text(i, self.f.names.as_ref())
    }
    /// The process's credentials, with names when they were read.
    fn creds_text(&self, c: &Creds) -> String {
        creds_text(c, self.f.names.as_ref())
    }
}

/// The earlier calls on the fd, `socket #1, connect #2 = ECONNREFUSED`.
fn history_text(c: &Ctx, fd: Fd) -> Option<String> {
    let calls = c.h.calls(c.ev.pid, fd);
    if calls.is_empty() {
        return None;
    }
    let list = calls
        .iter()
        .map(|p| {
            let sys = escape_str(&p.syscall.name());
            match &p.errno {
                Some(e) => format!("{sys} #{} = {}", p.seq, escape_str(&e.name())),
                None => format!("{sys} #{}", p.seq),
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!("earlier on fd {fd}: {list}"))
}

#[cfg(test)]
mod tests {
    use super::test_util::ev;
    use super::*;

    #[test]
    fn rules_unchecked_facts_are_said() {
        let mut e = ev("connect", "ENOMEM");
        e.fd = Some(3);
        let f = Facts {
            unchecked: vec!["the credentials of pid 100".into()],
            ..Default::default()
        };
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert_eq!(
            c.evidence.last().unwrap(),
            "not checked: the credentials of pid 100"
        );
    }

    #[test]
    fn rules_a_cause_with_unchecked_facts_is_never_high() {
        let mut e = ev("connect", "ENOENT");
        e.addr = Some(test_util::path("/var/run/nscd/socket"));
        let mut f = Facts::default();
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert_eq!(
            (c.rule.as_str(), c.confidence),
            ("connect.optional-service-absent", Confidence::High.into())
        );
        f.unchecked = vec!["which sockets are bound".into()];
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert_eq!(c.confidence, Confidence::Medium);
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use crate::model::facts::{FileInfo, FileKind, SockState, UnixSocket, VfsId};
    use crate::model::{ByteString, SockAddr, SockKind, SyscallEvent, UnixName};

    pub fn ev(sys: &str, errno: &str) -> SyscallEvent {
        SyscallEvent {
            seq: 9,
            pid: 100,
            tid: 100,
            syscall: sys.into(),
            errno: Some(errno.into()),
            ret: -1,
            ..Default::default()
        }
    }

    pub fn path(p: &str) -> SockAddr {
        SockAddr::unix(UnixName::Path(ByteString::from(p)), 2 + p.len() as u32 + 1)
    }

    pub fn abs(p: &str) -> SockAddr {
        SockAddr::unix(
            UnixName::Abstract(ByteString::from(p)),
            2 + p.len() as u32 + 1,
        )
    }

    pub fn info(kind: FileKind, mode: u32, uid: u32, gid: u32) -> FileInfo {
        FileInfo {
            kind,
            mode,
            uid,
            gid,
            id: VfsId {
                ino: 5,
                major: 0,
                minor: 1,
            },
        }
    }

    pub fn sock(inode: u64, kind: SockKind, state: SockState) -> UnixSocket {
        UnixSocket::new(inode, kind, state)
    }
}
