//! Glob → regular expression over characters → Thompson NFA, and the subset steps the decisions
//! walk. `*`, `?` and classes never match `/`; `**` as a whole segment spans segments, exactly as
//! globset does with `literal_separator(true)` (the reference the property tests compare to).
use super::charset::CharSet;
use super::syntax::Token;

/// A regular expression over characters.
#[derive(Debug, Clone)]
pub enum Re {
    Empty,
    Set(CharSet),
    Concat(Vec<Re>),
    Alt(Vec<Re>),
    Star(Box<Re>),
}

/// What a pattern's language is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Semantics {
    /// The paths the glob matches, nothing more (globset with a literal separator).
    Glob,
    /// The paths it matches and everything beneath them, as git pathspecs: `dir`, `dir/` and
    /// `dir/**` say the same. What a guard rule means: `**/.ssh` is the directory and its keys.
    Pathspec,
}

/// What the wildcards match: any character (but `/` within a segment), or — for a glob's
/// literal reading — only [`FILLER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wild {
    Any,
    Filler,
}

/// A character no rule names: in a glob's literal reading its wildcards match only this, so
/// they add nothing a rule's own text could recognise (a rule's wildcards still match it).
pub const FILLER: char = '\u{E000}';

impl Wild {
    /// What a wildcard within a segment matches.
    fn segment(self) -> CharSet {
        match self {
            Wild::Any => CharSet::not_slash(),
            Wild::Filler => CharSet::single(FILLER),
        }
    }

    /// What a wildcard across segments matches.
    fn any(self) -> CharSet {
        match self {
            Wild::Any => CharSet::any(),
            Wild::Filler => CharSet::single(FILLER).union(&CharSet::single('/')),
        }
    }

    /// A class: the filler when it allows it (`[!a]`), else the characters it lists (`[ab]`
    /// chooses them explicitly).
    fn class(self, set: CharSet) -> CharSet {
        match self {
            Wild::Filler if set.contains(FILLER as u32) => CharSet::single(FILLER),
            _ => set,
        }
    }
}

fn slash() -> Re {
    Re::Set(CharSet::single('/'))
}

fn is_recursive(tokens: &[Token], i: usize) -> bool {
    tokens[i] == Token::DoubleStar
        && (i == 0 || tokens[i - 1] == Token::Separator)
        && (i + 1 == tokens.len() || tokens[i + 1] == Token::Separator)
}

/// One brace-free alternative as a regular expression.
pub fn alternative_re(tokens: &[Token], semantics: Semantics, fold_case: bool) -> Re {
    wild_re(tokens, semantics, fold_case, Wild::Any)
}

/// Its literal reading: the paths it names with every wildcard (`*`, `?`, `**`, a class that
/// allows any character) matching only [`FILLER`] — what its own text names.
pub fn literal_reading_re(tokens: &[Token], semantics: Semantics, fold_case: bool) -> Re {
    wild_re(tokens, semantics, fold_case, Wild::Filler)
}

fn wild_re(tokens: &[Token], semantics: Semantics, fold_case: bool, wild: Wild) -> Re {
    let any_chars = || Re::Star(Box::new(Re::Set(wild.any())));
    let mut t: Vec<Token> = tokens.to_vec();
    // `**/**` is `**`.
    let mut i = 0;
    while i + 2 < t.len() {
        if is_recursive(&t, i) && t[i + 1] == Token::Separator && is_recursive(&t, i + 2) {
            t.drain(i + 1..i + 3);
        } else {
            i += 1;
        }
    }
    if semantics == Semantics::Pathspec {
        loop {
            let n = t.len();
            if n >= 2 && t[n - 1] == Token::Separator {
                t.pop();
            } else if n >= 3 && t[n - 2] == Token::Separator && is_recursive(&t, n - 1) {
                t.truncate(n - 2);
            } else {
                break;
            }
        }
    }
    let n = t.len();
    let mut parts = Vec::with_capacity(n + 1);
    let mut i = 0;
    while i < n {
        if i == 0 && is_recursive(&t, 0) {
            if n == 1 {
                parts.push(any_chars());
                i = 1;
            } else {
                // `**/x`: x at the top, or beneath anything.
                parts.push(Re::Alt(vec![
                    Re::Empty,
                    Re::Concat(vec![any_chars(), slash()]),
                ]));
                i = 2;
            }
            continue;
        }
        if t[i] == Token::Separator && i + 1 < n && is_recursive(&t, i + 1) {
            if i + 2 == n {
                // `x/**`: anything beneath x.
                parts.push(Re::Concat(vec![slash(), any_chars()]));
                i += 2;
            } else {
                // `x/**/y`: y right beneath x, or deeper.
                parts.push(Re::Alt(vec![
                    slash(),
                    Re::Concat(vec![slash(), any_chars(), slash()]),
                ]));
                i += 3;
            }
            continue;
        }
        let fold = |set: CharSet| {
            if fold_case {
                set.fold_ascii_case()
            } else {
                set
            }
        };
        parts.push(match &t[i] {
            Token::Literal(c) => Re::Set(fold(CharSet::single(*c))),
            Token::AnyChar => Re::Set(wild.segment()),
            Token::Star | Token::DoubleStar => Re::Star(Box::new(Re::Set(wild.segment()))),
            Token::Class(set, negated) => {
                Re::Set(wild.class(Token::class_set(set, *negated, fold_case)))
            }
            Token::Separator => slash(),
        });
        i += 1;
    }
    if semantics == Semantics::Pathspec {
        parts.push(Re::Alt(vec![
            Re::Empty,
            Re::Concat(vec![slash(), any_chars()]),
        ]));
    }
    Re::Concat(parts)
}

