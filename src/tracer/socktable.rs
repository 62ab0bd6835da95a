//! What the tracer has learnt about AF_UNIX sockets, by inode: the identity sock_diag
//! gave, or the one the call that made the socket implies. Every fd naming the socket
//! (dups, a forked child's copy) and its peer's lookups share it, so a socket is asked
//! about once, not once per fd and again after each call that hands out an fd.
//!
//! The kernel answers a query by inode by walking every AF_UNIX socket of the namespace,
//! so each query avoided is one that would cost more on a host with many sockets.
//!
//! An answer stays until something the trace sees can change it: a connect (a peer, and
//! an autobound name; a failed one only on a socket that may autobind, `fdkind.rs`), a
//! bind that works (a name), a close of the socket or of its peer (after which the kernel
//! reports no peer). A peer closed by a process we do not trace leaves the answer naming
//! the peer the trace knew (as strace's cache does), and so does SO_PASSCRED set by a
//! process we do not trace on a socket it was sent; a failure's probes ask the kernel
//! afresh in any case.

use crate::model::{SockId, SockKind};
use std::collections::HashMap;

/// Answers kept in one generation; a generation that fills up becomes the old one, and
/// what was not asked for again during the next one is dropped. So memory stays bounded
/// by sockets in use, whatever a long trace creates and never closes in our sight.
const GENERATION: usize = 2048;

/// Identities by socket inode (the `fd` field is meaningless here; callers set theirs).
#[derive(Default)]
pub struct SockTable {
    young: HashMap<u64, SockId>,
    old: HashMap<u64, SockId>,
}

impl SockTable {
    /// The identity known for `ino`.
    pub fn get(&mut self, ino: u64) -> Option<&SockId> {
        if !self.young.contains_key(&ino) {
            let id = self.old.remove(&ino)?;
            self.put(ino, id);
        }
        self.young.get(&ino)
    }

    /// Remember `id` for its inode. A connection-oriented socket's peer is connected to
    /// it too: a peer known without one (asked about while its connection still waited
    /// in the accept queue) learns it here, with this socket's name.
    pub fn learn(&mut self, id: SockId, kind: SockKind) {
        if matches!(kind, SockKind::Stream | SockKind::Seqpacket)
            && let Some(p) = id.peer
            && let Some(peer) = self.young.get_mut(&p).or_else(|| self.old.get_mut(&p))
            && peer.peer.is_none()
        {
            peer.peer = Some(id.inode);
            peer.peer_path = id.path.clone();
        }
        self.put(id.inode, id);
    }

    /// Forget `ino`: it may have changed (connect, bind) or be gone (close).
    pub fn forget(&mut self, ino: u64) {
        self.young.remove(&ino);
        self.old.remove(&ino);
    }

    fn put(&mut self, ino: u64, id: SockId) {
        if self.young.len() >= GENERATION && !self.young.contains_key(&ino) {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(ino, id);
    }

    /// Answers held (both generations).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SockProto, UnixName};

    fn id(ino: u64, peer: Option<u64>, path: Option<&str>) -> SockId {
        SockId {
            peer,
            path: path.map_or(UnixName::Unnamed, |p| UnixName::Path(p.into())),
            ..SockId::new(-1, SockProto::Unix(SockKind::Stream), ino)
        }
    }

    #[test]
    fn an_accepted_connection_tells_the_client_its_peer() {
        let mut t = SockTable::default();
        // The client, asked about before the server accepted: no peer yet.
        t.learn(id(10, None, None), SockKind::Stream);
        t.learn(id(11, Some(10), Some("/run/x.sock")), SockKind::Stream);
        let c = t.get(10).unwrap();
        assert_eq!(c.peer, Some(11));
        assert_eq!(c.peer_path, UnixName::Path("/run/x.sock".into()));
        // A datagram socket connected to a server does not make the server its peer.
        t.learn(id(20, None, Some("/run/d.sock")), SockKind::Dgram);
        t.learn(id(21, Some(20), None), SockKind::Dgram);
        assert_eq!(t.get(20).unwrap().peer, None);
        t.forget(10);
        assert!(t.get(10).is_none());
    }

    #[test]
    fn memory_is_bounded_and_answers_in_use_survive() {
        let mut t = SockTable::default();
        t.learn(id(1, None, None), SockKind::Stream);
        for ino in 1000..1000 + 10 * GENERATION as u64 {
            t.learn(id(ino, None, None), SockKind::Stream);
            // Socket 1 is in use all along.
            assert!(t.get(1).is_some());
        }
        assert!(t.len() <= 2 * GENERATION);
        assert!(t.get(1000).is_none(), "unused for a generation: dropped");
    }
}
