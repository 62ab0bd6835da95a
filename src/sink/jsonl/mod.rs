//! The JSON Lines trace (format in docs/trace-format.md): one `model::Record` per line.
//! The only module that uses serde_json.

pub mod read;
pub mod write;

#[cfg(test)]
mod tests;
