//! The words of a setting's name or value, and deny-list entries matched on whole words: the
//! guardrails decide by what a name says (`kill_switch`, `dryRun`, `LIVE-TRADING`), never by a
//! substring of it (`olive_branch` says nothing about live trading, `deliver_reports` neither).
use regex::Regex;

/// Words a name may run together without a separator (`livetrading`, `nopaper`, `PAPEROFF`,
/// `killswitch`): a lower-case run that splits entirely into these is read as them. A run that
/// does not (`olive`, `alive`, `deliver`, `liveness`, `tokenizer`) stays one word.
pub(super) const VOCABULARY: &[&str] = &[
    "live",
    "paper",
    "sandbox",
    "testnet",
    "trading",
    "trade",
    "mode",
    "real",
    "money",
    "account",
    "enable",
    "enabled",
    "disable",
    "disabled",
    "no",
    "not",
    "non",
    "use",
    "go",
    "is",
    "broker",
    "orders",
    "order",
    "api",
    "key",
    "id",
    "secret",
    "token",
    "password",
    "passwd",
    "credential",
    "credentials",
    "off",
    "on",
    "alpaca",
    "apca",
    "tradier",
    "base",
    "url",
    "env",
    "kill",
    "switch",
    "dry",
    "run",
    "simulate",
    "simulated",
    "simulation",
    "execution",
    "endpoint",
    "access",
    "private",
    "signing",
    "skip",
    "bypass",
    "never",
    "without",
    "allow",
    "prompt",
    "system",
    "override",
    "submit",
];

/// `run` as vocabulary words, when it is made of them entirely (two or more).
fn segment(run: &str) -> Option<Vec<String>> {
    fn go(rest: &str) -> Option<Vec<String>> {
        if rest.is_empty() {
            return Some(Vec::new());
        }
        // Longest word first: `notrading` is `no` + `trading` only after `not` fails.
        let mut candidates: Vec<&&str> = VOCABULARY
            .iter()
            .filter(|w| rest.starts_with(**w))
            .collect();
        candidates.sort_by_key(|w| std::cmp::Reverse(w.len()));
        candidates.into_iter().find_map(|w| {
            let mut tail = go(&rest[w.len()..])?;
            tail.insert(0, (*w).to_owned());
            Some(tail)
        })
    }
    if run.len() < 4 || !run.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    go(run).filter(|w| w.len() > 1)
}

/// The words of a name or value, lower case: split at anything but a letter or digit, where lower
/// case turns to upper case (`disablePaperTrading` → `disable`, `paper`, `trading`), and a run of
/// vocabulary words written together (`PAPERTRADING` → `paper`, `trading`).
pub fn words(text: &str) -> Vec<String> {
    let mut raw: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                raw.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            raw.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        raw.push(cur);
    }
    raw.into_iter()
        .flat_map(|w| segment(&w).unwrap_or_else(|| vec![w]))
        .collect()
}

/// Whether `words` holds `seq` as consecutive words.
pub fn has_run(words: &[String], seq: &[&str]) -> bool {
    !seq.is_empty()
        && words
            .windows(seq.len())
            .any(|w| w.iter().zip(seq).all(|(a, b)| a == b))
}

/// A deny-list entry read on whole words: a `*` at its start or end stands for any other words
/// before or after (`*live*` is "a name with the word live", not `olive`), the words between are
/// matched as words (any case and separator: `*trading_mode*` matches `tradingMode`), and a
/// wildcard inside a word (`reg?on`, `tok*n`) matches within that one word.
#[derive(Debug)]
pub struct WordPattern {
    re: Regex,
    /// Whether the entry is open at either end (then it also matches one token of a value).
    pub open: bool,
}

