//! "Did you mean": live sockets whose names resemble the name a call failed on, found in
//! the failure's one socket table (no filesystem walk), held by a process we can see.
//! The matching is pure and bounded: a linear pass over the table, an edit distance only
//! between names of nearly the same length.

use super::ns::{probe_holder_view, probe_name_there};
use super::scan::Scanned;
use crate::model::facts::{
    BoundSocket, HolderView, NameThere, NearKind, NearMiss, SockState, UnixSocket,
};
use crate::model::{Pid, SockKind, UnixName};

/// At most this many near misses are reported for one failure.
pub const MAX_NEAR: usize = 3;
/// At most this many candidates are looked at further (their holders), best first.
const MAX_CANDIDATES: usize = 12;
/// File names too common to say "the same name elsewhere" about.
const GENERIC: &[&[u8]] = &[b"socket", b"sock", b"control", b"ctl", b"S"];

fn split_dir(p: &[u8]) -> (&[u8], &[u8]) {
    match p.iter().rposition(|&b| b == b'/') {
        Some(i) => (&p[..i], &p[i + 1..]),
        None => (b"", p),
    }
}

/// The name with each run of digits replaced by one `#` (`X1` and `X10` both `X#`).
fn without_numbers(p: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(p.len());
    for &b in p {
        if b.is_ascii_digit() {
            if out.last() != Some(&b'#') {
                out.push(b'#');
            }
        } else {
            out.push(b);
        }
    }
    out
}

/// Levenshtein distance, or None when it exceeds `max` (names of very different
/// length are not compared at all).
pub fn edit_distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

/// `redis.sock` -> `redis`: the name up to its first dot (a leading dot kept).
fn stem(base: &[u8]) -> &[u8] {
    let from = usize::from(base.first() == Some(&b'.'));
    match base[from..].iter().position(|&b| b == b'.') {
        Some(i) => &base[..from + i],
        None => base,
    }
}

/// `redis` and `redis-server`: one is the other followed by a separator and more.
fn extends(short: &[u8], long: &[u8]) -> bool {
    short.len() >= 3
        && long.len() > short.len()
        && long.starts_with(short)
        && matches!(long[short.len()], b'-' | b'_' | b'.')
}

fn similar_base(a: &[u8], b: &[u8]) -> bool {
    let (sa, sb) = (stem(a), stem(b));
    extends(sa, sb)
        || extends(sb, sa)
        || a.eq_ignore_ascii_case(b)
        || (a.len().min(b.len()) >= 5 && edit_distance(a, b, 2).is_some())
}

/// How `cand` resembles `wanted` (as given; `wanted_abs` is its absolute form when
/// known), or None when it does not (or is the same name).
pub fn near_kind(
    wanted: &UnixName,
    wanted_abs: Option<&[u8]>,
    cand: &UnixName,
) -> Option<NearKind> {
    match (wanted, cand) {
        (UnixName::Path(w), UnixName::Path(c)) => {
            let (w, c) = (w.as_bytes(), c.as_bytes());
            let wa = wanted_abs.unwrap_or(w);
            if c == w || c == wa {
                return None;
            }
            if w.first() != Some(&b'/')
                && c.first() == Some(&b'/')
                && c.len() > w.len()
                && c.ends_with(w)
                && c[c.len() - w.len() - 1] == b'/'
            {
                return Some(NearKind::Relative);
            }
            if c.first() != Some(&b'/') {
                // A relative name bound elsewhere matches only itself (handled as the
                // same name bound relative to another cwd).
                return None;
            }
            let (wd, wb) = split_dir(wa);
            let (cd, cb) = split_dir(c);
            if without_numbers(wa) == without_numbers(c) {
                return Some(NearKind::OtherNumber);
            }
            if wb == cb && wd != cd && wb.len() >= 3 && !GENERIC.contains(&wb) {
                return Some(NearKind::SameBasename);
            }
            (wd == cd && similar_base(wb, cb)).then_some(NearKind::SameDirSimilar)
        }
        (UnixName::Abstract(w), UnixName::Abstract(c)) => {
            let (w, c) = (w.as_bytes(), c.as_bytes());
            if w == c {
                return None;
            }
            if without_numbers(w) == without_numbers(c) {
                return Some(NearKind::OtherNumber);
            }
            let max = if w.len() >= 12 { 2 } else { 1 };
            edit_distance(w, c, max).map(|_| NearKind::AbstractEdit)
        }
        (UnixName::Path(w), UnixName::Abstract(c)) => (c.as_bytes() == w.as_bytes()
            || Some(c.as_bytes()) == wanted_abs)
            .then_some(NearKind::OtherKind),
        (UnixName::Abstract(w), UnixName::Path(c)) => {
            (c.as_bytes() == w.as_bytes()).then_some(NearKind::OtherKind)
        }
        _ => None,
    }
}

