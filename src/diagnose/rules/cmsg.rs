//! Rules about control messages and fd counts: SCM_RIGHTS, SCM_CREDENTIALS, limits. One
//! function per cause; `table.rs` says when each is asked and gives it its id.

use super::{Ctx, cause, cause_fix};
use crate::decode::consts::{scm, sol_level};
use crate::decode::msghdr::cmsg_type_name;
use crate::model::facts::{CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN, CAP_SYS_RESOURCE, CredClaim};
use crate::model::{Cause, Cmsg, Confidence, MsgHdr};
use crate::render::escape::escape_str;

/// The most fds one message may pass (SCM_MAX_FD in the kernel).
pub(super) const SCM_MAX_FD: usize = 253;
/// CMSG_LEN(sizeof(struct ucred)): the only cmsg_len SCM_CREDENTIALS may have.
const CREDS_LEN: u64 = 28;
/// SOL_SOCKET.
const SOL_SOCKET: i32 = 1;

/// The control messages of each message the call sent.
fn cmsgs<'a>(c: &'a Ctx) -> impl Iterator<Item = (usize, &'a MsgHdr, &'a Cmsg)> {
    c.ev.msgs
        .iter()
        .enumerate()
        .flat_map(|(i, m)| m.cmsgs.iter().map(move |x| (i, m, x)))
}

/// Which message, for sendmmsg: ` (message 2)`.
fn which(c: &Ctx, i: usize) -> String {
    if c.ev.msgs.len() > 1 {
        format!(" (message {})", i + 1)
    } else {
        String::new()
    }
}

/// What the other control messages of the call are, for the evidence: the ones at
/// another level, which AF_UNIX ignores.
fn other_levels(c: &Ctx) -> Vec<String> {
    cmsgs(c)
        .filter_map(|(_, _, m)| match m {
            Cmsg::Unknown { level, kind, len } if *level != SOL_SOCKET => Some(format!(
                "a control message at level {} (type {}, cmsg_len {len}): AF_UNIX ignores every level but SOL_SOCKET",
                sol_level(*level),
                cmsg_type_name(*level, *kind)
            )),
            _ => None,
        })
        .collect()
}

/// EINVAL: a cmsg_len the kernel cannot walk (shorter than the header, past the end).
pub(super) fn malformed_cmsg(c: &Ctx) -> Option<Cause> {
    let (i, m, reason) = cmsgs(c).find_map(|(i, m, x)| match x {
        Cmsg::Malformed { reason, .. } => Some((i, m, reason)),
        _ => None,
    })?;
    cause_fix(
        format!(
            "A control message is malformed{}: {}.",
            which(c, i),
            escape_str(reason)
        ),
        vec![format!("msg_controllen {}", m.controllen)],
        Confidence::High,
        "build control messages with CMSG_FIRSTHDR/CMSG_NXTHDR, set each cmsg_len with CMSG_LEN(), and msg_controllen to the sum of their CMSG_SPACE()",
    )
}

/// EINVAL: more than 253 fds in the SCM_RIGHTS of one message.
pub(super) fn too_many_fds(c: &Ctx) -> Option<Cause> {
    let (i, n, parts) = c.ev.msgs.iter().enumerate().find_map(|(i, m)| {
        let parts: Vec<usize> = m
            .cmsgs
            .iter()
            .filter_map(|x| match x {
                Cmsg::Rights { fds, .. } => Some(fds.len()),
                _ => None,
            })
            .collect();
        let n: usize = parts.iter().sum();
        (n > SCM_MAX_FD).then_some((i, n, parts))
    })?;
    let split = if parts.len() > 1 {
        format!(
            " ({} SCM_RIGHTS messages of {} fds: the limit is for all of them together)",
            parts.len(),
            parts
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        )
    } else {
        String::new()
    };
    cause_fix(
        format!(
            "The message{} passes {n} fds in SCM_RIGHTS{split}; the kernel takes at most {SCM_MAX_FD} in one message.",
            which(c, i)
        ),
        vec![format!(
            "{n} fds in SCM_RIGHTS, limit {SCM_MAX_FD} (SCM_MAX_FD)"
        )],
        Confidence::High,
        format!("send the fds in several messages of at most {SCM_MAX_FD}"),
    )
}

