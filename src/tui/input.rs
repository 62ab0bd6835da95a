//! Terminal input (crossterm events) to actions; which keys mean what depends on the mode.

use super::state::{Action, Edit, Overlay, QuitChoice, Screen, State};
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Position;

/// The action for one terminal event, if it means anything here.
pub(crate) fn action_for(state: &State, ev: &Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => key_action(state, k),
        Event::Mouse(m) => mouse_action(state, m),
        Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
        Event::Paste(s) if state.pty.as_ref().is_some_and(|p| p.input) => {
            Some(Action::PtyBytes(s.as_bytes().to_vec()))
        }
        _ => None,
    }
}

/// Columns one Left or Right scrolls the list's arguments by.
const HSCROLL_STEP: i32 = 8;

fn is_leave_input(k: &KeyEvent) -> bool {
    // Ctrl-] is byte 0x1d; terminals report it as Ctrl-] or, through crossterm, Ctrl-5.
    k.modifiers.contains(KeyModifiers::CONTROL) && matches!(k.code, KeyCode::Char(']' | '5'))
}

fn key_action(state: &State, k: &KeyEvent) -> Option<Action> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    if state.pty.as_ref().is_some_and(|p| p.input) {
        if is_leave_input(k) {
            return Some(Action::LeaveInput);
        }
        return key_bytes(k).map(Action::PtyBytes);
    }
    match &state.overlay {
        Overlay::Search(_) | Overlay::Save(_) => {
            return Some(Action::Edit(match k.code {
                KeyCode::Enter => Edit::Submit,
                KeyCode::Esc => Edit::Cancel,
                KeyCode::Backspace => Edit::Backspace,
                KeyCode::Char('c') if ctrl => Edit::Cancel,
                KeyCode::Char('u') if ctrl => Edit::Clear,
                KeyCode::Char(c) => Edit::Char(c),
                _ => return None,
            }));
        }
        Overlay::Help => return Some(Action::Back),
        Overlay::Quit => {
            return match k.code {
                KeyCode::Char('d') => Some(Action::QuitChoose(QuitChoice::Detach)),
                KeyCode::Char('k' | 'y') => Some(Action::QuitChoose(QuitChoice::Kill)),
                KeyCode::Char('q') => Some(Action::QuitChoose(QuitChoice::Quit)),
                KeyCode::Esc | KeyCode::Char('n') => Some(Action::Back),
                _ => None,
            };
        }
        Overlay::None => {}
    }
    if ctrl {
        return match k.code {
            KeyCode::Char('c') => Some(Action::Quit),
            KeyCode::Char('d') => Some(Action::Page(1)),
            KeyCode::Char('u') => Some(Action::Page(-1)),
            _ => None,
        };
    }
    Some(match k.code {
        KeyCode::Up | KeyCode::Char('k') => Action::Move(-1),
        KeyCode::Down | KeyCode::Char('j') => Action::Move(1),
        KeyCode::PageUp => Action::Page(-1),
        KeyCode::PageDown => Action::Page(1),
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Enter => Action::Enter,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('J') => Action::DetailScroll(1),
        KeyCode::Char('K') => Action::DetailScroll(-1),
        KeyCode::Char('f') => Action::ToggleFailures,
        KeyCode::Char('E') => Action::ToggleExpected,
        KeyCode::Left | KeyCode::Char('h') => Action::HScroll(-HSCROLL_STEP),
        KeyCode::Right | KeyCode::Char('l') => Action::HScroll(HSCROLL_STEP),
        KeyCode::Char('u') => Action::ToggleUnfold,
        KeyCode::Char('c') => Action::FilterCall,
        KeyCode::Char('p') => Action::FilterPid,
        KeyCode::Char('e') => Action::FilterErrno,
        KeyCode::Char('x') => Action::ClearFilters,
        KeyCode::Char('/') => Action::StartSearch,
        KeyCode::Char('n') => Action::SearchNext,
        KeyCode::Char('N') => Action::SearchPrev,
        KeyCode::Char('t') | KeyCode::Tab => Action::ToggleProcs,
        KeyCode::Char('F') => Action::ToggleFollow,
        KeyCode::Char(' ') => Action::TogglePause,
        KeyCode::Char('o') => Action::TogglePty,
        KeyCode::Char('i') => Action::EnterInput,
        KeyCode::Char('s') => Action::Save,
        KeyCode::Char('?') | KeyCode::F(1) => Action::Help,
        KeyCode::Char('q') => Action::Quit,
        _ => return None,
    })
}

fn mouse_action(state: &State, m: &MouseEvent) -> Option<Action> {
    if state.overlay != Overlay::None {
        return None;
    }
    let a = state.areas();
    let at = Position::new(m.column, m.row);
    match m.kind {
        MouseEventKind::ScrollDown => Some(Action::Wheel(3)),
        MouseEventKind::ScrollUp => Some(Action::Wheel(-3)),
        MouseEventKind::Down(MouseButton::Left) if a.list.contains(at) => {
            // Inside the border; the events list has a column header row.
            let header = u16::from(state.screen == Screen::Events);
            let first = a.list.y + 1 + header;
            if m.row < first || m.row >= a.list.y + a.list.height.saturating_sub(1) {
                return None;
            }
            let off = (m.row - first) as usize;
            Some(match state.screen {
                Screen::Events => Action::Click(state.top + off),
                Screen::Procs => {
                    let h = a.list.height.saturating_sub(2) as usize;
                    let top = state.proc_sel.saturating_sub(h.saturating_sub(1));
                    Action::Click(top + off)
                }
            })
        }
        _ => None,
    }
}

/// The bytes a terminal would send for this key.
pub(crate) fn key_bytes(k: &KeyEvent) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    if k.modifiers.contains(KeyModifiers::ALT) {
        out.push(0x1b);
    }
    match k.code {
        KeyCode::Char(c) if k.modifiers.contains(KeyModifiers::CONTROL) => {
            let b = c.to_ascii_lowercase() as u32;
            match b {
                0x61..=0x7a => out.push((b - 0x60) as u8),
                0x40..=0x5f => out.push((b - 0x40) as u8),
                0x20 | 0x32 => out.push(0),
                _ => return None,
            }
        }
        KeyCode::Char(c) => {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        KeyCode::Enter => out.push(b'\r'),
        KeyCode::Tab => out.push(b'\t'),
        KeyCode::BackTab => out.extend_from_slice(b"\x1b[Z"),
        KeyCode::Backspace => out.push(0x7f),
        KeyCode::Esc => out.push(0x1b),
        KeyCode::Up => out.extend_from_slice(b"\x1b[A"),
        KeyCode::Down => out.extend_from_slice(b"\x1b[B"),
        KeyCode::Right => out.extend_from_slice(b"\x1b[C"),
        KeyCode::Left => out.extend_from_slice(b"\x1b[D"),
        KeyCode::Home => out.extend_from_slice(b"\x1b[H"),
        KeyCode::End => out.extend_from_slice(b"\x1b[F"),
        KeyCode::PageUp => out.extend_from_slice(b"\x1b[5~"),
        KeyCode::PageDown => out.extend_from_slice(b"\x1b[6~"),
        KeyCode::Delete => out.extend_from_slice(b"\x1b[3~"),
        KeyCode::Insert => out.extend_from_slice(b"\x1b[2~"),
        _ => return None,
    }
    Some(out)
}
