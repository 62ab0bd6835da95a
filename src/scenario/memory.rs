//! Memory failures: a pointer the kernel cannot read, and an allocation failure that only
//! fault injection can produce on demand.

use super::common::{Scratch, addr, connect_expecting, expect_err, listener, status, unix_socket};
use super::sys;
use nix::errno::Errno;
use nix::sys::socket::SockType;
use std::os::fd::AsFd;

/// connect() with an address pointer into unmapped memory.
pub(super) fn efault(_args: &[String]) -> Result<i32, String> {
    let fd = unix_socket(SockType::Stream)?;
    let ok = expect_err(
        "connect with the address pointer 0x8 (unmapped)",
        sys::connect_bad_pointer(fd.as_fd()),
        Errno::EFAULT,
    );
    Ok(status(ok))
}

/// A normal connect to a live listener: under `--inject connect=ENOMEM` it fails.
pub(super) fn enomem(_args: &[String]) -> Result<i32, String> {
    let dir = Scratch::new("enomem")?;
    let path = dir.join("app.sock");
    let _l = listener(&path, SockType::Stream, 16)?;
    connect_expecting(&addr(&path)?, "a live listener", Errno::ENOMEM)
}
