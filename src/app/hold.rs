//! The pipeline's classification step. Every failure gets its class (consequential or
//! expected, `diagnose::classify`); a failure whose class depends on what the program
//! does next is held back, and every record after it with it, so the sinks still get
//! the records in order. A held failure is released when a later record decides it, or
//! when a bound runs out: [`WINDOW_RECORDS`] later records, [`WINDOW_NS`] of trace time,
//! or [`WALL`] of real time with nothing deciding it (a program that went quiet); at the
//! end of the trace everything left is released in order.

use crate::diagnose::classify::{Classifier, Expiry, Verdict, Watch};
use crate::model::{Facts, ProcessEventKind, Record};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use crate::diagnose::classify::{WINDOW_NS, WINDOW_RECORDS};

/// Real time a held failure waits for a record that decides it.
pub const WALL: Duration = Duration::from_secs(2);

/// What leaves the step, in order.
#[derive(Debug)]
pub enum Out {
    /// A record for the sinks.
    Record(Record),
    /// A warning, kept in its place among the records.
    Warning(String),
}

/// One item waiting in order, with the watch of a failure not yet decided.
struct Slot {
    item: Out,
    watch: Option<(Watch, Instant)>,
}

/// The classification step: records in, records out (with their classes) in order.
#[derive(Default)]
pub struct Hold {
    classifier: Classifier,
    queue: VecDeque<Slot>,
}

impl Slot {
    /// Give the held failure its class.
    fn decide(&mut self, class: crate::model::FailureClass) {
        if let Out::Record(Record::Syscall(ev)) = &mut self.item {
            ev.class = Some(class);
        }
        self.watch = None;
    }
}

impl Hold {
    /// A record whose diagnosis is done (`facts`: what was probed at it, for a failure).
    /// What can go out now is appended to `out`, in order.
    pub fn push(&mut self, mut rec: Record, facts: &Facts, out: &mut Vec<Out>) {
        let now_ns = match &rec {
            Record::Syscall(ev) => Some(ev.ts_ns),
            Record::Process(p) => Some(p.ts_ns),
            _ => None,
        };
        for slot in self.queue.iter_mut() {
            let Some((w, _)) = &mut slot.watch else {
                continue;
            };
            if let Some(class) = w.observe(&rec) {
                slot.decide(class);
            } else if now_ns.is_some_and(|t| w.is_over(t)) {
                let class = w.expire(Expiry::Window);
                slot.decide(class);
            }
        }
        let mut watch = None;
        match &mut rec {
            Record::Syscall(ev) => match self.classifier.classify(ev, facts) {
                Some(Verdict::Now(class)) => ev.class = Some(class),
                Some(Verdict::Later(w)) => watch = Some((w, Instant::now())),
                None => {}
            },
            Record::Process(p) if p.kind() == Some(ProcessEventKind::Exit) => {
                self.classifier.forget(p.tid)
            }
            _ => {}
        }
        self.queue.push_back(Slot {
            item: Out::Record(rec),
            watch,
        });
        self.release(out);
    }

    /// A warning, in its place after the records before it.
    pub fn push_warning(&mut self, w: String, out: &mut Vec<Out>) {
        self.queue.push_back(Slot {
            item: Out::Warning(w),
            watch: None,
        });
        self.release(out);
    }

    /// When the oldest held failure's real-time bound runs out, if one is held.
    pub fn deadline(&self) -> Option<Instant> {
        self.queue
            .iter()
            .filter_map(|s| s.watch.as_ref().map(|(_, t)| *t + WALL))
            .min()
    }

    /// Real time has passed: release the failures held past [`WALL`].
    pub fn tick(&mut self, now: Instant, out: &mut Vec<Out>) {
        for slot in self.queue.iter_mut() {
            if let Some((w, since)) = &slot.watch
                && now.duration_since(*since) >= WALL
            {
                let class = w.expire(Expiry::Window);
                slot.decide(class);
            }
        }
        self.release(out);
    }

    /// The trace is over: decide what is left and release everything, in order.
    pub fn finish(&mut self, out: &mut Vec<Out>) {
        for slot in self.queue.iter_mut() {
            if let Some((w, _)) = &slot.watch {
                let class = w.expire(Expiry::End);
                slot.decide(class);
            }
        }
        self.release(out);
    }

