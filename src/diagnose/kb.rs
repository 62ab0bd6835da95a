//! The knowledge base: (syscall, errno) -> our explanation and the manual page.

/// One explanation.
#[derive(Clone, Copy, Debug)]
pub struct Explanation {
    /// What the errno means for this call, in our words.
    pub text: &'static str,
    /// Manual page, e.g. `connect(2)`.
    pub man: &'static str,
}

/// The explanation of `errno` (name, e.g. `ENOENT`) for `syscall`, falling back to the
/// errno's generic entry.
pub fn explain(_syscall: &str, _errno: &str) -> Option<Explanation> {
    None
}
