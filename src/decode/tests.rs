//! Decoder tests over a fake tracee: each case builds the memory a real program would
//! pass, decodes entry and exit, and compares the rendered line with what strace 6.1
//! `-yy` prints for the same call (checked by hand on C programs).

use super::mem::BufTracee;
use super::*;
use crate::model::AddrKind;
use crate::render::call::{render_args, render_ret_text};
use crate::render::escape::is_terminal_safe;

const BASE: u64 = 0x7ffd_0000_0000;

fn sock(fd: Fd, proto: &str, inode: u64, peer: Option<u64>, path: Option<&[u8]>) -> SockId {
    SockId {
        fd,
        proto: proto.to_string(),
        inode,
        peer,
        path: path.map(ByteString::from),
        peer_path: None,
        target: None,
    }
}

fn run(t: &mut BufTracee, sys: Sysno, regs: [u64; 6], ret: i64) -> Decoded {
    run_s(t, sys, regs, ret, 32)
}

fn run_s(t: &mut BufTracee, sys: Sysno, regs: [u64; 6], ret: i64, strsize: usize) -> Decoded {
    let o = DecodeOpts { strsize };
    let e = decode_entry(sys, regs, t, &o);
    decode_exit(e, ret, t, &o)
}

fn line(d: &Decoded) -> String {
    let s = render_args(d).join(", ");
    assert!(is_terminal_safe(&s), "unsafe text: {s:?}");
    s
}

fn sun(path: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8; 110];
    v[..2].copy_from_slice(&(libc::AF_UNIX as u16).to_ne_bytes());
    v[2..2 + path.len()].copy_from_slice(path);
    v
}

const EINVAL: i64 = -(libc::EINVAL as i64);

#[test]
fn decode_socket_args_and_unknown_values() {
    let mut t = BufTracee::new(BASE);
    t.ids.insert(3, sock(3, "UNIX-STREAM", 92379, None, None));
    let ty = (libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK) as u64;
    let d = run(&mut t, Sysno::socket, [1, ty, 0, 0, 0, 0], 3);
    assert_eq!(
        line(&d),
        "AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0"
    );
    assert_eq!(
        render_ret_text(&d).as_deref(),
        Some("3<UNIX-STREAM:[92379]>")
    );
    assert_eq!(d.ret_fds, vec![3]);
    assert_eq!(d.fd, None);

    let d = run(&mut t, Sysno::socket, [1, 77 | 0x1000, 5, 0, 0, 0], EINVAL);
    assert_eq!(line(&d), "AF_UNIX, 0x104d /* SOCK_??? */, 5");
    assert_eq!(render_ret_text(&d), None);
    assert!(d.ret_fds.is_empty());
    let d = run(&mut t, Sysno::socket, [12345, 2, 0, 0, 0, 0], EINVAL);
    assert_eq!(line(&d), "0x3039 /* AF_??? */, SOCK_DGRAM, 0");
}

#[test]
fn decode_bind_path_with_identity() {
    let mut t = BufTracee::new(BASE);
    t.ids.insert(
        3,
        sock(3, "UNIX-STREAM", 48213, Some(48214), Some(b"/run/x.sock")),
    );
    let p = t.put(&sun(b"/run/x.sock"));
    let d = run(&mut t, Sysno::bind, [3, p, 110, 0, 0, 0], 0);
    assert_eq!(
        line(&d),
        "3<UNIX-STREAM:[48213->48214,\"/run/x.sock\"]>, \
         {sa_family=AF_UNIX, sun_path=\"/run/x.sock\"}, 110"
    );
    let a = d.addr.as_ref().unwrap();
    assert_eq!(a.kind, AddrKind::Path);
    assert_eq!(a.family, "AF_UNIX");
    assert_eq!(a.path.as_ref().unwrap().as_bytes(), b"/run/x.sock");
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(d.fd, Some(3));
    assert_eq!(d.fds.len(), 1);
}

#[test]
fn decode_connect_hostile_abstract_name_is_escaped() {
    let mut t = BufTracee::new(BASE);
    let name = b"\0abs\0x\x1b[31m\x1b]0;pwn\x07\xc2\x9b";
    t.ids
        .insert(3, sock(3, "UNIX-STREAM", 7, None, Some(b"\0\x1b[2Jsrv\"q")));
    let p = t.put(&sun(name));
    let len = 2 + name.len() as u64;
    let d = run(&mut t, Sysno::connect, [3, p, len, 0, 0, 0], -111);
    let s = line(&d);
    assert_eq!(
        s,
        "3<UNIX-STREAM:[7,@\"\\x1b[2Jsrv\\\"q\"]>, {sa_family=AF_UNIX, \
         sun_path=@\"abs\\x00x\\x1b[31m\\x1b]0;pwn\\x07\\xc2\\x9b\"}, 23"
    );
    let a = d.addr.unwrap();
    assert_eq!(a.kind, AddrKind::Abstract);
    assert_eq!(a.path.unwrap().as_bytes(), &name[1..]);
    assert!(a.problems.is_empty());
}

