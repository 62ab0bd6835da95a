//! The tracer's end of the channel to the pipeline: messages go over in batches, not one
//! by one. A send that finds the pipeline thread asleep wakes it (a futex wake, and on a
//! machine with few CPUs a context switch for the tracer too); sent one at a time, that
//! was a wake-up per reported call. Held back, they go over when a batch is full, when
//! the oldest has waited `LATENCY` (checked after every stop; a program that goes quiet
//! has them sent at the tracer's next tick, `signals::Ticker`), and at the end.

use super::TraceMsg;
use std::cell::{Cell, RefCell};
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

/// The most messages held back.
const BATCH: usize = 256;
/// The longest a message is held back: too short for a person to notice.
pub const LATENCY: Duration = Duration::from_millis(10);

/// Messages on their way to the pipeline, in order.
pub struct Outbox {
    tx: SyncSender<TraceMsg>,
    held: RefCell<Vec<TraceMsg>>,
    /// When the oldest message held was queued.
    since: Cell<Option<Instant>>,
    /// The pipeline has gone (its receiver was dropped).
    gone: Cell<bool>,
}

impl Outbox {
    /// An outbox on `tx`.
    pub fn new(tx: SyncSender<TraceMsg>) -> Self {
        Outbox {
            tx,
            held: RefCell::new(Vec::with_capacity(BATCH)),
            since: Cell::new(None),
            gone: Cell::new(false),
        }
    }

    /// Queue `msg`; false when the pipeline has gone.
    pub fn push(&self, msg: TraceMsg) -> bool {
        if self.gone.get() {
            return false;
        }
        let full = {
            let mut held = self.held.borrow_mut();
            held.push(msg);
            held.len() >= BATCH
        };
        if self.since.get().is_none() {
            self.since.set(Some(Instant::now()));
        }
        if full { self.flush() } else { true }
    }

    /// When what is held must go (None: nothing held).
    pub fn deadline(&self) -> Option<Instant> {
        self.since.get().map(|t| t + LATENCY)
    }

    /// Hand over what has waited long enough; false when the pipeline has gone.
    pub fn flush_due(&self) -> bool {
        match self.deadline() {
            Some(d) if Instant::now() >= d => self.flush(),
            _ => !self.gone.get(),
        }
    }

    /// Hand over everything held (blocking while the channel is full: the pipeline's
    /// pace is the trace's, nothing is dropped); false when the pipeline has gone.
    pub fn flush(&self) -> bool {
        let batch = std::mem::take(&mut *self.held.borrow_mut());
        self.since.set(None);
        if batch.is_empty() {
            return !self.gone.get();
        }
        for msg in batch {
            if self.gone.get() || self.tx.send(msg).is_err() {
                self.gone.set(true);
            }
        }
        !self.gone.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::sync_channel;

    fn warning(i: usize) -> TraceMsg {
        TraceMsg::Warning(i.to_string())
    }

    fn text(m: TraceMsg) -> String {
        match m {
            TraceMsg::Warning(w) => w,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn messages_go_over_in_order_in_batches() {
        let (tx, rx) = sync_channel(4 * BATCH);
        let o = Outbox::new(tx);
        for i in 0..BATCH - 1 {
            assert!(o.push(warning(i)));
        }
        assert!(rx.try_recv().is_err(), "held until the batch is full");
        assert!(o.deadline().is_some());
        assert!(o.push(warning(BATCH - 1)));
        assert_eq!(o.deadline(), None);
        let got: Vec<String> = rx.try_iter().map(text).collect();
        assert_eq!(got, (0..BATCH).map(|i| i.to_string()).collect::<Vec<_>>());
        assert!(o.push(warning(7)));
        assert!(o.flush_due(), "not due yet: held");
        assert!(rx.try_recv().is_err());
        std::thread::sleep(LATENCY);
        assert!(o.flush_due());
        assert_eq!(text(rx.try_recv().unwrap()), "7");
    }

    #[test]
    fn a_closed_pipeline_is_told() {
        let (tx, rx) = sync_channel(4);
        let o = Outbox::new(tx);
        drop(rx);
        assert!(o.push(warning(1)));
        assert!(!o.flush());
        assert!(!o.push(warning(2)));
    }
}
