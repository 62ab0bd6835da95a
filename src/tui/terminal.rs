//! The real terminal: a guard that owns raw mode, the alternate screen and mouse capture,
//! a panic hook that gives the terminal back, and SIGTERM, SIGHUP and SIGINT as a flag.

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};

/// True while the TUI owns the terminal; whoever clears it restores the terminal.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Put the terminal back as we found it, once.
fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
}

/// Owns the terminal while the TUI runs; dropping it (any way out, unwinding included)
/// restores the terminal and lets go of the signals.
pub(crate) struct TerminalGuard {
    /// The ratatui terminal on stdout.
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
    /// Set by SIGTERM, SIGHUP or SIGINT; the loop checks it every frame.
    pub stop: Arc<AtomicBool>,
    signals: Vec<signal_hook::SigId>,
}

impl TerminalGuard {
    /// Enter raw mode, the alternate screen and mouse capture.
    pub fn new() -> io::Result<TerminalGuard> {
        HOOK.call_once(|| {
            let prev = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                // Restore first, so the panic message lands on a sane screen.
                restore();
                prev(info);
            }));
        });
        let stop = Arc::new(AtomicBool::new(false));
        let mut guard = TerminalGuard {
            terminal: Terminal::new(CrosstermBackend::new(io::stdout()))?,
            stop,
            signals: Vec::new(),
        };
        // SIGINT too: in raw mode Ctrl-C is a key, so a SIGINT came from outside.
        for sig in [
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGHUP,
            signal_hook::consts::SIGINT,
        ] {
            guard
                .signals
                .push(signal_hook::flag::register(sig, Arc::clone(&guard.stop))?);
        }
        // From here on, dropping the guard (also on the errors below) restores.
        ACTIVE.store(true, Ordering::SeqCst);
        enable_raw_mode()?;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste
        )?;
        guard.terminal.clear()?;
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        for id in self.signals.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
