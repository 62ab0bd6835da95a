//! Namespaces: which ones a process is in (/proc/PID/ns/*), which network namespaces the
//! host has, and a socket's name as its holder sees it (through the holder's own root,
//! so in its mount namespace).

use super::path::{WalkFor, probe_path_walk};
use crate::model::Pid;
use crate::model::facts::{FileKind, HolderView, NameThere, Namespaces, NsKind, VfsId, WalkEnd};
use std::os::unix::ffi::OsStrExt;

/// `mnt:[4026531832]` -> 4026531832.
pub fn parse_ns_link(link: &[u8]) -> Option<u64> {
    let open = link.iter().position(|&b| b == b'[')?;
    let n = link[open + 1..].strip_suffix(b"]")?;
    std::str::from_utf8(n).ok()?.parse().ok()
}

fn ns_inode(pid: Pid, kind: NsKind) -> Option<u64> {
    let link = std::fs::read_link(format!("/proc/{pid}/ns/{}", kind.name().0)).ok()?;
    parse_ns_link(link.as_os_str().as_bytes())
}

/// The namespaces of `pid` (each None when its link cannot be read).
pub fn probe_namespaces(pid: Pid) -> Namespaces {
    Namespaces {
        mnt: ns_inode(pid, NsKind::Mnt),
        net: ns_inode(pid, NsKind::Net),
        user: ns_inode(pid, NsKind::User),
        pid: ns_inode(pid, NsKind::Pid),
    }
}

/// The network namespaces of the host other than `except`, each with one process in it
/// (the lowest pid), in namespace order. One readlink per process.
pub fn probe_other_netns(except: Option<u64>) -> Vec<(u64, Pid)> {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<Pid> = procs
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    let mut out: Vec<(u64, Pid)> = Vec::new();
    for pid in pids {
        if let Some(ns) = ns_inode(pid, NsKind::Net)
            && Some(ns) != except
            && !out.iter().any(|(n, _)| *n == ns)
        {
            out.push((ns, pid));
        }
    }
    out.sort_unstable();
    out
}

/// What `name` (a path as the holder bound it) reaches as process `pid` resolves it,
/// compared with the socket's file `vfs`.
pub fn probe_name_there(pid: Pid, name: &[u8], vfs: Option<VfsId>) -> NameThere {
    let w = probe_path_walk(pid, name, WalkFor::Connect, None);
    match (&w.end, w.target()) {
        (WalkEnd::Found, Some(t)) => match vfs {
            Some(v) if t.info.kind == FileKind::Socket && t.info.id.ino == v.ino => {
                NameThere::ThisSocket(t.info)
            }
            Some(_) => NameThere::Other(t.info),
            None => NameThere::Unknown,
        },
        (WalkEnd::Missing { .. } | WalkEnd::NotDir { .. }, _) => NameThere::Missing,
        _ => NameThere::Unknown,
    }
}

/// The holder's namespaces and what the socket's bound path reaches for it.
pub fn probe_holder_view(pid: Pid, name: &[u8], vfs: Option<VfsId>) -> HolderView {
    let cwd = (name.first() != Some(&b'/'))
        .then(|| std::fs::read_link(format!("/proc/{pid}/cwd")).ok())
        .flatten()
        .map(|p| p.as_os_str().as_bytes().into());
    HolderView {
        pid,
        ns: probe_namespaces(pid),
        there: probe_name_there(pid, name, vfs),
        cwd,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_ns_links_and_our_own() {
        assert_eq!(parse_ns_link(b"mnt:[4026531832]"), Some(4026531832));
        assert_eq!(parse_ns_link(b"net:[x]"), None);
        assert_eq!(parse_ns_link(b"/dev/null"), None);
        let me = std::process::id() as Pid;
        let ns = probe_namespaces(me);
        assert!(ns.mnt.is_some() && ns.net.is_some() && ns.user.is_some() && ns.pid.is_some());
        assert!(ns.differ(&ns).is_empty());
        assert!(
            !probe_other_netns(None).is_empty(),
            "at least our own namespace"
        );
        assert!(
            probe_other_netns(ns.net)
                .iter()
                .all(|(n, _)| Some(*n) != ns.net),
            "ours left out"
        );
    }

    #[test]
    fn probe_ns_name_there_compares_the_file() {
        let d = std::env::temp_dir().join(format!("sockwhy-ns-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        let p = d.join("s.sock");
        let _ = std::fs::remove_file(&p);
        let l = std::os::unix::net::UnixListener::bind(&p).unwrap();
        let me = std::process::id() as Pid;
        let md = std::fs::metadata(&p).unwrap();
        use std::os::unix::fs::MetadataExt;
        let vfs = VfsId {
            ino: md.ino(),
            major: 0,
            minor: 0,
        };
        let name = p.as_os_str().as_bytes();
        assert!(matches!(
            probe_name_there(me, name, Some(vfs)),
            NameThere::ThisSocket(_)
        ));
        let other = VfsId { ino: 1, ..vfs };
        assert!(matches!(
            probe_name_there(me, name, Some(other)),
            NameThere::Other(_)
        ));
        drop(l);
        let _ = std::fs::remove_file(&p);
        assert_eq!(probe_name_there(me, name, Some(vfs)), NameThere::Missing);
        let _ = std::fs::remove_dir_all(&d);
    }
}
