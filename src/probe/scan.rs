//! One pass over /proc/*/fd per failure: every socket fd of every process we may look
//! into, kept so every question of that failure (who holds the bound socket, the sockets
//! by similar names, the peer) is answered from the same pass. Costly (a readlink per fd
//! on the machine), so made only at a failure, and only when a question needs it.

use super::identity::parse_socket_link;
use super::owners::probe_comm;
use crate::model::facts::Owner;
use crate::model::{ByteString, Fd, Pid};
use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;

/// The socket fds of the machine, by socket inode.
#[derive(Debug, Default)]
pub struct ProcScan {
    by_inode: HashMap<u64, Vec<(Pid, Fd)>>,
    comm: HashMap<Pid, ByteString>,
    /// Some process's fds could not be read (another user's, without root): a socket
    /// with no holder found may be held by one of them.
    incomplete: bool,
}

impl ProcScan {
    /// Read /proc/*/fd once. Processes we may not look into are skipped.
    pub fn probe() -> ProcScan {
        let mut scan = ProcScan::default();
        let Ok(procs) = std::fs::read_dir("/proc") else {
            return scan;
        };
        let mut pids: Vec<Pid> = procs
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect();
        pids.sort_unstable();
        for pid in pids {
            let fds = match std::fs::read_dir(format!("/proc/{pid}/fd")) {
                Ok(fds) => fds,
                Err(e) => {
                    // A process that exited meanwhile hides nothing; one root may not
                    // look into is beyond reach, like another pid namespace's.
                    scan.incomplete |= e.kind() == std::io::ErrorKind::PermissionDenied
                        && !super::ns::we_are_root();
                    continue;
                }
            };
            for e in fds.flatten() {
                let Ok(link) = std::fs::read_link(e.path()) else {
                    continue;
                };
                let Some(ino) = parse_socket_link(link.as_os_str().as_bytes()) else {
                    continue;
                };
                let Some(fd) = e.file_name().to_str().and_then(|s| s.parse().ok()) else {
                    continue;
                };
                scan.by_inode.entry(ino).or_default().push((pid, fd));
            }
        }
        scan
    }

    /// The processes holding socket `inode` (pid order, each with its fds in order);
    /// empty when none we can see does.
    pub fn owners(&mut self, inode: u64) -> Vec<Owner> {
        let Some(held) = self.by_inode.get(&inode) else {
            return Vec::new();
        };
        let mut out: Vec<Owner> = Vec::new();
        for &(pid, fd) in held {
            match out.iter_mut().find(|o| o.pid == pid) {
                Some(o) => o.fds.push(fd),
                None => out.push(Owner {
                    pid,
                    comm: self
                        .comm
                        .entry(pid)
                        .or_insert_with(|| probe_comm(pid).unwrap_or_default())
                        .clone(),
                    fds: vec![fd],
                }),
            }
        }
        for o in &mut out {
            o.fds.sort_unstable();
        }
        out
    }
}

/// The scan of one failure, made the first time a probe asks.
#[derive(Debug, Default)]
pub struct Scanned(Option<ProcScan>);

impl Scanned {
    /// Who holds `inode`, from this failure's one scan.
    pub fn owners(&mut self, inode: u64) -> Vec<Owner> {
        self.0.get_or_insert_with(ProcScan::probe).owners(inode)
    }

    /// True when the scan was made and could not look into every process.
    pub fn incomplete(&self) -> bool {
        self.0.as_ref().is_some_and(|s| s.incomplete)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn probe_scan_finds_this_process_once() {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let me = std::process::id() as Pid;
        let ia = super::super::identity::probe_fd_identity(me, a.as_raw_fd())
            .unwrap()
            .inode;
        let mut s = Scanned::default();
        let mine = s.owners(ia);
        let o = mine.iter().find(|o| o.pid == me).unwrap();
        assert_eq!(o.fds, vec![a.as_raw_fd()]);
        assert!(!o.comm.is_empty());
        assert!(
            s.owners(1).is_empty(),
            "inode 1 is never a socket: nobody holds it"
        );
        drop(b);
    }
}
