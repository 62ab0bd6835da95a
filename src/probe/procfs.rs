//! Small /proc/PID readers: credentials, limits, fd counts.

use crate::model::facts::{Creds, Limit, MemCgroup};
use crate::model::{Fd, Pid};

/// Parse the Uid/Gid/Groups/CapEff lines of /proc/PID/status.
pub fn parse_status(text: &str) -> Option<Creds> {
    let mut c = Creds::default();
    let (mut have_uid, mut have_gid) = (false, false);
    let four = |v: &str| -> Option<[u32; 4]> {
        let n: Vec<u32> = v
            .split_whitespace()
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        n.try_into().ok()
    };
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        match k {
            "Uid" => {
                c.uid = four(v)?;
                have_uid = true;
            }
            "Gid" => {
                c.gid = four(v)?;
                have_gid = true;
            }
            "Groups" => {
                c.groups = v
                    .split_whitespace()
                    .filter_map(|x| x.parse().ok())
                    .collect()
            }
            "CapEff" => c.cap_eff = u64::from_str_radix(v.trim(), 16).ok()?,
            _ => {}
        }
    }
    (have_uid && have_gid).then_some(c)
}

/// Read a small /proc file in two reads. `fs::read_to_string` asks for the size first (a
/// statx, and /proc says 0) and then grows its buffer from 32 bytes, eight reads for a
/// status file; a failure's probes read several. Text that is not UTF-8 (a process may
/// name itself anything) is kept lossily, so the numeric fields still parse.
pub fn read_proc(path: impl AsRef<std::path::Path>) -> Option<String> {
    use std::io::Read;
    // Plain reads: File::read_to_end would ask for the size (statx and lseek) first.
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 4096];
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(2 * len, 0);
        }
        match f.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    buf.truncate(len);
    Some(match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// The credentials of `pid`.
pub fn probe_creds(pid: Pid) -> Option<Creds> {
    parse_status(&read_proc(format!("/proc/{pid}/status"))?)
}

/// Parse the `Max open files` line of /proc/PID/limits.
pub fn parse_nofile(text: &str) -> Option<Limit> {
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let mut f = line["Max open files".len()..].split_whitespace();
    let val = |s: Option<&str>| -> Option<Option<u64>> {
        match s? {
            "unlimited" => Some(None),
            n => n.parse().ok().map(Some),
        }
    };
    Some(Limit {
        soft: val(f.next())?,
        hard: val(f.next())?,
    })
}

/// RLIMIT_NOFILE of `pid`.
pub fn probe_nofile(pid: Pid) -> Option<Limit> {
    parse_nofile(&read_proc(format!("/proc/{pid}/limits"))?)
}

/// How many fds `pid` has open.
pub fn probe_open_fds(pid: Pid) -> Option<u64> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64)
}

/// Signal numbers pending in a /proc/TID/status (SigPnd: the thread, ShdPnd: the process).
pub fn parse_pending(status: &str) -> Option<Vec<i32>> {
    let mut mask = 0u64;
    let mut seen = false;
    for line in status.lines() {
        if let Some(v) = line
            .strip_prefix("SigPnd:")
            .or_else(|| line.strip_prefix("ShdPnd:"))
        {
            mask |= u64::from_str_radix(v.trim(), 16).ok()?;
            seen = true;
        }
    }
    seen.then(|| (1..=64).filter(|n| mask & (1u64 << (n - 1)) != 0).collect())
}

/// A signal's name: `SIGALRM`, `SIGRTMIN+2`.
pub fn signal_name(n: i32) -> String {
    match nix::sys::signal::Signal::try_from(n) {
        Ok(s) => s.as_str().to_owned(),
        Err(_) if n >= libc::SIGRTMIN() && n <= libc::SIGRTMAX() => {
            format!("SIGRTMIN+{}", n - libc::SIGRTMIN())
        }
        Err(_) => format!("signal {n}"),
    }
}

/// Names of the signals pending for thread `tid` (and its process).
pub fn probe_pending_signals(tid: Pid) -> Option<Vec<String>> {
    let s = read_proc(format!("/proc/{tid}/status"))?;
    Some(parse_pending(&s)?.into_iter().map(signal_name).collect())
}

