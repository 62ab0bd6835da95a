//! A blocking call interrupted by a signal. At the exit stop a tracer sees ERESTARTSYS; the
//! program sees EINTR because its handler was installed without SA_RESTART.

use super::common::{Helper, expect_err, status, unix_pair};
use super::sys;
use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::sys::socket::{self, MsgFlags, SockFlag, SockType};
use std::os::fd::AsRawFd;
use std::time::Duration;

/// recv() blocks on an empty socket until a SIGUSR1 from a helper interrupts it.
pub(super) fn eintr(_args: &[String]) -> Result<i32, String> {
    let (a, _b) = unix_pair(SockType::Stream, SockFlag::empty())?;
    sys::catch_without_restart(Signal::SIGUSR1)?;
    let me = nix::unistd::getpid();
    // The helper cannot know when recv() has started to block, so it signals every 50 ms
    // until told to stop; a signal that lands before recv() blocks is simply handled.
    let pinger = Helper::spawn(|side| {
        side.ready();
        while !side.stop_requested() {
            if kill(me, Signal::SIGUSR1).is_err() {
                return 1;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        0
    })?;
    pinger.wait_ready()?;
    let mut buf = [0u8; 64];
    let ok = expect_err(
        "recv on an empty socket, interrupted by SIGUSR1 (handler without SA_RESTART)",
        socket::recv(a.as_raw_fd(), &mut buf, MsgFlags::empty()),
        Errno::EINTR,
    );
    pinger.finish()?;
    Ok(status(ok))
}
