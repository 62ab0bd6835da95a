//! Errnos: the one place that answers name, number, description and parsing, and whether
//! a raw kernel return value is an error.

use super::name::{NameSet, Named};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

pub use syscalls::Errno;

/// An errno as a trace names it: known to this build (`ENOENT`; a number this build does
/// not name is written `E1234`), or a name it does not know, kept as read.
pub type ErrnoName = Named<Errno>;

/// Highest errno number (the kernel returns errors as -4095..=-1).
pub const MAX_ERRNO: i32 = 4095;

/// The errno of a raw kernel return value, when it is an error: exactly -4095..=-1 (not
/// "any negative", which would misread large unsigned results such as addresses).
pub fn error_of(ret: i64) -> Option<Errno> {
    (-i64::from(MAX_ERRNO)..=-1)
        .contains(&ret)
        .then(|| Errno::new(-ret as i32))
}

/// Canonical name -> errno, built once (the `syscalls` crate only maps the other way).
fn by_name() -> &'static HashMap<&'static str, Errno> {
    static MAP: OnceLock<HashMap<&'static str, Errno>> = OnceLock::new();
    MAP.get_or_init(|| {
        (1..=MAX_ERRNO)
            .map(Errno::new)
            .filter_map(|e| e.name().map(|n| (n, e)))
            .collect()
    })
}

/// Parse an errno given by a person: a name in any case (`ENOENT`, `enoent`), an alias
/// (`EWOULDBLOCK`, `EDEADLOCK`, `ENOTSUP`), or a number from 1 to 4095.
pub fn parse_errno(s: &str) -> Option<Errno> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i32>() {
        return (1..=MAX_ERRNO).contains(&n).then(|| Errno::new(n));
    }
    let upper = s.to_ascii_uppercase();
    match upper.as_str() {
        "EWOULDBLOCK" => Some(Errno::EWOULDBLOCK),
        "EDEADLOCK" => Some(Errno::EDEADLOCK),
        "ENOTSUP" => Some(Errno::EOPNOTSUPP),
        u => by_name().get(u).copied(),
    }
}

/// The one-line description: glibc's strerror() text (what strace, perror() and Python
/// print), the kernel's for the codes glibc does not name (ERESTARTSYS), or `unknown error`.
pub fn description(e: Errno) -> &'static str {
    super::errno_text::glibc_text(e.into_raw())
        .or_else(|| e.description())
        .unwrap_or("unknown error")
}

impl NameSet for Errno {
    fn to_name(self) -> Cow<'static, str> {
        match Errno::name(&self) {
            Some(n) => Cow::Borrowed(n),
            None => Cow::Owned(format!("E{}", self.into_raw())),
        }
    }
    /// Exactly what [`NameSet::to_name`] writes: a canonical name, or `E` and a number this
    /// build does not name.
    fn from_name(s: &str) -> Option<Self> {
        if let Some(&e) = by_name().get(s) {
            return Some(e);
        }
        let n: i32 = s.strip_prefix('E')?.parse().ok()?;
        let e = Errno::new(n);
        ((1..=MAX_ERRNO).contains(&n) && Errno::name(&e).is_none() && !s[1..].starts_with('0'))
            .then_some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_range_names_and_parsing() {
        assert_eq!(error_of(-2), Some(Errno::ENOENT));
        assert_eq!(error_of(-4096), None);
        assert_eq!(error_of(3), None);
        assert_eq!(error_of(0), None);
        assert_eq!(NameSet::to_name(Errno::ENOENT), "ENOENT");
        assert_eq!(NameSet::to_name(Errno::new(1234)), "E1234");
        assert_eq!(Errno::from_name("E1234"), Some(Errno::new(1234)));
        assert_eq!(Errno::from_name("E2"), None, "2 has a name: ENOENT");
        assert_eq!(
            Errno::from_name("enoent"),
            None,
            "the trace writes names exactly"
        );
        assert_eq!(
            ErrnoName::parse("EFUTURE"),
            Named::Unknown("EFUTURE".into())
        );
        assert_eq!(parse_errno("enoent"), Some(Errno::ENOENT));
        assert_eq!(parse_errno("2"), Some(Errno::ENOENT));
        assert_eq!(parse_errno("EWOULDBLOCK"), Some(Errno::EAGAIN));
        assert_eq!(parse_errno("ENOTSUP"), Some(Errno::EOPNOTSUPP));
        assert_eq!(
            parse_errno("512").and_then(|e| Errno::name(&e)),
            Some("ERESTARTSYS")
        );
        assert_eq!(parse_errno("ENOSUCH"), None);
        assert_eq!(parse_errno("0"), None);
        assert_eq!(parse_errno("-1"), None);
        assert_eq!(description(Errno::ENOENT), "No such file or directory");
        assert_eq!(
            description(Errno::EAGAIN),
            "Resource temporarily unavailable"
        );
        assert_eq!(
            description(Errno::new(512)),
            Errno::new(512).description().unwrap(),
            "glibc has no text for ERESTARTSYS"
        );
    }
}
