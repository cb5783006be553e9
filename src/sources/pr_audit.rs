//! The auditor: keeps every audited run's changed files current — from the private git mirror
//! when a clone is configured, else from GitHub's PR files — plus the textual verdict for every
//! pair that shares files and the base branches' required checks. Work is done only for what
//! changed: a head commit that moved, a pair of heads not merged before.
use super::git::GitMirror;
use super::pr_files::PrFilesClient;
use crate::app::msg::{Msg, SourceEvent};
use crate::domain::ObjectKey;
use crate::domain::audit::{AuditFault, RunChanges};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

/// One run to audit, as the state describes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub key: ObjectKey,
    pub head_branch: Option<String>,
    pub base: String,
    /// `owner/name` and PR number + head commit, when GitHub knows the PR.
    pub pr: Option<(String, u64, Option<String>)>,
}

/// What the auditor should look at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditWanted {
    pub targets: Vec<Target>,
}

/// (repository, base branch) → the checks it requires; `None`: not readable.
pub type RequiredChecks = ((String, String), Option<Vec<String>>);

/// What one refresh found: only what changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditUpdate {
    pub changes: Vec<(ObjectKey, RunChanges)>,
    /// (head a, head b) → conflicts textually.
    pub textual: Vec<((String, String), bool)>,
    /// (repo, base) → the checks it requires (`None`: unknown).
    pub required_checks: Vec<RequiredChecks>,
    /// A one-line status: `git ✓`, `git: fetch failed: …`, `GitHub files: rate limited …`.
    pub status: String,
}

/// Where the changed files come from.
pub struct Sources {
    /// The clone to mirror: path and remote name, and where mirrors live.
    pub git: Option<(PathBuf, String, PathBuf)>,
    pub github: Option<PrFilesClient>,
    pub git_timeout: Duration,
}

pub struct Auditor {
    sources: Sources,
    mirror: Option<Result<GitMirror, AuditFault>>,
    /// Last known per run, to tell what changed (and see force-pushes).
    known: HashMap<ObjectKey, RunChanges>,
    /// (head, base) a run's files were computed for.
    computed_for: HashMap<ObjectKey, (String, String)>,
    textual: HashMap<(String, String), bool>,
    required: HashMap<(String, String), Option<Vec<String>>>,
    /// GitHub said to wait (rate limit): no file request before this.
    github_blocked_until: Option<DateTime<Utc>>,
}

impl Auditor {
    pub fn new(sources: Sources) -> Auditor {
        Auditor {
            sources,
            mirror: None,
            known: HashMap::new(),
            computed_for: HashMap::new(),
            textual: HashMap::new(),
            required: HashMap::new(),
            github_blocked_until: None,
        }
    }

    pub fn github_requests(&self) -> (u64, u64) {
        self.sources
            .github
            .as_ref()
            .map_or((0, 0), PrFilesClient::requests)
    }

    /// One refresh. `fetch`: fetch the mirror first (timer, `r`); `manual` (`r`): ask GitHub
    /// again even for unchanged heads (conditional requests: 304s cost nothing).
    pub async fn refresh(
        &mut self,
        wanted: &AuditWanted,
        fetch: bool,
        manual: bool,
        now: DateTime<Utc>,
    ) -> AuditUpdate {
        let mut update = AuditUpdate::default();
        let mut status = Vec::new();
        if self.sources.git.is_some() {
            status.push(self.refresh_git(wanted, fetch, now, &mut update).await);
        } else if self.sources.github.is_some() {
            status.push(
                self.refresh_github_files(wanted, manual, now, &mut update)
                    .await,
            );
        } else {
            status.push("no source: set [audit] repo or a GitHub token".to_owned());
        }
        if self.sources.github.is_some() {
            self.refresh_required(wanted, manual, now, &mut update)
                .await;
        }
        update.status = status.join(" · ");
        update
    }

    async fn mirror(&mut self) -> Result<GitMirror, AuditFault> {
        if let Some(Ok(m)) = &self.mirror {
            return Ok(m.clone());
        }
        let Some((clone, remote, cache)) = &self.sources.git else {
            return Err(AuditFault::Git {
                message: "no clone configured".into(),
            });
        };
        let opened = GitMirror::open(clone, remote, cache, self.sources.git_timeout).await;
        self.mirror = Some(opened.clone());
        opened
    }

    fn record(&mut self, key: &ObjectKey, changes: RunChanges, update: &mut AuditUpdate) {
        if self.known.get(key) != Some(&changes) {
            self.known.insert(key.clone(), changes.clone());
            update.changes.push((key.clone(), changes));
        }
    }

    /// Keeps the last good files, with the fault of this attempt.
    fn fault(&mut self, key: &ObjectKey, fault: AuditFault, update: &mut AuditUpdate) {
        let mut c = self.known.get(key).cloned().unwrap_or_default();
        c.fault = Some(fault);
        self.computed_for.remove(key);
        self.record(key, c, update);
    }

