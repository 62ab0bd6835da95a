//! Rules about namespaces: the tracee does not see the world the server sees. A path
//! exists in the server's mount namespace (systemd's PrivateTmp, a container, `unshare
//! --mount`) but not in the client's; an abstract name is held in another network
//! namespace. One function per cause; `table.rs` gives each its id.

use super::{Ctx, cause_fix, owners_text, sock_text};
use crate::model::facts::{BoundSocket, FileKind, NameThere, Namespaces, NsKind, WalkEnd};
use crate::model::{Cause, Confidence, Pid, UnixName};
use crate::render::escape::{quote_bytes, quote_unix_name};

/// `mnt:[4026531832]`.
fn ns_text(k: NsKind, ino: u64) -> String {
    format!("{}:[{ino}]", k.name().0)
}

/// `mnt:[1], net:[2], user:[3], pid:[4]`, the kinds that could be read.
pub(super) fn namespaces_text(ns: &Namespaces) -> String {
    let v: Vec<String> = NsKind::ALL
        .iter()
        .filter_map(|&k| ns.get(k).map(|i| ns_text(k, i)))
        .collect();
    if v.is_empty() {
        "namespaces not readable".into()
    } else {
        v.join(", ")
    }
}

/// The evidence comparing the tracee's namespaces with a holder's.
fn ns_evidence(c: &Ctx, mine: &Namespaces, pid: Pid, theirs: &Namespaces) -> Vec<String> {
    let mut ev = vec![
        format!("this process (pid {}): {}", c.ev.pid, namespaces_text(mine)),
        format!("pid {pid}: {}", namespaces_text(theirs)),
    ];
    let d = mine.differ(theirs);
    if !d.is_empty() {
        ev.push(format!(
            "they differ in: {}",
            d.iter()
                .map(|(k, a, b)| format!("{} ({} here, {} there)", k.name().0, a, b))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    ev
}

/// What the tracee meets at the path, in a few words.
fn here_text(c: &Ctx) -> &'static str {
    match c.f.path.as_ref().map(|w| (&w.end, w.target())) {
        Some((WalkEnd::Found, Some(t))) if t.info.kind == FileKind::Socket => {
            "is a socket file nobody holds"
        }
        Some((WalkEnd::Found, Some(_))) => "is another file",
        Some((WalkEnd::Missing { last: false, .. }, _)) => "does not exist (nor its directory)",
        Some((WalkEnd::Missing { .. }, _)) => "does not exist",
        _ => "cannot be reached",
    }
}

/// A socket bound by this name whose holder sees its file where the tracee does not.
fn seen_elsewhere<'a>(c: &'a Ctx) -> Option<(&'a BoundSocket, Pid, Namespaces)> {
    c.f.bound_elsewhere.iter().find_map(|b| {
        let h = b.holder.as_ref()?;
        matches!(h.there, NameThere::ThisSocket(_)).then_some((b, h.pid, h.ns))
    })
}

/// ENOENT / ECONNREFUSED: the path is the server's socket in its own mount namespace (or
/// under its own root), not in the client's.
pub(super) fn other_mount_namespace(c: &Ctx) -> Option<Cause> {
    let name = c.addr()?.unix_name()?;
    let UnixName::Path(p) = name else {
        return None;
    };
    // A relative name resolves against each side's cwd (`connect.relative-other-cwd`).
    if p.as_bytes().first() != Some(&b'/') {
        return None;
    }
    let mine = c.f.ns?;
    let (b, pid, theirs) = seen_elsewhere(c)?;
    let shown = quote_unix_name(name);
    let who = owners_text(&b.owners);
    let mut ev = ns_evidence(c, &mine, pid, &theirs);
    if let Some(NameThere::ThisSocket(info)) = b.holder.as_ref().map(|h| h.there) {
        ev.push(format!(
            "as pid {pid} resolves it, {shown} is the socket's own file: {}, inode {}",
            c.mode_text(&info),
            info.id.ino
        ));
    }
    ev.push(format!("the socket: {} held by {who}", sock_text(&b.sock)));
    ev.push(format!(
        "as this process resolves it, {shown} {}",
        here_text(c)
    ));
    let (summary, fix) = match mine.same(&theirs, NsKind::Mnt) {
        Some(false) => (
            format!(
                "{shown} exists, but only in the mount namespace of {who} (mnt:[{}]); this process is in mnt:[{}], where {shown} {}. Restarting the server will not help.",
                theirs.mnt.unwrap_or_default(),
                mine.mnt.unwrap_or_default(),
                here_text(c)
            ),
            format!(
                "run the client in the server's mount namespace (nsenter -t {pid} -m -- COMMAND), bind-mount the socket's directory where the client sees it, or have the service put its socket where both see it (a systemd service with PrivateTmp= should use /run, e.g. RuntimeDirectory=)"
            ),
        ),
        _ => (
            format!(
                "{shown} exists for {who}, which has another root directory (chroot or a container's root); as this process resolves it, {shown} {}.",
                here_text(c)
            ),
            format!(
                "connect through the server's root ({}), or bind-mount the socket where the client sees it",
                quote_bytes(
                    &[
                        format!("/proc/{pid}/root").as_bytes(),
                        name.bytes().map(|b| b.as_bytes()).unwrap_or_default()
                    ]
                    .concat()
                )
            ),
        ),
    };
    cause_fix(summary, ev, Confidence::High, fix)
}

/// ECONNREFUSED on an abstract name nobody holds here but a process holds in another
/// network namespace.
pub(super) fn abstract_other_netns(c: &Ctx) -> Option<Cause> {
    let name = c.addr()?.unix_name()?;
    let UnixName::Abstract(_) = name else {
        return None;
    };
    if !c.f.bound.as_deref()?.is_empty() {
        return None;
    }
    let others = c.f.bound_other_netns.as_deref()?;
    let b = others
        .iter()
        .find(|b| !b.owners.is_empty())
        .or(others.first())?;
    let mine = c.f.ns?;
    let shown = quote_unix_name(name);
    let theirs = b.holder.as_ref().map(|h| h.ns).unwrap_or_default();
    let mut ev = match &b.holder {
        Some(h) => ns_evidence(c, &mine, h.pid, &h.ns),
        None => vec![format!("this process: {}", namespaces_text(&mine))],
    };
    ev.push(format!(
        "no socket has that abstract name in this process's network namespace (net:[{}])",
        mine.net.unwrap_or_default()
    ));
    ev.extend(others.iter().map(|o| {
        format!(
            "in another network namespace: {} held by {}",
            sock_text(&o.sock),
            owners_text(&o.owners)
        )
    }));
    let net = |ns: &Namespaces| {
        ns.net
            .map(|n| format!("net:[{n}]"))
            .unwrap_or_else(|| "another one".into())
    };
    let (holder, fix) = match b.owners.first() {
        Some(o) => (
            format!("{} holds it", owners_text(&b.owners)),
            format!(
                "run the client in the server's network namespace (nsenter -t {} -n -- COMMAND), start both in one (the same container network, the same unshare), or use a path socket, which works across network namespaces when both see the file",
                o.pid
            ),
        ),
        None => (
            "a socket has it (no process we can see holds it)".into(),
            "run the client in the server's network namespace, or use a path socket".into(),
        ),
    };
    cause_fix(
        format!(
            "Nobody has bound {shown} in this process's network namespace ({}), but {holder} in network namespace {}: abstract names exist per network namespace, so the client cannot reach it.",
            net(&mine),
            net(&theirs)
        ),
        ev,
        Confidence::High,
        fix,
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::{History, find_cause};
    use crate::model::Facts;
    use crate::model::facts::*;
    use crate::model::{Confidence, SockKind, UnixName};

    fn ns(mnt: u64, net: u64) -> Namespaces {
        Namespaces {
            mnt: Some(mnt),
            net: Some(net),
            user: Some(1),
            pid: Some(2),
        }
    }

    fn held(name: UnixName, view: Option<HolderView>) -> BoundSocket {
        let mut s = sock(7, SockKind::Stream, SockState::Listening);
        s.name = name;
        BoundSocket {
            sock: s,
            owners: vec![Owner {
                pid: 42,
                comm: "redis-server".into(),
                fds: vec![6],
            }],
            by_file: false,
            holder: view,
        }
    }

    #[test]
    fn rules_ns_path_only_in_the_servers_mount_namespace() {
        let mut e = ev("connect", "ENOENT");
        e.addr = Some(path("/tmp/r/redis.sock"));
        let f = Facts {
            path: Some(PathWalk {
                given: "/tmp/r/redis.sock".into(),
                cwd: None,
                steps: vec![],
                end: WalkEnd::Missing {
                    at: "/tmp/r/redis.sock".into(),
                    last: true,
                },
                denied: None,
                perms_checked: false,
                parent_readonly: None,
            }),
            bound: Some(vec![]),
            bound_exact: true,
            ns: Some(ns(10, 20)),
            bound_elsewhere: vec![held(
                UnixName::Path("/tmp/r/redis.sock".into()),
                Some(HolderView {
                    pid: 42,
                    ns: ns(11, 20),
                    there: NameThere::ThisSocket(info(FileKind::Socket, 0o755, 0, 0)),
                    cwd: None,
                }),
            )],
            ..Default::default()
        };
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert_eq!(c.rule, "connect.other-mount-namespace", "{c:?}");
        assert!(
            c.summary.contains("only in the mount namespace of pid 42 (redis-server) fd 6 (mnt:[11]); this process is in mnt:[10]"),
            "{c:?}"
        );
        assert!(!c.summary.contains("restart the server"), "{c:?}");
        assert!(
            c.fix.as_deref().unwrap().contains("nsenter -t 42 -m"),
            "{c:?}"
        );
        assert!(
            c.evidence
                .iter()
                .any(|e| e == "they differ in: mnt (10 here, 11 there)"),
            "{c:?}"
        );
        assert_eq!(c.confidence, Confidence::High);

        // Deleted in the server's namespace too: then it was deleted.
        let mut f = f;
        f.bound_elsewhere[0].holder.as_mut().unwrap().there = NameThere::Missing;
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert_eq!(c.rule, "connect.deleted-while-held", "{c:?}");
        assert_eq!(c.confidence, Confidence::High);
        // Not looked at, in another namespace: not certain.
        f.bound_elsewhere[0].holder.as_mut().unwrap().there = NameThere::Unknown;
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert_eq!(c.rule, "connect.deleted-while-held", "{c:?}");
        assert_eq!(c.confidence, Confidence::Medium);
    }

    #[test]
    fn rules_ns_abstract_name_in_another_network_namespace() {
        let mut e = ev("connect", "ECONNREFUSED");
        e.addr = Some(abs("svc"));
        let f = Facts {
            bound: Some(vec![]),
            bound_exact: true,
            ns: Some(ns(10, 20)),
            bound_other_netns: Some(vec![held(
                UnixName::Abstract("svc".into()),
                Some(HolderView {
                    pid: 42,
                    ns: ns(10, 21),
                    there: NameThere::Unknown,
                    cwd: None,
                }),
            )]),
            ..Default::default()
        };
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert_eq!(c.rule, "connect.abstract-other-netns", "{c:?}");
        assert!(
            c.summary.contains("network namespace (net:[20]), but pid 42 (redis-server) fd 6 holds it in network namespace net:[21]"),
            "{c:?}"
        );
        assert!(
            c.fix.as_deref().unwrap().contains("nsenter -t 42 -n"),
            "{c:?}"
        );
        let mut f = f;
        f.bound_other_netns = Some(vec![]);
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert_eq!(c.rule, "connect.abstract-unbound", "{c:?}");
    }
}
