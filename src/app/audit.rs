//! The audit side of the pure app: what the auditor reported (changed files, textual verdicts,
//! required checks), the report derived from it and the board's data (rebuilt only when one of
//! them changed), what the auditor should look at, and the audit view (conflict matrix + merge
//! train) with its keys.
use super::board::CardId;
use super::effect::Effect;
use super::keymap::AuditAction;
use super::screen::Screen;
use super::state::State;
use crate::domain::ObjectKey;
use crate::domain::audit::{self, AuditReport, Inputs, RunChanges};
use crate::sources::pr_audit::{AuditUpdate, AuditWanted, Target, textual_of};
use crossterm::event::KeyEvent;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Conflicts,
    Train,
}

/// The open audit view.
#[derive(Debug, Clone)]
pub struct AuditScreen {
    pub tab: Tab,
    pub selected: usize,
    /// Only this wave (opened from the wave planner).
    pub wave: Option<u32>,
}

/// Where a row of the audit view jumps to.
#[derive(Debug, Clone, PartialEq)]
pub enum Jump {
    Run(ObjectKey),
    Url(String),
}

/// One selectable row of the audit view. The view draws these; the keys act on them.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub text: String,
    /// Headings are not selectable.
    pub heading: bool,
    pub warn: bool,
    pub jump: Option<Jump>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditView {
    /// A source is configured (a clone, or GitHub): without one the view says how to get one.
    pub enabled: bool,
    pub changes: HashMap<ObjectKey, RunChanges>,
    pub textual: HashMap<(String, String), bool>,
    pub required: HashMap<(String, String), Option<Vec<String>>>,
    /// Checks required by config (`[audit] required_checks`), used where GitHub does not say.
    pub required_config: Vec<String>,
    pub guarded: Vec<String>,
    /// The auditor's last word (status line of the audit view).
    pub status: Option<String>,
    report: AuditReport,
    index: HashMap<ObjectKey, usize>,
    pub(super) dirty: bool,
}

impl AuditView {
    pub fn new(guarded: Vec<String>) -> AuditView {
        AuditView {
            guarded,
            dirty: true,
            ..AuditView::default()
        }
    }

    /// Drops what the auditor found for the old target's runs (`:ctx`/`:ns`); the configuration
    /// (guarded paths, required checks, whether a source is set up) stays.
    pub fn forget_cluster(&mut self) {
        *self = AuditView {
            enabled: self.enabled,
            required_config: std::mem::take(&mut self.required_config),
            guarded: std::mem::take(&mut self.guarded),
            dirty: true,
            ..AuditView::default()
        };
    }

    pub fn report(&self) -> &AuditReport {
        &self.report
    }

    pub fn run(&self, key: &ObjectKey) -> Option<&audit::RunReport> {
        self.index.get(key).and_then(|i| self.report.runs.get(*i))
    }
}

/// Applies one auditor refresh.
pub fn apply_update(state: &mut State, update: AuditUpdate) {
    for (key, changes) in update.changes {
        state.audit.changes.insert(key, changes);
    }
    state.audit.textual.extend(update.textual);
    state.audit.required.extend(update.required_checks);
    state.audit.status = Some(update.status);
    state.audit.dirty = true;
}

/// Rebuilds the report when runs, PRs or audit data changed (called with the board's rebuild).
pub fn ensure_report(state: &mut State, board_changed: bool) {
    if !(board_changed || state.audit.dirty) {
        return;
    }
    state.audit.dirty = false;
    // Without a source of changed files there is nothing for the board to show: the audit view
    // builds its train on demand instead (see `rows`).
    let report = if state.audit.enabled {
        build_report(state, None)
    } else {
        AuditReport::default()
    };
    state.audit.index = report
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.key.clone(), i))
        .collect();
    state.audit.report = report;
}

/// The audit of the state's runs (the same core `swarm audit` runs).
pub fn build_report(state: &State, wave: Option<u32>) -> AuditReport {
    let subjects = audit::subjects(
        &state.settings.plan,
        state.cluster.runs.values(),
        &state.cluster.items,
        |r| state.pr_for_run(r),
    );
    let view = &state.audit;
    let changes = |k: &ObjectKey| view.changes.get(k);
    let textual = |a: &str, b: &str| textual_of(&view.textual, a, b);
    let required = |pr: &crate::domain::PullRequest| {
        let base = base_of_pr(state, pr);
        view.required
            .get(&(pr.repository.clone(), base))
            .cloned()
            .flatten()
            .or_else(|| (!view.required_config.is_empty()).then(|| view.required_config.clone()))
    };
    audit::audit(
        &subjects,
        &Inputs {
            plan: &state.settings.plan,
            guarded: &view.guarded,
            changes: &changes,
            textual: &textual,
            required_checks: &required,
            wave,
        },
    )
}

