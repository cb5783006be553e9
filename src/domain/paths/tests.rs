//! The algebra against brute force: every valid path up to a small depth over a small alphabet,
//! matched by globset (an independent implementation) — the decisions must agree with it.
use super::*;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use proptest::prelude::*;

/// Globset with case ignored lower-cases the glob and the path, so its `[!a]` matches neither
/// `a` nor `A`. The cockpit's meaning (a path matches when one of its case variants does) names
/// more: `[!a]` matches every letter. For the generated globs that is `[!a]`, `[!b-c]` → `?`:
/// classes of lower-case letters only, whose other case is not listed. (The meaning itself is
/// checked against an independent brute force below: `case_ignored_means_some_case_variant_matches`.)
fn case_ignored(glob: &str, fold_case: bool) -> String {
    if fold_case {
        glob.replace("[!a]", "?").replace("[!b-c]", "?")
    } else {
        glob.to_owned()
    }
}

/// Brace expansion by hand (globset refuses nested braces): the brace-free globs a glob stands for.
fn expand_braces(glob: &str) -> Vec<String> {
    let chars: Vec<char> = glob.chars().collect();
    let Some(open) = chars.iter().position(|&c| c == '{') else {
        return vec![glob.to_owned()];
    };
    let (mut depth, mut close, mut commas) = (0, open, Vec::new());
    for (i, &c) in chars.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = i;
                    break;
                }
            }
            ',' if depth == 1 => commas.push(i),
            _ => {}
        }
    }
    let text = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    let (head, tail) = (text(0, open), text(close + 1, chars.len()));
    let mut bounds = vec![open];
    bounds.extend(&commas);
    bounds.push(close);
    bounds
        .windows(2)
        .flat_map(|w| expand_braces(&format!("{head}{}{tail}", text(w[0] + 1, w[1]))))
        .collect()
}

/// The reference matcher: globset, over the brace-free globs.
struct GlobRef(GlobSet);

impl GlobRef {
    fn is_match(&self, path: &str) -> bool {
        self.0.is_match(path)
    }
}

fn reference(glob: &str, fold_case: bool) -> GlobRef {
    let glob = &case_ignored(glob, fold_case);
    let mut set = GlobSetBuilder::new();
    for g in expand_braces(glob) {
        set.add(
            GlobBuilder::new(&g)
                .literal_separator(true)
                .case_insensitive(fold_case)
                .build()
                .expect("generated globs are valid for globset"),
        );
    }
    GlobRef(set.build().expect("a valid set"))
}

/// The pathspec meaning, by definition: some leading part of the path (whole segments) is named
/// by one of the glob's brace alternatives without its trailing `/**` (or `/`).
fn reference_pathspec(glob: &str, fold_case: bool) -> impl Fn(&str) -> bool + use<> {
    let matchers: Vec<GlobRef> = expand_braces(glob)
        .iter()
        .map(|alternative| {
            let mut g = alternative.as_str();
            loop {
                if let Some(rest) = g.strip_suffix("/**").filter(|r| !r.is_empty()) {
                    g = rest;
                } else if let Some(rest) = g.strip_suffix('/').filter(|r| !r.is_empty()) {
                    g = rest;
                } else {
                    break;
                }
            }
            reference(g, fold_case)
        })
        .collect();
    move |path: &str| {
        let segments: Vec<&str> = path.split('/').collect();
        (1..=segments.len()).any(|k| {
            let prefix = segments[..k].join("/");
            matchers.iter().any(|m| m.is_match(&prefix))
        })
    }
}

fn all_paths() -> Vec<String> {
    let mut segments = Vec::new();
    for a in ["a", "b", "c"] {
        segments.push(a.to_owned());
        for b in ["a", "b", "c"] {
            segments.push(format!("{a}{b}"));
        }
    }
    let mut paths: Vec<String> = segments.clone();
    let mut last = segments.clone();
    for _ in 1..3 {
        last = last
            .iter()
            .flat_map(|p| segments.iter().map(move |s| format!("{p}/{s}")))
            .collect();
        paths.extend(last.iter().cloned());
    }
    paths
}