/// `/var/run/x` is `/run/x` on every current system.
fn canonical_dir(d: &[u8]) -> &[u8] {
    d.strip_prefix(b"/var".as_slice())
        .filter(|r| r.starts_with(b"/run"))
        .unwrap_or(d)
}

/// Directories close enough that the same file name in both is probably one service's:
/// one inside the other, or siblings.
fn dirs_related(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (canonical_dir(a), canonical_dir(b));
    let inside = |x: &[u8], y: &[u8]| y.starts_with(x) && y.get(x.len()) == Some(&b'/');
    a == b || inside(a, b) || inside(b, a) || (a.len() > 1 && split_dir(a).0 == split_dir(b).0)
}

/// True when a near miss of `kind` between these names is a strong enough guess to be
/// the cause, not only a hint.
pub fn is_close(
    wanted: &UnixName,
    wanted_abs: Option<&[u8]>,
    cand: &UnixName,
    kind: NearKind,
) -> bool {
    match (kind, wanted, cand) {
        (NearKind::SameBasename, UnixName::Path(w), UnixName::Path(c)) => dirs_related(
            split_dir(wanted_abs.unwrap_or(w.as_bytes())).0,
            split_dir(c.as_bytes()).0,
        ),
        _ => true,
    }
}

/// True for a socket a client can use: listening, or a datagram socket with a name.
fn serves(s: &UnixSocket) -> bool {
    s.state == SockState::Listening || s.kind == SockKind::Dgram
}

/// The best candidates of `table` for `wanted`, without holders yet: best kind first,
/// then the closest length. `kind`: only sockets of that type (for EPROTOTYPE).
pub fn near_candidates<'a>(
    wanted: &UnixName,
    wanted_abs: Option<&[u8]>,
    table: &'a [UnixSocket],
    kind: Option<SockKind>,
) -> Vec<(&'a UnixSocket, NearKind)> {
    let len = wanted.bytes().map_or(0, |b| b.len());
    let mut v: Vec<(&UnixSocket, NearKind)> = table
        .iter()
        .filter(|s| serves(s) && kind.is_none_or(|k| s.kind == k))
        .filter_map(|s| Some((s, near_kind(wanted, wanted_abs, &s.name)?)))
        .collect();
    v.sort_by_key(|(s, k)| {
        (
            *k,
            s.name.bytes().map_or(0, |b| b.len()).abs_diff(len),
            s.inode,
        )
    });
    // One socket per name (a server may hold several bound the same way).
    v.dedup_by(|a, b| a.0.name == b.0.name);
    v.truncate(MAX_CANDIDATES);
    v
}

