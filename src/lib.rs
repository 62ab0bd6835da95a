//! sockwhy: trace a program's UNIX-domain socket calls and explain each failure.
//!
//! Flow, one direction: `tracer` (ptrace) → `decode` (pure) → `probe` (live facts at the
//! failure) → `diagnose` (pure rules) → sinks (`sink`, `tui`). See ARCHITECTURE.md.
#![deny(unsafe_code)]

pub mod app;
pub mod decode;
pub mod diagnose;
pub mod model;
pub mod probe;
pub mod render;
pub mod scenario;
pub mod sink;
pub mod stack;
pub mod tracer;
pub mod tui;
