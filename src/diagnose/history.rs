//! What the program did before, per process and fd, so a rule can say "connect was
//! already called on fd 3". Fed every event in order by the pipeline.
//!
//! Kept small on purpose: a few calls per fd, the history of an fd reset when it is
//! closed or handed out anew, and a bounded memory of closed sockets and exited
//! processes (to say who closed a peer).

use crate::model::{ErrnoName, Fd, Pid, ProcessEvent, ProcessEventKind, SyscallEvent, SyscallName};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use syscalls::Sysno;

/// Calls remembered per fd.
const PER_FD: usize = 8;
/// Closed sockets and exited processes remembered.
const RECENT: usize = 256;
/// Socket inodes remembered per process (to say which sockets its exit closed).
const HELD: usize = 1024;

/// One earlier call on an fd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastCall {
    /// Trace sequence number.
    pub seq: u64,
    /// The call.
    pub syscall: SyscallName,
    /// Its errno when it failed.
    pub errno: Option<ErrnoName>,
}

/// A socket the trace saw closed, by a close() or by its process exiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Closed {
    /// The process that closed it.
    pub pid: Pid,
    /// Its fd number there (None: unknown, closed by the exit).
    pub fd: Option<Fd>,
    /// Sequence number of the close (None: closed when the process exited).
    pub seq: Option<u64>,
}

/// The last fds a socket sent in SCM_RIGHTS, as the trace saw the send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightsSent {
    /// Trace sequence number of the send.
    pub seq: u64,
    /// The sender.
    pub pid: Pid,
    /// The call (sendmsg, sendmmsg).
    pub syscall: SyscallName,
    /// How many fds it passed.
    pub fds: usize,
}

/// Per-process, per-fd memory of earlier calls.
#[derive(Debug, Default)]
pub struct History {
    calls: BTreeMap<(Pid, Fd), VecDeque<PastCall>>,
    closed: VecDeque<(u64, Closed)>,
    exited: VecDeque<(Pid, Option<i32>, Option<String>)>,
    held: BTreeMap<Pid, BTreeSet<u64>>,
    peers: BTreeMap<u64, u64>,
    rights: BTreeMap<u64, RightsSent>,
}

impl History {
    /// Remember `ev` (called after `diagnose` for that event).
    pub fn record(&mut self, ev: &SyscallEvent) {
        let ok = !ev.failed();
        let held = self.held.entry(ev.pid).or_default();
        for id in ev
            .fds
            .iter()
            .filter(|s| s.inode != 0 && s.unix_kind().is_some())
        {
            if held.len() < HELD {
                held.insert(id.inode);
            }
            // The identity may be looked up again after the peer is gone; keep the pair.
            if let Some(p) = id.peer.filter(|&p| p != 0)
                && self.peers.len() < HELD * 4
            {
                self.peers.insert(id.inode, p);
            }
        }
        if ok
            && ev.syscall.is_any(&[Sysno::sendmsg, Sysno::sendmmsg])
            && let Some(fd) = ev.fd
            && let Some(me) = ev.fds.iter().find(|s| s.fd == fd && s.inode != 0)
        {
            let n: usize = ev
                .msgs
                .iter()
                .flat_map(|m| &m.cmsgs)
                .map(|c| match c {
                    crate::model::Cmsg::Rights { fds, .. } => fds.len(),
                    _ => 0,
                })
                .sum();
            if n > 0 && (self.rights.len() < HELD * 4 || self.rights.contains_key(&me.inode)) {
                self.rights.insert(
                    me.inode,
                    RightsSent {
                        seq: ev.seq,
                        pid: ev.pid,
                        syscall: ev.syscall.clone(),
                        fds: n,
                    },
                );
            }
        }
        // An fd handed out by this call starts a new life.
        if ok
            && ev
                .syscall
                .is_any(&[Sysno::socket, Sysno::accept, Sysno::accept4])
            && ev.ret >= 0
        {
            self.calls.remove(&(ev.pid, ev.ret as Fd));
            self.push(ev, ev.ret as Fd);
            return;
        }
        if ok && ev.syscall == Sysno::socketpair {
            for id in &ev.fds {
                self.calls.remove(&(ev.pid, id.fd));
                self.push(ev, id.fd);
            }
            return;
        }
        let Some(fd) = ev.fd else {
            return;
        };
        if ok && ev.syscall == Sysno::close {
            self.calls.remove(&(ev.pid, fd));
            if let Some(id) = ev.fds.iter().find(|s| s.fd == fd && s.inode != 0) {
                if let Some(h) = self.held.get_mut(&ev.pid) {
                    h.remove(&id.inode);
                }
                self.push_closed(
                    id.inode,
                    Closed {
                        pid: ev.pid,
                        fd: Some(fd),
                        seq: Some(ev.seq),
                    },
                );
            }
        }
        self.push(ev, fd);
    }

    /// Remember a process event: a fork copies the sockets a process holds, an exit
    /// closes them and ends all its fds.
    pub fn record_process(&mut self, p: &ProcessEvent) {
        if p.kind() == Some(ProcessEventKind::Fork)
            && let Some(parent) = p.ppid
            && let Some(h) = self.held.get(&parent).cloned()
        {
            self.held.insert(p.pid, h);
        }
        if p.kind() == Some(ProcessEventKind::Exit) && p.pid == p.tid {
            for inode in self.held.remove(&p.pid).unwrap_or_default() {
                self.push_closed(
                    inode,
                    Closed {
                        pid: p.pid,
                        fd: None,
                        seq: None,
                    },
                );
            }
            self.calls.retain(|(pid, _), _| *pid != p.pid);
            if self.exited.len() == RECENT {
                self.exited.pop_front();
            }
            self.exited
                .push_back((p.pid, p.exit_code, p.signal.clone()));
        }
    }