fn glob_strategy() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        4 => Just("a".to_owned()),
        3 => Just("b".to_owned()),
        3 => Just("*".to_owned()),
        1 => Just("?".to_owned()),
        1 => Just("A".to_owned()),
        1 => Just("[ab]".to_owned()),
        1 => Just("[!a]".to_owned()),
        1 => Just("{a,b}".to_owned()),
        1 => Just("{a,b/a}".to_owned()),
        1 => Just("c".to_owned()),
        1 => Just("[a-b]".to_owned()),
        1 => Just("[!b-c]".to_owned()),
        1 => Just("b{,a}".to_owned()),
        1 => Just("{a,{b,c*}}".to_owned()),
        1 => Just("{a/**/b,c}".to_owned()),
    ];
    let segment = prop_oneof![
        1 => Just("**".to_owned()),
        4 => proptest::collection::vec(atom, 1..=3).prop_map(|v| v.concat()),
    ];
    // Few enough alternatives to decide quickly (braces multiply them).
    proptest::collection::vec(segment, 1..=4)
        .prop_map(|v| v.join("/"))
        .prop_filter("at most 16 brace alternatives", |g| {
            super::syntax::alternatives(g).is_ok_and(|a| a.len() <= 16)
        })
}

/// The meanings a pattern can have: globs (lanes, in-scope paths) and pathspecs, each keeping or
/// ignoring ASCII case (guard rules are pathspecs ignoring it).
const MEANINGS: [(Semantics, bool); 4] = [
    (Semantics::Glob, false),
    (Semantics::Pathspec, false),
    (Semantics::Pathspec, true),
    (Semantics::Glob, true),
];

fn spec(glob: &str, (semantics, fold_case): (Semantics, bool)) -> PathSpec {
    PathSpec::compile(glob, semantics, fold_case).expect("valid")
}

/// A plain path, as `swarm audit` reads one: no wildcard, class or brace.
fn is_plain(glob: &str) -> bool {
    !glob.contains(['*', '?', '[', '{']) && !glob.ends_with('/')
}

/// The reference matcher of one glob. A plain path (a glob without wildcards, case kept) names
/// itself and everything beneath it, exactly as a pathspec does.
fn oracle((semantics, fold_case): (Semantics, bool), glob: &str) -> Box<dyn Fn(&str) -> bool> {
    match semantics {
        Semantics::Glob if !fold_case && is_plain(glob) => {
            Box::new(reference_pathspec(glob, false))
        }
        Semantics::Glob => {
            let m = reference(glob, fold_case);
            Box::new(move |p| m.is_match(p))
        }
        Semantics::Pathspec => Box::new(reference_pathspec(glob, fold_case)),
    }
}

