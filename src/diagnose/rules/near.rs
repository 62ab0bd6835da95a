//! "Did you mean": the name a call failed on is not served, but a live socket with a
//! name like it is (the same file name elsewhere, another number, a similar name, the
//! relative path bound from another directory). One function per cause; `table.rs`
//! gives each its id.

use super::{Ctx, cause_fix, owners_text, sock_text};
use crate::model::facts::{FileKind, NameThere, NearKind, NearMiss, SockState, WalkEnd};
use crate::model::{ByteString, Cause, Confidence, Errno, UnixName};
use crate::render::escape::{quote_bytes, quote_unix_name};

/// What is wrong with the name the call used, in a few words.
pub(super) fn wrong_here(c: &Ctx) -> String {
    if c.errno_is(Errno::EPROTOTYPE) {
        return "is bound by a socket of another type".into();
    }
    match c.addr().and_then(|a| a.unix_name()) {
        Some(UnixName::Abstract(_)) => return "is bound by nobody".into(),
        Some(UnixName::Path(_)) => {}
        _ => return "does not work".into(),
    }
    let Some(w) = &c.f.path else {
        return "does not work".into();
    };
    match (&w.end, w.target()) {
        (WalkEnd::Missing { at, last: false }, _) => {
            format!(
                "does not exist (directory {} does not)",
                quote_bytes(at.as_bytes())
            )
        }
        (WalkEnd::Missing { .. }, _) => "does not exist".into(),
        (WalkEnd::Found, Some(t)) if t.info.kind == FileKind::Socket => {
            "is a socket file nobody holds".into()
        }
        (WalkEnd::Found, Some(t)) => format!("is {}, not a socket", t.info.kind.phrase()),
        _ => "cannot be reached".into(),
    }
}

/// Why the candidate is probably the one meant.
fn why(k: NearKind, cand: &UnixName) -> &'static str {
    match (k, cand) {
        (NearKind::Relative, _) => "the same relative name, under another directory",
        (NearKind::SameBasename, _) => "the same file name in another directory",
        (NearKind::OtherNumber, _) => "the same name with another number",
        (NearKind::OtherKind, UnixName::Abstract(_)) => "the same name, as an abstract name",
        (NearKind::OtherKind, _) => "the same name, as a path",
        (NearKind::AbstractEdit, _) => "an abstract name one or two characters different",
        (NearKind::SameDirSimilar, _) => "a similar name in the same directory",
    }
}

/// One line of evidence about a near miss.
pub(super) fn near_text(n: &NearMiss) -> String {
    let reach = match n.reachable {
        Some(true) => "this process reaches it by that name",
        Some(false) => {
            "this process does not reach it by that name (another mount namespace or root)"
        }
        None => "not checked: whether this process reaches it by that name",
    };
    format!(
        "{} ({}): {} held by {}; {reach}",
        quote_unix_name(&n.bound.sock.name),
        why(n.kind, &n.bound.sock.name),
        sock_text(&n.bound.sock),
        owners_text(&n.bound.owners)
    )
}

/// A cause about the name itself, with the live sockets of similar names added as a
/// hint (evidence, and the alternative in the fix).
pub(super) fn with_hint(c: &Ctx, cause: Option<Cause>) -> Option<Cause> {
    let mut cause = cause?;
    if let Some(n) = c.f.near.first() {
        cause.evidence.push(format!(
            "a live socket with a similar name: {}",
            near_text(n)
        ));
        cause.evidence.extend(c.f.near[1..].iter().map(near_text));
        let alt = format!(
            "if the client means {} ({}), point it there",
            quote_unix_name(&n.bound.sock.name),
            owners_text(&n.bound.owners)
        );
        cause.fix = Some(match cause.fix.take() {
            Some(f) => format!("{f}; or, {alt}"),
            None => alt,
        });
    }
    Some(cause)
}

/// ENOENT / ECONNREFUSED / EPROTOTYPE: a live socket with a similar name is probably
/// the one meant (not for a stale socket file: the name was right once).
pub(super) fn did_you_mean(c: &Ctx) -> Option<Cause> {
    let name = c.addr()?.unix_name()?;
    let best = c.f.near.iter().find(|n| n.close)?;
    let stale =
        c.f.path
            .as_ref()
            .and_then(|w| w.target())
            .is_some_and(|t| t.info.kind == FileKind::Socket);
    if stale {
        return None;
    }
    let shown = quote_unix_name(name);
    let cand = quote_unix_name(&best.bound.sock.name);
    let what = if best.bound.sock.state == SockState::Listening {
        "listening socket"
    } else {
        "datagram socket"
    };
    let mut ev = vec![format!("{shown} {}", wrong_here(c))];
    ev.push(near_text(best));
    ev.extend(c.f.near.iter().filter(|n| *n != best).map(near_text));
    let fix = match best.reachable {
        Some(false) => format!(
            "point the client at {cand}, from where its server's files are seen (it is not reachable by that name from this process)"
        ),
        _ => format!(
            "point the client at {cand} (its configuration, or an option or variable naming the socket)"
        ),
    };
    cause_fix(
        format!(
            "{shown} {}; {cand} is a live {what} held by {}, {}: probably the one meant.",
            wrong_here(c),
            owners_text(&best.bound.owners),
            why(best.kind, &best.bound.sock.name)
        ),
        ev,
        // A guess at what the program meant; the candidate itself was checked.
        Confidence::Medium,
        fix,
    )
}