fn base_of_pr(state: &State, pr: &crate::domain::PullRequest) -> String {
    state
        .cluster
        .runs
        .values()
        .find(|r| crate::domain::pr_link::find_pr(&state.cluster.prs, r).is_some_and(|p| p == pr))
        .map(|r| base_of(state, r))
        .unwrap_or_else(|| default_base(state))
}

fn default_base(state: &State) -> String {
    state
        .settings
        .plan
        .base
        .clone()
        .unwrap_or_else(|| "main".into())
}

/// The base branch of a run: its `base` parameter, else its work item's, else the plan's.
pub fn base_of(state: &State, run: &crate::domain::Run) -> String {
    run.parameters
        .get("base")
        .map(str::to_owned)
        .or_else(|| {
            state
                .work_item_of(&CardId::Run(run.key.clone()))
                .and_then(|i| i.parameters.get("base").cloned())
        })
        .unwrap_or_else(|| default_base(state))
}

/// What the auditor should look at: every live run (in flight, or with an open PR).
pub fn wanted(state: &State) -> AuditWanted {
    let subjects = audit::subjects(
        &state.settings.plan,
        state.cluster.runs.values(),
        &state.cluster.items,
        |r| state.pr_for_run(r),
    );
    let mut targets: Vec<Target> = subjects
        .iter()
        .filter(|s| s.is_live())
        .map(|s| Target {
            key: s.run.key.clone(),
            head_branch: s.run.head_branch.as_deref().map(str::to_owned),
            base: base_of(state, s.run),
            pr: s
                .pr
                .map(|p| (p.repository.clone(), p.number, p.head_sha.clone())),
        })
        .collect();
    targets.sort_by(|a, b| a.key.cmp(&b.key));
    AuditWanted { targets }
}

/// Changes when [`wanted`] may have: runs (head branch, phase), items, PR heads.
pub fn wanted_fingerprint(state: &State) -> u64 {
    // Any change of runs, items or PRs may change what to audit: a stamp, not a walk.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    state.cluster.revisions().data.hash(&mut h);
    h.finish()
}

/// Opens the audit view (`m` on the board; `m` in the wave planner opens it on that wave).
pub fn open(state: &mut State, wave: Option<u32>) -> Vec<Effect> {
    state.ensure_board();
    state.screens.open(Screen::Audit(AuditScreen {
        tab: Tab::Conflicts,
        selected: 0,
        wave,
    }));
    let mut screen_rows = rows(state);
    first_selectable(&mut screen_rows, state);
    Vec::new()
}

fn first_selectable(rows: &mut [Row], state: &mut State) {
    if let Some(screen) = state.screens.audit_mut() {
        screen.selected = rows.iter().position(|r| !r.heading).unwrap_or(0);
    }
}

/// The rows of the open tab: conflict pairs with their files, or the trains with their blockers.
pub fn rows(state: &State) -> Vec<Row> {
    let Some(screen) = state.screens.audit() else {
        return Vec::new();
    };
    let owned;
    let report = match screen.wave {
        // A wave's own report: the same core, limited to that wave.
        Some(w) => {
            owned = build_report(state, Some(w));
            &owned
        }
        None if !state.audit.enabled => {
            owned = build_report(state, None);
            &owned
        }
        None => &state.audit.report,
    };
    match screen.tab {
        Tab::Conflicts => conflict_rows(state, report),
        Tab::Train => train_rows(state, report),
    }
}

fn key_of(run: &str) -> Option<ObjectKey> {
    run.split_once('/').map(|(ns, n)| ObjectKey::new(ns, n))
}

fn pr_label(pr: Option<u64>) -> String {
    pr.map(|n| format!(" #{n}")).unwrap_or_default()
}

