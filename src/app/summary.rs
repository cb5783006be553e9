//! The one-line swarm summary of the title bar: runs per phase (blocked ones by reason), failures
//! of the last hour, Swarms holding work back, findings to reconcile, stuck runs, pull requests.
//! Summed from the board's lane counts (kept up to date with the board, per reason and per time
//! of failure too), so a frame never walks the runs.
use super::board::PhaseCounts;
use super::lane_prs::LanePrs;
use super::legend::{Badge, Glyph};
use super::state::State;
use crate::domain::control::BlockReason;
use crate::domain::{Phase, clock};

/// A failure this recent is counted on its own too (`✘3 failed ✘2 in 1h`).
pub const RECENT_FAILURES: chrono::Duration = chrono::Duration::hours(1);

/// One part of the summary: `✘2 failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub glyph: Glyph,
    pub count: u32,
    pub word: &'static str,
    /// Lower is more important: the title drops the highest first.
    pub rank: u8,
    /// Means nothing without its word (a second count of the same symbol): shown only with it.
    pub needs_word: bool,
}

/// What needs attention first, then what is moving, then what is done.
fn rank(key: &str) -> u8 {
    match key {
        "failed" => 0,
        "blocked" => 1,
        "running" => 4,
        "pending" => 5,
        "succeeded" => 8,
        "not_launched" => 9,
        "unknown" => 10,
        "cancelled" => 11,
        _ => 12,
    }
}

fn reason_word(reason: &BlockReason) -> &'static str {
    match reason {
        BlockReason::QueueLimit => "queue-blocked",
        BlockReason::ConcurrencyLimit => "concurrency-blocked",
        BlockReason::RateLimit => "rate-limited",
        BlockReason::Other(_) => "blocked",
    }
}

