//! Rules about plain argument values: socket() parameters, unreadable pointers, memory.

use super::{Ctx, cause};
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
            c.errno.name().unwrap_or("error")
        ),
        vec!["the failure was requested on sockwhy's command line".into()],
        Confidence::High,
    )
}

fn arg(c: &Ctx, i: usize) -> Option<String> {
    c.ev.args.get(i).map(|a| escape_str(a))
}

/// EINTR: a signal's handler ran while a blocking call waited. The tracer records EINTR
/// with a restart code only after seeing the handler's return leave EINTR in place, so
/// ERESTARTSYS + EINTR means the handler had no SA_RESTART.
pub(super) fn interrupted(c: &Ctx) -> Option<Cause> {
    if c.errno != Errno::EINTR {
        return None;
    }
    let mut ev = Vec::new();
    let why = match c.ev.restart.as_ref() {
        Some(r) if r.is(Errno::ERESTARTSYS) => {
            ev.push(
                "the exit stop showed ERESTARTSYS, and the return from the signal handler left EINTR as the result: the handler was installed without SA_RESTART"
                    .to_owned(),
            );
            "its handler was installed without SA_RESTART, so the kernel did not restart the call and the program sees EINTR"
        }
        Some(r) => {
            ev.push(format!(
                "the exit stop showed {}: after a signal handler runs, this call returns EINTR whatever SA_RESTART says",
                escape_str(&r.name())
            ));
            "this call is never restarted after a signal handler runs (SA_RESTART does not apply), so the program sees EINTR"
        }
        None => {
            ev.push(
                "the kernel returned EINTR itself, with no restart code: the call has a timeout (SO_RCVTIMEO, SO_SNDTIMEO) or is one that is never restarted"
                    .to_owned(),
            );
            "the call returns EINTR directly (it has a timeout or is never restarted), so SA_RESTART would not change it"
        }
    };
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
    let (who, conf) = match &sig {
        Some(s) => {
            ev.push(format!("pending at the stop: {s}"));
            (s.clone(), Confidence::High)
        }
        None => ("a signal".to_owned(), Confidence::Medium),
    };
    cause(
        format!(
            "{who} interrupted the blocking {}() before it completed; {why}. Retry the call.",
            c.sys.name()
        ),
        ev,
        conf,
    )
}

