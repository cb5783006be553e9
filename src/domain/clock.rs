//! Text that depends on the clock, and when it changes.
//!
//! Ages ("5m ago"), countdowns ("retry in 25s") and thresholds ("stuck", "GitHub 5m old") are the
//! only things on screen that change while no data does. Every such text is made here, and each
//! call records the first instant at which the text it returned would read differently. A frame
//! collects those instants ([`begin_frame`] / [`end_frame`]), so the runtime redraws on the clock
//! only when something shown would really change: once a second while a seconds-age is on screen,
//! once a minute when the youngest age is in minutes, never for a board of hours-old runs. (An
//! idle cockpit redrawing every second for nothing cost 0.37 % of a core with 10,000 runs.)
//!
//! The record is per thread: frames are drawn on the UI task's thread, and a call made outside a
//! frame (a test, a headless command) only moves a deadline no one reads.
use chrono::{DateTime, Duration, Utc};
use std::cell::Cell;

thread_local! {
    static NEXT_CHANGE: Cell<Option<DateTime<Utc>>> = const { Cell::new(None) };
}

/// Starts collecting the instants at which the text being drawn goes stale.
pub fn begin_frame() {
    NEXT_CHANGE.with(|c| c.set(None));
}

/// The first instant at which any clock-dependent text drawn since [`begin_frame`] changes;
/// `None` when nothing drawn depends on the clock.
pub fn end_frame() -> Option<DateTime<Utc>> {
    NEXT_CHANGE.with(|c| c.take())
}

/// Records that what is being drawn changes at `at`.
pub fn changes_at(at: DateTime<Utc>) {
    NEXT_CHANGE.with(|c| {
        let next = match c.get() {
            Some(earlier) if earlier <= at => earlier,
            _ => at,
        };
        c.set(Some(next));
    });
}

/// `42s`, `5m`, `3h12m`, `2d4h`: compact like kubectl's AGE column (negative reads `0s`).
pub fn compact(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => match (s / 3600, s % 3600 / 60) {
            (h, 0) => format!("{h}h"),
            (h, m) => format!("{h}h{m}m"),
        },
        _ => match (s / 86_400, s % 86_400 / 3600) {
            (d, 0) => format!("{d}d"),
            (d, h) => format!("{d}d{h}h"),
        },
    }
}

/// The whole seconds `[lo, hi)` over which [`compact`] reads the same as for `s` (`s ≥ 0`).
fn bucket(s: i64) -> (i64, i64) {
    let unit = match s {
        0..60 => 1,
        60..86_400 => 60,
        _ => 3600,
    };
    let lo = s - s % unit;
    (lo, lo + unit)
}

/// How long ago `since` was, as [`compact`] text, recording when that text changes.
pub fn age(now: DateTime<Utc>, since: DateTime<Utc>) -> String {
    let d = now - since;
    if d < Duration::zero() {
        // A timestamp from a clock ahead of ours: reads 0s until it is reached.
        changes_at(since + Duration::seconds(1));
        return compact(d);
    }
    let (_, hi) = bucket(d.num_seconds());
    changes_at(since + Duration::seconds(hi));
    compact(d)
}

/// How long until `at`, as [`compact`] text (`0s` once passed), recording when that text
/// changes.
pub fn countdown(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    let d = at - now;
    if d <= Duration::zero() {
        return compact(d);
    }
    // `num_seconds` truncates: the text leaves its bucket just after `at - lo`.
    let (lo, _) = bucket(d.num_seconds());
    if lo == 0 {
        // Under a second left reads `0s`, as does every instant after.
        return compact(d);
    }
    changes_at(at - Duration::seconds(lo) + Duration::milliseconds(1));
    compact(d)
}

/// Whether `at` has passed (`now > at`); until it has, records that the answer changes then.
pub fn passed(now: DateTime<Utc>, at: DateTime<Utc>) -> bool {
    if now > at {
        return true;
    }
    changes_at(at + Duration::milliseconds(1));
    false
}

/// Whether `at` has been reached (`now >= at`); until it has, records that the answer changes
/// then.
pub fn reached(now: DateTime<Utc>, at: DateTime<Utc>) -> bool {
    if now >= at {
        return true;
    }
    changes_at(at);
    false
}

