//! Bundled misbehaving programs: each makes the kernel produce one failure for real.
//! Run as `sockwhy __scenario NAME` (hidden), traced by `sockwhy demo NAME` and the tests.
//!
//! Every scenario prints one line per attempt (`what it tried: got ERRNO (expected ERRNO)`)
//! and exits 0 when the kernel answered as expected, 1 otherwise; a setup failure (no temp
//! directory, fork refused) is an `Err` and exits 2.

mod common;
mod daemon;
mod path;
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
        run,
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
