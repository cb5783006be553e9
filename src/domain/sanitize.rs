//! Text from the cluster is untrusted: it may carry terminal escape sequences, control characters,
//! bidirectional overrides (which reorder what the terminal shows: "Trojan Source") or invisible
//! characters (zero-width spaces, tag characters) that make two different strings look the same.
//! One rule, [`escape_char`], decides what every such character becomes; everything shown — cards,
//! the detail pane, the planner, findings, log lines ([`crate::domain::log_buffer`]) — goes through
//! it.

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

/// Whether [`one_line`] would leave `text` as it is (most names and branches): then the text can
/// be kept without a copy.
pub fn is_one_line(text: &str) -> bool {
    text.chars()
        .all(|c| c != '\n' && c != '\r' && escape_char(c) == c)
}

/// [`one_line`] of a compact string, kept as it is when nothing needs replacing.
pub fn one_line_compact(text: compact_str::CompactString) -> compact_str::CompactString {
    if is_one_line(&text) {
        text
    } else {
        one_line(&text).into()
    }
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

/// Does `c` (other than a newline) need replacing before it is drawn?
pub fn needs_escape(c: char) -> bool {
    c != '\n' && (c.is_control() || is_bidi_control(c) || is_invisible(c))
}

/// Bidirectional embeddings, overrides, isolates and marks: they reorder or flip what follows.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// Characters that draw nothing (or a line break the layout does not expect), so a name or a
/// path can hide text or look like another: zero-width spaces and joiners, word joiners and
/// invisible operators, the BOM, soft hyphen, line/paragraph separators, tag characters.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// What a character becomes on screen: C0 controls their control picture (`␛`, `␇`), DEL `␡`,
/// a tab a space, C1 controls, bidi controls and invisible characters `�`; anything else itself.
pub fn escape_char(c: char) -> char {
    match c {
        '\n' => '\n',
        '\t' => ' ',
        '\u{7f}' => '␡',
        c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
        c if c.is_control() || is_bidi_control(c) || is_invisible(c) => '�',
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
    fn bidi_overrides_and_invisible_characters_are_neutralised() {
        // "Trojan Source": an override that makes `admin` read backwards on screen.
        assert_eq!(display("ab\u{202E}cd\u{2066}e\u{2069}"), "ab�cd�e�");
        assert_eq!(one_line("ad\u{200B}min\u{FEFF}"), "ad�min�");
        assert_eq!(display("tag\u{E0041}\u{00AD}"), "tag��");
        assert_eq!(one_line("a\u{2028}b"), "a�b");
        // Ordinary non-ASCII text is untouched.
        assert_eq!(display("héllo — 日本 ✓"), "héllo — 日本 ✓");
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{2067}', '\u{2068}', '\u{200F}',
        ] {
            assert!(needs_escape(c), "{c:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn is_one_line_says_whether_one_line_changes_the_text(
            text in "[a-z\n\r\t\u{1b}\u{7f}\u{9b}\u{200b}\u{202e}\u{2028}é日 ]{0,8}"
        ) {
            proptest::prop_assert_eq!(is_one_line(&text), one_line(&text) == text);
            let compact = one_line_compact(text.as_str().into());
            proptest::prop_assert_eq!(compact.as_str(), one_line(&text));
        }
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