fn conflict_rows(state: &State, report: &AuditReport) -> Vec<Row> {
    let mut out = Vec::new();
    if report.conflicts.is_empty() {
        out.push(Row {
            text: if state.audit.enabled {
                format!(
                    "no two open swarm PRs change the same file ({} runs audited)",
                    report.runs.len()
                )
            } else {
                "no source for changed files: set [audit] repo (a local clone) or a GitHub token"
                    .into()
            },
            heading: true,
            warn: false,
            jump: None,
        });
        return out;
    }
    for pair in &report.conflicts {
        let verdict = match pair.textual {
            Some(true) => "CONFLICT",
            Some(false) => "no textual conflict",
            None => "textual: unknown (no clone)",
        };
        out.push(Row {
            text: format!(
                "{}{} ⇄ {}{} · {} file{} · {verdict} · {} merges first",
                pair.first,
                pr_label(pair.first_pr),
                pair.second,
                pr_label(pair.second_pr),
                pair.files.len(),
                if pair.files.len() == 1 { "" } else { "s" },
                pair.first,
            ),
            heading: false,
            warn: pair.textual != Some(false),
            jump: key_of(&pair.second).map(Jump::Run),
        });
        for f in pair.files.iter().take(20) {
            out.push(Row {
                text: format!("    {f}"),
                heading: true,
                warn: false,
                jump: None,
            });
        }
        if pair.files.len() > 20 {
            out.push(Row {
                text: format!("    … {} more", pair.files.len() - 20),
                heading: true,
                warn: false,
                jump: None,
            });
        }
    }
    out
}

fn train_rows(state: &State, report: &AuditReport) -> Vec<Row> {
    let mut out = Vec::new();
    if report.trains.is_empty() {
        out.push(Row {
            text: "no runs with a wave".into(),
            heading: true,
            warn: false,
            jump: None,
        });
    }
    for train in &report.trains {
        out.push(Row {
            text: format!(
                "wave {} {} · next: {}",
                train.wave,
                train.title,
                train.next.as_deref().unwrap_or("all merged")
            ),
            heading: true,
            warn: false,
            jump: None,
        });
        for entry in &train.entries {
            let key = key_of(&entry.run);
            let status = if entry.merged {
                "merged".to_owned()
            } else if entry.blockers.is_empty() {
                "ready to merge".to_owned()
            } else {
                format!("{} blocker(s)", entry.blockers.len())
            };
            let next = if train.next.as_deref() == Some(&entry.run) {
                "▶ "
            } else {
                "  "
            };
            out.push(Row {
                text: format!("{next}{}{} · {status}", entry.run, pr_label(entry.pr)),
                heading: false,
                warn: !entry.merged && !entry.blockers.is_empty(),
                jump: key.clone().map(Jump::Run),
            });
            for b in &entry.blockers {
                let jump = match b.target() {
                    Some(run) => key_of(run).map(Jump::Run),
                    None => key
                        .as_ref()
                        .and_then(|k| state.cluster.runs.get(k))
                        .and_then(|r| crate::domain::pr_link::pr_url_for_run(&state.cluster.prs, r))
                        .map(Jump::Url)
                        .or_else(|| key.clone().map(Jump::Run)),
                };
                out.push(Row {
                    text: format!("      ✗ {}", b.describe()),
                    heading: false,
                    warn: true,
                    jump,
                });
            }
        }
    }
    out
}

/// Keys of the audit view: `j/k` move, `tab` switches matrix/train, `enter` jumps to the row's
/// run (its card and details) or PR, `r` refreshes, `esc`/`q` back.
pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let rows = rows(state);
    let Some(action) = state.settings.keymap.audit.action(&key) else {
        return Vec::new();
    };
    let Screen::Audit(screen) = state.screens.front_mut() else {
        return Vec::new();
    };
    let step = |from: usize, down: bool| -> usize {
        let mut i = from;
        loop {
            let next = if down {
                i.checked_add(1)
            } else {
                i.checked_sub(1)
            };
            match next {
                Some(n) if n < rows.len() => {
                    i = n;
                    if !rows[n].heading {
                        return n;
                    }
                }
                _ => return from,
            }
        }
    };
    match action {
        AuditAction::Down => screen.selected = step(screen.selected, true),
        AuditAction::Up => screen.selected = step(screen.selected, false),
        AuditAction::SwitchTab => {
            screen.tab = match screen.tab {
                Tab::Conflicts => Tab::Train,
                Tab::Train => Tab::Conflicts,
            };
            let mut rows = self::rows(state);
            first_selectable(&mut rows, state);
        }
        AuditAction::Refresh => return vec![Effect::RefreshPullRequests],
        AuditAction::Help => super::help::open(state),
        AuditAction::Back => {
            state.screens.back();
        }
        AuditAction::Jump => {
            let jump = rows.get(screen.selected).and_then(|r| r.jump.clone());
            match jump {
                Some(Jump::Url(url)) => return vec![Effect::OpenUrl(url)],
                Some(Jump::Run(key)) => {
                    super::update::jump_to_run(state, key, super::screen::Mode::Audit)
                }
                None => {}
            }
        }
    }
    Vec::new()
}

