//! Wrapping the detail pane's lines ourselves: ratatui's wrap starts every continuation
//! at the left edge, which makes an evidence item or a stack frame that wraps look like a
//! new heading. Here a continuation keeps its line's indentation (and a list item's
//! hanging indent), so the pane reads at 80 columns as it does at 160.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// `lines` cut to at most `width` columns each, at a space where there is one. A
/// continuation is indented as far as its line (past a `- ` or `! ` bullet); an unindented
/// line's continuation by two. Every character counts as one column: the text is escaped
/// ASCII or our own prose.
pub(crate) fn wrap_lines(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    if width < 8 {
        return lines;
    }
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let chars: Vec<(char, Style)> = line
            .spans
            .iter()
            .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
            .collect();
        if chars.len() <= width {
            out.push(line);
            continue;
        }
        let indent = chars.iter().take_while(|(c, _)| *c == ' ').count();
        let bullet = matches!(
            (chars.get(indent), chars.get(indent + 1)),
            (Some(('-' | '!', _)), Some((' ', _)))
        );
        let hang = match (indent, bullet) {
            (0, _) => 2,
            (i, true) => i + 2,
            (i, false) => i,
        }
        .min(width / 2);
        let mut rest: &[(char, Style)] = &chars;
        let mut first = true;
        while !rest.is_empty() {
            let pad = if first { 0 } else { hang };
            let room = width - pad;
            let (take, skip) = if rest.len() <= room {
                (rest.len(), rest.len())
            } else {
                // The last space that leaves something on this line, else a hard cut.
                match rest[..=room].iter().rposition(|(c, _)| *c == ' ') {
                    Some(sp) if sp > 0 => (sp, sp + 1),
                    _ => (room, room),
                }
            };
            let mut spans = Vec::new();
            if pad > 0 {
                spans.push(Span::raw(" ".repeat(pad)));
            }
            spans.extend(spans_of(&rest[..take]));
            out.push(Line::from(spans).style(line.style));
            rest = &rest[skip..];
            // Spaces where the line was cut are not carried to the next one.
            let blanks = rest.iter().take_while(|(c, _)| *c == ' ').count();
            rest = &rest[blanks..];
            first = false;
        }
    }
    out
}

/// Runs of one style as spans.
fn spans_of(chars: &[(char, Style)]) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut cur = String::new();
    let mut style = None;
    for &(c, st) in chars {
        if style.is_some_and(|s| s != st) {
            spans.push(Span::styled(
                std::mem::take(&mut cur),
                style.unwrap_or_default(),
            ));
        }
        style = Some(st);
        cur.push(c);
    }
    if !cur.is_empty() {
        spans.push(Span::styled(cur, style.unwrap_or_default()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn continuations_keep_the_indentation() {
        let lines = vec![
            Line::from("  - /run/app.sock: no such file, and nothing in /proc/net/unix"),
            Line::from("connect(3, {sa_family=AF_UNIX, sun_path=\"/run/x\"}, 110) = -1"),
            Line::from("  #1 /tmp/client connect_to_daemon+0x1b at client.c:42"),
            Line::from("short"),
        ];
        let got = text(&wrap_lines(lines, 30));
        assert_eq!(
            got,
            [
                "  - /run/app.sock: no such",
                "    file, and nothing in",
                "    /proc/net/unix",
                "connect(3, {sa_family=AF_UNIX,",
                "  sun_path=\"/run/x\"}, 110) =",
                "  -1",
                "  #1 /tmp/client",
                "  connect_to_daemon+0x1b at",
                "  client.c:42",
                "short",
            ]
        );
        for l in &got {
            assert!(l.chars().count() <= 30, "{l:?}");
        }
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_and_styles_survive() {
        let red = Style::default().fg(Color::Red);
        let line = Line::from(vec![
            Span::styled("Error ", Style::default().add_modifier(Modifier::BOLD)),
            Span::styled("x".repeat(25), red),
        ]);
        let got = wrap_lines(vec![line], 12);
        assert_eq!(
            text(&got),
            ["Error", "  xxxxxxxxxx", "  xxxxxxxxxx", "  xxxxx"]
        );
        assert_eq!(got[1].spans[1].style, red);
    }
}
