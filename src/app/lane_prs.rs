//! PR counts per lane: distinct PRs by state, and runs whose PR is not known yet. The board's
//! lane headers read them on every frame, so each column's counts are kept up to date card by
//! card ([`LaneTallies`]) instead of walking the column's runs (a 10,000-run list arriving would
//! otherwise recount every lane on every frame it draws). The wave gate "previous wave merged"
//! reads [`lane_prs_merged`], counted from all of the lane's runs when asked.
use super::board::{CardId, Column};
use super::state::State;
use crate::domain::pr::PrKey;
use crate::domain::pr_link::{self, PrLink};
use crate::domain::{PrState, PullRequest, Run, placement};
use std::collections::HashMap;

/// PR counts of a lane: distinct PRs by state, and runs whose PR is not known (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LanePrs {
    pub merged: u32,
    /// Open or draft.
    pub open: u32,
    /// Open with a failing check (also counted in `open`).
    pub failing: u32,
    /// Closed without merging.
    pub closed: u32,
    /// Runs (distinct by link) without a known PR.
    pub none: u32,
}

impl LanePrs {
    pub fn total_prs(&self) -> u32 {
        self.merged + self.open + self.closed
    }

    /// Every run of the lane has a merged PR (and there is at least one).
    pub fn all_merged(&self) -> bool {
        self.merged > 0 && self.open == 0 && self.closed == 0 && self.none == 0
    }

    /// Counts `runs` from scratch.
    fn count<'a>(prs: &HashMap<PrKey, PullRequest>, runs: impl Iterator<Item = &'a Run>) -> Self {
        LaneTally::of(prs, runs).counts()
    }
}

/// What one run adds to its lane's counts.
#[derive(Debug, Clone, PartialEq)]
enum Share {
    /// A template run is not work: it counts for nothing.
    Nothing,
    /// The run's PR is known.
    Pr {
        /// The PR itself (repository, number): a PR shared by runs counts once.
        pr: (String, u64),
        state: PrState,
        failing: bool,
        /// The link the run finds it by: a retry sharing it is not a run "without a PR".
        link: Option<PrLink>,
    },
    /// The PR is not known yet; runs sharing the link (retries of one branch) count once.
    Awaiting(PrLink),
    /// No way to find a PR (no repository and branch, no PR URL): each such run counts.
    Unlinked,
}

impl Share {
    fn of(prs: &HashMap<PrKey, PullRequest>, run: &Run) -> Share {
        if run.is_template {
            return Share::Nothing;
        }
        let link = pr_link::link_for_run(run);
        match pr_link::find_pr(prs, run) {
            Some(pr) => Share::Pr {
                pr: (pr.repository.clone(), pr.number),
                state: pr.state,
                failing: pr.is_failing(),
                link,
            },
            None => link.map_or(Share::Unlinked, Share::Awaiting),
        }
    }
}

/// One lane's counts, kept as runs come and go: how many of the lane's runs hold each PR and each
/// link, so that removing one run undoes exactly what adding it did.
#[derive(Debug, Clone, Default)]
struct LaneTally {
    /// Each PR: how many runs hold it, and the state it was counted with.
    prs: HashMap<(String, u64), (u32, PrState, bool)>,
    /// Links of runs whose PR is known.
    found: HashMap<PrLink, u32>,
    /// Links of runs whose PR is not known.
    awaiting: HashMap<PrLink, u32>,
    /// Links awaiting a PR that no run with a known PR shares.
    awaiting_only: u32,
    unlinked: u32,
    merged: u32,
    open: u32,
    failing: u32,
    closed: u32,
}