/// The memory cgroup path in a /proc/PID/cgroup: (v1?, path).
pub fn parse_memcg_path(text: &str) -> Option<(bool, String)> {
    let mut v2 = None;
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrl, path) = (f.next()?, f.next()?, f.next()?);
        if ctrl.split(',').any(|c| c == "memory") {
            return Some((true, path.to_owned()));
        }
        if ctrl.is_empty() {
            v2 = Some((false, path.to_owned()));
        }
    }
    v2
}

fn read_u64(p: &std::path::Path) -> Option<u64> {
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

/// `pid`'s memory cgroup: usage, limit and how often the limit was hit.
pub fn probe_memcg(pid: Pid) -> Option<MemCgroup> {
    let (v1, path) = parse_memcg_path(&read_proc(format!("/proc/{pid}/cgroup"))?)?;
    let rel = path.trim_start_matches('/');
    if v1 {
        let dir = std::path::Path::new("/sys/fs/cgroup/memory").join(rel);
        // v1 writes "unlimited" as a page-rounded i64::MAX.
        let limit = read_u64(&dir.join("memory.limit_in_bytes")).filter(|&l| l < (1 << 62));
        return Some(MemCgroup {
            usage: read_u64(&dir.join("memory.usage_in_bytes")),
            limit,
            failcnt: read_u64(&dir.join("memory.failcnt")),
            path,
        });
    }
    let dir = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
        .iter()
        .map(|m| std::path::Path::new(m).join(rel))
        .find(|d| d.join("memory.max").exists())?;
    let events = std::fs::read_to_string(dir.join("memory.events")).unwrap_or_default();
    Some(MemCgroup {
        usage: read_u64(&dir.join("memory.current")),
        limit: read_u64(&dir.join("memory.max")),
        failcnt: events
            .lines()
            .find_map(|l| l.strip_prefix("max "))
            .and_then(|v| v.trim().parse().ok()),
        path,
    })
}

/// Parse /proc/sys/fs/file-nr: (allocated, unused, max) -> (allocated, max).
pub fn parse_file_nr(text: &str) -> Option<(u64, u64)> {
    let v: Vec<u64> = text
        .split_whitespace()
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    match v.as_slice() {
        [alloc, _, max] => Some((*alloc, *max)),
        _ => None,
    }
}

/// Open files in the whole system and fs.file-max.
pub fn probe_system_files() -> Option<(u64, u64)> {
    parse_file_nr(&std::fs::read_to_string("/proc/sys/fs/file-nr").ok()?)
}

/// Parse the `flags:` line of /proc/PID/fdinfo/FD (octal).
pub fn parse_fdinfo_flags(text: &str) -> Option<u32> {
    let v = text.lines().find_map(|l| l.strip_prefix("flags:"))?;
    u32::from_str_radix(v.trim(), 8).ok()
}

/// What `fd` of `pid` is: open or not, its link target, the kind of file (stat through
/// the link), its open flags.
pub fn probe_fd(pid: Pid, fd: Fd) -> crate::model::facts::FdFacts {
    use std::os::unix::ffi::OsStrExt;
    let link = format!("/proc/{pid}/fd/{fd}");
    let target = std::fs::read_link(&link)
        .ok()
        .map(|t| t.as_os_str().as_bytes().into());
    crate::model::facts::FdFacts {
        fd,
        open: target.is_some(),
        kind: target
            .as_ref()
            .and_then(|_| std::fs::metadata(&link).ok())
            .map(|m| super::path::file_info(&m).kind),
        target,
        flags: std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}"))
            .ok()
            .and_then(|t| parse_fdinfo_flags(&t)),
    }
}

