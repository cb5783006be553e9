//! The decisions on NFAs, by breadth-first search over the product of subset-constructed
//! automata: the alphabet is split into cells only where the automata at hand disagree, so
//! infinite classes (`[!a]`, "anything but `/`") cost no more than a literal. The search finds the
//! shortest witness, preferring readable characters. The fallback for automata too large to
//! determinise, and the reference the determinised search ([`super::product`]) is tested against.
use super::automaton::{Automaton, StateSet};
use super::charset::best_char;
use std::collections::HashSet;

/// Far beyond any real plan; past it the answer is the cautious one (see [`Search::Undecided`]).
pub const MAX_NODES: usize = 200_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// A valid repository path with the property.
    Found(String),
    /// No path has it.
    None,
    /// Too many states to explore; callers treat it as found.
    Undecided,
}

/// Paths are one or more non-empty segments separated by single slashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Valid {
    Start = 0,
    InSegment = 1,
    AfterSlash = 2,
}

impl Search {
    /// The path found made readable (see [`readable`]); `holds` tells whether a path has the
    /// property searched for.
    pub fn readable(self, holds: impl FnMut(&str) -> bool) -> Search {
        match self {
            Search::Found(p) => Search::Found(readable(p, holds)),
            other => other,
        }
    }
}

impl Valid {
    /// Where the syntax stands after `text`; none once it is not the start of a valid path.
    pub fn walk(self, text: &str) -> Option<Valid> {
        text.chars().try_fold(self, |v, c| v.step(c as u32))
    }

    pub fn step(self, c: u32) -> Option<Valid> {
        match (self, c == '/' as u32) {
            (Valid::InSegment, true) => Some(Valid::AfterSlash),
            (_, true) => None,
            (_, false) => Some(Valid::InSegment),
        }
    }
}

/// The shortest valid path accepted by every automaton in `required` and not by `forbidden`.
pub fn search(required: &[&Automaton], forbidden: Option<&Automaton>) -> Search {
    let components: Vec<&Automaton> = required.iter().copied().chain(forbidden).collect();
    let start: Vec<StateSet> = components.iter().map(|a| a.start().clone()).collect();
    let mut nodes: Vec<(Vec<StateSet>, Valid, usize, char)> =
        vec![(start.clone(), Valid::Start, usize::MAX, '\0')];
    let mut seen: HashSet<(Vec<StateSet>, u8)> = HashSet::new();
    seen.insert((start, Valid::Start as u8));
    let mut head = 0;
    while head < nodes.len() {
        if nodes.len() > MAX_NODES {
            return Search::Undecided;
        }
        let (sets, valid) = (nodes[head].0.clone(), nodes[head].1);
        let goal = valid == Valid::InSegment
            && required.iter().zip(&sets).all(|(a, s)| a.accepts(s))
            && forbidden.is_none_or(|f| !f.accepts(&sets[required.len()]));
        if goal {
            let path = witness(&nodes, head);
            let holds = |p: &str| {
                required.iter().all(|a| a.matches(p)) && forbidden.is_none_or(|f| !f.matches(p))
            };
            return Search::Found(readable(path, holds));
        }
        for (next, c) in successors(&components, &sets, valid) {
            if required
                .iter()
                .zip(&next.0)
                .any(|(_, s)| Automaton::is_dead(s))
            {
                continue;
            }
            // Every path on from here is forbidden: nothing to find beyond.
            if forbidden.is_some_and(|f| f.is_universal(&next.0[required.len()])) {
                continue;
            }
            if seen.insert((next.0.clone(), next.1 as u8)) {
                nodes.push((next.0, next.1, head, c));
            }
        }
        head += 1;
    }
    Search::None
}

/// `a/.py` is a valid witness but reads badly: give a segment that starts with `.` (an empty
/// `*`) a letter in front when the path still has the property.
pub fn readable(path: String, mut holds: impl FnMut(&str) -> bool) -> String {
    if !path.starts_with('.') && !path.contains("/.") {
        return path;
    }
    let mut segments: Vec<String> = path.split('/').map(str::to_owned).collect();
    for i in 0..segments.len() {
        if segments[i].starts_with('.') {
            let lettered = format!("a{}", segments[i]);
            let old = std::mem::replace(&mut segments[i], lettered);
            if !holds(&segments.join("/")) {
                segments[i] = old;
            }
        }
    }
    segments.join("/")
}

fn witness(nodes: &[(Vec<StateSet>, Valid, usize, char)], mut at: usize) -> String {
    let mut chars = Vec::new();
    while nodes[at].2 != usize::MAX {
        chars.push(nodes[at].3);
        at = nodes[at].2;
    }
    chars.iter().rev().collect()
}

/// A product state: one state set per automaton, and where the path's syntax stands.
type Node = (Vec<StateSet>, Valid);

/// One successor per distinct target, reached by the most readable character that leads there.
fn successors(components: &[&Automaton], sets: &[StateSet], valid: Valid) -> Vec<(Node, char)> {
    let mut cuts: Vec<u32> = vec![0, '/' as u32, '/' as u32 + 1, 0xD800, 0xE000, 0x110000];
    for (a, s) in components.iter().zip(sets) {
        for cs in a.edge_sets(s) {
            for &(lo, hi) in cs.ranges() {
                cuts.push(lo);
                cuts.push(hi + 1);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let cells: Vec<(u32, u32)> = cuts
        .windows(2)
        .map(|pair| (pair[0], pair[1] - 1))
        .filter(|(lo, _)| !(0xD800..0xE000).contains(lo))
        .collect();
    let per_component: Vec<Vec<StateSet>> = components
        .iter()
        .zip(sets)
        .map(|(a, s)| a.step_cells(s, &cells))
        .collect();
    let mut groups: Vec<(Node, Vec<(u32, u32)>)> = Vec::new();
    for (i, &(lo, hi)) in cells.iter().enumerate() {
        let Some(v) = valid.step(lo) else { continue };
        let next: Vec<StateSet> = per_component.iter().map(|c| c[i].clone()).collect();
        match groups.iter_mut().find(|(k, _)| k.0 == next && k.1 == v) {
            Some((_, cells)) => cells.push((lo, hi)),
            None => groups.push(((next, v), vec![(lo, hi)])),
        }
    }
    // Each target by the most readable character of any cell that leads there.
    let mut out: Vec<(Node, (u8, char))> = groups
        .into_iter()
        .filter_map(|(k, cells)| {
            let best = cells
                .iter()
                .filter_map(|&(lo, hi)| best_char(lo, hi))
                .min()?;
            Some((k, best))
        })
        .collect();
    out.sort_by_key(|(_, best)| *best);
    out.into_iter().map(|(k, (_, c))| (k, c)).collect()
}
