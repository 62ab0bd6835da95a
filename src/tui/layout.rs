//! Where each part of the screen goes: a pure function of the terminal size and what is
//! open. The reducer uses it to know how many rows a page is; the view, to draw.

use ratatui::layout::{Constraint, Layout, Rect};

/// What decides the layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    /// The program's terminal pane is shown.
    pub pty_visible: bool,
    /// A detail pane is open (the event's, or the selected process's).
    pub detail: bool,
}

/// Where each part of the screen goes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Areas {
    /// The event list, or the process tree.
    pub list: Rect,
    /// The detail pane (or the selected process), when open.
    pub detail: Option<Rect>,
    /// The program's terminal, when shown.
    pub pty: Option<Rect>,
    /// The status bar.
    pub status: Rect,
    /// Key hints or the open prompt.
    pub hints: Rect,
}

/// Split `area`. Used to draw, for mouse hit-testing, to size the program's terminal, and
/// by the reducer for the height of a page.
pub(crate) fn areas(g: &Geometry, area: Rect) -> Areas {
    let [main, status, hints] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let (events, pty) = if g.pty_visible {
        let [e, p] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(main);
        (e, Some(p))
    } else {
        (main, None)
    };
    let (list, detail) = if !g.detail {
        (events, None)
    } else if events.width >= 160 {
        let [l, d] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(events);
        (l, Some(d))
    } else {
        let [l, d] = Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)])
            .areas(events);
        (l, Some(d))
    };
    Areas {
        list,
        detail,
        pty,
        status,
        hints,
    }
}
