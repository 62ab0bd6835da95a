//! Tells the tests which outside tools this machine has, so a test whose tool is missing
//! is *ignored* (shown as skipped by `cargo test` and nextest), never passed without having
//! run. Under `CI=true` every flag is set whatever is installed: CI installs the tools, so
//! a missing one makes its tests fail there instead of disappearing.
//!
//! Flags (`cfg`): `has_strace`, `has_tmux`, `has_chromium` (or `SOCKWHY_CHROMIUM`),
//! `has_man_pages` (man with unix(7) and connect(2) installed), `has_ssh_agent` (a
//! daemon-starting program for the --leader-exit tests), `has_socat`, `has_redis`
//! (redis-server and redis-cli), `has_xvfb` (Xvfb and xdpyinfo), `has_dbus` (dbus-daemon
//! and dbus-send), `has_gpg_agent` (gpg-agent, gpg-connect-agent, gpgconf), `has_python3`
//! (real servers and clients for the cause tests), `is_root` (built as uid 0: the tests
//! that drop privileges, claim other pids or make namespaces need it).
//!
//! Reruns when PATH, CI or SOCKWHY_CHROMIUM change, when a tool that was found changes or
//! goes, and (only while one is missing) when a PATH directory changes, so installing it
//! is noticed. Only existing paths are watched: cargo reruns a build script on every build
//! for a watched path that does not exist, and that would rebuild the crate each time.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const FLAGS: &[&str] = &[
    "has_strace",
    "has_tmux",
    "has_chromium",
    "has_man_pages",
    "has_ssh_agent",
    "has_socat",
    "has_redis",
    "has_xvfb",
    "has_dbus",
    "has_gpg_agent",
    "has_python3",
    "is_root",
];

fn main() {
    for f in FLAGS {
        println!("cargo::rustc-check-cfg=cfg({f})");
    }
    for var in ["PATH", "CI", "SOCKWHY_CHROMIUM", "USER"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    println!("cargo::rerun-if-changed=build.rs");
    if env::var("CI").is_ok_and(|v| v == "true") {
        for f in FLAGS {
            println!("cargo::rustc-cfg={f}");
        }
        return;
    }
    let mut missing = false;
    let mut flag = |name: &str, found: Option<PathBuf>| match found {
        Some(p) => {
            println!("cargo::rerun-if-changed={}", p.display());
            println!("cargo::rustc-cfg={name}");
        }
        None => missing = true,
    };
    flag("has_strace", in_path("strace"));
    flag("has_tmux", in_path("tmux"));
    flag("has_ssh_agent", in_path("ssh-agent"));
    flag("has_socat", in_path("socat"));
    flag("has_redis", all_in_path(&["redis-server", "redis-cli"]));
    flag("has_xvfb", all_in_path(&["Xvfb", "xdpyinfo"]));
    flag("has_dbus", all_in_path(&["dbus-daemon", "dbus-send"]));
    flag(
        "has_gpg_agent",
        all_in_path(&["gpg-agent", "gpg-connect-agent", "gpgconf"]),
    );
    flag("has_python3", in_path("python3"));
    flag("has_chromium", chromium());
    flag("has_man_pages", man_pages());
    if missing {
        for dir in path_dirs().filter(|d| d.is_dir()) {
            println!("cargo::rerun-if-changed={}", dir.display());
        }
        if let Some(man) = ["/usr/share/man/man7", "/usr/share/man", "/usr/share"]
            .iter()
            .find(|d| Path::new(d).is_dir())
        {
            println!("cargo::rerun-if-changed={man}");
        }
    }
    if effective_uid() == Some(0) {
        println!("cargo::rustc-cfg=is_root");
    }
}

fn path_dirs() -> impl Iterator<Item = PathBuf> {
    env::split_paths(&env::var_os("PATH").unwrap_or_default())
        .collect::<Vec<_>>()
        .into_iter()
}

/// The first executable file named `name` in PATH.
fn in_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    path_dirs().map(|d| d.join(name)).find(|p| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// The first of `names` in PATH, when every one of them is there (a server and the
/// client its tests run).
fn all_in_path(names: &[&str]) -> Option<PathBuf> {
    let found: Vec<PathBuf> = names.iter().filter_map(|n| in_path(n)).collect();
    (found.len() == names.len()).then(|| found[0].clone())
}

/// The browser tests/report_html.rs opens (it looks the same way).
fn chromium() -> Option<PathBuf> {
    if let Some(p) = env::var_os("SOCKWHY_CHROMIUM") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|n| in_path(n))
}

/// unix(7) and connect(2), as `man -w` finds them: tests/kb_complete.rs reads the manual.
fn man_pages() -> Option<PathBuf> {
    in_path("man")?;
    let page = |section: &str, name: &str| {
        let o = Command::new("man")
            .args(["-w", section, name])
            .output()
            .ok()?;
        let p = PathBuf::from(String::from_utf8(o.stdout).ok()?.trim());
        (o.status.success() && p.is_file()).then_some(p)
    };
    page("2", "connect")?;
    page("7", "unix")
}

/// The effective uid, from /proc/self/status (`Uid: real effective saved fs`).
fn effective_uid() -> Option<u32> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let uids = s.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    uids.split_whitespace().nth(1)?.parse().ok()
}
