//! Pure: is a failure one that matters (`consequential`) or a normal one (`expected`)?
//! Some are known at once (glibc's nscd lookup, a getpeername probe, EAGAIN in an event
//! loop); others only by what the program does next (a refused connect followed by a
//! fallback that works, an EINTR the program retries, a full send buffer it waits out).
//! For those the classifier gives a [`Watch`] that later records settle, or that expires
//! (the pipeline bounds how long it waits: src/app/hold.rs).

use super::rules::{RECVS, SENDS};
use crate::model::{
    Errno, Facts, FailureClass, FailureKind, Pid, Record, SyscallEvent, Tid, UnixName,
};
use crate::render::escape::quote_unix_name;
use std::collections::{BTreeMap, VecDeque};
use syscalls::Sysno;

/// Later records a watch looks at before it expires.
pub const WINDOW_RECORDS: usize = 64;
/// Trace time a watch looks ahead before it expires.
pub const WINDOW_NS: u64 = 2_000_000_000;
/// Failed connects remembered per thread (to tell a fallback from a return to an
/// earlier address).
const RECENT_PER_TID: usize = 16;

/// What the classifier says about a failure when it is recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Decided now.
    Now(FailureClass),
    /// Decided by what comes next.
    Later(Watch),
}

/// What a later record must show to settle a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Want {
    /// A connect that failed on `addr`: the thread's next connect that works tells a
    /// fallback (another address: expected) from a retry (the same one, or one that
    /// failed before this: consequential, but recovered).
    Connected {
        addr: Option<UnixName>,
        earlier: Vec<UnixName>,
    },
    /// An EINTR: the thread's next call on the fd is the same call again (retried).
    Retried,
    /// A send that found the buffer full: a later send on the fd that works.
    SentAgain,
}

/// A failure waiting for the records that decide it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    seq: u64,
    pid: Pid,
    tid: Tid,
    sys: Sysno,
    fd: Option<i32>,
    ts_ns: u64,
    want: Want,
    seen: usize,
}

/// Why a watch ended without its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// Nothing in the next [`WINDOW_RECORDS`] records or [`WINDOW_NS`] settled it.
    Window,
    /// The trace ended first.
    End,
}

fn class(kind: FailureKind, reason: impl Into<String>, by: Option<u64>) -> FailureClass {
    FailureClass {
        kind: kind.into(),
        reason: reason.into(),
        recovered_by: by,
    }
}

fn expected(reason: impl Into<String>) -> FailureClass {
    class(FailureKind::Expected, reason, None)
}

fn consequential(reason: impl Into<String>) -> FailureClass {
    class(FailureKind::Consequential, reason, None)
}

/// The AF_UNIX name of a call's address.
fn name_of(ev: &SyscallEvent) -> Option<UnixName> {
    ev.addr.as_ref()?.unix_name().cloned()
}

/// True for a call that worked (not a failure, not a restarted one).
fn worked(ev: &SyscallEvent) -> bool {
    !ev.failed() && ev.restart.is_none() && ev.ret >= 0
}

/// Classifies failures, remembering the recent failed connects of each thread.
#[derive(Debug, Default)]
pub struct Classifier {
    failed_connects: BTreeMap<Tid, VecDeque<(u64, UnixName)>>,
}

