//! The determinised rests of globs — what follows a glob's literal leading directories (`**`,
//! `*.py`, `test_*.py`) — shared by every spec with the same rest. The checks parse in-scope paths
//! anew on every run and most end in one of a few ways, so the automata outlive the specs.
use super::automaton::{Automaton, Re, Semantics, alternative_re, literal_reading_re};
use super::decide::{self, Search, Valid};
use super::dfa::Dfa;
use super::product::{self, Start};
use super::syntax::Token;
use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

/// More distinct rests than a session of checks meets; past it the memo starts again.
const LIMIT: usize = 4096;

#[derive(Debug)]
pub struct Rest {
    semantics: Semantics,
    fold_case: bool,
    alternatives: Vec<Vec<Token>>,
    /// None when too large to determinise.
    pub dfa: Option<Dfa>,
    /// Its shortest readable path, by where the path syntax stands before it.
    examples: [OnceLock<Search>; 3],
    /// Its literal reading (wildcards matching only the filler) determinised; none when too
    /// large. Built on first use (the credential check).
    reading: OnceLock<Option<Dfa>>,
}

impl Rest {
    fn new(semantics: Semantics, fold_case: bool, alternatives: Vec<Vec<Token>>) -> Rest {
        let re = Re::Alt(
            alternatives
                .iter()
                .map(|t| alternative_re(t, semantics, fold_case))
                .collect(),
        );
        Rest {
            semantics,
            fold_case,
            alternatives,
            dfa: Dfa::complete(&Automaton::new(&re)),
            examples: Default::default(),
            reading: OnceLock::new(),
        }
    }

    /// Its literal reading, determinised (none when too large).
    pub fn reading(&self) -> Option<&Dfa> {
        self.reading
            .get_or_init(|| {
                let re = Re::Alt(
                    self.alternatives
                        .iter()
                        .map(|t| literal_reading_re(t, self.semantics, self.fold_case))
                        .collect(),
                );
                Dfa::complete(&Automaton::new(&re))
            })
            .as_ref()
    }

    fn is(&self, semantics: Semantics, fold_case: bool, tails: &[&[Token]]) -> bool {
        self.semantics == semantics
            && self.fold_case == fold_case
            && self.alternatives.len() == tails.len()
            && self.alternatives.iter().zip(tails).all(|(a, b)| a == b)
    }

    /// Its shortest readable valid path after text that left the path syntax at `valid`
    /// (`a/.py` reads as `a/a.py` when that is one of its paths too: a segment's name starts
    /// within the rest, so the rest alone decides).
    pub fn example(&self, dfa: &Dfa, valid: Valid) -> &Search {
        self.examples[valid as usize].get_or_init(|| {
            let start = Start {
                dfa,
                state: dfa.start(),
            };
            match product::search(&[start], None, valid) {
                Search::Found(p) => Search::Found(decide::readable(p, |q| dfa.matches(q))),
                other => other,
            }
        })
    }
}

fn key(semantics: Semantics, fold_case: bool, tails: &[&[Token]]) -> u64 {
    let mut h = DefaultHasher::new();
    (semantics, fold_case, tails).hash(&mut h);
    h.finish()
}

type Memo = HashMap<u64, Vec<Arc<Rest>>>;

/// The rest made of these alternatives' tails, determinised once.
pub fn rest(semantics: Semantics, fold_case: bool, tails: &[&[Token]]) -> Arc<Rest> {
    static MEMO: LazyLock<Mutex<(Memo, usize)>> = LazyLock::new(Mutex::default);
    let k = key(semantics, fold_case, tails);
    let find = |memo: &Memo| {
        memo.get(&k)?
            .iter()
            .find(|r| r.is(semantics, fold_case, tails))
            .cloned()
    };
    if let Some(r) = find(&MEMO.lock().unwrap_or_else(|e| e.into_inner()).0) {
        return r;
    }
    // Built outside the lock: another thread may build the same one meanwhile, which is harmless.
    let built = Arc::new(Rest::new(
        semantics,
        fold_case,
        tails.iter().map(|t| t.to_vec()).collect(),
    ));
    let mut guard = MEMO.lock().unwrap_or_else(|e| e.into_inner());
    let (memo, size) = &mut *guard;
    if let Some(r) = find(memo) {
        return r;
    }
    if *size >= LIMIT {
        memo.clear();
        *size = 0;
    }
    memo.entry(k).or_default().push(built.clone());
    *size += 1;
    built
}
