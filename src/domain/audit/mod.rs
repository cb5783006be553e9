//! What the PRs really touch: the changed files of every swarm PR (from git or GitHub), lane drift,
//! the conflict matrix and the merge train. Pure: the sources fill [`RunChanges`], this module
//! judges them. The TUI and `swarm audit` call the same [`audit`] core.
pub mod conflicts;
pub mod drift;
pub mod train;

use super::plan::Plan;
use super::pr::{PrState, PullRequest};
use super::run::Run;
use super::template::{SectionKind, Template};
use super::work_item::WorkItem;
use super::{ObjectKey, Phase};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub use conflicts::ConflictPair;
pub use drift::{DriftFile, DriftRule, RuleBreak};
pub use train::{Blocker, TrainEntry, WaveTrain};

/// GitHub's "list pull request files" stops at this many files.
pub const GITHUB_FILE_LIMIT: usize = 3000;

/// How a file changed (`git diff --name-status` letters, GitHub's `status` words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    Added,
    Modified,
    Deleted,
    Renamed,
    Copied,
    TypeChanged,
    Unknown,
}

impl FileStatus {
    /// A `git diff --name-status` letter (`R100` → `R`).
    pub fn from_git(letter: &str) -> FileStatus {
        match letter.chars().next() {
            Some('A') => FileStatus::Added,
            Some('M') => FileStatus::Modified,
            Some('D') => FileStatus::Deleted,
            Some('R') => FileStatus::Renamed,
            Some('C') => FileStatus::Copied,
            Some('T') => FileStatus::TypeChanged,
            _ => FileStatus::Unknown,
        }
    }

    /// GitHub's `status` of a PR file (`added`, `removed`, `modified`, `renamed`, `copied`,
    /// `changed`, `unchanged`).
    pub fn from_github(word: &str) -> FileStatus {
        match word {
            "added" => FileStatus::Added,
            "modified" => FileStatus::Modified,
            "removed" => FileStatus::Deleted,
            "renamed" => FileStatus::Renamed,
            "copied" => FileStatus::Copied,
            "changed" => FileStatus::TypeChanged,
            _ => FileStatus::Unknown,
        }
    }

    pub fn letter(self) -> char {
        match self {
            FileStatus::Added => 'A',
            FileStatus::Modified => 'M',
            FileStatus::Deleted => 'D',
            FileStatus::Renamed => 'R',
            FileStatus::Copied => 'C',
            FileStatus::TypeChanged => 'T',
            FileStatus::Unknown => '?',
        }
    }
}

/// One changed file of a PR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedFile {
    pub path: String,
    pub status: FileStatus,
    /// The old path of a rename or copy: it changes too (a rename out of a guarded path is a
    /// change to that path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_path: Option<String>,
    /// Git says binary (`-` in `--numstat`), or GitHub gave no patch for it.
    pub binary: bool,
}

impl ChangedFile {
    pub fn new(path: impl Into<String>, status: FileStatus) -> ChangedFile {
        ChangedFile {
            path: path.into(),
            status,
            previous_path: None,
            binary: false,
        }
    }

    /// Every path this change touches: the path, and the old path of a rename.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.path.as_str()).chain(self.previous_path.as_deref())
    }
}

/// Where a change set came from. Git is the only truth for textual conflicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeSource {
    Git,
    #[serde(rename = "github")]
    GitHub,
}

impl ChangeSource {
    pub fn label(self) -> &'static str {
        match self {
            ChangeSource::Git => "git",
            ChangeSource::GitHub => "GitHub",
        }
    }
}

/// The changed files of one run's head against its base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeSet {
    pub source: ChangeSource,
    pub head_sha: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_sha: Option<String>,
    pub files: Vec<ChangedFile>,
    /// GitHub stopped listing at [`GITHUB_FILE_LIMIT`] files: there may be more.
    pub truncated: bool,
}

/// Why the changed files of a run are not known (or not current). Shown on the run's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditFault {
    #[error("clone {path}: {why}")]
    Clone { path: String, why: String },
    #[error("branch {branch} not pushed yet")]
    NotPushed { branch: String },
    #[error("base branch {branch} not found on the remote")]
    NoBase { branch: String },
    #[error("no head branch (status.vcs.headBranch / parameters.head)")]
    NoHead,
    #[error("git: {message}")]
    Git { message: String },
    #[error("GitHub: {message}")]
    GitHub { message: String },
}

impl AuditFault {
    /// Card text: a few words.
    pub fn short(&self) -> String {
        match self {
            AuditFault::Clone { .. } => "clone unusable".into(),
            AuditFault::NotPushed { .. } => "branch not pushed".into(),
            AuditFault::NoBase { .. } => "base branch missing".into(),
            AuditFault::NoHead => "no head branch".into(),
            AuditFault::Git { .. } => "git failed".into(),
            AuditFault::GitHub { message } if message.contains("rate limit") => {
                "GitHub rate limited".into()
            }
            AuditFault::GitHub { .. } => "GitHub files failed".into(),
        }
    }
}