impl Classifier {
    /// The verdict on a failure (None for a call that did not fail), from the record
    /// (its cause already found) and the facts probed at it. Records must come in order.
    pub fn classify(&mut self, ev: &SyscallEvent, facts: &Facts) -> Option<Verdict> {
        let errno = ev.errno.as_ref()?;
        let (Some(e), Some(sys)) = (errno.known(), ev.syscall.known()) else {
            return Some(Verdict::Now(consequential(
                "a call or errno this sockwhy does not know",
            )));
        };
        let rule = ev.cause.as_ref().map(|c| c.rule.as_str()).unwrap_or("");
        if ev.injected {
            return Some(Verdict::Now(consequential(
                "sockwhy injected it (--inject): the program had to handle it",
            )));
        }
        if rule == "sockopt.other-protocol" {
            return Some(Verdict::Now(expected(
                "an option of another protocol (TCP_NODELAY...) set on a UNIX socket; programs that set it on every connection go on without it",
            )));
        }
        if rule == "connect.optional-service-absent" {
            return Some(Verdict::Now(expected(
                "a lookup of an optional service that is not running (glibc's nscd probe); the program goes on without it",
            )));
        }
        let watch = |want| {
            Some(Verdict::Later(Watch {
                seq: ev.seq,
                pid: ev.pid,
                tid: ev.tid,
                sys,
                fd: ev.fd,
                ts_ns: ev.ts_ns,
                want,
                seen: 0,
            }))
        };
        match (sys, e) {
            (
                Sysno::getpeername | Sysno::getsockname,
                Errno::ENOTSOCK | Errno::ENOTCONN | Errno::EBADF | Errno::EINVAL,
            ) => Some(Verdict::Now(expected(
                "a probe of what the fd is (is it a socket, is it connected), as shells and runtimes ask of their fds",
            ))),
            (Sysno::connect, Errno::EAGAIN) => Some(Verdict::Now(consequential(
                "on AF_UNIX a non-blocking connect's EAGAIN is a refusal (the backlog is full), not a connect in progress",
            ))),
            (Sysno::accept | Sysno::accept4, Errno::EAGAIN) => {
                Some(Verdict::Now(wait_class(ev, facts)))
            }
            (s, Errno::EAGAIN) if RECVS.contains(&s) => Some(Verdict::Now(wait_class(ev, facts))),
            (s, Errno::EAGAIN) if SENDS.contains(&s) => watch(Want::SentAgain),
            (_, Errno::EINTR) => watch(Want::Retried),
            (Sysno::connect, Errno::ENOENT | Errno::ECONNREFUSED) => {
                let addr = name_of(ev);
                let earlier: Vec<UnixName> = self
                    .failed_connects
                    .get(&ev.tid)
                    .map(|q| {
                        q.iter()
                            .filter(|(ts, _)| ev.ts_ns.saturating_sub(*ts) <= WINDOW_NS)
                            .map(|(_, n)| n.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                if let Some(a) = &addr {
                    let q = self.failed_connects.entry(ev.tid).or_default();
                    if q.len() == RECENT_PER_TID {
                        q.pop_front();
                    }
                    q.push_back((ev.ts_ns, a.clone()));
                }
                watch(Want::Connected { addr, earlier })
            }
            _ => Some(Verdict::Now(consequential(
                "not one of the failures programs make and handle as a matter of course",
            ))),
        }
    }

    /// Forget a thread that ended.
    pub fn forget(&mut self, tid: Tid) {
        self.failed_connects.remove(&tid);
    }
}

/// EAGAIN on a receive or an accept: normal on a non-blocking socket; on a blocking one
/// a timeout ran out.
fn wait_class(ev: &SyscallEvent, facts: &Facts) -> FailureClass {
    let dontwait = ev.args.iter().any(|a| a.contains("MSG_DONTWAIT"));
    match facts.fd.as_ref().and_then(|f| f.nonblocking()) {
        Some(false) if !dontwait => {
            consequential("the socket is blocking, so a receive timeout (SO_RCVTIMEO) ran out")
        }
        _ => expected(
            "a non-blocking socket with nothing ready: an event loop waits for readiness and calls again",
        ),
    }
}

impl Watch {
    /// The failure's sequence number.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// True when it has waited long enough by `now_ns` (trace time) or records seen.
    pub fn is_over(&self, now_ns: u64) -> bool {
        self.seen >= WINDOW_RECORDS || now_ns.saturating_sub(self.ts_ns) > WINDOW_NS
    }

    /// Look at a later record; Some when it decides the failure.
    pub fn observe(&mut self, rec: &Record) -> Option<FailureClass> {
        let ev = match rec {
            Record::Syscall(ev) => ev,
            Record::Process(p) => {
                let gone = p.kind() == Some(crate::model::ProcessEventKind::Exit)
                    && (p.pid == p.tid && p.pid == self.pid || p.tid == self.tid);
                return gone.then(|| {
                    consequential(match self.want {
                        Want::Retried => "the thread ended without retrying the call",
                        Want::SentAgain => "the thread ended without sending again",
                        Want::Connected { .. } => {
                            "the thread ended without connecting anywhere else"
                        }
                    })
                });
            }
            _ => return None,
        };
        self.seen += 1;
        match &self.want {
            Want::Retried => {
                if ev.tid != self.tid || (ev.fd != self.fd && self.fd.is_some()) {
                    return None;
                }
                if ev.syscall != self.sys {
                    return Some(consequential(format!(
                        "the program did not retry the interrupted call (its next call on the fd was {} #{})",
                        ev.syscall.name(),
                        ev.seq
                    )));
                }
                Some(if worked(ev) {
                    class(
                        FailureKind::Expected,
                        format!("the program retried the call (#{}), which worked", ev.seq),
                        Some(ev.seq),
                    )
                } else {
                    expected(format!("the program retried the call (#{})", ev.seq))
                })
            }
            Want::SentAgain => {
                if ev.pid != self.pid || ev.fd != self.fd || !SENDS.iter().any(|s| ev.syscall == *s)
                {
                    return None;
                }
                worked(ev).then(|| {
                    class(
                        FailureKind::Expected,
                        format!(
                            "the program waited and sent again (#{}), which worked",
                            ev.seq
                        ),
                        Some(ev.seq),
                    )
                })
            }
            Want::Connected { addr, earlier } => {
                if ev.tid != self.tid || ev.syscall != Sysno::connect || !worked(ev) {
                    return None;
                }
                let to = name_of(ev);
                let shown = to
                    .as_ref()
                    .map(quote_unix_name)
                    .unwrap_or_else(|| "another address".into());
                Some(if to.is_some() && to == *addr {
                    class(
                        FailureKind::Consequential,
                        format!(
                            "the server was not there until a later retry of the same address (#{}) worked",
                            ev.seq
                        ),
                        Some(ev.seq),
                    )
                } else if to.as_ref().is_some_and(|t| earlier.contains(t)) {
                    class(
                        FailureKind::Consequential,
                        format!(
                            "the program went back to an address that had failed before, {shown}, which worked later (#{})",
                            ev.seq
                        ),
                        Some(ev.seq),
                    )
                } else {
                    class(
                        FailureKind::Expected,
                        format!(
                            "the program fell back to {shown} (#{}), which worked",
                            ev.seq
                        ),
                        Some(ev.seq),
                    )
                })
            }
        }
    }

    /// The class when nothing settled it.
    pub fn expire(&self, why: Expiry) -> FailureClass {
        let when = match why {
            Expiry::Window => format!(
                "within {WINDOW_RECORDS} calls or {} s",
                WINDOW_NS / 1_000_000_000
            ),
            Expiry::End => "before the trace ended".into(),
        };
        consequential(match self.want {
            Want::Retried => format!("the program did not retry the call {when}"),
            Want::SentAgain => format!("the program did not send again on the fd {when}"),
            Want::Connected { .. } => format!("no later connect by the thread worked {when}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::facts::FdFacts;
    use crate::model::{ByteString, Cause, ProcessEvent, ProcessEventKind, SockAddr};

    fn call(seq: u64, sys: Sysno, errno: Option<&str>, fd: i32) -> SyscallEvent {
        SyscallEvent {
            seq,
            ts_ns: seq * 1000,
            pid: 7,
            tid: 7,
            syscall: sys.into(),
            errno: errno.map(Into::into),
            ret: if errno.is_some() { -1 } else { 0 },
            fd: Some(fd),
            ..Default::default()
        }
    }

    fn connect(seq: u64, to: &str, errno: Option<&str>) -> SyscallEvent {
        let mut e = call(seq, Sysno::connect, errno, 3);
        let name = match to.strip_prefix('@') {
            Some(a) => UnixName::Abstract(ByteString::from(a)),
            None => UnixName::Path(ByteString::from(to)),
        };
        e.addr = Some(SockAddr::unix(name, 20));
        e
    }

    fn later(c: &mut Classifier, ev: &SyscallEvent) -> Watch {
        match c.classify(ev, &Facts::default()) {
            Some(Verdict::Later(w)) => w,
            v => panic!("{v:?}"),
        }
    }

    fn now(c: &mut Classifier, ev: &SyscallEvent, f: &Facts) -> FailureClass {
        match c.classify(ev, f) {
            Some(Verdict::Now(k)) => k,
            v => panic!("{v:?}"),
        }
    }

    fn rec(ev: SyscallEvent) -> Record {
        Record::Syscall(Box::new(ev))
    }

    #[test]
    fn classify_known_at_once() {
        let mut c = Classifier::default();
        let f = Facts::default();
        assert!(c.classify(&call(1, Sysno::close, None, 3), &f).is_none());
        let mut nscd = connect(1, "/var/run/nscd/socket", Some("ENOENT"));
        nscd.cause = Some(Cause {
            rule: "connect.optional-service-absent".into(),
            ..Default::default()
        });
        assert_eq!(now(&mut c, &nscd, &f).kind, FailureKind::Expected);
        let peer = call(2, Sysno::getpeername, Some("ENOTSOCK"), 0);
        assert_eq!(now(&mut c, &peer, &f).kind, FailureKind::Expected);
        let mut blocking = f.clone();
        blocking.fd = Some(FdFacts {
            fd: 3,
            open: true,
            target: None,
            kind: None,
            flags: Some(2),
        });
        let recv = call(3, Sysno::recvfrom, Some("EAGAIN"), 3);
        assert_eq!(now(&mut c, &recv, &f).kind, FailureKind::Expected);
        let k = now(&mut c, &recv, &blocking);
        assert_eq!(k.kind, FailureKind::Consequential);
        assert!(k.reason.contains("SO_RCVTIMEO"), "{k:?}");
        let acc = call(4, Sysno::accept4, Some("EAGAIN"), 3);
        blocking.fd.as_mut().unwrap().flags = Some(O_NONBLOCK_FLAGS);
        assert_eq!(now(&mut c, &acc, &blocking).kind, FailureKind::Expected);
        let k = now(&mut c, &call(5, Sysno::connect, Some("EAGAIN"), 3), &f);
        assert_eq!(k.kind, FailureKind::Consequential);
        assert_eq!(
            now(&mut c, &call(6, Sysno::bind, Some("EADDRINUSE"), 3), &f).kind,
            FailureKind::Consequential
        );
    }

    const O_NONBLOCK_FLAGS: u32 = 0o4002;

    #[test]
    fn classify_fallback_retry_and_return() {
        let mut c = Classifier::default();
        // libxcb: the abstract name is refused, the path works: a fallback.
        let mut w = later(
            &mut c,
            &connect(1, "@/tmp/.X11-unix/X0", Some("ECONNREFUSED")),
        );
        assert_eq!(w.observe(&rec(call(2, Sysno::close, None, 3))), None);
        let k = w
            .observe(&rec(connect(3, "/tmp/.X11-unix/X0", None)))
            .unwrap();
        assert_eq!(
            (k.kind.clone(), k.recovered_by),
            (FailureKind::Expected.into(), Some(3))
        );
        assert!(
            k.reason
                .starts_with("the program fell back to \"/tmp/.X11-unix/X0\" (#3)"),
            "{k:?}"
        );

        // The daemon demo: A refused, B missing, A again works.
        let mut c = Classifier::default();
        let mut a = later(&mut c, &connect(10, "/run/a.sock", Some("ECONNREFUSED")));
        let mut b = later(&mut c, &connect(11, "/run/b.sock", Some("ENOENT")));
        assert_eq!(
            a.observe(&rec(connect(11, "/run/b.sock", Some("ENOENT")))),
            None
        );
        let again = rec(connect(12, "/run/a.sock", None));
        let ka = a.observe(&again).unwrap();
        assert_eq!(
            (ka.kind.clone(), ka.recovered_by),
            (FailureKind::Consequential.into(), Some(12))
        );
        assert!(
            ka.reason.contains("later retry of the same address (#12)"),
            "{ka:?}"
        );
        let kb = b.observe(&again).unwrap();
        assert_eq!(kb.kind, FailureKind::Consequential);
        assert!(
            kb.reason
                .contains("went back to an address that had failed before"),
            "{kb:?}"
        );
        // Nothing settles it: expired.
        let w = later(&mut c, &connect(20, "/run/c.sock", Some("ENOENT")));
        assert!(!w.is_over(20_000));
        assert!(w.is_over(20_000 + WINDOW_NS + 1));
        assert_eq!(w.expire(Expiry::End).kind, FailureKind::Consequential);
        // The thread ends first.
        let mut w = later(&mut c, &connect(21, "/run/c.sock", Some("ENOENT")));
        let exit = Record::Process(ProcessEvent {
            event: Some(ProcessEventKind::Exit.into()),
            pid: 7,
            tid: 7,
            ..Default::default()
        });
        assert_eq!(w.observe(&exit).unwrap().kind, FailureKind::Consequential);
    }

    #[test]
    fn classify_eintr_retried_or_not_and_send_again() {
        let mut c = Classifier::default();
        let mut w = later(&mut c, &call(1, Sysno::recvfrom, Some("EINTR"), 4));
        assert_eq!(
            w.observe(&rec(call(2, Sysno::recvfrom, None, 5))),
            None,
            "another fd"
        );
        let k = w.observe(&rec(call(3, Sysno::recvfrom, None, 4))).unwrap();
        assert_eq!(
            (k.kind.clone(), k.recovered_by),
            (FailureKind::Expected.into(), Some(3))
        );
        let mut w = later(&mut c, &call(4, Sysno::recvfrom, Some("EINTR"), 4));
        let k = w.observe(&rec(call(5, Sysno::close, None, 4))).unwrap();
        assert_eq!(k.kind, FailureKind::Consequential);
        assert!(k.reason.contains("close #5"), "{k:?}");
        let mut w = later(&mut c, &call(6, Sysno::sendto, Some("EAGAIN"), 4));
        assert_eq!(
            w.observe(&rec(call(7, Sysno::sendto, Some("EAGAIN"), 4))),
            None
        );
        let k = w.observe(&rec(call(8, Sysno::sendto, None, 4))).unwrap();
        assert_eq!(
            (k.kind.clone(), k.recovered_by),
            (FailureKind::Expected.into(), Some(8))
        );
    }
}
