//! Output sinks: the text trace, the JSON Lines trace, and reports.

pub mod jsonl;
pub mod summary;
pub mod text;
