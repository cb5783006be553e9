//! The board derived from state: lanes as columns, cards sorted by what needs attention. Built
//! whole when the plan, the work items or the filter change; a run's event moves just its card
//! ([`Board::upsert_run`], [`Board::remove_run`]), so one status change at 10,000 runs costs
//! a binary search and a shift in one lane, not a rebuild. Drawing a frame never sorts.
use crate::domain::control::BlockReason;
use crate::domain::{ObjectKey, Phase, Plan, Run, WorkItem, placement};
use chrono::{DateTime, Utc};
use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use std::collections::{BTreeMap, HashMap, HashSet};

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
    /// The limit a blocked run hit.
    pub blocked: Option<BlockReason>,
    /// When a failed run failed.
    pub failed_at: Option<DateTime<Utc>>,
}

impl Card {
    fn of_run(run: &Run, stuck: bool) -> Card {
        Card {
            id: CardId::Run(run.key.clone()),
            phase: run.phase.clone(),
            stuck,
            blocked: crate::domain::control::blocked::blocked(run).map(|b| b.reason),
            failed_at: run.failed_at(),
        }
    }

    fn of_item(key: ObjectKey) -> Card {
        Card {
            id: CardId::WorkItem(key),
            phase: Phase::NotLaunched,
            stuck: false,
            blocked: None,
            failed_at: None,
        }
    }
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
    /// Blocked cards per reason.
    pub blocked: BTreeMap<BlockReason, u32>,
    /// Failed cards per time of failure (so "failed in the last hour" is a range, not a walk).
    pub failed: BTreeMap<DateTime<Utc>, u32>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Board {
    pub columns: Vec<Column>,
    /// The column of every card, so an event finds its card without scanning the board.
    /// The column of every card and its attention rank, so an event finds its card without
    /// scanning the board: a binary search in its column (cards are sorted by rank, then id).
    at: HashMap<CardId, (usize, u8)>,
    /// Runs per work item (filtered out or not): an item's own card shows only while it has none.
    runs_of_item: HashMap<ObjectKey, u32>,
    /// The plan names no lanes: columns come from the runs (sorted by lane; one emptied goes).
    discover_lanes: bool,
    /// The first instant after which a run not flagged yet becomes stuck: the board is re-derived
    /// then, not on a timer. Only moves earlier between rebuilds (a run that left early makes one
    /// rebuild for nothing, never a late flag).
    next_stuck: Option<chrono::DateTime<chrono::Utc>>,
}

/// What an incremental change needs besides the run: the same inputs [`Board::build`] takes.
pub struct Inputs<'a> {
    pub items: &'a BTreeMap<ObjectKey, WorkItem>,
    pub filter: &'a str,
    pub stuck: Option<(chrono::DateTime<chrono::Utc>, chrono::Duration)>,
}

/// The columns an incremental change touched (every other column is as it was); `None` from
/// [`Board::upsert_run`]/[`Board::remove_run`] means "rebuild the board".
pub type Touched = Vec<usize>;

fn is_stuck(run: &Run, stuck: Option<(chrono::DateTime<chrono::Utc>, chrono::Duration)>) -> bool {
    stuck.is_some_and(|(now, after)| stuck_at(run, after).is_some_and(|at| now > at))
}

/// After this instant a waiting run counts as stuck (`None`: it is not waiting).
fn stuck_at(run: &Run, after: chrono::Duration) -> Option<chrono::DateTime<chrono::Utc>> {
    match run.phase {
        Phase::Pending | Phase::Blocked => run.created.map(|c| c + after),
        _ => None,
    }
}