/// net.core.optmem_max.
pub fn probe_optmem_max() -> Option<u64> {
    std::fs::read_to_string("/proc/sys/net/core/optmem_max")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// True when `fd` is open in `pid`.
pub fn probe_fd_open(pid: Pid, fd: Fd) -> bool {
    fd >= 0 && std::fs::symlink_metadata(format!("/proc/{pid}/fd/{fd}")).is_ok()
}

/// True when a process (or thread) with that id exists in our pid namespace.
pub fn probe_pid_exists(pid: i32) -> bool {
    pid > 0 && std::fs::metadata(format!("/proc/{pid}")).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_procfs_reads_whole_files_and_names_that_are_not_utf8() {
        let dir = std::env::temp_dir().join(format!("sockwhy-readproc-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        // A process may call itself anything: its status must still give its ids.
        let p = dir.join("status");
        std::fs::write(&p, b"Name:\t\xff\xfeb\nUid:\t1 2 3 4\nGid:\t5 6 7 8\n").unwrap();
        let c = parse_status(&read_proc(&p).unwrap()).unwrap();
        assert_eq!((c.uid, c.gid), ([1, 2, 3, 4], [5, 6, 7, 8]));
        let big = "x".repeat(10_000);
        std::fs::write(&p, &big).unwrap();
        assert_eq!(read_proc(&p).unwrap(), big);
        assert!(read_proc(dir.join("missing")).is_none());
        // /proc files say they are empty; they are read all the same.
        let me = read_proc("/proc/self/status").unwrap();
        assert!(me.contains("\nUid:"), "{me}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn probe_procfs_parses_status() {
        let t = "Name:\tx\nUid:\t1000\t1001\t1002\t1003\nGid:\t10\t11\t12\t13\nGroups:\t4 24 \nCapEff:\t0000000000200000\n";
        let c = parse_status(t).unwrap();
        assert_eq!(c.uid, [1000, 1001, 1002, 1003]);
        assert_eq!(c.fsgid(), 13);
        assert_eq!(c.groups, vec![4, 24]);
        assert!(c.has_cap(21));
        assert!(!c.has_cap(1));
        assert_eq!(parse_status("Name:\tx\n"), None);
    }

    #[test]
    fn probe_procfs_memcg() {
        let v1 = "5:devices:/\n4:memory:/jobs/a\n0::/\n";
        assert_eq!(parse_memcg_path(v1), Some((true, "/jobs/a".into())));
        let v2 = "0::/user.slice/x.scope\n";
        assert_eq!(
            parse_memcg_path(v2),
            Some((false, "/user.slice/x.scope".into()))
        );
        // Whatever this machine has, our own cgroup reads without error.
        let _ = probe_memcg(std::process::id() as Pid);
    }

    #[test]
    fn probe_procfs_pending_signals() {
        let t = "SigQ:\t1/100\nSigPnd:\t0000000000002000\nShdPnd:\t0000000000000002\n";
        assert_eq!(parse_pending(t), Some(vec![2, 14]));
        assert_eq!(signal_name(14), "SIGALRM");
        assert_eq!(signal_name(libc::SIGRTMIN() + 2), "SIGRTMIN+2");
        assert_eq!(
            probe_pending_signals(std::process::id() as Pid),
            Some(vec![])
        );
    }

    #[test]
    fn probe_procfs_parses_limits() {
        let t = "Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 unlimited            files     \n";
        assert_eq!(
            parse_nofile(t),
            Some(Limit {
                soft: Some(1024),
                hard: None
            })
        );
        let me = std::process::id() as Pid;
        assert!(probe_nofile(me).is_some());
        assert!(probe_creds(me).is_some());
        assert!(probe_open_fds(me).unwrap() >= 3);
        assert!(probe_fd_open(me, 0) || probe_fd_open(me, 1));
        assert!(!probe_fd_open(me, 99_999));
        assert!(probe_pid_exists(me));
        assert_eq!(
            parse_file_nr("1234\t0\t9223372036854775807\n"),
            Some((1234, i64::MAX as u64))
        );
        assert!(probe_system_files().is_some());
        assert!(!probe_pid_exists(-1));
        assert_eq!(
            parse_fdinfo_flags("pos:\t0\nflags:\t02004002\nmnt_id:\t15\n"),
            Some(0o2004002)
        );
        let (r, _w) = nix::unistd::pipe().unwrap();
        use std::os::fd::AsRawFd;
        let f = probe_fd(me, r.as_raw_fd());
        assert!(f.open);
        assert_eq!(f.kind, Some(crate::model::facts::FileKind::Fifo));
        assert!(f.target.as_ref().unwrap().as_bytes().starts_with(b"pipe:["));
        assert_eq!(f.nonblocking(), Some(false));
        assert!(!probe_fd(me, 99_999).open);
        assert!(probe_optmem_max().is_some());
    }
}
