//! The decisions on determinised automata: breadth-first search over the product of up to three
//! [`Dfa`]s (the required ones complete, the forbidden one possibly lazy: built as the search
//! reaches its states) and the path syntax, each node a few integers. A node's successors come from merging
//! the components' sorted transition ranges (no alphabet cells are enumerated), one successor per
//! distinct target, labelled with the most readable character that leads there — so the search
//! finds the same shortest, readable witness as the NFA search ([`super::decide`]).
use super::charset::best_char;
use super::decide::{MAX_NODES, Search, Valid};
use super::dfa::{DEAD, Dfa, END, FastHash};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// Required automata plus the forbidden one.
pub const MAX_COMPONENTS: usize = 3;

/// One required side of a search: a complete automaton and the state it starts the search in.
#[derive(Clone, Copy)]
pub struct Start<'a> {
    pub dfa: &'a Dfa,
    pub state: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Node {
    states: [u32; MAX_COMPONENTS],
    valid: Valid,
}

impl Hash for Node {
    fn hash<H: Hasher>(&self, h: &mut H) {
        let [a, b, c] = self.states;
        h.write_u64(u64::from(a) | u64::from(b) << 32);
        h.write_u64(u64::from(c) | (self.valid as u64) << 32);
    }
}

/// The shortest valid path (after the text already read, which left the path syntax at
/// `valid`) accepted from every `required` start and not from the `forbidden` one. The path found
/// excludes the text already read.
pub fn search(required: &[Start], forbidden: Option<(&mut Dfa, u32)>, valid: Valid) -> Search {
    search_with(required, forbidden, Lazy::Forbidden, valid)
}

/// What the lazy automaton of a search stands for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lazy {
    /// The path found is not one of its paths (containment: a path outside a union).
    Forbidden,
    /// The path found is one of its paths too (a glob's literal reading against the credential
    /// rules, whose union is too large to determinise whole).
    Required,
}

/// [`search`] with the lazy automaton in either role.
pub fn search_with(
    required: &[Start],
    forbidden: Option<(&mut Dfa, u32)>,
    role: Lazy,
    valid: Valid,
) -> Search {
    assert!(
        (1..MAX_COMPONENTS).contains(&required.len()),
        "1 or 2 required automata"
    );
    let mut states = [DEAD; MAX_COMPONENTS];
    for (s, start) in states.iter_mut().zip(required) {
        *s = start.state;
    }
    let forbidden = forbidden.map(|(dfa, state)| {
        states[required.len()] = state;
        dfa
    });
    let mut search = Product {
        required,
        forbidden,
        role,
    };
    let root = Node { states, valid };
    if search.pruned(&root) {
        return Search::None;
    }
    SCRATCH.with(|scratch| {
        let mut fresh = Scratch::default();
        let mut borrowed = scratch.try_borrow_mut();
        let scratch = match borrowed.as_deref_mut() {
            Ok(s) => s,
            Err(_) => &mut fresh,
        };
        scratch.nodes.clear();
        scratch.seen.clear();
        scratch.nodes.push((root, u32::MAX, '\0'));
        scratch.seen.insert(root);
        let mut head = 0;
        while head < scratch.nodes.len() {
            if scratch.nodes.len() > MAX_NODES {
                return Search::Undecided;
            }
            let node = scratch.nodes[head].0;
            if search.is_goal(&node) {
                let mut chars = Vec::new();
                let mut at = head;
                while scratch.nodes[at].1 != u32::MAX {
                    chars.push(scratch.nodes[at].2);
                    at = scratch.nodes[at].1 as usize;
                }
                return Search::Found(chars.iter().rev().collect());
            }
            search.successors(&node, &mut scratch.step);
            for &(next, (_, c)) in &scratch.step.out {
                if !search.pruned(&next) && scratch.seen.insert(next) {
                    scratch.nodes.push((next, head as u32, c));
                }
            }
            head += 1;
        }
        Search::None
    })
}

