//! From the raw kernel return value to what the program sees.

use syscalls::Errno;

/// The kernel-internal restart codes (include/linux/errno.h), never seen by programs.
const ERESTARTSYS: i64 = 512;
const ERESTARTNOINTR: i64 = 513;
const ERESTARTNOHAND: i64 = 514;
const ERESTART_RESTARTBLOCK: i64 = 516;

/// What a syscall's result means for the program.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Success with this value.
    Success(i64),
    /// Failure with this errno name.
    Error(String),
    /// Interrupted by a signal: the exit stop shows a restart code; `sees` is the errno
    /// the program gets if the call is not restarted (None: it is always restarted).
    Restart {
        /// ERESTARTSYS, ...
        restart: &'static str,
        /// EINTR, or None for ERESTARTNOINTR.
        sees: Option<&'static str>,
    },
}

/// Interpret a raw return value: errors are exactly -4095..-1 (not "any negative", which
/// would misread large unsigned results such as addresses).
pub fn kernel_result(rval: i64) -> Outcome {
    if !(-4095..0).contains(&rval) {
        return Outcome::Success(rval);
    }
    let e = -rval;
    match e {
        ERESTARTSYS => Outcome::Restart {
            restart: "ERESTARTSYS",
            sees: Some("EINTR"),
        },
        ERESTARTNOINTR => Outcome::Restart {
            restart: "ERESTARTNOINTR",
            sees: None,
        },
        ERESTARTNOHAND => Outcome::Restart {
            restart: "ERESTARTNOHAND",
            sees: Some("EINTR"),
        },
        ERESTART_RESTARTBLOCK => Outcome::Restart {
            restart: "ERESTART_RESTARTBLOCK",
            sees: Some("EINTR"),
        },
        _ => Outcome::Error(errno_name(e as i32)),
    }
}

/// `ENOENT` for 2; the number for an errno this build does not name.
pub fn errno_name(e: i32) -> String {
    Errno::new(e)
        .name()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("E{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_range_and_restarts() {
        assert_eq!(kernel_result(3), Outcome::Success(3));
        assert_eq!(kernel_result(-2), Outcome::Error("ENOENT".into()));
        assert_eq!(kernel_result(-4096), Outcome::Success(-4096));
        assert_eq!(
            kernel_result(-512),
            Outcome::Restart {
                restart: "ERESTARTSYS",
                sees: Some("EINTR")
            }
        );
        assert_eq!(
            kernel_result(-513),
            Outcome::Restart {
                restart: "ERESTARTNOINTR",
                sees: None
            }
        );
    }
}
