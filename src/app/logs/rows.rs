//! Geometry of the log view and the rows it shows: the areas (shared with the view, which draws
//! into the same ones) and [`ViewRows`], the entries on screen (all lines, or the filter's) with
//! their wrapped heights, which scrolling, search and copy all count in.
use super::LogView;
use crate::app::layout;
use crate::domain::log_buffer::{FilterIndex, FilterMode, Rows, TIMESTAMP_WIDTH};
use ratatui::layout::Rect;

/// The view's areas inside the board area: header row, body, footer row.
pub fn areas(board: Rect) -> (Rect, Rect, Rect) {
    let header = Rect {
        height: board.height.min(1),
        ..board
    };
    let footer_h = board.height.saturating_sub(1).min(1);
    let footer = Rect {
        y: board.y + board.height - footer_h,
        height: footer_h,
        ..board
    };
    let body = Rect {
        y: board.y + header.height,
        height: board.height - header.height - footer_h,
        ..board
    };
    (header, body, footer)
}

/// The body area for a screen of `width`×`height`.
pub fn body_rect(width: u16, height: u16) -> Rect {
    let (_, board, _) = layout::screen(Rect::new(0, 0, width, height));
    areas(board).1
}

impl LogView {
    /// Columns left of the text (the timestamp gutter).
    pub fn gutter(&self) -> usize {
        if self.options.timestamps {
            TIMESTAMP_WIDTH
        } else {
            0
        }
    }

    /// Columns of text per row in a body `body_width` wide.
    pub fn text_width(&self, body_width: u16) -> usize {
        usize::from(body_width).saturating_sub(self.gutter()).max(1)
    }

    /// The entries shown (all lines or the filter's) with their rows at `body_width`.
    pub fn rows(&self, body_width: u16) -> ViewRows<'_> {
        ViewRows {
            view: self,
            width: self.text_width(body_width),
        }
    }

    pub fn filtering(&self) -> bool {
        self.filter != FilterMode::Off && self.search.is_some()
    }

    pub(super) fn rebuild_filter(&mut self) {
        self.filter_index = FilterIndex::default();
        if let (true, Some(search)) = (self.filter != FilterMode::Off, &self.search) {
            self.filter_index.catch_up(
                &self.buffer,
                search,
                self.filter == FilterMode::NotMatching,
            );
        }
    }
}

/// [`Rows`] over a view: entry `i` is the i-th line shown.
pub struct ViewRows<'a> {
    view: &'a LogView,
    width: usize,
}

impl ViewRows<'_> {
    pub fn width(&self) -> usize {
        self.width
    }
}

impl Rows for ViewRows<'_> {
    fn count(&self) -> usize {
        if self.view.filtering() {
            self.view.filter_index.seqs.len()
        } else {
            self.view.buffer.len()
        }
    }

    fn seq_at(&self, index: usize) -> u64 {
        if self.view.filtering() {
            self.view.filter_index.seqs.get(index).copied().unwrap_or(0)
        } else {
            self.view.buffer.first_seq() + index as u64
        }
    }

    fn index_of(&self, seq: u64) -> usize {
        if self.view.filtering() {
            self.view.filter_index.seqs.partition_point(|s| *s < seq)
        } else {
            (seq.saturating_sub(self.view.buffer.first_seq()) as usize).min(self.view.buffer.len())
        }
    }

    fn rows(&self, index: usize) -> usize {
        if !self.view.options.wrap {
            return 1;
        }
        match self.view.buffer.line(self.seq_at(index)) {
            Some(line) => self.view.wrap_cache.borrow_mut().rows(&line, self.width),
            None => 1,
        }
    }
}
