//! Footers: the keys of the screen in front, from its key table (so a remap shows), as
//! ` j/k scroll · esc close `, dropping entries from the end when the width is short.
use unicode_width::UnicodeWidthStr;

/// ` keys label · keys label ` within `width` columns; entries that do not fit are left off.
pub fn line(items: &[(String, &str)], width: usize) -> String {
    let mut out = String::new();
    for (keys, label) in items {
        let sep = if out.is_empty() { " " } else { " · " };
        let entry = format!("{sep}{keys} {label}");
        if out.width() + entry.width() + 1 > width {
            break;
        }
        out.push_str(&entry);
    }
    if !out.is_empty() {
        out.push(' ');
    }
    out
}

/// [`line`] for a block's bottom border of `width` columns (the corners take two).
pub fn bordered(items: &[(String, &str)], width: u16) -> String {
    line(items, usize::from(width).saturating_sub(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_entries_from_the_end_to_fit() {
        let items = vec![("j/k".to_owned(), "scroll"), ("esc".to_owned(), "close")];
        assert_eq!(line(&items, 80), " j/k scroll · esc close ");
        assert_eq!(line(&items, 16), " j/k scroll ");
        assert_eq!(line(&items, 5), "");
    }
}
