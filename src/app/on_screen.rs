//! The runs the operator can see right now: the cards on the board's visible page of each visible
//! lane, the selected run (its detail, its logs), and the runs just launched from the wave planner
//! that the board does not show yet. The watch reads these one by one while a restarted API
//! server serves no watch (the bridge), so a change to any run on screen shows up during the
//! server's warm-up, finished or not, and a launch's runs appear without waiting for the watch.
use super::State;
use super::board::CardId;
use super::layout;
use super::msg::LaunchOutcome;
use crate::domain::ObjectKey;

/// A run on screen and the resourceVersion it is shown at (0 when unknown or not an integer).
pub type Shown = (ObjectKey, u64);

pub fn runs(state: &State) -> Vec<Shown> {
    let board = state.board_view();
    let mut keys: Vec<&ObjectKey> = Vec::new();
    if let Some(CardId::Run(key)) = &state.ui.selected {
        keys.push(key);
    }
    for (lane, rect) in super::update::visible_columns(state) {
        let Some(column) = board.columns.get(lane) else {
            continue;
        };
        let visible = layout::visible_cards(
            rect,
            state.ui.compact,
            super::update::selected_in(state, lane),
            column.cards.len(),
        );
        for card in &column.cards[visible] {
            if let CardId::Run(key) = &card.id
                && !keys.contains(&key)
            {
                keys.push(key);
            }
        }
    }
    let mut shown: Vec<Shown> = keys
        .into_iter()
        .filter_map(|key| {
            let run = state.cluster.runs.get(key)?;
            let rv = run
                .resource_version
                .as_deref()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            Some((key.clone(), rv))
        })
        .collect();
    shown.extend(launched_not_yet_seen(state).map(|key| (key, 0)));
    shown
}

/// Runs the wave planner created (or found already there) that the board does not have yet.
fn launched_not_yet_seen(state: &State) -> impl Iterator<Item = ObjectKey> + '_ {
    state
        .screens
        .waves()
        .into_iter()
        .flat_map(|view| view.progress.iter())
        .filter(|row| {
            matches!(
                row.outcome,
                Some(LaunchOutcome::Created | LaunchOutcome::Exists)
            )
        })
        .map(|row| ObjectKey::new(row.namespace.as_str(), row.name.as_str()))
        .filter(|key| !state.cluster.runs.contains_key(key))
}