/// Whether more than `limit` has gone by since `since` (`now - since > limit`), recording when
/// that becomes true.
pub fn older_than(now: DateTime<Utc>, since: DateTime<Utc>, limit: Duration) -> bool {
    passed(now, since + limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 10, 12, 0, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn durations_are_compact() {
        assert_eq!(compact(Duration::seconds(-5)), "0s");
        assert_eq!(compact(Duration::seconds(59)), "59s");
        assert_eq!(compact(Duration::seconds(61)), "1m");
        assert_eq!(compact(Duration::seconds(3600)), "1h");
        assert_eq!(compact(Duration::seconds(3600 + 720)), "1h12m");
        assert_eq!(compact(Duration::seconds(2 * 86_400 + 4 * 3600)), "2d4h");
        assert_eq!(compact(Duration::seconds(3 * 86_400)), "3d");
    }

    #[test]
    fn a_frame_reports_the_earliest_change_and_starts_clean() {
        begin_frame();
        let now = t0();
        age(now, now - Duration::minutes(90));
        age(now, now - Duration::seconds(5));
        assert_eq!(end_frame(), Some(now + Duration::seconds(1)));
        begin_frame();
        assert_eq!(end_frame(), None, "nothing drawn, nothing to wait for");
    }

    #[test]
    fn an_hours_old_age_waits_for_its_minute_and_a_days_old_one_for_its_hour() {
        let now = t0();
        begin_frame();
        age(now, now - Duration::seconds(3 * 3600 + 5));
        assert_eq!(end_frame(), Some(now + Duration::seconds(55)));
        begin_frame();
        age(now, now - Duration::seconds(2 * 86_400 + 10));
        assert_eq!(end_frame(), Some(now + Duration::seconds(3590)));
    }

    /// Millisecond offsets within ±3 days, for the oracle below.
    fn offset() -> impl Strategy<Value = i64> {
        -3 * 86_400_000i64..3 * 86_400_000i64
    }

    proptest! {
        /// The oracle: the text is the same at every millisecond before the recorded change (on a
        /// sample of instants, the last one included), and different at it.
        #[test]
        fn age_changes_exactly_when_recorded(since_ms in offset(), steps in proptest::collection::vec(0.0f64..1.0, 8)) {
            let now = t0();
            let since = now - Duration::milliseconds(since_ms);
            begin_frame();
            let text = age(now, since);
            let at = end_frame().expect("an age always changes");
            prop_assert!(at > now);
            let span = (at - now).num_milliseconds();
            for f in steps {
                let t = now + Duration::milliseconds(((span - 1) as f64 * f) as i64);
                prop_assert_eq!(&compact(t - since), &text);
            }
            prop_assert_eq!(&compact(at - Duration::milliseconds(1) - since), &text);
            prop_assert_ne!(&compact(at - since), &text);
        }

        #[test]
        fn countdown_changes_exactly_when_recorded(at_ms in offset(), steps in proptest::collection::vec(0.0f64..1.0, 8)) {
            let now = t0();
            let at = now + Duration::milliseconds(at_ms);
            begin_frame();
            let text = countdown(now, at);
            match end_frame() {
                None => {
                    // Under a second left, or passed: `0s` for ever.
                    prop_assert!(at < now + Duration::seconds(1));
                    prop_assert_eq!(text, "0s");
                }
                Some(change) => {
                    prop_assert!(change > now);
                    let span = (change - now).num_milliseconds();
                    for f in steps {
                        let t = now + Duration::milliseconds(((span - 1) as f64 * f) as i64);
                        prop_assert_eq!(&compact(at - t), &text);
                    }
                    prop_assert_eq!(&compact(at - (change - Duration::milliseconds(1))), &text);
                    prop_assert_ne!(&compact(at - change), &text);
                }
            }
        }

        #[test]
        fn a_threshold_changes_when_it_passes(at_ms in offset()) {
            let now = t0();
            let at = now + Duration::milliseconds(at_ms);
            begin_frame();
            let before = passed(now, at);
            match end_frame() {
                None => prop_assert!(before),
                Some(change) => {
                    prop_assert!(!before);
                    prop_assert!(!passed(change - Duration::milliseconds(1), at));
                    prop_assert!(passed(change, at));
                }
            }
        }
    }
}
