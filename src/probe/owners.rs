//! Socket inode -> the processes holding it (one scan of /proc/*/fd, `scan.rs`), and a
//! process's command name. Costly, so asked only at a failure, never per call.

use super::scan::ProcScan;
use crate::model::facts::Owner;
use crate::model::{ByteString, Pid};
use std::collections::BTreeMap;

/// For each of `inodes`, the processes with an fd on that socket (pid order). An inode
/// nobody holds maps to an empty list. Processes we may not look into are skipped.
pub fn probe_socket_owners(inodes: &[u64]) -> BTreeMap<u64, Vec<Owner>> {
    if inodes.is_empty() {
        return BTreeMap::new();
    }
    let mut scan = ProcScan::probe();
    inodes.iter().map(|&i| (i, scan.owners(i))).collect()
}

/// /proc/PID/comm without its newline (raw bytes: a process names itself).
pub fn probe_comm(pid: Pid) -> Option<ByteString> {
    let mut c = std::fs::read(format!("/proc/{pid}/comm")).ok()?;
    if c.last() == Some(&b'\n') {
        c.pop();
    }
    Some(ByteString(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn probe_owners_finds_this_process() {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let me = std::process::id() as Pid;
        let ia = super::super::identity::probe_fd_identity(me, a.as_raw_fd())
            .unwrap()
            .inode;
        let o = probe_socket_owners(&[ia, 1]);
        assert_eq!(o[&1], vec![]);
        let mine = o[&ia].iter().find(|o| o.pid == me).unwrap();
        assert_eq!(mine.fds, vec![a.as_raw_fd()]);
        assert!(!mine.comm.is_empty());
        drop(b);
    }
}
