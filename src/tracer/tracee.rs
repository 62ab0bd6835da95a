//! The decoders' view of a stopped task: its memory and its fds.

use super::fdkind::FdCache;
use super::memory::read_tracee;
use crate::decode::Tracee;
use crate::model::{Fd, Pid, SockId, Tid};

/// A task that is stopped right now (it exists only while the tracer holds the stop).
pub struct StoppedTask<'a> {
    /// The thread.
    pub tid: Tid,
    /// Its thread group (fds belong to it).
    pub pid: Pid,
    /// The fd cache.
    pub fds: &'a mut FdCache,
}

impl Tracee for StoppedTask<'_> {
    fn read_mem(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        read_tracee(self.tid, addr, len)
    }

    fn fd_identity(&mut self, fd: Fd) -> Option<SockId> {
        self.fds.identity(self.pid, fd)
    }
}
