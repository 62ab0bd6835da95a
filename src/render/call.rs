//! Decoded call → strace -yy style argument text (placeholder until the decoders land).

use crate::decode::{Arg, Decoded};

/// The arguments as text, every tracee byte escaped.
pub fn render_args(d: &Decoded) -> Vec<String> {
    d.args
        .iter()
        .map(|a| match a {
            Arg::Int(i) => i.to_string(),
            Arg::Ptr(0) => "NULL".to_owned(),
            Arg::Ptr(p) => format!("{p:#x}"),
            Arg::Fd(fd) => fd.to_string(),
            Arg::Text(t) => t.clone(),
        })
        .collect()
}

/// The decorated return value, when it says more than the number.
pub fn render_ret_text(_d: &Decoded) -> Option<String> {
    None
}
