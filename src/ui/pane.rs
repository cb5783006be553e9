//! The look the panes share, drawn in one place so that they stay alike and a change of style is
//! made once: the frame of the pane or overlay in front (a thick border in the focus colour, its
//! title, its keys in the bottom border) and the lines of the detail panes (section headings,
//! `name  value` fields).
use super::footer;
use super::theme::Theme;
use crate::domain::sanitize;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};
use std::borrow::Cow;

/// A pane's title or a section's heading: accent, bold.
pub fn title_style(theme: &Theme) -> Style {
    Style::default()
        .fg(theme.accent)
        .add_modifier(Modifier::BOLD)
}

/// The frame of the pane in front: `title` on the top border, `bottom` (muted: the keys, a
/// status) on the bottom one.
pub fn frame<'a>(theme: &Theme, title: impl Into<Line<'a>>, bottom: String) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Thick)
        .border_style(Style::default().fg(theme.border_focused))
        .title(title)
        .title_bottom(Span::styled(bottom, theme.muted()))
}

/// [`frame`] titled `title` in the [`title_style`], with the screen's footer `keys` in the
/// bottom border of a pane `width` columns wide (the entries that do not fit are left off).
pub fn focused<'a>(
    theme: &Theme,
    title: impl Into<Cow<'a, str>>,
    keys: &[(String, &str)],
    width: u16,
) -> Block<'a> {
    frame(
        theme,
        Span::styled(title, title_style(theme)),
        footer::bordered(keys, width),
    )
}

/// A section's heading line.
pub fn heading(title: &str, theme: &Theme) -> Line<'static> {
    Line::from(Span::styled(title.to_owned(), title_style(theme)))
}

/// A section's heading, after a blank line unless it is the first thing in `out`.
pub fn section(out: &mut Vec<Line<'static>>, title: &str, theme: &Theme) {
    if !out.is_empty() {
        out.push(Line::default());
    }
    out.push(heading(title, theme));
}

/// A field's name, padded to the name column so that the values line up.
pub fn label(name: &str, theme: &Theme) -> Span<'static> {
    Span::styled(format!("{name:<14}"), theme.muted())
}

/// `name  value`; the value is sanitized (it comes from the cluster or GitHub).
pub fn field(out: &mut Vec<Line<'static>>, name: &str, value: impl Into<String>, theme: &Theme) {
    out.push(Line::from(vec![
        label(name, theme),
        // One line: a newline in the value is shown as `⏎` (a span would drop it silently).
        Span::raw(sanitize::one_line(&value.into())),
    ]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_keeps_its_line_breaks_visible_on_its_one_line() {
        let mut out = Vec::new();
        field(
            &mut out,
            "Message",
            "exit 1\nbad\u{1b}[2J",
            &Theme::default(),
        );
        assert_eq!(out.len(), 1);
        let text: String = out[0].spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, format!("{:<14}exit 1⏎bad␛[2J", "Message"));
    }
}
