//! Text on its way to the screen: nothing a terminal could act on gets through.

use crate::render::escape::escape_str;
use std::borrow::Cow;

/// `s` when it holds no control character (C0, DEL, C1), else `s` escaped.
///
/// Tracee text in the model is escaped already (then this is a no-op); our own text (an
/// explanation with typographic quotes) keeps its Unicode. Anything else is escaped whole,
/// so a widget is never trusted to strip control bytes.
pub(crate) fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().any(char::is_control) {
        Cow::Owned(escape_str(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// The longest prefix of `b` (valid UTF-8) of at most `cap` bytes ending on a char boundary.
pub(crate) fn truncate_at(b: &[u8], cap: usize) -> usize {
    if b.len() <= cap {
        return b.len();
    }
    let mut i = cap;
    // UTF-8 continuation bytes are 0b10xx_xxxx.
    while i > 0 && (b[i] & 0xc0) == 0x80 {
        i -= 1;
    }
    i
}

/// Seconds since the trace started, `12.345678`.
pub(crate) fn secs(ts_ns: u64) -> String {
    format!(
        "{}.{:06}",
        ts_ns / 1_000_000_000,
        (ts_ns % 1_000_000_000) / 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::escape::is_terminal_safe;

    #[test]
    fn control_bytes_are_escaped_and_unicode_kept() {
        assert_eq!(clean("it’s fine"), "it’s fine");
        let c = clean("a\x1b[2Jb\u{9b}c");
        assert!(is_terminal_safe(&c), "{c}");
    }

    #[test]
    fn truncation_keeps_utf8_whole() {
        let s = "aé".as_bytes(); // a, then two bytes
        assert_eq!(truncate_at(s, 2), 1);
        assert_eq!(truncate_at(s, 3), 3);
    }
}