/// The earlier of two optional instants.
fn earliest(
    a: Option<chrono::DateTime<chrono::Utc>>,
    b: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// When `run`, not stuck yet, will be.
fn upcoming_stuck(
    run: &Run,
    stuck: Option<(chrono::DateTime<chrono::Utc>, chrono::Duration)>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let (now, after) = stuck?;
    stuck_at(run, after).filter(|at| *at >= now)
}

fn sort_key(card: &Card) -> (u8, &CardId) {
    (card.phase.attention_rank(), &card.id)
}

/// Where the card `id` of attention `rank` sits in a column's sorted cards.
fn find(cards: &[Card], rank: u8, id: &CardId) -> Option<usize> {
    cards
        .binary_search_by(|c| sort_key(c).cmp(&(rank, id)))
        .ok()
}

pub const UNASSIGNED: &str = "Unassigned";

impl Board {
    pub fn build(
        plan: &Plan,
        runs: &crate::domain::RunMap,
        items: &BTreeMap<ObjectKey, WorkItem>,
        filter: &str,
        stuck: Option<(chrono::DateTime<chrono::Utc>, chrono::Duration)>,
    ) -> Board {
        let mut columns: Vec<Column> = plan
            .lanes
            .iter()
            .map(|l| Column::new(Some(l.id.clone()), format!("{} · {}", l.id, l.title)))
            .collect();
        let mut unassigned = Column::new(None, UNASSIGNED.to_owned());
        let mut matcher = CardMatcher::new(filter);
        let discover_lanes = plan.lanes.is_empty();

        let mut launched: HashSet<(&str, &str)> = HashSet::new();
        let mut next_stuck = None;
        let mut runs_of_item: HashMap<ObjectKey, u32> = HashMap::new();
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
            next_stuck = earliest(next_stuck, upcoming_stuck(run, stuck));
            let item = placement::item_of(run, items);
            if let Some(name) = &run.work_item {
                launched.insert((run.key.namespace.as_str(), name.as_str()));
                *runs_of_item
                    .entry(ObjectKey::new(run.key.namespace.clone(), name.clone()))
                    .or_default() += 1;
            }
            if !matcher.matches_run(run, item) {
                continue;
            }
            let lane = placement::lane_of(run, item);
            let card = Card::of_run(run, is_stuck(run, stuck));
            place(lane, card, &mut columns);
        }
        for item in items.values() {
            if launched.contains(&(item.key.namespace.as_str(), item.key.name.as_str())) {
                continue;
            }
            if !matcher.matches_item(item) {
                continue;
            }
            let card = Card::of_item(item.key.clone());
            place(placement::item_lane(item), card, &mut columns);
        }

        if discover_lanes {
            columns.sort_by(|a, b| a.lane.cmp(&b.lane));
        }
        if !unassigned.cards.is_empty() || columns.is_empty() {
            columns.push(unassigned);
        }
        for column in &mut columns {
            column.cards.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        }
        let at = columns
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                c.cards
                    .iter()
                    .map(move |card| (card.id.clone(), (i, card.phase.attention_rank())))
            })
            .collect();
        Board {
            columns,
            at,
            runs_of_item,
            discover_lanes,
            next_stuck,
        }
    }

    /// When the board must be re-derived because a waiting run becomes stuck.
    pub fn next_stuck(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.next_stuck
    }

    /// A run was added or changed (`old` is what the board last saw of it): its card moves to
    /// where a rebuild would put it, columns coming and going as a rebuild would have them (a
    /// lane discovered or emptied, Unassigned appearing or emptying). `None` when only a rebuild
    /// can say (a run switching work items, whose own card may come back).
    pub fn upsert_run(&mut self, old: Option<&Run>, run: &Run, inputs: &Inputs) -> Option<Touched> {
        let item_key = placement::item_key(run);
        if let Some(old) = old
            && placement::item_key(old) != item_key
        {
            return None;
        }
        self.next_stuck = earliest(self.next_stuck, upcoming_stuck(run, inputs.stuck));
        let mut touched = Touched::new();
        let id = CardId::Run(run.key.clone());
        if old.is_none()
            && let Some(key) = &item_key
        {
            let runs = self.runs_of_item.entry(key.clone()).or_default();
            *runs += 1;
            // Its first run replaces the work item's own card.
            if *runs == 1 {
                touched.extend(self.take_card(&CardId::WorkItem(key.clone()))?);
            }
        }
        touched.extend(self.take_card(&id)?);
        let item = item_key.as_ref().and_then(|k| inputs.items.get(k));
        if CardMatcher::new(inputs.filter).matches_run(run, item) {
            let lane = placement::lane_of(run, item);
            let card = Card::of_run(run, is_stuck(run, inputs.stuck));
            touched.extend(self.put_card(lane, card));
        }
        self.settled(touched)
    }

    /// A run is gone: its card goes, and its work item's own card comes back when it was the
    /// item's last run.
    pub fn remove_run(&mut self, run: &Run, inputs: &Inputs) -> Option<Touched> {
        let mut touched = self.take_card(&CardId::Run(run.key.clone()))?;
        if let Some(key) = placement::item_key(run) {
            let runs = self.runs_of_item.entry(key.clone()).or_default();
            *runs = runs.saturating_sub(1);
            if *runs == 0 {
                self.runs_of_item.remove(&key);
                if let Some(item) = inputs.items.get(&key)
                    && CardMatcher::new(inputs.filter).matches_item(item)
                {
                    let card = Card::of_item(key);
                    touched.extend(self.put_card(placement::item_lane(item), card));
                }
            }
        }
        self.settled(touched)
    }

    /// Removes a card if it is on the board; `Some(columns touched)` (empty when absent).
    fn take_card(&mut self, id: &CardId) -> Option<Touched> {
        let Some((col, rank)) = self.at.remove(id) else {
            return Some(Touched::new());
        };
        let column = self.columns.get_mut(col)?;
        let idx = find(&column.cards, rank, id)?;
        column.remove(idx);
        Some(vec![col])
    }

    /// Inserts a card where [`Board::build`] would have placed it and sorted it; the columns
    /// touched (with a new column, every one from there on: their indices moved).
    /// `lane` as [`placement`] gives it (trimmed, blank is none).
    fn put_card(&mut self, lane: Option<&str>, card: Card) -> Touched {
        let own = lane.and_then(|id| {
            self.columns
                .iter()
                .position(|c| c.lane.as_deref() == Some(id))
        });
        let mut touched = Touched::new();
        let col = match (own, lane) {
            (Some(col), _) => col,
            // A lane discovered from labels gets its column in the sorted place a rebuild gives
            // it: before every later lane and before Unassigned, which comes last.
            (None, Some(id)) if self.discover_lanes => {
                let col = self
                    .columns
                    .partition_point(|c| c.lane.as_deref().is_some_and(|l| l < id));
                self.insert_column(col, Column::new(Some(id.to_owned()), id.to_owned()));
                touched.extend(col..self.columns.len());
                col
            }
            _ => match self.columns.iter().position(|c| c.lane.is_none()) {
                Some(col) => col,
                None => {
                    self.columns.push(Column::new(None, UNASSIGNED.to_owned()));
                    self.columns.len() - 1
                }
            },
        };
        let column = &mut self.columns[col];
        let idx = column
            .cards
            .partition_point(|c| sort_key(c) < sort_key(&card));
        self.at
            .insert(card.id.clone(), (col, card.phase.attention_rank()));
        column.insert(idx, card);
        touched.push(col);
        touched
    }

    /// A new column at `col`: the cards of the columns after it move one index on.
    fn insert_column(&mut self, col: usize, column: Column) {
        self.columns.insert(col, column);
        for (c, _) in self.at.values_mut() {
            if *c >= col {
                *c += 1;
            }
        }
    }

    /// Column `col` (empty) goes: the cards of the columns after it move one index back.
    fn remove_column(&mut self, col: usize) {
        self.columns.remove(col);
        for (c, _) in self.at.values_mut() {
            if *c > col {
                *c -= 1;
            }
        }
    }

    /// After cards moved: the columns a rebuild would not have go — a discovered lane left
    /// empty, Unassigned left empty beside other columns — and Unassigned is there alone when
    /// nothing else is. Returns the columns touched, as they are numbered now.
    fn settled(&mut self, mut touched: Touched) -> Option<Touched> {
        let mut moved_from: Option<usize> = None;
        let mut col = 0;
        while col < self.columns.len() {
            let c = &self.columns[col];
            let gone = c.cards.is_empty()
                && match c.lane {
                    Some(_) => self.discover_lanes,
                    None => self.columns.len() > 1,
                };
            if gone {
                self.remove_column(col);
                moved_from = Some(moved_from.map_or(col, |m| m.min(col)));
            } else {
                col += 1;
            }
        }
        if self.columns.is_empty() {
            self.columns.push(Column::new(None, UNASSIGNED.to_owned()));
            moved_from = Some(0);
        }
        if let Some(from) = moved_from {
            touched.retain(|&t| t < from);
            touched.extend(from..self.columns.len());
        }
        touched.sort_unstable();
        touched.dedup();
        Some(touched)
    }

    pub fn card(&self, lane: usize, idx: usize) -> Option<&Card> {
        self.columns.get(lane)?.cards.get(idx)
    }

    /// The column a card is in.
    pub fn column_of(&self, id: &CardId) -> Option<usize> {
        self.at.get(id).map(|(col, _)| *col)
    }

    /// The lane of the column a card is in (`Some(None)`: Unassigned; `None`: not on the board).
    pub fn lane_of_card(&self, id: &CardId) -> Option<&Option<String>> {
        self.columns.get(self.column_of(id)?).map(|c| &c.lane)
    }

    /// Where a card sits now (after a rebuild or an event moved it).
    pub fn position(&self, id: &CardId) -> Option<(usize, usize)> {
        let (col, rank) = *self.at.get(id)?;
        let idx = find(&self.columns.get(col)?.cards, rank, id)?;
        Some((col, idx))
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
            blocked: BTreeMap::new(),
            failed: BTreeMap::new(),
        }
    }

    fn push(&mut self, card: Card) {
        self.count(&card, true);
        self.cards.push(card);
    }

    fn insert(&mut self, idx: usize, card: Card) {
        self.count(&card, true);
        self.cards.insert(idx, card);
    }

    fn remove(&mut self, idx: usize) -> Card {
        let card = self.cards.remove(idx);
        self.count(&card, false);
        card
    }

    fn count(&mut self, card: &Card, add: bool) {
        let step = |n: &mut u32| *n = if add { *n + 1 } else { n.saturating_sub(1) };
        if card.stuck {
            step(&mut self.stuck);
        }
        if let Some(reason) = &card.blocked {
            bump(&mut self.blocked, reason, add);
        }
        if let Some(at) = &card.failed_at {
            bump(&mut self.failed, at, add);
        }
        let key = card.phase.theme_key();
        if let Some(i) = Phase::COUNTED.iter().position(|k| *k == key) {
            step(&mut self.counts[i]);
        }
    }
}

