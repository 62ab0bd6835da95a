//! The seccomp-bpf filter installed in a spawned child before exec: the traced calls
//! return SECCOMP_RET_TRACE (a ptrace stop), everything else runs without stopping.
//!
//! Some calls are traced only for some arguments, checked in the filter itself so the
//! others never stop: fcntl only for F_DUPFD/F_DUPFD_CLOEXEC (the commands that make a
//! new fd; F_GETFL and friends are frequent and irrelevant), and socket/socketpair only
//! for AF_UNIX unless every family is reported.

use syscalls::{Sysno, SysnoSet};

use super::arch::AUDIT_ARCH;
// Offsets in struct seccomp_data: nr, arch, instruction_pointer, args[6] (u64 each; the
// low 32 bits first on little-endian, which is all an int argument uses).
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const fn off_arg_low(i: u32) -> u32 {
    16 + 8 * i
}
// Classic BPF opcodes (linux/filter.h).
const BPF_LD_W_ABS: u16 = 0x20; // BPF_LD (0) | BPF_W (0) | BPF_ABS (0x20)
const BPF_JEQ_K: u16 = 0x05 | 0x10; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_RET_K: u16 = 0x06; // BPF_RET | BPF_K
const SECCOMP_RET_TRACE: u32 = 0x7ff0_0000;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;

/// One BPF instruction, laid out as `struct sock_filter`.
pub type Insn = libc::sock_filter;

/// A call that is traced only when one argument has one of some values.
struct ArgCheck {
    sys: Sysno,
    arg: u32,
    values: Vec<u32>,
}

/// Where a jump goes, resolved once the program is laid out.
#[derive(Clone, Copy)]
enum Target {
    Trace,
    Block(usize),
}

/// Build the filter program for `traced`; `unix_only` keeps socket()/socketpair() of
/// other families from stopping.
///
/// A foreign architecture (a 32-bit `int 0x80` call, whose numbers differ) is always
/// traced: the tracer then sees it and can say it does not decode it, rather than
/// letting an unknown call run unseen.
pub fn build_filter(traced: &SysnoSet, unix_only: bool) -> Vec<Insn> {
    let mut checks = vec![ArgCheck {
        sys: Sysno::fcntl,
        arg: 1,
        values: vec![libc::F_DUPFD as u32, libc::F_DUPFD_CLOEXEC as u32],
    }];
    if unix_only {
        for sys in [Sysno::socket, Sysno::socketpair] {
            checks.push(ArgCheck {
                sys,
                arg: 0,
                values: vec![libc::AF_UNIX as u32],
            });
        }
    }
    checks.retain(|c| traced.contains(c.sys));
    let plain: Vec<Sysno> = traced
        .iter()
        .filter(|s| !checks.iter().any(|c| c.sys == *s))
        .collect();

    // Layout: header, one compare per call, ALLOW, one block per check (each ending in
    // its own ALLOW), and TRACE last, since classic BPF only jumps forward.
    let header = 4;
    let compares = plain.len() + checks.len();
    let allow_at = header + compares;
    let mut block_at = Vec::new();
    let mut at = allow_at + 1;
    for c in &checks {
        block_at.push(at);
        at += 1 + c.values.len() + 1; // load, compares, ALLOW
    }
    let trace_at = at;
    let jump_to = |from: usize, t: Target| -> u8 {
        let to = match t {
            Target::Trace => trace_at,
            Target::Block(i) => block_at[i],
        };
        // Classic BPF jumps are relative to the next instruction, forward, 8 bits.
        u8::try_from(to - from - 1).expect("seccomp filter too long for 8-bit jumps")
    };

    let mut prog = vec![
        stmt(BPF_LD_W_ABS, OFF_ARCH),
        jump(BPF_JEQ_K, AUDIT_ARCH, 1, 0),
        stmt(BPF_RET_K, SECCOMP_RET_TRACE),
        stmt(BPF_LD_W_ABS, OFF_NR),
    ];
    let targets = plain.iter().map(|s| (*s, Target::Trace)).chain(
        checks
            .iter()
            .enumerate()
            .map(|(i, c)| (c.sys, Target::Block(i))),
    );
    for (sys, t) in targets {
        let here = prog.len();
        prog.push(jump(BPF_JEQ_K, sys.id() as u32, jump_to(here, t), 0));
    }
    prog.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
    for c in &checks {
        prog.push(stmt(BPF_LD_W_ABS, off_arg_low(c.arg)));
        for v in &c.values {
            let here = prog.len();
            prog.push(jump(BPF_JEQ_K, *v, jump_to(here, Target::Trace), 0));
        }
        prog.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
    }
    debug_assert_eq!(prog.len(), trace_at);
    prog.push(stmt(BPF_RET_K, SECCOMP_RET_TRACE));
    prog
}

