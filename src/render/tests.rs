//! Decoder tests over a fake tracee: each case builds the memory a real program would
//! pass, decodes entry and exit, and compares the rendered line with what strace 6.1
//! `-yy` prints for the same call (checked by hand on C programs).

use crate::decode::mem::BufTracee;
use crate::decode::*;
use crate::model::{AddrKind, ByteString, Cmsg, Fd, SockAddr, SockId, SockProto, UnixName};
use crate::render::call::{Ids, render_args, render_ret_text};
use crate::render::escape::is_terminal_safe;
use syscalls::Sysno;

const BASE: u64 = 0x7ffd_0000_0000;

fn sock(fd: Fd, proto: &str, inode: u64, peer: Option<u64>, path: Option<&[u8]>) -> SockId {
    SockId {
        fd,
        proto: proto.into(),
        inode,
        peer,
        path: path.map_or(UnixName::Unnamed, UnixName::from_sun_path),
        peer_path: UnixName::Unnamed,
        target: None,
    }
}

/// The name bytes of an address (an abstract one without its leading NUL).
fn name_of(a: &SockAddr) -> &[u8] {
    a.unix_name()
        .and_then(UnixName::bytes)
        .map(|b| b.as_bytes())
        .expect("an AF_UNIX name")
}

fn run(t: &mut BufTracee, sys: Sysno, regs: [u64; 6], ret: i64) -> Decoded {
    run_s(t, sys, regs, ret, 32)
}

fn run_s(t: &mut BufTracee, sys: Sysno, regs: [u64; 6], ret: i64, strsize: usize) -> Decoded {
    let o = DecodeOpts { strsize };
    let e = decode_entry(sys, regs, t, &o);
    decode_exit(e, ret, t, &o)
}

/// What the pipeline renders a decoded call from.
fn args_of(d: &Decoded) -> DecodedArgs {
    d.clone().into_event(&mut Default::default())
}

fn line(d: &Decoded) -> String {
    let s = render_args(
        &args_of(d),
        Ids(&d.fds, crate::model::escape::StrStyle::Strace),
    )
    .join(", ");
    assert!(is_terminal_safe(&s), "unsafe text: {s:?}");
    s
}

fn ret_text(d: &Decoded) -> Option<String> {
    render_ret_text(
        &args_of(d),
        Ids(&d.fds, crate::model::escape::StrStyle::Strace),
    )
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
    assert_eq!(ret_text(&d).as_deref(), Some("3<UNIX-STREAM:[92379]>"));
    assert_eq!(d.ret_fds, vec![3]);
    assert_eq!(d.fd, None);

    let d = run(&mut t, Sysno::socket, [1, 77 | 0x1000, 5, 0, 0, 0], EINVAL);
    assert_eq!(line(&d), "AF_UNIX, 0x104d /* SOCK_??? */, 5");
    assert_eq!(ret_text(&d), None);
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
    assert_eq!(a.kind(), AddrKind::Path);
    assert_eq!(a.family, "AF_UNIX");
    assert_eq!(name_of(a), b"/run/x.sock");
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
        "3<UNIX-STREAM:[7,@\"\\33[2Jsrv\\\"q\"]>, {sa_family=AF_UNIX, \
         sun_path=@\"abs\\0x\\33[31m\\33]0;pwn\\7\\302\\233\"}, 23"
    );
    let a = d.addr.unwrap();
    assert_eq!(a.kind(), AddrKind::Abstract);
    assert_eq!(name_of(&a), &name[1..]);
    assert!(a.problems.is_empty());
}

#[test]
fn decode_abstract_name_with_sizeof_addrlen_counts_trailing_nuls() {
    let mut t = BufTracee::new(BASE);
    let p = t.put(&sun(b"\0abs"));
    let d = run(&mut t, Sysno::connect, [3, p, 110, 0, 0, 0], -111);
    let a = d.addr.as_ref().unwrap();
    assert_eq!(name_of(a).len(), 107);
    assert!(name_of(a).starts_with(b"abs\0"));
    // The phrase holds numbers only; the name is in the record.
    assert_eq!(
        a.problems,
        vec![
            "abstract name (3 bytes) is followed by 104 NUL bytes that addrlen 110 counts \
             (a peer must use the same length)"
        ]
    );
    assert!(line(&d).contains("sun_path=@\"abs\\0\\0"));
}

