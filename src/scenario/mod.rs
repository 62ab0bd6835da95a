//! Bundled misbehaving programs: each makes the kernel produce one failure for real.
//! Run as `sockwhy __scenario NAME` (hidden), traced by `sockwhy demo NAME` and the tests.

/// Run scenario `name` in this process; returns the process exit code.
pub fn run(name: &str, _args: &[String]) -> Result<i32, String> {
    Err(format!("unknown scenario {name:?}"))
}

/// (name, one-line description) of every scenario, for `sockwhy demo --list`.
pub fn list() -> Vec<(&'static str, &'static str)> {
    Vec::new()
}
