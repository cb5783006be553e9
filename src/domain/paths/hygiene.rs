//! What an in-scope path or lane glob may look like before any algebra runs on it: a
//! repository-relative path or glob, written plainly. Everything here is a way to name a path the
//! lane check would read one way and git (or the agent) another.
use crate::domain::sanitize;

/// Characters that render as nothing (or reorder text) and so make a path read differently
/// from what it is: every character the screen sanitiser neutralises (bidi controls, zero-width
/// characters, the BOM, …), plus the fillers and selectors that are harmless on screen but have no
/// place in a path (variation selectors, Hangul fillers, Mongolian selectors, …).
pub fn is_invisible(c: char) -> bool {
    sanitize::is_bidi_control(c)
        || sanitize::is_invisible(c)
        || matches!(c,
            '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
            | '\u{2060}'..='\u{206F}' | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}')
}

/// Why `path` is not a plain repository-relative path or glob, if it is not.
pub fn problem(path: &str) -> Option<String> {
    if path.is_empty() {
        return Some("the path is empty".into());
    }
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Some(format!(
            "the path contains the control character U+{:04X}",
            c as u32
        ));
    }
    if let Some(c) = path.chars().find(|&c| is_invisible(c)) {
        return Some(format!(
            "the path contains the invisible or bidirectional character U+{:04X}",
            c as u32
        ));
    }
    if path.ends_with(char::is_whitespace) || path.starts_with(char::is_whitespace) {
        return Some("the path starts or ends with a space".into());
    }
    // A no-break, thin or ideographic space reads as a space (or as nothing) but names another
    // file: `firewall\u{A0}/` is not `firewall/`.
    if let Some(c) = path.chars().find(|&c| c.is_whitespace() && c != ' ') {
        return Some(format!(
            "the path contains the space character U+{:04X}; only the plain space may appear in a path",
            c as u32
        ));
    }
    if let Some(problem) = lookalike_problem(path) {
        return Some(problem);
    }
    if path.contains('`') {
        return Some(
            "the path contains a backtick: write one path per list item, in backticks or without"
                .into(),
        );
    }
    if path.contains('\\') {
        return Some("the path contains a backslash (separate directories with `/`)".into());
    }
    if path.starts_with('/') || path.starts_with('~') || has_drive(path) {
        return Some("the path is absolute; write it relative to the repository root".into());
    }
    if path.contains("//") {
        return Some("the path contains `//` (an empty directory name)".into());
    }
    if let Some(problem) = segments_problem(path) {
        return Some(problem);
    }
    // `%2e%2e` is `..` and `%2f` is `/` to whatever decodes it on the way to the agent.
    let lower = path.to_ascii_lowercase();
    if ["%2e", "%2f", "%5c"].iter().any(|e| lower.contains(e)) {
        return Some(
            "the path contains a percent-encoded `.`, `/` or `\\`; write the characters themselves"
                .into(),
        );
    }
    None
}

/// Characters that read as ASCII but are not: full-width forms (`ｆｉｒｅｗａｌｌ`), and Cyrillic or
/// Greek letters in a directory name that also has Latin ones (`fіrewall` with a Cyrillic і).
/// The agent reads the name it looks like; the checks would compare another one.
fn lookalike_problem(path: &str) -> Option<String> {
    if let Some(c) = path
        .chars()
        .find(|c| matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{1D400}'..='\u{1D7FF}'))
    {
        return Some(format!(
            "the path contains U+{:04X}, a full-width or styled form of an ASCII character; write the character itself",
            c as u32
        ));
    }
    let other_script = |c: char| matches!(c, '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{052F}');
    for segment in path.split('/') {
        if segment.chars().any(|c| c.is_ascii_alphabetic())
            && let Some(c) = segment.chars().find(|&c| other_script(c))
        {
            return Some(format!(
                "the directory or file name `{segment}` mixes Latin letters with U+{:04X}, a Greek or Cyrillic letter that may pass for a Latin one",
                c as u32
            ));
        }
    }
    None
}

/// `..` and `.` segments.
fn segments_problem(path: &str) -> Option<String> {
    for segment in path.split('/') {
        match segment {
            ".." => return Some("the path contains `..` (it could leave the lane)".into()),
            "." => return Some("the path contains a `.` segment (`./`); drop it".into()),
            _ => {}
        }
    }
    None
}

/// Why one brace alternative of a glob, written out (`a/{..,x}/b` → `a/../b`; a class that
/// can only be `.` written as `.`), is not a plain relative path: the same rules as a whole
/// path, so braces or classes cannot hide a `..`, an absolute path or an empty directory name.
pub fn alternative_problem(written: &str) -> Option<String> {
    if written.is_empty() {
        return None;
    }
    if written.starts_with('/') || written.starts_with('~') || has_drive(written) {
        return Some(format!(
            "the path's alternative `{written}` is absolute; write it relative to the repository root"
        ));
    }
    if written.contains("//") {
        return Some(format!(
            "the path's alternative `{written}` contains `//` (an empty directory name)"
        ));
    }
    segments_problem(written).map(|p| format!("{p}: its alternative `{written}`"))
}

fn has_drive(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_pass() {
        for ok in [
            "services/torghut/app/trading/**",
            "a/b c.py",
            "docs/{a,b}.md",
            "x/",
            ".github/workflows/ci.yml",
            "a/..b/c",
            "docs/\u{0440}\u{0443}\u{0441}/x.md",
            "docs/caf\u{00E9}.md",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn whatever_the_screen_neutralises_a_path_may_not_hold() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if c != '\n' && sanitize::needs_escape(c) {
                assert!(problem(&format!("a/b{c}c")).is_some(), "U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn brace_alternatives_are_paths_of_their_own() {
        for (written, what) in [
            ("a/../b", "`..`"),
            ("a/./b", "`.` segment"),
            ("/etc/passwd", "absolute"),
            ("~x", "absolute"),
            ("a//b", "`//`"),
        ] {
            let p = alternative_problem(written).unwrap_or_else(|| panic!("{written}"));
            assert!(p.contains(what), "{written}: {p}");
        }
        for ok in ["", "a/b/", "a/x/b", "**/x"] {
            assert_eq!(alternative_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn every_way_to_hide_a_path_is_named() {
        for (bad, what) in [
            ("", "empty"),
            ("a/../../kubernetes/x", "`..`"),
            ("..", "`..`"),
            ("/etc/passwd", "absolute"),
            ("~/x", "absolute"),
            ("C:/x", "absolute"),
            ("./a", "`.` segment"),
            ("a/./b", "`.` segment"),
            ("a//b", "`//`"),
            ("a\\b", "backslash"),
            ("a/b ", "space"),
            (" a/b", "space"),
            ("a/b\t", "control"),
            ("a\u{1b}[2Jb", "control"),
            ("a/\u{202E}yp.b", "bidirectional"),
            ("a/\u{200B}b", "invisible"),
            ("\u{FEFF}a", "invisible"),
            ("a/fire\u{A0}wall/**", "space character U+00A0"),
            ("a/fire\u{3000}wall", "space character U+3000"),
            ("a/%2e%2e/b", "percent-encoded"),
            ("a/%2F/b", "percent-encoded"),
            ("a/f\u{0456}rewall/**", "mixes Latin letters"),
            ("a/\u{FF46}irewall/**", "full-width"),
        ] {
            let p = problem(bad).unwrap_or_else(|| panic!("{bad:?} should be refused"));
            assert!(p.contains(what), "{bad:?}: {p}");
        }
    }
}
