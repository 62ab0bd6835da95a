//! The streaming text trace.
