//! Small formatting helpers shared by the views.
use chrono::{DateTime, Utc};
use unicode_width::UnicodeWidthChar;

use crate::domain::clock;
pub use crate::domain::clock::compact as duration;

/// `2026-02-10 10:01:00Z (5m ago)`.
pub fn timestamp(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match t {
        None => "—".into(),
        Some(t) => format!(
            "{} ({} ago)",
            t.format("%Y-%m-%d %H:%M:%SZ"),
            clock::age(now, t)
        ),
    }
}

/// Cuts `text` to `width` terminal columns, ending in `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_owned();
    }
    if width == 0 {
        return out;
    }
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Cuts `text` to `width` columns keeping its end (`…lane-a/order-firewall`): the tail of a branch
/// name is what tells branches apart.
pub fn fit_tail(text: &str, width: usize) -> String {
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut used = 0;
    let mut tail: Vec<char> = Vec::new();
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        tail.push(c);
    }
    std::iter::once('…').chain(tail.into_iter().rev()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_counts_columns() {
        assert_eq!(fit("hello", 5), "hello");
        assert_eq!(fit("hello", 4), "hel…");
        assert_eq!(fit("日本語", 4), "日…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit_tail("codex/swarm/lane-a/x", 8), "…ane-a/x");
        assert_eq!(fit_tail("short", 8), "short");
        assert_eq!(fit_tail("日本語", 3), "…語");
    }
}