/// EINVAL: a control message at SOL_SOCKET of a type one cannot send.
pub(super) fn unsendable_cmsg(c: &Ctx) -> Option<Cause> {
    let (i, kind) = cmsgs(c).find_map(|(i, _, x)| match x {
        Cmsg::Security { .. } => Some((i, scm::SECURITY)),
        Cmsg::Pidfd { .. } => Some((i, scm::PIDFD)),
        Cmsg::Unknown { level, kind, .. }
            if *level == SOL_SOCKET && *kind != scm::RIGHTS && *kind != scm::CREDENTIALS =>
        {
            Some((i, *kind))
        }
        _ => None,
    })?;
    let name = cmsg_type_name(SOL_SOCKET, kind);
    let what = if matches!(kind, scm::SECURITY | scm::PIDFD) {
        "is one the kernel adds on receive; it cannot be sent"
    } else {
        "is not a type AF_UNIX knows"
    };
    let mut ev = vec![format!("a SOL_SOCKET control message of type {name}")];
    ev.extend(other_levels(c));
    cause_fix(
        format!(
            "The message{} carries a SOL_SOCKET control message of type {name}, which {what}: only SCM_RIGHTS and SCM_CREDENTIALS can be sent.",
            which(c, i)
        ),
        ev,
        Confidence::High,
        "send only SCM_RIGHTS (fds) and SCM_CREDENTIALS; the receiver gets SCM_SECURITY and SCM_PIDFD by setting SO_PASSSEC / SO_PASSPIDFD",
    )
}

/// EINVAL: SCM_CREDENTIALS with a cmsg_len the decoder saw is wrong (too short for a
/// struct ucred).
pub(super) fn credentials_length(c: &Ctx) -> Option<Cause> {
    let (i, len) = cmsgs(c).find_map(|(i, _, x)| match x {
        Cmsg::Unknown { level, kind, len }
            if *level == SOL_SOCKET && *kind == scm::CREDENTIALS && *len != CREDS_LEN =>
        {
            Some((i, *len))
        }
        _ => None,
    })?;
    cause_fix(
        format!(
            "The SCM_CREDENTIALS control message{} has cmsg_len {len}; the kernel takes exactly CMSG_LEN(sizeof(struct ucred)) = {CREDS_LEN}.",
            which(c, i)
        ),
        vec![format!(
            "SCM_CREDENTIALS cmsg_len {len}, expected {CREDS_LEN}"
        )],
        Confidence::High,
        "set cmsg_len = CMSG_LEN(sizeof(struct ucred)) (msg_controllen stays CMSG_SPACE of it)",
    )
}

/// EINVAL with SCM_CREDENTIALS and nothing else wrong that the record shows: its
/// cmsg_len is not 28 (the decoded body does not say how long it was).
pub(super) fn credentials_length_unseen(c: &Ctx) -> Option<Cause> {
    let (i, _, _) = cmsgs(c).find(|(_, _, x)| matches!(x, Cmsg::Credentials { .. }))?;
    let mut ev = vec![
        "the message carries SCM_CREDENTIALS, no malformed control message, at most 253 fds".into(),
        "not checked: the cmsg_len of the SCM_CREDENTIALS message (the record keeps its fields, not its length)".into(),
    ];
    ev.extend(other_levels(c));
    cause_fix(
        format!(
            "The SCM_CREDENTIALS control message{} most likely has a cmsg_len other than CMSG_LEN(sizeof(struct ucred)) = {CREDS_LEN} (CMSG_SPACE, 32, is the usual mistake): the kernel takes no other length.",
            which(c, i)
        ),
        ev,
        Confidence::Medium,
        "set cmsg_len = CMSG_LEN(sizeof(struct ucred)) (msg_controllen stays CMSG_SPACE of it)",
    )
}

/// ENOBUFS: msg_controllen over net.core.optmem_max.
pub(super) fn control_over_optmem(c: &Ctx) -> Option<Cause> {
    let max = c.f.optmem_max?;
    let (i, m) =
        c.ev.msgs
            .iter()
            .enumerate()
            .find(|(_, m)| m.controllen > max)?;
    cause_fix(
        format!(
            "msg_controllen{} is {} bytes, more than net.core.optmem_max ({max}): the kernel will not copy that much ancillary data for one call.",
            which(c, i),
            m.controllen
        ),
        vec![format!(
            "msg_controllen {}, net.core.optmem_max {max}",
            m.controllen
        )],
        Confidence::High,
        "pass less control data per call (fewer fds per message), or raise net.core.optmem_max",
    )
}

