//! Output sinks: the text trace, the JSON Lines trace, reports and the summary table.

pub mod jsonl;
pub mod outfile;
pub mod report;
pub mod summary;
pub mod text;