#[test]
fn decode_unnamed_short_null_and_unreadable_addresses() {
    let mut t = BufTracee::new(BASE);
    let p = t.put(&sun(b"/tmp/sw/x.sock"));
    let d = run(&mut t, Sysno::bind, [3, p, 2, 0, 0, 0], 0);
    assert_eq!(line(&d), "3, {sa_family=AF_UNIX}, 2");
    assert_eq!(d.addr.unwrap().kind(), AddrKind::Unnamed);

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
    assert_eq!(name_of(&a).len(), 108);
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
    let a = d.addr.unwrap();
    assert_eq!(name_of(&a), b"/tm");
    assert_eq!(
        a.problems,
        vec!["addrlen 5 cuts sun_path to its first 3 bytes; the string in memory is 14 bytes"]
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
    assert_eq!(
        (a.family.as_str(), a.kind()),
        ("AF_INET", AddrKind::Other.into())
    );

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
        "3, {sa_family=0x3039 /* AF_??? */, sa_data=\"\\33[1m\"}, 6"
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
        ret_text(&d).as_deref(),
        Some("8<UNIX-STREAM:[102->101,\"/tmp/l.sock\"]>")
    );
    assert_eq!(d.ret_fds, vec![8]);
    assert_eq!(d.fds.len(), 2);
    assert_eq!(d.addr.unwrap().kind(), AddrKind::Unnamed);

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
    assert_eq!(ret_text(&d), None);
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
    assert_eq!(line(&d), "5</tmp/\\33[1mlog>");
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
        "7, \"hello\\n\\33[2Jworld, this is a long \"..., 60"
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

/// Build a struct msghdr.
fn msghdr(
    name: u64,
    namelen: u32,
    iov: u64,
    iovlen: u64,
    ctl: u64,
    ctllen: u64,
    flags: u32,
) -> Vec<u8> {
    let mut v = Vec::with_capacity(56);
    v.extend(name.to_ne_bytes());
    v.extend(namelen.to_ne_bytes());
    v.extend([0; 4]);
    v.extend(iov.to_ne_bytes());
    v.extend(iovlen.to_ne_bytes());
    v.extend(ctl.to_ne_bytes());
    v.extend(ctllen.to_ne_bytes());
    v.extend(flags.to_ne_bytes());
    v.extend([0; 4]);
    v
}

fn iovecs(list: &[(u64, u64)]) -> Vec<u8> {
    list.iter()
        .flat_map(|(b, l)| b.to_ne_bytes().into_iter().chain(l.to_ne_bytes()))
        .collect()
}

/// One cmsghdr with its body, padded to 8.
fn cmsg(level: i32, kind: i32, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend((16 + body.len() as u64).to_ne_bytes());
    v.extend(level.to_ne_bytes());
    v.extend(kind.to_ne_bytes());
    v.extend(body);
    while v.len() % 8 != 0 {
        v.push(0);
    }
    v
}

fn ints(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|i| i.to_ne_bytes()).collect()
}

fn poke(t: &mut BufTracee, at: u64, bytes: &[u8]) {
    let off = (at - t.base) as usize;
    t.mem[off..off + bytes.len()].copy_from_slice(bytes);
}