/// The near misses for a name `pid` failed on: candidates of `table`, each held by a
/// process we can see, with whether `pid` reaches it by its name.
pub fn probe_near(
    pid: Pid,
    wanted: &UnixName,
    wanted_abs: Option<&[u8]>,
    table: &[UnixSocket],
    kind: Option<SockKind>,
    scan: &mut Scanned,
) -> Vec<NearMiss> {
    let mut out = Vec::new();
    for (s, k) in near_candidates(wanted, wanted_abs, table, kind) {
        if out.len() == MAX_NEAR {
            break;
        }
        let owners = scan.owners(s.inode);
        // A socket nobody holds is dead, unless its holder is a process we may not see.
        let first = match owners.first() {
            Some(o) => Some(o.pid),
            None if scan.incomplete() => None,
            None => continue,
        };
        let (holder, reachable) = match &s.name {
            UnixName::Path(p) => {
                let h = first.map(|pid| probe_holder_view(pid, p.as_bytes(), s.vfs));
                let reach = match probe_name_there(pid, p.as_bytes(), s.vfs) {
                    NameThere::ThisSocket(_) => Some(true),
                    NameThere::Unknown => None,
                    _ => Some(false),
                };
                (h, reach)
            }
            _ => (
                first.map(|pid| HolderView {
                    pid,
                    ns: super::ns::probe_namespaces(pid),
                    there: NameThere::Unknown,
                    cwd: None,
                }),
                Some(true),
            ),
        };
        out.push(NearMiss {
            bound: BoundSocket {
                sock: s.clone(),
                owners,
                by_file: false,
                holder,
            },
            kind: k,
            close: is_close(wanted, wanted_abs, &s.name, k),
            reachable,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ByteString;

    fn p(s: &str) -> UnixName {
        UnixName::Path(ByteString::from(s))
    }
    fn a(s: &str) -> UnixName {
        UnixName::Abstract(ByteString::from(s))
    }

    #[test]
    fn probe_near_kinds_of_resemblance() {
        let k = |w: &UnixName, c: &UnixName| near_kind(w, None, c);
        assert_eq!(
            k(&p("/run/redis.sock"), &p("/run/redis-server.sock")),
            Some(NearKind::SameDirSimilar)
        );
        assert_eq!(
            k(&p("/run/api.sock"), &p("/run/api_v2.sock")),
            Some(NearKind::SameDirSimilar)
        );
        assert_eq!(
            k(&p("/run/redis.sock"), &p("/var/run/redis/redis.sock")),
            Some(NearKind::SameBasename)
        );
        assert_eq!(
            k(&p("/tmp/.X11-unix/X1"), &p("/tmp/.X11-unix/X0")),
            Some(NearKind::OtherNumber)
        );
        assert_eq!(
            k(&p("/tmp/.s.PGSQL.5433"), &p("/tmp/.s.PGSQL.5432")),
            Some(NearKind::OtherNumber)
        );
        assert_eq!(
            k(&p("/run/user/1000/bus"), &p("/run/user/0/bus")),
            Some(NearKind::OtherNumber)
        );
        assert_eq!(
            k(&p("run/app.sock"), &p("/srv/app/run/app.sock")),
            Some(NearKind::Relative)
        );
        assert_eq!(
            k(&p("/tmp/.X11-unix/X0"), &a("/tmp/.X11-unix/X0")),
            Some(NearKind::OtherKind)
        );
        assert_eq!(
            k(&a("sockwhy-svc"), &a("sockwhy-svd")),
            Some(NearKind::AbstractEdit)
        );
        assert_eq!(k(&a("svc-1"), &a("svc-22")), Some(NearKind::OtherNumber));
        // Not alike, or the same name.
        assert_eq!(k(&p("/run/redis.sock"), &p("/run/nginx.sock")), None);
        assert_eq!(k(&p("/run/a/socket"), &p("/run/b/socket")), None, "generic");
        assert_eq!(k(&p("/run/x.sock"), &p("/run/x.sock")), None);
        assert_eq!(k(&a("abc"), &a("xyz")), None);
        assert_eq!(k(&p("run/app.sock"), &p("run/app.sock")), None);
        let close = |w: &str, c: &str| is_close(&p(w), None, &p(c), NearKind::SameBasename);
        assert!(close("/run/redis.sock", "/var/run/redis/redis.sock"));
        assert!(close("/srv/a/x.sock", "/srv/b/x.sock"), "siblings");
        assert!(!close("/tmp/t1/missing/x.sock", "/home/u/proj/x.sock"));
        assert_eq!(edit_distance(b"kitten", b"sitting", 3), Some(3));
        assert_eq!(edit_distance(b"kitten", b"sitting", 2), None);
        assert_eq!(edit_distance(b"a", b"abcdef", 2), None);
    }

    #[test]
    fn probe_near_candidates_best_first_and_bounded() {
        let mk = |inode: u64, name: UnixName, state: SockState| UnixSocket {
            name,
            ..UnixSocket::new(inode, SockKind::Stream, state)
        };
        let table = vec![
            mk(1, p("/run/redis-server.sock"), SockState::Listening),
            mk(2, p("/var/run/redis/redis.sock"), SockState::Listening),
            mk(3, p("/run/redis-old.sock"), SockState::Unconnected),
            mk(4, p("/run/nginx.sock"), SockState::Listening),
        ];
        let c = near_candidates(&p("/run/redis.sock"), None, &table, None);
        let inodes: Vec<u64> = c.iter().map(|(s, _)| s.inode).collect();
        assert_eq!(
            inodes,
            [1, 2],
            "a similar name in the same directory first; unlistened left out"
        );
        assert!(
            near_candidates(&p("/run/redis.sock"), None, &table, Some(SockKind::Dgram)).is_empty()
        );
        let many: Vec<UnixSocket> = (0..100)
            .map(|i| {
                mk(
                    10 + i,
                    p(&format!("/tmp/.X11-unix/X{i}")),
                    SockState::Listening,
                )
            })
            .collect();
        assert_eq!(
            near_candidates(&p("/tmp/.X11-unix/X1000"), None, &many, None).len(),
            MAX_CANDIDATES
        );
    }
}