    /// Everything at the front that is decided goes out.
    fn release(&mut self, out: &mut Vec<Out>) {
        while self.queue.front().is_some_and(|s| s.watch.is_none()) {
            if let Some(s) = self.queue.pop_front() {
                out.push(s.item);
            }
        }
    }

    /// Items held now (for tests and the bound).
    pub fn held(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ByteString, FailureKind, SockAddr, SyscallEvent, UnixName};
    use syscalls::Sysno;

    fn connect(seq: u64, to: &str, errno: Option<&str>) -> Record {
        Record::Syscall(Box::new(SyscallEvent {
            seq,
            ts_ns: seq,
            pid: 3,
            tid: 3,
            syscall: Sysno::connect.into(),
            errno: errno.map(Into::into),
            ret: if errno.is_some() { -1 } else { 0 },
            addr: Some(SockAddr::unix(UnixName::Path(ByteString::from(to)), 20)),
            ..Default::default()
        }))
    }

    fn close(seq: u64) -> Record {
        Record::Syscall(Box::new(SyscallEvent {
            seq,
            ts_ns: seq,
            pid: 3,
            tid: 3,
            syscall: Sysno::close.into(),
            ..Default::default()
        }))
    }

    fn seqs(out: &[Out]) -> Vec<u64> {
        out.iter()
            .filter_map(|o| match o {
                Out::Record(Record::Syscall(e)) => Some(e.seq),
                _ => None,
            })
            .collect()
    }

    fn class_of(out: &[Out], seq: u64) -> crate::model::FailureClass {
        out.iter()
            .find_map(|o| match o {
                Out::Record(Record::Syscall(e)) if e.seq == seq => e.class.clone(),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn hold_releases_in_order_once_decided() {
        let mut h = Hold::default();
        let mut out = Vec::new();
        h.push(close(1), &Facts::default(), &mut out);
        assert_eq!(seqs(&out), [1], "nothing held: out at once");
        h.push(
            connect(2, "/a", Some("ECONNREFUSED")),
            &Facts::default(),
            &mut out,
        );
        h.push(close(3), &Facts::default(), &mut out);
        h.push_warning("w".into(), &mut out);
        assert_eq!(seqs(&out), [1], "the failure and all after it wait");
        assert_eq!(h.held(), 3);
        assert!(h.deadline().is_some());
        h.push(connect(4, "/b", None), &Facts::default(), &mut out);
        assert_eq!(seqs(&out), [1, 2, 3, 4]);
        assert!(
            matches!(out[3], Out::Warning(_)),
            "the warning kept its place"
        );
        let k = class_of(&out, 2);
        assert_eq!(
            (k.kind, k.recovered_by),
            (FailureKind::Expected.into(), Some(4))
        );
        assert_eq!(h.held(), 0);
        assert!(h.deadline().is_none());
    }

    #[test]
    fn hold_is_bounded_in_records_and_time_and_ends_whole() {
        let mut h = Hold::default();
        let mut out = Vec::new();
        h.push(
            connect(1, "/a", Some("ENOENT")),
            &Facts::default(),
            &mut out,
        );
        for s in 2..=(WINDOW_RECORDS as u64 + 1) {
            h.push(close(s), &Facts::default(), &mut out);
        }
        assert!(seqs(&out).starts_with(&[1]), "released after the window");
        assert_eq!(class_of(&out, 1).kind, FailureKind::Consequential);
        assert_eq!(h.held(), 0);

        let mut out = Vec::new();
        h.push(
            connect(100, "/a", Some("ENOENT")),
            &Facts::default(),
            &mut out,
        );
        assert!(out.is_empty());
        h.tick(Instant::now() + WALL, &mut out);
        assert_eq!(seqs(&out), [100], "released after the wall-time bound");

        let mut out = Vec::new();
        h.push(
            connect(200, "/a", Some("ENOENT")),
            &Facts::default(),
            &mut out,
        );
        h.push(close(201), &Facts::default(), &mut out);
        h.finish(&mut out);
        assert_eq!(seqs(&out), [200, 201]);
        assert!(
            class_of(&out, 200)
                .reason
                .contains("before the trace ended")
        );
    }
}
