//! The decoders' view of a stopped task: its memory and its fds.

use super::fdkind::FdCache;
use super::stop::Stop;
use crate::decode::Tracee;
use crate::model::{Fd, Pid, SockId};

/// A task that is stopped right now: it borrows the stop, so it exists only while the
/// tracer holds it.
pub struct StoppedTask<'a> {
    /// The stop.
    pub stop: &'a Stop,
    /// Its thread group (fds belong to it).
    pub pid: Pid,
    /// The fd cache.
    pub fds: &'a mut FdCache,
}

impl Tracee for StoppedTask<'_> {
    fn read_mem(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        self.stop.read_mem(addr, len)
    }

    fn fd_identity(&mut self, fd: Fd) -> Option<SockId> {
        self.fds.identity(self.pid, self.stop.tid(), fd)
    }
}
