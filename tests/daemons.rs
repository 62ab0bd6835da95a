//! Commands that start a daemon and exit (issue 10): `tmux new -d` (its server) and
//! ssh-agent. sockwhy names what the command left running and offers a way out:
//! --leader-exit=detach leaves it running untraced, =kill ends it, and by default
//! sockwhy follows it and Ctrl-C ends the trace.

#[path = "common/cbuild.rs"]
mod cbuild;
mod common;

use cbuild::{wait_deadline, wait_for};
use common::*;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);

/// A tmux server on its own socket, killed when the test ends however it ends.
struct Tmux(PathBuf);

impl Tmux {
    fn new(name: &str) -> Tmux {
        Tmux(tempdir(name).join("tmux.sock"))
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.env_remove("TMUX").arg("-S").arg(&self.0);
        c
    }

    /// `tmux new-session -d` under sockwhy with `opts`.
    fn start_under_sockwhy(&self, opts: &[&str]) -> Command {
        let mut c = sockwhy();
        c.env_remove("TMUX")
            .args(opts)
            .args(["--", "tmux", "-S"])
            .arg(&self.0)
            .args(["new-session", "-d", "sleep 600"]);
        c
    }

    fn answers(&self) -> bool {
        self.cmd()
            .arg("has-session")
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    }

    /// The server's pid, as tmux itself says.
    fn server_pid(&self) -> i32 {
        let o = self
            .cmd()
            .args(["display-message", "-p", "#{pid}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").stderr(Stdio::null()).status();
    }
}

/// N from "pid N (COMM)" in a notice.
fn pid_named(notice: &str, comm: &str) -> Option<i32> {
    notice.split("pid ").find_map(|p| {
        let (n, rest) = p.split_once(' ')?;
        rest.starts_with(&format!("({comm})"))
            .then(|| n.parse().ok())
            .flatten()
    })
}

fn untraced(pid: i32) -> bool {
    proc_state(pid).is_some_and(|(_, tracer)| tracer == 0)
}

fn gone(pid: i32) -> bool {
    proc_state(pid).is_none_or(|(s, _)| s.starts_with('Z') || s.starts_with('X'))
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn leader_exit_detach_leaves_the_tmux_server_running_untraced() {
    let t = Tmux::new("daemon-detach");
    let mut c = t
        .start_under_sockwhy(&["--leader-exit=detach"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let st = wait_deadline(
        &mut c,
        "sockwhy --leader-exit=detach -- tmux new -d",
        DEADLINE,
    );
    let o = c.wait_with_output().unwrap();
    let e = stderr(&o);
    assert_eq!(st.code(), Some(0), "the command's own status: {e}");
    let notice = e
        .lines()
        .find(|l| l.contains("the traced command has exited; detaching from"))
        .unwrap_or_else(|| panic!("no notice in {e}"));
    // The server works on, untraced (under a filter left without its tracer, its
    // socket calls would fail with ENOSYS).
    assert!(t.answers(), "{e}");
    let server = t.server_pid();
    assert!(
        notice.contains(&format!("pid {server} (tmux: server)")),
        "{notice}"
    );
    assert!(untraced(server));
}

#[test]
#[cfg_attr(not(has_ssh_agent), ignore = "ssh-agent is not installed")]
fn leader_exit_detach_leaves_ssh_agent_answering() {
    let dir = tempdir("daemon-ssh-agent");
    let sock = dir.join("agent.sock");
    let mut c = sockwhy()
        .args(["--leader-exit=detach", "--", "ssh-agent", "-a"])
        .arg(&sock)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let st = wait_deadline(&mut c, "sockwhy -- ssh-agent", DEADLINE);
    let o = c.wait_with_output().unwrap();
    assert_eq!(st.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let agent: i32 = out
        .split(';')
        .find_map(|p| p.trim().strip_prefix("SSH_AGENT_PID="))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no SSH_AGENT_PID in {out}"));
    let _kill = KillOnDrop(agent);
    assert!(
        stderr(&o).contains(&format!("pid {agent} (ssh-agent)")),
        "{}",
        stderr(&o)
    );
    assert!(untraced(agent));
    // ssh-add -l: 1 means the agent answered "no identities"; 2 that it could not be reached.
    let add = Command::new("ssh-add")
        .arg("-l")
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .unwrap();
    assert_eq!(add.status.code(), Some(1), "{}", stderr(&add));
}

struct KillOnDrop(i32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.to_string()).status();
    }
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn by_default_sockwhy_names_the_daemon_and_ctrl_c_ends_the_trace() {
    let t = Tmux::new("daemon-wait");
    let mut c = t
        .start_under_sockwhy(&[])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(c.stderr.take().unwrap()).lines();
    let notice = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains("the traced command has exited, but"))
        .expect("a notice naming what still runs");
    let choices = lines.next().unwrap().unwrap();
    assert!(
        choices.contains("Ctrl-C ends the trace and kills"),
        "{choices}"
    );
    assert!(choices.contains("--leader-exit=detach"), "{choices}");
    assert!(choices.contains("--leader-exit=kill"), "{choices}");
    // Still traced, and still serving while sockwhy follows it.
    assert!(t.answers());
    let server = t.server_pid();
    assert!(
        notice.contains(&format!("pid {server} (tmux: server)")),
        "{notice}"
    );
    assert!(!untraced(server));
    let st = Command::new("kill")
        .args(["-INT", &c.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let st = wait_deadline(&mut c, "sockwhy after Ctrl-C", DEADLINE);
    assert_eq!(st.code(), Some(0), "the command's own status");
    wait_for("the server to end with the trace", DEADLINE, || {
        gone(server)
    });
}

#[test]
#[cfg_attr(not(has_tmux), ignore = "tmux is not installed")]
fn leader_exit_kill_ends_the_daemon_with_the_command() {
    let t = Tmux::new("daemon-kill");
    let mut c = t
        .start_under_sockwhy(&["--leader-exit=kill"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let st = wait_deadline(&mut c, "sockwhy --leader-exit=kill", DEADLINE);
    let o = c.wait_with_output().unwrap();
    assert_eq!(st.code(), Some(0), "{}", stderr(&o));
    let e = stderr(&o);
    let notice = e
        .lines()
        .find(|l| l.contains("it started (--leader-exit=kill): "))
        .unwrap_or_else(|| panic!("no notice in {e}"));
    let server =
        pid_named(notice, "tmux: server").unwrap_or_else(|| panic!("no tmux server in {notice}"));
    wait_for("the server to be killed", DEADLINE, || gone(server));
    assert!(!t.answers());
}