/// The parts in the order they are shown, zero counts left out.
pub fn parts(state: &State) -> Vec<Part> {
    let board = state.board_view();
    let mut phases: PhaseCounts = Default::default();
    let mut stuck = 0;
    let mut prs = LanePrs::default();
    for (i, column) in board.columns.iter().enumerate() {
        for (total, n) in phases.iter_mut().zip(column.counts) {
            *total += n;
        }
        stuck += column.stuck;
        let lane = state.github.lane_counts(i);
        prs.merged += lane.merged;
        prs.open += lane.open;
        prs.failing += lane.failing;
    }
    let mut out: Vec<Part> = Phase::COUNTED
        .iter()
        .zip(phases)
        .map(|(key, count)| Part {
            glyph: Glyph::Phase(key),
            count,
            word: match *key {
                "not_launched" => "not launched",
                other => other,
            },
            rank: rank(key),
            needs_word: false,
        })
        .collect();
    // Blocked runs by reason and failures of the last hour, from the board's columns like the
    // phases (with a filter: those of the cards that match).
    let mut blocked: std::collections::BTreeMap<&BlockReason, u32> = Default::default();
    let mut recent = 0;
    let since = state.now - RECENT_FAILURES;
    for column in &board.columns {
        for (reason, n) in &column.blocked {
            *blocked.entry(reason).or_default() += n;
        }
        for (at, n) in column.failed.range(since..) {
            // Through the clock: the frame learns when the oldest of them ages out.
            if !clock::older_than(state.now, *at, RECENT_FAILURES) {
                recent += n;
            }
        }
    }
    if !blocked.is_empty() {
        let at = out.iter().position(|p| p.glyph == Glyph::Phase("blocked"));
        let parts: Vec<Part> = blocked
            .into_iter()
            .map(|(reason, count)| Part {
                glyph: Glyph::Phase("blocked"),
                count,
                word: reason_word(reason),
                rank: 1,
                needs_word: false,
            })
            .collect();
        match at {
            Some(i) => {
                out.splice(i..=i, parts);
            }
            None => out.extend(parts),
        }
    }
    // Next to the failures it is part of, kept or cut with their word (`✘3 failed ✘2 in 1h`).
    let recent = Part {
        glyph: Glyph::Phase("failed"),
        count: recent,
        word: "in 1h",
        rank: 0,
        needs_word: true,
    };
    match out.iter().position(|p| p.glyph == Glyph::Phase("failed")) {
        Some(i) => out.insert(i + 1, recent),
        None => out.push(recent),
    }
    let holds = super::control::swarm_holds(state, None).len() as u32;
    let frozen = state
        .cluster
        .control
        .swarms
        .values()
        .any(|s| s.frozen(state.now).is_some());
    out.push(Part {
        glyph: Glyph::Badge(Badge::SwarmHeld),
        count: holds,
        word: if frozen {
            "swarm frozen"
        } else {
            "swarm paused"
        },
        rank: 1,
        needs_word: false,
    });
    out.push(Part {
        glyph: Glyph::Badge(Badge::Reconcile),
        count: state.cluster.control.reconcile.total() as u32,
        word: "to reconcile",
        rank: 3,
        needs_word: false,
    });
    out.push(Part {
        glyph: Glyph::Badge(Badge::Stuck),
        count: stuck,
        word: "stuck",
        rank: 2,
        needs_word: false,
    });
    out.extend([
        Part {
            glyph: Glyph::Badge(Badge::LanePrFailing),
            count: prs.failing,
            word: "PRs failing",
            rank: 3,
            needs_word: false,
        },
        Part {
            glyph: Glyph::Badge(Badge::LanePrOpen),
            count: prs.open,
            word: "PRs open",
            rank: 6,
            needs_word: false,
        },
        Part {
            glyph: Glyph::Badge(Badge::LanePrMerged),
            count: prs.merged,
            word: "PRs merged",
            rank: 7,
            needs_word: false,
        },
    ]);
    out.retain(|p| p.count > 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::{Msg, Resource, SourceEvent};
    use crate::app::state::Origin;
    use crate::app::update;
    use crate::domain::{Plan, Run};
    use chrono::{DateTime, Duration, Utc};
    use serde_json::json;

    const PLAN: &str = "[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"a/**\"]\n\n[[lane]]\nid = \"B\"\ntitle = \"b\"\nowns = [\"b/**\"]\n";

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-02-10T12:00:00Z")
            .expect("time")
            .to_utc()
    }

    fn state() -> State {
        let plan = Plan::parse(PLAN, "plan.toml").expect("plan");
        State::new(plan, Origin::default(), t0())
    }

    fn apply(state: &mut State, obj: serde_json::Value) {
        let run = Run::from_json(&obj);
        update(
            state,
            Msg::Source(SourceEvent::Applied(Resource::Run(Box::new(run)))),
        );
    }

    fn blocked(name: &str, lane: &str, reason: &str) -> serde_json::Value {
        json!({"metadata": {"name": name, "namespace": "ns", "labels": {"swarm.proompteng.ai/lane": lane}},
               "status": {"phase": "Pending", "conditions": [
                   {"type": "Blocked", "status": "True", "reason": reason}]}})
    }

    fn failed(name: &str, at: DateTime<Utc>) -> serde_json::Value {
        json!({"metadata": {"name": name, "namespace": "ns", "labels": {"swarm.proompteng.ai/lane": "A"}},
               "status": {"phase": "Failed", "finishedAt": at.to_rfc3339()}})
    }

    fn shown(state: &mut State) -> Vec<(u32, &'static str)> {
        state.ensure_board();
        parts(state).iter().map(|p| (p.count, p.word)).collect()
    }

    #[test]
    fn blocked_runs_are_broken_down_by_reason_with_or_without_a_filter() {
        let mut s = state();
        apply(&mut s, blocked("q1", "A", "QueueLimit"));
        apply(&mut s, blocked("q2", "B", "QueueLimit"));
        apply(&mut s, blocked("rate", "B", "RateLimit"));
        assert_eq!(
            shown(&mut s),
            [(2, "queue-blocked"), (1, "rate-limited")],
            "the reasons replace the blocked phase's count"
        );
        // A filter narrows the breakdown with the phases: what matches.
        s.ui.filter = "rate".into();
        s.mark_board_dirty();
        assert_eq!(shown(&mut s), [(1, "rate-limited")]);
        // A run that starts leaves the count.
        s.ui.filter.clear();
        s.mark_board_dirty();
        apply(
            &mut s,
            json!({"metadata": {"name": "q1", "namespace": "ns", "labels": {"swarm.proompteng.ai/lane": "A"}},
                   "status": {"phase": "Running"}}),
        );
        assert_eq!(
            shown(&mut s),
            [(1, "running"), (1, "queue-blocked"), (1, "rate-limited")]
        );
    }

    #[test]
    fn failures_of_the_last_hour_are_counted_until_they_age_out() {
        let mut s = state();
        apply(&mut s, failed("old", t0() - Duration::hours(3)));
        apply(&mut s, failed("f1", t0() - Duration::minutes(50)));
        apply(&mut s, failed("f2", t0() - Duration::minutes(10)));
        s.ensure_board();
        clock::begin_frame();
        let now = shown(&mut s);
        let change = clock::end_frame();
        assert_eq!(now, [(3, "failed"), (2, "in 1h")]);
        // The frame knows when the count reads differently: when f1 is an hour old.
        let due = t0() + Duration::minutes(10) + Duration::milliseconds(1);
        assert_eq!(change, Some(due));
        update(&mut s, Msg::Tick(due - Duration::milliseconds(1)));
        assert_eq!(shown(&mut s), [(3, "failed"), (2, "in 1h")]);
        update(&mut s, Msg::Tick(due));
        assert_eq!(shown(&mut s), [(3, "failed"), (1, "in 1h")]);
        // Nothing recent: the part goes, and nothing more is due from it.
        update(&mut s, Msg::Tick(t0() + Duration::minutes(51)));
        clock::begin_frame();
        assert_eq!(shown(&mut s), [(3, "failed")]);
        assert_eq!(clock::end_frame(), None);
    }
}
