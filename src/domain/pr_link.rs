//! How a run finds its pull request: by repository + head branch (`status.vcs`, else
//! `spec.parameters`), or by a PR URL among its artifacts. Pure: the GitHub poller asks for the
//! links, the views look PRs up with the same rules.
use super::pr::{PrKey, PullRequest};
use super::run::Run;
use std::collections::{BTreeSet, HashMap};

/// What the poller fetches for a run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrLink {
    /// The newest PR whose head is `head` in `repo` (`owner/name`).
    Branch { repo: String, head: String },
    /// A PR named by its URL.
    Number { repo: String, number: u64 },
}

impl PrLink {
    /// `owner/name`, normalized (see [`normalize_repo`]).
    pub fn repo(&self) -> &str {
        match self {
            PrLink::Branch { repo, .. } | PrLink::Number { repo, .. } => repo,
        }
    }

    pub fn owner_and_name(&self) -> (&str, &str) {
        self.repo().split_once('/').unwrap_or((self.repo(), ""))
    }

    /// Is `pr` the one this link names?
    pub fn matches(&self, pr: &PullRequest) -> bool {
        match self {
            PrLink::Branch { repo, head } => {
                pr.repository.eq_ignore_ascii_case(repo) && &pr.head_branch == head
            }
            PrLink::Number { repo, number } => {
                pr.repository.eq_ignore_ascii_case(repo) && pr.number == *number
            }
        }
    }
}

impl std::fmt::Display for PrLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrLink::Branch { repo, head } => write!(f, "{repo}@{head}"),
            PrLink::Number { repo, number } => write!(f, "{repo}#{number}"),
        }
    }
}

/// What the cockpit wants the poller to keep fresh: every linked PR, and the details (reviews,
/// full check list, merge state) of the one in the open detail pane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrWanted {
    pub links: BTreeSet<PrLink>,
    pub detail: Option<PrLink>,
}

/// `owner/name` from the spellings a run may carry: `owner/name`, `github.com/owner/name`,
/// `https://host/owner/name(.git)`, `git@host:owner/name.git`. Lower case: GitHub repository
/// names are case-insensitive. `None` for anything else.
pub fn normalize_repo(raw: &str) -> Option<String> {
    let mut s = raw.trim();
    for scheme in ["https://", "http://", "ssh://", "git://"] {
        if let Some(rest) = s.strip_prefix(scheme) {
            s = rest;
        }
    }
    if let Some((user_host, path)) = s.split_once(':')
        && user_host.contains('@')
    {
        s = path;
    }
    let s = s.trim_end_matches('/');
    let s = s.strip_suffix(".git").unwrap_or(s);
    let parts: Vec<&str> = s.split('/').filter(|p| !p.is_empty()).collect();
    let (owner, name) = match parts.as_slice() {
        [owner, name] => (*owner, *name),
        // host/owner/name
        [_host, owner, name] => (*owner, *name),
        _ => return None,
    };
    let valid = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (valid(owner) && valid(name)).then(|| format!("{owner}/{name}").to_ascii_lowercase())
}

/// `(owner/name, number)` from a PR URL: `https://<host>/<owner>/<name>/pull/<n>` (any host, so
/// GitHub Enterprise works; a trailing `/files`, query or fragment is allowed).
pub fn parse_pr_url(url: &str) -> Option<(String, u64)> {
    let rest = url
        .trim()
        .strip_prefix("https://")
        .or_else(|| url.trim().strip_prefix("http://"))?;
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let mut parts = rest.split('/');
    let _host = parts.next()?;
    let owner = parts.next()?;
    let name = parts.next()?;
    if parts.next()? != "pull" {
        return None;
    }
    let number: u64 = parts.next()?.parse().ok()?;
    if number == 0 {
        return None;
    }
    Some((normalize_repo(&format!("{owner}/{name}"))?, number))
}

/// The link to fetch for a run: repository + head branch when both are known, else the first PR
/// URL among its artifacts. Templates have none.
pub fn link_for_run(run: &Run) -> Option<PrLink> {
    if run.is_template {
        return None;
    }
    let branch = run
        .repository
        .as_deref()
        .and_then(normalize_repo)
        .zip(run.head_branch.as_deref().map(str::trim))
        .filter(|(_, head)| !head.is_empty())
        .map(|(repo, head)| PrLink::Branch {
            repo,
            head: head.to_owned(),
        });
    branch.or_else(|| url_link(run))
}

