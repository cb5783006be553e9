//! Follow and scroll state over wrapped rows.

/// The entries a view shows, in order, and how many rows each takes. Implemented by the app over
/// the buffer (all lines or a filter's) and the wrap cache; tests implement it directly.
pub trait Rows {
    fn count(&self) -> usize;
    fn seq_at(&self, index: usize) -> u64;
    /// Index of the first entry with seq ≥ `seq`.
    fn index_of(&self, seq: u64) -> usize;
    fn rows(&self, index: usize) -> usize;
}

/// Where the view is: following the end, or pinned at a line (by seq, so it survives lines
/// arriving, old lines being dropped and a filter being switched).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scroll {
    pub follow: bool,
    /// Top line shown (when not following) and which of its rows.
    pub top_seq: u64,
    pub top_row: usize,
    /// Columns scrolled right (no wrap only).
    pub hscroll: usize,
}

impl Default for Scroll {
    fn default() -> Self {
        Scroll {
            follow: true,
            top_seq: 0,
            top_row: 0,
            hscroll: 0,
        }
    }
}

/// One screen row: entry index and the row within that entry.
pub type RowPos = (usize, usize);

impl Scroll {
    /// The top row when showing the end (bottom-aligned), or (0, 0) when all fits.
    fn bottom_top(rows: &dyn Rows, height: usize) -> RowPos {
        let n = rows.count();
        let mut need = height;
        let mut i = n;
        while i > 0 {
            i -= 1;
            let r = rows.rows(i);
            if r >= need {
                return (i, r - need);
            }
            need -= r;
        }
        (0, 0)
    }

    /// Rows from `top` to the end, counting at most `limit`.
    fn rows_from(rows: &dyn Rows, top: RowPos, limit: usize) -> usize {
        let mut total = 0;
        let mut i = top.0;
        let mut skip = top.1;
        while i < rows.count() && total < limit {
            total += rows.rows(i).saturating_sub(skip);
            skip = 0;
            i += 1;
        }
        total
    }

    /// The top row actually shown: following → the end; pinned → the pinned line, pulled back
    /// so the view never shows empty space below the last line.
    pub fn top(&self, rows: &dyn Rows, height: usize) -> RowPos {
        let n = rows.count();
        if n == 0 {
            return (0, 0);
        }
        if self.follow {
            return Scroll::bottom_top(rows, height);
        }
        let idx = rows.index_of(self.top_seq).min(n - 1);
        let row = if rows.seq_at(idx) == self.top_seq {
            self.top_row.min(rows.rows(idx).saturating_sub(1))
        } else {
            0
        };
        if Scroll::rows_from(rows, (idx, row), height) < height {
            return Scroll::bottom_top(rows, height);
        }
        (idx, row)
    }

    /// The rows on screen, top to bottom.
    pub fn visible(&self, rows: &dyn Rows, height: usize) -> Vec<RowPos> {
        let mut out = Vec::with_capacity(height);
        let (mut i, mut r) = self.top(rows, height);
        while out.len() < height && i < rows.count() {
            let n = rows.rows(i);
            while r < n && out.len() < height {
                out.push((i, r));
                r += 1;
            }
            i += 1;
            r = 0;
        }
        out
    }

    fn pin(&mut self, rows: &dyn Rows, pos: RowPos) {
        self.follow = false;
        self.top_seq = rows.seq_at(pos.0);
        self.top_row = pos.1;
    }

    /// Scrolls up `n` rows; leaves follow mode (that is what pauses it).
    pub fn up(&mut self, rows: &dyn Rows, height: usize, n: usize) {
        if rows.count() == 0 {
            return;
        }
        let (mut i, mut r) = self.top(rows, height);
        let mut left = n;
        while left > 0 {
            if r >= left {
                r -= left;
                left = 0;
            } else if i == 0 {
                r = 0;
                left = 0;
            } else {
                left -= r + 1;
                i -= 1;
                r = rows.rows(i) - 1;
            }
        }
        self.pin(rows, (i, r));
    }

    /// Scrolls down `n` rows. Stays paused at the end: `G`/`end` resume following.
    pub fn down(&mut self, rows: &dyn Rows, height: usize, n: usize) {
        if rows.count() == 0 || self.follow {
            return;
        }
        let (mut i, mut r) = self.top(rows, height);
        let mut left = n;
        let max = Scroll::bottom_top(rows, height);
        while left > 0 && (i, r) < max {
            let rem = rows.rows(i) - 1 - r;
            if rem >= left {
                r += left;
                left = 0;
            } else {
                left -= rem + 1;
                i += 1;
                r = 0;
            }
        }
        let pos = if (i, r) > max { max } else { (i, r) };
        self.pin(rows, pos);
    }

    pub fn to_top(&mut self, rows: &dyn Rows) {
        if rows.count() > 0 {
            self.pin(rows, (0, 0));
        } else {
            self.follow = false;
            self.top_seq = 0;
            self.top_row = 0;
        }
    }

    /// Back to the end, following again.
    pub fn to_bottom(&mut self) {
        self.follow = true;
    }

    /// Brings entry `index` into view (a third from the top) unless it is already visible.
    pub fn reveal(&mut self, rows: &dyn Rows, height: usize, index: usize) {
        if rows.count() == 0 {
            return;
        }
        if self.visible(rows, height).iter().any(|(i, _)| *i == index) {
            if self.follow {
                // Keep the match still when more lines arrive.
                let top = self.top(rows, height);
                self.pin(rows, top);
            }
            return;
        }
        self.pin(rows, (index.min(rows.count() - 1), 0));
        self.up(rows, height, height / 3);
    }
}
