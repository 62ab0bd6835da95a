//! Rules about control messages and fd counts: SCM_RIGHTS, SCM_CREDENTIALS, limits.

use super::{Ctx, cause, creds_text};
use crate::model::facts::{CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN, CAP_SYS_RESOURCE};
use crate::model::{Cause, Cmsg, Confidence, Errno};
use syscalls::Sysno;

const SENDMSG: &[Sysno] = &[Sysno::sendmsg, Sysno::sendmmsg];

fn fd_list(fds: &[i32]) -> String {
    fds.iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// EBADF in sendmsg: an fd in SCM_RIGHTS is not open.
pub(super) fn rights_not_open(c: &Ctx) -> Option<Cause> {
    if !c.is(SENDMSG, &[Errno::EBADF]) {
        return None;
    }
    let closed: Vec<i32> =
        c.f.rights
            .iter()
            .filter(|r| !r.open)
            .map(|r| r.fd)
            .collect();
    if closed.is_empty() {
        return None;
    }
    let all: Vec<i32> = c.f.rights.iter().map(|r| r.fd).collect();
    let s = if closed.len() == 1 { "" } else { "s" };
    cause(
        format!(
            "SCM_RIGHTS passes fd{s} {} that {} not open in the sender.",
            fd_list(&closed),
            if closed.len() == 1 { "is" } else { "are" }
        ),
        vec![
            format!("fds in the message: {}", fd_list(&all)),
            format!("not open in /proc/PID/fd: {}", fd_list(&closed)),
        ],
        Confidence::High,
    )
}

/// ETOOMANYREFS: too many fds in flight for the user, or passing too deep.
pub(super) fn too_many_refs(c: &Ctx) -> Option<Cause> {
    if !c.is(SENDMSG, &[Errno::ETOOMANYREFS]) {
        return None;
    }
    let cr = c.f.creds.as_ref()?;
    let n = c.f.rights.len();
    let mut ev = vec![format!("this message passes {n} fd(s)")];
    if let Some(l) = c.f.nofile {
        ev.push(format!(
            "RLIMIT_NOFILE soft limit {}",
            l.soft.map_or("unlimited".into(), |s| s.to_string())
        ));
    }
    if let Some(o) = c.f.open_fds {
        ev.push(format!("{o} fds open in the process"));
    }
    ev.push(creds_text(cr));
    if cr.has_cap(CAP_SYS_RESOURCE) || cr.has_cap(CAP_SYS_ADMIN) {
        ev.push("the process has CAP_SYS_RESOURCE or CAP_SYS_ADMIN, so the in-flight limit does not apply".into());
        return cause(
            "The fds passed include AF_UNIX sockets that themselves carry fds, nested too deep (the kernel allows 4 levels).",
            ev,
            Confidence::Low,
        );
    }
    ev.push("the process has neither CAP_SYS_RESOURCE nor CAP_SYS_ADMIN".into());
    let limit =
        c.f.nofile
            .and_then(|l| l.soft)
            .map_or("RLIMIT_NOFILE".into(), |s| format!("RLIMIT_NOFILE ({s})"));
    cause(
        format!(
            "Too many fds are in flight (sent but not yet received) for uid {}: the kernel caps them at {limit}; the receiver is not reading its messages.",
            cr.uid[0]
        ),
        ev,
        // The per-user in-flight count is not visible from userspace.
        Confidence::Medium,
    )
}

/// EMFILE: the fd table is full.
pub(super) fn fd_table_full(c: &Ctx) -> Option<Cause> {
    if c.errno != Errno::EMFILE {
        return None;
    }
    let soft = c.f.nofile?.soft?;
    let open = c.f.open_fds?;
    let ev = vec![format!("{open} fds open, RLIMIT_NOFILE soft limit {soft}")];
    if open + 1 >= soft {
        cause(
            format!(
                "The process has {open} fds open, at its limit of {soft}: an fd leak, or the limit is too low (ulimit -n)."
            ),
            ev,
            Confidence::High,
        )
    } else {
        cause(
            format!(
                "The fd table was full at the call; now {open} of {soft} are open (fds were closed since)."
            ),
            ev,
            Confidence::Low,
        )
    }
}

/// ENFILE: the system-wide file table, or (for socket()) kernel memory.
pub(super) fn system_table_full(c: &Ctx) -> Option<Cause> {
    if c.errno != Errno::ENFILE {
        return None;
    }
    let (open, max) = c.f.system_files?;
    let ev = vec![format!(
        "{open} files open in the whole system, fs.file-max {max}"
    )];
    if open + 64 >= max {
        return cause(
            format!(
                "The system-wide file table is full ({open} of fs.file-max {max}): some process is leaking files, or fs.file-max is too low."
            ),
            ev,
            Confidence::High,
        );
    }
    // The kernel also reports a failed socket allocation as ENFILE.
    cause(
        "The system is far from fs.file-max, so the kernel most likely could not allocate memory for the new socket (reported as ENFILE).",
        ev,
        Confidence::Medium,
    )
}

/// EPERM / ESRCH with SCM_CREDENTIALS: which claimed id the sender may not use.
pub(super) fn credentials(c: &Ctx) -> Option<Cause> {
    if !c.is(SENDMSG, &[Errno::EPERM, Errno::ESRCH]) {
        return None;
    }
    let claim = c.f.claims.first().copied().or_else(|| {
        c.ev.msgs
            .iter()
            .flat_map(|m| &m.cmsgs)
            .find_map(|m| match m {
                Cmsg::Credentials { pid, uid, gid } => Some(crate::model::facts::CredClaim {
                    pid: *pid,
                    uid: *uid,
                    gid: *gid,
                    pid_exists: None,
                }),
                _ => None,
            })
    })?;
    let mut ev = vec![format!(
        "SCM_CREDENTIALS claims pid {}, uid {}, gid {}",
        claim.pid, claim.uid, claim.gid
    )];
    if c.errno == Errno::ESRCH {
        return match claim.pid_exists {
            Some(false) => cause(
                format!(
                    "The claimed pid {} does not exist (the process exited, or it is not in this pid namespace).",
                    claim.pid
                ),
                ev,
                Confidence::High,
            ),
            _ => None,
        };
    }
    let cr = c.f.creds.as_ref()?;
    ev.push(format!(
        "sender: pid {}, uid {} {} {}, gid {} {} {} (real, effective, saved)",
        c.ev.pid, cr.uid[0], cr.uid[1], cr.uid[2], cr.gid[0], cr.gid[1], cr.gid[2]
    ));
    let mut wrong = Vec::new();
    if claim.pid != c.ev.pid && !cr.has_cap(CAP_SYS_ADMIN) {
        wrong.push(format!(
            "pid {} is not the sender's ({}) and it lacks CAP_SYS_ADMIN",
            claim.pid, c.ev.pid
        ));
    }
    if !cr.uid[..3].contains(&claim.uid) && !cr.has_cap(CAP_SETUID) {
        wrong.push(format!(
            "uid {} is none of the sender's uids and it lacks CAP_SETUID",
            claim.uid
        ));
    }
    if !cr.gid[..3].contains(&claim.gid) && !cr.has_cap(CAP_SETGID) {
        wrong.push(format!(
            "gid {} is none of the sender's gids and it lacks CAP_SETGID",
            claim.gid
        ));
    }
    if wrong.is_empty() {
        return None;
    }
    let summary = format!(
        "The credentials claim ids the sender does not have: {}.",
        wrong.join("; ")
    );
    ev.extend(wrong);
    cause(summary, ev, Confidence::High)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::{History, find_cause};
    use crate::model::facts::*;
    use crate::model::{Confidence, Facts};

    fn nobody() -> Creds {
        Creds {
            uid: [65534; 4],
            gid: [65534; 4],
            groups: vec![],
            cap_eff: 0,
        }
    }

    #[test]
    fn rules_rights_ebadf_names_the_fds() {
        let e = ev("sendmsg", "EBADF");
        let f = Facts {
            rights: vec![
                RightsFd { fd: 0, open: true },
                RightsFd {
                    fd: 42,
                    open: false,
                },
            ],
            ..Default::default()
        };
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert_eq!(
            c.summary,
            "SCM_RIGHTS passes fd 42 that is not open in the sender."
        );
    }

    #[test]
    fn rules_etoomanyrefs_limit_and_caps() {
        let e = ev("sendmsg", "ETOOMANYREFS");
        let mut f = Facts {
            creds: Some(nobody()),
            nofile: Some(Limit {
                soft: Some(16),
                hard: Some(16),
            }),
            rights: vec![RightsFd { fd: 3, open: true }; 4],
            ..Default::default()
        };
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(c.summary.contains("RLIMIT_NOFILE (16)"), "{c:?}");
        assert!(c.evidence.iter().any(|e| e.contains("passes 4 fd")));
        assert_eq!(c.confidence, Confidence::Medium);
        f.creds.as_mut().unwrap().cap_eff = 1 << CAP_SYS_RESOURCE;
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(c.summary.contains("nested too deep"), "{c:?}");
    }

    #[test]
    fn rules_emfile_at_limit() {
        let e = ev("accept", "EMFILE");
        let f = Facts {
            nofile: Some(Limit {
                soft: Some(64),
                hard: None,
            }),
            open_fds: Some(64),
            ..Default::default()
        };
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(c.summary.contains("64 fds open, at its limit of 64"));
    }

    #[test]
    fn rules_enfile_table_full_or_memory() {
        let e = ev("socket", "ENFILE");
        let mut f = Facts {
            system_files: Some((100_000, 100_000)),
            ..Default::default()
        };
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(
            c.summary.contains("system-wide file table is full"),
            "{c:?}"
        );
        f.system_files = Some((1_000, 100_000));
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(c.summary.contains("could not allocate memory"), "{c:?}");
    }

    #[test]
    fn rules_scm_credentials_eperm_and_esrch() {
        let e = ev("sendmsg", "EPERM");
        let mut f = Facts {
            creds: Some(nobody()),
            claims: vec![CredClaim {
                pid: 100,
                uid: 0,
                gid: 65534,
                pid_exists: Some(true),
            }],
            ..Default::default()
        };
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(
            c.summary.contains("uid 0 is none of the sender's uids"),
            "{c:?}"
        );
        assert!(!c.summary.contains("pid 100 is not"), "pid matches: {c:?}");
        assert!(!c.summary.contains("gid 65534"), "gid matches: {c:?}");
        let e = ev("sendmsg", "ESRCH");
        f.claims[0].pid = 999_999;
        f.claims[0].pid_exists = Some(false);
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(
            c.summary.contains("claimed pid 999999 does not exist"),
            "{c:?}"
        );
    }
}