/// Drifting runs among a column's cards, for the lane header.
pub fn column_drift(state: &State, column: &super::board::Column) -> u32 {
    // Drawn every frame: without an audit report there is nothing to count, and looking up each
    // of 10,000 cards costs more than the rest of an idle frame.
    if state.audit.index.is_empty() {
        return 0;
    }
    column
        .cards
        .iter()
        .filter(|c| match &c.id {
            CardId::Run(k) => state.audit.run(k).is_some_and(|r| !r.drift.is_empty()),
            CardId::WorkItem(_) => false,
        })
        .count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::{Msg, Resource, SourceEvent};
    use crate::app::state::Origin;
    use crate::app::update;
    use crate::domain::{Plan, Run};
    use crossterm::event::KeyCode;
    use crossterm::event::{KeyEventKind, KeyEventState, KeyModifiers};
    use serde_json::json;

    fn key(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent {
            code,
            modifiers: KeyModifiers::NONE,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        })
    }

    fn state() -> State {
        let plan = Plan::parse(
            "name = \"t\"\nbase = \"main\"\n[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"src/**\"]\n",
            "p.toml",
        )
        .expect("plan");
        let mut s = State::new(plan, Origin::default(), chrono::Utc::now());
        s.audit.enabled = true;
        for name in ["a", "b"] {
            let run = Run::from_json(&json!({
                "metadata": {"name": name, "namespace": "ns", "labels": {"swarm.proompteng.ai/lane": "A"}},
                "spec": {"parameters": {"head": format!("codex/{name}"), "base": "develop"}},
                "status": {"phase": "Running"}
            }));
            update(
                &mut s,
                Msg::Source(SourceEvent::Applied(Resource::Run(Box::new(run)))),
            );
        }
        s
    }

    #[test]
    fn wanted_names_every_live_run_with_its_base() {
        let s = state();
        let w = wanted(&s);
        assert_eq!(w.targets.len(), 2);
        assert_eq!(w.targets[0].head_branch.as_deref(), Some("codex/a"));
        assert_eq!(w.targets[0].base, "develop");
        let before = wanted_fingerprint(&s);
        assert_eq!(wanted_fingerprint(&s), before);
    }

    #[test]
    fn an_update_badges_the_card_and_the_view_jumps_to_the_second_of_a_pair() {
        let mut s = state();
        let update_msg = AuditUpdate {
            changes: vec![
                (
                    ObjectKey::new("ns", "a"),
                    RunChanges::modified("1", &["src/x.rs", "etc/passwd"]),
                ),
                (
                    ObjectKey::new("ns", "b"),
                    RunChanges::modified("2", &["src/x.rs"]),
                ),
            ],
            textual: vec![(("1".into(), "2".into()), true)],
            required_checks: Vec::new(),
            status: "git ✓".into(),
        };
        update(
            &mut s,
            Msg::Source(SourceEvent::Audit(Box::new(update_msg))),
        );
        s.ensure_board();
        let a = s.audit.run(&ObjectKey::new("ns", "a")).expect("a audited");
        // etc/passwd is outside lane A and on a credential path: the card names the worse.
        assert_eq!(a.badge().as_deref(), Some("⚠ 1 guarded path"));
        assert_eq!(
            a.drift[0].rules.iter().map(|r| r.rule).collect::<Vec<_>>(),
            vec![
                crate::domain::audit::DriftRule::Guarded,
                crate::domain::audit::DriftRule::OutsideLane
            ]
        );
        assert_eq!(
            column_drift(&s, &s.board_view().columns[0]),
            1,
            "the lane header counts one drifting PR"
        );

        update(&mut s, key(KeyCode::Char('m')));
        assert_eq!(s.mode(), crate::app::screen::Mode::Audit);
        let r = rows(&s);
        assert_eq!(
            r[0].text,
            "ns/a ⇄ ns/b · 1 file · CONFLICT · ns/a merges first"
        );
        assert_eq!(r[1].text, "    src/x.rs");
        update(&mut s, key(KeyCode::Tab));
        assert!(rows(&s).iter().all(|r| !r.text.contains('⇄')));
        update(&mut s, key(KeyCode::Tab));
        update(&mut s, key(KeyCode::Enter));
        assert_eq!(s.mode(), crate::app::screen::Mode::Detail);
        assert_eq!(s.ui.selected, Some(CardId::Run(ObjectKey::new("ns", "b"))));
    }
}
