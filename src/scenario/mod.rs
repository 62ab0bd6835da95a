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
mod memory;
mod path;
mod peer;
mod state;
mod sys;

/// A bundled scenario.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// Name for `sockwhy demo NAME`.
    pub name: &'static str,
    /// The errno the scenario makes the kernel return (for `daemon`, its first failure).
    pub errno: &'static str,
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
    about: &'static str,
    run: fn(&[String]) -> Result<i32, String>,
) -> Scenario {
    Scenario {
        name,
        errno,
        about,
        inject: None,
        needs_root: false,
        run,
    }
}

impl Scenario {
    const fn inject(self, spec: &'static str) -> Scenario {
        Scenario {
            inject: Some(spec),
            ..self
        }
    }

    const fn needs_root(self) -> Scenario {
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
        "a client looks for its daemon: stale socket (ECONNREFUSED), wrong path (ENOENT), then the restarted server answers",
        daemon::daemon,
    ),
    sc(
        "enoent",
        "ENOENT",
        "connect to a socket path whose directory does not exist",
        path::enoent,
    ),
    sc(
        "econnrefused",
        "ECONNREFUSED",
        "connect to a stale socket file: its server died without removing it",
        path::econnrefused_stale,
    ),
    sc(
        "econnrefused-file",
        "ECONNREFUSED",
        "connect to a path that is a regular file, not a socket",
        path::econnrefused_file,
    ),
    sc(
        "econnrefused-abstract",
        "ECONNREFUSED",
        "connect to an abstract name that nobody has bound",
        path::econnrefused_abstract,
    ),
    sc(
        "eaddrinuse",
        "EADDRINUSE",
        "bind to a path where another process's server listens",
        path::eaddrinuse,
    ),
    sc(
        "eaddrinuse-stale",
        "EADDRINUSE",
        "bind to a path where a dead server's socket file is left",
        path::eaddrinuse_stale,
    ),
    sc(
        "eacces",
        "EACCES",
        "connect, after dropping root to uid 65534, to a socket in a directory it may not search",
        path::eacces,
    ),
    sc(
        "eagain",
        "EAGAIN",
        "two non-blocking connects to a listener with backlog 0 that never accepts",
        state::eagain,
    ),
    sc(
        "ebadf",
        "EBADF",
        "sendmsg with SCM_RIGHTS naming a descriptor that was already closed",
        ancillary::ebadf,
    ),
    sc(
        "econnreset",
        "ECONNRESET",
        "the peer process exits with our request unread, then we recv",
        peer::econnreset,
    ),
    sc(
        "efault",
        "EFAULT",
        "connect with an address pointer into unmapped memory",
        memory::efault,
    ),
    sc(
        "einval",
        "EINVAL",
        "listen on a stream socket that was never bound (AF_UNIX does not autobind)",
        state::einval_listen,
    ),
    sc(
        "einval-family",
        "EINVAL",
        "connect an AF_UNIX socket with an AF_INET address (wrong sun_family)",
        state::einval_family,
    ),
    sc(
        "einval-long-path",
        "EINVAL",
        "connect with a 120-byte sun_path (Linux says EINVAL, not ENAMETOOLONG)",
        state::einval_long_path,
    ),
    sc(
        "eisconn",
        "EISCONN",
        "connect a stream socket that is already connected",
        state::eisconn,
    ),
    sc(
        "enomem",
        "ENOMEM",
        "a normal connect: the kernel cannot be made to run out of memory on demand, so the demo fails it with --inject connect=ENOMEM",
        memory::enomem,
    )
    .inject("connect=ENOMEM"),
    sc(
        "enotconn",
        "ENOTCONN",
        "send on a stream socket that never connected",
        state::enotconn,
    ),
    sc(
        "eopnotsupp",
        "EOPNOTSUPP",
        "sendto with a destination address on an unconnected stream socket",
        state::eopnotsupp,
    ),
    sc(
        "eopnotsupp-oob",
        "EOPNOTSUPP",
        "send with MSG_OOB on a datagram socket",
        state::eopnotsupp_oob,
    ),
    sc(
        "eperm",
        "EPERM",
        "SCM_CREDENTIALS claiming uid 0, sent after dropping root to uid 65534",
        ancillary::eperm,
    ),
    sc(
        "epipe",
        "EPIPE",
        "send (MSG_NOSIGNAL) after the peer process exited",
        peer::epipe,
    ),
    sc(
        "eprotonosupport",
        "EPROTONOSUPPORT",
        "socket(AF_UNIX, SOCK_STREAM, 7): a protocol AF_UNIX does not have",
        create::eprotonosupport,
    ),
    sc(
        "eprototype",
        "EPROTOTYPE",
        "connect a datagram socket to a stream listener",
        state::eprototype,
    ),
    sc(
        "esocktnosupport",
        "ESOCKTNOSUPPORT",
        "socket(AF_UNIX, SOCK_RDM, 0): a socket type AF_UNIX does not implement",
        create::esocktnosupport,
    ),
    sc(
        "esrch",
        "ESRCH",
        "SCM_CREDENTIALS, as root, naming a pid that does not exist",
        ancillary::esrch,
    )
    .needs_root(),
    sc(
        "etoomanyrefs",
        "ETOOMANYREFS",
        "SCM_RIGHTS sent again and again, unread, as uid 65534 with RLIMIT_NOFILE 16",
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