/// ENOENT / ECONNREFUSED on a relative path a server bound from another cwd.
pub(super) fn relative_other_cwd(c: &Ctx) -> Option<Cause> {
    let Some(UnixName::Path(given)) = c.addr()?.unix_name() else {
        return None;
    };
    if given.as_bytes().first() == Some(&b'/') {
        return None;
    }
    let here = c.f.path.as_ref()?.cwd.as_ref()?;
    let (b, hcwd) = c.f.bound_elsewhere.iter().find_map(|b| {
        let h = b.holder.as_ref()?;
        let there = matches!(h.there, NameThere::ThisSocket(_));
        let cwd = h.cwd.as_ref()?;
        (there && b.sock.name == UnixName::Path(given.clone()) && cwd != here).then_some((b, cwd))
    })?;
    let mut abs = hcwd.as_bytes().to_vec();
    abs.push(b'/');
    abs.extend_from_slice(given.as_bytes());
    let abs = quote_bytes(ByteString(abs).as_bytes());
    let shown = quote_bytes(given.as_bytes());
    let here = quote_bytes(here.as_bytes());
    let hcwd = quote_bytes(hcwd.as_bytes());
    let who = owners_text(&b.owners);
    cause_fix(
        format!(
            "{shown} is a relative path: this process resolves it against its cwd {here}, where it {}; {who} bound it relative to its own cwd {hcwd}, where it is the live socket {abs}.",
            wrong_here(c)
        ),
        vec![
            format!("this process's cwd: {here}"),
            format!("the server's cwd: {hcwd}; there {shown} is its socket's own file"),
            format!("the socket: {} held by {who}", sock_text(&b.sock)),
        ],
        Confidence::High,
        format!("connect to the absolute path {abs}, or start the client in {hcwd}"),
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::{History, find_cause};
    use crate::model::Facts;
    use crate::model::facts::*;
    use crate::model::{Confidence, SockKind, UnixName};

    fn missing(given: &str, cwd: Option<&str>) -> PathWalk {
        PathWalk {
            given: given.into(),
            cwd: cwd.map(Into::into),
            steps: vec![],
            end: WalkEnd::Missing {
                at: given.into(),
                last: true,
            },
            denied: None,
            perms_checked: false,
            parent_readonly: None,
        }
    }

    fn live(name: UnixName, pid: i32, comm: &str, holder: Option<HolderView>) -> BoundSocket {
        let mut s = sock(7, SockKind::Stream, SockState::Listening);
        s.name = name;
        BoundSocket {
            sock: s,
            owners: vec![Owner {
                pid,
                comm: comm.into(),
                fds: vec![5],
            }],
            by_file: false,
            holder,
        }
    }

    #[test]
    fn rules_near_did_you_mean_names_the_live_one() {
        let mut e = ev("connect", "ENOENT");
        e.addr = Some(path("/run/api.sock"));
        let f = Facts {
            path: Some(missing("/run/api.sock", None)),
            bound: Some(vec![]),
            bound_exact: true,
            near: vec![NearMiss {
                bound: live(UnixName::Path("/run/api/api.sock".into()), 77, "apid", None),
                kind: NearKind::SameBasename,
                close: true,
                reachable: Some(true),
            }],
            ..Default::default()
        };
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert_eq!(c.rule, "connect.did-you-mean", "{c:?}");
        assert!(
            c.summary.starts_with("\"/run/api.sock\" does not exist; \"/run/api/api.sock\" is a live listening socket held by pid 77 (apid) fd 5"),
            "{c:?}"
        );
        assert_eq!(c.confidence, Confidence::Medium);
        assert!(
            c.fix
                .as_deref()
                .unwrap()
                .starts_with("point the client at \"/run/api/api.sock\""),
            "{c:?}"
        );
        // Far away: only a hint beside the name's own cause.
        let mut f = f;
        f.near[0].close = false;
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert_eq!(c.rule, "connect.no-socket-file", "{c:?}");
        assert!(
            c.evidence
                .iter()
                .any(|e| e.starts_with("a live socket with a similar name: \"/run/api/api.sock\"")),
            "{c:?}"
        );
        assert!(
            c.fix.as_deref().unwrap().ends_with("; or, if the client means \"/run/api/api.sock\" (pid 77 (apid) fd 5), point it there"),
            "{c:?}"
        );
    }

    #[test]
    fn rules_near_relative_path_bound_from_another_cwd() {
        let mut e = ev("connect", "ENOENT");
        e.addr = Some(path("run/app.sock"));
        let f = Facts {
            path: Some(missing("run/app.sock", Some("/home/u"))),
            bound: Some(vec![]),
            bound_exact: true,
            ns: Some(Namespaces::default()),
            bound_elsewhere: vec![live(
                UnixName::Path("run/app.sock".into()),
                9,
                "appd",
                Some(HolderView {
                    pid: 9,
                    ns: Namespaces::default(),
                    there: NameThere::ThisSocket(info(FileKind::Socket, 0o755, 0, 0)),
                    cwd: Some("/srv/app".into()),
                }),
            )],
            ..Default::default()
        };
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert_eq!(c.rule, "connect.relative-other-cwd", "{c:?}");
        assert!(
            c.summary.contains("against its cwd \"/home/u\"")
                && c.summary.contains("its own cwd \"/srv/app\", where it is the live socket \"/srv/app/run/app.sock\""),
            "{c:?}"
        );
        assert!(
            c.fix
                .as_deref()
                .unwrap()
                .contains("connect to the absolute path \"/srv/app/run/app.sock\""),
            "{c:?}"
        );
    }
}