#[test]
fn decode_abstract_name_with_sizeof_addrlen_counts_trailing_nuls() {
    let mut t = BufTracee::new(BASE);
    let p = t.put(&sun(b"\0abs"));
    let d = run(&mut t, Sysno::connect, [3, p, 110, 0, 0, 0], -111);
    let a = d.addr.as_ref().unwrap();
    assert_eq!(a.path.as_ref().unwrap().len(), 107);
    assert_eq!(
        a.problems,
        vec![
            "abstract name \"abs\" ends in 104 NUL bytes that addrlen 110 counts \
             (a peer must use the same length)"
        ]
    );
    assert!(line(&d).contains("sun_path=@\"abs\\x00\\x00"));
}

#[test]
fn decode_unnamed_short_null_and_unreadable_addresses() {
    let mut t = BufTracee::new(BASE);
    let p = t.put(&sun(b"/tmp/sw/x.sock"));
    let d = run(&mut t, Sysno::bind, [3, p, 2, 0, 0, 0], 0);
    assert_eq!(line(&d), "3, {sa_family=AF_UNIX}, 2");
    assert_eq!(d.addr.unwrap().kind, AddrKind::Unnamed);

    let d = run(&mut t, Sysno::bind, [3, p, 1, 0, 0, 0], EINVAL);
    assert_eq!(line(&d), format!("3, {p:#x}, 1"));
    assert_eq!(
        d.addr.unwrap().problems,
        vec!["addrlen 1 is too short to hold even sa_family (2 bytes)"]
    );

    let d = run(&mut t, Sysno::bind, [3, 0, 0, 0, 0, 0], EINVAL);
    assert_eq!(line(&d), "3, NULL, 0");
    assert_eq!(d.addr, None);

    let d = run(
        &mut t,
        Sysno::bind,
        [3, 8, 110, 0, 0, 0],
        -(libc::EFAULT as i64),
    );
    assert_eq!(line(&d), "3, 0x8, 110");
    assert_eq!(
        d.addr.unwrap().problems,
        vec!["the address at 0x8 is not readable memory"]
    );

    // Only part of the address is mapped: decode what is there and say so.
    let mut t = BufTracee::new(BASE);
    let p = t.put(&sun(b"/a")[..6]);
    let d = run(
        &mut t,
        Sysno::connect,
        [3, p, 110, 0, 0, 0],
        -(libc::EFAULT as i64),
    );
    assert_eq!(
        line(&d),
        format!("3, {{sa_family=AF_UNIX, sun_path=\"/a\"}}, 110")
    );
    assert_eq!(
        d.addr.unwrap().problems,
        vec!["only 6 of the 110 address bytes are readable"]
    );
}

#[test]
fn decode_overlong_and_unterminated_sun_path() {
    let mut t = BufTracee::new(BASE);
    let mut big = vec![b'A'; 200];
    big[..2].copy_from_slice(&1u16.to_ne_bytes());
    let p = t.put(&big);
    let d = run(&mut t, Sysno::bind, [3, p, 200, 0, 0, 0], EINVAL);
    assert_eq!(
        line(&d),
        format!(
            "3, {{sa_family=AF_UNIX, sun_path=\"{}\"}}, 200",
            "A".repeat(108)
        )
    );
    assert_eq!(
        d.addr.unwrap().problems,
        vec![
            "addrlen 200 exceeds sizeof(struct sockaddr_un) 110",
            "sun_path is at least 126 bytes, more than the 108 it holds",
        ]
    );

    // A 120-byte path followed by its NUL, with addrlen covering it.
    let mut t = BufTracee::new(BASE);
    let mut a = vec![b'p'; 123];
    a[..2].copy_from_slice(&1u16.to_ne_bytes());
    a[122] = 0;
    let p = t.put(&a);
    let d = run(&mut t, Sysno::connect, [3, p, 123, 0, 0, 0], EINVAL);
    assert_eq!(
        d.addr.unwrap().problems,
        vec![
            "addrlen 123 exceeds sizeof(struct sockaddr_un) 110",
            "sun_path is 120 bytes, more than the 108 it holds",
        ]
    );

    // Exactly 108 bytes and no NUL: Linux accepts it.
    let mut t = BufTracee::new(BASE);
    let p = t.put(&sun(&[b'B'; 108]));
    let d = run(&mut t, Sysno::bind, [3, p, 110, 0, 0, 0], 0);
    let a = d.addr.unwrap();
    assert_eq!(a.path.unwrap().len(), 108);
    assert_eq!(
        a.problems,
        vec![
            "sun_path fills all 108 bytes with no terminating NUL \
             (Linux accepts it; other systems may not)"
        ]
    );
}

