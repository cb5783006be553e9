//! Runs and PRs reconciled, as a list (`p` on the board): every finding of the ledger
//! (`domain::control::ledger`, kept in the cluster data per run and PR event), orphan PRs
//! included, which have no card. `enter` jumps to the finding's run, `o` opens its PR.
use super::effect::Effect;
use super::keymap::ReconcileAction;
use super::screen::{Mode, Screen};
use super::state::State;
use crate::domain::control::reconcile::Finding;
use crate::domain::{ObjectKey, pr_link};
use crossterm::event::KeyEvent;

/// The open list: which row is selected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileView {
    pub selected: usize,
}

/// `p` on the board.
pub fn open(state: &mut State) -> Vec<Effect> {
    state
        .screens
        .open(Screen::Reconcile(ReconcileView::default()));
    Vec::new()
}

/// The row shown selected: the view's, within the findings there are now (they change under an
/// open list).
pub fn selected(state: &State) -> Option<usize> {
    let view = state.screens.reconcile()?;
    let total = state.cluster.control.reconcile.total();
    (total > 0).then(|| view.selected.min(total - 1))
}

/// The selected finding.
pub fn selected_finding(state: &State) -> Option<&Finding> {
    let i = selected(state)?;
    state.cluster.control.reconcile.iter().nth(i)
}

/// The run a finding points at: its run, or the first of the runs sharing a key.
fn run_of(finding: &Finding) -> Option<ObjectKey> {
    finding.run().cloned()
}

