//! Keeping the text and Markdown reports within 80 columns where they can be: prose
//! wraps at spaces, a call line after the commas between its arguments (never inside a
//! quoted string, where a break would look like part of the string). A word or an
//! argument longer than a line (a long path) is left whole: it may run past 80.
//!
//! The text is printable ASCII by then (`format::safe`), so a byte is a column.

/// The width the text and Markdown reports keep to.
pub(crate) const WIDTH: usize = 80;

/// A space no line is broken at (`1 call`, `[ended the program]`); [`lines`] prints it as
/// a space. A control character, so it is never in the (escaped) text itself.
pub(crate) const NBSP: char = '\u{1f}';

/// `s` with its spaces made unbreakable.
pub(crate) fn together(s: &str) -> String {
    s.replace(' ', &NBSP.to_string())
}

/// How a piece of text may be broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Break {
    /// Prose: at any space.
    Words,
    /// A call line, an argv list: after a `, ` that is not inside a quoted string.
    Code,
}

/// `s` as lines of at most [`WIDTH`] columns, the first after `first`, the others after
/// `rest` (both included in the lines); no line ends in a space.
pub(crate) fn lines(first: &str, rest: &str, s: &str, how: Break) -> Vec<String> {
    let pieces = match how {
        Break::Words => s.split(' ').collect(),
        Break::Code => code_pieces(s),
    };
    let body = fill(
        &pieces,
        WIDTH.saturating_sub(first.len()).max(20),
        WIDTH.saturating_sub(rest.len()).max(20),
    );
    body.into_iter()
        .enumerate()
        .map(|(i, l)| {
            let l = format!("{}{l}", if i == 0 { first } else { rest });
            l.trim_end_matches(' ').replace(NBSP, " ")
        })
        .collect()
}

/// Pieces joined by single spaces into lines of at most `first` (then `rest`) columns.
fn fill(pieces: &[&str], first: usize, rest: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for p in pieces {
        let width = if out.is_empty() { first } else { rest };
        if !cur.is_empty() && cur.len() + 1 + p.len() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(p);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// `s` cut after every `, ` outside a double-quoted string (the comma kept, the space
/// dropped: [`fill`] puts it back).
fn code_pieces(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut in_str, mut escaped) = (0, false, false);
    for i in 0..b.len() {
        match b[i] {
            _ if escaped => escaped = false,
            b'\\' if in_str => escaped = true,
            b'"' => in_str = !in_str,
            b',' if !in_str && b.get(i + 1) == Some(&b' ') => {
                out.push(&s[start..=i]);
                start = i + 2;
            }
            _ => {}
        }
    }
    if start <= s.len() {
        out.push(&s[start.min(s.len())..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_wraps_at_spaces_and_long_words_stay_whole() {
        let s = "connect(2) on a path name: no socket file exists at that path (or a directory on the way is missing).";
        let got = lines("    meaning:   ", "               ", s, Break::Words);
        assert!(got.iter().all(|l| l.len() <= WIDTH), "{got:#?}");
        assert_eq!(got.len(), 2);
        assert!(got[1].starts_with("               "));
        let path = format!("/{}", "x".repeat(90));
        let got = lines("  ", "  ", &format!("at {path} now"), Break::Words);
        assert_eq!(
            got,
            ["  at".to_owned(), format!("  {path}"), "  now".to_owned()]
        );
    }

    #[test]
    fn unbreakable_spaces_hold_and_lines_end_without_a_space() {
        let s = format!(
            "{} on \"/a/long/path/here\":{}",
            "x ".repeat(30),
            together(" 4 calls  [ended the program]")
        );
        let got = lines("", "    ", &s, Break::Words);
        assert!(
            got.last()
                .unwrap()
                .ends_with("4 calls  [ended the program]"),
            "{got:#?}"
        );
        assert!(
            got.iter().all(|l| !l.ends_with(' ') && !l.contains(NBSP)),
            "{got:#?}"
        );
    }

    #[test]
    fn code_breaks_between_arguments_not_inside_strings() {
        let call = r#"[pid 4100] sendto(5<UNIX-DGRAM:[81260]>, "a, b, c \", d", 7, 0, {sun_family=AF_UNIX, sun_path=@"demo.ctl"}, 11) = -1 ECONNREFUSED"#;
        let got = lines("      ", "        ", call, Break::Code);
        assert!(got.iter().all(|l| l.len() <= WIDTH), "{got:#?}");
        assert!(
            got.iter().any(|l| l.contains(r#""a, b, c \", d","#)),
            "the string is whole: {got:#?}"
        );
        assert_eq!(got.join(" ").split_whitespace().collect::<Vec<_>>(), {
            let mut want = vec![];
            want.extend(call.split_whitespace());
            want
        });
        assert_eq!(lines("", "", "", Break::Code), [""]);
    }
}
