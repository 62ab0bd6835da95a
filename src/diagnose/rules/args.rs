//! Rules about plain argument values: socket() parameters, unreadable pointers, memory,
//! signals. One function per cause; `table.rs` says when each is asked and gives it its id.

use super::{Ctx, cause, cause_fix};
use crate::model::{Cause, Confidence, Errno};
use crate::render::escape::escape_str;
use syscalls::Sysno;

/// A failure sockwhy itself injected (--inject).
pub(super) fn injected(c: &Ctx) -> Option<Cause> {
    if !c.ev.injected {
        return None;
    }
    cause(
        format!(
            "sockwhy injected this {} (--inject): the call was not performed.",
            c.errno.and_then(|e| e.name()).unwrap_or("error")
        ),
        vec!["the failure was requested on sockwhy's command line".into()],
        Confidence::High,
    )
}

fn arg(c: &Ctx, i: usize) -> Option<String> {
    c.ev.args.get(i).map(|a| escape_str(a))
}

/// The signal pending at the stop, as the cause names it, and the confidence that gives.
fn interrupter(c: &Ctx, ev: &mut Vec<String>) -> (String, Confidence) {
    let sig =
        c.f.pending_signals
            .as_ref()
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.iter()
                    .map(|n| escape_str(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            });
    match sig {
        Some(s) => {
            ev.push(format!("pending at the stop: {s}"));
            (s, Confidence::High)
        }
        None => ("a signal".to_owned(), Confidence::Medium),
    }
}

/// The cause of an EINTR, `why` the program saw it, with the evidence of the restart code.
fn eintr(c: &Ctx, mut ev: Vec<String>, why: &str, fix: &str) -> Option<Cause> {
    let (who, conf) = interrupter(c, &mut ev);
    cause_fix(
        format!(
            "{who} interrupted the blocking {}() before it completed; {why}. Retry the call.",
            c.sys.name()
        ),
        ev,
        conf,
        fix,
    )
}

/// EINTR after ERESTARTSYS. The tracer records EINTR with a restart code only after
/// seeing the handler's return leave EINTR in place (the kernel would have restarted the
/// call for a handler with SA_RESTART), so this was checked, not assumed.
pub(super) fn no_sa_restart(c: &Ctx) -> Option<Cause> {
    if !c.ev.restart.as_ref()?.is(Errno::ERESTARTSYS) {
        return None;
    }
    eintr(
        c,
        vec![
            "the exit stop showed ERESTARTSYS, and the return from the signal handler left EINTR as the result: the handler was installed without SA_RESTART"
                .to_owned(),
        ],
        "its handler was installed without SA_RESTART, so the kernel did not restart the call and the program sees EINTR",
        "retry the call on EINTR, or install the handler with SA_RESTART",
    )
}

/// EINTR after a restart code SA_RESTART does not apply to.
pub(super) fn not_restartable(c: &Ctx) -> Option<Cause> {
    let r = c.ev.restart.as_ref()?;
    if r.is(Errno::ERESTARTSYS) {
        return None;
    }
    eintr(
        c,
        vec![format!(
            "the exit stop showed {}: after a signal handler runs, this call returns EINTR whatever SA_RESTART says",
            escape_str(&r.name())
        )],
        "this call is never restarted after a signal handler runs (SA_RESTART does not apply), so the program sees EINTR",
        "retry the call on EINTR",
    )
}

/// EINTR from the kernel with no restart code.
pub(super) fn eintr_direct(c: &Ctx) -> Option<Cause> {
    if c.ev.restart.is_some() {
        return None;
    }
    eintr(
        c,
        vec![
            "the kernel returned EINTR itself, with no restart code: the call has a timeout (SO_RCVTIMEO, SO_SNDTIMEO) or is one that is never restarted"
                .to_owned(),
        ],
        "the call returns EINTR directly (it has a timeout or is never restarted), so SA_RESTART would not change it",
        "retry the call on EINTR",
    )
}

/// The evidence of socket()'s arguments.
fn socket_evidence(c: &Ctx) -> Vec<String> {
    vec![format!(
        "arguments: {}",
        c.ev.args
            .iter()
            .map(|a| escape_str(a))
            .collect::<Vec<_>>()
            .join(", ")
    )]
}

fn unknown_arg(c: &Ctx, i: usize) -> String {
    arg(c, i).unwrap_or_else(|| "(unknown)".into())
}

/// EPROTONOSUPPORT from socket().
pub(super) fn bad_protocol(c: &Ctx) -> Option<Cause> {
    cause_fix(
        format!(
            "protocol {} is not one AF_UNIX has: pass 0.",
            unknown_arg(c, 2)
        ),
        socket_evidence(c),
        Confidence::High,
        "pass 0 as the protocol",
    )
}

