//! A path as the tracee sees it: resolved against /proc/PID/root or /proc/PID/cwd,
//! walked one component at a time with lstat, symlinks followed by hand (so an absolute
//! link restarts at the tracee's root, not ours), and each permission checked against the
//! tracee's credentials rather than sockwhy's.

use crate::model::facts::{
    Access, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, Creds, Denial, FileInfo, FileKind, PathStep,
    PathWalk, VfsId, WalkEnd,
};
use crate::model::{ByteString, Pid};
use std::collections::VecDeque;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

/// The kernel's limit on symlinks followed in one lookup.
const MAX_LINKS: u32 = 40;

/// What the walk is for: it decides whether the last symlink is followed and which
/// permission the last step needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalkFor {
    /// connect/sendto: follow the last link; need write on the socket file.
    Connect,
    /// bind: the last component must not exist; need write on its parent.
    Bind,
}

/// File info from std metadata.
pub fn file_info(md: &std::fs::Metadata) -> FileInfo {
    let kind = match md.mode() & libc::S_IFMT {
        libc::S_IFSOCK => FileKind::Socket,
        libc::S_IFREG => FileKind::Regular,
        libc::S_IFDIR => FileKind::Dir,
        libc::S_IFLNK => FileKind::Symlink,
        libc::S_IFIFO => FileKind::Fifo,
        libc::S_IFCHR => FileKind::CharDev,
        libc::S_IFBLK => FileKind::BlockDev,
        _ => FileKind::Other,
    };
    FileInfo {
        kind,
        mode: md.mode() & 0o7777,
        uid: md.uid(),
        gid: md.gid(),
        id: VfsId {
            ino: md.ino(),
            major: nix::sys::stat::major(md.dev()) as u32,
            minor: nix::sys::stat::minor(md.dev()) as u32,
        },
    }
}

/// Would the kernel's mode-bit check (generic_permission) let `c` have `need` on `f`?
/// ACLs and LSMs are not looked at.
pub fn may_access(c: &Creds, f: &FileInfo, need: Access) -> bool {
    let bit = match need {
        Access::Search => 1,
        Access::Write => 2,
    };
    let class = if c.fsuid() == f.uid {
        f.mode >> 6
    } else if c.fsgid() == f.gid || c.groups.contains(&f.gid) {
        f.mode >> 3
    } else {
        f.mode
    };
    if class & bit != 0 {
        return true;
    }
    match need {
        Access::Search => {
            f.kind == FileKind::Dir
                && (c.has_cap(CAP_DAC_OVERRIDE) || c.has_cap(CAP_DAC_READ_SEARCH))
        }
        Access::Write => c.has_cap(CAP_DAC_OVERRIDE),
    }
}

fn components(p: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    p.split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .map(<[u8]>::to_vec)
}

fn join_shown(dir: &[u8], comp: &[u8]) -> Vec<u8> {
    let mut v = dir.to_vec();
    if !v.ends_with(b"/") {
        v.push(b'/');
    }
    v.extend_from_slice(comp);
    v
}

fn parent_shown(p: &[u8]) -> Vec<u8> {
    match p.iter().rposition(|&b| b == b'/') {
        Some(0) | None => b"/".to_vec(),
        Some(i) => p[..i].to_vec(),
    }
}

/// One directory on the current resolution stack.
struct Dir {
    host: PathBuf,
    shown: Vec<u8>,
    info: Option<FileInfo>,
}