/// Counts one more (or one less) under `key`; a count that reaches zero goes, so a column equals
/// its rebuild.
fn bump<K: Ord + Clone>(map: &mut BTreeMap<K, u32>, key: &K, up: bool) {
    if up {
        *map.entry(key.clone()).or_default() += 1;
    } else if let Some(n) = map.get_mut(key) {
        *n -= 1;
        if *n == 0 {
            map.remove(key);
        }
    }
}

/// Fuzzy filter over what an operator would type: name, work item, summary, head branch, phase, lane.
struct CardMatcher {
    /// With its matcher (whose scratch space is worth allocating only when there is a filter).
    pattern: Option<(Pattern, Matcher)>,
    buf: Vec<char>,
}

impl CardMatcher {
    fn new(filter: &str) -> CardMatcher {
        let filter = filter.trim();
        CardMatcher {
            pattern: (!filter.is_empty()).then(|| {
                let pattern = Pattern::new(
                    filter,
                    CaseMatching::Smart,
                    Normalization::Smart,
                    AtomKind::Fuzzy,
                );
                (pattern, Matcher::new(Config::DEFAULT))
            }),
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
        let Some((pattern, matcher)) = &mut self.pattern else {
            return true;
        };
        let hay = Utf32Str::new(haystack, &mut self.buf);
        pattern.score(hay, matcher).is_some()
    }
}

#[cfg(test)]
mod tests {
    //! The incremental board against its oracle: after any sequence of run events, the board
    //! kept up to date card by card equals the board built from scratch.
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const LANES: [Option<&str>; 4] = [Some("A"), Some("B"), Some("Z"), None];
    /// `Blocked` is a Pending run with a `Blocked` condition (its reason varies with the minute).
    const PHASES: [Option<&str>; 7] = [
        None,
        Some("Pending"),
        Some("Running"),
        Some("Succeeded"),
        Some("Failed"),
        Some("Cancelled"),
        Some("Blocked"),
    ];
    const REASONS: [&str; 3] = ["QueueLimit", "RateLimit", "ConcurrencyLimit"];