fn url_link(run: &Run) -> Option<PrLink> {
    run.artifact_urls
        .iter()
        .find_map(|u| parse_pr_url(u))
        .map(|(repo, number)| PrLink::Number { repo, number })
}

/// The key PRs are stored under in the cockpit's state for a branch link.
pub fn branch_key(run: &Run) -> Option<PrKey> {
    let repo = normalize_repo(run.repository.as_deref()?)?;
    let head = run.head_branch.as_deref()?.trim();
    (!head.is_empty()).then(|| (repo, head.to_owned()))
}

/// The PR of a run: by repository + head branch, else by a PR URL among its artifacts.
pub fn find_pr<'a>(prs: &'a HashMap<PrKey, PullRequest>, run: &Run) -> Option<&'a PullRequest> {
    if run.is_template || prs.is_empty() {
        return None;
    }
    if let (Some(repo), Some(head)) = (run.repository.as_deref(), run.head_branch.as_deref()) {
        // Fast path: the spelling the run carries is usually already `owner/name`.
        if let Some(pr) = prs.get(&(repo.to_owned(), head.to_owned())) {
            return Some(pr);
        }
        if let Some(pr) = branch_key(run).and_then(|k| prs.get(&k)) {
            return Some(pr);
        }
    }
    let (repo, number) = run.artifact_urls.iter().find_map(|u| parse_pr_url(u))?;
    prs.values()
        .find(|pr| pr.number == number && pr.repository.eq_ignore_ascii_case(&repo))
}

/// The PR state of every work item: that of the newest of its runs with a known PR (a relaunch
/// whose PR is not open yet does not hide the earlier run's merged one). The planner's merge-order
/// gate, `swarm wave` and `swarm validate` read it. One pass over the runs: the planner asks it on
/// every frame, and item by item it would be a pass over all runs per item.
pub fn item_pr_states<'a>(
    prs: &HashMap<PrKey, PullRequest>,
    runs: impl IntoIterator<Item = &'a Run>,
) -> HashMap<super::ObjectKey, super::pr::PrState> {
    if prs.is_empty() {
        return HashMap::new();
    }
    let mut newest: HashMap<
        super::ObjectKey,
        (Option<chrono::DateTime<chrono::Utc>>, super::pr::PrState),
    > = HashMap::new();
    for run in runs {
        let Some(key) = super::placement::item_key(run) else {
            continue;
        };
        let Some(pr) = find_pr(prs, run) else {
            continue;
        };
        // As `max_by_key`: the newest run, the later one of two equally new.
        match newest.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                if run.created >= e.get().0 {
                    e.insert((run.created, pr.state));
                }
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert((run.created, pr.state));
            }
        }
    }
    newest.into_iter().map(|(k, (_, s))| (k, s)).collect()
}

/// The URL `o` opens for a run: its PR's, else a PR URL among its artifacts.
pub fn pr_url_for_run(prs: &HashMap<PrKey, PullRequest>, run: &Run) -> Option<String> {
    if let Some(pr) = find_pr(prs, run).filter(|pr| is_web_url(&pr.url)) {
        return Some(pr.url.clone());
    }
    run.artifact_urls
        .iter()
        .find(|u| parse_pr_url(u).is_some() && is_web_url(u))
        .cloned()
}

