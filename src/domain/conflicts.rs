//! Parallel conflicts: no two pieces of work that are in flight at the same time may claim
//! overlapping paths of one repository. Pairs are found without comparing everything with
//! everything: two paths can only overlap when one's literal leading directories are a prefix of
//! the other's (`PathSpec::literal_dirs`), so claims are indexed by those and only related ones
//! are decided exactly.
use super::paths::{PathSpec, Witness};
use std::collections::HashMap;

/// One path claimed by one owner (a work item of the wave, or an in-flight run).
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    /// Index of the owner in the caller's list; claims of one owner never conflict.
    pub owner: usize,
    /// The repository the path is in (`None`: unknown, which conflicts with any).
    pub repository: Option<&'a str>,
    pub spec: &'a PathSpec,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Indices into the claims, the earlier first.
    pub first: usize,
    pub second: usize,
    pub witness: Witness,
}

/// Which repository a `repository` parameter names, however it is spelled: `owner/name` in
/// lower case, from `owner/name`, `https://github.com/owner/name(.git)`, `git@host:owner/name.git`,
/// `host/owner/name/` (GitHub names are case-insensitive; the host is left out, so one name on two
/// hosts counts as one: a conflict too many, never one too few). `None` when nothing is named:
/// an unknown repository conflicts with every one.
pub fn repository_identity(repository: &str) -> Option<String> {
    let mut r = repository.trim().to_ascii_lowercase();
    if let Some(i) = r.find("://") {
        r = r[i + 3..].to_owned();
    }
    // `git@github.com:owner/name`: the scp form's `:` separates the host.
    if let Some((host, path)) = r.split_once(':')
        && !host.contains('/')
    {
        r = format!("{host}/{path}");
    }
    let r = r.trim_end_matches('/');
    let r = r.strip_suffix(".git").unwrap_or(r);
    let parts: Vec<&str> = r.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [] => None,
        [one] => Some((*one).to_owned()),
        [.., owner, name] => Some(format!("{owner}/{name}")),
    }
}

