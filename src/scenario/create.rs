//! socket() with arguments AF_UNIX does not implement.

use super::common::{expect_err, status};
use super::sys;
use nix::errno::Errno;

/// socket(AF_UNIX, SOCK_STREAM, 7).
pub(super) fn eprotonosupport(_args: &[String]) -> Result<i32, String> {
    let ok = expect_err(
        "socket(AF_UNIX, SOCK_STREAM, protocol 7)",
        sys::socket_raw(libc::AF_UNIX, libc::SOCK_STREAM, 7),
        Errno::EPROTONOSUPPORT,
    );
    Ok(status(ok))
}

/// socket(AF_UNIX, SOCK_RDM, 0): a known type AF_UNIX does not implement. (Type 5 is
/// SOCK_SEQPACKET, which AF_UNIX does implement.)
pub(super) fn esocktnosupport(_args: &[String]) -> Result<i32, String> {
    let ok = expect_err(
        "socket(AF_UNIX, type 4 SOCK_RDM, 0)",
        sys::socket_raw(libc::AF_UNIX, libc::SOCK_RDM, 0),
        Errno::ESOCKTNOSUPPORT,
    );
    Ok(status(ok))
}
