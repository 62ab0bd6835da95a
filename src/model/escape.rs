//! The one path from tracee bytes to text shown to a person, and the form of the saved
//! format's text fields (docs/trace-format.md, Conventions). It lives in the model because
//! it defines what a text field holds; `render::escape` re-exports it for the sinks.
//!
//! C-style escapes, as strace prints strings: printable ASCII as is; `\n`, `\t`, `\r`,
//! `\\`, `\"` named; every other byte (C0 and C1 controls, DEL, bytes of invalid or any
//! non-ASCII UTF-8) as `\xNN`. Escaping all non-ASCII is deliberate: the C1 controls
//! (U+0080..U+009F, e.g. the 8-bit CSI) arrive as valid UTF-8, and a terminal may act on
//! them, so "valid UTF-8" is not "safe to print".

use super::UnixName;

/// Escape `bytes` for a terminal or a text file (no surrounding quotes).
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        push_escaped(&mut out, b);
    }
    out
}

/// Escape `bytes` and wrap them in double quotes, as strace shows a string argument.
pub fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        push_escaped(&mut out, b);
    }
    out.push('"');
    out
}

/// An AF_UNIX name as everything sockwhy prints shows it: `"/run/x.sock"`, `@"name"` for
/// an abstract name, `(unnamed)` for none.
pub fn quote_unix_name(n: &UnixName) -> String {
    match n {
        UnixName::Path(p) => quote_bytes(p.as_bytes()),
        UnixName::Abstract(a) => format!("@{}", quote_bytes(a.as_bytes())),
        UnixName::Unnamed => "(unnamed)".to_owned(),
    }
}

/// Escape a Rust string that may hold text from the tracee (argv, comm, a path).
pub fn escape_str(s: &str) -> String {
    escape_bytes(s.as_bytes())
}

fn push_escaped(out: &mut String, b: u8) {
    match b {
        b'\n' => out.push_str("\\n"),
        b'\t' => out.push_str("\\t"),
        b'\r' => out.push_str("\\r"),
        b'\\' => out.push_str("\\\\"),
        b'"' => out.push_str("\\\""),
        0x20..=0x7e => out.push(b as char),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\x");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        }
    }
}

/// True when `s` holds nothing a terminal could act on (no control bytes, ASCII only).
/// Used by tests and debug assertions on text that is about to be printed.
pub fn is_terminal_safe(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_sequences_cannot_reach_the_terminal() {
        let hostile = b"\x1b[2J\x1b]0;pwned\x07name\xc2\x9b31m\x7f";
        let s = escape_bytes(hostile);
        assert!(is_terminal_safe(&s), "{s}");
        assert_eq!(s, "\\x1b[2J\\x1b]0;pwned\\x07name\\xc2\\x9b31m\\x7f");
    }

    #[test]
    fn printable_text_and_quotes() {
        assert_eq!(quote_bytes(b"/run/x.sock"), "\"/run/x.sock\"");
        assert_eq!(quote_bytes(b"a\"b\\c\n\0"), "\"a\\\"b\\\\c\\n\\x00\"");
    }
}
