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

/// The inode of one of `pid`'s namespaces.
pub fn ns_inode(pid: Pid, kind: NsKind) -> Option<u64> {
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

/// sockwhy's own namespaces: read once (its threads never move, the short-lived one that
/// joins another network namespace for sock_diag ends with its query).
pub fn our_namespaces() -> Namespaces {
    static OURS: std::sync::OnceLock<Namespaces> = std::sync::OnceLock::new();
    *OURS.get_or_init(|| probe_namespaces(std::process::id() as Pid))
}

/// How long a listing of the host's network namespaces is reused: listing them means
/// reading /proc (a readdir, and a readlink per process not seen before), too much for
/// every one of thousands of failures a second; a namespace made less than this before a
/// failure may be missed by it.
pub const NETNS_TTL: std::time::Duration = std::time::Duration::from_millis(250);

/// The host's network namespaces as sockwhy could list them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetnsList {
    /// Every namespace found, each with one process in it (the lowest pid).
    pub found: Vec<(u64, Pid)>,
    /// Some processes' namespaces could not be read for want of privilege (another
    /// user's, sockwhy not root): there may be namespaces the list does not have. (Root
    /// may still be refused a process of a more privileged user namespace; like the
    /// processes of other pid namespaces, which /proc never lists, that is beyond what
    /// sockwhy can look at, not a check it skipped.)
    pub hidden: bool,
}

/// True when sockwhy runs as root (so a refusal to look into a process is not its own
/// want of privilege).
pub fn we_are_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The listing, and what it remembers between listings.
#[derive(Default)]
struct NetnsCache {
    /// Each process's network namespace as first read, None when it may not be read
    /// (read again once its pid has gone from /proc, so a reused pid is read anew).
    by_pid: std::collections::HashMap<Pid, Option<u64>>,
    /// The last listing, and when it was made.
    listed: Option<(std::time::Instant, NetnsList)>,
}

thread_local! {
    static NETNS: std::cell::RefCell<NetnsCache> = std::cell::RefCell::new(NetnsCache::default());
}

fn list_netns(cache: &mut NetnsCache) -> NetnsList {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return NetnsList {
            found: Vec::new(),
            hidden: true,
        };
    };
    let mut pids: Vec<Pid> = procs
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    cache.by_pid.retain(|p, _| pids.binary_search(p).is_ok());
    let mut out = NetnsList::default();
    for &pid in &pids {
        let ns = match cache.by_pid.get(&pid) {
            Some(ns) => *ns,
            None => match std::fs::read_link(format!("/proc/{pid}/ns/net")) {
                Ok(l) => {
                    let ns = parse_ns_link(l.as_os_str().as_bytes());
                    cache.by_pid.insert(pid, ns);
                    ns
                }
                // Gone meanwhile: nothing hidden, and not remembered.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(_) => {
                    cache.by_pid.insert(pid, None);
                    None
                }
            },
        };
        match ns {
            Some(ns) if !out.found.iter().any(|(n, _)| *n == ns) => out.found.push((ns, pid)),
            Some(_) => {}
            None => out.hidden |= !we_are_root(),
        }
    }
    out.found.sort_unstable();
    out
}

/// The network namespaces of the host other than `except`, each with one process in it
/// (the lowest pid), in namespace order. Listed at most once per [`NETNS_TTL`]. (A process
/// that moves to another network namespace after it was first seen is found in its old
/// one until its pid goes.)
pub fn probe_other_netns(except: Option<u64>) -> NetnsList {
    NETNS.with(|cell| {
        let mut c = cell.borrow_mut();
        let now = std::time::Instant::now();
        let fresh = c
            .listed
            .as_ref()
            .is_some_and(|(t, _)| now.duration_since(*t) < NETNS_TTL);
        if !fresh {
            let l = list_netns(&mut c);
            c.listed = Some((now, l));
        }
        let l = c
            .listed
            .as_ref()
            .map(|(_, l)| l.clone())
            .unwrap_or_default();
        NetnsList {
            found: l
                .found
                .into_iter()
                .filter(|(n, _)| Some(*n) != except)
                .collect(),
            hidden: l.hidden,
        }
    })
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
            !probe_other_netns(None).found.is_empty(),
            "at least our own namespace"
        );
        assert!(
            probe_other_netns(ns.net)
                .found
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