/// ESOCKTNOSUPPORT from socket().
pub(super) fn bad_type(c: &Ctx) -> Option<Cause> {
    cause_fix(
        format!(
            "type {} is not supported by AF_UNIX: use SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET.",
            unknown_arg(c, 1)
        ),
        socket_evidence(c),
        Confidence::High,
        "use SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET",
    )
}

/// EINVAL from socket(): type out of range or unknown flags.
pub(super) fn bad_type_flags(c: &Ctx) -> Option<Cause> {
    cause_fix(
        format!(
            "type {} is out of range or carries unknown flag bits (only SOCK_NONBLOCK and SOCK_CLOEXEC are allowed).",
            unknown_arg(c, 1)
        ),
        socket_evidence(c),
        Confidence::Medium,
        "pass a socket type, optionally ORed with SOCK_NONBLOCK and SOCK_CLOEXEC",
    )
}

/// EAFNOSUPPORT from socket().
pub(super) fn no_family(c: &Ctx) -> Option<Cause> {
    cause(
        format!(
            "address family {} is not available in this kernel.",
            unknown_arg(c, 0)
        ),
        socket_evidence(c),
        Confidence::High,
    )
}

/// EOPNOTSUPP from socketpair().
pub(super) fn socketpair_not_unix(c: &Ctx) -> Option<Cause> {
    cause_fix(
        format!(
            "socketpair() is not supported for domain {}; only AF_UNIX has it.",
            unknown_arg(c, 0)
        ),
        socket_evidence(c),
        Confidence::High,
        "use AF_UNIX for socketpair()",
    )
}

/// EFAULT: which pointer the kernel could not read (sockwhy could not either).
pub(super) fn bad_pointer(c: &Ctx) -> Option<Cause> {
    let bad: Vec<String> =
        c.ev.args
            .iter()
            .enumerate()
            .filter(|(_, a)| a.starts_with("0x") || a.as_str() == "NULL")
            .map(|(i, a)| format!("argument {} is {}", i + 1, escape_str(a)))
            .collect();
    if bad.is_empty() {
        return None;
    }
    cause_fix(
        format!(
            "A pointer passed to {}() is not readable memory: {}.",
            c.sys.name(),
            bad.join(", ")
        ),
        bad.iter()
            .map(|b| format!("{b}, which sockwhy could not read either"))
            .collect(),
        Confidence::Medium,
        "a bug in the program: a freed, uninitialised or miscomputed pointer",
    )
}

/// What an allocation that failed was for.
fn allocation(c: &Ctx) -> &'static str {
    match c.sys {
        Sysno::connect => "the connection's socket buffers",
        Sysno::sendmsg | Sysno::sendmmsg => "the message and any fds it passes",
        _ => "this call",
    }
}

/// ENOMEM without a memory cgroup to look at.
pub(super) fn no_memory(c: &Ctx) -> Option<Cause> {
    if c.f.memcg.is_some() {
        return None;
    }
    cause(
        format!(
            "The kernel could not allocate memory for {}: the process's memory cgroup is at its limit, or the system is short of memory.",
            allocation(c)
        ),
        vec![],
        Confidence::Low,
    )
}

/// The memory cgroup of an ENOMEM: its path shown, the evidence, and whether it is at its limit.
fn memcg(c: &Ctx) -> Option<(String, Vec<String>, bool)> {
    let m = c.f.memcg.as_ref()?;
    let path = escape_str(&m.path);
    let mut ev = Vec::new();
    let n = |v: Option<u64>| v.map_or("unknown".into(), |v| v.to_string());
    ev.push(format!(
        "memory cgroup {path}: {} bytes used, limit {}",
        n(m.usage),
        m.limit.map_or("none".into(), |l| l.to_string())
    ));
    if let Some(f) = m.failcnt {
        ev.push(format!("the limit has been hit {f} time(s)"));
    }
    let near = matches!((m.usage, m.limit), (Some(u), Some(l)) if u.saturating_add(64 * 1024) >= l);
    let full = m.limit.is_some() && (near || m.failcnt.is_some_and(|f| f > 0));
    Some((path, ev, full))
}

/// ENOMEM: the memory cgroup is at its limit.
pub(super) fn cgroup_limit(c: &Ctx) -> Option<Cause> {
    let (path, ev, full) = memcg(c)?;
    if !full {
        return None;
    }
    cause_fix(
        format!(
            "The process's memory cgroup {path} is at its limit, so the kernel could not allocate {}.",
            allocation(c)
        ),
        ev,
        Confidence::High,
        "raise the cgroup's memory limit (MemoryMax= for a service, the container's memory limit), or use less",
    )
}