    fn push_closed(&mut self, inode: u64, c: Closed) {
        if self.closed.len() == RECENT {
            self.closed.pop_front();
        }
        self.closed.push_back((inode, c));
    }

    fn push(&mut self, ev: &SyscallEvent, fd: Fd) {
        let q = self.calls.entry((ev.pid, fd)).or_default();
        if q.len() == PER_FD {
            q.pop_front();
        }
        q.push_back(PastCall {
            seq: ev.seq,
            syscall: ev.syscall.clone(),
            errno: ev.errno.clone(),
        });
    }

    /// Earlier calls on `fd` of `pid`, oldest first (since it was last opened or closed).
    pub fn calls(&self, pid: Pid, fd: Fd) -> Vec<&PastCall> {
        self.calls
            .get(&(pid, fd))
            .map(|q| q.iter().collect())
            .unwrap_or_default()
    }

    /// The last successful `syscall` on that fd.
    pub fn last_ok(&self, pid: Pid, fd: Fd, syscall: Sysno) -> Option<&PastCall> {
        self.calls
            .get(&(pid, fd))?
            .iter()
            .rev()
            .find(|c| c.syscall == syscall && c.errno.is_none())
    }

    /// The last close of the socket with this inode the trace saw (an explicit close, or
    /// the exit of a process that held it; another holder may have outlived a close).
    pub fn closed(&self, inode: u64) -> Option<Closed> {
        self.closed
            .iter()
            .rev()
            .find(|(i, _)| *i == inode)
            .map(|(_, c)| *c)
    }

    /// The last SCM_RIGHTS send seen on the socket with this inode.
    pub fn rights_sent(&self, inode: u64) -> Option<&RightsSent> {
        self.rights.get(&inode)
    }

    /// The peer inode this socket was last seen connected to.
    pub fn peer_of(&self, inode: u64) -> Option<u64> {
        self.peers.get(&inode).copied()
    }

    /// How a traced process ended: (exit code, killing signal), if it did.
    pub fn exited(&self, pid: Pid) -> Option<(Option<i32>, Option<&str>)> {
        self.exited
            .iter()
            .rev()
            .find(|(p, _, _)| *p == pid)
            .map(|(_, c, s)| (*c, s.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SockId, SockKind, SockProto};

    fn ev(seq: u64, sys: &str, fd: Option<Fd>, ret: i64, errno: Option<&str>) -> SyscallEvent {
        SyscallEvent {
            seq,
            pid: 10,
            tid: 10,
            syscall: sys.into(),
            fd,
            ret,
            errno: errno.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn rules_history_per_fd_reset_on_close_and_reuse() {
        let mut h = History::default();
        h.record(&ev(1, "socket", None, 3, None));
        h.record(&ev(2, "connect", Some(3), 0, None));
        h.record(&ev(3, "connect", Some(3), -1, Some("EISCONN")));
        assert_eq!(h.calls(10, 3).len(), 3);
        assert_eq!(h.last_ok(10, 3, Sysno::connect).unwrap().seq, 2);
        let mut c = ev(4, "close", Some(3), 0, None);
        c.fds = vec![SockId::new(3, SockProto::Unix(SockKind::Stream), 77)];
        h.record(&c);
        assert_eq!(h.calls(10, 3).len(), 1, "only the close is left");
        assert_eq!(h.closed(77).unwrap().seq, Some(4));
        h.record(&ev(5, "socket", None, 3, None));
        assert_eq!(
            h.calls(10, 3).len(),
            1,
            "a new socket on fd 3 starts afresh"
        );
        assert!(h.last_ok(10, 3, Sysno::connect).is_none());
        for i in 0..20 {
            h.record(&ev(6 + i, "write", Some(3), 1, None));
        }
        assert_eq!(h.calls(10, 3).len(), PER_FD);
        h.record_process(&ProcessEvent {
            event: Some(ProcessEventKind::Exit.into()),
            pid: 10,
            tid: 10,
            exit_code: Some(1),
            ..Default::default()
        });
        assert!(h.calls(10, 3).is_empty());
        assert_eq!(h.exited(10), Some((Some(1), None)));
    }

    #[test]
    fn rules_history_exit_closes_inherited_sockets() {
        let mut h = History::default();
        let mut pair = ev(1, "socketpair", None, 0, None);
        pair.fds = [(3, 50), (4, 51)]
            .into_iter()
            .map(|(fd, inode)| SockId {
                peer: Some(101 - inode),
                ..SockId::new(fd, SockProto::Unix(SockKind::Stream), inode)
            })
            .collect();
        h.record(&pair);
        h.record_process(&ProcessEvent {
            event: Some(ProcessEventKind::Fork.into()),
            pid: 11,
            tid: 11,
            ppid: Some(10),
            ..Default::default()
        });
        h.record_process(&ProcessEvent {
            event: Some(ProcessEventKind::Exit.into()),
            pid: 11,
            tid: 11,
            signal: Some("SIGKILL".into()),
            ..Default::default()
        });
        assert_eq!(h.peer_of(50), Some(51));
        let c = h.closed(51).unwrap();
        assert_eq!((c.pid, c.fd, c.seq), (11, None, None));
        assert_eq!(h.exited(11), Some((None, Some("SIGKILL"))));
    }
}
