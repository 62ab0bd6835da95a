//! Control messages the kernel refuses: SCM_RIGHTS with a closed descriptor or too many in
//! flight, SCM_CREDENTIALS with ids the sender may not claim or a pid that does not exist.

use super::common::{Helper, drop_privileges, expect_err, say, setup, status, unix_pair};
use nix::errno::Errno;
use nix::sys::resource::{Resource, setrlimit};
use nix::sys::socket::{
    self, ControlMessage, MsgFlags, SockFlag, SockType, UnixAddr, UnixCredentials,
};
use std::io::IoSlice;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

fn stream_pair() -> Result<(OwnedFd, OwnedFd), String> {
    unix_pair(SockType::Stream, SockFlag::empty())
}

/// sendmsg() of one byte with one control message.
fn send_with(fd: &OwnedFd, cmsg: ControlMessage<'_>, flags: MsgFlags) -> Result<usize, Errno> {
    let iov = [IoSlice::new(b"x")];
    socket::sendmsg::<UnixAddr>(fd.as_raw_fd(), &iov, &[cmsg], flags, None)
}

/// SCM_RIGHTS naming a descriptor that was already closed.
pub(super) fn ebadf(_args: &[String]) -> Result<i32, String> {
    let (a, _b) = stream_pair()?;
    let closed: RawFd = {
        let f = setup("open /dev/null", std::fs::File::open("/dev/null"))?;
        f.as_raw_fd()
    };
    let tried = format!("sendmsg with SCM_RIGHTS [{closed}] after closing fd {closed}");
    let ok = expect_err(
        &tried,
        send_with(&a, ControlMessage::ScmRights(&[closed]), MsgFlags::empty()),
        Errno::EBADF,
    );
    Ok(status(ok))
}

fn credentials(pid: i32, uid: u32, gid: u32) -> UnixCredentials {
    UnixCredentials::from(libc::ucred { pid, uid, gid })
}

/// As uid 65534 without capabilities, SCM_CREDENTIALS claiming uid 0.
pub(super) fn eperm(_args: &[String]) -> Result<i32, String> {
    let worker = Helper::spawn(|_| {
        if let Err(e) = drop_privileges() {
            say(&e);
            return 2;
        }
        let Ok((a, _b)) = stream_pair() else {
            return 2;
        };
        let me = nix::unistd::getpid().as_raw();
        let creds = credentials(me, 0, nix::unistd::getgid().as_raw());
        let tried = format!(
            "sendmsg as uid {} with SCM_CREDENTIALS claiming uid 0",
            nix::unistd::getuid()
        );
        status(expect_err(
            &tried,
            send_with(
                &a,
                ControlMessage::ScmCredentials(&creds),
                MsgFlags::empty(),
            ),
            Errno::EPERM,
        ))
    })?;
    worker.finish()
}

/// A pid no process can have: the kernel hands out pids below pid_max.
fn absent_pid() -> i32 {
    std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4_194_304)
}

/// As root, SCM_CREDENTIALS with a pid that does not exist.
pub(super) fn esrch(_args: &[String]) -> Result<i32, String> {
    if !nix::unistd::geteuid().is_root() {
        say("esrch: needs root (an unprivileged sender gets EPERM for any pid but its own)");
    }
    let (a, _b) = stream_pair()?;
    let pid = absent_pid();
    let creds = credentials(pid, 0, 0);
    let ok = expect_err(
        &format!("sendmsg with SCM_CREDENTIALS for pid {pid} (no such process)"),
        send_with(
            &a,
            ControlMessage::ScmCredentials(&creds),
            MsgFlags::empty(),
        ),
        Errno::ESRCH,
    );
    Ok(status(ok))
}

/// Descriptors in flight allowed for the unprivileged worker (its RLIMIT_NOFILE).
const NOFILE: u64 = 16;

/// As uid 65534 with RLIMIT_NOFILE 16, SCM_RIGHTS again and again while nobody reads.
pub(super) fn etoomanyrefs(_args: &[String]) -> Result<i32, String> {
    let worker = Helper::spawn(|_| {
        if let Err(e) = drop_privileges() {
            say(&e);
            return 2;
        }
        let (Ok((a, _b)), Ok(f)) = (stream_pair(), std::fs::File::open("/dev/null")) else {
            return 2;
        };
        if let Err(e) = setrlimit(Resource::RLIMIT_NOFILE, NOFILE, NOFILE) {
            say(&format!("setrlimit: {e}"));
            return 2;
        }
        let rights = [f.as_raw_fd()];
        // The limit applies per user, so give up well after it should have hit.
        let mut sent = 0;
        let last = loop {
            let r = send_with(
                &a,
                ControlMessage::ScmRights(&rights),
                MsgFlags::MSG_DONTWAIT,
            );
            if r.is_err() || sent >= 4 * NOFILE {
                break r;
            }
            sent += 1;
        };
        let tried = format!(
            "sendmsg SCM_RIGHTS as uid {} (RLIMIT_NOFILE {NOFILE}) after {sent} unread",
            nix::unistd::getuid()
        );
        status(expect_err(&tried, last, Errno::ETOOMANYREFS))
    })?;
    worker.finish()
}
