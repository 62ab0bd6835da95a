//! Bundled misbehaving programs: each makes the kernel produce one failure for real.
//! Run as `sockwhy __scenario NAME` (hidden), traced by `sockwhy demo NAME` and the tests.
//!
//! Every scenario prints one line per attempt (`what it tried: got ERRNO (expected ERRNO)`)
//! and exits 0 when the kernel answered as expected, 1 otherwise; a setup failure (no temp
//! directory, fork refused) is an `Err` and exits 2.

mod ancillary;
mod common;
mod create;
mod daemon;
mod dgram;
mod limits;
mod memory;
mod path;
mod peer;
mod signal;
mod state;
mod sys;

/// A bundled scenario.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// Name for `sockwhy demo NAME`.
    pub name: &'static str,
    /// The errno the scenario makes the kernel return (for `daemon`, its first failure).
    pub errno: &'static str,
    /// The system call that fails with it, as a tracer names it (`send()` is `sendto`).
    pub call: &'static str,
    /// One line for `sockwhy demo --list`.
    pub about: &'static str,
    /// A `--inject SYSCALL=ERRNO` the demo must pass, for failures the kernel cannot be made
    /// to produce on demand.
    pub inject: Option<&'static str>,
    /// True when the scenario only means something started as root (it needs privileges
    /// an ordinary user cannot have).
    pub needs_root: bool,
    run: fn(&[String]) -> Result<i32, String>,
}

const fn sc(
    name: &'static str,
    errno: &'static str,
    call: &'static str,
    about: &'static str,
    run: fn(&[String]) -> Result<i32, String>,
) -> Scenario {
    Scenario {
        name,
        errno,
        call,
        about,
        inject: None,
        needs_root: false,
        run,
    }
}

impl Scenario {
    const fn with_inject(self, spec: &'static str) -> Scenario {
        Scenario {
            inject: Some(spec),
            ..self
        }
    }

    const fn root_only(self) -> Scenario {
        Scenario {
            needs_root: true,
            ..self
        }
    }
}