/// Every pair of claims of different owners in the same repository whose paths overlap.
/// Whether two repository identities ([`repository_identity`]) may be one repository: equal,
/// or either unknown (an unknown repository conflicts with every one).
pub fn may_be_one(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

pub fn conflicts(claims: &[Claim]) -> Vec<Conflict> {
    let repositories: Vec<Option<String>> = claims
        .iter()
        .map(|c| c.repository.and_then(repository_identity))
        .collect();
    // Each claim's literal leading directories as text (`a/b/`), so a prefix of whole
    // directories is a prefix of the text ending at a `/`.
    let prefixes: Vec<&str> = claims.iter().map(|c| c.spec.literal_dirs()).collect();
    let mut by_prefix: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in prefixes.iter().enumerate() {
        by_prefix.entry(p).or_default().push(i);
    }
    let mut out = Vec::new();
    for (i, p) in prefixes.iter().enumerate() {
        // Candidates: claims whose prefix is a (proper or equal) prefix of this one's. Equal
        // prefixes are visited from both sides, so take only the later index there.
        let ends = std::iter::once(0).chain(p.match_indices('/').map(|(k, _)| k + 1));
        for k in ends {
            let Some(others) = by_prefix.get(&p[..k]) else {
                continue;
            };
            for &j in others {
                if (k == p.len() && j <= i) || claims[i].owner == claims[j].owner {
                    continue;
                }
                if !may_be_one(&repositories[i], &repositories[j]) {
                    continue;
                }
                if let Some(witness) = claims[i].spec.overlap(claims[j].spec) {
                    let (first, second) = (i.min(j), i.max(j));
                    out.push(Conflict {
                        first,
                        second,
                        witness,
                    });
                }
            }
        }
    }
    out.sort_by_key(|c| (c.first, c.second));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn specs(paths: &[&str]) -> Vec<PathSpec> {
        paths
            .iter()
            .map(|p| PathSpec::parse(p).expect("valid"))
            .collect()
    }

    #[test]
    fn finds_pairs_across_owners_only() {
        let s = specs(&[
            "services/torghut/app/config.py",
            "services/torghut/app/trading/**",
            "services/torghut/app/config.py",
            "docs/x.md",
            "**/config.py",
        ]);
        let claims: Vec<Claim> = [0, 0, 1, 1, 2]
            .iter()
            .zip(&s)
            .map(|(&owner, spec)| Claim {
                owner,
                repository: Some("proompteng/lab"),
                spec,
            })
            .collect();
        let c = conflicts(&claims);
        let pairs: Vec<_> = c.iter().map(|c| (c.first, c.second)).collect();
        // `docs/x.md` is a plain path: it may be a directory, `docs/x.md/config.py` is common.
        assert_eq!(pairs, [(0, 2), (0, 4), (1, 4), (2, 4), (3, 4)]);
        assert_eq!(
            c[0].witness,
            Witness::Path("services/torghut/app/config.py".into())
        );
    }

    #[test]
    fn other_repositories_do_not_conflict() {
        let s = specs(&["a/**", "a/b"]);
        let claims = [
            Claim {
                owner: 0,
                repository: Some("o/one"),
                spec: &s[0],
            },
            Claim {
                owner: 1,
                repository: Some("o/two"),
                spec: &s[1],
            },
        ];
        assert!(conflicts(&claims).is_empty());
    }

    #[test]
    fn one_repository_has_one_identity_however_spelled() {
        for spelling in [
            "proompteng/lab",
            "Proompteng/Lab",
            " proompteng/lab ",
            "https://github.com/proompteng/lab",
            "https://github.com/proompteng/lab.git",
            "https://GitHub.com/proompteng/lab/",
            "git@github.com:proompteng/lab.git",
            "ssh://git@github.com/proompteng/lab.git",
            "github.com/proompteng/lab",
        ] {
            assert_eq!(
                repository_identity(spelling).as_deref(),
                Some("proompteng/lab"),
                "{spelling}"
            );
        }
        assert_ne!(
            repository_identity("proompteng/lab"),
            repository_identity("proompteng/other")
        );
        assert_eq!(repository_identity(""), None);
        assert_eq!(repository_identity(" / "), None);
        // An unknown (empty) repository conflicts with any.
        let s = specs(&["a/**", "a/b"]);
        let claims = [
            Claim {
                owner: 0,
                repository: Some(""),
                spec: &s[0],
            },
            Claim {
                owner: 1,
                repository: Some("https://github.com/o/two.git"),
                spec: &s[1],
            },
        ];
        assert_eq!(conflicts(&claims).len(), 1);
    }

    fn path() -> impl Strategy<Value = String> {
        let seg = prop_oneof![
            Just("a"),
            Just("b"),
            Just("*"),
            Just("**"),
            Just("a*"),
            Just("{a,b}"),
            Just("[ab]")
        ];
        proptest::collection::vec(seg, 1..=3).prop_map(|v| v.join("/"))
    }

    proptest! {
        /// The prefix index misses nothing: same answer as deciding every pair.
        #[test]
        fn index_equals_all_pairs(paths in proptest::collection::vec(path(), 1..12)) {
            let s: Vec<PathSpec> = paths.iter().filter_map(|p| PathSpec::parse(p).ok()).collect();
            let claims: Vec<Claim> = s.iter().enumerate().map(|(i, spec)| Claim {
                owner: i % 4, repository: None, spec,
            }).collect();
            let fast: Vec<(usize, usize)> = conflicts(&claims).iter().map(|c| (c.first, c.second)).collect();
            let mut slow = Vec::new();
            for i in 0..claims.len() {
                for j in i + 1..claims.len() {
                    if claims[i].owner != claims[j].owner && s[i].overlap(&s[j]).is_some() {
                        slow.push((i, j));
                    }
                }
            }
            prop_assert_eq!(fast, slow);
        }
    }
}
