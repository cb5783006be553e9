//! Exact path algebra for lane ownership and conflicts: whether two path globs can name a common
//! path (their languages intersect), and whether all of one glob's paths lie inside a set of
//! globs (containment) — decided, not sampled, each answer with a witness path.
//!
//! Semantics (the README's "Paths" section): a glob names the repository paths it matches, as
//! globset does with a literal separator: `*`, `?` and `[...]` stay within one directory name;
//! `**` as a whole segment spans any number of them; `{a,b}` is either. A plain path (no `*`,
//! `?`, `[`, `{`) names that path and everything beneath it — a file or a directory, since a git
//! tree cannot hold both a file `dir` and a directory `dir/`, as `swarm audit` reads it; a
//! directory may also be written `dir/**` (or `dir/`), which names only what is beneath.
//! Guard rules (credential paths) name their matches and everything beneath them.
mod automaton;
mod charset;
mod decide;
mod dfa;
pub mod hygiene;
mod product;
mod rest;
mod syntax;

use automaton::{Automaton, Re, alternative_re};
pub use automaton::{FILLER, Semantics};
use decide::{Search, Valid};
use dfa::Dfa;
use product::Start;
use rest::Rest;
use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use syntax::Token;

/// A path found by a decision, or the admission that the globs were too complex to search
/// (treated as the unsafe answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Witness {
    Path(String),
    TooComplex,
}

impl fmt::Display for Witness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Witness::Path(p) => f.write_str(p),
            Witness::TooComplex => f.write_str("(a path too complex to name: simplify the globs)"),
        }
    }
}

fn witness(search: Search) -> Option<Witness> {
    match search {
        Search::Found(p) => Some(Witness::Path(p)),
        Search::None => None,
        Search::Undecided => Some(Witness::TooComplex),
    }
}

/// A path or glob that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PathError {
    pub message: String,
}

/// What a spec's decisions run on, built by the first decision that needs it and shared by its
/// clones (a plain path never needs one: it is decided by comparing text).
#[derive(Default)]
struct Engine {
    /// The language after the literal prefix, determinised (shared with every spec of the same
    /// rest).
    rest: OnceLock<Arc<Rest>>,
    /// The whole language as an NFA: the fallback when the rest is too large to determinise,
    /// and the reference in tests.
    nfa: OnceLock<Automaton>,
    /// The shortest path named.
    example: OnceLock<Search>,
}

/// A set's automaton: its union built lazily, state by state as decisions reach them, and kept
/// (a plan's territory keeps its lanes' sets, the guardrails their credential rules).
#[derive(Default)]
struct SetEngine {
    dfa: OnceLock<Mutex<Dfa>>,
    nfa: OnceLock<Automaton>,
}

// Automata are tables: a spec's or set's debug form shows what it was written as, not them.
impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl fmt::Debug for SetEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetEngine").finish_non_exhaustive()
    }
}

/// A required side of a decision on determinised automata: every path it names is the text,
/// then a path of the automaton.
type Side<'a> = (&'a str, &'a Dfa);

/// Which search decides: the determinised one, falling back to the NFA search for globs too
/// large to determinise — or (tests) the NFA search alone, the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Dfa,
    #[cfg_attr(not(test), allow(dead_code))]
    Nfa,
}

/// A compiled path or glob.
#[derive(Debug, Clone)]
pub struct PathSpec {
    source: String,
    /// ASCII case ignored (guard rules).
    fold_case: bool,
    semantics: Semantics,
    /// The brace-free alternatives; none for a plain path (it names its source and everything
    /// beneath, decided mostly by comparing text, and the checks parse thousands of them on
    /// every run).
    alternatives: Option<Arc<[Vec<Token>]>>,
    /// The literal leading directories, each with its `/` (`a/b/` of `a/b/*.py`), are
    /// `source[..dirs_len]`: no path of this and of a glob whose leading directories differ
    /// from these is the same.
    dirs_len: usize,
    /// How much of them every path named starts with, as text: all for a glob, none for a
    /// guard rule (it ignores case, and `a/b` names `a/b` itself as well as what is beneath).
    prefix_len: usize,
    engine: Arc<Engine>,
}