/// A set of NFA states, as a bit set.
pub type StateSet = Vec<u64>;

#[derive(Debug, Clone, Default)]
pub(super) struct State {
    eps: Vec<u32>,
    pub(super) edges: Vec<(CharSet, u32)>,
}

/// A Thompson NFA with precomputed ε-closures.
#[derive(Debug, Clone)]
pub struct Automaton {
    pub(super) states: Vec<State>,
    pub(super) closure: Vec<StateSet>,
    start: StateSet,
    pub(super) accept: u32,
    /// States from which every continuation is accepted (inside a trailing `/**`, after the
    /// `secret` of `**/*secret*` as a guard rule): a set holding one accepts all its extensions,
    /// so a search for paths outside can stop there.
    pub(super) universal: StateSet,
}

impl Automaton {
    pub fn new(re: &Re) -> Automaton {
        let mut states = Vec::new();
        let (entry, exit) = build(re, &mut states);
        let words = states.len().div_ceil(64);
        let closure: Vec<StateSet> = (0..states.len())
            .map(|s| {
                let mut set = vec![0u64; words];
                let mut stack = vec![s as u32];
                while let Some(x) = stack.pop() {
                    let (w, b) = (x as usize / 64, x % 64);
                    if set[w] & (1 << b) != 0 {
                        continue;
                    }
                    set[w] |= 1 << b;
                    stack.extend(&states[x as usize].eps);
                }
                set
            })
            .collect();
        let start = closure[entry as usize].clone();
        let universal = universal_states(&states, &closure, exit);
        Automaton {
            states,
            closure,
            start,
            accept: exit,
            universal,
        }
    }

    /// Whether every extension of a path that reached `set` is accepted.
    pub fn is_universal(&self, set: &StateSet) -> bool {
        set.iter().zip(&self.universal).any(|(a, b)| a & b != 0)
    }

    pub fn start(&self) -> &StateSet {
        &self.start
    }

    pub fn accepts(&self, set: &StateSet) -> bool {
        let a = self.accept as usize;
        set.get(a / 64).is_some_and(|w| w & (1 << (a % 64)) != 0)
    }

    pub fn is_dead(set: &StateSet) -> bool {
        set.iter().all(|w| *w == 0)
    }

