//! Driving the binary in a real terminal: tmux runs it, `send-keys` types, `capture-pane` reads
//! the screen. Waits poll for text (no bare sleeps); the session is killed on drop.
//!
//! Each session runs on its own tmux server (`-L`, a socket of its own): on one shared server, a
//! test whose session ends as the last one stops the server while another test is starting its
//! session on it ("server exited unexpectedly"), and a reviewer's own tmux is never touched.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One tmux session.
pub struct Tmux {
    /// Session name (also the name of its server's socket).
    pub name: String,
}

impl Tmux {
    /// Whether tmux is installed (the caller skips, saying `what`, when it is not).
    pub fn available(what: &str) -> bool {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("tmux not found: skipping {what}");
        }
        ok
    }

    /// A detached session of `width`×`height` running `command`.
    pub fn start(tag: &str, command: &str, width: u16, height: u16) -> Tmux {
        let name = format!("nhi-{tag}-{}", std::process::id());
        let status = Command::new("tmux")
            .args([
                "-L",
                &name,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
            ])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .arg(command)
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Tmux { name }
    }

    /// A tmux command on this session's own server.
    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.name]);
        command
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("capture");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Wait until the screen shows `text` (up to `NHI_E2E_TIMEOUT_MS`, default 20 s).
    pub fn wait_for(&self, text: &str) -> String {
        let limit = std::env::var("NHI_E2E_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000);
        let deadline = Instant::now() + Duration::from_millis(limit);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// Send keys by name (`Enter`, `X`, …).
    pub fn keys(&self, keys: &[&str]) {
        let status = self
            .command()
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .expect("send");
        assert!(status.success());
    }

    /// Type text literally (no key-name lookup).
    pub fn type_text(&self, text: &str) {
        let status = self
            .command()
            .args(["send-keys", "-l", "-t", &self.name, text])
            .status()
            .expect("send");
        assert!(status.success());
    }

    /// The process running in the pane.
    pub fn pane_pid(&self) -> u32 {
        let out = self
            .command()
            .args(["display-message", "-p", "-t", &self.name, "#{pane_pid}"])
            .output()
            .expect("pid");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("a pid")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self
            .command()
            .arg("kill-server")
            .stderr(Stdio::null())
            .status();
    }
}
