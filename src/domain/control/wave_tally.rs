//! Runs per wave by outcome, kept one run at a time: "did this run's end finish its wave" is a
//! lookup, not a walk over every run (at 10,000 runs under churn, every terminal transition
//! walked them all).
use crate::domain::{ObjectKey, Phase};
use std::collections::HashMap;

/// One wave's runs: how many, how many ended, how many of those succeeded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaveCount {
    pub runs: u32,
    pub ended: u32,
    pub succeeded: u32,
}

impl WaveCount {
    /// Every run of the wave reached a terminal phase (and it has runs).
    pub fn finished(&self) -> bool {
        self.runs > 0 && self.ended == self.runs
    }
}

/// What one run adds: its wave and whether it ended / succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Share {
    wave: u32,
    ended: bool,
    succeeded: bool,
}

#[derive(Debug, Clone, Default)]
pub struct WaveTally {
    of_run: HashMap<ObjectKey, Share>,
    waves: HashMap<u32, WaveCount>,
}

impl WaveTally {
    /// The run's place now: in `wave` with `phase`, or in no wave (`None`: gone, a template, or
    /// no wave label on it or its work item). Moves its share from where it was.
    pub fn set(&mut self, run: &ObjectKey, now: Option<(u32, &Phase)>) {
        let share = now.map(|(wave, phase)| Share {
            wave,
            ended: phase.is_terminal(),
            succeeded: *phase == Phase::Succeeded,
        });
        let old = match share {
            Some(s) => self.of_run.insert(run.clone(), s),
            None => self.of_run.remove(run),
        };
        if old == share {
            return;
        }
        if let Some(old) = old {
            let count = self.waves.entry(old.wave).or_default();
            count.runs -= 1;
            count.ended -= u32::from(old.ended);
            count.succeeded -= u32::from(old.succeeded);
            if count.runs == 0 {
                self.waves.remove(&old.wave);
            }
        }
        if let Some(new) = share {
            let count = self.waves.entry(new.wave).or_default();
            count.runs += 1;
            count.ended += u32::from(new.ended);
            count.succeeded += u32::from(new.succeeded);
        }
    }

    /// The wave the run is counted in (`None`: no wave, a template, or not counted).
    pub fn wave_of(&self, run: &ObjectKey) -> Option<u32> {
        self.of_run.get(run).map(|s| s.wave)
    }

    pub fn get(&self, wave: u32) -> WaveCount {
        self.waves.get(&wave).copied().unwrap_or_default()
    }

    pub fn clear(&mut self) {
        self.of_run.clear();
        self.waves.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PHASES: [Phase; 5] = [
        Phase::Pending,
        Phase::Running,
        Phase::Succeeded,
        Phase::Failed,
        Phase::Cancelled,
    ];

    proptest! {
        /// Kept one move at a time, the counts equal a count of the final places from scratch.
        #[test]
        fn kept_counts_equal_a_recount(
            moves in proptest::collection::vec((0u8..6, proptest::option::of((1u32..4, 0..PHASES.len()))), 1..60),
        ) {
            let mut tally = WaveTally::default();
            let mut places: HashMap<u8, Option<(u32, usize)>> = HashMap::new();
            for (run, place) in moves {
                let key = ObjectKey::new("ns", format!("run-{run}"));
                tally.set(&key, place.map(|(w, p)| (w, &PHASES[p])));
                places.insert(run, place);
                for wave in 0..5 {
                    let mine: Vec<&Phase> = places
                        .values()
                        .flatten()
                        .filter(|(w, _)| *w == wave)
                        .map(|(_, p)| &PHASES[*p])
                        .collect();
                    let expected = WaveCount {
                        runs: mine.len() as u32,
                        ended: mine.iter().filter(|p| p.is_terminal()).count() as u32,
                        succeeded: mine.iter().filter(|p| ***p == Phase::Succeeded).count() as u32,
                    };
                    prop_assert_eq!(tally.get(wave), expected);
                }
            }
        }
    }
}