impl WordPattern {
    pub fn new(entry: &str) -> Option<WordPattern> {
        let e = entry.trim().to_ascii_lowercase();
        let (lead, trail) = (e.starts_with('*'), e.ends_with('*'));
        let core = e.trim_matches('*');
        let glob_char = |c: char| "*?[]!".contains(c);
        let mut parts: Vec<String> = Vec::new();
        for piece in core
            .split(|c: char| !(c.is_ascii_alphanumeric() || glob_char(c)))
            .filter(|p| !p.is_empty())
        {
            if piece.chars().any(glob_char) {
                parts.push(word_glob(piece));
            } else {
                parts.extend(words(piece).iter().map(|w| regex::escape(w)));
            }
        }
        let body = if parts.is_empty() {
            // `*` alone: any name.
            return Regex::new(".*")
                .ok()
                .map(|re| WordPattern { re, open: true });
        } else {
            parts.join("_")
        };
        let before = if lead { "(?:[a-z0-9]+_)*" } else { "" };
        let after = if trail { "(?:_[a-z0-9]+)*" } else { "" };
        let re = Regex::new(&format!("^{before}{body}{after}$")).ok()?;
        Some(WordPattern {
            re,
            open: lead || trail,
        })
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.re.is_match(&words(text).join("_"))
    }
}

/// A wildcard inside one word as a regex confined to that word.
fn word_glob(piece: &str) -> String {
    let mut out = String::new();
    let mut chars = piece.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str("[a-z0-9]*"),
            '?' => out.push_str("[a-z0-9]"),
            '[' => {
                out.push('[');
                if chars.peek() == Some(&'!') {
                    chars.next();
                    out.push('^');
                }
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    if c.is_ascii_alphanumeric() || c == '-' {
                        out.push(c);
                    }
                }
                out.push(']');
            }
            c => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn run_together_vocabulary_splits_and_other_words_stay_whole() {
        assert_eq!(words("PAPERTRADING"), ["paper", "trading"]);
        assert_eq!(words("nopaper"), ["no", "paper"]);
        assert_eq!(words("killSwitch"), ["kill", "switch"]);
        assert_eq!(words("dryrun"), ["dry", "run"]);
        for whole in [
            "olive",
            "alive",
            "deliver",
            "liveness",
            "tokenizer",
            "papernotes",
            "notes",
        ] {
            assert_eq!(words(whole), [whole], "{whole}");
        }
    }

    #[test]
    fn deny_entries_match_whole_words() {
        let p = WordPattern::new("*live*").expect("pattern");
        for yes in [
            "live",
            "LIVE_TRADING",
            "enableLive",
            "use-live-account",
            "golive",
        ] {
            assert!(p.is_match(yes), "{yes}");
        }
        for no in [
            "olive_branch",
            "alive_check",
            "deliver_reports",
            "liveness_probe",
            "keep_alive",
        ] {
            assert!(!p.is_match(no), "{no}");
        }
        let tail = WordPattern::new("*secret").expect("pattern");
        assert!(tail.is_match("ALPACA_SECRET") && !tail.is_match("secret_scanning"));
        let inner = WordPattern::new("reg?on").expect("pattern");
        assert!(inner.is_match("region") && !inner.is_match("region_code"));
    }

    fn sample_words() -> impl Strategy<Value = Vec<&'static str>> {
        proptest::collection::vec(
            proptest::sample::select(vec![
                "live", "trading", "mode", "olive", "branch", "paper", "kill", "switch", "keep",
                "alive", "max", "tokens", "secret", "scanning", "dry", "run",
            ]),
            1..4,
        )
    }

    /// The same words in another case or with another separator.
    fn spell(words: &[&str], style: u8) -> String {
        let cap = |w: &str| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        };
        match style % 5 {
            0 => words.join("_"),
            1 => words.join("-").to_ascii_uppercase(),
            2 => words.join("."),
            3 => words
                .iter()
                .enumerate()
                .map(|(i, w)| if i == 0 { w.to_string() } else { cap(w) })
                .collect(),
            _ => words.iter().map(|w| cap(w)).collect::<Vec<_>>().join(" "),
        }
    }

    proptest! {
        /// Any casing or separator of the same words gives the same words, and a deny entry
        /// matches exactly when the name has the entry's words in a row (brute force).
        #[test]
        fn spelling_does_not_change_the_words_or_the_decision(
            name in sample_words(),
            entry in sample_words(),
            a in 0u8..5,
            b in 0u8..5,
        ) {
            prop_assert_eq!(words(&spell(&name, a)), words(&spell(&name, b)));
            let p = WordPattern::new(&format!("*{}*", entry.join("_"))).expect("pattern");
            let expected = has_run(&words(&spell(&name, 0)), &words(&entry.join("_")).iter().map(String::as_str).collect::<Vec<_>>());
            prop_assert_eq!(p.is_match(&spell(&name, a)), expected);
        }
    }
}
