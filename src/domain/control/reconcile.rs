//! Runs and PRs reconciled: what the cluster and GitHub disagree about. There is no PR field on
//! an AgentRun: a run's PR is found by repository + head branch (see `pr_link`), and
//! `status.vcs.headBranch` — the branch the controller really pushed — may carry a suffix the
//! controller added to avoid another run's branch.
use super::duplicate::KeyIndex;
use crate::domain::{ObjectKey, Phase, PrState, PullRequest, Run};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Finding {
    /// Succeeded, PR-producing (repository + head), and no PR on its branch.
    NoPr { run: ObjectKey },
    /// An open PR on a swarm branch (under the head prefix) that no run pushes any more.
    OrphanPr {
        repository: String,
        head: String,
        number: u64,
    },
    /// The controller pushed another branch than the one asked for (a conflict suffix): the PR,
    /// if any, is on `real`.
    HeadRenamed {
        run: ObjectKey,
        asked: String,
        real: String,
    },
    /// Two or more runs carry one idempotency key: the controller will refuse all but one.
    SharedKey { key: String, runs: Vec<ObjectKey> },
}

impl Finding {
    pub fn text(&self) -> String {
        match self {
            Finding::NoPr { run } => format!("{}: finished without a pull request", run.name),
            Finding::OrphanPr {
                repository,
                head,
                number,
            } => {
                format!("PR #{number} ({repository} {head}) is open but its run is gone")
            }
            Finding::HeadRenamed { run, asked, real } => format!(
                "{}: pushed {real}, not {asked} (the controller renamed the branch)",
                run.name
            ),
            Finding::SharedKey { key, runs } => format!(
                "idempotency key {key:?} is shared by {}",
                runs.iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// What kind of finding, in a word or two (the list view's first column).
    pub fn kind(&self) -> &'static str {
        match self {
            Finding::NoPr { .. } => "no PR",
            Finding::OrphanPr { .. } => "orphan PR",
            Finding::HeadRenamed { .. } => "branch renamed",
            Finding::SharedKey { .. } => "key shared",
        }
    }

    /// What to look at next.
    pub fn advice(&self) -> &'static str {
        match self {
            Finding::NoPr { .. } => "no PR on its branch: read its logs and the runner's report",
            Finding::OrphanPr { .. } => {
                "no run pushes this branch any more: merge or close the PR by hand"
            }
            Finding::HeadRenamed { .. } => {
                "the branch asked for was taken: its PR, if any, is on the pushed one"
            }
            Finding::SharedKey { .. } => {
                "one run per key is admitted: the others are refused as Duplicate"
            }
        }
    }

    /// What a card of `about` says: `no PR`, `branch renamed → codex/x-2`, `key shared with b1`.
    pub fn flag(&self, about: &ObjectKey) -> String {
        match self {
            Finding::HeadRenamed { real, .. } => format!("branch renamed → {real}"),
            Finding::SharedKey { runs, .. } => {
                let others: Vec<&str> = runs
                    .iter()
                    .filter(|r| *r != about)
                    .map(|r| r.name.as_str())
                    .collect();
                format!("key shared with {}", others.join(", "))
            }
            other => other.kind().to_owned(),
        }
    }

    /// The run the finding is about (for lane counts), if one.
    pub fn run(&self) -> Option<&ObjectKey> {
        match self {
            Finding::NoPr { run } | Finding::HeadRenamed { run, .. } => Some(run),
            Finding::SharedKey { runs, .. } => runs.first(),
            Finding::OrphanPr { .. } => None,
        }
    }
}

/// One run's own findings: no PR (when PR data is known), a renamed head.
pub fn run_findings(run: &Run, pr: Option<&PullRequest>, prs_known: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    if run.is_template {
        return out;
    }
    let produces_pr = run.repository.is_some() && run.requested_head.is_some();
    if prs_known && produces_pr && run.phase == Phase::Succeeded && pr.is_none() {
        out.push(Finding::NoPr {
            run: run.key.clone(),
        });
    }
    if let (Some(asked), Some(real)) = (&run.requested_head, &run.vcs_head_branch)
        && asked.trim() != real.trim()
    {
        out.push(Finding::HeadRenamed {
            run: run.key.clone(),
            asked: asked.to_string(),
            real: real.to_string(),
        });
    }
    out
}

/// Every finding over the swarm, sorted: runs' own, open PRs on `head_prefix` branches no run
/// pushes, shared idempotency keys.
pub fn reconcile<'a>(
    runs: impl Iterator<Item = &'a Run> + Clone,
    prs: impl Iterator<Item = &'a PullRequest>,
    pr_of: impl Fn(&Run) -> Option<&'a PullRequest>,
    prs_known: bool,
    keys: &KeyIndex,
    head_prefix: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut pushed: std::collections::HashSet<(String, String)> = Default::default();
    for run in runs.clone() {
        out.extend(run_findings(run, pr_of(run), prs_known));
        if let Some(repo) = &run.repository {
            for head in [&run.requested_head, &run.vcs_head_branch, &run.head_branch]
                .into_iter()
                .flatten()
            {
                pushed.insert((repo.as_str().to_ascii_lowercase(), head.to_string()));
            }
        }
    }
    for pr in prs {
        let open = matches!(pr.state, PrState::Open | PrState::Draft);
        if open
            && pr.head_branch.starts_with(head_prefix)
            && !pushed.contains(&(pr.repository.to_ascii_lowercase(), pr.head_branch.clone()))
        {
            out.push(Finding::OrphanPr {
                repository: pr.repository.clone(),
                head: pr.head_branch.clone(),
                number: pr.number,
            });
        }
    }
    for ((_, key), runs) in keys.shared() {
        out.push(Finding::SharedKey {
            key: key.to_string(),
            runs: runs.iter().cloned().collect(),
        });
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(name: &str, phase: &str, head: &str, real: Option<&str>, key: Option<&str>) -> Run {
        let vcs = real.map(|r| json!({"repository": "o/r", "headBranch": r}));
        Run::from_json(&json!({"metadata": {"name": name, "namespace": "agents"},
            "spec": {"parameters": {"repository": "o/r", "head": head}, "idempotencyKey": key},
            "status": {"phase": phase, "vcs": vcs}}))
    }

    fn pr(head: &str, number: u64, state: PrState) -> PullRequest {
        PullRequest::new("o/r", head, number, state, chrono::Utc::now())
    }

    #[test]
    fn finds_each_kind() {
        let done_no_pr = run(
            "a1",
            "Succeeded",
            "codex/swarm/a",
            Some("codex/swarm/a"),
            Some("k1"),
        );
        let renamed = run(
            "b1",
            "Running",
            "codex/swarm/b",
            Some("codex/swarm/b-2"),
            Some("k1"),
        );
        let fine = run(
            "c1",
            "Succeeded",
            "codex/swarm/c",
            Some("codex/swarm/c"),
            None,
        );
        let runs = [done_no_pr, renamed, fine];
        let prs = [
            pr("codex/swarm/c", 3, PrState::Open),
            pr("codex/swarm/gone", 9, PrState::Open),
            pr("codex/swarm/old", 8, PrState::Merged),
            pr("feature/x", 7, PrState::Open),
        ];
        let mut keys = KeyIndex::default();
        for r in &runs {
            keys.set(&r.key, r.idempotency_key.as_deref());
        }
        let pr_of = |r: &Run| {
            prs.iter()
                .find(|p| Some(p.head_branch.as_str()) == r.head_branch.as_deref())
        };
        let found = reconcile(runs.iter(), prs.iter(), pr_of, true, &keys, "codex/");
        let texts: Vec<String> = found.iter().map(Finding::text).collect();
        assert_eq!(
            texts,
            [
                "a1: finished without a pull request",
                "PR #9 (o/r codex/swarm/gone) is open but its run is gone",
                "b1: pushed codex/swarm/b-2, not codex/swarm/b (the controller renamed the branch)",
                "idempotency key \"k1\" is shared by a1, b1",
            ]
        );
        // Without PR data nothing is said about missing PRs.
        let found = reconcile(
            runs.iter(),
            std::iter::empty(),
            |_| None,
            false,
            &keys,
            "codex/",
        );
        assert!(!found.iter().any(|f| matches!(f, Finding::NoPr { .. })));
    }
}