/// socket()/socketpair(): the domain, type or protocol value at fault.
pub(super) fn socket_args(c: &Ctx) -> Option<Cause> {
    if !matches!(c.sys, Sysno::socket | Sysno::socketpair) {
        return None;
    }
    let (summary, conf) = match c.errno {
        Errno::EPROTONOSUPPORT => (
            format!(
                "protocol {} is not one AF_UNIX has: pass 0.",
                arg(c, 2).unwrap_or_else(|| "(unknown)".into())
            ),
            Confidence::High,
        ),
        Errno::ESOCKTNOSUPPORT => (
            format!(
                "type {} is not supported by AF_UNIX: use SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET.",
                arg(c, 1).unwrap_or_else(|| "(unknown)".into())
            ),
            Confidence::High,
        ),
        Errno::EINVAL => (
            format!(
                "type {} is out of range or carries unknown flag bits (only SOCK_NONBLOCK and SOCK_CLOEXEC are allowed).",
                arg(c, 1).unwrap_or_else(|| "(unknown)".into())
            ),
            Confidence::Medium,
        ),
        Errno::EAFNOSUPPORT => (
            format!(
                "address family {} is not available in this kernel.",
                arg(c, 0).unwrap_or_else(|| "(unknown)".into())
            ),
            Confidence::High,
        ),
        Errno::EOPNOTSUPP if c.sys == Sysno::socketpair => (
            format!(
                "socketpair() is not supported for domain {}; only AF_UNIX has it.",
                arg(c, 0).unwrap_or_else(|| "(unknown)".into())
            ),
            Confidence::High,
        ),
        _ => return None,
    };
    let ev = vec![format!(
        "arguments: {}",
        c.ev.args
            .iter()
            .map(|a| escape_str(a))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    cause(summary, ev, conf)
}

/// EFAULT: which pointer the kernel could not read (sockwhy could not either).
pub(super) fn bad_pointer(c: &Ctx) -> Option<Cause> {
    if c.errno != Errno::EFAULT {
        return None;
    }
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
    cause(
        format!(
            "A pointer passed to {}() is not readable memory: {}.",
            c.sys.name(),
            bad.join(", ")
        ),
        bad.iter()
            .map(|b| format!("{b}, which sockwhy could not read either"))
            .collect(),
        Confidence::Medium,
    )
}

/// ENOMEM: the kernel could not allocate for this call; the memory cgroup tells why.
pub(super) fn no_memory(c: &Ctx) -> Option<Cause> {
    if c.errno != Errno::ENOMEM {
        return None;
    }
    let what = match c.sys {
        Sysno::connect => "the connection's socket buffers",
        Sysno::sendmsg | Sysno::sendmmsg => "the message and any fds it passes",
        _ => "this call",
    };
    let Some(m) = &c.f.memcg else {
        return cause(
            format!(
                "The kernel could not allocate memory for {what}: the process's memory cgroup is at its limit, or the system is short of memory."
            ),
            vec![],
            Confidence::Low,
        );
    };
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
    if m.limit.is_some() && (near || m.failcnt.is_some_and(|f| f > 0)) {
        return cause(
            format!(
                "The process's memory cgroup {path} is at its limit, so the kernel could not allocate {what}."
            ),
            ev,
            Confidence::High,
        );
    }
    cause(
        format!(
            "The kernel could not allocate memory for {what}; the memory cgroup {path} is not at its limit, so the system itself is short of memory."
        ),
        ev,
        Confidence::Low,
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
    }

    #[test]
    fn rules_eintr_claims_about_sa_restart_only_what_the_restart_code_shows() {
        let f = Facts::default();
        // EINTR straight from the kernel (a call with a timeout): SA_RESTART is not why.
        let c = find_cause(&ev("recvfrom", "EINTR"), &f, &History::default()).unwrap();
        assert!(!c.summary.contains("without SA_RESTART"), "{c:?}");
        assert!(c.evidence[0].contains("no restart code"), "{c:?}");
        assert_eq!(c.confidence, crate::model::Confidence::Medium);
        let mut e = ev("accept", "EINTR");
        e.restart = Some("ERESTARTNOHAND".into());
        let c = find_cause(&e, &f, &History::default()).unwrap();
        assert!(c.summary.contains("SA_RESTART does not apply"), "{c:?}");
    }

    #[test]
    fn rules_socket_args_and_efault_and_injected() {
        let h = History::default();
        let mut e = ev("socket", "EPROTONOSUPPORT");
        e.args = vec!["AF_UNIX".into(), "SOCK_STREAM".into(), "7".into()];
        assert_eq!(
            find_cause(&e, &Facts::default(), &h).unwrap().summary,
            "protocol 7 is not one AF_UNIX has: pass 0."
        );
        e.errno = Some("ESOCKTNOSUPPORT".into());
        e.args[1] = "0x4 /* SOCK_??? */".into();
        assert!(
            find_cause(&e, &Facts::default(), &h)
                .unwrap()
                .summary
                .starts_with("type 0x4")
        );
        let mut e = ev("connect", "EFAULT");
        e.args = vec!["3".into(), "0xdead0000".into(), "110".into()];
        assert!(
            find_cause(&e, &Facts::default(), &h)
                .unwrap()
                .summary
                .contains("argument 2 is 0xdead0000")
        );
        let mut e = ev("connect", "ENOMEM");
        e.injected = true;
        assert!(
            find_cause(&e, &Facts::default(), &h)
                .unwrap()
                .summary
                .starts_with("sockwhy injected")
        );
        e.injected = false;
        assert!(
            find_cause(&e, &Facts::default(), &h)
                .unwrap()
                .summary
                .contains("memory cgroup")
        );
    }
}
