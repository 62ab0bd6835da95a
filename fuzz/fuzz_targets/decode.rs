//! Fuzz the pure decoders over arbitrary tracee memory: the sockaddr and cmsg walkers
//! directly, and whole calls (entry, exit, rendering) with registers pointing into the
//! input. Every rendered string must be terminal-safe; nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sockwhy::decode::mem::BufTracee;
use sockwhy::decode::msghdr::decode_cmsgs;
use sockwhy::decode::sockaddr::decode_sockaddr;
use sockwhy::decode::{DecodeOpts, Dir, decode_entry, decode_exit};
use sockwhy::model::traced::{FD_CHANGING_CALLS, FD_IO_CALLS, SOCKET_CALLS};
use sockwhy::model::{ByteString, SockId, UnixName};
use sockwhy::render::call::{Ids, render_args, render_ret_text};
use sockwhy::render::escape::is_terminal_safe;
use syscalls::Sysno;

const BASE: u64 = 0x7f00_0000_0000;

fn u64_at(d: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    for (i, b) in a.iter_mut().enumerate() {
        *b = d.get(at + i).copied().unwrap_or(0);
    }
    u64::from_le_bytes(a)
}

fn check(s: &str) {
    assert!(is_terminal_safe(s), "not terminal-safe: {s:?}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => {
            // A sockaddr of a chosen length, read either way.
            let len = u64_at(rest, 0) as u32 % 300;
            let bytes = rest.get(4..).unwrap_or_default();
            for dir in [Dir::In, Dir::Out] {
                if let Some(a) = decode_sockaddr(bytes, len, dir) {
                    check(&sockwhy::render::call::render_addr(&a));
                    for p in &a.addr.problems {
                        check(p);
                    }
                }
            }
        }
        1 => {
            // Control data with an arbitrary msg_controllen.
            let controllen = u64_at(rest, 0);
            let buf = rest.get(8..).unwrap_or_default();
            let items = decode_cmsgs(buf, controllen);
            assert!(items.len() <= sockwhy::decode::msghdr::CMSG_MAX);
        }
        _ => {
            // A whole call: 1 byte call, 6 registers, ret, strsize, then memory.
            if rest.len() < 1 + 8 * 8 + 1 {
                return;
            }
            // Every call the tracer can hand to the decoders.
            let calls: Vec<Sysno> = SOCKET_CALLS
                .iter()
                .chain(FD_IO_CALLS)
                .chain(FD_CHANGING_CALLS)
                .copied()
                .collect();
            let sys = calls[rest[0] as usize % calls.len()];
            let mem = &rest[66..];
            let mut regs = [0u64; 6];
            for (i, r) in regs.iter_mut().enumerate() {
                let v = u64_at(rest, 1 + 8 * i);
                // Even: a pointer into (or just past) the memory; odd: a raw value.
                *r = if v & 1 == 0 {
                    BASE + (v >> 1) % (mem.len() as u64 + 16)
                } else {
                    v >> 1
                };
            }
            let ret_raw = u64_at(rest, 49) as i64;
            let ret = if ret_raw & 1 == 0 {
                (ret_raw >> 1) % 4096 - 4095
            } else {
                (ret_raw >> 1) % 0x10000
            };
            let strsize = rest[57] as usize;
            let o = DecodeOpts { strsize };
            let mut t = BufTracee::new(BASE);
            t.mem = mem.to_vec();
            // Some fds have identities with hostile names taken from the input.
            for fd in 0..8 {
                let name = mem
                    .get(fd as usize * 3..fd as usize * 3 + 12)
                    .unwrap_or(b"\x1b[2J");
                t.ids.insert(
                    fd,
                    SockId {
                        fd,
                        proto: if fd % 2 == 0 {
                            "UNIX-STREAM".into()
                        } else {
                            "file".into()
                        },
                        inode: fd as u64,
                        peer: Some(7),
                        path: UnixName::from_sun_path(name),
                        peer_path: UnixName::Unnamed,
                        target: Some(ByteString::from(name)),
                    },
                );
            }
            let e = decode_entry(sys, regs, &mut t, &o);
            let d = decode_exit(e, ret, &mut t, &o);
            // As the tracer and the pipeline split and render it.
            let mut ev = Default::default();
            let args = d.into_event(&mut ev);
            for a in render_args(&args, Ids(&ev.fds)) {
                check(&a);
            }
            if let Some(r) = render_ret_text(&args, Ids(&ev.fds)) {
                check(&r);
            }
            for p in ev.addr.iter().flat_map(|a| a.problems.iter()) {
                check(p);
            }
            for m in &ev.msgs {
                assert!(m.iov.len() <= 1024);
                for c in &m.cmsgs {
                    if let sockwhy::model::Cmsg::Malformed { reason, .. } = c {
                        check(reason);
                    }
                }
            }
        }
    }
});