/// A successful recvmsg whose control data was cut short (MSG_CTRUNC): fds sent beyond
/// msg_controllen were closed by the kernel, and the program usually does not notice.
pub(super) fn fds_dropped(c: &Ctx) -> Option<Cause> {
    let (i, m) =
        c.ev.msgs
            .iter()
            .enumerate()
            .find(|(_, m)| m.flags.split('|').any(|f| f == "MSG_CTRUNC"))?;
    let got: usize = m
        .cmsgs
        .iter()
        .map(|x| match x {
            Cmsg::Rights { fds, .. } => fds.len(),
            _ => 0,
        })
        .sum();
    let mut ev = vec![format!(
        "msg_flags MSG_CTRUNC{}: msg_controllen {} was too small for the control data; {got} fd(s) arrived",
        which(c, i),
        m.controllen
    )];
    // What the sender sent, when the trace saw it.
    let sent = c.ev.fd.and_then(|fd| {
        let me = c.ev.fds.iter().find(|s| s.fd == fd)?;
        c.h.rights_sent(me.peer?)
    });
    let (summary, conf) = match sent {
        Some(s) if s.fds > got => {
            ev.push(format!(
                "pid {} sent {} fd(s) on the peer socket in {} #{}",
                s.pid,
                s.fds,
                escape_str(&s.syscall.name()),
                s.seq
            ));
            (
                format!(
                    "The control data did not fit in msg_controllen ({} bytes): of the {} fds pid {} sent (#{}), {got} arrived; the kernel closed the other {}. The program was not told which.",
                    m.controllen,
                    s.fds,
                    s.pid,
                    s.seq,
                    s.fds - got
                ),
                Confidence::High,
            )
        }
        _ => (
            format!(
                "The control data did not fit in msg_controllen ({} bytes) and was cut short (MSG_CTRUNC): any fds passed beyond it were closed by the kernel, lost to the program.",
                m.controllen
            ),
            Confidence::Medium,
        ),
    };
    cause_fix(
        summary,
        ev,
        conf,
        "give recvmsg a control buffer of CMSG_SPACE(n * sizeof(int)) for the n fds the sender may pass (and check MSG_CTRUNC in msg_flags)",
    )
}