    fn plan(with_lanes: bool) -> Plan {
        if !with_lanes {
            return Plan::default();
        }
        Plan::parse(
            "name = \"t\"\n[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"a/**\"]\n\
             [[lane]]\nid = \"B\"\ntitle = \"b\"\nowns = [\"b/**\"]\n",
            "plan.toml",
        )
        .expect("plan")
    }

    fn run(name: u8, lane: usize, item: Option<u8>, phase: usize, minute: u8) -> Run {
        let mut labels = json!({});
        if let Some(l) = LANES[lane] {
            labels["swarm.proompteng.ai/lane"] = json!(l);
        }
        let mut spec = json!({"runtime": {"type": "workflow"}});
        if let Some(i) = item {
            spec["implementationSpecRef"] = json!({"name": format!("item-{i}")});
        }
        let mut obj = json!({
            "metadata": {"name": format!("run-{name}"), "namespace": "ns", "labels": labels,
                         "creationTimestamp": format!("2026-02-10T11:{minute:02}:00Z")},
            "spec": spec,
        });
        match PHASES[phase] {
            Some("Blocked") => {
                obj["status"] = json!({"phase": "Pending", "conditions": [{"type": "Blocked",
                    "status": "True", "reason": REASONS[usize::from(minute) % REASONS.len()]}]});
            }
            // Failed at a time that varies (several failures may share one).
            Some("Failed") => {
                obj["status"] = json!({"phase": "Failed",
                    "finishedAt": format!("2026-02-10T11:{:02}:00Z", minute % 7)});
            }
            Some(p) => obj["status"] = json!({"phase": p}),
            None => {}
        }
        Run::from_json(&obj)
    }

    fn item(i: u8, lane: usize) -> WorkItem {
        let mut labels = json!({});
        if let Some(l) = LANES[lane] {
            labels["swarm.proompteng.ai/lane"] = json!(l);
        }
        WorkItem::from_json(&json!({
            "metadata": {"name": format!("item-{i}"), "namespace": "ns", "labels": labels},
            "spec": {"text": "## Objective\nx\n", "summary": format!("summary {i}")},
        }))
    }

    #[derive(Debug, Clone)]
    enum Event {
        Upsert {
            name: u8,
            lane: usize,
            item: Option<u8>,
            phase: usize,
            minute: u8,
        },
        Delete(u8),
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            3 => (0u8..8, 0..LANES.len(), proptest::option::of(0u8..4), 0..PHASES.len(), 0u8..60)
                .prop_map(|(name, lane, item, phase, minute)| Event::Upsert { name, lane, item, phase, minute }),
            1 => (0u8..8).prop_map(Event::Delete),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn incremental_board_equals_a_rebuild(
            with_lanes in any::<bool>(),
            item_lanes in proptest::collection::vec(0..LANES.len(), 4),
            filter in prop_oneof![Just(""), Just("run-1"), Just("summary 2"), Just("Failed")],
            events in proptest::collection::vec(event(), 1..40),
        ) {
            let plan = plan(with_lanes);
            let items: BTreeMap<ObjectKey, WorkItem> = item_lanes
                .iter()
                .enumerate()
                .map(|(i, lane)| {
                    let it = item(i as u8, *lane);
                    (it.key.clone(), it)
                })
                .collect();
            let now = chrono::DateTime::parse_from_rfc3339("2026-02-10T12:00:00Z")
                .expect("time")
                .to_utc();
            let stuck = Some((now, chrono::Duration::minutes(30)));
            let mut runs = crate::domain::RunMap::new();
            let mut board = Board::build(&plan, &runs, &items, filter, stuck);
            for event in events {
                let inputs = Inputs { items: &items, filter, stuck };
                let applied = match event {
                    Event::Upsert { name, lane, item, phase, minute } => {
                        let r = run(name, lane, item, phase, minute);
                        let old = runs.insert(r.key.clone(), r.clone());
                        board.upsert_run(old.as_ref(), &r, &inputs)
                    }
                    Event::Delete(name) => {
                        match runs.remove(&ObjectKey::new("ns", format!("run-{name}"))) {
                            Some(old) => board.remove_run(&old, &inputs),
                            None => Some(Vec::new()),
                        }
                    }
                };
                let rebuilt = Board::build(&plan, &runs, &items, filter, stuck);
                match applied {
                    Some(touched) => {
                        prop_assert_eq!(&board.columns, &rebuilt.columns);
                        prop_assert_eq!(&board.at, &rebuilt.at);
                        // Never late: the incremental deadline is at or before the rebuilt one.
                        if let Some(due) = rebuilt.next_stuck() {
                            prop_assert!(board.next_stuck().is_some_and(|b| b <= due));
                        }
                        for (i, column) in board.columns.iter().enumerate() {
                            if !touched.contains(&i) {
                                // An untouched column is the same as before the event.
                                prop_assert_eq!(column, &rebuilt.columns[i]);
                            }
                        }
                    }
                    None => board = rebuilt,
                }
            }
        }
    }

    #[test]
    fn a_lane_discovered_or_emptied_is_a_column_inserted_or_removed_not_a_rebuild() {
        let plan = plan(false);
        let items = BTreeMap::new();
        let inputs = Inputs {
            items: &items,
            filter: "",
            stuck: None,
        };
        let mut runs = crate::domain::RunMap::new();
        let mut board = Board::build(&plan, &runs, &items, "", None);
        let lanes = |b: &Board| {
            b.columns
                .iter()
                .map(|c| c.title.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            lanes(&board),
            [UNASSIGNED],
            "an empty board shows Unassigned alone"
        );
        // Lane B first, then A before it: each a column in its sorted place.
        let b = run(1, 1, None, 2, 0);
        runs.insert(b.key.clone(), b.clone());
        assert_eq!(board.upsert_run(None, &b, &inputs), Some(vec![0]));
        let a = run(2, 0, None, 2, 0);
        runs.insert(a.key.clone(), a.clone());
        assert_eq!(board.upsert_run(None, &a, &inputs), Some(vec![0, 1]));
        assert_eq!(lanes(&board), ["A", "B"]);
        assert_eq!(board.position(&CardId::Run(b.key.clone())), Some((1, 0)));
        // A emptied: its column goes and B's cards move back one column.
        runs.remove(&a.key);
        assert_eq!(board.remove_run(&a, &inputs), Some(vec![0]));
        assert_eq!(lanes(&board), ["B"]);
        assert_eq!(board.position(&CardId::Run(b.key.clone())), Some((0, 0)));
        assert_eq!(
            board.columns,
            Board::build(&plan, &runs, &items, "", None).columns
        );
    }

    #[test]
    fn a_status_change_moves_one_card_without_a_rebuild() {
        let plan = plan(true);
        let items = BTreeMap::new();
        let mut runs = crate::domain::RunMap::new();
        for n in 0..5 {
            let r = run(n, 0, None, 2, 0);
            runs.insert(r.key.clone(), r);
        }
        let mut board = Board::build(&plan, &runs, &items, "", None);
        let old = runs
            .get(&ObjectKey::new("ns", "run-3"))
            .expect("run-3")
            .clone();
        let failed = run(3, 0, None, 4, 0);
        let inputs = Inputs {
            items: &items,
            filter: "",
            stuck: None,
        };
        let touched = board.upsert_run(Some(&old), &failed, &inputs);
        assert_eq!(touched, Some(vec![0]), "only lane A changed");
        // Failed needs attention first: the card moved to the top of its lane.
        assert_eq!(
            board.columns[0].cards[0].id,
            CardId::Run(ObjectKey::new("ns", "run-3"))
        );
    }
}
