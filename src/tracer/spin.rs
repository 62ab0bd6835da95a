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
//! costs little), and it is made only while it pays: while about two in three of the recent
//! waits or more caught a stop (`Rate`, a running average). While it does not pay, one
//! sleep in `EXPLORE` is still a wait, so a program that speeds up is waited for again.
//! (How long a sleep lasted cannot stand for a wait: on this VM the wake-up alone often
//! takes longer than the bound, and judged by their sleeps the file workload's waits were
//! given up for good and it ran 2.5 times slower.) The rate is learnt apart for the two
//! moments the tracer can go to sleep at (`After`): after resuming a call it follows, whose
//! exit stop comes as soon as the call is done unless it blocks, and after anything else,
//! when the next stop comes whenever the program makes its next call. So a program that
//! computes between its calls keeps mostly the first kind of wait: on two CPU-bound
//! threads on two CPUs, half the waits after exits found nothing, and they took CPU time
//! from the threads. A quiet program (a daemon in accept) costs a handful of
//! waits and then one sleep in `EXPLORE`; the workloads of bench/run.sh catch 95-99% of
//! theirs. Never on one CPU, nor with `--same-cpu`: the wait would only keep the tracee
//! from the CPU it needs.

use std::time::Duration;

/// While waiting does not pay, one in this many sleeps is a wait all the same.
pub const EXPLORE: u8 = 8;

/// A running average of how often a wait catches its stop, in 1/1024ths: each outcome
/// moves it 1/16th of the way to 0 or to 1024. A catch while waits do not pay (a wait of
/// one sleep in `EXPLORE`) first lifts it to `AGAIN`: a program that has sped up is
/// waited for again at once, and one miss then does not give the waits up again (on the
/// file workload, lifted only to `ENOUGH`, a third of its stops were slept through; lifted
/// halfway to 1024, a program whose waits caught one stop in four waited a third of the
/// time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rate(u16);

impl Rate {
    const ONE: u16 = 1024;
    /// Wait only while at least this share of waits catch their stop.
    const ENOUGH: u16 = Self::ONE / 3 * 2;
    /// Where a catch that shows waits pay again puts the rate: two misses above giving
    /// up.
    const AGAIN: u16 = Self::ENOUGH + (Self::ONE - Self::ENOUGH) / 4;

    fn add(&mut self, caught: bool) {
        if caught {
            if !self.pays() {
                self.0 = Self::AGAIN;
            }
            self.0 += (Self::ONE - self.0) / 16;
        } else {
            self.0 -= self.0 / 16;
        }
    }

    fn pays(self) -> bool {
        self.0 >= Self::ENOUGH
    }
}

/// What the tracer resumed last before it found no stop ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// The entry of a call it follows to its exit.
    Entry,
    /// Any other stop (an exit, a call it does not follow, a signal, an event).
    Other,
}

/// Whether to wait before sleeping, learnt from the waits and sleeps so far.
#[derive(Debug)]
pub struct Spin {
    limit: Duration,
    /// How often waits catch their stop, by `After`.
    rate: [Rate; 2],
    /// Sleeps since the last wait, by `After`, while waiting does not pay.
    skipped: [u8; 2],
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
            rate: [Rate(Rate::ONE); 2],
            skipped: [0; 2],
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
    pub fn wait_for(&mut self, after: After) -> Option<Duration> {
        let i = after as usize;
        if self.limit.is_zero() {
            return None;
        }
        if !self.rate[i].pays() {
            self.skipped[i] += 1;
            if self.skipped[i] < EXPLORE {
                return None;
            }
        }
        self.skipped[i] = 0;
        Some(self.limit)
    }

    /// A wait caught a stop: keep waiting.
    pub fn caught(&mut self, after: After) {
        self.rate[after as usize].add(true);
        self.counts.caught += 1;
    }

    /// A wait found nothing before its limit.
    pub fn missed(&mut self, after: After) {
        self.rate[after as usize].add(false);
        self.counts.missed += 1;
    }

    /// A sleep was ended by a stop.
    pub fn slept(&mut self) {
        self.counts.slept += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use After::{Entry, Other};

    const US: Duration = Duration::from_micros(1);

    /// Waits made in `n` turns where each wait has the outcome `caught(turn)`.
    fn waits(s: &mut Spin, after: After, n: usize, caught: impl Fn(usize) -> bool) -> usize {
        let mut made = 0;
        for turn in 0..n {
            if s.wait_for(after).is_some() {
                made += 1;
                if caught(turn) {
                    s.caught(after)
                } else {
                    s.missed(after)
                }
            } else {
                s.slept();
            }
        }
        made
    }

    #[test]
    fn waits_go_on_while_most_catch_their_stop() {
        let mut s = Spin::new(20 * US);
        // Three catches in four: every turn waits, whenever the miss comes.
        assert_eq!(waits(&mut s, Other, 400, |t| t % 4 != 3), 400);
        let c = s.counts();
        assert_eq!((c.limit_us, c.caught, c.missed, c.slept), (20, 300, 100, 0));
    }

    #[test]
    fn waits_that_seldom_catch_their_stop_are_mostly_given_up() {
        // Caught or not as the bits of a hash of the turn say: one in two, one in four.
        let hash = |t: usize| (t as u64).wrapping_mul(2_654_435_761) >> 9;
        let mut s = Spin::new(20 * US);
        let half = waits(&mut s, Other, 1000, |t| hash(t) & 1 == 1);
        let mut s = Spin::new(20 * US);
        let quarter = waits(&mut s, Other, 1000, |t| hash(t) & 3 == 3);
        assert!(half < 700, "one in two: {half} waits in 1000 turns");
        assert!(quarter < 300, "one in four: {quarter} waits in 1000 turns");
    }

    #[test]
    fn a_quiet_program_is_given_one_wait_in_explore() {
        let mut s = Spin::new(20 * US);
        let made = waits(&mut s, Other, 8000, |_| false);
        // The first few, until the rate falls below two in three, then one in EXPLORE.
        assert!((1000..1010).contains(&made), "{made}");
    }

    #[test]
    fn a_program_that_speeds_up_is_waited_for_again() {
        let mut s = Spin::new(20 * US);
        waits(&mut s, Other, 100, |_| false);
        assert_eq!(s.wait_for(Other), None);
        // The next exploring wait catches its stop: from then on, every turn waits.
        waits(&mut s, Other, EXPLORE as usize, |_| true);
        assert_eq!(waits(&mut s, Other, 100, |_| true), 100);
    }

    /// A program that computes between calls: the exit stop comes at once after the
    /// entry is resumed, the next entry long after the exit is. The catches after entries
    /// do not keep the useless waits after exits going.
    #[test]
    fn the_two_moments_are_learnt_apart() {
        let mut s = Spin::new(20 * US);
        let mut after_exits = 0;
        for _ in 0..800 {
            assert!(s.wait_for(Entry).is_some());
            s.caught(Entry);
            after_exits += waits(&mut s, Other, 1, |_| false);
        }
        assert!(after_exits < 120, "{after_exits} waits after 800 exits");
    }

    #[test]
    fn a_zero_limit_never_waits() {
        let mut s = Spin::new(Duration::ZERO);
        assert_eq!(waits(&mut s, Entry, 100, |_| true), 0);
    }
}
