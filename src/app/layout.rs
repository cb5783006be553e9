//! Screen geometry shared by the views (to draw) and `update` (to hit-test mouse clicks), so a
//! click lands on exactly the card that was drawn there.
use ratatui::layout::Rect;

/// Narrowest useful column; below this, fewer lanes are shown at once and the view scrolls.
pub const MIN_COLUMN_WIDTH: u16 = 24;
/// Narrowest column in compact mode (one line per card), so more lanes fit.
pub const MIN_COMPACT_COLUMN_WIDTH: u16 = 16;
/// Rows a column spends on its header (counts line + rule) inside the border.
pub const COLUMN_HEADER_ROWS: u16 = 2;

/// Title bar, board, status line.
pub fn screen(area: Rect) -> (Rect, Rect, Rect) {
    screen_with(area, 0)
}

/// [`screen`] with `banner` rows under the title taken from the board (the saturation banner).
pub fn screen_with(area: Rect, banner: u16) -> (Rect, Rect, Rect) {
    let (title, board, status) = screen_plain(area);
    let banner = banner.min(board.height.saturating_sub(3));
    let board = Rect {
        y: board.y + banner,
        height: board.height - banner,
        ..board
    };
    (title, board, status)
}

/// Where the banner rows go, if there are any (and room for them).
pub fn banner_area(area: Rect, banner: u16) -> Option<Rect> {
    let (_, board, _) = screen_plain(area);
    let rows = banner.min(board.height.saturating_sub(3));
    (rows > 0).then_some(Rect {
        height: rows,
        ..board
    })
}

fn screen_plain(area: Rect) -> (Rect, Rect, Rect) {
    let title = Rect {
        height: area.height.min(1),
        ..area
    };
    let status_y = area.y + area.height.saturating_sub(1);
    let status = Rect {
        y: status_y,
        height: area.height.saturating_sub(1).min(1),
        ..area
    };
    let board = Rect {
        y: area.y + title.height,
        height: area.height.saturating_sub(title.height + status.height),
        ..area
    };
    (title, board, status)
}

/// Which columns are visible and where: a window of lanes around the selected one.
pub fn columns(
    board: Rect,
    n_columns: usize,
    selected: usize,
    compact: bool,
) -> Vec<(usize, Rect)> {
    if n_columns == 0 || board.width == 0 || board.height == 0 {
        return Vec::new();
    }
    let min = if compact {
        MIN_COMPACT_COLUMN_WIDTH
    } else {
        MIN_COLUMN_WIDTH
    };
    let fit = usize::from((board.width / min).max(1));
    let visible = fit.min(n_columns);
    let start = if selected < visible {
        0
    } else {
        (selected + 1 - visible).min(n_columns - visible)
    };
    let width = board.width / visible as u16;
    let extra = board.width - width * visible as u16;
    (0..visible)
        .map(|i| {
            // The last column takes the remainder so the board fills the screen.
            let w = if i + 1 == visible {
                width + extra
            } else {
                width
            };
            (
                start + i,
                Rect {
                    x: board.x + width * i as u16,
                    y: board.y,
                    width: w,
                    height: board.height,
                },
            )
        })
        .collect()
}

/// How many lanes lie off screen to the left and to the right of the visible ones.
pub fn lanes_off_screen(visible: &[(usize, Rect)], n_columns: usize) -> (usize, usize) {
    match (visible.first(), visible.last()) {
        (Some((first, _)), Some((last, _))) => (*first, n_columns.saturating_sub(last + 1)),
        _ => (0, 0),
    }
}

/// Rows per card: three lines and a gap when there is room, one line when cramped or compact.
pub fn card_height(column: Rect, compact: bool) -> u16 {
    if column.height >= 14 && !compact {
        4
    } else {
        1
    }
}

/// The inner area of a column where cards go (inside the border, below the header).
pub fn cards_area(column: Rect) -> Rect {
    let inner = Rect {
        x: column.x + 1,
        y: column.y + 1,
        width: column.width.saturating_sub(2),
        height: column.height.saturating_sub(2),
    };
    let header = COLUMN_HEADER_ROWS.min(inner.height);
    Rect {
        y: inner.y + header,
        height: inner.height - header,
        ..inner
    }
}

/// How many cards fit in a column.
pub fn cards_per_page(column: Rect, compact: bool) -> usize {
    let area = cards_area(column);
    let h = card_height(column, compact);
    // The last card may omit its gap row.
    usize::from((area.height + u16::from(h > 1)) / h)
}

/// First visible card: pages, so the selection is always on screen and the view does not jitter.
pub fn page_offset(selected: usize, per_page: usize) -> usize {
    selected
        .checked_div(per_page)
        .map_or(0, |page| page * per_page)
}

/// The cards of a column that are on screen, as indices into its `len` cards: the page holding
/// card `selected` (pass 0 for a lane other than the selected one). One rule for the view, the
/// mouse and what the watches read first.
pub fn visible_cards(
    column: Rect,
    compact: bool,
    selected: usize,
    len: usize,
) -> std::ops::Range<usize> {
    let per_page = cards_per_page(column, compact);
    let start = page_offset(selected, per_page);
    start.min(len)..(start + per_page).min(len)
}

/// A centered overlay, at most `max_w`×`max_h`, never larger than the screen.
pub fn centered(area: Rect, max_w: u16, max_h: u16) -> Rect {
    let w = max_w.min(area.width);
    let h = max_h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_window_follows_selection() {
        let board = Rect::new(0, 1, 80, 22);
        let cols = columns(board, 6, 0, false);
        assert_eq!(cols.len(), 3);
        assert_eq!(cols[0].0, 0);
        assert_eq!(lanes_off_screen(&cols, 6), (0, 3));
        let cols = columns(board, 6, 5, false);
        assert_eq!(cols.iter().map(|c| c.0).collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!(cols.iter().map(|c| c.1.width).sum::<u16>(), 80);
        assert_eq!(lanes_off_screen(&cols, 6), (3, 0));
        let cols = columns(board, 6, 4, true);
        assert_eq!(
            cols.iter().map(|c| c.0).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4]
        );
        assert_eq!(lanes_off_screen(&cols, 6), (0, 1));
        assert_eq!(card_height(cols[0].1, true), 1);
    }

    #[test]
    fn tiny_screens_degrade_without_panicking() {
        for w in 0..50 {
            for h in 0..12 {
                let (_, board, _) = screen(Rect::new(0, 0, w, h));
                for (_, col) in columns(board, 6, 3, w % 2 == 0) {
                    let _ = cards_per_page(col, h % 2 == 0);
                    let _ = cards_area(col);
                }
            }
        }
        assert_eq!(page_offset(7, 0), 0);
        assert_eq!(page_offset(7, 3), 6);
    }
}