    pub(super) fn members(set: &StateSet) -> impl Iterator<Item = usize> + '_ {
        set.iter().enumerate().flat_map(|(w, &bits)| {
            let mut bits = bits;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let b = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    w * 64 + b
                })
            })
        })
    }

    /// The set reached from `set` on each cell of a partition of the alphabet (sorted, disjoint
    /// ranges, each inside or outside every edge's character set).
    pub fn step_cells(&self, set: &StateSet, cells: &[(u32, u32)]) -> Vec<StateSet> {
        let mut next = vec![vec![0u64; set.len()]; cells.len()];
        for s in Self::members(set) {
            for (cs, to) in &self.states[s].edges {
                let target = &self.closure[*to as usize];
                for &(lo, hi) in cs.ranges() {
                    let first = cells.partition_point(|c| c.1 < lo);
                    for (i, cell) in cells.iter().enumerate().skip(first) {
                        if cell.0 > hi {
                            break;
                        }
                        for (n, w) in next[i].iter_mut().zip(target) {
                            *n |= w;
                        }
                    }
                }
            }
        }
        next
    }

    /// Every character set on an edge out of `set` (their boundaries split the alphabet).
    pub fn edge_sets<'a>(&'a self, set: &'a StateSet) -> impl Iterator<Item = &'a CharSet> + 'a {
        Self::members(set).flat_map(|s| self.states[s].edges.iter().map(|(cs, _)| cs))
    }

    pub fn step(&self, set: &StateSet, c: u32) -> StateSet {
        let mut next = vec![0u64; set.len()];
        for s in Self::members(set) {
            for (cs, to) in &self.states[s].edges {
                if cs.contains(c) {
                    for (n, w) in next.iter_mut().zip(&self.closure[*to as usize]) {
                        *n |= w;
                    }
                }
            }
        }
        next
    }

    /// Whether a concrete path is in the language.
    pub fn matches(&self, path: &str) -> bool {
        let mut set = self.start.clone();
        for c in path.chars() {
            set = self.step(&set, c as u32);
            if Self::is_dead(&set) {
                return false;
            }
        }
        self.accepts(&set)
    }
}

fn has(set: &StateSet, s: usize) -> bool {
    set[s / 64] & (1 << (s % 64)) != 0
}

/// States from which every continuation is accepted, as the greatest fixed point: start from the
/// states whose closure accepts, and drop each one for which some character leads to no state
/// still kept, until none is dropped. What is left is sound (every character leads to a kept
/// state, each accepting) and catches more than an "any character" loop: the state after
/// `secret` in a guard rule `**/*secret*` (more of the name, or `/` and anything beneath) is
/// universal, so a subset holding it is [`super::dfa::ALL`] and the search stops there instead
/// of telling apart every combination of the other rules' partial matches (which made a
/// containment search over the credential rules exponential).
fn universal_states(states: &[State], closure: &[StateSet], accept: u32) -> StateSet {
    let n = states.len();
    let words = n.div_ceil(64);
    let mut kept: Vec<bool> = closure.iter().map(|c| has(c, accept as usize)).collect();
    let intersects_kept = |set: &StateSet, kept: &[bool]| Automaton::members(set).any(|t| kept[t]);
    let mut changed = true;
    while changed {
        changed = false;
        for s in 0..n {
            if !kept[s] {
                continue;
            }
            let mut covered = CharSet::default();
            for t in Automaton::members(&closure[s]) {
                for (cs, to) in &states[t].edges {
                    if intersects_kept(&closure[*to as usize], &kept) {
                        covered = covered.union(cs);
                    }
                }
            }
            if !covered.is_universe() {
                kept[s] = false;
                changed = true;
            }
        }
    }
    let mut set = vec![0u64; words];
    for (s, &k) in kept.iter().enumerate() {
        if k {
            set[s / 64] |= 1 << (s % 64);
        }
    }
    set
}

fn new_state(states: &mut Vec<State>) -> u32 {
    states.push(State::default());
    (states.len() - 1) as u32
}

/// Thompson's construction: (entry, exit) of the fragment for `re`.
fn build(re: &Re, states: &mut Vec<State>) -> (u32, u32) {
    match re {
        Re::Empty => {
            let s = new_state(states);
            (s, s)
        }
        Re::Set(cs) => {
            let (a, b) = (new_state(states), new_state(states));
            states[a as usize].edges.push((cs.clone(), b));
            (a, b)
        }
        Re::Concat(parts) => {
            let mut entry_exit: Option<(u32, u32)> = None;
            for p in parts {
                let (e, x) = build(p, states);
                entry_exit = Some(match entry_exit {
                    None => (e, x),
                    Some((first, last)) => {
                        states[last as usize].eps.push(e);
                        (first, x)
                    }
                });
            }
            entry_exit.unwrap_or_else(|| {
                let s = new_state(states);
                (s, s)
            })
        }
        Re::Alt(alts) => {
            let (a, b) = (new_state(states), new_state(states));
            for alt in alts {
                let (e, x) = build(alt, states);
                states[a as usize].eps.push(e);
                states[x as usize].eps.push(b);
            }
            (a, b)
        }
        Re::Star(inner) => {
            let (a, b) = (new_state(states), new_state(states));
            let (e, x) = build(inner, states);
            states[a as usize].eps.extend([e, b]);
            states[x as usize].eps.extend([e, b]);
            (a, b)
        }
    }
}
