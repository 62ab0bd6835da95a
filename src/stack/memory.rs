//! The stack memory one walk may read: blocks read whole on first touch (one
//! process_vm_readv each, not one ptrace call per word), within a byte budget and a
//! deadline.

use std::time::Instant;

/// Reads a stopped tracee's memory (the tracer's bounded reader, or a buffer in tests).
pub trait ReadMemory {
    /// Up to `len` bytes at `addr`: fewer at the end of a mapping, None when nothing there
    /// is readable.
    fn read_memory(&self, addr: u64, len: usize) -> Option<Vec<u8>>;
}

impl<F: Fn(u64, usize) -> Option<Vec<u8>>> ReadMemory for F {
    fn read_memory(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        self(addr, len)
    }
}

/// Bytes read per block: most stacks a walk needs fit in one or two.
const BLOCK: u64 = 16 << 10;

/// Why a read was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The memory is not readable.
    Unreadable(u64),
    /// The byte budget is spent.
    Budget,
    /// The deadline passed.
    Time,
}

/// The blocks read so far.
pub struct StackWindow<'a> {
    mem: &'a dyn ReadMemory,
    blocks: Vec<(u64, Vec<u8>)>,
    budget: usize,
    deadline: Instant,
    /// Bytes read from the tracee.
    pub bytes_read: usize,
    /// The first refusal, which ends the walk.
    pub refused: Option<Refused>,
}

impl<'a> StackWindow<'a> {
    /// A window that reads at most `budget` bytes before `deadline`.
    pub fn new(mem: &'a dyn ReadMemory, budget: usize, deadline: Instant) -> Self {
        StackWindow {
            mem,
            blocks: Vec::new(),
            budget,
            deadline,
            bytes_read: 0,
            refused: None,
        }
    }

    /// The little-endian word at `addr`; None once refused (see `refused`).
    pub fn read_u64(&mut self, addr: u64) -> Option<u64> {
        let end = addr.checked_add(8)?;
        if let Some(w) = self.cached(addr, end) {
            return Some(w);
        }
        if self.refused.is_some() {
            return None;
        }
        let start = addr & !0xfff;
        let want = BLOCK.min((self.budget - self.bytes_read) as u64) as usize;
        if (want as u64) < end - start {
            self.refused = Some(Refused::Budget);
            return None;
        }
        if Instant::now() > self.deadline {
            self.refused = Some(Refused::Time);
            return None;
        }
        let bytes = self.mem.read_memory(start, want).unwrap_or_default();
        // A short block is charged in full: the budget bounds the work, not only the bytes kept.
        self.bytes_read += want;
        let ok = bytes.len() as u64 >= end - start;
        self.blocks.push((start, bytes));
        if !ok {
            self.refused = Some(Refused::Unreadable(addr));
            return None;
        }
        self.cached(addr, end)
    }

    fn cached(&self, addr: u64, end: u64) -> Option<u64> {
        self.blocks.iter().find_map(|(s, b)| {
            if addr < *s || end > s + b.len() as u64 {
                return None;
            }
            let at = (addr - s) as usize;
            Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(60)
    }

    #[test]
    fn reads_blocks_once_and_stops_at_the_budget() {
        let calls = std::cell::Cell::new(0);
        let mem = |a: u64, l: usize| {
            calls.set(calls.get() + 1);
            (a >= 0x10_0000).then(|| (0..l as u64).map(|i| (a + i) as u8).collect())
        };
        let mut w = StackWindow::new(&mem, 32 << 10, far());
        let v = w.read_u64(0x10_0008).unwrap();
        assert_eq!(v.to_le_bytes()[0], 0x08);
        assert_eq!(w.read_u64(0x10_0010).unwrap().to_le_bytes()[0], 0x10);
        assert_eq!(calls.get(), 1, "the second word comes from the block");
        assert!(w.read_u64(0x10_8000).is_some());
        assert_eq!(w.bytes_read, 32 << 10);
        assert!(w.read_u64(0x20_0000).is_none());
        assert_eq!(w.refused, Some(Refused::Budget));
    }

    #[test]
    fn unreadable_memory_and_the_deadline_refuse() {
        let mem = |_a: u64, _l: usize| None;
        let mut w = StackWindow::new(&mem, 1 << 20, far());
        assert!(w.read_u64(0x1000).is_none());
        assert_eq!(w.refused, Some(Refused::Unreadable(0x1000)));
        let mem = |_a: u64, l: usize| Some(vec![0; l]);
        let mut w = StackWindow::new(&mem, 1 << 20, Instant::now() - Duration::from_secs(1));
        assert!(w.read_u64(0x1000).is_none());
        assert_eq!(w.refused, Some(Refused::Time));
        assert!(
            StackWindow::new(&mem, 1 << 20, far())
                .read_u64(u64::MAX - 3)
                .is_none()
        );
    }
}
