//! The conflict matrix: pairs of open swarm PRs (any lanes) that change the same file, with git's
//! word on whether they conflict textually, ordered by which one merges first.
use super::RunReport;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictPair {
    /// The run that merges first by the merge order (earlier wave, then older PR).
    pub first: String,
    pub second: String,
    pub first_pr: Option<u64>,
    pub second_pr: Option<u64>,
    /// Files both change, sorted.
    pub files: Vec<String>,
    /// `git merge-tree` of the two heads: `Some(true)` conflicts, `Some(false)` merges cleanly,
    /// `None` unknown (no clone configured, or a head not fetched).
    pub textual: Option<bool>,
}

/// Every pair sharing a changed path. `runs` come in merge order; `textual` answers for two head
/// commits. Linear in the number of changed files plus the pairs found.
pub fn pairs(
    runs: &[RunReport],
    textual: &dyn Fn(&str, &str) -> Option<bool>,
) -> Vec<ConflictPair> {
    let mut by_path: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, run) in runs.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for file in &run.changed_files {
            for path in file.paths() {
                if seen.insert(path) {
                    by_path.entry(path).or_default().push(i);
                }
            }
        }
    }
    let mut shared: BTreeMap<(usize, usize), Vec<String>> = BTreeMap::new();
    for (path, who) in &by_path {
        for (n, a) in who.iter().enumerate() {
            for b in &who[n + 1..] {
                shared.entry((*a, *b)).or_default().push((*path).to_owned());
            }
        }
    }
    shared
        .into_iter()
        .map(|((a, b), files)| {
            let (ra, rb) = (&runs[a], &runs[b]);
            let textual = match (&ra.head_sha, &rb.head_sha) {
                (Some(x), Some(y)) => textual(x, y),
                _ => None,
            };
            ConflictPair {
                first: ra.run.clone(),
                second: rb.run.clone(),
                first_pr: ra.pr,
                second_pr: rb.pr,
                files,
                textual,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ObjectKey;
    use crate::domain::audit::{ChangedFile, FileStatus};

    fn run(name: &str, sha: &str, files: &[&str]) -> RunReport {
        RunReport {
            run: format!("ns/{name}"),
            lane: None,
            wave: None,
            head_branch: None,
            pr: None,
            source: None,
            head_sha: Some(sha.into()),
            files: files.len(),
            truncated: false,
            binary_files: 0,
            renamed_files: 0,
            drift: Vec::new(),
            fault: None,
            force_pushed: None,
            changed_files: files
                .iter()
                .map(|f| ChangedFile::new(*f, FileStatus::Modified))
                .collect(),
            key: ObjectKey::new("ns", name),
        }
    }

    #[test]
    fn pairs_share_files_in_merge_order_with_the_textual_verdict() {
        let runs = [
            run("a", "1", &["x", "y"]),
            run("b", "2", &["y", "z"]),
            run("c", "3", &["q"]),
            run("d", "4", &["x", "y", "z"]),
        ];
        let textual = |a: &str, b: &str| Some((a, b) == ("1", "4"));
        let got = pairs(&runs, &textual);
        let brief: Vec<(&str, &str, Vec<&str>, Option<bool>)> = got
            .iter()
            .map(|p| {
                (
                    p.first.as_str(),
                    p.second.as_str(),
                    p.files.iter().map(String::as_str).collect(),
                    p.textual,
                )
            })
            .collect();
        assert_eq!(
            brief,
            vec![
                ("ns/a", "ns/b", vec!["y"], Some(false)),
                ("ns/a", "ns/d", vec!["x", "y"], Some(true)),
                ("ns/b", "ns/d", vec!["y", "z"], Some(false)),
            ]
        );
    }

    #[test]
    fn a_rename_shares_its_old_path() {
        let mut r = run("a", "1", &[]);
        let mut f = ChangedFile::new("new", FileStatus::Renamed);
        f.previous_path = Some("old".into());
        r.changed_files.push(f);
        let got = pairs(&[r, run("b", "2", &["old"])], &|_: &str, _: &str| None);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].files, vec!["old"]);
        assert_eq!(got[0].textual, None);
    }
}
