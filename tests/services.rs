//! Well-known sockets (assets/sockets.toml) with the real services and their real
//! clients: the cause names the service, whether anything serves it, another of its
//! sockets that runs, and how to point the client there (DISPLAY, SSH_AUTH_SOCK,
//! DBUS_SESSION_BUS_ADDRESS, redis-cli -s, GNUPGHOME) or start one.

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A server ended with SIGTERM (so it cleans up its sockets, as Xvfb does), then
/// SIGKILL if it lingers, and reaped.
struct Server(Child);

impl Server {
    fn start(cmd: &mut Command) -> Server {
        Server(
            cmd.stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start the server"),
        )
    }
    fn pid(&self) -> i32 {
        self.0.id() as i32
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.pid());
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        for _ in 0..250 {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_socket(p: &Path) {
    use std::os::unix::fs::FileTypeExt;
    wait_for(
        &format!("{} to be a socket", p.display()),
        Duration::from_secs(20),
        || std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_socket()),
    );
}

/// Trace `cmd` (with `env`), return the failing connects.
fn failed_connects(tag: &str, env: &[(&str, &str)], cmd: &[&str]) -> Vec<Value> {
    traced_failed_connects(tag, None, env, cmd)
}

/// The failing connect to `name` (a path, or `@abstract`).
fn to<'a>(f: &'a [Value], name: &str) -> &'a Value {
    f.iter()
        .find(|r| {
            let a = &r["addr"];
            let shown = match a["kind"].as_str() {
                Some("abstract") => format!("@{}", a["path"].as_str().unwrap_or_default()),
                _ => a["path"].as_str().unwrap_or_default().to_owned(),
            };
            shown == name
        })
        .unwrap_or_else(|| panic!("no failing connect to {name}: {f:#?}"))
}

fn text<'a>(c: &'a Value, k: &str) -> &'a str {
    c[k].as_str().unwrap_or_else(|| panic!("no {k}: {c:#}"))
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
#[cfg_attr(not(has_redis), ignore = "redis-server is not installed")]
fn services_redis_at_another_path() {
    let d = tempdir("svc-redis");
    let live = d.join("redis-server.sock");
    let srv = Server::start(
        Command::new("redis-server")
            .current_dir(&d)
            .args([
                "--port",
                "0",
                "--save",
                "",
                "--appendonly",
                "no",
                "--unixsocket",
            ])
            .arg(&live),
    );
    wait_socket(&live);
    let wanted = d.join("redis.sock");
    let f = failed_connects(
        "svc-redis-cli",
        &[],
        &["redis-cli", "-s", &s(&wanted), "ping"],
    );
    let c = &to(&f, &s(&wanted))["cause"];
    assert_eq!(c["rule"], "connect.service-not-running", "{c:#}");
    let summary = text(c, "summary");
    assert!(
        summary.contains("is the socket of a Redis server, and nothing serves it (does not exist)")
            && summary.contains(&format!(
                "a Redis server runs: \"{}\" held by pid {} (redis-server)",
                s(&live),
                srv.pid()
            )),
        "{summary}"
    );
    assert_eq!(
        text(c, "fix").split(';').next().unwrap(),
        format!(
            "to use that one, redis-cli -s {} (or the client's socket option)",
            s(&live)
        )
    );
    assert_eq!(c["confidence"], "high");
}

/// A display number nobody uses, and the next one free too.
fn free_displays() -> (u32, u32) {
    let used = |n: u32| {
        Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
            || std::fs::read_to_string("/proc/net/unix")
                .is_ok_and(|t| t.contains(&format!("@/tmp/.X11-unix/X{n}\n")))
    };
    let base = 40 + std::process::id() % 400;
    let n = (base..base + 200)
        .find(|&n| !used(n) && !used(n + 1))
        .expect("a free display");
    (n, n + 1)
}

