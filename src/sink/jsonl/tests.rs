//! The saved format, line for line: the model serialises to exactly the text version 1
//! documented (docs/trace-format.md), and names this build does not know are kept.

use crate::model::{
    AddrKind, ByteString, Cmsg, Confidence, ErrnoName, Named, ProcessEventKind, Record, SockProto,
    SyscallName, UnixName,
};
use syscalls::Sysno;

/// Parse a line and write it back: the text must not change.
fn round_trip(line: &str) -> Record {
    let rec: Record = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(serde_json::to_string(&rec).unwrap(), line);
    rec
}

#[test]
fn byte_strings_round_trip_as_text_or_hex() {
    for b in [&b"/run/x.sock"[..], b"\x1b[2J\n\0", b"\xff\xfe\x00abc", b""] {
        let bs = ByteString(b.to_vec());
        let j = serde_json::to_string(&bs).unwrap();
        assert_eq!(serde_json::from_str::<ByteString>(&j).unwrap(), bs, "{j}");
    }
    assert!(serde_json::from_str::<ByteString>(r#"{"hex":"abc"}"#).is_err());
    assert!(serde_json::from_str::<ByteString>(r#"{"hex":"zz"}"#).is_err());
    assert!(serde_json::from_str::<ByteString>("12").is_err());
}

#[test]
fn every_line_of_a_recorded_trace_is_written_back_unchanged() {
    let text = include_str!("../../../tests/fixtures/recorded-daemon.jsonl");
    for line in text.lines() {
        round_trip(line);
    }
}

#[test]
fn names_addresses_sockets_and_cmsgs_keep_their_version_1_text() {
    // Abstract names of sockets keep their leading NUL on the wire; addresses do not.
    let sock = r#"{"type":"syscall","seq":4,"ts_ns":1,"duration_ns":2,"pid":7,"tid":8,"syscall":"sendmsg","args":["3"],"ret":-1,"errno":"E1234","restart":"ERESTARTSYS","injected":true,"addr":{"family":"AF_UNIX","kind":"abstract","path":"svc\u0000x","addrlen":9,"problems":["p"]},"fds":[{"fd":3,"proto":"UNIX-DGRAM","inode":5,"peer":6,"path":"\u0000srv","peer_path":{"hex":"2fff"}},{"fd":4,"proto":"file","inode":0,"target":"/dev/null"}],"msgs":[{"name":{"family":"AF_UNIX","kind":"unnamed","path":null,"addrlen":2},"namelen":2,"iov":[{"base":16,"len":3,"data":"abc"}],"iovlen":1,"controllen":96,"cmsgs":[{"cmsg":"rights","fds":[3],"targets":[null]},{"cmsg":"credentials","pid":1,"uid":2,"gid":3},{"cmsg":"security","context":"ctx"},{"cmsg":"pidfd","fd":9},{"cmsg":"unknown","level":1,"kind":99,"len":20},{"cmsg":"malformed","len":7,"reason":"short"}],"flags":""}],"fd":3,"cause":{"summary":"s","evidence":[],"confidence":"medium"}}"#;
    let Record::Syscall(ev) = round_trip(sock) else {
        panic!("not a call")
    };
    assert_eq!(ev.syscall, Sysno::sendmsg);
    assert_eq!(
        ev.errno,
        Some(ErrnoName::Known(crate::model::Errno::new(1234)))
    );
    assert_eq!(
        ev.fds[0].proto,
        SockProto::Unix(crate::model::SockKind::Dgram)
    );
    assert_eq!(ev.fds[0].path, UnixName::Abstract("srv".into()));
    assert_eq!(ev.fds[0].peer_path, UnixName::Path(b"/\xff"[..].into()));
    assert_eq!(
        ev.addr.as_ref().unwrap().unix_name(),
        Some(&UnixName::Abstract("svc\0x".into()))
    );
    assert_eq!(ev.msgs[0].name.as_ref().unwrap().kind(), AddrKind::Unnamed);
    assert_eq!(ev.msgs[0].cmsgs.len(), 6);
    assert_eq!(ev.cause.unwrap().confidence, Confidence::Medium);
    let other = r#"{"family":"AF_INET","kind":"other","path":null,"addrlen":16}"#;
    let a: crate::model::SockAddr = serde_json::from_str(other).unwrap();
    assert_eq!(a.kind(), AddrKind::Other);
    assert_eq!(serde_json::to_string(&a).unwrap(), other);
    let exit = r#"{"type":"process","event":"exit","ts_ns":3,"pid":7,"tid":7,"signal":"SIGKILL","core_dumped":true}"#;
    let Record::Process(p) = round_trip(exit) else {
        panic!("not a process event")
    };
    assert_eq!(p.kind(), Some(ProcessEventKind::Exit));
}

#[test]
fn names_this_build_does_not_know_are_kept_as_read() {
    let line = r#"{"type":"syscall","seq":1,"ts_ns":0,"pid":1,"tid":1,"syscall":"frobnicate","args":[],"ret":-1,"errno":"EFUTURE","addr":{"family":"AF_VSOCK","kind":"vsock","path":"cid:3","addrlen":16},"fds":[{"fd":3,"proto":"QUIC","inode":1}],"msgs":[{"name":null,"namelen":0,"iov":[],"iovlen":0,"controllen":0,"cmsgs":[{"cmsg":"timestamp","ns":5}],"flags":""}],"cause":{"summary":"s","evidence":[],"confidence":"certain"}}"#;
    let rec: Record = serde_json::from_str(line).unwrap();
    let Record::Syscall(ev) = rec else {
        panic!("not a call")
    };
    assert_eq!(ev.syscall, SyscallName::Unknown("frobnicate".into()));
    assert_eq!(ev.errno, Some(ErrnoName::Unknown("EFUTURE".into())));
    let a = ev.addr.as_ref().unwrap();
    assert_eq!(a.kind(), Named::Unknown("vsock".into()));
    assert_eq!(ev.fds[0].proto, Named::Unknown("QUIC".into()));
    assert_eq!(
        ev.msgs[0].cmsgs[0],
        Cmsg::Other {
            cmsg: "timestamp".into()
        }
    );
    assert_eq!(ev.cause.as_ref().unwrap().confidence.name(), "certain");
    // Written back, every unknown name is as it was read.
    let back = serde_json::to_string(&Record::Syscall(ev)).unwrap();
    for name in [
        "\"frobnicate\"",
        "\"EFUTURE\"",
        "\"vsock\"",
        "\"cid:3\"",
        "\"QUIC\"",
        "\"timestamp\"",
        "\"certain\"",
    ] {
        assert!(back.contains(name), "{name} in {back}");
    }
    let p: Record =
        serde_json::from_str(r#"{"type":"process","event":"migrate","ts_ns":0,"pid":1,"tid":1}"#)
            .unwrap();
    let Record::Process(p) = p else { panic!() };
    assert_eq!(p.kind(), None);
    assert_eq!(p.event, Some(Named::Unknown("migrate".into())));
}