/// What the sources know about one run's changes: the last good change set (kept when a later
/// fetch fails), the fault of the last attempt, and a force-push seen between two fetches.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunChanges {
    pub changes: Option<ChangeSet>,
    pub fault: Option<AuditFault>,
    /// (old head, new head) when the new head does not descend from the old one.
    pub force_pushed: Option<(String, String)>,
    pub fetched_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
impl RunChanges {
    /// Read from git at `sha` with every file in `files` modified: the tests' change sets.
    pub(crate) fn modified(sha: &str, files: &[&str]) -> RunChanges {
        RunChanges {
            changes: Some(ChangeSet {
                source: ChangeSource::Git,
                head_sha: sha.into(),
                base_sha: None,
                files: files
                    .iter()
                    .map(|f| ChangedFile::new(*f, FileStatus::Modified))
                    .collect(),
                truncated: false,
            }),
            ..RunChanges::default()
        }
    }
}

/// One run as the audit sees it.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub run: &'a Run,
    pub item: Option<&'a WorkItem>,
    pub lane: Option<&'a str>,
    pub wave: Option<u32>,
    pub pr: Option<&'a PullRequest>,
}

impl Subject<'_> {
    /// Still heading for a merge: in flight, or with an open PR.
    pub fn is_live(&self) -> bool {
        match self.pr {
            Some(pr) => pr.is_open(),
            None => !self.run.phase.is_terminal() && self.run.phase != Phase::Template,
        }
    }

    pub fn merged(&self) -> bool {
        self.pr.is_some_and(|pr| pr.state == PrState::Merged)
    }

    /// The seed's merge order: earlier wave first, then the older PR, then the name.
    pub fn merge_rank(&self) -> (u32, u64, &ObjectKey) {
        (
            self.wave.unwrap_or(u32::MAX),
            self.pr.map_or(u64::MAX, |p| p.number),
            &self.run.key,
        )
    }
}

/// The work item's in-scope paths (the template's "In-scope paths" list).
pub fn in_scope(item: &WorkItem) -> Vec<String> {
    Template::parse(&item.text)
        .items(SectionKind::InScopePaths)
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

/// Every run worth auditing, with its lane, wave and PR. Runs of a work item that was relaunched
/// count once: the one with a PR, else the newest.
pub fn subjects<'a>(
    plan: &Plan,
    runs: impl IntoIterator<Item = &'a Run>,
    items: &'a BTreeMap<ObjectKey, WorkItem>,
    pr_of: impl Fn(&Run) -> Option<&'a PullRequest>,
) -> Vec<Subject<'a>> {
    let mut by_item: HashMap<
        (compact_str::CompactString, compact_str::CompactString),
        Subject<'a>,
    > = HashMap::new();
    let mut out = Vec::new();
    for run in runs {
        if run.is_template {
            continue;
        }
        let place = super::placement::Placement::of(run, items, plan);
        let subject = Subject {
            run,
            item: place.item,
            lane: place.lane,
            wave: place.wave,
            pr: pr_of(run),
        };
        match &run.work_item {
            Some(name) => {
                let key = (run.key.namespace.clone(), name.clone());
                let better = by_item.get(&key).is_none_or(|old| {
                    (subject.pr.is_some(), run.created) > (old.pr.is_some(), old.run.created)
                });
                if better {
                    by_item.insert(key, subject);
                }
            }
            None => out.push(subject),
        }
    }
    out.extend(by_item.into_values());
    out.sort_by(|a, b| a.merge_rank().cmp(&b.merge_rank()));
    out
}

/// Everything else the audit needs besides the subjects.
pub struct Inputs<'a> {
    pub plan: &'a Plan,
    /// Guarded path globs (credentials): a change there is always drift.
    pub guarded: &'a [String],
    pub changes: &'a dyn Fn(&ObjectKey) -> Option<&'a RunChanges>,
    /// Whether two heads conflict textually (`git merge-tree`); `None` when not known.
    pub textual: &'a dyn Fn(&str, &str) -> Option<bool>,
    /// The checks the repository requires for a PR's base; `None` when not known.
    pub required_checks: &'a dyn Fn(&PullRequest) -> Option<Vec<String>>,
    /// Only this wave (`--wave N`); the train still counts earlier waves.
    pub wave: Option<u32>,
}

