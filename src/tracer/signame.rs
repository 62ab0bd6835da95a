//! Signal names as strace prints them, for any signal number: the real-time signals are
//! named by the kernel's numbering (SIGRTMIN is 32, SIGRT_1 is 33, ...), since a tracer
//! cannot know where the traced program's C library starts its own SIGRTMIN (glibc
//! keeps 32 and 33 for itself and starts at 34; its SIGRTMIN+3 is strace's SIGRT_5).

use super::stop::SigNum;

/// `SIGTERM`, `SIGRTMIN`, `SIGRT_2`; the number for one Linux does not have.
pub fn signal_name(sig: SigNum) -> String {
    const KERNEL_SIGRTMIN: SigNum = 32;
    match nix::sys::signal::Signal::try_from(sig) {
        Ok(s) => s.as_str().to_owned(),
        Err(_) if sig == KERNEL_SIGRTMIN => "SIGRTMIN".to_owned(),
        Err(_) if (KERNEL_SIGRTMIN + 1..=libc::SIGRTMAX()).contains(&sig) => {
            format!("SIGRT_{}", sig - KERNEL_SIGRTMIN)
        }
        Err(_) => format!("signal {sig}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_strace_prints_them() {
        assert_eq!(signal_name(libc::SIGTERM), "SIGTERM");
        assert_eq!(signal_name(32), "SIGRTMIN");
        assert_eq!(signal_name(33), "SIGRT_1");
        // bash's `kill -RTMIN+3` (glibc's SIGRTMIN is 34): strace says SIGRT_5.
        assert_eq!(signal_name(libc::SIGRTMIN() + 3), "SIGRT_5");
        assert_eq!(signal_name(64), "SIGRT_32");
        assert_eq!(signal_name(65), "signal 65");
    }
}
