//! Bounded reads of a stopped tracee's memory: one process_vm_readv per block, falling
//! back to /proc/PID/mem where process_vm_readv is refused.

use nix::sys::uio::{RemoteIoVec, process_vm_readv};
use nix::unistd::Pid as NixPid;
use std::io::IoSliceMut;
use std::os::unix::fs::FileExt;

/// Hard cap on one read, whatever the caller asks: a hostile length must not make the
/// tracer allocate gigabytes.
pub const MAX_READ: usize = 1 << 20;

/// Read up to `len` bytes at `addr` in `tid`. Returns what could be read (possibly
/// fewer bytes at the end of a mapping), or None when nothing at `addr` is readable.
pub fn read_tracee(tid: i32, addr: u64, len: usize) -> Option<Vec<u8>> {
    if addr == 0 || len == 0 {
        return if len == 0 && addr != 0 {
            Some(Vec::new())
        } else {
            None
        };
    }
    let len = len.min(MAX_READ);
    let mut buf = vec![0u8; len];
    let got = read_vm(tid, addr, &mut buf).or_else(|| read_proc_mem(tid, addr, &mut buf))?;
    if got == 0 {
        return None;
    }
    buf.truncate(got);
    Some(buf)
}

fn read_vm(tid: i32, addr: u64, buf: &mut [u8]) -> Option<usize> {
    let mut done = 0;
    // process_vm_readv stops at the first unreadable page: retry from there page by
    // page so a buffer that ends in unmapped memory still yields its readable head.
    while done < buf.len() {
        let remote = [RemoteIoVec {
            base: (addr as usize).checked_add(done)?,
            len: buf.len() - done,
        }];
        let mut local = [IoSliceMut::new(&mut buf[done..])];
        match process_vm_readv(NixPid::from_raw(tid), &mut local, &remote) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(nix::errno::Errno::EFAULT) if done > 0 => break,
            Err(nix::errno::Errno::EFAULT) => return Some(0),
            Err(_) => return if done > 0 { Some(done) } else { None },
        }
    }
    Some(done)
}

fn read_proc_mem(tid: i32, addr: u64, buf: &mut [u8]) -> Option<usize> {
    let f = std::fs::File::open(format!("/proc/{tid}/mem")).ok()?;
    f.read_at(buf, addr).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_memory_and_refuses_null() {
        let data = b"hello tracer".to_vec();
        let me = std::process::id() as i32;
        let got = read_tracee(me, data.as_ptr() as u64, data.len()).unwrap();
        assert_eq!(got, data);
        assert_eq!(read_tracee(me, 0, 8), None);
        assert_eq!(read_tracee(me, 8, 8), None, "page zero is never mapped");
    }
}
