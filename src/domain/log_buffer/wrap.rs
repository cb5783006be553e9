//! Wrapping lines to the view width, cached.
use super::*;

/// Display width of sanitized text (no controls left).
pub fn text_width(text: &str) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Byte offsets where the rows after the first begin when `text` is hard-wrapped at `width`
/// columns (empty for a line that fits).
pub fn wrap_points(text: &str, width: usize) -> Vec<u32> {
    let width = width.max(1);
    // Display width never exceeds the byte length: short lines need no walk.
    if text.len() <= width {
        return Vec::new();
    }
    if text.is_ascii() {
        return (1..text.len().div_ceil(width))
            .map(|r| (r * width) as u32)
            .collect();
    }
    let mut out = Vec::new();
    let mut col = 0usize;
    for (i, c) in text.char_indices() {
        let w = c.width().unwrap_or(0);
        if col + w > width && col > 0 {
            out.push(i as u32);
            col = 0;
        }
        col += w;
    }
    out
}

/// Wrap points per line, for one width; invalidated when the width changes. Bounded.
#[derive(Debug, Clone, Default)]
pub struct WrapCache {
    width: usize,
    map: HashMap<u64, Box<[u32]>>,
}

pub(super) const WRAP_CACHE_MAX: usize = 50_000;

impl WrapCache {
    /// Number of rows `line` takes at `width`.
    pub fn rows(&mut self, line: &LineRef<'_>, width: usize) -> usize {
        if line.text.len() <= width.max(1) {
            return 1;
        }
        self.points(line, width).len() + 1
    }

    /// Row `row` of `line` as a byte range.
    pub fn row_range(&mut self, line: &LineRef<'_>, width: usize, row: usize) -> (usize, usize) {
        if line.text.len() <= width.max(1) {
            return (0, line.text.len());
        }
        let points = self.points(line, width);
        let start = if row == 0 {
            0
        } else {
            points.get(row - 1).map_or(line.text.len(), |p| *p as usize)
        };
        let end = points.get(row).map_or(line.text.len(), |p| *p as usize);
        (start, end)
    }

    fn points(&mut self, line: &LineRef<'_>, width: usize) -> &[u32] {
        if self.width != width {
            self.width = width;
            self.map.clear();
        }
        if self.map.len() >= WRAP_CACHE_MAX && !self.map.contains_key(&line.seq) {
            self.map.clear();
        }
        self.map
            .entry(line.seq)
            .or_insert_with(|| wrap_points(line.text, width).into_boxed_slice())
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
