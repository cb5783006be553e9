//! Text from the cluster is untrusted: it may carry terminal escape sequences or control characters
//! that must never reach the terminal. Everything shown is passed through [`display`] first.

/// Replaces control characters by their visible Unicode "control pictures" (U+2400 block), so an
/// ESC in a status message shows as `␛` instead of driving the terminal. Tabs become a space.
pub fn display(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_owned();
    }
    text.chars().map(escape_char).collect()
}

/// Like [`display`] but also folds newlines into `⏎`, for one-line places such as cards.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => '⏎',
            '\r' => ' ',
            c => escape_char(c),
        })
        .collect()
}

/// Keeps at most `max_chars` characters, marking the cut with `…`. Avoids holding 128 KiB texts
/// in every card.
pub fn truncate_chars(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some((idx, _)) => {
            let mut out = text[..idx].to_owned();
            out.push('…');
            out
        }
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\n'
}

fn escape_char(c: char) -> char {
    match c {
        '\n' => '\n',
        '\t' => ' ',
        '\u{7f}' => '␡',
        c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
        c if c.is_control() => '�',
        c => c,
    }
}

/// `:12` for a line number, nothing for 0 ("the whole file"), as in `file.toml:12: message`.
pub fn line_suffix(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(display("a\x1b[31mred\x07"), "a␛[31mred␇");
        assert_eq!(display("tab\there"), "tab here");
        assert_eq!(display("del\u{7f}\u{9b}"), "del␡�");
        assert_eq!(display("two\nlines"), "two\nlines");
    }

    #[test]
    fn one_line_folds_newlines() {
        assert_eq!(one_line("a\r\nb"), "a ⏎b");
    }

    #[test]
    fn truncate_counts_chars_not_bytes() {
        assert_eq!(truncate_chars("héllo", 2), "hé…");
        assert_eq!(truncate_chars("hé", 2), "hé");
        assert_eq!(truncate_chars("", 0), "");
    }
}