/// One run's line of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    pub run: String,
    pub lane: Option<String>,
    pub wave: Option<u32>,
    pub head_branch: Option<String>,
    pub pr: Option<u64>,
    pub source: Option<ChangeSource>,
    pub head_sha: Option<String>,
    /// Changed files (renames count once).
    pub files: usize,
    pub truncated: bool,
    pub binary_files: usize,
    pub renamed_files: usize,
    pub drift: Vec<DriftFile>,
    pub fault: Option<AuditFault>,
    /// `[old, new]` head when the branch was force-pushed since the last fetch.
    pub force_pushed: Option<[String; 2]>,
    pub changed_files: Vec<ChangedFile>,
    #[serde(skip)]
    pub key: ObjectKey,
}

impl RunReport {
    /// Files that break the most serious rule, for the card badge: `⚠ 3 outside lane`.
    pub fn badge(&self) -> Option<String> {
        drift::badge(&self.drift)
    }
}

/// The whole audit: per run, the pairs that change the same files, and the merge train.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct AuditReport {
    pub runs: Vec<RunReport>,
    pub conflicts: Vec<ConflictPair>,
    pub trains: Vec<WaveTrain>,
}

impl AuditReport {
    pub fn run(&self, key: &ObjectKey) -> Option<&RunReport> {
        self.runs.iter().find(|r| &r.key == key)
    }

    /// Runs with drift.
    pub fn drifting(&self) -> usize {
        self.runs.iter().filter(|r| !r.drift.is_empty()).count()
    }

    /// Pairs that conflict textually, or share files when git could not say. A same-file pair
    /// git merges cleanly is listed but not counted.
    pub fn conflicting_pairs(&self) -> usize {
        self.conflicts
            .iter()
            .filter(|p| p.textual != Some(false))
            .count()
    }

    /// `swarm audit`'s exit: 1 when drift or a conflict was found, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.drifting() > 0 || self.conflicting_pairs() > 0 {
            1
        } else {
            0
        }
    }

    pub fn conflicts_of<'r>(&'r self, run: &'r str) -> impl Iterator<Item = &'r ConflictPair> {
        self.conflicts
            .iter()
            .filter(move |p| p.first == run || p.second == run)
    }
}

/// The audit core shared by the board and `swarm audit`.
pub fn audit(subjects: &[Subject], inputs: &Inputs) -> AuditReport {
    let guarded = drift::GlobList::new(inputs.guarded);
    let lanes: HashMap<&str, drift::GlobList> = inputs
        .plan
        .lanes
        .iter()
        .map(|l| (l.id.as_str(), drift::GlobList::new(&l.owns)))
        .collect();
    let in_wave = |s: &Subject| inputs.wave.is_none_or(|w| s.wave == Some(w));
    let runs: Vec<RunReport> = subjects
        .iter()
        .filter(|s| s.is_live() && in_wave(s))
        .map(|s| run_report(s, inputs, &guarded, &lanes))
        .collect();
    let conflicts = conflicts::pairs(&runs, inputs.textual);
    let trains = train::trains(subjects, &runs, &conflicts, inputs);
    AuditReport {
        runs,
        conflicts,
        trains,
    }
}

fn run_report(
    s: &Subject,
    inputs: &Inputs,
    guarded: &drift::GlobList,
    lanes: &HashMap<&str, drift::GlobList>,
) -> RunReport {
    let known = (inputs.changes)(&s.run.key);
    let changes = known.and_then(|c| c.changes.as_ref());
    let lane = s.lane.and_then(|id| inputs.plan.lane(id)).and_then(|l| {
        lanes
            .get(l.id.as_str())
            .map(|g| (l.id.as_str(), l.owns.as_slice(), g))
    });
    // The work item's text is parsed only for runs whose files are known.
    let drift = changes
        .map(|c| {
            let scope = s.item.map(in_scope).unwrap_or_default();
            drift::drift_with(&c.files, &scope, lane, guarded)
        })
        .unwrap_or_default();
    RunReport {
        run: s.run.key.to_string(),
        lane: s.lane.map(str::to_owned),
        wave: s.wave,
        head_branch: s.run.head_branch.as_deref().map(str::to_owned),
        pr: s.pr.map(|p| p.number),
        source: changes.map(|c| c.source),
        head_sha: changes.map(|c| c.head_sha.clone()),
        files: changes.map_or(0, |c| c.files.len()),
        truncated: changes.is_some_and(|c| c.truncated),
        binary_files: changes.map_or(0, |c| c.files.iter().filter(|f| f.binary).count()),
        renamed_files: changes.map_or(0, |c| {
            c.files
                .iter()
                .filter(|f| f.status == FileStatus::Renamed)
                .count()
        }),
        drift,
        fault: known.and_then(|c| c.fault.clone()),
        force_pushed: known
            .and_then(|c| c.force_pushed.clone())
            .map(|(a, b)| [a, b]),
        changed_files: changes.map(|c| c.files.clone()).unwrap_or_default(),
        key: s.run.key.clone(),
    }
}
