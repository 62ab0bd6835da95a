//! `--same-cpu`: the tracer thread and the traced command on one CPU. Most of a ptrace
//! stop's cost on a small machine is waking the other side on another CPU; on one CPU
//! the tracee and the tracer hand it to each other. The command is forked from the
//! tracer thread after the pin, so it inherits the one-CPU mask, and so does everything
//! it starts: a program that wants several CPUs gets one.

use nix::sched::{CpuSet, sched_getaffinity, sched_getcpu, sched_setaffinity};
use nix::unistd::Pid;

/// How many CPUs the calling thread may run on (1 when that cannot be read: the safe
/// answer for `spin.rs`).
pub fn usable() -> usize {
    sched_getaffinity(Pid::from_raw(0)).map_or(1, |set| {
        (0..CpuSet::count())
            .filter(|&c| set.is_set(c).unwrap_or(false))
            .count()
    })
}

/// Pin the calling thread to one CPU it may run on (the one it runs on now, if allowed);
/// returns that CPU.
pub fn pin_here() -> Result<usize, String> {
    let me = Pid::from_raw(0);
    let allowed = sched_getaffinity(me).map_err(|e| format!("sched_getaffinity: {e}"))?;
    let cpu = sched_getcpu()
        .ok()
        .filter(|&c| allowed.is_set(c).unwrap_or(false))
        .or_else(|| (0..CpuSet::count()).find(|&c| allowed.is_set(c).unwrap_or(false)))
        .ok_or("no CPU in the affinity mask")?;
    let mut one = CpuSet::new();
    one.set(cpu).map_err(|e| format!("CPU {cpu}: {e}"))?;
    sched_setaffinity(me, &one).map_err(|e| format!("sched_setaffinity: {e}"))?;
    Ok(cpu)
}