#[test]
fn decode_sendmsg_rights_and_credentials() {
    let mut t = BufTracee::new(BASE);
    t.ids.insert(3, sock(3, "UNIX-STREAM", 10, Some(11), None));
    let mut pipe = sock(6, "file", 0, None, None);
    pipe.target = Some(ByteString::from("pipe:[94948]"));
    t.ids.insert(6, pipe);
    let data = t.put(b"payload\x1b[31m");
    let iov = t.put(&iovecs(&[(data, 7), (data + 7, 5)]));
    let mut ctl = cmsg(1, 1, &ints(&[6, 7, 3]));
    ctl.extend(cmsg(1, 2, &ints(&[17296, 0, 0])));
    let ctl_len = ctl.len() as u64;
    let c = t.put(&ctl);
    let m = t.put(&msghdr(0, 0, iov, 2, c, ctl_len, 0));
    let d = run(&mut t, Sysno::sendmsg, [3, m, 0x4000, 0, 0, 0], 12);
    assert_eq!(
        line(&d),
        "3<UNIX-STREAM:[10->11]>, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"payload\", \
         iov_len=7}, {iov_base=\"\\33[31m\", iov_len=5}], msg_iovlen=2, msg_control=[{cmsg_len=28, \
         cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[6<pipe:[94948]>, 7, \
         3<UNIX-STREAM:[10->11]>]}, {cmsg_len=28, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS, \
         cmsg_data={pid=17296, uid=0, gid=0}}], msg_controllen=64, msg_flags=0}, MSG_NOSIGNAL"
    );
    assert_eq!(d.msgs.len(), 1);
    let h = &d.msgs[0];
    assert_eq!(h.iovlen, 2);
    assert_eq!(h.iov[1].data.as_ref().unwrap().as_bytes(), b"\x1b[31m");
    match &h.cmsgs[0] {
        Cmsg::Rights { fds, targets } => {
            assert_eq!(fds, &vec![6, 7, 3]);
            assert_eq!(targets.len(), 3);
            assert_eq!(targets[0].as_ref().unwrap().proto, SockProto::File);
            assert!(targets[1].is_none());
            assert_eq!(targets[2].as_ref().unwrap().inode, 10);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        h.cmsgs[1],
        Cmsg::Credentials {
            pid: 17296,
            uid: 0,
            gid: 0
        }
    );
    // Rights fds are in the call's fd list too.
    assert!(d.fds.iter().any(|s| s.fd == 6));
}

#[test]
fn decode_recvmsg_truncated_control_and_name() {
    let mut t = BufTracee::new(BASE);
    let buf = t.put(&[0u8; 64]);
    let iov = t.put(&iovecs(&[(buf, 64)]));
    let c = t.put(&[0u8; 24]);
    let name = t.put(&[0u8; 110]);
    let m = t.put(&msghdr(name, 110, iov, 1, c, 24, 0));
    let o = DecodeOpts::default();
    let e = decode_entry(Sysno::recvmsg, [4, m, 0, 0, 0, 0], &mut t, &o);
    // The kernel fills data, an unnamed sender, a cut SCM_CREDENTIALS, and MSG_CTRUNC.
    poke(&mut t, buf, b"payload\x1b[31m");
    poke(&mut t, m + 8, &0u32.to_ne_bytes());
    let mut cut = 24u64.to_ne_bytes().to_vec();
    cut.extend(ints(&[1, 2, 17296, 0]));
    poke(&mut t, c, &cut);
    poke(&mut t, m + 48, &(libc::MSG_CTRUNC as u32).to_ne_bytes());
    let d = decode_exit(e, 12, &mut t, &o);
    assert_eq!(
        line(&d),
        format!(
            "4, {{msg_name={name:#x}, msg_namelen=110 => 0, msg_iov=[{{iov_base=\"payload\\33[31m\", \
             iov_len=64}}], msg_iovlen=1, msg_control=[{{cmsg_len=24, cmsg_level=SOL_SOCKET, \
             cmsg_type=SCM_CREDENTIALS}}], msg_controllen=24, msg_flags=MSG_CTRUNC}}, 0"
        )
    );
    assert_eq!(d.msgs[0].flags, "MSG_CTRUNC");

    // A failed recvmsg shows only msg_namelen, as strace does.
    let d = run(&mut t, Sysno::recvmsg, [4, m, 0x40, 0, 0, 0], -11);
    assert_eq!(line(&d), "4, {msg_namelen=0}, MSG_DONTWAIT");
    assert!(d.msgs.is_empty());
}

#[test]
fn decode_recvmsg_received_rights_and_named_sender() {
    let mut t = BufTracee::new(BASE);
    t.ids.insert(9, sock(9, "UNIX-STREAM", 5, Some(6), None));
    let buf = t.put(&[0u8; 8]);
    let iov = t.put(&iovecs(&[(buf, 8)]));
    let c = t.put(&[0u8; 64]);
    let name = t.put(&[0u8; 110]);
    let m = t.put(&msghdr(name, 110, iov, 1, c, 64, 0));
    let o = DecodeOpts::default();
    let e = decode_entry(Sysno::recvmsg, [4, m, 0x40000000, 0, 0, 0], &mut t, &o);
    poke(&mut t, name, &sun(b"/tmp/c.sock")[..14]);
    poke(&mut t, m + 8, &14u32.to_ne_bytes());
    poke(&mut t, buf, b"x");
    let ctl = cmsg(1, 1, &ints(&[9]));
    poke(&mut t, c, &ctl);
    poke(&mut t, m + 40, &(ctl.len() as u64).to_ne_bytes());
    let d = decode_exit(e, 1, &mut t, &o);
    assert_eq!(
        line(&d),
        "4, {msg_name={sa_family=AF_UNIX, sun_path=\"/tmp/c.sock\"}, msg_namelen=110 => 14, \
         msg_iov=[{iov_base=\"x\", iov_len=8}], msg_iovlen=1, msg_control=[{cmsg_len=20, \
         cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[9<UNIX-STREAM:[5->6]>]}], \
         msg_controllen=24, msg_flags=0}, MSG_CMSG_CLOEXEC"
    );
    assert_eq!(d.msgs[0].name.as_ref().unwrap().addrlen, 14);
    assert!(d.fds.iter().any(|s| s.fd == 9));
    // The received fd is new in this process; the return value (1 byte) is not an fd.
    assert_eq!(d.ret_fds, vec![9]);
    assert!(!d.ret_is_fd);
    assert_eq!(ret_text(&d), None);
}

#[test]
fn decode_malformed_cmsg_lengths_are_not_trusted() {
    let mut t = BufTracee::new(BASE);
    let data = t.put(b"p");
    let iov = t.put(&iovecs(&[(data, 1)]));
    // cmsg_len far past msg_controllen.
    let mut ctl = cmsg(1, 1, &ints(&[6, 7, 3]));
    ctl[..8].copy_from_slice(&1000u64.to_ne_bytes());
    ctl.resize(64, 0);
    let c = t.put(&ctl);
    let m = t.put(&msghdr(0, 0, iov, 1, c, 64, 0));
    let d = run(&mut t, Sysno::sendmsg, [3, m, 0, 0, 0, 0], EINVAL);
    let s = line(&d);
    assert!(
        s.contains(
            "msg_control=[{cmsg_len=1000, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS} \
             /* cmsg_len 1000 runs past the 64 bytes left in msg_control (SOL_SOCKET/SCM_RIGHTS) */]"
        ),
        "{s}"
    );
    assert!(matches!(
        d.msgs[0].cmsgs[0],
        Cmsg::Malformed { len: 1000, .. }
    ));

    // cmsg_len shorter than the header.
    poke(&mut t, c, &4u64.to_ne_bytes());
    let d = run(&mut t, Sysno::sendmsg, [3, m, 0, 0, 0, 0], EINVAL);
    assert!(matches!(
        d.msgs[0].cmsgs[..],
        [Cmsg::Malformed { len: 4, .. }]
    ));
    assert!(line(&d).contains("cmsg_len 4 is shorter than the 16-byte cmsghdr"));

    // A second cmsg that runs past the end after a good first one.
    let mut ctl = cmsg(1, 1, &ints(&[5]));
    let mut bad = cmsg(1, 2, &ints(&[1, 2, 3]));
    bad[..8].copy_from_slice(&40u64.to_ne_bytes());
    ctl.extend(bad);
    let n = ctl.len() as u64;
    let c = t.put(&ctl);
    let m = t.put(&msghdr(0, 0, iov, 1, c, n, 0));
    let d = run(&mut t, Sysno::sendmsg, [3, m, 0, 0, 0, 0], EINVAL);
    assert_eq!(d.msgs[0].cmsgs.len(), 2);
    assert!(matches!(
        d.msgs[0].cmsgs[1],
        Cmsg::Malformed { len: 40, .. }
    ));

    // Unreadable msg_control and msghdr.
    let m = t.put(&msghdr(0, 0, iov, 1, 8, 64, 0));
    let d = run(&mut t, Sysno::sendmsg, [3, m, 0, 0, 0, 0], -14);
    assert!(line(&d).contains("msg_control=0x8, msg_controllen=64"));
    let d = run(&mut t, Sysno::sendmsg, [3, 8, 0, 0, 0, 0], -14);
    assert_eq!(line(&d), "3, 0x8, 0");
}

#[test]
fn decode_security_pidfd_and_unknown_cmsgs() {
    let mut t = BufTracee::new(BASE);
    let mut ctl = cmsg(1, 3, b"system_u:\x1b[1m\0");
    ctl.extend(cmsg(1, 4, &ints(&[12])));
    ctl.extend(cmsg(0, 8, &ints(&[1, 2])));
    let n = ctl.len() as u64;
    let c = t.put(&ctl);
    let m = t.put(&msghdr(0, 0, 0, 0, c, n, 0));
    let d = run(&mut t, Sysno::sendmsg, [3, m, 0, 0, 0, 0], 0);
    let s = line(&d);
    assert!(
        s.contains(
            "msg_iov=[], msg_iovlen=0, msg_control=[{cmsg_len=30, cmsg_level=SOL_SOCKET, \
             cmsg_type=SCM_SECURITY, cmsg_data=\"system_u:\\33[1m\\0\"}, {cmsg_len=20, \
             cmsg_level=SOL_SOCKET, cmsg_type=SCM_PIDFD, cmsg_data=[12]}, {cmsg_len=24, \
             cmsg_level=SOL_IP, cmsg_type=8}]"
        ),
        "{s}"
    );
    assert_eq!(d.msgs[0].cmsgs[1], Cmsg::Pidfd { fd: 12 });
    assert_eq!(
        d.msgs[0].cmsgs[2],
        Cmsg::Unknown {
            level: 0,
            kind: 8,
            len: 24
        }
    );
}

#[test]
fn decode_sendmsg_with_name_and_iov_limits() {
    let mut t = BufTracee::new(BASE);
    let a = t.put(&sun(b"/nonexistent"));
    let data = t.put(&[b'z'; 40]);
    let list: Vec<(u64, u64)> = (0..40).map(|_| (data, 40)).collect();
    let iov = t.put(&iovecs(&list));
    let m = t.put(&msghdr(a, 110, iov, 40, 0, 0, 0));
    let d = run_s(&mut t, Sysno::sendmsg, [3, m, 0, 0, 0, 0], -2, 4);
    assert_eq!(
        line(&d),
        "3, {msg_name={sa_family=AF_UNIX, sun_path=\"/nonexistent\"}, msg_namelen=110, \
         msg_iov=[{iov_base=\"zzzz\"..., iov_len=40}, {iov_base=\"zzzz\"..., iov_len=40}, \
         {iov_base=\"zzzz\"..., iov_len=40}, {iov_base=\"zzzz\"..., iov_len=40}, ...], \
         msg_iovlen=40, msg_controllen=0, msg_flags=0}, 0"
    );
    assert_eq!(
        d.addr, None,
        "the call's addr is for address arguments, msg_name lives in msgs"
    );
    assert_eq!(name_of(d.msgs[0].name.as_ref().unwrap()), b"/nonexistent");
    // A huge msg_iovlen and msg_controllen are capped, not trusted.
    let m = t.put(&msghdr(0, 0, iov, u64::MAX, data, u64::MAX, 0));
    let d = run(&mut t, Sysno::sendmsg, [3, m, 0, 0, 0, 0], EINVAL);
    assert_eq!(d.msgs[0].iov.len(), 32);
    assert!(line(&d).contains("msg_iovlen=18446744073709551615"));
}

#[test]
fn decode_readv_writev() {
    let mut t = BufTracee::new(BASE);
    let buf = t.put(b"abcdef");
    let iov = t.put(&iovecs(&[(buf, 1), (buf + 1, 2)]));
    let d = run(&mut t, Sysno::writev, [4, iov, 2, 0, 0, 0], 3);
    assert_eq!(
        line(&d),
        "4, [{iov_base=\"a\", iov_len=1}, {iov_base=\"bc\", iov_len=2}], 2"
    );
    let d = run(&mut t, Sysno::readv, [4, iov, 2, 0, 0, 0], 2);
    assert_eq!(
        line(&d),
        "4, [{iov_base=\"a\", iov_len=1}, {iov_base=\"b\", iov_len=2}], 2"
    );
    let d = run(&mut t, Sysno::readv, [4, iov, 2, 0, 0, 0], -11);
    assert_eq!(line(&d), format!("4, {iov:#x}, 2"));
    let d = run(&mut t, Sysno::readv, [4, 8, 2, 0, 0, 0], -14);
    assert_eq!(line(&d), "4, 0x8, 2");
    // A NULL base with a length, and iovcnt -1.
    let iov2 = t.put(&iovecs(&[(0, 7), (buf, 0)]));
    let d = run(&mut t, Sysno::writev, [4, iov2, u64::MAX, 0, 0, 0], EINVAL);
    let s = line(&d);
    assert!(
        s.starts_with("4, [{iov_base=NULL, iov_len=7}, {iov_base=\"\", iov_len=0}, "),
        "{s}"
    );
    assert!(s.ends_with(", ...], 4294967295"), "{s}");
}

fn mmsghdr(h: Vec<u8>, len: u32) -> Vec<u8> {
    let mut v = h;
    v.extend(len.to_ne_bytes());
    v.extend([0; 4]);
    v
}

#[test]
fn decode_sendmmsg_recvmmsg() {
    let mut t = BufTracee::new(BASE);
    let data = t.put(b"payload\x1b[31m");
    let iov = t.put(&iovecs(&[(data, 7), (data + 7, 5)]));
    let mut vec = mmsghdr(msghdr(0, 0, iov, 1, 0, 0, 0), 0);
    vec.extend(mmsghdr(msghdr(0, 0, iov + 16, 1, 0, 0, 0), 0));
    let v = t.put(&vec);
    let o = DecodeOpts::default();
    let e = decode_entry(Sysno::sendmmsg, [12, v, 2, 0, 0, 0], &mut t, &o);
    poke(&mut t, v + 56, &7u32.to_ne_bytes());
    poke(&mut t, v + 64 + 56, &5u32.to_ne_bytes());
    let d = decode_exit(e, 2, &mut t, &o);
    assert_eq!(
        line(&d),
        "12, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"payload\", \
         iov_len=7}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=7}, \
         {msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"\\33[31m\", iov_len=5}], \
         msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=5}], 2, 0"
    );
    assert_eq!(d.msgs.len(), 2);

    // recvmmsg: 3 slots, 2 filled; the timeout is shown.
    let b1 = t.put(&[0; 10]);
    let b2 = t.put(&[0; 10]);
    let b3 = t.put(&[0; 10]);
    let riov = t.put(&iovecs(&[(b1, 10), (b2, 10), (b3, 10)]));
    let mut vec = Vec::new();
    for i in 0..3 {
        vec.extend(mmsghdr(msghdr(0, 0, riov + 16 * i, 1, 0, 0, 0), 0));
    }
    let v = t.put(&vec);
    let ts = t.put(&ints(&[1, 0, 0, 0]));
    let e = decode_entry(Sysno::recvmmsg, [13, v, 3, 0x40, ts, 0], &mut t, &o);
    poke(&mut t, b1, b"payload");
    poke(&mut t, b2, b"\x1b[31m");
    poke(&mut t, v + 56, &7u32.to_ne_bytes());
    poke(&mut t, v + 64 + 56, &5u32.to_ne_bytes());
    let d = decode_exit(e, 2, &mut t, &o);
    assert_eq!(
        line(&d),
        "13, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"payload\", \
         iov_len=10}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=7}, \
         {msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"\\33[31m\", iov_len=10}], \
         msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=5}], 3, MSG_DONTWAIT, \
         {tv_sec=1, tv_nsec=0}"
    );
    let d = run(&mut t, Sysno::recvmmsg, [13, v, 3, 0x40, 0, 0], -11);
    assert_eq!(line(&d), format!("13, {v:#x}, 3, MSG_DONTWAIT, NULL"));
}

#[test]
fn decode_setsockopt_getsockopt() {
    let mut t = BufTracee::new(BASE);
    let one = t.put(&ints(&[1]));
    let d = run(&mut t, Sysno::setsockopt, [4, 1, 16, one, 4, 0], 0);
    assert_eq!(line(&d), "4, SOL_SOCKET, SO_PASSCRED, [1], 4");
    let d = run(&mut t, Sysno::setsockopt, [4, 1, 7, one, 2, 0], EINVAL);
    assert_eq!(line(&d), format!("4, SOL_SOCKET, SO_SNDBUF, {one:#x}, 2"));
    let d = run(&mut t, Sysno::setsockopt, [4, 1, 7, 8, 4, 0], -14);
    assert_eq!(line(&d), "4, SOL_SOCKET, SO_SNDBUF, 0x8, 4");
    let d = run(&mut t, Sysno::setsockopt, [4, 1, 999, one, 4, 0], -92);
    assert_eq!(line(&d), "4, SOL_SOCKET, 0x3e7 /* SO_??? */, [1], 4");
    let d = run(&mut t, Sysno::setsockopt, [4, 270, 1, one, 4, 0], -95);
    assert_eq!(line(&d), "4, SOL_NETLINK, 1, [1], 4");
    let tv = t.put(&[5i64.to_ne_bytes(), 500i64.to_ne_bytes()].concat());
    let d = run(&mut t, Sysno::setsockopt, [4, 1, 20, tv, 16, 0], 0);
    assert_eq!(
        line(&d),
        "4, SOL_SOCKET, SO_RCVTIMEO_OLD, {tv_sec=5, tv_usec=500}, 16"
    );
    let d = run(&mut t, Sysno::setsockopt, [4, 1, 13, one, 4, 0], EINVAL);
    assert_eq!(line(&d), format!("4, SOL_SOCKET, SO_LINGER, {one:#x}, 4"));

    // getsockopt: value-result optlen, values decoded by type.
    let get = |t: &mut BufTracee, name: i32, val: &[u8], before: u32, after: u32| {
        let v = t.put(&vec![0xEE; val.len().max(16)]);
        let l = t.put(&before.to_ne_bytes());
        let o = DecodeOpts::default();
        let e = decode_entry(Sysno::getsockopt, [3, 1, name as u64, v, l, 0], t, &o);
        poke(t, v, val);
        poke(t, l, &after.to_ne_bytes());
        let d = decode_exit(e, 0, t, &o);
        line(&d)
    };
    assert_eq!(
        get(&mut t, 3, &ints(&[1]), 4, 4),
        "3, SOL_SOCKET, SO_TYPE, [SOCK_STREAM], [4]"
    );
    assert_eq!(
        get(&mut t, 4, &ints(&[111]), 4, 4),
        "3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]"
    );
    assert_eq!(
        get(&mut t, 4, &ints(&[0]), 4, 4),
        "3, SOL_SOCKET, SO_ERROR, [0], [4]"
    );
    assert_eq!(
        get(&mut t, 7, &ints(&[212992]), 4, 4),
        "3, SOL_SOCKET, SO_SNDBUF, [212992], [4]"
    );
    assert_eq!(
        get(&mut t, 17, &ints(&[17296, 0, 0]), 100, 12),
        "3, SOL_SOCKET, SO_PEERCRED, {pid=17296, uid=0, gid=0}, [100 => 12]"
    );
    assert_eq!(
        get(&mut t, 17, &ints(&[17296, 0, 0]), 2, 2),
        "3, SOL_SOCKET, SO_PEERCRED, \"\\220C\", [2]"
    );
    assert_eq!(
        get(&mut t, 42, &ints(&[-1]), 4, 4),
        "3, SOL_SOCKET, SO_PEEK_OFF, [-1], [4]"
    );
    assert_eq!(
        get(&mut t, 34, &ints(&[0]), 4, 4),
        "3, SOL_SOCKET, SO_PASSSEC, [0], [4]"
    );
    assert_eq!(
        get(&mut t, 30, &ints(&[1]), 4, 4),
        "3, SOL_SOCKET, SO_ACCEPTCONN, [1], [4]"
    );
    assert_eq!(
        get(&mut t, 31, b"unconfined\x1b[2J", 100, 14),
        "3, SOL_SOCKET, SO_PEERSEC, \"unconfined\\33[2J\", [100 => 14]"
    );
    t.ids.insert(7, sock(7, "file", 0, None, None));
    t.ids.get_mut(&7).unwrap().target = Some(ByteString::from("anon_inode:[pidfd]"));
    assert_eq!(
        get(&mut t, 77, &ints(&[7]), 4, 4),
        "3, SOL_SOCKET, SO_PEERPIDFD, [7<anon_inode:[pidfd]>], [4]"
    );
    assert_eq!(
        get(&mut t, 76, &ints(&[1]), 4, 4),
        "3, SOL_SOCKET, SO_PASSPIDFD, [1], [4]"
    );

    // Failure: pointers and the length in.
    let v = t.put(&[0; 16]);
    let l = t.put(&100u32.to_ne_bytes());
    let d = run(&mut t, Sysno::getsockopt, [3, 1, 31, v, l, 0], -92);
    assert_eq!(
        line(&d),
        format!("3, SOL_SOCKET, SO_PEERSEC, {v:#x}, [100]")
    );
    let d = run(&mut t, Sysno::getsockopt, [3, 1, 8, v, 8, 0], -14);
    assert_eq!(line(&d), format!("3, SOL_SOCKET, SO_RCVBUF, {v:#x}, 0x8"));
}

#[test]
fn decode_fuzz_regression_cmsg_len_near_u64_max() {
    // Found by the fuzzer: a cmsg_len within controllen whose aligned step overflowed
    // the next offset computation.
    let mut buf = cmsg(1, 1, &ints(&[3]));
    buf[..8].copy_from_slice(&(u64::MAX - 3).to_ne_bytes());
    let items = msghdr::decode_cmsgs(&buf, u64::MAX);
    assert_eq!(items.len(), 1);
    assert!(matches!(items[0].cmsg, Cmsg::Rights { .. }));
    let mut buf = vec![0xffu8; 21];
    buf[..8].copy_from_slice(&u64::MAX.to_ne_bytes());
    let _ = msghdr::decode_cmsgs(&buf, u64::MAX);
}

#[test]
fn decode_previews_stay_within_the_call_budget_with_a_huge_strsize() {
    let mut t = BufTracee::new(BASE);
    let buf = t.put(&vec![b'q'; 64 * 1024]);
    let list: Vec<(u64, u64)> = (0..2000).map(|_| (buf, 64 * 1024)).collect();
    let iov = t.put(&iovecs(&list));
    let d = run_s(
        &mut t,
        Sysno::writev,
        [4, iov, 2000, 0, 0, 0],
        0,
        10_000_000,
    );
    let Arg::Iov(v) = &d.args[1] else {
        panic!("{:?}", d.args[1])
    };
    assert_eq!(v.items.len(), msghdr::UIO_MAXIOV);
    let total: usize = v
        .items
        .iter()
        .map(|i| i.iov.data.as_ref().map_or(0, |b| b.len()))
        .sum();
    assert_eq!(total, msghdr::DATA_BUDGET);
    assert!(v.items.last().unwrap().truncated);
}

#[test]
fn decode_dup_and_fcntl_return_fds_with_identity() {
    let mut t = BufTracee::new(BASE);
    for fd in [3, 7, 11, 20, 21] {
        t.ids
            .insert(fd, sock(fd, "UNIX", 374754, Some(374755), None));
    }
    let d = run(&mut t, Sysno::fcntl, [3, 1030, 10, 0, 0, 0], 11);
    assert_eq!(line(&d), "3<UNIX:[374754->374755]>, F_DUPFD_CLOEXEC, 10");
    assert_eq!(ret_text(&d).as_deref(), Some("11<UNIX:[374754->374755]>"));
    let d = run(&mut t, Sysno::dup, [3, 0, 0, 0, 0, 0], 7);
    assert_eq!(ret_text(&d).as_deref(), Some("7<UNIX:[374754->374755]>"));
    let d = run(&mut t, Sysno::dup3, [3, 21, 0x80000, 0, 0, 0], 21);
    assert_eq!(line(&d), "3<UNIX:[374754->374755]>, 21, O_CLOEXEC");
    let d = run(&mut t, Sysno::fcntl, [3, 4, 0x800, 0, 0, 0], 0);
    assert_eq!(line(&d), "3<UNIX:[374754->374755]>, F_SETFL, O_NONBLOCK");
    assert_eq!(ret_text(&d), None);
    let d = run(
        &mut t,
        Sysno::close_range,
        [3, u32::MAX as u64, 0, 0, 0, 0],
        0,
    );
    assert_eq!(line(&d), "3, 4294967295, 0");
    let d = run(&mut t, Sysno::close_range, [5, 7, 8, 0, 0, 0], EINVAL);
    assert_eq!(line(&d), "5, 7, 0x8 /* CLOSE_RANGE_??? */");
    let d = run(&mut t, Sysno::fcntl, [3, 1, 0, 0, 0, 0], 1);
    assert_eq!(line(&d), "3<UNIX:[374754->374755]>, F_GETFD");
    assert_eq!(ret_text(&d), None);
}

#[test]
fn decode_netlink_unspec_and_empty_abstract() {
    let mut t = BufTracee::new(BASE);
    let nl = t.put(&[16u16.to_ne_bytes().to_vec(), vec![0, 0], ints(&[0, 5])].concat());
    let d = run(&mut t, Sysno::bind, [5, nl, 12, 0, 0, 0], 0);
    assert_eq!(
        line(&d),
        "5, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=0x000005}, 12"
    );
    let un = t.put(&[0u8; 16]);
    let d = run(&mut t, Sysno::connect, [3, un, 2, 0, 0, 0], 0);
    assert_eq!(line(&d), "3, {sa_family=AF_UNSPEC}, 2");
    let a = t.put(&sun(b""));
    let d = run(&mut t, Sysno::connect, [3, a, 3, 0, 0, 0], -111);
    assert_eq!(line(&d), "3, {sa_family=AF_UNIX, sun_path=@\"\"}, 3");
    assert_eq!(d.addr.unwrap().kind(), AddrKind::Abstract);
}

#[test]
fn decode_every_traced_call_has_a_decoder() {
    use crate::model::traced::{FD_CHANGING_CALLS, FD_IO_CALLS, SOCKET_CALLS};
    let mut t = BufTracee::new(BASE);
    for &sys in SOCKET_CALLS
        .iter()
        .chain(FD_IO_CALLS)
        .chain(FD_CHANGING_CALLS)
    {
        for ret in [0, EINVAL] {
            let d = run(&mut t, sys, [3, 0, 0, 0, 0, 0], ret);
            let raw = d.args.len() == 6 && d.args.iter().all(|a| matches!(a, Arg::Ptr(_)));
            assert!(!raw, "{sys} falls back to raw registers: {:?}", d.args);
            assert!(!d.args.is_empty(), "{sys}");
            line(&d);
        }
    }
}

#[test]
fn decode_null_iov_base_is_null_even_when_empty() {
    // strace: {iov_base=NULL, iov_len=0}, checked against strace 6.1 on writev.
    let mut t = BufTracee::new(BASE);
    let iov = t.put(&iovecs(&[(0, 0), (0, 3)]));
    let d = run(&mut t, Sysno::writev, [4, iov, 2, 0, 0, 0], EINVAL);
    assert_eq!(
        line(&d),
        "4, [{iov_base=NULL, iov_len=0}, {iov_base=NULL, iov_len=3}], 2"
    );
}
