//! The seccomp-bpf filter installed in a spawned child before exec: the traced calls
//! return SECCOMP_RET_TRACE (a ptrace stop), everything else runs without stopping.

use syscalls::SysnoSet;

/// AUDIT_ARCH_X86_64 (linux/audit.h): EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
// Offsets in struct seccomp_data.
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
// Classic BPF opcodes (linux/filter.h).
const BPF_LD_W_ABS: u16 = 0x20; // BPF_LD (0) | BPF_W (0) | BPF_ABS (0x20)
const BPF_JEQ_K: u16 = 0x05 | 0x10; // BPF_JMP | BPF_JEQ | BPF_K
const BPF_RET_K: u16 = 0x06; // BPF_RET | BPF_K
const SECCOMP_RET_TRACE: u32 = 0x7ff0_0000;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;

/// One BPF instruction, laid out as `struct sock_filter`.
pub type Insn = libc::sock_filter;

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

/// Build the filter program for `traced`.
///
/// A foreign architecture (a 32-bit `int 0x80` call, whose numbers differ) is always
/// traced: the tracer then sees it and can say it does not decode it, rather than
/// letting an unknown call run unseen.
pub fn build_filter(traced: &SysnoSet) -> Vec<Insn> {
    let nrs: Vec<u32> = traced.iter().map(|s| s.id() as u32).collect();
    let mut prog = vec![
        stmt(BPF_LD_W_ABS, OFF_ARCH),
        jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        stmt(BPF_RET_K, SECCOMP_RET_TRACE),
        stmt(BPF_LD_W_ABS, OFF_NR),
    ];
    // One compare per call: at most ~30 calls, so a linear scan is cheaper to reason
    // about than a jump tree and still a few nanoseconds per syscall.
    let n = nrs.len();
    for (i, nr) in nrs.iter().enumerate() {
        // On match jump to the RET_TRACE after the list: skip the rest of the list plus ALLOW.
        let to_trace = (n - i - 1 + 1) as u8;
        prog.push(jump(BPF_JEQ_K, *nr, to_trace, 0));
    }
    prog.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
    prog.push(stmt(BPF_RET_K, SECCOMP_RET_TRACE));
    prog
}

#[cfg(test)]
mod tests {
    use super::*;
    use syscalls::Sysno;

    #[test]
    fn every_traced_call_jumps_to_trace() {
        let mut set = SysnoSet::empty();
        set.insert(Sysno::connect);
        set.insert(Sysno::bind);
        let p = build_filter(&set);
        let trace_at = p.len() - 1;
        assert_eq!(p[trace_at].k, SECCOMP_RET_TRACE);
        assert_eq!(p[trace_at - 1].k, SECCOMP_RET_ALLOW);
        for (i, insn) in p.iter().enumerate().skip(4).take(2) {
            assert_eq!(i + 1 + insn.jt as usize, trace_at, "insn {i}");
        }
    }
}
