//! The board derived from state: lanes as columns, cards sorted by what needs attention. Rebuilt
//! only when the data or the filter changed, so drawing a frame never sorts.
use crate::domain::{ObjectKey, Phase, Plan, Run, WorkItem, placement};
use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use std::collections::{BTreeMap, HashSet};

/// Identifies a card across rebuilds (selection follows the object, not the index).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CardId {
    Run(ObjectKey),
    WorkItem(ObjectKey),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub id: CardId,
    pub phase: Phase,
    /// Pending or Blocked for longer than the stuck threshold.
    pub stuck: bool,
}

/// Per-phase card counts, in [`Phase::COUNTED`] order.
pub type PhaseCounts = [u32; Phase::COUNTED.len()];

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// `None` is the Unassigned column.
    pub lane: Option<String>,
    pub title: String,
    pub cards: Vec<Card>,
    pub counts: PhaseCounts,
    /// Cards flagged as stuck.
    pub stuck: u32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Board {
    pub columns: Vec<Column>,
}

pub const UNASSIGNED: &str = "Unassigned";

impl Board {
    pub fn build(
        plan: &Plan,
        runs: &BTreeMap<ObjectKey, Run>,
        items: &BTreeMap<ObjectKey, WorkItem>,
        filter: &str,
        stuck: Option<(chrono::DateTime<chrono::Utc>, chrono::Duration)>,
    ) -> Board {
        let is_stuck = |run: &Run| {
            matches!(run.phase, Phase::Pending | Phase::Blocked)
                && stuck.is_some_and(|(now, after)| run.created.is_some_and(|c| now - c > after))
        };
        let mut columns: Vec<Column> = plan
            .lanes
            .iter()
            .map(|l| Column::new(Some(l.id.clone()), format!("{} · {}", l.id, l.title)))
            .collect();
        let mut unassigned = Column::new(None, UNASSIGNED.to_owned());
        let mut matcher = CardMatcher::new(filter);
        let discover_lanes = plan.lanes.is_empty();

        let mut launched: HashSet<(&str, &str)> = HashSet::new();
        let mut place = |lane: Option<&str>, card: Card, columns: &mut Vec<Column>| {
            let idx = match lane {
                Some(id) => match columns.iter().position(|c| c.lane.as_deref() == Some(id)) {
                    Some(i) => Some(i),
                    None if discover_lanes => {
                        columns.push(Column::new(Some(id.to_owned()), id.to_owned()));
                        Some(columns.len() - 1)
                    }
                    None => None,
                },
                None => None,
            };
            match idx {
                Some(i) => columns[i].push(card),
                None => unassigned.push(card),
            }
        };

        for run in runs.values() {
            let item = placement::item_of(run, items);
            if let Some(name) = &run.work_item {
                launched.insert((run.key.namespace.as_str(), name.as_str()));
            }
            if !matcher.matches_run(run, item) {
                continue;
            }
            let lane = placement::lane_of(run, item);
            let card = Card {
                id: CardId::Run(run.key.clone()),
                phase: run.phase.clone(),
                stuck: is_stuck(run),
            };
            place(lane, card, &mut columns);
        }
        for item in items.values() {
            if launched.contains(&(item.key.namespace.as_str(), item.key.name.as_str())) {
                continue;
            }
            if !matcher.matches_item(item) {
                continue;
            }
            let card = Card {
                id: CardId::WorkItem(item.key.clone()),
                phase: Phase::NotLaunched,
                stuck: false,
            };
            place(placement::item_lane(item), card, &mut columns);
        }

        if discover_lanes {
            columns.sort_by(|a, b| a.lane.cmp(&b.lane));
        }
        if !unassigned.cards.is_empty() || columns.is_empty() {
            columns.push(unassigned);
        }
        for column in &mut columns {
            column.cards.sort_by(|a, b| {
                (a.phase.attention_rank(), &a.id).cmp(&(b.phase.attention_rank(), &b.id))
            });
        }
        Board { columns }
    }

    pub fn card(&self, lane: usize, idx: usize) -> Option<&Card> {
        self.columns.get(lane)?.cards.get(idx)
    }

    /// Where a card sits now (after a rebuild moved it).
    pub fn position(&self, id: &CardId) -> Option<(usize, usize)> {
        self.columns.iter().enumerate().find_map(|(li, col)| {
            col.cards
                .iter()
                .position(|c| &c.id == id)
                .map(|ci| (li, ci))
        })
    }
}

impl Column {
    fn new(lane: Option<String>, title: String) -> Column {
        Column {
            lane,
            title,
            cards: Vec::new(),
            counts: [0; Phase::COUNTED.len()],
            stuck: 0,
        }
    }

    fn push(&mut self, card: Card) {
        self.stuck += u32::from(card.stuck);
        let key = card.phase.theme_key();
        if let Some(i) = Phase::COUNTED.iter().position(|k| *k == key) {
            self.counts[i] += 1;
        }
        self.cards.push(card);
    }
}

/// Fuzzy filter over what an operator would type: name, work item, summary, head branch, phase, lane.
struct CardMatcher {
    pattern: Option<Pattern>,
    matcher: Matcher,
    buf: Vec<char>,
}

impl CardMatcher {
    fn new(filter: &str) -> CardMatcher {
        let filter = filter.trim();
        CardMatcher {
            pattern: (!filter.is_empty()).then(|| {
                Pattern::new(
                    filter,
                    CaseMatching::Smart,
                    Normalization::Smart,
                    AtomKind::Fuzzy,
                )
            }),
            matcher: Matcher::new(Config::DEFAULT),
            buf: Vec::new(),
        }
    }

    fn matches_run(&mut self, run: &Run, item: Option<&WorkItem>) -> bool {
        let summary = item
            .map(|i| i.summary.as_str())
            .or(run.inline_summary.as_deref());
        self.any_field(&[
            Some(run.key.name.as_str()),
            run.work_item.as_deref(),
            summary,
            run.head_branch.as_deref(),
            Some(run.phase.label()),
            placement::lane_of(run, item),
        ])
    }

    fn matches_item(&mut self, item: &WorkItem) -> bool {
        self.any_field(&[
            Some(item.key.name.as_str()),
            Some(item.summary.as_str()),
            item.head(),
            Some(crate::domain::Phase::NotLaunched.label()),
            placement::item_lane(item),
        ])
    }

    /// Each field is matched on its own: a fuzzy match spread over unrelated fields ("p" from a
    /// name, "end" from a branch) is noise, not a hit.
    fn any_field(&mut self, fields: &[Option<&str>]) -> bool {
        if self.pattern.is_none() {
            return true;
        }
        fields.iter().flatten().any(|f| self.matches(f))
    }

    fn matches(&mut self, haystack: &str) -> bool {
        let Some(pattern) = &self.pattern else {
            return true;
        };
        let hay = Utf32Str::new(haystack, &mut self.buf);
        pattern.score(hay, &mut self.matcher).is_some()
    }
}