#[test]
#[cfg_attr(not(has_xvfb), ignore = "Xvfb is not installed")]
fn services_x11_display_not_running_another_is() {
    let (live, wanted) = free_displays();
    let srv = Server::start(
        Command::new("Xvfb")
            .arg(format!(":{live}"))
            .args(["-nolisten", "tcp"]),
    );
    wait_socket(Path::new(&format!("/tmp/.X11-unix/X{live}")));
    let display = format!(":{wanted}");
    let f = failed_connects("svc-x11", &[("DISPLAY", &display)], &["xdpyinfo"]);
    // libxcb tries the abstract name first, then the path: both are the display's.
    for name in [
        format!("@/tmp/.X11-unix/X{wanted}"),
        format!("/tmp/.X11-unix/X{wanted}"),
    ] {
        let c = &to(&f, &name)["cause"];
        assert_eq!(c["rule"], "connect.service-not-running", "{name}: {c:#}");
        let summary = text(c, "summary");
        assert!(
            summary.contains(&format!(
                "is the socket of the X server for display :{wanted}, and nothing serves it"
            )) && summary.contains(&format!("the X server for display :{live} runs"))
                && summary.contains(&format!("held by pid {} (Xvfb)", srv.pid())),
            "{name}: {summary}"
        );
        assert!(
            text(c, "fix").starts_with(&format!(
                "to use that one, set DISPLAY=:{live}; or start an X server for display :{wanted}"
            )),
            "{name}: {c:#}"
        );
    }
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root (unshare --mount)")]
#[cfg_attr(not(has_dbus), ignore = "dbus-daemon is not installed")]
fn services_dbus_system_bus_not_running() {
    require_root();
    // A private /run: whatever this host runs, nothing serves the system bus there.
    let save = tempdir("svc-dbus-system").join("t.jsonl");
    let script = format!(
        "mount -t tmpfs tmpfs /run && exec '{}' --save '{}' -o /dev/null -e trace=connect -- dbus-send --system --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.Peer.Ping",
        env!("CARGO_BIN_EXE_sockwhy"),
        save.display()
    );
    let o = run(Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .stdin(Stdio::null()));
    assert_eq!(o.status.code(), Some(1), "dbus-send fails: {}", stderr(&o));
    let f = failed_connects_in(read_trace(&save));
    let c = &to(&f, "/run/dbus/system_bus_socket")["cause"];
    assert_eq!(c["rule"], "connect.service-not-running", "{c:#}");
    assert!(
        text(c, "summary").starts_with("\"/run/dbus/system_bus_socket\" is the socket of the D-Bus system bus, and nothing serves it (does not exist (directory \"/run/dbus\" does not)): it is not running"),
        "{c:#}"
    );
    assert_eq!(
        text(c, "fix"),
        "start the system bus (systemctl start dbus); or point the client at one that runs (set DBUS_SYSTEM_BUS_ADDRESS=unix:path=PATH)"
    );
}

#[test]
#[cfg_attr(not(is_root), ignore = "needs root (unshare --mount)")]
#[cfg_attr(not(has_dbus), ignore = "dbus-daemon is not installed")]
fn services_dbus_session_bus_of_another_uid() {
    require_root();
    let dir = tempdir("svc-dbus-session");
    let save = dir.join("t.jsonl");
    let pidf = dir.join("dbus.pid");
    // In a private /run: uid 0's session bus runs, the client asks for uid 4242's.
    let script = format!(
        "mount -t tmpfs tmpfs /run && mkdir -p /run/user/0 && \
         dbus-daemon --session --address=unix:path=/run/user/0/bus --nofork --print-pid=1 >'{pidf}' & \
         while [ ! -S /run/user/0/bus ]; do sleep 0.05; done; \
         DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/4242/bus '{sw}' --save '{save}' -o /dev/null -e trace=connect -- dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.Peer.Ping; \
         kill $!",
        pidf = pidf.display(),
        sw = env!("CARGO_BIN_EXE_sockwhy"),
        save = save.display()
    );
    let o = run(Command::new("timeout")
        .args([
            "60",
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            &script,
        ])
        .stdin(Stdio::null()));
    assert!(o.status.code().is_some(), "{}", stderr(&o));
    let dpid = std::fs::read_to_string(&pidf).unwrap().trim().to_owned();
    let f: Vec<Value> = failed_connects_in(read_trace(&save));
    let c = &to(&f, "/run/user/4242/bus")["cause"];
    assert_eq!(c["rule"], "connect.service-not-running", "{c:#}");
    let summary = text(c, "summary");
    assert!(
        summary.contains("is the socket of the D-Bus session bus of uid 4242, and nothing serves it")
            && summary.contains(&format!(
                "the D-Bus session bus of uid 0 runs: \"/run/user/0/bus\" held by pid {dpid} (dbus-daemon)"
            )),
        "{summary}"
    );
    assert!(
        text(c, "fix")
            .starts_with("to use that one, set DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/0/bus"),
        "{c:#}"
    );
}

/// A private directory under /tmp shaped like ssh-agent's, removed on drop.
struct TmpDir(PathBuf);

impl Drop for TmpDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
#[cfg_attr(not(has_ssh_agent), ignore = "ssh-agent is not installed")]
fn services_ssh_agent_socket_of_another_agent() {
    let dir = TmpDir(PathBuf::from(format!(
        "/tmp/ssh-sockwhy{}",
        std::process::id()
    )));
    let _ = std::fs::remove_dir_all(&dir.0);
    std::fs::create_dir(&dir.0).unwrap();
    let live = dir.0.join("agent.100");
    let srv = Server::start(Command::new("ssh-agent").arg("-D").arg("-a").arg(&live));
    wait_socket(&live);
    let wanted = dir.0.join("agent.101");
    let f = failed_connects(
        "svc-ssh",
        &[("SSH_AUTH_SOCK", &s(&wanted))],
        &["ssh-add", "-l"],
    );
    let c = &to(&f, &s(&wanted))["cause"];
    assert_eq!(c["rule"], "connect.service-not-running", "{c:#}");
    assert!(
        text(c, "summary").contains(&format!(
            "an ssh-agent runs: \"{}\" held by pid {} (ssh-agent)",
            s(&live),
            srv.pid()
        )),
        "{c:#}"
    );
    assert!(
        text(c, "fix").starts_with(&format!("to use that one, set SSH_AUTH_SOCK={}", s(&live))),
        "{c:#}"
    );
    drop(srv);
}

#[test]
#[cfg_attr(not(has_gpg_agent), ignore = "gpg-agent is not installed")]
fn services_gpg_agent_of_another_home() {
    let d = tempdir("svc-gpg");
    let (home, other) = (d.join("home"), d.join("other"));
    for h in [&home, &other] {
        std::fs::create_dir_all(h).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(h, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    // gpg-agent puts its sockets in the home directory when /run/user/UID is absent.
    if Path::new(&format!("/run/user/{}", nix::unistd::getuid())).exists() {
        eprintln!("/run/user/UID exists: the agent's sockets go there; testing through it");
    }
    let st = Command::new("gpg-agent")
        .arg("--homedir")
        .arg(&home)
        .arg("--daemon")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    // Stopped the way gpg stops it, whatever happens below.
    struct Stop(PathBuf);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = Command::new("gpgconf")
                .arg("--homedir")
                .arg(&self.0)
                .args(["--kill", "gpg-agent"])
                .status();
        }
    }
    let _stop = Stop(home.clone());
    let out = Command::new("gpgconf")
        .arg("--homedir")
        .arg(&home)
        .args(["--list-dirs", "agent-socket"])
        .output()
        .unwrap();
    let live = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    wait_socket(&live);
    let out = Command::new("gpgconf")
        .arg("--homedir")
        .arg(&other)
        .args(["--list-dirs", "agent-socket"])
        .output()
        .unwrap();
    let wanted = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let f = failed_connects(
        "svc-gpg-client",
        &[],
        &[
            "gpg-connect-agent",
            "--homedir",
            &s(&other),
            "--no-autostart",
            "/bye",
        ],
    );
    let c = &to(&f, &wanted)["cause"];
    assert_eq!(c["rule"], "connect.service-not-running", "{c:#}");
    let summary = text(c, "summary");
    assert!(
        summary.contains("is the socket of the gpg-agent, and nothing serves it")
            && summary.contains(&format!("the gpg-agent runs: \"{}\"", s(&live)))
            && summary.contains("(gpg-agent)"),
        "{summary}"
    );
    assert!(
        text(c, "fix").starts_with("to use that one, set GNUPGHOME"),
        "{c:#}"
    );
}

#[test]
fn services_nscd_lookup_is_harmless() {
    // getent asks glibc, which asks nscd first.
    let f = failed_connects("svc-nscd", &[], &["getent", "passwd", "root"]);
    if Path::new("/var/run/nscd/socket").exists() {
        eprintln!("nscd runs here: its lookup does not fail");
        assert!(f.is_empty(), "{f:#?}");
        return;
    }
    let c = &to(&f, "/var/run/nscd/socket")["cause"];
    assert_eq!(c["rule"], "connect.optional-service-absent", "{c:#}");
    assert!(
        text(c, "summary").starts_with("Harmless: \"/var/run/nscd/socket\" is the name service cache daemon (nscd), which is not running; glibc asks nscd first"),
        "{c:#}"
    );
}
