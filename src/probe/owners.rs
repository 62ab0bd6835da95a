//! Socket inode -> the processes holding it, by scanning /proc/*/fd. Costly (a readlink
//! per fd on the machine), so asked only at a failure, never per call.

use super::identity::parse_socket_link;
use crate::model::facts::Owner;
use crate::model::{ByteString, Pid};
use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;

/// For each of `inodes`, the processes with an fd on that socket (pid order). An inode
/// nobody holds maps to an empty list. Processes we may not look into are skipped.
pub fn probe_socket_owners(inodes: &[u64]) -> BTreeMap<u64, Vec<Owner>> {
    let mut out: BTreeMap<u64, Vec<Owner>> = inodes.iter().map(|&i| (i, Vec::new())).collect();
    if inodes.is_empty() {
        return out;
    }
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return out;
    };
    let mut pids: Vec<Pid> = procs
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    for pid in pids {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for e in fds.flatten() {
            let Ok(link) = std::fs::read_link(e.path()) else {
                continue;
            };
            let Some(ino) = parse_socket_link(link.as_os_str().as_bytes()) else {
                continue;
            };
            let Some(list) = out.get_mut(&ino) else {
                continue;
            };
            let Some(fd) = e.file_name().to_str().and_then(|s| s.parse().ok()) else {
                continue;
            };
            match list.iter_mut().find(|o| o.pid == pid) {
                Some(o) => o.fds.push(fd),
                None => list.push(Owner {
                    pid,
                    comm: probe_comm(pid).unwrap_or_default(),
                    fds: vec![fd],
                }),
            }
        }
    }
    for list in out.values_mut() {
        for o in list.iter_mut() {
            o.fds.sort_unstable();
        }
    }
    out
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