/// Walk `given` as process `pid` would resolve it.
pub fn probe_path_walk(
    pid: Pid,
    given: &[u8],
    purpose: WalkFor,
    creds: Option<&Creds>,
) -> PathWalk {
    let root_host = PathBuf::from(format!("/proc/{pid}/root"));
    let root = || Dir {
        info: std::fs::metadata(&root_host).ok().map(|m| file_info(&m)),
        host: root_host.clone(),
        shown: b"/".to_vec(),
    };
    let absolute = given.first() == Some(&b'/');
    let mut cwd = None;
    let start = if absolute {
        root()
    } else {
        let host = PathBuf::from(format!("/proc/{pid}/cwd"));
        let shown = std::fs::read_link(&host)
            .map(|p| p.as_os_str().as_bytes().to_vec())
            .unwrap_or_else(|_| b".".to_vec());
        cwd = Some(ByteString(shown.clone()));
        Dir {
            info: std::fs::metadata(&host).ok().map(|m| file_info(&m)),
            host,
            shown,
        }
    };
    let mut steps = Vec::new();
    if let Some(info) = start.info {
        steps.push(PathStep {
            path: ByteString(start.shown.clone()),
            info,
            link: None,
        });
    }
    let mut stack = vec![start];
    let mut queue: VecDeque<Vec<u8>> = components(given).collect();
    let mut denied: Option<Denial> = None;
    let mut deny = |d: &Dir, need: Access| {
        if let (None, Some(c), Some(info)) = (&denied, creds, d.info)
            && !may_access(c, &info, need)
        {
            denied = Some(Denial {
                path: ByteString(d.shown.clone()),
                need,
                info,
            });
        }
    };
    let mut hops = 0;
    let end = if stack[0].info.is_none() {
        // The process is gone or its root/cwd is hidden from us: every lookup below
        // would fail for our reasons, not the tracee's.
        WalkEnd::Error {
            at: ByteString(stack[0].shown.clone()),
            errno: None,
        }
    } else if given.is_empty() {
        WalkEnd::Missing {
            at: ByteString::default(),
            last: true,
        }
    } else {
        loop {
            let Some(comp) = queue.pop_front() else {
                break WalkEnd::Found;
            };
            let last = queue.is_empty();
            let cur = stack.last().expect("the walk stack always holds its start");
            deny(cur, Access::Search);
            if comp == b".." {
                if stack.len() > 1 {
                    stack.pop();
                } else if !absolute {
                    // Above the cwd: keep going up from it (the tracee's root is not
                    // enforced here; chroot escapes are not our concern).
                    let d = &mut stack[0];
                    d.host.push("..");
                    d.shown = parent_shown(&d.shown);
                    d.info = std::fs::metadata(&d.host).ok().map(|m| file_info(&m));
                }
                continue;
            }
            let host = cur.host.join(OsStr::from_bytes(&comp));
            let shown = join_shown(&cur.shown, &comp);
            let info = match std::fs::symlink_metadata(&host) {
                Ok(md) => file_info(&md),
                Err(e) => {
                    let errno = nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0));
                    break match errno {
                        nix::errno::Errno::ENOENT => WalkEnd::Missing {
                            at: ByteString(shown),
                            last,
                        },
                        nix::errno::Errno::ENOTDIR => WalkEnd::NotDir {
                            at: ByteString(cur.shown.clone()),
                        },
                        e => WalkEnd::Error {
                            at: ByteString(shown),
                            errno: Some(crate::model::Errno::new(e as i32)),
                        },
                    };
                }
            };
            if info.kind == FileKind::Symlink && (!last || purpose == WalkFor::Connect) {
                hops += 1;
                if hops > MAX_LINKS {
                    break WalkEnd::Loop;
                }
                let target = std::fs::read_link(&host)
                    .map(|p| p.as_os_str().as_bytes().to_vec())
                    .unwrap_or_default();
                if target.first() == Some(&b'/') {
                    stack.truncate(0);
                    stack.push(root());
                }
                for c in components(&target).collect::<Vec<_>>().into_iter().rev() {
                    queue.push_front(c);
                }
                steps.push(PathStep {
                    path: ByteString(shown),
                    info,
                    link: Some(ByteString(target)),
                });
                continue;
            }
            steps.push(PathStep {
                path: ByteString(shown.clone()),
                info,
                link: None,
            });
            if !last && info.kind != FileKind::Dir {
                break WalkEnd::NotDir {
                    at: ByteString(shown),
                };
            }
            stack.push(Dir {
                host,
                shown,
                info: Some(info),
            });
        }
    };
    let mut parent_readonly = None;
    match (purpose, &end) {
        (WalkFor::Connect, WalkEnd::Found) => {
            if let Some(d) = stack.last() {
                deny(d, Access::Write);
            }
        }
        (WalkFor::Bind, WalkEnd::Missing { last: true, .. }) => {
            if let Some(d) = stack.last() {
                deny(d, Access::Write);
                parent_readonly = nix::sys::statvfs::statvfs(&d.host)
                    .ok()
                    .map(|v| v.flags().contains(nix::sys::statvfs::FsFlags::ST_RDONLY));
            }
        }
        _ => {}
    }
    PathWalk {
        given: given.into(),
        cwd,
        steps,
        end,
        denied,
        perms_checked: creds.is_some(),
        parent_readonly,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn me() -> Pid {
        std::process::id() as Pid
    }

    fn nobody() -> Creds {
        Creds {
            uid: [65534; 4],
            gid: [65534; 4],
            groups: vec![],
            cap_eff: 0,
        }
    }

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("sockwhy-path-{tag}-{}", me()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn b(p: &std::path::Path) -> Vec<u8> {
        p.as_os_str().as_bytes().to_vec()
    }

    #[test]
    fn probe_path_names_the_missing_component() {
        let d = tmp("missing");
        let p = d.join("nodir/x.sock");
        let w = probe_path_walk(me(), &b(&p), WalkFor::Connect, None);
        assert_eq!(
            w.end,
            WalkEnd::Missing {
                at: ByteString(b(&d.join("nodir"))),
                last: false,
            }
        );
        assert_eq!(w.steps.first().unwrap().path.as_bytes(), b"/");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn probe_path_not_a_directory_and_symlinks() {
        let d = tmp("notdir");
        std::fs::write(d.join("f"), b"").unwrap();
        let w = probe_path_walk(me(), &b(&d.join("f/x")), WalkFor::Connect, None);
        assert_eq!(
            w.end,
            WalkEnd::NotDir {
                at: ByteString(b(&d.join("f")))
            }
        );
        // An absolute link restarts at the tracee's root; the final kind is the target's.
        symlink(d.join("f"), d.join("l")).unwrap();
        let w = probe_path_walk(me(), &b(&d.join("l")), WalkFor::Connect, None);
        assert_eq!(w.end, WalkEnd::Found);
        assert_eq!(w.target().unwrap().info.kind, FileKind::Regular);
        assert!(w.steps.iter().any(|s| s.link.is_some()));
        // bind does not follow the last link: it sees the link itself.
        let w = probe_path_walk(me(), &b(&d.join("l")), WalkFor::Bind, None);
        assert_eq!(w.target().unwrap().info.kind, FileKind::Symlink);
        symlink("loop", d.join("loop")).unwrap();
        let w = probe_path_walk(me(), &b(&d.join("loop")), WalkFor::Connect, None);
        assert_eq!(w.end, WalkEnd::Loop);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn probe_path_relative_to_the_tracee_cwd() {
        // The test's cwd is the crate root, where Cargo.toml is.
        let w = probe_path_walk(me(), b"src/../Cargo.toml", WalkFor::Connect, None);
        assert_eq!(w.end, WalkEnd::Found);
        assert_eq!(w.target().unwrap().info.kind, FileKind::Regular);
        assert!(w.cwd.is_some());
    }

    #[test]
    #[cfg_attr(not(is_root), ignore = "needs root")]
    fn probe_path_permissions_against_given_creds() {
        let d = tmp("perm");
        let locked = d.join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        let p = locked.join("x.sock");
        let w = probe_path_walk(me(), &b(&p), WalkFor::Connect, Some(&nobody()));
        let den = w.denied.unwrap();
        assert_eq!(den.path.as_bytes(), b(&locked));
        assert_eq!(den.need, Access::Search);
        assert_eq!(den.info.mode, 0o700);
        // bind needs write on the parent.
        let w = probe_path_walk(
            me(),
            &b(&d.join("new.sock")),
            WalkFor::Bind,
            Some(&nobody()),
        );
        assert_eq!(w.denied.unwrap().need, Access::Write);
        assert_eq!(w.parent_readonly, Some(false));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn probe_path_of_a_gone_process_is_not_a_missing_file() {
        let w = probe_path_walk(i32::MAX, b"/etc/passwd", WalkFor::Connect, None);
        assert!(matches!(w.end, WalkEnd::Error { .. }), "{w:?}");
    }

    #[test]
    fn probe_path_may_access_classes_and_caps() {
        let f = FileInfo {
            kind: FileKind::Socket,
            mode: 0o750,
            uid: 0,
            gid: 100,
            id: VfsId {
                ino: 1,
                major: 0,
                minor: 0,
            },
        };
        let mut c = nobody();
        assert!(!may_access(&c, &f, Access::Write));
        c.groups = vec![100];
        assert!(!may_access(&c, &f, Access::Write), "group has r-x only");
        c.cap_eff = 1 << CAP_DAC_OVERRIDE;
        assert!(may_access(&c, &f, Access::Write));
        let d = FileInfo {
            kind: FileKind::Dir,
            mode: 0o700,
            ..f
        };
        let c = Creds {
            cap_eff: 1 << CAP_DAC_READ_SEARCH,
            ..nobody()
        };
        assert!(may_access(&c, &d, Access::Search));
        assert!(!may_access(&c, &d, Access::Write));
    }
}