impl LaneTally {
    /// The tally of `runs`, counted from scratch.
    fn of<'a>(prs: &HashMap<PrKey, PullRequest>, runs: impl Iterator<Item = &'a Run>) -> Self {
        let mut tally = LaneTally::default();
        for run in runs {
            tally.add(&Share::of(prs, run));
        }
        tally
    }

    fn counts(&self) -> LanePrs {
        LanePrs {
            merged: self.merged,
            open: self.open,
            failing: self.failing,
            closed: self.closed,
            none: self.awaiting_only + self.unlinked,
        }
    }

    fn add(&mut self, share: &Share) {
        self.apply(share, true);
    }

    fn remove(&mut self, share: &Share) {
        self.apply(share, false);
    }

    fn apply(&mut self, share: &Share, add: bool) {
        match share {
            Share::Nothing => {}
            Share::Unlinked => self.unlinked = step(self.unlinked, add),
            Share::Awaiting(link) => {
                let (was, now) = bump(&mut self.awaiting, link, add);
                if (was == 0) != (now == 0) && !self.found.contains_key(link) {
                    self.awaiting_only = step(self.awaiting_only, now > 0);
                }
            }
            Share::Pr {
                pr,
                state,
                failing,
                link,
            } => {
                if let Some(link) = link {
                    let (was, now) = bump(&mut self.found, link, add);
                    if (was == 0) != (now == 0) && self.awaiting.contains_key(link) {
                        // The link's awaiting runs stop (or start) counting as "without a PR".
                        self.awaiting_only = step(self.awaiting_only, now == 0);
                    }
                }
                self.count_pr(pr, *state, *failing, add);
            }
        }
    }

    /// A PR counts once, with the state it had when its first run was counted.
    fn count_pr(&mut self, pr: &(String, u64), state: PrState, failing: bool, add: bool) {
        let (state, failing) = if add {
            let entry = self.prs.entry(pr.clone()).or_insert((0, state, failing));
            entry.0 += 1;
            if entry.0 > 1 {
                return;
            }
            (entry.1, entry.2)
        } else {
            let Some(entry) = self.prs.get_mut(pr) else {
                return;
            };
            entry.0 -= 1;
            if entry.0 > 0 {
                return;
            }
            let counted = (entry.1, entry.2);
            self.prs.remove(pr);
            counted
        };
        let counter = match state {
            PrState::Merged => &mut self.merged,
            PrState::Closed => &mut self.closed,
            PrState::Open | PrState::Draft => &mut self.open,
        };
        *counter = step(*counter, add);
        if failing && matches!(state, PrState::Open | PrState::Draft) {
            self.failing = step(self.failing, add);
        }
    }
}

fn step(n: u32, up: bool) -> u32 {
    if up { n + 1 } else { n.saturating_sub(1) }
}

/// Adds or removes one holder of `key`: (holders before, holders after).
fn bump(map: &mut HashMap<PrLink, u32>, key: &PrLink, add: bool) -> (u32, u32) {
    if add {
        let n = map.entry(key.clone()).or_insert(0);
        *n += 1;
        (*n - 1, *n)
    } else {
        let Some(n) = map.get_mut(key) else {
            return (0, 0);
        };
        *n -= 1;
        let after = *n;
        if after == 0 {
            map.remove(key);
        }
        (after + 1, after)
    }
}

/// Every board column's counts, by the column's lane (`None`: Unassigned), so columns coming and
/// going around a lane leave its counts where they are.
#[derive(Debug, Clone, Default)]
pub struct LaneTallies {
    by_lane: HashMap<Option<String>, LaneTally>,
}

impl LaneTallies {
    /// Counts every column from scratch (after a board rebuild, or when the PRs changed: a PR's
    /// new state changes the share of every run holding it).
    pub fn rebuild(state: &State) -> LaneTallies {
        let prs = &state.cluster.prs;
        let by_lane = state
            .board_view()
            .columns
            .iter()
            .map(|column| {
                let tally = LaneTally::of(prs, column_runs(state, column));
                (column.lane.clone(), tally)
            })
            .collect();
        LaneTallies { by_lane }
    }

    /// A run's card left the column of `lane`; `run` is the version the board had shown.
    pub fn card_left(
        &mut self,
        lane: &Option<String>,
        prs: &HashMap<PrKey, PullRequest>,
        run: &Run,
    ) {
        if let Some(tally) = self.by_lane.get_mut(lane) {
            tally.remove(&Share::of(prs, run));
            if tally.prs.is_empty() && tally.awaiting.is_empty() && tally.unlinked == 0 {
                self.by_lane.remove(lane);
            }
        }
    }

    /// A run's card joined the column of `lane`.
    pub fn card_joined(
        &mut self,
        lane: &Option<String>,
        prs: &HashMap<PrKey, PullRequest>,
        run: &Run,
    ) {
        self.by_lane
            .entry(lane.clone())
            .or_default()
            .add(&Share::of(prs, run));
    }

    /// The counts of the column of `lane`.
    pub fn counts(&self, lane: &Option<String>) -> LanePrs {
        self.by_lane
            .get(lane)
            .map(LaneTally::counts)
            .unwrap_or_default()
    }
}

