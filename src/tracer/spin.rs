//! A short busy wait for the next stop before the tracer sleeps.
//!
//! Most of a ptrace stop's cost on a small machine, and on a VM above all, is not the
//! tracer's work but the hand-over: the stopping tracee has to wake a sleeping tracer (an
//! inter-processor interrupt, and on a VM an exit to the hypervisor for the halted
//! virtual CPU), and the tracer goes back to sleep after each resume. A program busy with
//! short socket calls stops again a few microseconds after it is resumed, so the tracer
//! waits that long awake: on the ping-pong benchmark this halved the wall time, for about
//! the same CPU time (the sleeps and wake-ups it saves cost CPU too).
//!
//! The wait is bounded (`--spin`, 20 us by default: the next stop of a program making one
//! short call after another comes a few microseconds after its resume, and a wasted wait
//! costs little), and it stops being tried when it does not pay:
//! after `GIVE_UP` waits in a row found nothing, the tracer sleeps at once, until a sleep
//! turns out to have been short enough that a wait would have caught the stop. So a quiet
//! program (a daemon in accept) costs at most `GIVE_UP` waits and then none. Never on one
//! CPU, nor with `--same-cpu`: the wait would only keep the tracee from the CPU it needs.

use std::time::Duration;

/// Waits in a row that found nothing before waiting is given up.
pub const GIVE_UP: u8 = 8;

/// Whether to wait before sleeping, learnt from the waits and sleeps so far.
#[derive(Debug)]
pub struct Spin {
    limit: Duration,
    /// Waits left before giving up; 0: sleep at once.
    credit: u8,
    counts: SpinCounts,
}

/// What the waits did, for `--stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpinCounts {
    /// The bound of one wait, in microseconds (0: waiting was off).
    pub limit_us: u64,
    /// Waits that caught a stop.
    pub caught: u64,
    /// Waits that found none.
    pub missed: u64,
    /// Sleeps ended by a stop.
    pub slept: u64,
}

impl Spin {
    /// Waits of at most `limit` (zero: never wait).
    pub fn new(limit: Duration) -> Self {
        Spin {
            limit,
            credit: GIVE_UP,
            counts: SpinCounts {
                limit_us: limit.as_micros() as u64,
                ..SpinCounts::default()
            },
        }
    }

    /// The counts so far.
    pub fn counts(&self) -> SpinCounts {
        self.counts
    }

    /// How long to wait now; None: sleep at once.
    pub fn wait_for(&self) -> Option<Duration> {
        (self.credit > 0 && !self.limit.is_zero()).then_some(self.limit)
    }

    /// A wait caught a stop: keep waiting.
    pub fn caught(&mut self) {
        self.credit = GIVE_UP;
        self.counts.caught += 1;
    }

    /// A wait found nothing before its limit.
    pub fn missed(&mut self) {
        self.credit = self.credit.saturating_sub(1);
        self.counts.missed += 1;
    }

    /// A sleep ended by a stop lasted `slept`: if a wait would have caught it (allowing
    /// for the wake-up's own latency, which is in `slept`), try waiting again.
    pub fn slept(&mut self, slept: Duration) {
        self.counts.slept += 1;
        if self.credit == 0 && slept <= self.limit * 2 {
            self.credit = 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: Duration = Duration::from_micros(1);

    #[test]
    fn gives_up_after_misses_in_a_row_and_a_catch_resets_the_count() {
        let mut s = Spin::new(20 * US);
        for _ in 0..GIVE_UP - 1 {
            s.missed();
        }
        assert_eq!(s.wait_for(), Some(20 * US));
        s.caught();
        for _ in 0..GIVE_UP - 1 {
            s.missed();
        }
        assert!(s.wait_for().is_some(), "the catch gave the credit back");
        s.missed();
        assert_eq!(s.wait_for(), None);
        let c = s.counts();
        assert_eq!(
            (c.limit_us, c.caught, c.missed),
            (20, 1, 2 * GIVE_UP as u64 - 1)
        );
    }

    #[test]
    fn a_short_sleep_brings_waiting_back_a_long_one_does_not() {
        let mut s = Spin::new(20 * US);
        for _ in 0..GIVE_UP {
            s.missed();
        }
        s.slept(Duration::from_millis(5));
        assert_eq!(s.wait_for(), None, "a quiet program: keep sleeping at once");
        s.slept(30 * US);
        assert_eq!(s.wait_for(), Some(20 * US));
        // One chance: a miss gives up again at once.
        s.missed();
        assert_eq!(s.wait_for(), None);
    }

    #[test]
    fn a_zero_limit_never_waits() {
        let mut s = Spin::new(Duration::ZERO);
        assert_eq!(s.wait_for(), None);
        s.caught();
        s.slept(Duration::ZERO);
        assert_eq!(s.wait_for(), None);
    }
}