struct Product<'a> {
    required: &'a [Start<'a>],
    forbidden: Option<&'a mut Dfa>,
    role: Lazy,
}

thread_local! {
    /// The search's buffers, kept from one decision to the next (a plan check makes thousands).
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

#[derive(Default)]
struct Scratch {
    nodes: Vec<(Node, u32, char)>,
    seen: HashSet<Node, BuildHasherDefault<FastHash>>,
    step: Step,
}

/// Buffers reused from node to node.
#[derive(Default)]
struct Step {
    ranges: Vec<(u32, u32, [u32; MAX_COMPONENTS])>,
    split: Vec<(u32, u32, [u32; MAX_COMPONENTS])>,
    out: Vec<(Node, (u8, char))>,
}

impl Product<'_> {
    /// Nothing to find on from `node`: a required automaton is dead, or the forbidden one
    /// accepts every continuation.
    fn pruned(&self, node: &Node) -> bool {
        let n = self.required.len();
        node.states[..n].contains(&DEAD)
            || self.forbidden.as_deref().is_some_and(|f| match self.role {
                Lazy::Forbidden => f.is_universal(node.states[n]),
                Lazy::Required => node.states[n] == DEAD,
            })
    }

    fn is_goal(&self, node: &Node) -> bool {
        let n = self.required.len();
        node.valid == Valid::InSegment
            && self
                .required
                .iter()
                .zip(&node.states)
                .all(|(r, &s)| r.dfa.accepts(s))
            && self
                .forbidden
                .as_deref()
                .is_none_or(|f| f.accepts(node.states[n]) == (self.role == Lazy::Required))
    }

    /// Distinct successors of `node` into `step.out`, most readable character first.
    fn successors(&mut self, node: &Node, step: &mut Step) {
        let n = self.required.len();
        if let Some(f) = self.forbidden.as_deref_mut() {
            f.expand(node.states[n]);
        }
        let Step { ranges, split, out } = step;
        ranges.clear();
        // The first component's live ranges, then each further one's ranges within them.
        let components = self.required.iter().map(|r| r.dfa);
        let components = components.chain(self.forbidden.as_deref());
        for (j, dfa) in components.enumerate() {
            let t = dfa.transitions(node.states[j]);
            let hi_of = |i: usize| t.get(i + 1).map_or(END, |r| r.0) - 1;
            let keep = |target: u32| (j >= n && self.role == Lazy::Forbidden) || target != DEAD;
            if j == 0 {
                for (i, &(lo, target)) in t.iter().enumerate() {
                    if keep(target) {
                        let mut targets = [DEAD; MAX_COMPONENTS];
                        targets[0] = target;
                        ranges.push((lo, hi_of(i), targets));
                    }
                }
                continue;
            }
            split.clear();
            for &(lo, hi, targets) in ranges.iter() {
                let mut i = t.partition_point(|r| r.0 <= lo) - 1;
                while i < t.len() && t[i].0 <= hi {
                    if keep(t[i].1) {
                        let mut targets = targets;
                        targets[j] = t[i].1;
                        split.push((lo.max(t[i].0), hi.min(hi_of(i)), targets));
                    }
                    i += 1;
                }
            }
            std::mem::swap(ranges, split);
        }
        out.clear();
        let slash = '/' as u32;
        for &(lo, hi, states) in ranges.iter() {
            // The path syntax tells `/` from every other character.
            let pieces = [
                (lo, hi.min(slash - 1)),
                (lo.max(slash), hi.min(slash)),
                (lo.max(slash + 1), hi),
            ];
            for (lo, hi) in pieces {
                if lo > hi {
                    continue;
                }
                let (Some(valid), Some(best)) = (node.valid.step(lo), best_char(lo, hi)) else {
                    continue;
                };
                let next = Node { states, valid };
                match out.iter_mut().find(|(n, _)| *n == next) {
                    Some((_, b)) => *b = (*b).min(best),
                    None => out.push((next, best)),
                }
            }
        }
        out.sort_unstable_by_key(|&(_, best)| best);
    }
}
