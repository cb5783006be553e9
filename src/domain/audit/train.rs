//! The merge train: per wave in the seed's merge order, which PR merges next and what blocks
//! each one. Only the checks the repository requires count; when those are not known, every
//! check counts and the blocker says so.
use super::{ConflictPair, Inputs, RunReport, Subject};
use crate::domain::pr::{CheckState, PrState, PullRequest, ReviewDecision};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Blocker {
    /// No pull request yet.
    NoPr,
    Draft,
    /// Closed without merging.
    Closed,
    Checks {
        failing: Vec<String>,
        pending: Vec<String>,
        /// Required checks that have not reported on the head commit.
        missing: Vec<String>,
        /// `false`: the repository's required checks are not known, so every check counted.
        required_known: bool,
    },
    Review {
        decision: String,
    },
    /// GitHub says the PR cannot merge as it stands (conflicts with its base, or behind).
    NotMergeable {
        why: String,
    },
    /// Changes the same files as a PR that merges earlier; `textual` is git's verdict.
    ConflictsWith {
        run: String,
        pr: Option<u64>,
        files: Vec<String>,
        textual: Option<bool>,
    },
    /// An earlier wave still has unmerged PRs.
    EarlierWave {
        wave: u32,
        unmerged: Vec<String>,
    },
}

impl Blocker {
    /// One line for the train view.
    pub fn describe(&self) -> String {
        fn list(v: &[String]) -> String {
            v.join(", ")
        }
        match self {
            Blocker::NoPr => "no pull request yet".into(),
            Blocker::Draft => "draft".into(),
            Blocker::Closed => "closed without merging".into(),
            Blocker::Checks {
                failing,
                pending,
                missing,
                required_known,
            } => {
                let mut parts = Vec::new();
                if !failing.is_empty() {
                    parts.push(format!("failing: {}", list(failing)));
                }
                if !pending.is_empty() {
                    parts.push(format!("pending: {}", list(pending)));
                }
                if !missing.is_empty() {
                    parts.push(format!("not reported: {}", list(missing)));
                }
                let what = if *required_known {
                    "required checks"
                } else {
                    "checks (required ones unknown: all counted)"
                };
                format!("{what} {}", parts.join("; "))
            }
            Blocker::Review { decision } => format!("review: {decision}"),
            Blocker::NotMergeable { why } => format!("not mergeable: {why}"),
            Blocker::ConflictsWith {
                run,
                pr,
                files,
                textual,
            } => {
                let pr = pr.map(|n| format!(" #{n}")).unwrap_or_default();
                let verdict = match textual {
                    Some(true) => "conflicts with",
                    _ => "changes the same files as",
                };
                let n = files.len();
                format!(
                    "{verdict} {run}{pr} (merges first; {n} file{})",
                    if n == 1 { "" } else { "s" }
                )
            }
            Blocker::EarlierWave { wave, unmerged } => {
                format!("wave {wave} not merged: {}", list(unmerged))
            }
        }
    }

