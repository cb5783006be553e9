//! Exact path algebra for lane ownership and conflicts: whether two path globs can name a common
//! path (their languages intersect), and whether all of one glob's paths lie inside a set of
//! globs (containment) — decided, not sampled, each answer with a witness path.
//!
//! Semantics (the README's "Paths" section): a glob names the repository paths it matches, as
//! globset does with a literal separator: `*`, `?` and `[...]` stay within one directory name;
//! `**` as a whole segment spans any number of them; `{a,b}` is either. A path without
//! wildcards names that one file; a directory is written `dir/**` (or `dir/`, the same).
//! Guard rules (credential paths) name their matches and everything beneath them.
mod automaton;
mod charset;
mod decide;
pub mod hygiene;
mod syntax;

pub use automaton::Semantics;
use automaton::{Automaton, Re, alternative_re};
use decide::Search;
use std::fmt;

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

/// A compiled path or glob.
#[derive(Debug, Clone)]
pub struct PathSpec {
    source: String,
    /// ASCII case ignored (guard rules).
    fold_case: bool,
    semantics: Semantics,
    alternatives: Vec<Re>,
    automaton: Automaton,
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
        let alternatives: Vec<Re> = syntax::alternatives(source)
            .map_err(|e| PathError {
                message: format!("not a valid glob: {e}"),
            })?
            .iter()
            .map(|tokens| alternative_re(tokens, semantics, fold_case))
            .collect();
        let automaton = Automaton::new(&Re::Alt(alternatives.clone()));
        Ok(PathSpec {
            source: source.to_owned(),
            fold_case,
            semantics,
            alternatives,
            automaton,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn matches(&self, path: &str) -> bool {
        self.automaton.matches(path)
    }

    /// The one path a glob without wildcards names (its language is that path alone).
    fn literal(&self) -> Option<&str> {
        let plain = !self.fold_case
            && self.semantics == Semantics::Glob
            && !self.source.ends_with('/')
            && !self.source.contains(['*', '?', '[', '{'])
            && self.alternatives.len() == 1;
        plain.then_some(self.source.as_str())
    }

    /// A path both name, if any.
    pub fn overlap(&self, other: &PathSpec) -> Option<Witness> {
        if let Some(path) = self.literal() {
            return other.matches(path).then(|| Witness::Path(path.to_owned()));
        }
        if let Some(path) = other.literal() {
            return self.matches(path).then(|| Witness::Path(path.to_owned()));
        }
        // Literal leading directories that differ settle it at once.
        if !self.prefix_compatible(other) {
            return None;
        }
        witness(decide::search(&[&self.automaton, &other.automaton], None))
    }

    /// A path of this one that `cover` does not name, if any (none: contained).
    pub fn uncovered_by(&self, cover: &PathSet) -> Option<Witness> {
        if let Some(path) = self.literal() {
            return (!cover.matches(path)).then(|| Witness::Path(path.to_owned()));
        }
        // Containment needs every path inside, so the shortest one outside settles it at once.
        if let Some(example) = self.example()
            && !cover.matches(&example)
        {
            return Some(Witness::Path(example));
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
            return witness(decide::search(&[&self.automaton], Some(&cover.automaton)));
        }
        let narrowed = PathSet::new(&relevant);
        witness(decide::search(
            &[&self.automaton],
            Some(&narrowed.automaton),
        ))
    }

    /// False when the literal leading directories of the two differ somewhere: then no path is
    /// named by both.
    fn prefix_compatible(&self, other: &PathSpec) -> bool {
        let fold = self.fold_case || other.fold_case;
        literal_prefix(&self.source)
            .iter()
            .zip(&literal_prefix(&other.source))
            .all(|(a, b)| {
                if fold {
                    a.eq_ignore_ascii_case(b)
                } else {
                    a == b
                }
            })
    }

    /// Whether every path of `other` is one of this one's.
    pub fn covers(&self, other: &PathSpec) -> bool {
        other
            .uncovered_by(&PathSet::new(std::slice::from_ref(self)))
            .is_none()
    }

    /// The shortest path it names (none for a glob that names no valid path).
    pub fn example(&self) -> Option<String> {
        match decide::search(&[&self.automaton], None) {
            Search::Found(p) => Some(p),
            _ => None,
        }
    }

    /// Each brace alternative on its own (`a/{b,c}` → `a/b`, `a/c`).
    pub fn alternatives(&self) -> Vec<PathSpec> {
        if self.alternatives.len() == 1 {
            return vec![self.clone()];
        }
        self.alternatives
            .iter()
            .map(|re| PathSpec {
                source: self.source.clone(),
                fold_case: self.fold_case,
                semantics: self.semantics,
                alternatives: vec![re.clone()],
                automaton: Automaton::new(re),
            })
            .collect()
    }
}

/// The leading directory names of a glob that hold no wildcard: every path it names starts with
/// them (a trailing segment counts only when a `/` follows it).
pub fn literal_prefix(glob: &str) -> Vec<&str> {
    let mut segments: Vec<&str> = glob.split('/').collect();
    segments.pop();
    segments
        .into_iter()
        .take_while(|seg| !seg.contains(['*', '?', '[', '{', ']', '}']))
        .collect()
}

/// The union of several globs (a lane's ownership, the guard rules).
#[derive(Debug, Clone)]
pub struct PathSet {
    specs: Vec<PathSpec>,
    automaton: Automaton,
}

impl PathSet {
    pub fn new(specs: &[PathSpec]) -> PathSet {
        let alts = specs
            .iter()
            .flat_map(|s| s.alternatives.iter().cloned())
            .collect();
        PathSet {
            specs: specs.to_vec(),
            automaton: Automaton::new(&Re::Alt(alts)),
        }
    }

    pub fn specs(&self) -> &[PathSpec] {
        &self.specs
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    pub fn matches(&self, path: &str) -> bool {
        self.automaton.matches(path)
    }

    /// The first member glob that names the path.
    pub fn matching(&self, path: &str) -> Option<&PathSpec> {
        self.specs.iter().find(|s| s.matches(path))
    }
}

#[cfg(test)]
mod tests;
