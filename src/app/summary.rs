//! The one-line swarm summary of the title bar: runs per phase, stuck runs, pull requests. Summed
//! from the board's lane counts (kept up to date with the board), so a frame never walks the runs.
use super::board::PhaseCounts;
use super::github::LanePrs;
use super::legend::{Badge, Glyph};
use super::state::State;
use crate::domain::Phase;

/// One part of the summary: `✘2 failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub glyph: Glyph,
    pub count: u32,
    pub word: &'static str,
    /// Lower is more important: the title drops the highest first.
    pub rank: u8,
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

fn reason_word(reason: &crate::domain::control::BlockReason) -> &'static str {
    use crate::domain::control::BlockReason;
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
        })
        .collect();
    // Blocked runs by reason, from the counters kept per event (without a filter: the counters
    // count the whole swarm, a filter narrows the phases only).
    let blocked = &state.cluster.control.blocked;
    if state.ui.filter.is_empty() && blocked.total() > 0 {
        let at = out.iter().position(|p| p.glyph == Glyph::Phase("blocked"));
        let parts: Vec<Part> = blocked
            .by_reason()
            .map(|(reason, count)| Part {
                glyph: Glyph::Phase("blocked"),
                count,
                word: reason_word(reason),
                rank: 1,
            })
            .collect();
        match at {
            Some(i) => {
                out.splice(i..=i, parts);
            }
            None => out.extend(parts),
        }
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
    });
    out.push(Part {
        glyph: Glyph::Badge(Badge::Reconcile),
        count: state.cluster.control.reconcile.total() as u32,
        word: "to reconcile",
        rank: 3,
    });
    out.push(Part {
        glyph: Glyph::Badge(Badge::Stuck),
        count: stuck,
        word: "stuck",
        rank: 2,
    });
    out.extend([
        Part {
            glyph: Glyph::Badge(Badge::LanePrFailing),
            count: prs.failing,
            word: "PRs failing",
            rank: 3,
        },
        Part {
            glyph: Glyph::Badge(Badge::LanePrOpen),
            count: prs.open,
            word: "PRs open",
            rank: 6,
        },
        Part {
            glyph: Glyph::Badge(Badge::LanePrMerged),
            count: prs.merged,
            word: "PRs merged",
            rank: 7,
        },
    ]);
    out.retain(|p| p.count > 0);
    out
}