/// The runs a column shows (its work-item cards count for nothing).
fn column_runs<'a>(state: &'a State, column: &'a Column) -> impl Iterator<Item = &'a Run> + 'a {
    column.cards.iter().filter_map(|c| match &c.id {
        CardId::Run(key) => state.cluster.runs.get(key),
        CardId::WorkItem(_) => None,
    })
}

/// PR counts of one board column (the cards it shows, filter applied), counted from scratch: what
/// the kept counts must equal.
pub fn column_prs(state: &State, column: &Column) -> LanePrs {
    LanePrs::count(&state.cluster.prs, column_runs(state, column))
}

/// PR counts of every run in `lane` (all of them, filter or not), optionally of one wave only.
/// A run's lane and wave are its labels, else its work item's ([`placement`]).
pub fn lane_prs(state: &State, lane: &str, wave: Option<u32>) -> LanePrs {
    let lane = lane.trim();
    let runs = state.cluster.runs.values().filter(|run| {
        let place = placement::Placement::of(run, &state.cluster.items, &state.settings.plan);
        place.lane == Some(lane) && wave.is_none_or(|w| place.wave == Some(w))
    });
    LanePrs::count(&state.cluster.prs, runs)
}

/// The wave gate: has every run of `lane` (in `wave`, if given) a merged PR?
pub fn lane_prs_merged(state: &State, lane: &str, wave: Option<u32>) -> bool {
    lane_prs(state, lane, wave).all_merged()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::Origin;
    use crate::app::{Msg, Resource, SourceEvent, update};
    use crate::domain::{ObjectKey, Plan, ResourceKind};
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use std::collections::HashSet;

    const PLAN: &str = "[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"a/**\"]\n\n[[lane]]\nid = \"B\"\ntitle = \"b\"\nowns = [\"b/**\"]\n";
    const PHASES: [&str; 4] = ["Running", "Succeeded", "Failed", "Pending"];
    /// One repository spelled as runs spell it: the PR is found under any of them.
    const REPOS: [&str; 3] = ["o/r", "O/R", "https://github.com/o/r.git"];

    /// How a run finds its PR.
    #[derive(Debug, Clone)]
    enum Link {
        /// Repository and head branch `codex/h{n}`.
        Branch(usize, u8),
        /// No branch, a PR URL among its artifacts: PR number `n + 1`.
        Url(u8),
        /// Neither.
        None,
    }

    #[derive(Debug, Clone)]
    enum Event {
        Run {
            name: u8,
            /// A lane label (`Z` is discovered by no plan lane: Unassigned), or none.
            lane: Option<&'static str>,
            link: Link,
            phase: usize,
            template: bool,
        },
        Gone(u8),
        /// The PR of head `codex/h{n}`, number `n + 1` (one number per PR, as on GitHub).
        Pr {
            head: u8,
            state: usize,
            failing: bool,
        },
        Filter(&'static str),
    }

    fn link() -> impl Strategy<Value = Link> {
        prop_oneof![
            4 => (0..REPOS.len(), 0u8..4).prop_map(|(r, h)| Link::Branch(r, h)),
            1 => (0u8..4).prop_map(Link::Url),
            1 => Just(Link::None),
        ]
    }

    fn event() -> impl Strategy<Value = Event> {
        let lane = prop_oneof![
            Just(Some("A")),
            Just(Some("B")),
            Just(Some("Z")),
            Just(None)
        ];
        prop_oneof![
            6 => (0u8..8, lane, link(), 0..PHASES.len(), proptest::bool::weighted(0.15))
                .prop_map(|(name, lane, link, phase, template)| Event::Run { name, lane, link, phase, template }),
            1 => (0u8..8).prop_map(Event::Gone),
            2 => (0u8..4, 0..PrState::ALL.len(), any::<bool>())
                .prop_map(|(head, state, failing)| Event::Pr { head, state, failing }),
            1 => prop_oneof![Just(""), Just("run-1"), Just("Failed")].prop_map(Event::Filter),
        ]
    }

    fn run_json(name: u8, lane: Option<&str>, link: &Link, phase: usize, template: bool) -> Value {
        let mut labels = serde_json::Map::new();
        if let Some(lane) = lane {
            labels.insert("swarm.proompteng.ai/lane".into(), json!(lane));
        }
        let mut annotations = serde_json::Map::new();
        if template {
            annotations.insert(crate::domain::labels::TEMPLATE.into(), json!("true"));
        }
        let (parameters, artifacts) = match link {
            Link::Branch(repo, head) => (
                json!({"repository": REPOS[*repo], "head": format!("codex/h{head}")}),
                json!([]),
            ),
            Link::Url(n) => (
                json!({}),
                json!([{"url": format!("https://github.com/o/r/pull/{}", n + 1)}]),
            ),
            Link::None => (json!({}), json!([])),
        };
        json!({
            "metadata": {"name": format!("run-{name}"), "namespace": "ns",
                         "labels": labels, "annotations": annotations},
            "spec": {"agentRef": {"name": "codex"}, "parameters": parameters},
            "status": {"phase": PHASES[phase], "artifacts": artifacts}
        })
    }

    /// The rule, stated plainly: distinct PRs by state (a PR held by several runs once), and the
    /// runs without a known PR, those sharing a link once, none whose link another run's known
    /// PR shares; template runs count for nothing.
    fn plain_count<'a>(state: &State, runs: impl Iterator<Item = &'a Run>) -> LanePrs {
        let mut counts = LanePrs::default();
        let mut seen_prs: HashSet<(&str, u64)> = HashSet::new();
        let mut with_pr: HashSet<PrLink> = HashSet::new();
        let mut without_pr: HashSet<PrLink> = HashSet::new();
        let mut unlinked = 0;
        for run in runs.filter(|r| !r.is_template) {
            let link = pr_link::link_for_run(run);
            match state.pr_for_run(run) {
                Some(pr) => {
                    with_pr.extend(link);
                    if seen_prs.insert((pr.repository.as_str(), pr.number)) {
                        match pr.state {
                            PrState::Merged => counts.merged += 1,
                            PrState::Closed => counts.closed += 1,
                            PrState::Open | PrState::Draft => {
                                counts.open += 1;
                                counts.failing += u32::from(pr.is_failing());
                            }
                        }
                    }
                }
                None => match link {
                    Some(link) => {
                        without_pr.insert(link);
                    }
                    None => unlinked += 1,
                },
            }
        }
        counts.none = without_pr.difference(&with_pr).count() as u32 + unlinked;
        counts
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// The lane PR counts kept card by card across any events (runs arriving, changing lane,
        /// link, phase or template-ness, going; PRs refreshed; the filter changed) equal the rule
        /// applied to every column from scratch, and so does `column_prs`.
        #[test]
        fn lane_counts_kept_per_event_equal_the_rule(
            events in proptest::collection::vec(event(), 1..50),
        ) {
            let now = chrono::Utc::now();
            let plan = Plan::parse(PLAN, "plan.toml").expect("plan");
            let mut state = State::new(plan, Origin::default(), now);
            state.ensure_board();
            for e in events {
                let msg = match e {
                    Event::Run { name, lane, link, phase, template } => {
                        let run = Run::from_json(&run_json(name, lane, &link, phase, template));
                        SourceEvent::Applied(Resource::Run(Box::new(run)))
                    }
                    Event::Gone(name) => SourceEvent::Deleted(
                        ResourceKind::AgentRun,
                        ObjectKey::new("ns", format!("run-{name}")),
                    ),
                    Event::Pr { head, state: s, failing } => {
                        let mut pr = PullRequest::new("o/r", format!("codex/h{head}"), u64::from(head) + 1, PrState::ALL[s], now);
                        pr.checks.failing = u32::from(failing);
                        SourceEvent::PullRequests(vec![pr])
                    }
                    Event::Filter(filter) => {
                        state.ui.filter = filter.to_owned();
                        state.mark_board_dirty();
                        state.ensure_board();
                        continue;
                    }
                };
                update(&mut state, Msg::Source(msg));
                state.ensure_board();
                let columns = &state.board_view().columns;
                let kept: Vec<LanePrs> = (0..columns.len()).map(|i| state.github.lane_counts(i)).collect();
                let rule: Vec<LanePrs> = columns
                    .iter()
                    .map(|c| plain_count(&state, column_runs(&state, c)))
                    .collect();
                let from_scratch: Vec<LanePrs> = columns.iter().map(|c| column_prs(&state, c)).collect();
                prop_assert_eq!(&kept, &rule);
                prop_assert_eq!(&from_scratch, &rule);
            }
        }
    }
}
