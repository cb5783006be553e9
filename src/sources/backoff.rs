//! Retry delays of the sources' reconnect loops (watches, log streams, the PR poller): `backon`'s
//! exponential schedule, which the loops draw from and restart when a connection proved good.
//! The loops themselves stay theirs: each decides per outcome whether to wait, resume or give up,
//! which a retry-the-future combinator cannot express.
use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use std::time::Duration;

/// A restartable stream of delays.
#[derive(Debug)]
pub struct Delays {
    builder: ExponentialBuilder,
    cap: Duration,
    current: ExponentialBackoff,
}

impl Delays {
    /// `min`, `2·min`, `4·min`, … up to `max`, exactly (the PR poller's times are shown to the
    /// operator and pinned by tests).
    pub fn doubling(min: Duration, max: Duration) -> Delays {
        Delays::new(
            ExponentialBuilder::default()
                .with_factor(2.0)
                .with_min_delay(min)
                .with_max_delay(max)
                .without_max_times(),
            max,
        )
    }

    /// Like [`Delays::doubling`], each delay drawn at random from the upper half of its step
    /// (`[d/2, d)`), so a crowd of cockpits cut off together does not retry in step, and no delay
    /// exceeds `max`.
    pub fn jittered(min: Duration, max: Duration) -> Delays {
        Delays::new(
            // backon's jitter adds up to one more delay: halve the steps to stay in [d/2, d).
            ExponentialBuilder::default()
                .with_factor(2.0)
                .with_min_delay(min / 2)
                .with_max_delay(max / 2)
                .with_jitter()
                .without_max_times(),
            max,
        )
    }

    fn new(builder: ExponentialBuilder, cap: Duration) -> Delays {
        Delays {
            builder,
            cap,
            current: builder.build(),
        }
    }

    /// The next delay. The schedule has no end (`without_max_times`); past `usize::MAX` calls it
    /// stays at the cap.
    pub fn next_delay(&mut self) -> Duration {
        self.current.next().unwrap_or(self.cap).min(self.cap)
    }

    /// Back to the first delay (the connection worked).
    pub fn reset(&mut self) {
        self.current = self.builder.build();
    }

    /// Back to the start, with `first` as the first delay (a known slow cause, such as a
    /// container that has not started yet).
    pub fn restart_from(&mut self, first: Duration) {
        self.current = self.builder.with_min_delay(first).build();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubling_is_exact_and_capped_and_restarts() {
        let mut d = Delays::doubling(Duration::from_secs(5), Duration::from_secs(600));
        let secs: Vec<u64> = (0..10).map(|_| d.next_delay().as_secs()).collect();
        assert_eq!(secs, [5, 10, 20, 40, 80, 160, 320, 600, 600, 600]);
        d.reset();
        assert_eq!(d.next_delay(), Duration::from_secs(5));
        let mut logs = Delays::doubling(Duration::from_millis(200), Duration::from_secs(2));
        logs.next_delay();
        logs.restart_from(Duration::from_secs(1));
        let after: Vec<Duration> = (0..3).map(|_| logs.next_delay()).collect();
        assert_eq!(after[0], Duration::from_secs(1));
        assert_eq!(after[1..], [Duration::from_secs(2), Duration::from_secs(2)]);
    }

    #[test]
    fn jittered_delays_stay_in_the_upper_half_of_each_doubling_step() {
        let (min, max) = (Duration::from_millis(100), Duration::from_secs(1));
        let mut spread = std::collections::HashSet::new();
        for _ in 0..50 {
            let mut d = Delays::jittered(min, max);
            let mut step = min;
            for _ in 0..8 {
                let got = d.next_delay();
                // f32 arithmetic inside backon: allow a microsecond.
                let slack = Duration::from_micros(1);
                assert!(
                    got + slack >= step / 2 && got <= step + slack,
                    "{got:?} for {step:?}"
                );
                assert!(got <= max);
                spread.insert(got);
                step = (step * 2).min(max);
            }
        }
        assert!(spread.len() > 50, "jitter spreads the delays");
    }
}
