//! A [`Tracee`] over a plain byte buffer: for tests, the fuzzer, and replaying memory
//! captured elsewhere.

use super::Tracee;
use crate::model::{Fd, SockId};
use std::collections::HashMap;

/// Tracee memory as one buffer mapped at `base`, plus known fd identities. Reads
/// outside the buffer fail; reads that run off its end come back short, as a read
/// across into an unmapped page does.
#[derive(Clone, Debug, Default)]
pub struct BufTracee {
    /// Address of `mem[0]`.
    pub base: u64,
    /// The readable bytes.
    pub mem: Vec<u8>,
    /// What `fd_identity` answers.
    pub ids: HashMap<Fd, SockId>,
}

impl BufTracee {
    /// An empty buffer mapped at `base`.
    pub fn new(base: u64) -> Self {
        BufTracee {
            base,
            ..Default::default()
        }
    }

    /// Append `bytes` at the next 8-byte aligned offset and return their address.
    pub fn put(&mut self, bytes: &[u8]) -> u64 {
        while !self.mem.len().is_multiple_of(8) {
            self.mem.push(0);
        }
        let at = self.base + self.mem.len() as u64;
        self.mem.extend_from_slice(bytes);
        at
    }

    /// The address one past the last byte (the first unreadable one).
    pub fn end(&self) -> u64 {
        self.base + self.mem.len() as u64
    }
}

impl Tracee for BufTracee {
    fn read_mem(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        let off = usize::try_from(addr.checked_sub(self.base)?).ok()?;
        if off >= self.mem.len() {
            return None;
        }
        let end = off.saturating_add(len).min(self.mem.len());
        Some(self.mem[off..end].to_vec())
    }

    fn fd_identity(&mut self, fd: Fd) -> Option<SockId> {
        self.ids.get(&fd).cloned()
    }
}
