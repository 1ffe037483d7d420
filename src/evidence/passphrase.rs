//! A key's passphrase: from `NHI_REVIEW_KEY_PASSPHRASE`, or asked for on the terminal without
//! echo. Never from an argument (other users see arguments), never printed, never stored; held
//! in a buffer that is wiped when dropped.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Result, bail};
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::crossterm::terminal;
use ssh_agent_lib::secrecy::SecretString;

use super::PASSPHRASE_ENV;

/// The passphrase for the key at `path`.
pub fn for_key(path: &Path) -> Result<SecretString> {
    if let Some(value) = std::env::var_os(PASSPHRASE_ENV) {
        let Ok(text) = value.into_string() else {
            bail!("{PASSPHRASE_ENV} is not valid UTF-8");
        };
        // That it came from there, never what it is.
        tracing::info!("the key's passphrase is taken from {PASSPHRASE_ENV}");
        return Ok(SecretString::from(text));
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        bail!(
            "the key '{}' is protected by a passphrase and there is no terminal to ask for it: set {PASSPHRASE_ENV}, or add the key to ssh-agent and pass its .pub file",
            path.display()
        );
    }
    tracing::info!("{PASSPHRASE_ENV} is not set: asking for the key's passphrase on the terminal");
    prompt(&format!("Passphrase for '{}': ", path.display()))
}

/// Leaves raw mode when dropped, whatever happened.
struct RawMode;

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
    }
}

/// Ask on the terminal; typing is not echoed.
fn prompt(question: &str) -> Result<SecretString> {
    let mut err = std::io::stderr();
    write!(err, "{question}")?;
    err.flush()?;
    terminal::enable_raw_mode()?;
    let raw = RawMode;
    // Room enough that typing never moves the text (a moved buffer leaves a copy behind).
    let mut typed = String::with_capacity(1024);
    let outcome = loop {
        let Event::Key(key) = event::read()? else {
            continue;
        };
        if key.kind != KeyEventKind::Press {
            continue;
        }
        match key.code {
            KeyCode::Enter => break Ok(()),
            KeyCode::Char('c' | 'd') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                break Err(anyhow::anyhow!("no passphrase given: nothing was signed"));
            }
            KeyCode::Esc => break Err(anyhow::anyhow!("no passphrase given: nothing was signed")),
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Char(c) if typed.len() + c.len_utf8() <= typed.capacity() => typed.push(c),
            _ => {}
        }
    };
    drop(raw);
    writeln!(err)?;
    let secret = SecretString::from(typed);
    outcome.map(|()| secret)
}