/// Only http(s) URLs are handed to a browser: artifact URLs come from the cluster, untrusted.
pub fn is_web_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PrState;
    use chrono::Utc;
    use serde_json::json;

    fn run(params: serde_json::Value, status: serde_json::Value) -> Run {
        Run::from_json(&json!({
            "metadata": {"name": "r1", "namespace": "agents"},
            "spec": {"parameters": params},
            "status": status
        }))
    }

    /// The rule item by item, as written: the oracle for [`item_pr_states`].
    fn item_pr_state<'a>(
        prs: &HashMap<PrKey, PullRequest>,
        item: &crate::domain::WorkItem,
        runs: impl IntoIterator<Item = &'a Run>,
    ) -> Option<PrState> {
        runs.into_iter()
            .filter(|r| crate::domain::placement::is_run_of(r, item))
            .filter_map(|r| find_pr(prs, r).map(|pr| (r.created, pr.state)))
            .max_by_key(|(created, _)| *created)
            .map(|(_, s)| s)
    }

    /// A run of work item `fw` created at `at` on branch `head`.
    fn run_of_fw(name: &str, head: &str, at: &str) -> Run {
        Run::from_json(&json!({
            "metadata": {"name": name, "namespace": "agents", "creationTimestamp": at,
                         "labels": {"swarm.proompteng.ai/work-item": "fw"}},
            "spec": {"implementationSpecRef": {"name": "fw"},
                     "parameters": {"repository": "proompteng/lab", "head": head}},
        }))
    }

    #[test]
    fn an_items_pr_state_is_its_newest_run_with_a_known_pr() {
        let item = crate::domain::WorkItem::from_json(&json!({
            "metadata": {"name": "fw", "namespace": "agents"}, "spec": {"text": ""}
        }));
        let old = run_of_fw("fw-w1", "codex/fw-1", "2026-02-10T10:00:00Z");
        let new = run_of_fw("fw-w1b", "codex/fw-2", "2026-02-10T11:00:00Z");
        assert_eq!(
            old.work_item.as_deref(),
            Some("fw"),
            "the fixture is fw's run"
        );
        let mut other = run_of_fw("ks-w1", "codex/ks", "2026-02-10T12:00:00Z");
        other.work_item = Some("ks".into());
        let merged = PullRequest::new(
            "proompteng/lab",
            "codex/fw-1",
            1,
            PrState::Merged,
            Utc::now(),
        );
        let mut prs: HashMap<PrKey, PullRequest> = HashMap::new();
        prs.insert(merged.key(), merged);
        let other_pr = PullRequest::new("proompteng/lab", "codex/ks", 3, PrState::Open, Utc::now());
        prs.insert(other_pr.key(), other_pr);
        let runs = [old.clone(), new.clone(), other.clone()];
        // The newer run has no PR yet: the older run's merged PR still counts; another item's
        // newer run does not.
        let state = |prs: &HashMap<PrKey, PullRequest>, runs: &[Run]| {
            item_pr_states(prs, runs).get(&item.key).copied()
        };
        assert_eq!(state(&prs, &runs), Some(PrState::Merged));
        let open = PullRequest::new("proompteng/lab", "codex/fw-2", 2, PrState::Open, Utc::now());
        prs.insert(open.key(), open);
        assert_eq!(state(&prs, &runs), Some(PrState::Open));
        assert_eq!(state(&prs, &[other]), None);
    }

    proptest::proptest! {
        /// All items' states in one pass equal each item's asked alone: generated runs of a few
        /// items (some sharing creation times, some without one) and PRs of some of their heads.
        #[test]
        fn item_pr_states_equal_item_pr_state_for_every_item(
            runs in proptest::collection::vec((0u8..4, 0u8..6, proptest::option::of(0u8..4)), 0..24),
            prs in proptest::collection::vec((0u8..6, 0usize..3), 0..8),
        ) {
            let runs: Vec<Run> = runs
                .iter()
                .enumerate()
                .map(|(n, (item, head, hour))| {
                    let mut r = run_of_fw(
                        &format!("run-{n}"),
                        &format!("codex/h-{head}"),
                        &format!("2026-02-10T1{}:00:00Z", hour.unwrap_or(0)),
                    );
                    if hour.is_none() {
                        r.created = None;
                    }
                    r.work_item = Some(format!("item-{item}").into());
                    r
                })
                .collect();
            let states = [PrState::Open, PrState::Merged, PrState::Closed];
            let prs: HashMap<PrKey, PullRequest> = prs
                .iter()
                .map(|(head, state)| {
                    let pr = PullRequest::new(
                        "proompteng/lab",
                        format!("codex/h-{head}"),
                        u64::from(*head) + 1,
                        states[*state],
                        Utc::now(),
                    );
                    (pr.key(), pr)
                })
                .collect();
            let all = item_pr_states(&prs, &runs);
            for i in 0u8..4 {
                let item = crate::domain::WorkItem::from_json(&json!({
                    "metadata": {"name": format!("item-{i}"), "namespace": "agents"},
                    "spec": {"text": ""}
                }));
                proptest::prop_assert_eq!(
                    all.get(&item.key).copied(),
                    item_pr_state(&prs, &item, &runs)
                );
            }
        }
    }

    #[test]
    fn repo_spellings_normalize() {
        for raw in [
            "proompteng/lab",
            "Proompteng/Lab",
            "github.com/proompteng/lab",
            "https://github.com/proompteng/lab.git",
            "https://github.com/proompteng/lab/",
            "git@github.com:proompteng/lab.git",
            "ssh://git@github.com/proompteng/lab",
        ] {
            assert_eq!(
                normalize_repo(raw).as_deref(),
                Some("proompteng/lab"),
                "{raw}"
            );
        }
        for bad in ["", "lab", "a/b/c/d", "o/r w", "/", "o/"] {
            assert_eq!(normalize_repo(bad), None, "{bad}");
        }
    }

    #[test]
    fn pr_urls_parse() {
        assert_eq!(
            parse_pr_url("https://github.com/proompteng/lab/pull/101"),
            Some(("proompteng/lab".into(), 101))
        );
        assert_eq!(
            parse_pr_url("https://ghe.example.com/o/r/pull/7/files?x=1#y"),
            Some(("o/r".into(), 7))
        );
        for bad in [
            "https://github.com/o/r/issues/1",
            "https://github.com/o/r/pull/x",
            "https://github.com/o/r/pull/0",
            "ftp://github.com/o/r/pull/1",
            "https://github.com/o/r",
        ] {
            assert_eq!(parse_pr_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn branch_link_wins_and_url_is_the_fallback() {
        let r = run(
            json!({"repository": "https://github.com/Proompteng/Lab.git", "head": "codex/a"}),
            json!({"artifacts": [{"url": "https://github.com/proompteng/lab/pull/5"}]}),
        );
        assert_eq!(
            link_for_run(&r),
            Some(PrLink::Branch {
                repo: "proompteng/lab".into(),
                head: "codex/a".into()
            })
        );
        let r = run(
            json!({"repository": "proompteng/lab"}),
            json!({"artifacts": [{"url": "https://logs.example.com/x"},
                                 {"url": "https://github.com/proompteng/lab/pull/5"}]}),
        );
        assert_eq!(
            link_for_run(&r),
            Some(PrLink::Number {
                repo: "proompteng/lab".into(),
                number: 5
            })
        );
        let r = run(json!({}), json!({}));
        assert_eq!(link_for_run(&r), None);
    }

    #[test]
    fn find_pr_by_branch_then_by_url() {
        let now = Utc::now();
        let mut prs = HashMap::new();
        let mut by_branch = PullRequest::new("proompteng/lab", "codex/a", 1, PrState::Open, now);
        by_branch.url = "https://github.com/proompteng/lab/pull/1".into();
        let by_number = PullRequest::new("proompteng/lab", "other", 9, PrState::Merged, now);
        prs.insert(by_branch.key(), by_branch);
        prs.insert(by_number.key(), by_number);

        let r = run(
            json!({"repository": "git@github.com:proompteng/lab.git", "head": "codex/a"}),
            json!({}),
        );
        assert_eq!(find_pr(&prs, &r).map(|p| p.number), Some(1));
        assert_eq!(
            pr_url_for_run(&prs, &r).as_deref(),
            Some("https://github.com/proompteng/lab/pull/1")
        );
        let r = run(
            json!({"repository": "proompteng/lab", "head": "codex/none"}),
            json!({"artifacts": [{"url": "https://github.com/proompteng/lab/pull/9"}]}),
        );
        assert_eq!(find_pr(&prs, &r).map(|p| p.number), Some(9));
        let r = run(
            json!({"repository": "proompteng/lab", "head": "codex/none"}),
            json!({"artifacts": [{"url": "https://github.com/proompteng/lab/pull/77"}]}),
        );
        assert_eq!(find_pr(&prs, &r), None);
        // Not fetched yet: `o` still has the artifact's URL to open.
        assert_eq!(
            pr_url_for_run(&prs, &r).as_deref(),
            Some("https://github.com/proompteng/lab/pull/77")
        );
    }

    #[test]
    fn only_plain_web_urls_are_opened() {
        assert!(is_web_url("https://github.com/o/r/pull/1"));
        assert!(!is_web_url("file:///etc/passwd"));
        assert!(!is_web_url("https://x/\u{1b}[2J"));
        assert!(!is_web_url("https://x/a b"));
    }
}
