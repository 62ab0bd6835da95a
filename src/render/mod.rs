//! From data to text for people: escaping of tracee bytes, the strace-like line, colours.

pub mod call;
pub mod clock;
pub mod escape;
pub mod line;
pub mod stack;

#[cfg(test)]
mod tests;