    async fn refresh_git(
        &mut self,
        wanted: &AuditWanted,
        fetch: bool,
        now: DateTime<Utc>,
        update: &mut AuditUpdate,
    ) -> String {
        let mirror = match self.mirror().await {
            Ok(m) => m,
            Err(e) => {
                // A clone that went missing may come back: try to open it again next time.
                self.mirror = None;
                for t in &wanted.targets {
                    self.fault(&t.key, e.clone(), update);
                }
                return e.to_string();
            }
        };
        if fetch && let Err(e) = mirror.fetch().await {
            for t in &wanted.targets {
                self.fault(&t.key, e.clone(), update);
            }
            return e.to_string();
        }
        let heads = match mirror.heads().await {
            Ok(h) => h,
            Err(e) => {
                for t in &wanted.targets {
                    self.fault(&t.key, e.clone(), update);
                }
                return e.to_string();
            }
        };
        for t in &wanted.targets {
            let Some(head) = &t.head_branch else {
                self.fault(&t.key, AuditFault::NoHead, update);
                continue;
            };
            // Branch refs point at commits (`refs/heads/*` of the remote, fetched as they are).
            let head_sha = match heads.get(head).cloned() {
                Some(sha) => sha,
                None => {
                    self.fault(
                        &t.key,
                        AuditFault::NotPushed {
                            branch: head.clone(),
                        },
                        update,
                    );
                    continue;
                }
            };
            let base_sha = match heads.get(&t.base).cloned() {
                Some(sha) => sha,
                None => {
                    self.fault(
                        &t.key,
                        AuditFault::NoBase {
                            branch: t.base.clone(),
                        },
                        update,
                    );
                    continue;
                }
            };
            let stamp = (head_sha.clone(), base_sha.clone());
            if self.computed_for.get(&t.key) == Some(&stamp) {
                continue;
            }
            let previous = self.known.get(&t.key).cloned().unwrap_or_default();
            match mirror.changes(&t.base, head).await {
                Ok(set) => {
                    let old_head = previous.changes.as_ref().map(|c| c.head_sha.clone());
                    let force_pushed = match old_head {
                        Some(old) if old != set.head_sha => {
                            match mirror.is_ancestor(&old, &set.head_sha).await {
                                Ok(true) => None,
                                _ => Some((old, set.head_sha.clone())),
                            }
                        }
                        // The same head again keeps what was seen about it.
                        Some(_) => previous.force_pushed.clone(),
                        None => None,
                    };
                    self.computed_for.insert(t.key.clone(), stamp);
                    self.record(
                        &t.key,
                        RunChanges {
                            changes: Some(set),
                            fault: None,
                            force_pushed,
                            fetched_at: Some(now),
                        },
                        update,
                    );
                }
                Err(e) => self.fault(&t.key, e, update),
            }
        }
        self.refresh_textual(&mirror, wanted, update).await;
        format!("git {} ✓", mirror.url)
    }

    /// `git merge-tree` for every pair of current heads that share a path and was not merged
    /// before (results are per commit pair, so they never go stale).
    async fn refresh_textual(
        &mut self,
        mirror: &GitMirror,
        wanted: &AuditWanted,
        update: &mut AuditUpdate,
    ) {
        let mut by_path: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for t in &wanted.targets {
            let Some(set) = self.known.get(&t.key).and_then(|c| c.changes.as_ref()) else {
                continue;
            };
            let mut seen = HashSet::new();
            for f in &set.files {
                for p in f.paths() {
                    if seen.insert(p) {
                        by_path.entry(p).or_default().push(set.head_sha.as_str());
                    }
                }
            }
        }
        let mut pairs: HashSet<(String, String)> = HashSet::new();
        for heads in by_path.values() {
            for (i, a) in heads.iter().enumerate() {
                for b in &heads[i + 1..] {
                    if a != b {
                        pairs.insert(ordered(a, b));
                    }
                }
            }
        }
        let mut pairs: Vec<_> = pairs
            .into_iter()
            .filter(|p| !self.textual.contains_key(p))
            .collect();
        pairs.sort();
        for (a, b) in pairs {
            if let Ok(conflicts) = mirror.conflicts(&a, &b).await {
                self.textual.insert((a.clone(), b.clone()), conflicts);
                update.textual.push(((a, b), conflicts));
            }
        }
    }

