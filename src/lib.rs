//! sockwhy: trace a program's UNIX-domain socket calls and explain each failure.
//!
//! Flow, one direction: `tracer` (ptrace) → `decode` (pure) → `probe` (live facts at the
//! failure, the ones `kb` names) → `diagnose` (pure rules) → sinks (`sink`, `tui`), with
//! `app::pipeline` between the tracer and the sinks. See ARCHITECTURE.md.
#![deny(unsafe_code)]

pub mod app;
pub mod decode;
pub mod diagnose;
pub mod kb;
pub mod model;
pub mod probe;
pub mod render;
pub mod scenario;
pub mod sink;
pub mod stack;
pub mod tracer;
pub mod tui;