static SCENARIOS: &[Scenario] = &[
    sc(
        "daemon",
        "ECONNREFUSED",
        "connect",
        "client meets a stale socket, a wrong path, then its daemon",
        daemon::daemon,
    ),
    sc(
        "enoent",
        "ENOENT",
        "connect",
        "connect to a socket path whose directory does not exist",
        path::enoent,
    ),
    sc(
        "econnrefused",
        "ECONNREFUSED",
        "connect",
        "connect to a stale socket file left by a dead server",
        path::econnrefused_stale,
    ),
    sc(
        "econnrefused-file",
        "ECONNREFUSED",
        "connect",
        "connect to a path that is a regular file, not a socket",
        path::econnrefused_file,
    ),
    sc(
        "econnrefused-abstract",
        "ECONNREFUSED",
        "connect",
        "connect to an abstract name that nobody has bound",
        path::econnrefused_abstract,
    ),
    sc(
        "econnrefused-dgram",
        "ECONNREFUSED",
        "sendto",
        "send to a closed connected datagram peer, then ENOTCONN",
        dgram::econnrefused_dgram,
    ),
    sc(
        "eaddrinuse",
        "EADDRINUSE",
        "bind",
        "bind to a path where another process's server listens",
        path::eaddrinuse,
    ),
    sc(
        "eaddrinuse-stale",
        "EADDRINUSE",
        "bind",
        "bind to a path where a dead server's socket file is left",
        path::eaddrinuse_stale,
    ),
    sc(
        "eaddrinuse-abstract",
        "EADDRINUSE",
        "bind",
        "bind to an abstract name another process holds",
        path::eaddrinuse_abstract,
    ),
    sc(
        "eacces",
        "EACCES",
        "connect",
        "connect as uid 65534 through a directory it may not search",
        path::eacces,
    ),
    sc(
        "eagain",
        "EAGAIN",
        "connect",
        "second non-blocking connect to a full backlog-0 listener",
        state::eagain,
    ),
    sc(
        "eagain-recv",
        "EAGAIN",
        "recvfrom",
        "recv on a non-blocking socket with nothing queued",
        state::eagain_recv,
    ),
    sc(
        "ebadf",
        "EBADF",
        "sendmsg",
        "sendmsg with SCM_RIGHTS naming an already closed descriptor",
        ancillary::ebadf,
    ),
    sc(
        "econnreset",
        "ECONNRESET",
        "recvfrom",
        "peer process exits with our request unread, then recv",
        peer::econnreset,
    ),
    sc(
        "efault",
        "EFAULT",
        "connect",
        "connect with an address pointer into unmapped memory",
        memory::efault,
    ),
    sc(
        "einval",
        "EINVAL",
        "listen",
        "listen on an unbound stream socket (no autobind on AF_UNIX)",
        state::einval_listen,
    ),
    sc(
        "einval-family",
        "EINVAL",
        "connect",
        "connect an AF_UNIX socket with an AF_INET address",
        state::einval_family,
    ),
    sc(
        "einval-long-path",
        "EINVAL",
        "connect",
        "connect with a 120-byte sun_path (EINVAL, not ENAMETOOLONG)",
        state::einval_long_path,
    ),
    sc(
        "eintr",
        "EINTR",
        "recvfrom",
        "blocking recv interrupted by a signal without SA_RESTART",
        signal::eintr,
    ),
    sc(
        "eisconn",
        "EISCONN",
        "connect",
        "connect a stream socket that is already connected",
        state::eisconn,
    ),
    sc(
        "eloop",
        "ELOOP",
        "connect",
        "connect to a symbolic link that points at itself",
        path::eloop,
    ),
    sc(
        "emfile",
        "EMFILE",
        "accept",
        "accept when every descriptor under RLIMIT_NOFILE is in use",
        limits::emfile,
    ),
    sc(
        "emsgsize",
        "EMSGSIZE",
        "sendto",
        "send a 1 MiB datagram, more than the send buffer holds",
        limits::emsgsize,
    ),
    sc(
        "enametoolong",
        "ENAMETOOLONG",
        "connect",
        "connect through a symlink whose target has a 300-byte name",
        path::enametoolong,
    ),
    sc(
        "enomem",
        "ENOMEM",
        "connect",
        "connect; ENOMEM comes from --inject (can't be provoked)",
        memory::enomem,
    )
    .with_inject("connect=ENOMEM"),
    sc(
        "enotdir",
        "ENOTDIR",
        "connect",
        "connect to a path whose middle component is a regular file",
        path::enotdir,
    ),
    sc(
        "enotconn",
        "ENOTCONN",
        "sendto",
        "send on a stream socket that never connected",
        state::enotconn,
    ),
    sc(
        "enotsock",
        "ENOTSOCK",
        "connect",
        "connect on a descriptor that is /dev/null, not a socket",
        state::enotsock,
    ),
    sc(
        "eopnotsupp",
        "EOPNOTSUPP",
        "sendto",
        "sendto with an address on an unconnected stream socket",
        state::eopnotsupp,
    ),
    sc(
        "eopnotsupp-oob",
        "EOPNOTSUPP",
        "sendto",
        "send with MSG_OOB on a datagram socket",
        state::eopnotsupp_oob,
    ),
    sc(
        "eperm",
        "EPERM",
        "sendmsg",
        "SCM_CREDENTIALS claiming uid 0, sent as uid 65534",
        ancillary::eperm,
    ),
    sc(
        "eperm-dgram",
        "EPERM",
        "sendto",
        "sendto a datagram socket connected to another socket",
        dgram::eperm_dgram,
    ),
    sc(
        "epipe",
        "EPIPE",
        "sendto",
        "send (MSG_NOSIGNAL) after the peer process exited",
        peer::epipe,
    ),
    sc(
        "eprotonosupport",
        "EPROTONOSUPPORT",
        "socket",
        "socket(AF_UNIX, SOCK_STREAM, 7): no such protocol",
        create::eprotonosupport,
    ),
    sc(
        "eprototype",
        "EPROTOTYPE",
        "connect",
        "connect a datagram socket to a stream listener",
        state::eprototype,
    ),
    sc(
        "esocktnosupport",
        "ESOCKTNOSUPPORT",
        "socket",
        "socket(AF_UNIX, SOCK_RDM, 0): type not implemented",
        create::esocktnosupport,
    ),
    sc(
        "esrch",
        "ESRCH",
        "sendmsg",
        "SCM_CREDENTIALS, as root, naming a pid that does not exist",
        ancillary::esrch,
    )
    .root_only(),
    sc(
        "etoomanyrefs",
        "ETOOMANYREFS",
        "sendmsg",
        "SCM_RIGHTS sent unread as uid 65534 with RLIMIT_NOFILE 16",
        ancillary::etoomanyrefs,
    ),
];

/// Every scenario, in `demo --list` order.
pub fn all() -> &'static [Scenario] {
    SCENARIOS
}

/// The scenario called `name`.
pub fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// Run scenario `name` in this process; returns the process exit code.
pub fn run(name: &str, args: &[String]) -> Result<i32, String> {
    match find(name) {
        Some(s) => (s.run)(args),
        None => Err(format!(
            "unknown scenario {name:?} (see `sockwhy demo --list`)"
        )),
    }
}

/// (name, one-line description) of every scenario, for `sockwhy demo --list`.
pub fn list() -> Vec<(&'static str, &'static str)> {
    SCENARIOS.iter().map(|s| (s.name, s.about)).collect()
}