/// ENOMEM with the cgroup below its limit: the system is short.
pub(super) fn system_short(c: &Ctx) -> Option<Cause> {
    let (path, ev, full) = memcg(c)?;
    if full {
        return None;
    }
    cause(
        format!(
            "The kernel could not allocate memory for {}; the memory cgroup {path} is not at its limit, so the system itself is short of memory.",
            allocation(c)
        ),
        ev,
        Confidence::Low,
    )
}

/// EOPNOTSUPP from setsockopt/getsockopt at a level other than SOL_SOCKET: an option of
/// another protocol (TCP_NODELAY is the everyday one) asked of an AF_UNIX socket, which
/// has only SOL_SOCKET options.
pub(super) fn other_protocol_option(c: &Ctx) -> Option<Cause> {
    let level = arg(c, 1)?;
    if level == "SOL_SOCKET" {
        return None;
    }
    let name = arg(c, 2).unwrap_or_else(|| "(unknown)".into());
    cause_fix(
        format!(
            "{level} {name} is an option of another protocol: an AF_UNIX socket has only \
             SOL_SOCKET options, so the kernel refuses it."
        ),
        vec![format!(
            "{}() on {} at level {level}, not SOL_SOCKET",
            c.sys.name(),
            c.fd_text()
        )],
        Confidence::High,
        "nothing, if the program goes on (libraries set TCP_NODELAY on every connection \
         they make, UNIX ones included); otherwise set the option only on TCP sockets",
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::super::{History, find_cause};
    use crate::model::Facts;

    #[test]
    fn rules_eintr_names_the_pending_signal() {
        let mut e = ev("accept", "EINTR");
        e.restart = Some("ERESTARTSYS".into());
        let f = Facts {
            pending_signals: Some(vec!["SIGALRM".into()]),
            ..Default::default()
        };
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(
            c.summary
                .starts_with("SIGALRM interrupted the blocking accept()"),
            "{c:?}"
        );
        assert!(c.evidence[0].contains("ERESTARTSYS"));
        assert!(c.summary.contains("without SA_RESTART"), "{c:?}");
        assert_eq!(c.rule, "signal.no-sa-restart");
    }

    #[test]
    fn rules_eintr_claims_about_sa_restart_only_what_the_restart_code_shows() {
        let f = Facts::default();
        // EINTR straight from the kernel (a call with a timeout): SA_RESTART is not why.
        let c = find_cause(&ev("recvfrom", "EINTR"), &f, &History::default()).unwrap();
        assert!(!c.summary.contains("without SA_RESTART"), "{c:?}");
        assert!(c.evidence[0].contains("no restart code"), "{c:?}");
        assert_eq!(c.confidence, crate::model::Confidence::Medium);
        assert_eq!(c.rule, "signal.eintr-direct");
        let mut e = ev("accept", "EINTR");
        e.restart = Some("ERESTARTNOHAND".into());
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(c.summary.contains("SA_RESTART does not apply"), "{c:?}");
        assert_eq!(c.rule, "signal.not-restartable");
    }

    #[test]
    fn rules_socket_args_and_efault_and_injected() {
        let h = History::default();
        let mut e = ev("socket", "EPROTONOSUPPORT");
        e.args = vec!["AF_UNIX".into(), "SOCK_STREAM".into(), "7".into()];
        let c = find_cause(&e, &Facts::default(), &h).unwrap();
        assert_eq!(c.summary, "protocol 7 is not one AF_UNIX has: pass 0.");
        assert_eq!(c.rule, "socket.bad-protocol");
        e.errno = Some("ESOCKTNOSUPPORT".into());
        e.args[1] = "0x4 /* SOCK_??? */".into();
        let c = find_cause(&e, &Facts::default(), &h).unwrap();
        assert!(c.summary.starts_with("type 0x4"));
        assert_eq!(c.rule, "socket.bad-type");
        let mut e = ev("connect", "EFAULT");
        e.args = vec!["3".into(), "0xdead0000".into(), "110".into()];
        let c = find_cause(&e, &Facts::default(), &h).unwrap();
        assert!(c.summary.contains("argument 2 is 0xdead0000"));
        assert_eq!(c.rule, "any.bad-pointer");
        let mut e = ev("connect", "ENOMEM");
        e.injected = true;
        let c = find_cause(&e, &Facts::default(), &h).unwrap();
        assert!(c.summary.starts_with("sockwhy injected"));
        assert_eq!(c.rule, "any.injected");
        e.injected = false;
        let c = find_cause(&e, &Facts::default(), &h).unwrap();
        assert!(c.summary.contains("memory cgroup"));
        assert_eq!(c.rule, "memory.unknown");
    }
}
