//! The title bar: name, read-only flag, plan, filter, and the swarm summary on the right, which
//! stays within the width by dropping its least important parts first.
use super::theme::Theme;
use crate::app::state::State;
use crate::app::summary::{self, Part};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

/// Which parts keep their word (`✘2 failed`): those of at most this rank (`None`: none). Words
/// go one rank at a time, the least important first, before any part goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words(pub Option<u8>);

impl Words {
    pub const ALL: Words = Words(Some(u8::MAX));
    pub const NONE: Words = Words(None);

    pub fn shows(self, part: &Part) -> bool {
        self.0.is_some_and(|max| part.rank <= max)
    }
}

/// The parts that fit in `width` columns, in display order, and which keep their words: words
/// go first (the least important parts' first), then the least important parts, one at a time.
pub fn fit(
    parts: &[Part],
    width: usize,
    symbol_width: impl Fn(&Part) -> usize,
) -> (Vec<Part>, Words) {
    let width_of = |ps: &[Part], words: Words| -> usize {
        ps.iter()
            .map(|p| {
                1 + symbol_width(p)
                    + p.count.to_string().len()
                    + if words.shows(p) {
                        1 + p.word.width()
                    } else {
                        0
                    }
            })
            .sum::<usize>()
            + 1
    };
    // A part that means nothing without its word goes with it; neighbours of one symbol that
    // both lost their words (`⏸6 queue-blocked ⏸1 rate-limited`) would read as `⏸6 ⏸1`: one
    // sum instead.
    let with = |words: Words| -> Vec<Part> {
        let mut out: Vec<Part> = Vec::new();
        for p in parts.iter().filter(|p| !p.needs_word || words.shows(p)) {
            match out.last_mut() {
                Some(last) if last.glyph == p.glyph && !words.shows(last) && !words.shows(p) => {
                    last.count += p.count;
                }
                _ => out.push(*p),
            }
        }
        out
    };
    let mut ranks: Vec<u8> = parts.iter().map(|p| p.rank).collect();
    ranks.sort_unstable();
    ranks.dedup();
    for words in ranks.into_iter().rev().map(|r| Words(Some(r))) {
        let shown = with(words);
        if width_of(&shown, words) <= width {
            return (shown, words);
        }
    }
    let mut kept = with(Words::NONE);
    while !kept.is_empty() && width_of(&kept, Words::NONE) > width {
        let least = kept
            .iter()
            .enumerate()
            .max_by_key(|(_, p)| p.rank)
            .map(|(i, _)| i)
            .unwrap_or(0);
        kept.remove(least);
    }
    (kept, Words::NONE)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let style = Style::default().fg(theme.title_fg).bg(theme.title_bg);
    let mut fixed: Vec<Span> = Vec::new();
    if state.settings.read_only {
        fixed.push(Span::styled(
            " READ-ONLY ",
            Style::default()
                .fg(theme.status_bg)
                .bg(theme.warning)
                .add_modifier(Modifier::BOLD),
        ));
    }
    if state.ui.filter_editing || !state.ui.filter.is_empty() {
        let cursor = if state.ui.filter_editing { "▏" } else { "" };
        fixed.push(Span::styled(
            format!(
                "  /{}{cursor}",
                crate::domain::sanitize::one_line(&state.ui.filter)
            ),
            style.fg(theme.accent).add_modifier(Modifier::BOLD),
        ));
    }
    let name = Span::styled(" swarm cockpit", style.add_modifier(Modifier::BOLD));
    let plan = (!state.settings.plan.name.is_empty())
        .then(|| Span::styled(format!(" · plan {}", state.settings.plan.name), style));
    let width = usize::from(area.width);
    let fixed_w: usize = fixed.iter().map(Span::width).sum();
    let parts = summary::parts(state);
    let symbol_w = |p: &Part| theme.glyph(p.glyph).0.width();
    // The summary wins over the plan's name, which wins over the cockpit's.
    let mut left = vec![name.clone()];
    left.extend(plan.clone());
    let left_w = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let mut room = width.saturating_sub(left_w(&left) + fixed_w);
    // Something went (a part, or one that needs its word); parts summed together count whole.
    let all: u32 = parts.iter().map(|p| p.count).sum();
    let cut = |shown: &[Part]| shown.iter().map(|p| p.count).sum::<u32>() < all;
    let (mut shown, mut words) = fit(&parts, room, symbol_w);
    if cut(&shown) && plan.is_some() {
        left = vec![name.clone()];
        room = width.saturating_sub(left_w(&left) + fixed_w);
        (shown, words) = fit(&parts, room, symbol_w);
    }
    if cut(&shown) {
        left = vec![Span::styled(" swarm", style.add_modifier(Modifier::BOLD))];
        room = width.saturating_sub(left_w(&left) + fixed_w);
        (shown, words) = fit(&parts, room, symbol_w);
    }
    let mut right: Vec<Span> = Vec::new();
    for p in &shown {
        let (symbol, color) = theme.glyph(p.glyph);
        let text = if words.shows(p) {
            format!(" {symbol}{} {}", p.count, p.word)
        } else {
            format!(" {symbol}{}", p.count)
        };
        right.push(Span::styled(text, style.fg(color)));
    }
    let mut spans = left;
    spans.extend(fixed);
    let used: usize = spans.iter().map(Span::width).sum::<usize>() + left_w(&right);
    spans.push(Span::raw(" ".repeat(width.saturating_sub(used + 1))));
    spans.extend(right);
    frame.render_widget(Paragraph::new(Line::from(spans)).style(style), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::legend::Glyph;

    /// A part with a symbol of its own (parts sharing one are summed when their words go).
    fn part(word: &'static str, count: u32, rank: u8) -> Part {
        Part {
            glyph: Glyph::Phase(word),
            count,
            word,
            rank,
            needs_word: false,
        }
    }

    #[test]
    fn drops_words_then_the_least_important_parts() {
        let parts = [
            part("running", 4, 4),
            part("failed", 2, 0),
            part("succeeded", 9, 8),
        ];
        let one = |_: &Part| 1;
        let (all, words) = fit(&parts, 80, one);
        assert_eq!((all.len(), words), (3, Words(Some(8))));
        // ' ⚠4 running ⚠2 failed ⚠9 ' is 25 wide: succeeded's word went first.
        let (all, words) = fit(&parts, 25, one);
        assert_eq!((all.len(), words), (3, Words(Some(4))));
        let (all, words) = fit(&parts, 18, one);
        assert_eq!(
            (all.len(), words),
            (3, Words(Some(0))),
            "' ⚠4 ⚠2 failed ⚠9 '"
        );
        let (all, words) = fit(&parts, 12, one);
        assert_eq!(
            (all.len(), words),
            (3, Words::NONE),
            "' ⚠4 ⚠2 ⚠9 ' is 10 wide"
        );
        let (some, _) = fit(&parts, 8, one);
        assert_eq!(
            some.iter().map(|p| p.word).collect::<Vec<_>>(),
            ["running", "failed"]
        );
        let (some, _) = fit(&parts, 4, one);
        assert_eq!(some.iter().map(|p| p.word).collect::<Vec<_>>(), ["failed"]);
        assert!(fit(&parts, 2, one).0.is_empty());
        assert!(Words::ALL.shows(&parts[2]));
    }

    /// Blocked runs by reason: with their words, each reason; without, one sum, never
    /// `⏸6 ⏸1 ⏸1`, which reads as three unexplained counts.
    #[test]
    fn parts_of_one_symbol_without_words_are_summed() {
        let reason = |word: &'static str, count: u32| Part {
            glyph: Glyph::Phase("blocked"),
            ..part(word, count, 1)
        };
        let parts = [
            part("failed", 2, 0),
            reason("queue-blocked", 6),
            reason("rate-limited", 1),
            reason("concurrency-blocked", 1),
        ];
        let one = |_: &Part| 1;
        let (shown, words) = fit(&parts, 80, one);
        assert_eq!((shown.len(), words), (4, Words(Some(1))));
        let (shown, words) = fit(&parts, 16, one);
        assert_eq!(words, Words(Some(0)), "' ⚠2 failed ⚠8 '");
        assert_eq!(
            shown.iter().map(|p| (p.word, p.count)).collect::<Vec<_>>(),
            [("failed", 2), ("queue-blocked", 8)]
        );
        let (shown, _) = fit(&parts, 7, one);
        assert_eq!(shown.iter().map(|p| p.count).collect::<Vec<_>>(), [2, 8]);
    }

    #[test]
    fn a_part_that_needs_its_word_goes_with_it() {
        let recent = Part {
            needs_word: true,
            ..part("in 1h", 2, 0)
        };
        let parts = [part("running", 4, 4), part("failed", 3, 0), recent];
        let one = |_: &Part| 1;
        // ' ⚠4 ⚠3 failed ⚠2 in 1h ' is 23 wide: words kept for rank 0.
        let (shown, words) = fit(&parts, 23, one);
        assert_eq!((shown.len(), words), (3, Words(Some(0))));
        // Narrower: no words, and '⚠2' alone would read as another count: it goes.
        let (shown, words) = fit(&parts, 12, one);
        assert_eq!(words, Words::NONE);
        assert_eq!(
            shown.iter().map(|p| p.word).collect::<Vec<_>>(),
            ["running", "failed"]
        );
    }
}