fn stmt(code: u16, k: u32) -> Insn {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Insn {
    libc::sock_filter { code, jt, jf, k }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run the program on one call, as the kernel would (the subset of BPF we emit).
    fn run(prog: &[Insn], arch: u32, nr: Sysno, args: [u64; 6]) -> u32 {
        let mut data = Vec::new();
        data.extend_from_slice(&(nr.id() as u32).to_le_bytes());
        data.extend_from_slice(&arch.to_le_bytes());
        data.extend_from_slice(&0u64.to_le_bytes());
        for a in args {
            data.extend_from_slice(&a.to_le_bytes());
        }
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let i = prog[pc];
            match i.code {
                BPF_LD_W_ABS => {
                    let o = i.k as usize;
                    acc = u32::from_le_bytes(data[o..o + 4].try_into().unwrap());
                    pc += 1;
                }
                BPF_JEQ_K => {
                    pc += 1 + if acc == i.k {
                        i.jt as usize
                    } else {
                        i.jf as usize
                    }
                }
                BPF_RET_K => return i.k,
                c => panic!("unexpected opcode {c:#x}"),
            }
        }
    }

    fn set(calls: &[Sysno]) -> SysnoSet {
        let mut s = SysnoSet::empty();
        for c in calls {
            s.insert(*c);
        }
        s
    }

    #[test]
    fn traced_calls_stop_and_others_run() {
        let p = build_filter(&set(&[Sysno::connect, Sysno::bind, Sysno::write]), true);
        let x = AUDIT_ARCH;
        assert_eq!(
            run(&p, x, Sysno::connect, [3, 0, 0, 0, 0, 0]),
            SECCOMP_RET_TRACE
        );
        assert_eq!(
            run(&p, x, Sysno::write, [1, 0, 0, 0, 0, 0]),
            SECCOMP_RET_TRACE
        );
        assert_eq!(run(&p, x, Sysno::getpid, [0; 6]), SECCOMP_RET_ALLOW);
        assert_eq!(run(&p, x, Sysno::read, [0; 6]), SECCOMP_RET_ALLOW);
        // A 32-bit call is always shown to the tracer.
        assert_eq!(
            run(&p, 0x4000_0003, Sysno::getpid, [0; 6]),
            SECCOMP_RET_TRACE
        );
    }

    #[test]
    fn fcntl_stops_only_for_the_commands_that_make_an_fd() {
        let p = build_filter(&set(&[Sysno::connect, Sysno::fcntl]), true);
        let x = AUDIT_ARCH;
        let f = |cmd: i32| run(&p, x, Sysno::fcntl, [3, cmd as u64, 0, 0, 0, 0]);
        assert_eq!(f(libc::F_DUPFD), SECCOMP_RET_TRACE);
        assert_eq!(f(libc::F_DUPFD_CLOEXEC), SECCOMP_RET_TRACE);
        assert_eq!(f(libc::F_GETFL), SECCOMP_RET_ALLOW);
        assert_eq!(f(libc::F_SETFD), SECCOMP_RET_ALLOW);
        assert_eq!(
            run(&p, x, Sysno::connect, [3, 0, 0, 0, 0, 0]),
            SECCOMP_RET_TRACE
        );
    }

    #[test]
    fn socket_stops_only_for_af_unix_unless_all_families() {
        let calls = set(&[Sysno::socket, Sysno::socketpair, Sysno::fcntl, Sysno::close]);
        let x = AUDIT_ARCH;
        let unix_only = build_filter(&calls, true);
        let all = build_filter(&calls, false);
        for sys in [Sysno::socket, Sysno::socketpair] {
            let unix = [libc::AF_UNIX as u64, 1, 0, 0, 0, 0];
            let inet = [libc::AF_INET as u64, 1, 0, 0, 0, 0];
            assert_eq!(run(&unix_only, x, sys, unix), SECCOMP_RET_TRACE);
            assert_eq!(run(&unix_only, x, sys, inet), SECCOMP_RET_ALLOW);
            assert_eq!(run(&all, x, sys, inet), SECCOMP_RET_TRACE);
        }
        assert_eq!(
            run(&unix_only, x, Sysno::close, [3, 0, 0, 0, 0, 0]),
            SECCOMP_RET_TRACE
        );
        assert_eq!(
            run(&unix_only, x, Sysno::fcntl, [3, 3, 0, 0, 0, 0]),
            SECCOMP_RET_ALLOW
        );
    }
}
