//! User and group names as the tracee sees them: its own root's /etc/passwd and
//! /etc/group (a container has its own), read only for a permission failure and only for
//! the ids it involves.

use crate::model::facts::IdNames;
use crate::model::{ByteString, Pid};

/// The largest file read (an /etc/passwd of a directory-backed site can be large; what
/// is past this is not looked at).
const MAX_FILE: u64 = 4 << 20;

/// The fields of each line of a colon-separated file.
fn records(text: &[u8]) -> impl Iterator<Item = Vec<&[u8]>> {
    text.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && l[0] != b'#')
        .map(|l| l.split(|&b| b == b':').collect())
}

fn number(f: &[u8]) -> Option<u32> {
    std::str::from_utf8(f).ok()?.parse().ok()
}

/// The users of an /etc/passwd among `uids`: (uid, name, primary gid).
pub fn parse_passwd(text: &[u8], uids: &[u32]) -> Vec<(u32, ByteString, u32)> {
    records(text)
        .filter_map(|f| {
            let (name, uid, gid) = (f.first()?, number(f.get(2)?)?, number(f.get(3)?)?);
            uids.contains(&uid)
                .then(|| (uid, ByteString::from(*name), gid))
        })
        .fold(Vec::new(), |mut v, u| {
            // The first entry for an id is the one the C library returns.
            if !v.iter().any(|o: &(u32, ByteString, u32)| o.0 == u.0) {
                v.push(u);
            }
            v
        })
}

/// The groups of an /etc/group among `gids`: (gid, name, members).
pub fn parse_group(text: &[u8], gids: &[u32]) -> Vec<(u32, ByteString, Vec<ByteString>)> {
    records(text)
        .filter_map(|f| {
            let (name, gid) = (f.first()?, number(f.get(2)?)?);
            let members = f
                .get(3)
                .map(|m| {
                    m.split(|&b| b == b',')
                        .filter(|n| !n.is_empty())
                        .map(ByteString::from)
                        .collect()
                })
                .unwrap_or_default();
            gids.contains(&gid)
                .then(|| (gid, ByteString::from(*name), members))
        })
        .fold(Vec::new(), |mut v, g| {
            if !v
                .iter()
                .any(|o: &(u32, ByteString, Vec<ByteString>)| o.0 == g.0)
            {
                v.push(g);
            }
            v
        })
}

fn read_bounded(path: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_FILE)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

/// The names of `uids` and `gids` in `pid`'s /etc/passwd and /etc/group (with the
/// primary groups of those users, for membership). None when neither file can be read.
pub fn probe_id_names(pid: Pid, uids: &[u32], gids: &[u32]) -> Option<IdNames> {
    let passwd = read_bounded(&format!("/proc/{pid}/root/etc/passwd"));
    let group = read_bounded(&format!("/proc/{pid}/root/etc/group"));
    if passwd.is_none() && group.is_none() {
        return None;
    }
    let users = passwd.map(|t| parse_passwd(&t, uids)).unwrap_or_default();
    let mut all_gids = gids.to_vec();
    all_gids.extend(users.iter().map(|u| u.2));
    let groups = group
        .map(|t| parse_group(&t, &all_gids))
        .unwrap_or_default();
    Some(IdNames { users, groups })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/bash\n# comment\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nbroken line\nnobody:x:65534:1:dup:/:/bin/sh\n";
    const GROUP: &[u8] = b"root:x:0:\nwww-data:x:33:alice,bob\nnogroup:x:65534:\n";

    #[test]
    fn probe_names_parse_the_files() {
        let u = parse_passwd(PASSWD, &[65534, 33, 7]);
        assert_eq!(
            u,
            vec![
                (33, ByteString::from("www-data"), 33),
                (65534, ByteString::from("nobody"), 65534)
            ]
        );
        let g = parse_group(GROUP, &[33, 65534]);
        assert_eq!(
            g[0].2,
            vec![ByteString::from("alice"), ByteString::from("bob")]
        );
        let n = IdNames {
            users: u,
            groups: g,
        };
        assert_eq!(n.user(65534).unwrap().as_bytes(), b"nobody");
        assert_eq!(n.group(33).unwrap().as_bytes(), b"www-data");
        assert_eq!(n.listed_in(65534, 33), Some(false));
        assert_eq!(n.listed_in(65534, 65534), Some(true), "primary group");
        assert_eq!(n.listed_in(7, 33), None);
        let me = std::process::id() as Pid;
        let n = probe_id_names(me, &[0], &[0]).unwrap();
        assert_eq!(n.user(0).unwrap().as_bytes(), b"root");
    }
}
