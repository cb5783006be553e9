//! The runs the operator can see right now: the cards on the board's visible page of each visible
//! lane, and the selected run (its detail, its logs). The watch reads these one by one while a
//! restarted API server serves no watch (the bridge), so a change to any run on screen shows up
//! during the server's warm-up, finished or not.
use super::State;
use super::board::CardId;
use super::layout;
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
        let per_page = layout::cards_per_page(rect, state.ui.compact).max(1);
        let selected_in_lane = if lane == state.ui.lane {
            state.ui.card
        } else {
            0
        };
        let offset = layout::page_offset(selected_in_lane, per_page);
        for card in column.cards.iter().skip(offset).take(per_page) {
            if let CardId::Run(key) = &card.id
                && !keys.contains(&key)
            {
                keys.push(key);
            }
        }
    }
    keys.into_iter()
        .filter_map(|key| {
            let run = state.cluster.runs.get(key)?;
            let rv = run
                .resource_version
                .as_deref()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            Some((key.clone(), rv))
        })
        .collect()
}