/// The URL `o` opens for a finding: the orphan PR's, else its run's PR.
fn pr_url(state: &State, finding: &Finding) -> Option<String> {
    match finding {
        Finding::OrphanPr {
            repository, head, ..
        } => state
            .cluster
            .prs
            .get(&(repository.clone(), head.clone()))
            .map(|pr| pr.url.clone())
            .filter(|u| pr_link::is_web_url(u)),
        other => {
            let run = state.cluster.runs.get(other.run()?)?;
            pr_link::pr_url_for_run(&state.cluster.prs, run)
        }
    }
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(action) = state.settings.keymap.reconcile.action(&key) else {
        return Vec::new();
    };
    let total = state.cluster.control.reconcile.total();
    let last = total.saturating_sub(1);
    let page = usize::from(state.ui.height.saturating_sub(6)).max(1);
    let current = selected(state).unwrap_or(0);
    let target = match action {
        ReconcileAction::Down => Some(current.saturating_add(1).min(last)),
        ReconcileAction::Up => Some(current.saturating_sub(1)),
        ReconcileAction::PageDown => Some(current.saturating_add(page).min(last)),
        ReconcileAction::PageUp => Some(current.saturating_sub(page)),
        ReconcileAction::Top => Some(0),
        ReconcileAction::Bottom => Some(last),
        _ => None,
    };
    if let Some(target) = target {
        if state
            .screens
            .reconcile()
            .is_some_and(|v| v.selected != target)
            && let Screen::Reconcile(view) = state.screens.front_mut()
        {
            view.selected = target;
        }
        return Vec::new();
    }
    match action {
        ReconcileAction::Jump => match selected_finding(state).cloned() {
            Some(f) => match run_of(&f) {
                Some(run) => super::update::jump_to_run(state, run, Mode::Reconcile),
                None => {
                    let hint = state
                        .settings
                        .keymap
                        .reconcile
                        .key_hint(ReconcileAction::OpenPr);
                    super::toasts::show(
                        state,
                        format!("{}: no run has this branch ({hint} opens the PR)", f.kind()),
                    );
                }
            },
            None => super::toasts::show(state, "nothing to reconcile"),
        },
        ReconcileAction::OpenPr => {
            let Some(f) = selected_finding(state).cloned() else {
                return Vec::new();
            };
            match pr_url(state, &f) {
                Some(url) => {
                    super::toasts::show(state, format!("opening {url}"));
                    return vec![Effect::OpenUrl(url)];
                }
                None => {
                    super::toasts::show(state, format!("{}: no pull request to open", f.kind()))
                }
            }
        }
        ReconcileAction::Help => super::help::open(state),
        ReconcileAction::Back => {
            state.screens.back();
        }
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::board::CardId;
    use crate::app::github::{GitHubHealth, GitHubStatus};
    use crate::app::msg::{Msg, Resource, SourceEvent};
    use crate::app::state::Origin;
    use crate::app::update;
    use crate::domain::{Plan, PrState, PullRequest, Run};
    use crossterm::event::{KeyCode, KeyModifiers};
    use serde_json::{Value, json};

    const PLAN: &str = "[[lane]]\nid = \"A\"\ntitle = \"a\"\nowns = [\"a/**\"]\n\n[[lane]]\nid = \"B\"\ntitle = \"b\"\nowns = [\"b/**\"]\n";

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-02-10T12:00:00Z")
            .expect("time")
            .to_utc()
    }

    fn state() -> State {
        let plan = Plan::parse(PLAN, "plan.toml").expect("plan");
        State::new(plan, Origin::default(), now())
    }

    fn run(name: &str, lane: &str, phase: &str, head: &str, real: Option<&str>) -> Value {
        let mut status = json!({"phase": phase});
        if let Some(r) = real {
            status["vcs"] = json!({"repository": "o/r", "headBranch": r});
        }
        json!({"metadata": {"name": name, "namespace": "ns",
                            "labels": {"swarm.proompteng.ai/lane": lane}},
               "spec": {"parameters": {"repository": "o/r", "head": head}},
               "status": status})
    }

    fn apply(state: &mut State, obj: Value) {
        let run = Run::from_json(&obj);
        update(
            state,
            Msg::Source(SourceEvent::Applied(Resource::Run(Box::new(run)))),
        );
    }

    fn pr(state: &mut State, head: &str, number: u64, pr_state: PrState) {
        let mut pr = PullRequest::new("o/r", head, number, pr_state, now());
        pr.url = format!("https://github.com/o/r/pull/{number}");
        update(state, Msg::Source(SourceEvent::PullRequests(vec![pr])));
    }

    fn github_ok(state: &mut State) {
        update(
            state,
            Msg::Source(SourceEvent::GitHub(GitHubStatus {
                health: GitHubHealth::Ok,
                message: "ok".into(),
                last_ok: Some(now()),
                retry_at: None,
            })),
        );
    }

    fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
        update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn texts(state: &State) -> Vec<String> {
        state
            .cluster
            .control
            .reconcile
            .iter()
            .map(Finding::text)
            .collect()
    }

    #[test]
    fn findings_follow_run_and_pr_events() {
        let mut s = state();
        s.settings.head_prefix = "codex/".into();
        apply(&mut s, run("done", "A", "Succeeded", "codex/done", None));
        // No GitHub refresh yet: nothing is said about missing PRs.
        assert!(texts(&s).is_empty());
        github_ok(&mut s);
        assert_eq!(texts(&s), ["done: finished without a pull request"]);
        assert_eq!(s.cluster.control.reconcile.lane(Some("A")), 1);
        // Its PR arrives: the finding goes.
        pr(&mut s, "codex/done", 4, PrState::Open);
        assert!(texts(&s).is_empty());
        assert_eq!(s.cluster.control.reconcile.lane(Some("A")), 0);
        // An open PR on a swarm branch no run pushes: an orphan, which no lane counts.
        pr(&mut s, "codex/gone", 9, PrState::Open);
        assert_eq!(
            texts(&s),
            ["PR #9 (o/r codex/gone) is open but its run is gone"]
        );
        assert_eq!(s.cluster.control.reconcile.flagged_runs(), 0);
        // A run that pushes that branch takes it back; renamed from what it asked for.
        apply(
            &mut s,
            run("b1", "B", "Running", "codex/b1", Some("codex/gone")),
        );
        assert_eq!(
            texts(&s),
            ["b1: pushed codex/gone, not codex/b1 (the controller renamed the branch)"]
        );
        assert_eq!(s.cluster.control.reconcile.lane(Some("B")), 1);
        update(
            &mut s,
            Msg::Source(SourceEvent::Deleted(
                crate::domain::ResourceKind::AgentRun,
                ObjectKey::new("ns", "b1"),
            )),
        );
        assert_eq!(
            texts(&s),
            ["PR #9 (o/r codex/gone) is open but its run is gone"]
        );
        assert_eq!(s.cluster.control.reconcile.lane(Some("B")), 0);
    }

    #[test]
    fn an_idle_github_status_is_not_a_change_of_the_screen() {
        let mut s = state();
        github_ok(&mut s);
        let stamp = s.cluster.stamp();
        // The same known-ness again (another refresh time): the ledger is not touched.
        update(
            &mut s,
            Msg::Source(SourceEvent::GitHub(GitHubStatus {
                health: GitHubHealth::Ok,
                message: "ok".into(),
                last_ok: Some(now() + chrono::Duration::seconds(30)),
                retry_at: None,
            })),
        );
        assert_eq!(s.cluster.stamp(), stamp);
    }

    #[test]
    fn the_list_jumps_to_the_run_and_opens_an_orphans_pr() {
        let mut s = state();
        github_ok(&mut s);
        apply(&mut s, run("a-done", "A", "Succeeded", "codex/a", None));
        pr(&mut s, "codex/old", 7, PrState::Draft);
        s.ensure_board();
        press(&mut s, KeyCode::Char('p'));
        assert_eq!(s.mode(), Mode::Reconcile);
        // Sorted as `reconcile` sorts: the run without a PR, then the orphan.
        assert_eq!(selected_finding(&s).map(Finding::kind), Some("no PR"));
        press(&mut s, KeyCode::Char('j'));
        assert_eq!(selected_finding(&s).map(Finding::kind), Some("orphan PR"));
        press(&mut s, KeyCode::Char('j'));
        assert_eq!(selected(&s), Some(1), "the last row stays selected");
        // An orphan has no card: enter says so, o opens the PR.
        assert!(press(&mut s, KeyCode::Enter).is_empty());
        assert_eq!(s.mode(), Mode::Reconcile);
        assert!(
            s.toasts
                .current(s.now)
                .is_some_and(|t| t.contains("no run has this branch")),
            "{:?}",
            s.toasts.current(s.now)
        );
        assert!(matches!(
            press(&mut s, KeyCode::Char('o')).as_slice(),
            [Effect::OpenUrl(u)] if u == "https://github.com/o/r/pull/7"
        ));
        // The run's row jumps to its card and opens its details.
        press(&mut s, KeyCode::Char('g'));
        press(&mut s, KeyCode::Enter);
        assert_eq!(s.mode(), Mode::Detail);
        assert_eq!(
            s.selected_card(),
            Some(&CardId::Run(ObjectKey::new("ns", "a-done")))
        );
        // Back from the details is the board (the list was closed by the jump).
        press(&mut s, KeyCode::Esc);
        assert_eq!(s.mode(), Mode::Board);
    }

    #[test]
    fn the_selection_stays_within_findings_that_went() {
        let mut s = state();
        github_ok(&mut s);
        apply(&mut s, run("a1", "A", "Succeeded", "codex/a1", None));
        apply(&mut s, run("a2", "A", "Succeeded", "codex/a2", None));
        press(&mut s, KeyCode::Char('p'));
        press(&mut s, KeyCode::Char('G'));
        assert_eq!(selected(&s), Some(1));
        pr(&mut s, "codex/a2", 3, PrState::Open);
        assert_eq!(selected(&s), Some(0));
        pr(&mut s, "codex/a1", 2, PrState::Open);
        assert_eq!(selected(&s), None);
        press(&mut s, KeyCode::Enter);
        assert_eq!(s.toasts.current(s.now), Some("nothing to reconcile"));
    }
}