    async fn refresh_github_files(
        &mut self,
        wanted: &AuditWanted,
        manual: bool,
        now: DateTime<Utc>,
        update: &mut AuditUpdate,
    ) -> String {
        if let Some(until) = self.github_blocked_until.filter(|u| *u > now) {
            return format!(
                "GitHub files: rate limited, retry in {}s",
                (until - now).num_seconds().max(1)
            );
        }
        let mut failure = None;
        for t in &wanted.targets {
            let Some((repo, number, Some(sha))) = &t.pr else {
                continue;
            };
            let stamp = (sha.clone(), String::new());
            if !manual && self.computed_for.get(&t.key) == Some(&stamp) {
                continue;
            }
            let Some(client) = self.sources.github.as_mut() else {
                break;
            };
            match client.files(repo, *number, sha, now).await {
                Ok(set) => {
                    self.computed_for.insert(t.key.clone(), stamp);
                    let previous = self.known.get(&t.key).cloned().unwrap_or_default();
                    self.record(
                        &t.key,
                        RunChanges {
                            changes: Some(set),
                            fault: None,
                            force_pushed: previous.force_pushed,
                            fetched_at: Some(now),
                        },
                        update,
                    );
                }
                Err(e) => {
                    let message = e.summary();
                    self.fault(
                        &t.key,
                        AuditFault::GitHub {
                            message: message.clone(),
                        },
                        update,
                    );
                    if let crate::sources::github::FetchError::RateLimited { until, .. } = &e {
                        self.github_blocked_until = Some(*until);
                    }
                    // A rate limit or an outage hits every PR alike: stop asking.
                    if matches!(
                        e,
                        crate::sources::github::FetchError::RateLimited { .. }
                            | crate::sources::github::FetchError::Offline(_)
                            | crate::sources::github::FetchError::Unauthorized(_)
                    ) {
                        failure = Some(message);
                        break;
                    }
                }
            }
        }
        match failure {
            Some(m) => format!("GitHub files: {m}"),
            None => "GitHub files ✓".into(),
        }
    }

    async fn refresh_required(
        &mut self,
        wanted: &AuditWanted,
        manual: bool,
        now: DateTime<Utc>,
        update: &mut AuditUpdate,
    ) {
        let mut bases: Vec<(String, String)> = wanted
            .targets
            .iter()
            .filter_map(|t| {
                t.pr.as_ref()
                    .map(|(repo, _, _)| (repo.clone(), t.base.clone()))
            })
            .collect();
        bases.sort();
        bases.dedup();
        if self.github_blocked_until.is_some_and(|u| u > now) {
            return;
        }
        for key in bases {
            if !manual && self.required.contains_key(&key) {
                continue;
            }
            let Some(client) = self.sources.github.as_mut() else {
                return;
            };
            match client.required_checks(&key.0, &key.1, now).await {
                Ok(found) => {
                    if self.required.get(&key) != Some(&found) {
                        self.required.insert(key.clone(), found.clone());
                        update.required_checks.push((key, found));
                    }
                }
                Err(crate::sources::github::FetchError::RateLimited { until, .. }) => {
                    self.github_blocked_until = Some(until);
                    return;
                }
                // Unknown for now: every check counts, and the train says so.
                Err(_) => {}
            }
        }
    }
}

fn ordered(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

/// The textual verdict for two heads, in either order.
pub fn textual_of(textual: &HashMap<(String, String), bool>, a: &str, b: &str) -> Option<bool> {
    textual.get(&ordered(a, b)).copied()
}

/// The runtime's handle on the auditor task.
#[derive(Clone)]
pub struct AuditLink {
    pub wanted: Arc<watch::Sender<AuditWanted>>,
    pub refresh: Arc<Notify>,
}

impl AuditLink {
    /// Tells the auditor what to look at when it may have changed (`last`: a fingerprint).
    pub fn publish(&self, state: &crate::app::State, last: &mut Option<u64>) {
        super::publish_changed(
            &self.wanted,
            crate::app::audit::wanted_fingerprint(state),
            last,
            || crate::app::audit::wanted(state),
        );
    }
}

/// Runs the auditor: after the wanted runs change (cheap: only moved heads are recomputed), on
/// `r`, and every `interval` (a fetch of the mirror).
pub fn spawn(
    auditor: Auditor,
    interval: Option<Duration>,
    tx: mpsc::Sender<Msg>,
) -> (AuditLink, JoinHandle<()>) {
    let (wanted_tx, wanted_rx) = watch::channel(AuditWanted::default());
    let refresh = Arc::new(Notify::new());
    let link = AuditLink {
        wanted: Arc::new(wanted_tx),
        refresh: refresh.clone(),
    };
    let handle = tokio::spawn(run(auditor, interval, wanted_rx, refresh, tx));
    (link, handle)
}

async fn run(
    mut auditor: Auditor,
    interval: Option<Duration>,
    mut wanted_rx: watch::Receiver<AuditWanted>,
    refresh: Arc<Notify>,
    tx: mpsc::Sender<Msg>,
) {
    use tokio::time::{Instant, sleep, sleep_until};
    let mut next_fetch = interval.map(|i| Instant::now() + i);
    loop {
        let (fetch, manual) = tokio::select! {
            changed = wanted_rx.changed() => {
                if changed.is_err() {
                    return;
                }
                // A moved head or a new run: its branch must be fetched before it is read.
                sleep(Duration::from_millis(250)).await;
                (true, false)
            }
            () = refresh.notified() => (true, true),
            () = sleep_until(next_fetch.unwrap_or_else(Instant::now)), if next_fetch.is_some() => {
                (true, false)
            }
        };
        let wanted = wanted_rx.borrow_and_update().clone();
        if wanted.targets.is_empty() && !manual {
            continue;
        }
        let update = auditor.refresh(&wanted, fetch, manual, Utc::now()).await;
        if fetch {
            next_fetch = interval.map(|i| Instant::now() + i);
        }
        if tx
            .send(Msg::Source(SourceEvent::Audit(Box::new(update))))
            .await
            .is_err()
        {
            return;
        }
    }
}
