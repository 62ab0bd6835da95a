//! A private tmux server for the end-to-end TUI tests: start a command in a pane of a
//! fixed size, send keys, read the screen. Killed when the value is dropped, however the
//! test ends.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// One tmux server with one session, "t".
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Run `cmd` (through sh) in a `cols`x`rows` pane of a new server of its own. Tests
    /// that call this are ignored where tmux is missing (`has_tmux`, see build.rs); under
    /// CI=true they run, and a missing tmux fails them here.
    pub fn start(name: &str, cols: u16, rows: u16, cmd: &str) -> Tmux {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        super::watchdog();
        if let Err(e) = Command::new("tmux").arg("-V").output() {
            panic!("{name}: cannot run tmux ({e}); CI installs it (apt-get install tmux)");
        }
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmux = Tmux {
            socket: format!("sockwhy-{name}-{}-{n}", std::process::id()),
        };
        let (c, r) = (cols.to_string(), rows.to_string());
        let o = tmux.run(&[
            "new-session",
            "-d",
            "-x",
            &c,
            "-y",
            &r,
            "-s",
            "t",
            "sh",
            "-c",
            cmd,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        tmux
    }

    /// Any tmux command on this server.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Press keys (tmux key names), one at a time: a key that arrives in the same read as
    /// Esc is taken as Alt+key.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            assert!(self.run(&["send-keys", "-t", "t", k]).status.success());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Type text literally.
    pub fn text(&self, s: &str) {
        assert!(
            self.run(&["send-keys", "-t", "t", "-l", s])
                .status
                .success()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// Wait (at most 20 s) until the screen shows `what`; the screen then.
    pub fn wait_for(&self, what: &str) -> String {
        self.wait_for_all(&[what])
    }

    /// Wait (at most 20 s) until the screen shows every one of `what`; the screen then.
    pub fn wait_for_all(&self, what: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if what.iter().all(|w| s.contains(w)) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what:?}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait (at most 20 s) until the screen no longer shows `what`.
    pub fn wait_gone(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.screen().contains(what) {
            assert!(
                Instant::now() < deadline,
                "{what} still shown:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