impl PathSpec {
    /// A work item's in-scope path or a lane glob: hygiene first, then syntax.
    pub fn parse(source: &str) -> Result<PathSpec, PathError> {
        if let Some(message) = hygiene::problem(source) {
            return Err(PathError { message });
        }
        let mut spec = match source.strip_suffix('/') {
            Some(dir) => PathSpec::compile(&format!("{dir}/**"), Semantics::Glob, false)?,
            None => PathSpec::compile(source, Semantics::Glob, false)?,
        };
        spec.source = source.to_owned();
        if let Some(alternatives) = &spec.alternatives {
            // Each alternative is a path of its own: the same hygiene, and `dir/` a directory.
            for tokens in alternatives.iter() {
                if let Some(message) = hygiene::alternative_problem(&syntax::written(tokens)) {
                    return Err(PathError { message });
                }
            }
            if alternatives
                .iter()
                .any(|t| t.last() == Some(&Token::Separator))
            {
                let dirs: Vec<Vec<Token>> = alternatives
                    .iter()
                    .map(|t| {
                        let mut t = t.clone();
                        if t.last() == Some(&Token::Separator) {
                            t.push(Token::DoubleStar);
                        }
                        t
                    })
                    .collect();
                spec.alternatives = Some(dirs.into());
            }
        }
        Ok(spec)
    }

    /// A guard rule (credential paths): pathspec meaning, ASCII case ignored.
    pub fn guard(source: &str) -> Result<PathSpec, PathError> {
        PathSpec::compile(source, Semantics::Pathspec, true)
    }