    /// The run a jump from this blocker goes to: the other PR for a conflict, the first unmerged
    /// run of the earlier wave; `None`: the entry's own PR.
    pub fn target(&self) -> Option<&str> {
        match self {
            Blocker::ConflictsWith { run, .. } => Some(run),
            Blocker::EarlierWave { unmerged, .. } => unmerged.first().map(String::as_str),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrainEntry {
    pub run: String,
    pub pr: Option<u64>,
    pub merged: bool,
    pub blockers: Vec<Blocker>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaveTrain {
    pub wave: u32,
    pub title: String,
    /// The first unmerged PR in merge order: what merges next (ready when it has no blockers).
    pub next: Option<String>,
    pub entries: Vec<TrainEntry>,
}

pub fn trains(
    subjects: &[Subject],
    _runs: &[RunReport],
    conflicts: &[ConflictPair],
    inputs: &Inputs,
) -> Vec<WaveTrain> {
    let mut by_wave: BTreeMap<u32, Vec<&Subject>> = BTreeMap::new();
    for s in subjects {
        if let Some(w) = s.wave {
            by_wave.entry(w).or_default().push(s);
        }
    }
    let mut out = Vec::new();
    let mut earlier_unmerged: Option<(u32, Vec<String>)> = None;
    for (wave, members) in &by_wave {
        let mut entries = Vec::new();
        for s in members {
            let run = s.run.key.to_string();
            let merged = s.merged();
            let mut blockers = Vec::new();
            if !merged {
                blockers.extend(pr_blockers(s.pr, inputs));
                for pair in conflicts.iter().filter(|p| p.second == run) {
                    if pair.textual == Some(false) {
                        continue;
                    }
                    blockers.push(Blocker::ConflictsWith {
                        run: pair.first.clone(),
                        pr: pair.first_pr,
                        files: pair.files.clone(),
                        textual: pair.textual,
                    });
                }
                if let Some((w, unmerged)) = &earlier_unmerged {
                    blockers.push(Blocker::EarlierWave {
                        wave: *w,
                        unmerged: unmerged.clone(),
                    });
                }
            }
            entries.push(TrainEntry {
                run,
                pr: s.pr.map(|p| p.number),
                merged,
                blockers,
            });
        }
        let unmerged: Vec<String> = entries
            .iter()
            .filter(|e| !e.merged)
            .map(|e| e.run.clone())
            .collect();
        let next = unmerged.first().cloned();
        if !unmerged.is_empty() {
            earlier_unmerged = Some((*wave, unmerged));
        }
        if inputs.wave.is_none_or(|w| w == *wave) {
            out.push(WaveTrain {
                wave: *wave,
                title: inputs
                    .plan
                    .waves
                    .iter()
                    .find(|w| w.number == *wave)
                    .map(|w| w.title.clone())
                    .unwrap_or_default(),
                next,
                entries,
            });
        }
    }
    out
}

fn pr_blockers(pr: Option<&PullRequest>, inputs: &Inputs) -> Vec<Blocker> {
    let Some(pr) = pr else {
        return vec![Blocker::NoPr];
    };
    let mut out = Vec::new();
    match pr.state {
        PrState::Closed => return vec![Blocker::Closed],
        PrState::Draft => out.push(Blocker::Draft),
        PrState::Open | PrState::Merged => {}
    }
    if let Some(b) = checks_blocker(pr, (inputs.required_checks)(pr)) {
        out.push(b);
    }
    if let Some(d @ (ReviewDecision::ChangesRequested | ReviewDecision::ReviewRequired)) = pr.review
    {
        out.push(Blocker::Review {
            decision: d.label().into(),
        });
    }
    if pr.has_conflicts() {
        out.push(Blocker::NotMergeable {
            why: "conflicts with the base branch".into(),
        });
    } else if pr.merge_state == Some(crate::domain::pr::MergeState::Behind) {
        out.push(Blocker::NotMergeable {
            why: "behind the base branch".into(),
        });
    }
    out
}

/// Failing, pending and missing checks among the required ones (or all, when not known).
fn checks_blocker(pr: &PullRequest, required: Option<Vec<String>>) -> Option<Blocker> {
    let (mut failing, mut pending, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    let required_known = required.is_some();
    match required {
        Some(names) => {
            for name in names {
                match pr.check_runs.iter().find(|c| c.name == name) {
                    Some(c) if c.state == CheckState::Failing => failing.push(name),
                    Some(c) if c.state == CheckState::Pending => pending.push(name),
                    Some(_) => {}
                    None => missing.push(name),
                }
            }
        }
        None => {
            for c in &pr.check_runs {
                match c.state {
                    CheckState::Failing => failing.push(c.name.clone()),
                    CheckState::Pending => pending.push(c.name.clone()),
                    _ => {}
                }
            }
            if pr.check_runs.is_empty() {
                // Only the rollup is known: counts, without names.
                let n = |k: u32| match k {
                    0 => Vec::new(),
                    1 => vec!["1 check".to_owned()],
                    k => vec![format!("{k} checks")],
                };
                failing = n(pr.checks.failing);
                pending = n(pr.checks.pending);
            }
        }
    }
    (!failing.is_empty() || !pending.is_empty() || !missing.is_empty()).then_some(Blocker::Checks {
        failing,
        pending,
        missing,
        required_known,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{AuditReport, RunChanges, audit, subjects};
    use crate::domain::pr::{Check, PullRequest};
    use crate::domain::{ObjectKey, Plan, Run};
    use serde_json::json;
    use std::collections::{BTreeMap, HashMap};

    fn run(name: &str, wave: &str, head: &str) -> Run {
        Run::from_json(&json!({
            "metadata": {"name": name, "namespace": "ns",
                         "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": wave}},
            "spec": {"parameters": {"repository": "o/r", "head": head}},
            "status": {"phase": "Running"}
        }))
    }

    fn pr(head: &str, number: u64, state: PrState, checks: &[(&str, CheckState)]) -> PullRequest {
        let mut p = PullRequest::new("o/r", head, number, state, chrono::Utc::now());
        p.check_runs = checks
            .iter()
            .map(|(n, s)| Check {
                name: (*n).into(),
                state: *s,
                started_at: None,
                completed_at: None,
            })
            .collect();
        p.review = Some(ReviewDecision::Approved);
        p.mergeable = Some(true);
        p
    }

    fn report(required: Option<Vec<String>>, textual: bool) -> AuditReport {
        let plan = Plan::parse(
            "name = \"t\"\n[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"src/**\"]\n",
            "p.toml",
        )
        .expect("plan");
        let runs = [
            run("m", "1", "codex/m"),
            run("a", "2", "codex/a"),
            run("b", "2", "codex/b"),
        ];
        let prs: HashMap<&str, PullRequest> = [
            ("codex/m", pr("codex/m", 1, PrState::Merged, &[])),
            (
                "codex/a",
                pr(
                    "codex/a",
                    5,
                    PrState::Open,
                    &[("lint", CheckState::Failing), ("unit", CheckState::Passing)],
                ),
            ),
            (
                "codex/b",
                pr(
                    "codex/b",
                    6,
                    PrState::Open,
                    &[("unit", CheckState::Pending)],
                ),
            ),
        ]
        .into_iter()
        .collect();
        let items = BTreeMap::new();
        let subjects = subjects(&plan, runs.iter(), &items, |r| {
            prs.get(r.head_branch.as_deref().unwrap_or(""))
        });
        let known: HashMap<ObjectKey, RunChanges> = [
            (
                ObjectKey::new("ns", "a"),
                RunChanges::modified("1", &["src/x.rs"]),
            ),
            (
                ObjectKey::new("ns", "b"),
                RunChanges::modified("2", &["src/x.rs", "etc/y"]),
            ),
        ]
        .into_iter()
        .collect();
        let c = |k: &ObjectKey| known.get(k);
        let t = move |_: &str, _: &str| Some(textual);
        let req = move |_: &PullRequest| required.clone();
        audit(
            &subjects,
            &crate::domain::audit::Inputs {
                plan: &plan,
                guarded: &[],
                changes: &c,
                textual: &t,
                required_checks: &req,
                wave: None,
            },
        )
    }

    #[test]
    fn only_required_checks_block_and_a_later_pr_waits_for_a_conflicting_earlier_one() {
        let r = report(Some(vec!["unit".into(), "e2e".into()]), true);
        // Merged m is not audited; a and b share src/x.rs and conflict; b drifts (etc/y).
        assert_eq!(r.runs.len(), 2);
        assert_eq!(r.drifting(), 1);
        assert_eq!(r.conflicts.len(), 1);
        assert_eq!(r.exit_code(), 1);
        assert_eq!(r.trains.len(), 2);
        assert_eq!(r.trains[0].next, None, "wave 1 is merged");
        let w2 = &r.trains[1];
        assert_eq!(w2.next.as_deref(), Some("ns/a"));
        // a: lint fails but is not required; e2e has not reported.
        assert_eq!(
            w2.entries[0].blockers,
            vec![Blocker::Checks {
                failing: vec![],
                pending: vec![],
                missing: vec!["e2e".into()],
                required_known: true
            }]
        );
        let b = &w2.entries[1].blockers;
        assert!(b.contains(&Blocker::Checks {
            failing: vec![],
            pending: vec!["unit".into()],
            missing: vec!["e2e".into()],
            required_known: true
        }));
        assert!(b.contains(&Blocker::ConflictsWith {
            run: "ns/a".into(),
            pr: Some(5),
            files: vec!["src/x.rs".into()],
            textual: Some(true)
        }));
        assert!(!b.iter().any(|x| matches!(x, Blocker::EarlierWave { .. })));
        assert_eq!(
            b.iter().find_map(Blocker::target),
            Some("ns/a"),
            "the conflict jumps to the PR that merges first"
        );
    }

    #[test]
    fn unknown_required_checks_count_all_and_a_clean_pair_does_not_block() {
        let r = report(None, false);
        let w2 = &r.trains[1];
        assert_eq!(
            w2.entries[0].blockers,
            vec![Blocker::Checks {
                failing: vec!["lint".into()],
                pending: vec![],
                missing: vec![],
                required_known: false
            }]
        );
        assert!(
            !w2.entries[1]
                .blockers
                .iter()
                .any(|x| matches!(x, Blocker::ConflictsWith { .. }))
        );
        assert_eq!(r.conflicts[0].textual, Some(false));
        assert_eq!(r.conflicting_pairs(), 0, "listed, not counted");
    }
}