fn fd_list(fds: &[i32]) -> String {
    fds.iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// EBADF in sendmsg: an fd in SCM_RIGHTS is not open.
pub(super) fn rights_not_open(c: &Ctx) -> Option<Cause> {
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
    cause_fix(
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
        "pass only open fds (the sender closed one before sending it, or the number is wrong)",
    )
}

/// ETOOMANYREFS: the evidence, and whether the process is exempt from the in-flight limit.
fn refs(c: &Ctx) -> Option<(bool, Vec<String>)> {
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
    ev.push(c.creds_text(cr));
    Some((
        cr.has_cap(CAP_SYS_RESOURCE) || cr.has_cap(CAP_SYS_ADMIN),
        ev,
    ))
}

/// ETOOMANYREFS with the capabilities that lift the in-flight limit: nesting.
pub(super) fn nested_too_deep(c: &Ctx) -> Option<Cause> {
    let (exempt, mut ev) = refs(c)?;
    if !exempt {
        return None;
    }
    ev.push(
        "the process has CAP_SYS_RESOURCE or CAP_SYS_ADMIN, so the in-flight limit does not apply"
            .into(),
    );
    cause_fix(
        "The fds passed include AF_UNIX sockets that themselves carry fds, nested too deep (the kernel allows 4 levels).",
        ev,
        Confidence::Low,
        "do not pass sockets whose queues hold passed sockets in turn",
    )
}

/// ETOOMANYREFS: too many fds in flight for the user.
pub(super) fn too_many_in_flight(c: &Ctx) -> Option<Cause> {
    let (exempt, mut ev) = refs(c)?;
    if exempt {
        return None;
    }
    ev.push("the process has neither CAP_SYS_RESOURCE nor CAP_SYS_ADMIN".into());
    let limit =
        c.f.nofile
            .and_then(|l| l.soft)
            .map_or("RLIMIT_NOFILE".into(), |s| format!("RLIMIT_NOFILE ({s})"));
    let uid = c.f.creds.as_ref()?.uid[0];
    cause_fix(
        format!(
            "Too many fds are in flight (sent but not yet received) for uid {uid}: the kernel caps them at {limit}; the receiver is not reading its messages."
        ),
        ev,
        // The per-user in-flight count is not visible from userspace.
        Confidence::Medium,
        "the receiver must read its messages (and close the fds it gets); or raise RLIMIT_NOFILE of the sender",
    )
}

/// EMFILE: the open fds and the limit.
fn nofile(c: &Ctx) -> Option<(u64, u64, Vec<String>)> {
    let soft = c.f.nofile?.soft?;
    let open = c.f.open_fds?;
    let ev = vec![format!("{open} fds open, RLIMIT_NOFILE soft limit {soft}")];
    Some((open, soft, ev))
}

/// EMFILE: the fd table is full.
pub(super) fn fd_table_full(c: &Ctx) -> Option<Cause> {
    let (open, soft, ev) = nofile(c)?;
    if open + 1 < soft {
        return None;
    }
    cause_fix(
        format!(
            "The process has {open} fds open, at its limit of {soft}: an fd leak, or the limit is too low (ulimit -n)."
        ),
        ev,
        Confidence::High,
        "look for an fd leak (ls -l /proc/PID/fd); or raise the limit (ulimit -n, LimitNOFILE= for a service)",
    )
}

/// EMFILE, and fds were closed since.
pub(super) fn fd_table_was_full(c: &Ctx) -> Option<Cause> {
    let (open, soft, ev) = nofile(c)?;
    if open + 1 >= soft {
        return None;
    }
    cause(
        format!(
            "The fd table was full at the call; now {open} of {soft} are open (fds were closed since)."
        ),
        ev,
        Confidence::Low,
    )
}

/// ENFILE: the system's open files and the limit.
fn system_files(c: &Ctx) -> Option<(u64, u64, Vec<String>)> {
    let (open, max) = c.f.system_files?;
    let ev = vec![format!(
        "{open} files open in the whole system, fs.file-max {max}"
    )];
    Some((open, max, ev))
}

/// ENFILE: the system-wide file table is full.
pub(super) fn system_table_full(c: &Ctx) -> Option<Cause> {
    let (open, max, ev) = system_files(c)?;
    if open + 64 < max {
        return None;
    }
    cause_fix(
        format!(
            "The system-wide file table is full ({open} of fs.file-max {max}): some process is leaking files, or fs.file-max is too low."
        ),
        ev,
        Confidence::High,
        "find the process holding most files (ls /proc/*/fd | wc -l per process), or raise fs.file-max",
    )
}

/// ENFILE far from fs.file-max: the kernel's way of saying a socket allocation failed.
pub(super) fn kernel_memory(c: &Ctx) -> Option<Cause> {
    let (open, max, ev) = system_files(c)?;
    if open + 64 >= max {
        return None;
    }
    cause(
        "The system is far from fs.file-max, so the kernel most likely could not allocate memory for the new socket (reported as ENFILE).",
        ev,
        Confidence::Medium,
    )
}

/// The SCM_CREDENTIALS the call tried to send, probed or as decoded.
fn claim(c: &Ctx) -> Option<(CredClaim, Vec<String>)> {
    let claim = c.f.claims.first().copied().or_else(|| {
        c.ev.msgs
            .iter()
            .flat_map(|m| &m.cmsgs)
            .find_map(|m| match m {
                Cmsg::Credentials { pid, uid, gid } => Some(CredClaim {
                    pid: *pid,
                    uid: *uid,
                    gid: *gid,
                    pid_exists: None,
                }),
                _ => None,
            })
    })?;
    let ev = vec![format!(
        "SCM_CREDENTIALS claims pid {}, uid {}, gid {}",
        claim.pid, claim.uid, claim.gid
    )];
    Some((claim, ev))
}

/// ESRCH with SCM_CREDENTIALS: the claimed pid does not exist.
pub(super) fn creds_pid_gone(c: &Ctx) -> Option<Cause> {
    let (claim, ev) = claim(c)?;
    if claim.pid_exists != Some(false) {
        return None;
    }
    cause_fix(
        format!(
            "The claimed pid {} does not exist (the process exited, or it is not in this pid namespace).",
            claim.pid
        ),
        ev,
        Confidence::High,
        "claim the sender's own pid (getpid())",
    )
}

/// EPERM with SCM_CREDENTIALS: the sender claims ids it does not have.
pub(super) fn creds_not_owned(c: &Ctx) -> Option<Cause> {
    let (claim, mut ev) = claim(c)?;
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
    cause_fix(
        summary,
        ev,
        Confidence::High,
        "claim the sender's own pid, uid and gid (getpid(), getuid(), getgid()); only privileged processes may claim others",
    )
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
        assert_eq!(c.rule, "sendmsg.rights-fd-not-open");
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
        assert_eq!(c.rule, "sendmsg.too-many-in-flight");
        f.creds.as_mut().unwrap().cap_eff = 1 << CAP_SYS_RESOURCE;
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(c.summary.contains("nested too deep"), "{c:?}");
        assert_eq!(c.rule, "sendmsg.nested-too-deep");
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
        assert_eq!(c.rule, "fd.table-full");
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
        assert_eq!(c.rule, "fd.system-table-full");
        f.system_files = Some((1_000, 100_000));
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(c.summary.contains("could not allocate memory"), "{c:?}");
        assert_eq!(c.rule, "socket.kernel-memory");
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
        assert_eq!(c.rule, "sendmsg.creds-not-owned");
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
        assert_eq!(c.rule, "sendmsg.creds-pid-gone");
    }
}
