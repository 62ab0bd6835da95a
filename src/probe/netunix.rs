//! /proc/net/unix: every AF_UNIX socket in a network namespace (the fallback when
//! sock_diag is unavailable).
//!
//! The path is the last field and printed raw, so it may hold spaces and newlines; an
//! entry therefore ends at the next line that parses as a whole entry header, not at the
//! next newline. A name crafted to look like a header line can still fool this, which
//! is one reason sock_diag is asked first. The file has no peer, queue or file-inode
//! columns: those stay None.

use crate::model::Pid;
use crate::model::facts::{SockState, UnixSocket};
use crate::model::{SockKind, UnixName};

/// __SO_ACCEPTCON: the socket is listening.
const SO_ACCEPTCON: u32 = 1 << 16;

/// One parsed header: everything before the path.
struct Head {
    flags: u32,
    kind: u32,
    st: u32,
    inode: u64,
}

/// Parse `Num: RefCount Protocol Flags Type St Inode` and return it with the offset
/// just after the inode digits.
fn parse_head(line: &[u8]) -> Option<(Head, usize)> {
    let mut i = 0;
    let field = |i: &mut usize, hex: bool| -> Option<u64> {
        while *i < line.len() && line[*i] == b' ' {
            *i += 1;
        }
        let start = *i;
        while *i < line.len() && line[*i] != b' ' && line[*i] != b':' && line[*i] != b'\n' {
            *i += 1;
        }
        let s = std::str::from_utf8(&line[start..*i]).ok()?;
        if s.is_empty() {
            return None;
        }
        if hex {
            u64::from_str_radix(s, 16).ok()
        } else {
            s.parse().ok()
        }
    };
    field(&mut i, true)?; // Num (kernel address, maybe hashed or zero)
    if line.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    field(&mut i, true)?; // RefCount
    field(&mut i, true)?; // Protocol
    let flags = field(&mut i, true)? as u32;
    let kind = field(&mut i, true)? as u32;
    let st = field(&mut i, true)? as u32;
    let inode = field(&mut i, false)?;
    match line.get(i) {
        None | Some(b' ') | Some(b'\n') => {}
        _ => return None,
    }
    Some((
        Head {
            flags,
            kind,
            st,
            inode,
        },
        i,
    ))
}

/// Parse the whole of a /proc/net/unix file.
pub fn parse_net_unix(text: &[u8]) -> Vec<UnixSocket> {
    // Line starts that begin a real entry.
    let mut starts: Vec<(usize, Head, usize)> = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let end = text[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |e| pos + e);
        if let Some((h, after)) = parse_head(&text[pos..end]) {
            starts.push((pos, h, pos + after));
        }
        pos = end + 1;
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, (_, h, after)) in starts.iter().enumerate() {
        let entry_end = starts.get(k + 1).map_or(text.len(), |n| n.0);
        // The kernel ends each entry with one '\n'.
        let mut rest = &text[*after..entry_end];
        if let Some(r) = rest.strip_suffix(b"\n") {
            rest = r;
        }
        let name = rest
            .strip_prefix(b" ")
            .map_or(UnixName::Unnamed, |p| match p.split_first() {
                // Abstract names are printed with '@' for the leading NUL (and for any NUL).
                Some((b'@', n)) => UnixName::Abstract(n.into()),
                _ => UnixName::Path(p.into()),
            });
        let state = if h.flags & SO_ACCEPTCON != 0 {
            SockState::Listening
        } else {
            match h.st {
                1 => SockState::Unconnected,
                2 => SockState::Connecting,
                3 => SockState::Connected,
                4 => SockState::Disconnecting,
                n => SockState::Other(n),
            }
        };
        out.push(UnixSocket {
            name,
            ..UnixSocket::new(h.inode, SockKind::from_raw(h.kind), state)
        });
    }
    out
}

/// Read /proc/PID/net/unix (the namespace `pid` lives in), or /proc/net/unix for None.
pub fn probe_net_unix(pid: Option<Pid>) -> std::io::Result<Vec<UnixSocket>> {
    let p = match pid {
        Some(p) => format!("/proc/{p}/net/unix"),
        None => "/proc/net/unix".to_owned(),
    };
    Ok(parse_net_unix(&std::fs::read(p)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"Num       RefCount Protocol Flags    Type St Inode Path\n\
0000000000000000: 00000002 00000000 00010000 0001 01 30050 /run/a b.sock\n\
0000000000000000: 00000003 00000000 00000000 0001 03  1141\n\
0000000000000000: 00000002 00000000 00000000 0002 01 77 @abs@x\n\
0000000000000000: 00000002 00000000 00000000 0005 01 78 /tmp/new\nline\n\n\
0000000000000000: 00000002 00000000 00000000 0001 01 79 /t\n";

    #[test]
    fn probe_netunix_parses_flags_types_and_hostile_names() {
        let v = parse_net_unix(SAMPLE);
        assert_eq!(v.len(), 5);
        assert_eq!(v[0].inode, 30050);
        assert_eq!(v[0].state, SockState::Listening);
        assert_eq!(v[0].kind, SockKind::Stream);
        assert_eq!(
            v[0].name,
            UnixName::Path(b"/run/a b.sock".as_slice().into())
        );
        assert_eq!(v[1].inode, 1141);
        assert_eq!(v[1].state, SockState::Connected);
        assert_eq!(v[1].name, UnixName::Unnamed);
        assert_eq!(v[2].kind, SockKind::Dgram);
        assert_eq!(v[2].name, UnixName::Abstract(b"abs@x".as_slice().into()));
        assert_eq!(v[3].kind, SockKind::Seqpacket);
        assert_eq!(
            v[3].name,
            UnixName::Path(b"/tmp/new\nline\n".as_slice().into())
        );
        assert_eq!(v[4].inode, 79);
    }

    #[test]
    fn probe_netunix_never_panics_on_garbage() {
        // xorshift: deterministic bytes biased towards the file's own alphabet.
        let mut x: u64 = 0x9e3779b97f4a7c15;
        let alphabet = b"0123456789abcdef: @/\n\0\xff";
        for len in 0..400 {
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            let _ = parse_net_unix(&buf);
        }
    }

    #[test]
    fn probe_netunix_finds_a_live_listener() {
        let path = std::env::temp_dir().join(format!("sockwhy-nu-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let l = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let want = UnixName::Path(path.as_os_str().as_encoded_bytes().into());
        let v = probe_net_unix(Some(std::process::id() as Pid)).unwrap();
        let s = v.iter().find(|s| s.name == want).unwrap();
        assert_eq!(s.state, SockState::Listening);
        drop(l);
        let _ = std::fs::remove_file(&path);
    }
}