fn check_witness_is_valid(w: &str) {
    assert!(
        hygiene::problem(w).is_none(),
        "witness {w:?} is not a plain path"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn matching_agrees_with_globset(glob in glob_strategy()) {
        let paths = all_paths();
        for semantics in MEANINGS {
            let s = spec(&glob, semantics);
            let o = oracle(semantics, &glob);
            for p in &paths {
                prop_assert_eq!(s.matches(p), o(p), "{:?} {} {}", semantics, glob, p);
            }
        }
    }

    #[test]
    fn overlap_agrees_with_brute_force(a in glob_strategy(), b in glob_strategy()) {
        let paths = all_paths();
        for semantics in MEANINGS {
            let (oa, ob) = (oracle(semantics, &a), oracle(semantics, &b));
            let brute = paths.iter().find(|p| oa(p) && ob(p));
            match spec(&a, semantics).overlap(&spec(&b, semantics)) {
                Some(Witness::Path(w)) => {
                    check_witness_is_valid(&w);
                    prop_assert!(oa(&w) && ob(&w), "{semantics:?}: witness {w} of {a} ∩ {b}");
                }
                Some(Witness::TooComplex) => prop_assert!(false, "small globs are decided"),
                None => prop_assert!(brute.is_none(), "{semantics:?}: {a} ∩ {b} missed {brute:?}"),
            }
        }
    }

    #[test]
    fn containment_agrees_with_brute_force(
        a in glob_strategy(),
        cover in proptest::collection::vec(glob_strategy(), 1..=3),
    ) {
        let paths = all_paths();
        for semantics in MEANINGS {
            let oa = oracle(semantics, &a);
            let oc: Vec<_> = cover.iter().map(|c| oracle(semantics, c)).collect();
            let outside = |p: &str| oa(p) && !oc.iter().any(|o| o(p));
            let brute = paths.iter().find(|p| outside(p));
            let set = PathSet::new(&cover.iter().map(|c| spec(c, semantics)).collect::<Vec<_>>());
            match spec(&a, semantics).uncovered_by(&set) {
                Some(Witness::Path(w)) => {
                    check_witness_is_valid(&w);
                    prop_assert!(outside(&w), "{semantics:?}: {w} is not a counterexample of {a} ⊆ {cover:?}");
                }
                Some(Witness::TooComplex) => prop_assert!(false, "small globs are decided"),
                None => prop_assert!(brute.is_none(), "{semantics:?}: {a} ⊆ {cover:?} but {brute:?}"),
            }
        }
    }

    #[test]
    fn covering_agrees_with_brute_force(a in glob_strategy(), b in glob_strategy()) {
        let paths = all_paths();
        for semantics in MEANINGS {
            let (oa, ob) = (oracle(semantics, &a), oracle(semantics, &b));
            let (sa, sb) = (spec(&a, semantics), spec(&b, semantics));
            let brute = paths.iter().find(|p| ob(p) && !oa(p));
            if sa.covers(&sb) {
                prop_assert!(brute.is_none(), "{semantics:?}: {a} covers {b} but not {brute:?}");
            } else {
                let outside = sb.uncovered_by(&PathSet::new(std::slice::from_ref(&sa)));
                let Some(Witness::Path(w)) = outside else {
                    return Err(TestCaseError::fail(format!("{semantics:?}: {a} ⊉ {b} without a witness")));
                };
                prop_assert!(ob(&w) && !oa(&w), "{semantics:?}: {w} is not in {b} outside {a}");
            }
        }
    }

    /// The determinised search is the NFA search made fast: the same answers and the same
    /// witnesses (shortest, then most readable), for every decision.
    #[test]
    fn determinised_decisions_equal_the_nfa_search(
        a in glob_strategy(),
        b in glob_strategy(),
        cover in proptest::collection::vec(glob_strategy(), 1..=3),
    ) {
        for semantics in MEANINGS {
            let (sa, sb) = (spec(&a, semantics), spec(&b, semantics));
            let set = PathSet::new(&cover.iter().map(|c| spec(c, semantics)).collect::<Vec<_>>());
            prop_assert_eq!(sa.overlap_via(&sb, Via::Dfa), sa.overlap_via(&sb, Via::Nfa), "{:?} {} ∩ {}", semantics, a, b);
            prop_assert_eq!(sa.uncovered_via(&set, Via::Dfa), sa.uncovered_via(&set, Via::Nfa), "{:?} {} ⊆ {:?}", semantics, a, cover);
            prop_assert_eq!(sa.covers_via(&sb, Via::Dfa), sa.covers_via(&sb, Via::Nfa), "{:?} {} ⊇ {}", semantics, a, b);
            prop_assert_eq!(
                sa.example_search(Via::Dfa).into_owned(),
                sa.example_search(Via::Nfa).into_owned(),
                "{:?} example of {}", semantics, a
            );
        }
    }

    /// The marks the search prunes by: from a dead state no path is named, from a universal one
    /// every path on is — checked on every prefix of every small path, for the complete
    /// automaton (exact marks) and the lazy one (built as the paths are read).
    #[test]
    fn dead_and_universal_states_are_sound(cover in proptest::collection::vec(glob_strategy(), 1..=3)) {
        let paths = all_paths();
        for semantics in MEANINGS {
            let oc: Vec<_> = cover.iter().map(|c| oracle(semantics, c)).collect();
            let set = PathSet::new(&cover.iter().map(|c| spec(c, semantics)).collect::<Vec<_>>());
            let nfa = Automaton::new(&set.regex());
            let complete = dfa::Dfa::complete(&nfa).expect("small globs determinise");
            let mut lazy = dfa::Dfa::lazy(&nfa);
            for q in &paths {
                let named = oc.iter().any(|o| o(q));
                let (mut s, mut l) = (complete.start(), lazy.start());
                for (i, c) in q.char_indices() {
                    let after = &q[..i];
                    for (state, universal) in [(s, complete.is_universal(s)), (l, lazy.is_universal(l))] {
                        prop_assert!(state != dfa::DEAD || !named, "{:?}: {} dead after {:?} yet names {}", semantics, cover.join(" "), after, q);
                        prop_assert!(!universal || named, "{:?}: {} universal after {:?} yet not {}", semantics, cover.join(" "), after, q);
                    }
                    s = complete.step(s, c as u32);
                    l = lazy.step_mut(l, c as u32);
                }
                prop_assert!(!complete.is_universal(s) && !lazy.is_universal(l) || named, "{}", q);
                prop_assert_eq!(complete.accepts(s), named, "{}", q);
                prop_assert_eq!(lazy.accepts(l), named, "{}", q);
                prop_assert_eq!(set.matches(q), named, "{}", q);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,24}") {
        if let Ok(p) = PathSpec::parse(&s) {
            let _ = p.overlap(&p);
            let _ = p.example();
        }
    }
}

/// Every case variant of a path (its ASCII letters each in either case).
fn case_variants(path: &str) -> Vec<String> {
    path.chars().fold(vec![String::new()], |acc, c| {
        let forms: Vec<char> = if c.is_ascii_alphabetic() {
            vec![c.to_ascii_lowercase(), c.to_ascii_uppercase()]
        } else {
            vec![c]
        };
        acc.iter()
            .flat_map(|p| forms.iter().map(move |f| format!("{p}{f}")))
            .collect()
    })
}

fn mixed_case_paths() -> Vec<String> {
    let letters = ["a", "A", "b", "B"];
    let mut segments: Vec<String> = letters.iter().map(|s| s.to_string()).collect();
    for a in letters {
        for b in letters {
            segments.push(format!("{a}{b}"));
        }
    }
    let mut paths = segments.clone();
    for p in &segments {
        for q in &segments {
            paths.push(format!("{p}/{q}"));
        }
    }
    paths
}

fn case_glob_strategy() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("a"),
        Just("A"),
        Just("b"),
        Just("*"),
        Just("?"),
        Just("[!a]"),
        Just("[!aB]"),
        Just("[A-a]"),
        Just("[ab]"),
        Just("{a,B}"),
    ];
    let segment = prop_oneof![
        1 => Just("**".to_owned()),
        4 => proptest::collection::vec(atom, 1..=2).prop_map(|v| v.concat()),
    ];
    proptest::collection::vec(segment, 1..=2).prop_map(|v| v.join("/"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Case ignored means: some case variant of the path is named by the glob as written (the
    /// brute-force oracle: the case-sensitive reference on every variant). A guard rule errs on
    /// the side of matching.
    #[test]
    fn case_ignored_means_some_case_variant_matches(glob in case_glob_strategy()) {
        let exact = reference(&glob, false);
        let exact_pathspec = reference_pathspec(&glob, false);
        for semantics in [Semantics::Glob, Semantics::Pathspec] {
            let s = spec(&glob, (semantics, true));
            for p in mixed_case_paths() {
                let brute = case_variants(&p).iter().any(|v| match semantics {
                    Semantics::Glob => exact.is_match(v),
                    Semantics::Pathspec => exact_pathspec(v),
                });
                prop_assert_eq!(s.matches(&p), brute, "{:?} {} {}", semantics, glob, p);
            }
        }
    }
}

fn pathspec(glob: &str) -> PathSpec {
    PathSpec::parse(glob).expect("valid")
}

fn overlap_witness(a: &str, b: &str) -> Option<String> {
    pathspec(a).overlap(&pathspec(b)).map(|w| w.to_string())
}

#[test]
fn wildcards_in_the_middle_are_decided_exactly() {
    assert_eq!(
        overlap_witness("a/*/risk.py", "a/sizing/**").as_deref(),
        Some("a/sizing/risk.py")
    );
    let w = overlap_witness("src/**/*.rs", "src/foo/*.rs").expect("overlap");
    assert!(w.starts_with("src/foo/") && w.ends_with(".rs"), "{w}");
    assert_eq!(overlap_witness("src/*.rs", "src/*.py"), None);
    assert_eq!(overlap_witness("a/*/x/**", "a/b/y/**"), None);
    assert_eq!(overlap_witness("a/[!b]*/x", "a/b*/x"), None);
    assert!(overlap_witness("a/[!b]*/x", "a/bb/**").is_none());
    assert!(overlap_witness("a/[!b]*/x", "a/cb/**").is_some());
    assert_eq!(
        overlap_witness("docs/{runbooks,alerts}/**", "docs/alerts/x.md").as_deref(),
        Some("docs/alerts/x.md")
    );
}

#[test]
fn a_plain_path_names_itself_and_everything_beneath() {
    // A file `sizing` and a directory `sizing/` cannot both be in a git tree: the plain path
    // claims whichever it is, as `swarm audit` reads it.
    assert_eq!(
        overlap_witness("a/trading/sizing", "a/trading/sizing/core.py").as_deref(),
        Some("a/trading/sizing/core.py")
    );
    assert_eq!(
        overlap_witness("a/trading/sizing/core.py", "a/trading/sizing").as_deref(),
        Some("a/trading/sizing/core.py")
    );
    assert_eq!(
        overlap_witness("a/trading/sizing", "a/trading/sizing/**/*.py").as_deref(),
        Some("a/trading/sizing/a.py")
    );
    assert_eq!(
        overlap_witness("a/trading/sizing", "a/*/sizing").as_deref(),
        Some("a/trading/sizing")
    );
    // Not a longer name, nor a sibling.
    assert_eq!(overlap_witness("a/sizing", "a/sizing2/x.py"), None);
    assert_eq!(overlap_witness("a/sizing", "a/sizing.py"), None);
    assert_eq!(overlap_witness("a/sizing", "a/sizing*.py"), None);
    assert_eq!(overlap_witness("a/b.py", "a/b.pyc"), None);
    // Whatever its name looks like, a plain path may be a directory.
    assert_eq!(
        overlap_witness("docs/x.md", "**/config.py").as_deref(),
        Some("docs/x.md/config.py")
    );
    assert_eq!(overlap_witness("docs/x.md", "src/**/config.py"), None);
    // A directory written `dir/` or `dir/**` is only what is beneath; the plain path is more.
    assert!(pathspec("a/b").covers(&pathspec("a/b/**")));
    assert!(pathspec("a/b").covers(&pathspec("a/b/c")));
    assert!(pathspec("a/b").covers(&pathspec("a/b/c/*.py")));
    assert!(!pathspec("a/b/**").covers(&pathspec("a/b")));
    assert!(!pathspec("a/*").covers(&pathspec("a/b")));
    assert!(pathspec("a/**").covers(&pathspec("a/b")));
    assert!(pathspec("a/b/").covers(&pathspec("a/b/**")));
    assert!(pathspec("a/b/**").covers(&pathspec("a/b/")));
    assert!(pathspec("a/b/").covers(&pathspec("a/b/c/*.py")));
    // Ownership: a lane owning `src/a` owns `src/a/b.py`; one owning `a/*.py` does not own all
    // of a plain `a/x.py` (it names `a/x.py/…` too), one owning `a/*.py` and `a/*.py/**` does.
    let lane = PathSet::new(&[pathspec("src/a")]);
    assert_eq!(pathspec("src/a/b.py").uncovered_by(&lane), None);
    assert_eq!(pathspec("src/a/**").uncovered_by(&lane), None);
    assert!(pathspec("src/ab").uncovered_by(&lane).is_some());
    let files = PathSet::new(&[pathspec("a/*.py")]);
    assert_eq!(
        pathspec("a/x.py").uncovered_by(&files),
        Some(Witness::Path("a/x.py/a".into()))
    );
    let trees = PathSet::new(&[pathspec("a/*.py"), pathspec("a/*.py/**")]);
    assert_eq!(pathspec("a/x.py").uncovered_by(&trees), None);
}

/// What `swarm audit` makes of a path or glob: the same meaning, path by path.
#[test]
fn plain_paths_match_as_the_audit_reads_them() {
    use crate::domain::audit::drift::path_matches;
    for glob in [
        "a/b", "a/b/", "a/b/**", "a/*", "a/b.py", "a/{b,c}", "b", "a]b",
    ] {
        for path in all_paths()
            .iter()
            .map(|p| format!("a/{p}"))
            .chain(["a]b".to_owned(), "a]b/c".to_owned()])
        {
            assert_eq!(
                pathspec(glob).matches(&path),
                path_matches(glob, &path),
                "{glob} on {path}"
            );
        }
    }
}

fn plain_strategy() -> impl Strategy<Value = String> {
    let segment = prop_oneof![Just("a"), Just("b"), Just("ab"), Just("c")];
    proptest::collection::vec(segment, 1..=3).prop_map(|v| v.join("/"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Plain paths against globs and each other, both ways round: overlap, containment and
    /// covering agree with brute force where a plain path names itself and what is beneath.
    #[test]
    fn plain_paths_are_trees_in_every_decision(
        plain in plain_strategy(),
        other in prop_oneof![plain_strategy(), glob_strategy()],
    ) {
        let paths = all_paths();
        let meaning = (Semantics::Glob, false);
        let (op, oo) = (oracle(meaning, &plain), oracle(meaning, &other));
        let (sp, so) = (spec(&plain, meaning), spec(&other, meaning));
        for p in &paths {
            prop_assert_eq!(sp.matches(p), op(p), "{} on {}", plain, p);
        }
        for (a, b, oa, ob) in [(&sp, &so, &op, &oo), (&so, &sp, &oo, &op)] {
            let brute = paths.iter().find(|p| oa(p) && ob(p));
            match a.overlap(b) {
                Some(Witness::Path(w)) => prop_assert!(oa(&w) && ob(&w), "{w} of {} ∩ {}", a.source(), b.source()),
                Some(Witness::TooComplex) => prop_assert!(false, "small globs are decided"),
                None => prop_assert!(brute.is_none(), "{} ∩ {} missed {:?}", a.source(), b.source(), brute),
            }
            let outside = paths.iter().find(|p| oa(p) && !ob(p));
            match a.uncovered_by(&PathSet::new(std::slice::from_ref(b))) {
                Some(Witness::Path(w)) => prop_assert!(oa(&w) && !ob(&w), "{w}: {} ⊆ {}", a.source(), b.source()),
                Some(Witness::TooComplex) => prop_assert!(false, "small globs are decided"),
                None => prop_assert!(outside.is_none(), "{} ⊆ {} but {:?}", a.source(), b.source(), outside),
            }
            prop_assert_eq!(b.covers(a), a.uncovered_by(&PathSet::new(std::slice::from_ref(b))).is_none());
        }
    }
}

#[test]
fn guard_rules_name_everything_beneath_them() {
    let rules = PathSet::new(&[PathSpec::guard("**/.ssh").expect("valid")]);
    assert_eq!(pathspec("home/.ssh/id_rsa").uncovered_by(&rules), None);
    assert_eq!(pathspec("home/.ssh/**").uncovered_by(&rules), None);
    assert!(pathspec("home/**").uncovered_by(&rules).is_some());
}

#[test]
fn containment_gives_the_path_outside() {
    let lane = PathSet::new(&[
        pathspec("services/torghut/app/trading/**"),
        pathspec("services/torghut/app/config.py"),
        pathspec("services/torghut/tests/**"),
    ]);
    assert_eq!(
        pathspec("services/torghut/app/trading/firewall/**").uncovered_by(&lane),
        None
    );
    assert_eq!(
        pathspec("services/torghut/app/config.py").uncovered_by(&lane),
        None
    );
    assert_eq!(
        pathspec("services/torghut/{app/trading,tests}/**/*.py").uncovered_by(&lane),
        None
    );
    let outside = pathspec("services/torghut/**")
        .uncovered_by(&lane)
        .expect("outside")
        .to_string();
    assert_eq!(outside, "services/torghut/a");
    assert_eq!(
        pathspec("services/torghut/app/*.py").uncovered_by(&lane),
        Some(Witness::Path("services/torghut/app/a.py".into()))
    );
}

#[test]
fn guard_rules_ignore_ascii_case() {
    let g = PathSpec::guard("**/*secret*").expect("valid");
    assert!(g.matches("kubernetes/torghut/SealedSecret.yaml"));
    assert!(g.matches("a/secrets/db/password.txt"));
    assert!(!pathspec("**/*secret*").matches("SECRET"));
}

#[test]
fn hygiene_comes_before_syntax() {
    let e = PathSpec::parse(
        "services/torghut/app/trading/../../../../kubernetes/torghut/deployment.yaml",
    )
    .expect_err("dot-dot");
    assert!(e.message.contains("`..`"), "{e}");
    let e = PathSpec::parse("a/[b").expect_err("syntax");
    assert!(e.message.contains("unclosed `[`"), "{e}");
}

#[test]
fn alternatives_split_braces() {
    let alts = pathspec("k8s/{deploy.yaml,secret.yaml}").alternatives();
    assert_eq!(alts.len(), 2);
    assert_eq!(alts[1].example().as_deref(), Some("k8s/secret.yaml"));
}
