//! What differs between CPU architectures, in one place: the audit arch of native calls,
//! the registers that skip a call or set its result, the length of the syscall
//! instruction (a restarted call re-runs it), and where a signal frame keeps the
//! registers the handler's return restores. Another architecture is one more file here.

#[cfg(target_arch = "x86_64")]
mod x86_64;
#[cfg(target_arch = "x86_64")]
pub use x86_64::*;

#[cfg(not(target_arch = "x86_64"))]
compile_error!(
    "sockwhy's tracer knows only x86_64: add src/tracer/arch/<arch>.rs with what x86_64.rs provides"
);
