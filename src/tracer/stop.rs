//! A stopped tracee, held by the tracer thread. Every request that needs a stopped task
//! takes a `&Stop`, and resuming or detaching consumes it, so none can be made on a task
//! that is running again (tracexec's guard). Requests are raw ptrace(2) calls because a
//! signal to deliver may be any number, real-time ones included, which nix's `Signal`
//! cannot hold.
#![allow(unsafe_code)]

use crate::model::Tid;
use nix::errno::Errno;
use std::marker::PhantomData;
use std::time::Instant;

/// A signal number: 1..=64 on Linux, real-time signals included.
pub type SigNum = i32;

/// How to let a stopped task run again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// Until the next ptrace event, signal, or seccomp stop (PTRACE_CONT).
    Cont,
    /// As `Cont`, and also at the next syscall entry or exit (PTRACE_SYSCALL).
    Syscall,
    /// One instruction (PTRACE_SINGLESTEP): from a signal-delivery-stop of a caught
    /// signal, the task stops again at the handler's first instruction.
    Step,
}

impl Resume {
    fn request(self) -> (libc::c_uint, &'static str) {
        match self {
            Resume::Cont => (libc::PTRACE_CONT, "PTRACE_CONT"),
            Resume::Syscall => (libc::PTRACE_SYSCALL, "PTRACE_SYSCALL"),
            Resume::Step => (libc::PTRACE_SINGLESTEP, "PTRACE_SINGLESTEP"),
        }
    }
}

/// A ptrace request that failed, for a warning naming the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestError {
    /// PTRACE_CONT, ...
    pub request: &'static str,
    /// What the kernel said.
    pub errno: Errno,
}

/// A task in a ptrace stop. Made only by the wait loop (`wait.rs`) from a status that
/// says the task stopped; not `Send`, since ptrace requests must come from the tracer
/// thread.
#[must_use = "a stop that is not resumed leaves the tracee stopped"]
pub struct Stop {
    tid: Tid,
    since: Instant,
    _tracer_thread_only: PhantomData<*const ()>,
}

impl Stop {
    /// The stop waitpid just reported for `tid`.
    pub(super) fn new(tid: Tid) -> Stop {
        Stop {
            tid,
            since: Instant::now(),
            _tracer_thread_only: PhantomData,
        }
    }

    /// The stopped thread.
    pub fn tid(&self) -> Tid {
        self.tid
    }

    /// PTRACE_GETEVENTMSG: the new task's id at a fork/clone event, the former id at exec.
    pub fn event_msg(&self) -> Result<u64, RequestError> {
        let mut msg: libc::c_ulong = 0;
        // SAFETY: GETEVENTMSG writes one unsigned long to the valid pointer `data`.
        let r = unsafe {
            libc::ptrace(
                libc::PTRACE_GETEVENTMSG,
                self.tid,
                0usize,
                &mut msg as *mut libc::c_ulong,
            )
        };
        check(r, "PTRACE_GETEVENTMSG").map(|()| msg as u64)
    }

    /// Read up to `len` bytes of the stopped task's memory at `addr` (see `memory`).
    pub fn read_mem(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        super::memory::read_tracee(self.tid, addr, len)
    }

    /// Read one native-endian u64 at `addr`.
    pub fn read_u64(&self, addr: u64) -> Option<u64> {
        let b = self.read_mem(addr, 8)?;
        Some(u64::from_ne_bytes(b.get(..8)?.try_into().ok()?))
    }

    /// Let the task run, delivering `sig` (0 for none). Returns how long it was stopped
    /// (up to the request).
    pub fn resume(self, how: Resume, sig: SigNum) -> Result<u64, RequestError> {
        let (req, name) = how.request();
        self.finish(req, name, sig)
    }

    /// PTRACE_DETACH, delivering `sig`: the task runs on untraced.
    pub fn detach(self, sig: SigNum) -> Result<u64, RequestError> {
        self.finish(libc::PTRACE_DETACH, "PTRACE_DETACH", sig)
    }

    /// PTRACE_LISTEN: leave a seized task in its group-stop, as without a tracer, while
    /// still being told when it is continued.
    pub fn listen(self) -> Result<u64, RequestError> {
        self.finish(libc::PTRACE_LISTEN, "PTRACE_LISTEN", 0)
    }

    fn finish(
        self,
        req: libc::c_uint,
        name: &'static str,
        sig: SigNum,
    ) -> Result<u64, RequestError> {
        let tid = self.tid;
        // Stopped time runs from waitpid's report to the request that ends the stop.
        let ns = self.since.elapsed().as_nanos() as u64;
        // Consumed: the request below is the one that ends the stop, not Drop's.
        std::mem::forget(self);
        check(raw_request(req, tid, sig), name).map(|()| ns)
    }
}

impl Drop for Stop {
    /// Only reached if a stop was dropped without being resumed, which is a bug; never
    /// leave the tracee stopped because of it.
    fn drop(&mut self) {
        debug_assert!(
            std::thread::panicking(),
            "stop of tid {} dropped without resuming",
            self.tid
        );
        raw_request(libc::PTRACE_SYSCALL, self.tid, 0);
    }
}

fn raw_request(req: libc::c_uint, tid: Tid, sig: SigNum) -> libc::c_long {
    // SAFETY: these requests take no pointer; `data` is the signal number to deliver.
    unsafe { libc::ptrace(req, tid, 0usize, sig as libc::c_ulong) }
}

fn check(r: libc::c_long, request: &'static str) -> Result<(), RequestError> {
    if r == -1 {
        Err(RequestError {
            request,
            errno: Errno::last(),
        })
    } else {
        Ok(())
    }
}

/// PTRACE_INTERRUPT: make a running seized task stop (PTRACE_EVENT_STOP); the one request
/// that is made on a running task.
pub fn interrupt(tid: Tid) -> Result<(), RequestError> {
    check(
        raw_request(libc::PTRACE_INTERRUPT, tid, 0),
        "PTRACE_INTERRUPT",
    )
}