#[test]
fn decode_addrlen_shorter_than_the_path() {
    let mut t = BufTracee::new(BASE);
    let p = t.put(&sun(b"/tmp/sw/x.sock"));
    let d = run(&mut t, Sysno::bind, [3, p, 5, 0, 0, 0], EINVAL);
    assert_eq!(line(&d), "3, {sa_family=AF_UNIX, sun_path=\"/tm\"}, 5");
    assert_eq!(
        d.addr.unwrap().problems,
        vec!["addrlen 5 cuts sun_path to \"/tm\" (3 bytes); the string in memory is 14 bytes"]
    );
    // 2 + strlen(path), the usual exact form, is fine.
    let d = run(&mut t, Sysno::bind, [3, p, 16, 0, 0, 0], 0);
    assert!(d.addr.unwrap().problems.is_empty());
}

#[test]
fn decode_other_families() {
    let mut t = BufTracee::new(BASE);
    let mut sin = vec![0u8; 16];
    sin[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
    sin[2..4].copy_from_slice(&80u16.to_be_bytes());
    sin[4..8].copy_from_slice(&[127, 0, 0, 1]);
    let p = t.put(&sin);
    let d = run(&mut t, Sysno::connect, [3, p, 16, 0, 0, 0], EINVAL);
    assert_eq!(
        line(&d),
        "3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"127.0.0.1\")}, 16"
    );
    let a = d.addr.unwrap();
    assert_eq!((a.family.as_str(), a.kind), ("AF_INET", AddrKind::Other));

    let mut s6 = vec![0u8; 28];
    s6[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
    s6[2..4].copy_from_slice(&443u16.to_be_bytes());
    s6[23] = 1;
    let p = t.put(&s6);
    let d = run(&mut t, Sysno::connect, [3, p, 28, 0, 0, 0], EINVAL);
    assert_eq!(
        line(&d),
        "3, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), \
         inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28"
    );

    let mut x = vec![0u8; 6];
    x[..2].copy_from_slice(&12345u16.to_ne_bytes());
    x[2..].copy_from_slice(b"\x1b[1m");
    let p = t.put(&x);
    let d = run(&mut t, Sysno::connect, [3, p, 6, 0, 0, 0], EINVAL);
    assert_eq!(
        line(&d),
        "3, {sa_family=0x3039 /* AF_??? */, sa_data=\"\\x1b[1m\"}, 6"
    );
    assert_eq!(d.addr.unwrap().family, "12345");
}

#[test]
fn decode_accept4_value_result_and_returned_fd() {
    let mut t = BufTracee::new(BASE);
    t.ids
        .insert(6, sock(6, "UNIX-STREAM", 100, None, Some(b"/tmp/l.sock")));
    t.ids.insert(
        8,
        sock(8, "UNIX-STREAM", 102, Some(101), Some(b"/tmp/l.sock")),
    );
    let buf = t.put(&[0xAA; 110]);
    let lenp = t.put(&110u32.to_ne_bytes());
    let regs = [6, buf, lenp, libc::SOCK_CLOEXEC as u64, 0, 0];
    let o = DecodeOpts::default();
    let e = decode_entry(Sysno::accept4, regs, &mut t, &o);
    // The kernel writes the peer's (unnamed) address and its length.
    let off = (buf - BASE) as usize;
    t.mem[off..off + 2].copy_from_slice(&1u16.to_ne_bytes());
    let off = (lenp - BASE) as usize;
    t.mem[off..off + 4].copy_from_slice(&2u32.to_ne_bytes());
    let d = decode_exit(e, 8, &mut t, &o);
    assert_eq!(
        line(&d),
        "6<UNIX-STREAM:[100,\"/tmp/l.sock\"]>, {sa_family=AF_UNIX}, [110 => 2], SOCK_CLOEXEC"
    );
    assert_eq!(
        render_ret_text(&d).as_deref(),
        Some("8<UNIX-STREAM:[102->101,\"/tmp/l.sock\"]>")
    );
    assert_eq!(d.ret_fds, vec![8]);
    assert_eq!(d.fds.len(), 2);
    assert_eq!(d.addr.unwrap().kind, AddrKind::Unnamed);

    // NULL, NULL and unknown flag bits.
    let d = run(&mut t, Sysno::accept4, [6, 0, 0, 0x80804, 0, 0], EINVAL);
    assert_eq!(
        line(&d),
        "6<UNIX-STREAM:[100,\"/tmp/l.sock\"]>, NULL, NULL, SOCK_CLOEXEC|SOCK_NONBLOCK|0x4"
    );
}

#[test]
fn decode_getsockname_outputs() {
    let mut t = BufTracee::new(BASE);
    let buf = t.put(&sun(b"/tmp/sw/x.sock"));
    let lenp = t.put(&110u32.to_ne_bytes());
    let o = DecodeOpts::default();
    let e = decode_entry(Sysno::getsockname, [3, buf, lenp, 0, 0, 0], &mut t, &o);
    let off = (lenp - BASE) as usize;
    t.mem[off..off + 4].copy_from_slice(&17u32.to_ne_bytes());
    let d = decode_exit(e, 0, &mut t, &o);
    assert_eq!(
        line(&d),
        "3, {sa_family=AF_UNIX, sun_path=\"/tmp/sw/x.sock\"}, [110 => 17]"
    );
    assert_eq!(d.addr.unwrap().addrlen, 17);

    // Failure: outputs are not read, the pointer and the length in are shown.
    let d = run(
        &mut t,
        Sysno::getsockname,
        [3, buf, lenp, 0, 0, 0],
        -(libc::EBADF as i64),
    );
    assert_eq!(line(&d), format!("3, {buf:#x}, [17]"));

    // A buffer too small for the address: the kernel reports the full length.
    let mut t = BufTracee::new(BASE);
    let buf = t.put(&sun(b"/tmp/sw/x.sock"));
    let lenp = t.put(&1u32.to_ne_bytes());
    let e = decode_entry(Sysno::getsockname, [3, buf, lenp, 0, 0, 0], &mut t, &o);
    let off = (lenp - BASE) as usize;
    t.mem[off..off + 4].copy_from_slice(&17u32.to_ne_bytes());
    let d = decode_exit(e, 0, &mut t, &o);
    assert_eq!(line(&d), format!("3, {buf:#x}, [1 => 17]"));
    assert_eq!(
        d.addr.unwrap().problems,
        vec!["the kernel's address (17 bytes) was cut to the 1-byte buffer"]
    );

    // An unreadable length pointer.
    let d = run(
        &mut t,
        Sysno::getpeername,
        [3, buf, 8, 0, 0, 0],
        -(libc::EFAULT as i64),
    );
    assert_eq!(line(&d), format!("3, {buf:#x}, 0x8"));
}

#[test]
fn decode_socketpair_fds() {
    let mut t = BufTracee::new(BASE);
    t.ids.insert(4, sock(4, "UNIX", 1, Some(2), None));
    t.ids.insert(5, sock(5, "UNIX", 2, Some(1), None));
    let sv = t.put(&[0; 8]);
    let o = DecodeOpts::default();
    let e = decode_entry(Sysno::socketpair, [1, 2, 0, sv, 0, 0], &mut t, &o);
    let off = (sv - BASE) as usize;
    t.mem[off..off + 8].copy_from_slice(&[4, 0, 0, 0, 5, 0, 0, 0]);
    let d = decode_exit(e, 0, &mut t, &o);
    assert_eq!(
        line(&d),
        "AF_UNIX, SOCK_DGRAM, 0, [4<UNIX:[1->2]>, 5<UNIX:[2->1]>]"
    );
    assert_eq!(d.ret_fds, vec![4, 5]);
    assert_eq!(render_ret_text(&d), None);
    let d = run(&mut t, Sysno::socketpair, [1, 2, 0, sv, 0, 0], -24);
    assert_eq!(line(&d), format!("AF_UNIX, SOCK_DGRAM, 0, {sv:#x}"));
}

#[test]
fn decode_fd_rendering_kinds() {
    let mut t = BufTracee::new(BASE);
    let mut f = sock(5, "file", 0, None, None);
    f.target = Some(ByteString::from(&b"/tmp/\x1b[1mlog"[..]));
    t.ids.insert(5, f);
    let d = run(&mut t, Sysno::close, [5, 0, 0, 0, 0, 0], 0);
    assert_eq!(line(&d), "5</tmp/\\x1b[1mlog>");
    let d = run(
        &mut t,
        Sysno::close,
        [99, 0, 0, 0, 0, 0],
        -(libc::EBADF as i64),
    );
    assert_eq!(line(&d), "99");
}

#[test]
fn decode_read_write_previews() {
    let mut t = BufTracee::new(BASE);
    let msg = b"hello\n\x1b[2Jworld, this is a long long long buffer of data more than 32";
    let p = t.put(msg);
    let d = run(&mut t, Sysno::write, [7, p, 60, 0, 0, 0], 60);
    assert_eq!(
        line(&d),
        "7, \"hello\\n\\x1b[2Jworld, this is a long \"..., 60"
    );
    // A read shows only what was read.
    let d = run(&mut t, Sysno::read, [7, p, 100, 0, 0, 0], 5);
    assert_eq!(line(&d), "7, \"hello\", 100");
    let d = run(&mut t, Sysno::read, [7, p, 100, 0, 0, 0], -11);
    assert_eq!(line(&d), format!("7, {p:#x}, 100"));
    let d = run(&mut t, Sysno::pwrite64, [7, p, 5, 0, 0, 0], -29);
    assert_eq!(line(&d), "7, \"hello\", 5, 0");
    let d = run(&mut t, Sysno::pread64, [7, p, 10, 0, 0, 0], -29);
    assert_eq!(line(&d), format!("7, {p:#x}, 10, 0"));
    let d = run(&mut t, Sysno::write, [7, 8, 10, 0, 0, 0], -14);
    assert_eq!(line(&d), "7, 0x8, 10");
    let d = run_s(&mut t, Sysno::write, [7, p, 5, 0, 0, 0], 5, 0);
    assert_eq!(line(&d), "7, \"\"..., 5");
}

#[test]
fn decode_sendto_recvfrom() {
    let mut t = BufTracee::new(BASE);
    let a = t.put(&sun(b"\0abs"));
    let p = t.put(b"x");
    let flags = (libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) as u64;
    let d = run(&mut t, Sysno::sendto, [4, p, 1, flags, a, 6], 1);
    assert_eq!(
        line(&d),
        "4, \"x\", 1, MSG_DONTWAIT|MSG_NOSIGNAL, {sa_family=AF_UNIX, sun_path=@\"abs\"}, 6"
    );
    let d = run(&mut t, Sysno::sendto, [4, p, 1, 0, 0, 0], 1);
    assert_eq!(line(&d), "4, \"x\", 1, 0, NULL, 0");

    // recvfrom from an unnamed peer: [110 => 0] and the pointer.
    let buf = t.put(b"hi\0\0\0\0\0\0");
    let abuf = t.put(&[0; 110]);
    let lenp = t.put(&110u32.to_ne_bytes());
    let o = DecodeOpts::default();
    let e = decode_entry(Sysno::recvfrom, [5, buf, 100, 0x40, abuf, lenp], &mut t, &o);
    let off = (lenp - BASE) as usize;
    t.mem[off..off + 4].copy_from_slice(&0u32.to_ne_bytes());
    let d = decode_exit(e, 2, &mut t, &o);
    assert_eq!(
        line(&d),
        format!("5, \"hi\", 100, MSG_DONTWAIT, {abuf:#x}, [110 => 0]")
    );
    assert_eq!(d.addr, None);
    let d = run(
        &mut t,
        Sysno::recvfrom,
        [5, buf, 100, 0x40, abuf, lenp],
        -11,
    );
    assert_eq!(
        line(&d),
        format!("5, {buf:#x}, 100, MSG_DONTWAIT, {abuf:#x}, [0]")
    );
    let d = run(&mut t, Sysno::recvfrom, [5, buf, 100, 0, 0, 0], 2);
    assert_eq!(line(&d), "5, \"hi\", 100, 0, NULL, NULL");
}

#[test]
fn decode_shutdown_listen() {
    let mut t = BufTracee::new(BASE);
    let d = run(&mut t, Sysno::shutdown, [7, 1, 0, 0, 0, 0], 0);
    assert_eq!(line(&d), "7, SHUT_WR");
    let d = run(&mut t, Sysno::shutdown, [7, 7, 0, 0, 0, 0], EINVAL);
    assert_eq!(line(&d), "7, 0x7 /* SHUT_??? */");
    let d = run(&mut t, Sysno::shutdown, [7, u64::MAX, 0, 0, 0, 0], EINVAL);
    assert_eq!(line(&d), "7, 0xffffffff /* SHUT_??? */");
    let d = run(&mut t, Sysno::listen, [7, 5, 0, 0, 0, 0], 0);
    assert_eq!(line(&d), "7, 5");
}
