//! Search and filter over the buffered lines.
use super::*;

/// A compiled search: a regex (smart case: case-insensitive unless the pattern has a capital);
/// an invalid regex is searched as literal text and says so.
#[derive(Debug, Clone)]
pub struct Search {
    pub pattern: String,
    pub regex: Regex,
    /// Why the pattern is searched literally.
    pub error: Option<String>,
}

impl Search {
    pub fn new(pattern: &str) -> Search {
        let insensitive = !pattern.chars().any(char::is_uppercase);
        let build = |p: &str| {
            RegexBuilder::new(p)
                .case_insensitive(insensitive)
                .size_limit(1 << 22)
                .build()
        };
        match build(pattern) {
            Ok(regex) => Search {
                pattern: pattern.to_owned(),
                regex,
                error: None,
            },
            Err(e) => {
                let first = e.to_string();
                let reason = first
                    .lines()
                    .rev()
                    .find(|l| l.starts_with("error:"))
                    .unwrap_or("invalid regex")
                    .trim_start_matches("error:")
                    .trim()
                    .to_owned();
                let literal = build(&regex::escape(pattern)).unwrap_or_else(|_| {
                    // An escaped pattern always compiles unless it is enormous.
                    Regex::new("$^").unwrap_or_else(|_| unreachable!("a trivial regex compiles"))
                });
                Search {
                    pattern: pattern.to_owned(),
                    regex: literal,
                    error: Some(format!("not a regex ({reason}): searching the text")),
                }
            }
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// Byte ranges of the (non-empty) matches in `text`.
    pub fn matches(&self, text: &str) -> Vec<(usize, usize)> {
        self.regex
            .find_iter(text)
            .filter(|m| !m.is_empty())
            .map(|m| (m.start(), m.end()))
            .collect()
    }
}

/// Which lines a view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilterMode {
    /// Every line.
    #[default]
    Off,
    /// Only lines the search matches.
    Matching,
    /// Only lines the search does not match.
    NotMatching,
}

/// The seqs of the lines a filter keeps, maintained as lines arrive and are dropped.
#[derive(Debug, Clone, Default)]
pub struct FilterIndex {
    pub seqs: VecDeque<u64>,
    /// Every line below this seq has been tested.
    scanned_to: u64,
}

impl FilterIndex {
    /// Tests the lines not tested yet, drops entries for lines the buffer dropped.
    pub fn catch_up(&mut self, buffer: &LogBuffer, search: &Search, inverse: bool) {
        let first = buffer.first_seq();
        while self.seqs.front().is_some_and(|s| *s < first) {
            self.seqs.pop_front();
        }
        let from = self.scanned_to.max(first);
        for line in buffer.range(from, buffer.end_seq()) {
            if search.is_match(line.text) != inverse {
                self.seqs.push_back(line.seq);
            }
        }
        self.scanned_to = buffer.end_seq();
    }
}
