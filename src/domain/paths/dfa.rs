//! The automata of [`super::automaton`] determinised (subset construction over the classes of
//! characters no edge tells apart): dense state ids, each state's transitions as sorted character
//! ranges. Two ways to build one:
//! - [`Dfa::complete`]: every state at once, then exact marks for dead states (no accepted path
//!   on) and universal ones (every path on accepted). For one glob, small.
//! - [`Dfa::lazy`]: states built as decisions reach them, kept for the next decision. For a union
//!   (a lane, the credential rules), whose full determinisation can be exponential (`**/*a*`,
//!   `**/*b*`, …: every combination of names seen) while decisions only ever visit a few states.
//!
//! A subset holding a universal NFA state (every continuation accepted: inside a trailing `/**`,
//! after the `secret` of the guard rule `**/*secret*`) accepts every continuation: all such
//! subsets are one state, [`ALL`], never expanded.
use super::automaton::{Automaton, StateSet};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The empty set: nothing on from it is accepted. In a complete automaton every dead state is
/// this one.
pub const DEAD: u32 = 0;
/// Everything on from it is accepted.
pub const ALL: u32 = 1;
/// One past the last code point.
pub const END: u32 = 0x11_0000;
/// Past this many states a glob is not determinised; the NFA search decides it.
const MAX_COMPLETE: usize = 20_000;
/// A lazy automaton that grew past this many states starts again from nothing (a cache).
const MAX_LAZY: usize = 100_000;

/// A determinised state's outgoing ranges: `(first character, target)`, sorted, the first from
/// 0, each up to the next one's first character.
type Ranges = Box<[(u32, u32)]>;

/// A state's targets for each ASCII character.
type AsciiRow = Box<[u32; 128]>;

#[derive(Debug, Clone)]
pub struct Dfa {
    nfa: Compiled,
    sets: Vec<StateSet>,
    ids: HashMap<StateSet, u32, BuildHasherDefault<FastHash>>,
    /// `(first character, target)` of each range, sorted, the first from 0, each up to the next
    /// one's first character; none while the state is not expanded.
    transitions: Vec<Option<Ranges>>,
    /// A lazy automaton's ASCII transitions as a table too, for the walks that match paths
    /// (lanes and guard rules match every plain path of every check).
    ascii: Option<Vec<Option<AsciiRow>>>,
    accept: Vec<bool>,
    universal: Vec<bool>,
    start: u32,
}

/// The NFA as the subset construction reads it.
#[derive(Debug, Clone)]
struct Compiled {
    /// Class `k` is `cuts[k]..cuts[k + 1]`.
    cuts: Vec<u32>,
    /// NFA state `s`'s edges are `edges[edge_at[s]..edge_at[s + 1]]`: first class, last class,
    /// target.
    edge_at: Vec<u32>,
    edges: Vec<(u32, u32, u32)>,
    closure: Vec<StateSet>,
    /// Only states with an edge, and the accepting one, tell subsets apart.
    mask: StateSet,
    /// Subsets holding one of these accept every continuation (the NFA's universal states).
    looping: StateSet,
    accept: usize,
    start: StateSet,
}

fn intersects(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).any(|(x, y)| x & y != 0)
}