    pub fn compile(
        source: &str,
        semantics: Semantics,
        fold_case: bool,
    ) -> Result<PathSpec, PathError> {
        let plain = !fold_case && semantics == Semantics::Glob;
        // Without wildcards, braces or classes (and so without syntax errors), a glob is a plain
        // path: its text and everything beneath.
        let literal =
            plain && !source.ends_with('/') && !source.contains(['*', '?', '[', '{', '}']);
        let alternatives = if literal {
            None
        } else {
            let alternatives = syntax::alternatives(source).map_err(|e| PathError {
                message: format!("not a valid glob: {e}"),
            })?;
            Some(alternatives.into())
        };
        let dirs_len = literal_dirs_len(source);
        Ok(PathSpec {
            source: source.to_owned(),
            fold_case,
            semantics,
            alternatives,
            dirs_len,
            prefix_len: if plain { dirs_len } else { 0 },
            engine: Arc::default(),
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Text every path it names starts with (its literal leading directories, or nothing for a
    /// guard rule).
    pub fn text_prefix(&self) -> &str {
        &self.source[..self.prefix_len]
    }

    /// Its literal leading directories, each with its `/` (`a/b/` of `a/b/*.py`, empty for
    /// `**/x`): every path it names lies in them (a guard rule's may also be the innermost one
    /// itself: `a/b/**` names `a/b`).
    pub fn literal_dirs(&self) -> &str {
        &self.source[..self.dirs_len]
    }

    /// The brace-free alternatives as tokens.
    fn tokens(&self) -> Cow<'_, [Vec<Token>]> {
        match &self.alternatives {
            Some(alternatives) => Cow::Borrowed(alternatives),
            None => Cow::Owned(vec![syntax::plain(&self.source)]),
        }
    }

    fn regex(&self) -> Re {
        Re::Alt(
            self.tokens()
                .iter()
                .map(|tokens| alternative_re(tokens, self.language(), self.fold_case))
                .collect(),
        )
    }

    /// The meaning its tokens have: a plain path names what is beneath it too, as a pathspec.
    fn language(&self) -> Semantics {
        if self.literal().is_some() {
            Semantics::Pathspec
        } else {
            self.semantics
        }
    }

    /// The language after the prefix, determinised. The prefix is one literal or `/` token per
    /// character, the same in every alternative; it ends with a `/`, so what follows reads the
    /// same on its own (a `**` after it spans directories either way).
    fn rest(&self) -> &Rest {
        self.engine.rest.get_or_init(|| {
            let skip = self.text_prefix().chars().count();
            let tokens = self.tokens();
            let tails: Vec<&[Token]> = tokens.iter().map(|t| &t[skip..]).collect();
            rest::rest(self.language(), self.fold_case, &tails)
        })
    }

    fn nfa(&self) -> &Automaton {
        self.engine
            .nfa
            .get_or_init(|| Automaton::new(&self.regex()))
    }

    fn side(&self, via: Via) -> Option<Side<'_>> {
        match via {
            Via::Dfa => Some((self.text_prefix(), self.rest().dfa.as_ref()?)),
            Via::Nfa => None,
        }
    }

    pub fn matches(&self, path: &str) -> bool {
        if let Some(plain) = self.literal() {
            return is_at_or_beneath(path, plain);
        }
        let Some(rest) = path.strip_prefix(self.text_prefix()) else {
            return false;
        };
        match &self.rest().dfa {
            Some(dfa) => dfa.matches(rest),
            None => self.nfa().matches(path),
        }
    }

    /// The text of a plain path (its language is that path and everything beneath).
    pub fn literal(&self) -> Option<&str> {
        self.alternatives.is_none().then_some(self.source.as_str())
    }

    /// A path both name, if any.
    pub fn overlap(&self, other: &PathSpec) -> Option<Witness> {
        self.overlap_via(other, Via::Dfa)
    }

    fn overlap_via(&self, other: &PathSpec, via: Via) -> Option<Witness> {
        // Two plain paths meet when one lies at or beneath the other: the deeper one is common.
        if let (Some(a), Some(b)) = (self.literal(), other.literal()) {
            let deeper = if a.len() >= b.len() { a } else { b };
            return (self.matches(deeper) && other.matches(deeper))
                .then(|| Witness::Path(deeper.to_owned()));
        }
        // A plain path the other names is common (and the shortest of its paths); else only
        // something beneath it can be, which the search below looks for.
        for (plain, glob) in [(self, other), (other, self)] {
            if let Some(path) = plain.literal()
                && glob.matches(path)
            {
                return Some(Witness::Path(path.to_owned()));
            }
        }
        // Literal leading directories that differ settle it at once.
        if !self.prefix_compatible(other) {
            return None;
        }
        witness(match (self.side(via), other.side(via)) {
            (Some(a), Some(b)) => {
                search_dfa(&[a, b], None).readable(|p| self.matches(p) && other.matches(p))
            }
            _ => decide::search(&[self.nfa(), other.nfa()], None),
        })
    }

    /// A path of this one that `cover` does not name, if any (none: contained).
    pub fn uncovered_by(&self, cover: &PathSet) -> Option<Witness> {
        self.uncovered_via(cover, Via::Dfa)
    }

    fn uncovered_via(&self, cover: &PathSet, via: Via) -> Option<Witness> {
        // A plain path outside settles it; inside, what is beneath it is searched below.
        if let Some(path) = self.literal()
            && !cover.matches(path)
        {
            return Some(Witness::Path(path.to_owned()));
        }
        // Containment needs every path inside, so the shortest one outside settles it at once;
        // and a glob that names no path is inside anything.
        match &*self.example_search(via) {
            Search::Found(example) if !cover.matches(example) => {
                return Some(Witness::Path(example.clone()));
            }
            Search::None => return None,
            _ => {}
        }
        if let Some(side) = self.side(via) {
            return witness(cover.with_dfa(|forbidden| {
                search_dfa(&[side], Some(&mut *forbidden))
                    .readable(|p| self.matches(p) && !forbidden.matches_mut(p))
            }));
        }
        // Globs whose literal leading directories differ from this one's name none of its paths:
        // leaving them out of the union changes nothing but the size of the search.
        let relevant: Vec<PathSpec> = cover
            .specs
            .iter()
            .filter(|s| self.prefix_compatible(s))
            .cloned()
            .collect();
        if relevant.len() == cover.specs.len() {
            return witness(decide::search(&[self.nfa()], Some(cover.nfa())));
        }
        let narrowed = PathSet::new(&relevant);
        witness(decide::search(&[self.nfa()], Some(narrowed.nfa())))
    }

    /// False when the literal leading directories of the two differ somewhere: then no path is
    /// named by both.
    fn prefix_compatible(&self, other: &PathSpec) -> bool {
        let (short, long) = if self.dirs_len <= other.dirs_len {
            (self.literal_dirs(), other.literal_dirs())
        } else {
            (other.literal_dirs(), self.literal_dirs())
        };
        let long = &long.as_bytes()[..short.len()];
        if self.fold_case || other.fold_case {
            long.eq_ignore_ascii_case(short.as_bytes())
        } else {
            long == short.as_bytes()
        }
    }

    /// Whether every path of `other` is one of this one's.
    pub fn covers(&self, other: &PathSpec) -> bool {
        self.covers_via(other, Via::Dfa)
    }

    fn covers_via(&self, other: &PathSpec, via: Via) -> bool {
        // The quick answers first, on this one's own automaton: most globs are not covered, and
        // their shortest path shows it.
        if let Some(path) = other.literal()
            && !self.matches(path)
        {
            return false;
        }
        match &*other.example_search(via) {
            Search::Found(example) if !self.matches(example) => return false,
            Search::None => return true,
            _ => {}
        }
        other
            .uncovered_via(&PathSet::new(std::slice::from_ref(self)), via)
            .is_none()
    }

    /// A path of its literal reading that `set` names, if any: with every wildcard matching
    /// only a character no rule names (`*` nothing or filler, `?` filler, `**` filler
    /// directories, a class its listed characters or filler), its own text still names a path
    /// of `set` — `.env*` and `*.env*` name `.env`, `config/*` names nothing by its text.
    pub fn literally_names(&self, set: &PathSet) -> Option<Witness> {
        match self.literal_reading_hit(set)? {
            Witness::Path(p) => Some(Witness::Path(self.without_filler(p, set))),
            too_complex => Some(too_complex),
        }
    }

    /// [`PathSpec::literally_names`] before its filler is spelled as a letter: a path of the
    /// literal reading itself. The literal prefix is read straight through (it holds no
    /// wildcard, so it reads the same literally); the search starts after it.
    pub fn literal_reading_hit(&self, set: &PathSet) -> Option<Witness> {
        let prefix = self.text_prefix();
        let valid = Valid::Start.walk(prefix)?;
        let Some(reading) = self.rest().reading() else {
            return Some(Witness::TooComplex);
        };
        let start = Start {
            dfa: reading,
            state: reading.start(),
        };
        let found = set.with_dfa(|rules| {
            let state = rules.walk_mut(rules.start(), prefix);
            product::search_with(
                &[start],
                Some((rules, state)),
                product::Lazy::Required,
                valid,
            )
        });
        witness(match found {
            Search::Found(rest) => Search::Found(format!("{prefix}{rest}")),
            other => other,
        })
    }

    /// A path found in the literal reading, its filler spelled as a letter when it is still a
    /// path of this one and of `set` (it always is of this one: a wildcard that matches the
    /// filler matches a letter too, but a rule may tell them apart).
    fn without_filler(&self, path: String, set: &PathSet) -> String {
        if !path.contains(FILLER) {
            return decide::readable(path, |p| self.matches(p) && set.matches(p));
        }
        ['x', 'a', 'z', '0', '_', '-']
            .into_iter()
            .map(|c| path.replace(FILLER, &c.to_string()))
            .find(|p| self.matches(p) && set.matches(p))
            .unwrap_or(path)
    }

    /// The shortest path it names (none for a glob that names no valid path).
    pub fn example(&self) -> Option<String> {
        match self.example_search(Via::Dfa).into_owned() {
            Search::Found(p) => Some(p),
            _ => None,
        }
    }

    /// The shortest path: the prefix, then the rest's own shortest path after it.
    fn example_search(&self, via: Via) -> Cow<'_, Search> {
        let Some((prefix, dfa)) = self.side(via) else {
            return Cow::Owned(decide::search(&[self.nfa()], None));
        };
        Cow::Borrowed(self.engine.example.get_or_init(|| {
            let Some(valid) = Valid::Start.walk(prefix) else {
                return Search::None;
            };
            match self.rest().example(dfa, valid) {
                Search::Found(rest) => Search::Found(format!("{prefix}{rest}")),
                other => other.clone(),
            }
        }))
    }

    /// Each brace alternative on its own (`a/{b,c}` → `a/b`, `a/c`).
    pub fn alternatives(&self) -> Vec<PathSpec> {
        let tokens = self.tokens();
        if tokens.len() == 1 {
            return vec![self.clone()];
        }
        tokens
            .iter()
            .map(|tokens| PathSpec {
                alternatives: Some(Arc::from([tokens.clone()])),
                engine: Arc::default(),
                ..self.clone()
            })
            .collect()
    }
}

/// The shortest valid path named by every one of `required` and not by `forbidden` (a whole
/// language), not yet made readable.
fn search_dfa(required: &[Side], forbidden: Option<&mut Dfa>) -> Search {
    // Every path named by all starts with the longest required prefix, if the others are
    // prefixes of it: read it straight through, the search starts after it.
    let common = required
        .iter()
        .map(|s| s.0)
        .max_by_key(|p| p.len())
        .unwrap_or_default();
    if required.iter().any(|(p, _)| !common.starts_with(p)) {
        return Search::None;
    }
    let Some(valid) = Valid::Start.walk(common) else {
        return Search::None;
    };
    let starts: Vec<Start> = required
        .iter()
        .map(|&(prefix, dfa)| Start {
            dfa,
            state: dfa.walk(dfa.start(), &common[prefix.len()..]),
        })
        .collect();
    let forbidden = forbidden.map(|dfa| {
        let state = dfa.walk_mut(dfa.start(), common);
        (dfa, state)
    });
    match product::search(&starts, forbidden, valid) {
        Search::Found(rest) => Search::Found(format!("{common}{rest}")),
        other => other,
    }
}

/// Whether `path` is `plain` or lies beneath it.
fn is_at_or_beneath(path: &str, plain: &str) -> bool {
    path.strip_prefix(plain)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The length of the leading directory names of a glob that hold no wildcard, each with its `/`:
/// every path it names starts with them (a trailing segment counts only when a `/` follows it).
fn literal_dirs_len(glob: &str) -> usize {
    let mut len = 0;
    while let Some(end) = glob[len..].find('/') {
        if glob[len..len + end].contains(['*', '?', '[', '{', ']', '}']) {
            break;
        }
        len += end + 1;
    }
    len
}

/// The union of several globs (a lane's ownership, the guard rules).
#[derive(Debug, Clone)]
pub struct PathSet {
    specs: Vec<PathSpec>,
    engine: Arc<SetEngine>,
}

impl PathSet {
    pub fn new(specs: &[PathSpec]) -> PathSet {
        PathSet {
            specs: specs.to_vec(),
            engine: Arc::default(),
        }
    }

    pub fn specs(&self) -> &[PathSpec] {
        &self.specs
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    fn regex(&self) -> Re {
        let alternatives = self.specs.iter().flat_map(|s| match s.regex() {
            Re::Alt(alternatives) => alternatives,
            re => vec![re],
        });
        Re::Alt(alternatives.collect())
    }

    fn nfa(&self) -> &Automaton {
        self.engine
            .nfa
            .get_or_init(|| Automaton::new(&self.regex()))
    }

    /// Runs `f` on the union's lazily built automaton, held for the call.
    fn with_dfa<R>(&self, f: impl FnOnce(&mut Dfa) -> R) -> R {
        let dfa = self.engine.dfa.get_or_init(|| {
            let nfa = match self.engine.nfa.get() {
                Some(nfa) => Dfa::lazy(nfa),
                None => Dfa::lazy(&Automaton::new(&self.regex())),
            };
            Mutex::new(nfa)
        });
        let mut guard = dfa.lock().unwrap_or_else(|poisoned| {
            // A decision panicked half-way through building states: start again.
            let mut guard = poisoned.into_inner();
            guard.reset();
            guard
        });
        guard.trim();
        f(&mut guard)
    }

    pub fn matches(&self, path: &str) -> bool {
        self.with_dfa(|dfa| dfa.matches_mut(path))
    }

    /// The first member glob that names the path.
    pub fn matching(&self, path: &str) -> Option<&PathSpec> {
        self.specs.iter().find(|s| s.matches(path))
    }
}

#[cfg(test)]
mod tests;
