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

/// How the strings of a call's arguments are written: strace's default (octal escapes),
/// `-x` (a string with any unprintable byte all in hex) or `-xx` (every string in hex).
/// Every style escapes each byte outside printable ASCII, so all are terminal-safe.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StrStyle {
    /// `"\33[1m\0"`: `\t \n \v \f \r \\ \"` named, other bytes in octal.
    #[default]
    Strace,
    /// `-x`: as [`StrStyle::Strace`] unless a byte other than whitespace is unprintable,
    /// then the whole string as `\xNN`.
    HexNonAscii,
    /// `-xx`: every byte as `\xNN`.
    HexAll,
}

impl StrStyle {
    /// From the number of `-x` given.
    pub fn from_count(n: u8) -> StrStyle {
        match n {
            0 => StrStyle::Strace,
            1 => StrStyle::HexNonAscii,
            _ => StrStyle::HexAll,
        }
    }
}

/// `bytes` in double quotes as strace prints a string argument in `style`.
pub fn quote_strace(bytes: &[u8], style: StrStyle) -> String {
    let hex = match style {
        StrStyle::Strace => false,
        StrStyle::HexAll => true,
        // strace's rule: whitespace does not force hex, any other unprintable byte does.
        StrStyle::HexNonAscii => bytes
            .iter()
            .any(|&b| b > 0x7e || (b < b' ' && !(b'\t'..=b'\r').contains(&b))),
    };
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for (i, &b) in bytes.iter().enumerate() {
        if hex {
            push_hex(&mut out, b);
            continue;
        }
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\x0c' => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'\x0b' => out.push_str("\\v"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                // The shortest octal, but all three digits before an octal digit, so the
                // text reads back as the same bytes (`\0002` is NUL then '2').
                out.push('\\');
                let full = bytes.get(i + 1).is_some_and(|n| (b'0'..=b'7').contains(n));
                if full || b >= 0o100 {
                    out.push((b'0' + (b >> 6)) as char);
                }
                if full || b >= 0o10 {
                    out.push((b'0' + ((b >> 3) & 7)) as char);
                }
                out.push((b'0' + (b & 7)) as char);
            }
        }
    }
    out.push('"');
    out
}

/// An AF_UNIX name as a call's line shows it, in `style`: `"/run/x.sock"`, `@"name"`,
/// `(unnamed)`.
pub fn quote_unix_name_as(n: &UnixName, style: StrStyle) -> String {
    match n {
        UnixName::Path(p) => quote_strace(p.as_bytes(), style),
        UnixName::Abstract(a) => format!("@{}", quote_strace(a.as_bytes(), style)),
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
        _ => push_hex(out, b),
    }
}

fn push_hex(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\x");
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 0xf) as usize] as char);
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
    fn strace_styles_as_strace_6_prints_them() {
        // Each expected text is what strace 6.1 printed for the same bytes.
        let b = b"\x1b[1m\0\x01\x7f\x80\xff\xc3\xa9\x0b\x0c\x07\x08\n\r\t\\\"'1\x002x";
        assert_eq!(
            quote_strace(b, StrStyle::Strace),
            r#""\33[1m\0\1\177\200\377\303\251\v\f\7\10\n\r\t\\\"'1\0002x""#
        );
        assert_eq!(
            quote_strace(b"\x009\x008\x007", StrStyle::Strace),
            r#""\09\08\0007""#
        );
        assert_eq!(
            quote_strace(b"a\nb\tc", StrStyle::HexNonAscii),
            r#""a\nb\tc""#
        );
        assert_eq!(
            quote_strace(b"a\x1bb", StrStyle::HexNonAscii),
            r#""\x61\x1b\x62""#
        );
        assert_eq!(
            quote_strace(b"caf\xc3\xa9", StrStyle::HexNonAscii),
            r#""\x63\x61\x66\xc3\xa9""#
        );
        assert_eq!(quote_strace(b"a\nb", StrStyle::HexAll), r#""\x61\x0a\x62""#);
        let abs = UnixName::Abstract(crate::model::ByteString::from(&b"abs\0x"[..]));
        assert_eq!(quote_unix_name_as(&abs, StrStyle::Strace), r#"@"abs\0x""#);
        for style in [StrStyle::Strace, StrStyle::HexNonAscii, StrStyle::HexAll] {
            let all: Vec<u8> = (0..=255).collect();
            let s = quote_strace(&all, style);
            assert!(is_terminal_safe(&s), "{style:?}: {s}");
        }
    }

    #[test]
    fn printable_text_and_quotes() {
        assert_eq!(quote_bytes(b"/run/x.sock"), "\"/run/x.sock\"");
        assert_eq!(quote_bytes(b"a\"b\\c\n\0"), "\"a\\\"b\\\\c\\n\\x00\"");
    }
}