impl Compiled {
    fn new(nfa: &Automaton) -> Compiled {
        let mut cuts = vec![0, END];
        for state in &nfa.states {
            for (cs, _) in &state.edges {
                for &(lo, hi) in cs.ranges() {
                    cuts.extend([lo, hi + 1]);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let class_of = |c: u32| (cuts.partition_point(|&x| x <= c) - 1) as u32;
        let mut edge_at = Vec::with_capacity(nfa.states.len() + 1);
        let mut edges = Vec::new();
        for state in &nfa.states {
            edge_at.push(edges.len() as u32);
            for (cs, to) in &state.edges {
                for &(lo, hi) in cs.ranges() {
                    edges.push((class_of(lo), class_of(hi), *to));
                }
            }
        }
        edge_at.push(edges.len() as u32);
        let words = nfa.start().len();
        let mut mask: StateSet = vec![0; words];
        for (s, state) in nfa.states.iter().enumerate() {
            if !state.edges.is_empty() || s == nfa.accept as usize {
                mask[s / 64] |= 1 << (s % 64);
            }
        }
        Compiled {
            cuts,
            edge_at,
            edges,
            closure: nfa.closure.clone(),
            mask,
            looping: nfa.universal.clone(),
            accept: nfa.accept as usize,
            start: nfa.start().clone(),
        }
    }

    fn classes(&self) -> usize {
        self.cuts.len() - 1
    }
}

impl Dfa {
    /// States built as they are reached.
    pub fn lazy(nfa: &Automaton) -> Dfa {
        Dfa::lazy_from(Compiled::new(nfa))
    }

    fn lazy_from(nfa: Compiled) -> Dfa {
        let words = nfa.mask.len();
        let mut dfa = Dfa {
            sets: vec![vec![0; words], vec![u64::MAX; words]],
            ids: [(vec![0; words], DEAD)].into_iter().collect(),
            transitions: vec![Some(Box::new([(0, DEAD)])), Some(Box::new([(0, ALL)]))],
            ascii: Some(vec![
                Some(Box::new([DEAD; 128])),
                Some(Box::new([ALL; 128])),
            ]),
            accept: vec![false, true],
            universal: vec![false, true],
            start: DEAD,
            nfa,
        };
        let mut start = dfa.nfa.start.clone();
        dfa.start = dfa.intern(&mut start);
        dfa
    }

    /// Every state, with exact dead and universal marks; none when too large.
    pub fn complete(nfa: &Automaton) -> Option<Dfa> {
        let mut dfa = Dfa::lazy(nfa);
        dfa.ascii = None;
        let mut s = 0;
        while s < dfa.len() {
            if dfa.len() > MAX_COMPLETE {
                return None;
            }
            dfa.expand(s as u32);
            s += 1;
        }
        dfa.mark_exactly();
        Some(dfa)
    }

    pub fn len(&self) -> usize {
        self.accept.len()
    }

    /// Forget every state built (a lazy automaton that grew too large, or was left half-built).
    pub fn reset(&mut self) {
        let nfa = std::mem::replace(&mut self.nfa, empty_compiled());
        *self = Dfa::lazy_from(nfa);
    }

    /// Before a decision: a lazy automaton past its size starts again.
    pub fn trim(&mut self) {
        if self.len() > MAX_LAZY {
            self.reset();
        }
    }

    /// The id of a closed subset of NFA states (masked in place).
    fn intern(&mut self, set: &mut [u64]) -> u32 {
        // Before masking: a universal state may have no edge of its own (an ε-only state whose
        // closure accepts everything).
        if intersects(set, &self.nfa.looping) {
            return ALL;
        }
        for (w, m) in set.iter_mut().zip(&self.nfa.mask) {
            *w &= m;
        }
        let a = self.nfa.accept;
        let accepting = set[a / 64] & (1 << (a % 64)) != 0;
        if let Some(&id) = self.ids.get(&*set) {
            return id;
        }
        let id = self.sets.len() as u32;
        self.accept.push(accepting);
        self.universal.push(false);
        self.transitions.push(None);
        if let Some(ascii) = &mut self.ascii {
            ascii.push(None);
        }
        self.sets.push(set.to_vec());
        self.ids.insert(set.to_vec(), id);
        id
    }

    /// Build `s`'s transitions if not yet built.
    pub fn expand(&mut self, s: u32) {
        if self.transitions[s as usize].is_some() {
            return;
        }
        let set = std::mem::take(&mut self.sets[s as usize]);
        // The subset's edges, as intervals of classes; between two consecutive bounds the same
        // edges fire, so each such run of classes has one target, computed once.
        let edges: Vec<(u32, u32, u32)> = Automaton::members(&set)
            .flat_map(|n| {
                let (from, to) = (self.nfa.edge_at[n], self.nfa.edge_at[n + 1]);
                self.nfa.edges[from as usize..to as usize].iter().copied()
            })
            .collect();
        self.sets[s as usize] = set;
        let mut bounds: Vec<u32> = vec![0, self.nfa.classes() as u32];
        for &(first, last, _) in &edges {
            bounds.extend([first, last + 1]);
        }
        bounds.sort_unstable();
        bounds.dedup();
        let mut next: StateSet = vec![0; self.nfa.mask.len()];
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for run in bounds.windows(2) {
            let k = run[0];
            next.fill(0);
            let mut fires = false;
            for &(first, last, to) in &edges {
                if (first..=last).contains(&k) {
                    fires = true;
                    for (w, t) in next.iter_mut().zip(&self.nfa.closure[to as usize]) {
                        *w |= t;
                    }
                }
            }
            let target = if fires { self.intern(&mut next) } else { DEAD };
            if ranges.last().is_none_or(|r| r.1 != target) {
                ranges.push((self.nfa.cuts[k as usize], target));
            }
        }
        if let Some(ascii) = &mut self.ascii {
            let mut row = Box::new([DEAD; 128]);
            for (c, target) in row.iter_mut().enumerate() {
                *target = Dfa::target(&ranges, c as u32);
            }
            ascii[s as usize] = Some(row);
        }
        self.transitions[s as usize] = Some(ranges.into_boxed_slice());
    }

    /// Exact marks once every state is built: dead states become [`DEAD`], and every state no
    /// rejected path leaves from is universal.
    fn mark_exactly(&mut self) {
        let n = self.len();
        let mut preds: Vec<Vec<u32>> = vec![Vec::new(); n];
        for s in 0..n {
            for &(_, t) in self.transitions(s as u32) {
                if preds[t as usize].last() != Some(&(s as u32)) {
                    preds[t as usize].push(s as u32);
                }
            }
        }
        let backwards = |from: Vec<bool>| -> Vec<bool> {
            let mut reached = from;
            let mut stack: Vec<u32> = (0..n as u32).filter(|&s| reached[s as usize]).collect();
            while let Some(t) = stack.pop() {
                for &p in &preds[t as usize] {
                    if !reached[p as usize] {
                        reached[p as usize] = true;
                        stack.push(p);
                    }
                }
            }
            reached
        };
        let live = backwards(self.accept.clone());
        let rejecting = backwards(self.accept.iter().map(|a| !a).collect());
        self.universal = rejecting.iter().map(|r| !r).collect();
        for t in self.transitions.iter_mut().flatten() {
            let mut merged: Vec<(u32, u32)> = Vec::with_capacity(t.len());
            for &(lo, target) in t.iter() {
                let target = if live[target as usize] { target } else { DEAD };
                if merged.last().is_none_or(|r| r.1 != target) {
                    merged.push((lo, target));
                }
            }
            *t = merged.into_boxed_slice();
        }
        if !live[self.start as usize] {
            self.start = DEAD;
        }
        // Only the transitions are read from now on.
        self.nfa = empty_compiled();
        self.sets = Vec::new();
        self.ids = HashMap::default();
    }

    pub fn start(&self) -> u32 {
        self.start
    }

    pub fn accepts(&self, s: u32) -> bool {
        self.accept[s as usize]
    }

    /// Every continuation from `s` is accepted (exact for a complete automaton; for a lazy one,
    /// at least every [`ALL`]).
    pub fn is_universal(&self, s: u32) -> bool {
        self.universal[s as usize]
    }

    /// `s`'s transitions, which must be built (always, in a complete automaton).
    pub fn transitions(&self, s: u32) -> &[(u32, u32)] {
        self.transitions[s as usize]
            .as_deref()
            .expect("state expanded before use")
    }

    fn target(t: &[(u32, u32)], c: u32) -> u32 {
        t[t.partition_point(|&(lo, _)| lo <= c) - 1].1
    }

    /// The next state (complete automaton).
    pub fn step(&self, s: u32, c: u32) -> u32 {
        Dfa::target(self.transitions(s), c)
    }

    /// The next state, building what is missing (lazy automaton).
    pub fn step_mut(&mut self, s: u32, c: u32) -> u32 {
        self.expand(s);
        if let Some(Some(row)) = self.ascii.as_ref().map(|a| &a[s as usize])
            && let Some(&t) = row.get(c as usize)
        {
            return t;
        }
        self.step(s, c)
    }

    /// The state after reading `text` from `s` (complete automaton).
    pub fn walk(&self, mut s: u32, text: &str) -> u32 {
        for c in text.chars() {
            if s == DEAD || s == ALL {
                break;
            }
            s = self.step(s, c as u32);
        }
        s
    }

    /// Whether a path is in the language (complete automaton).
    pub fn matches(&self, path: &str) -> bool {
        self.accepts(self.walk(self.start, path))
    }

    /// The same, building what is missing (lazy automaton).
    pub fn matches_mut(&mut self, path: &str) -> bool {
        let s = self.walk_mut(self.start, path);
        self.accepts(s)
    }

    /// The same, building what is missing (lazy automaton).
    pub fn walk_mut(&mut self, mut s: u32, text: &str) -> u32 {
        for c in text.chars() {
            if s == DEAD || s == ALL {
                break;
            }
            s = self.step_mut(s, c as u32);
        }
        s
    }
}

fn empty_compiled() -> Compiled {
    Compiled {
        cuts: vec![0, END],
        edge_at: Vec::new(),
        edges: Vec::new(),
        closure: Vec::new(),
        mask: Vec::new(),
        looping: Vec::new(),
        accept: 0,
        start: Vec::new(),
    }
}

/// A multiply-rotate hash (as rustc's FxHash) for state sets and search nodes: keys are a few
/// machine words, never chosen by an adversary who could force collisions to slow a check.
#[derive(Default)]
pub struct FastHash(u64);

impl Hasher for FastHash {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.write_u64(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        for &b in chunks.remainder() {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
