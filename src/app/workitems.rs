//! Work item flows on top of the editor: new, edit, save (and its conflicts), approve, revoke,
//! validate, drafts. Pure: they change state and return effects.
use super::editor::{self, Conflict, Editor, Focus, Outcome};
use super::effect::Effect;
use super::keymap::{DraftsAction, EditorAction, EditorTextAction, FindingsAction};
use super::msg::OpResult;
use super::screen::Screen;
use super::state::{FindingsView, Mode, State};
use crate::domain::approval::{Approval, Claim};
use crate::domain::checks::{self, Context, Finding, has_errors};
use crate::domain::manifest::ItemDraft;
use crate::domain::template::Template;
use crate::domain::{ObjectKey, Run, WorkItem};
use crossterm::event::KeyEvent;

/// Runs the checks of one work item against everything the cockpit knows.
pub fn findings_for(state: &State, item: &WorkItem) -> Vec<Finding> {
    with_check_context(state, &item.key, |ctx| checks::check_item(item, ctx))
}

/// The checks' view of everything else the cockpit knows (other items, runs in flight).
fn with_check_context<R>(state: &State, item: &ObjectKey, f: impl FnOnce(&Context) -> R) -> R {
    let others: Vec<&WorkItem> = state
        .cluster
        .items
        .values()
        .filter(|i| &i.key != item)
        .collect();
    let in_flight: Vec<&Run> = state
        .cluster
        .runs
        .values()
        .filter(|r| r.phase.is_in_flight())
        .collect();
    f(&Context {
        plan: &state.settings.plan,
        items: &others,
        in_flight: &in_flight,
        head_prefix: &state.settings.head_prefix,
        allow_prompt_override: false,
        guardrails: &state.settings.guardrails,
    })
}

fn recheck(state: &mut State) {
    let Some(editor) = state.screens.editor() else {
        return;
    };
    let key = editor.as_work_item().key;
    let findings = with_check_context(state, &key, |ctx| editor.check(ctx));
    if let Some(editor) = state.screens.editor_mut() {
        editor.findings = findings;
    }
}

/// The work item behind the selected card (the item itself, or the one its run executes).
fn selected_item(state: &State) -> Option<&WorkItem> {
    state.selected_card().and_then(|id| state.work_item_of(id))
}

fn open_editor(state: &mut State, editor: Editor) {
    state.screens.open(Screen::Editor(Box::new(editor)));
    recheck(state);
}

/// `n`: a new work item in the selected lane, pre-filled from the seed's template.
pub fn new_item(state: &mut State) -> Vec<Effect> {
    state.ensure_board();
    let Some(lane) = state
        .board_view()
        .columns
        .get(state.ui.lane)
        .and_then(|c| c.lane.clone())
    else {
        super::toasts::show(
            state,
            "select a lane first: new work items belong to a lane",
        );
        return Vec::new();
    };
    let namespace = state
        .cluster
        .origin
        .namespace
        .clone()
        .or_else(|| {
            state
                .cluster
                .items
                .keys()
                .next()
                .map(|k| k.namespace.to_string())
        })
        .unwrap_or_else(|| "default".into());
    let name = editor::suggest_name(&lane, |n| {
        state
            .cluster
            .items
            .contains_key(&ObjectKey::new(namespace.clone(), n.to_owned()))
    });
    let owns = state
        .settings
        .plan
        .lane(&lane)
        .map(|l| l.owns.clone())
        .unwrap_or_default();
    let repository = state
        .settings
        .plan
        .repository
        .clone()
        .unwrap_or_else(|| "owner/repo".into());
    let base = state
        .settings
        .plan
        .base
        .clone()
        .unwrap_or_else(|| "main".into());
    let head = format!(
        "{}swarm/lane-{}/{name}",
        state.settings.head_prefix,
        lane.to_ascii_lowercase()
    );
    let draft = ItemDraft {
        context: Some(state.cluster.origin.context.clone()),
        namespace,
        name,
        lane: Some(lane.clone()),
        wave: state
            .settings
            .plan
            .waves
            .first()
            .map(|w| w.number.to_string()),
        depends_on: Vec::new(),
        text: Template::new_item(&lane, &owns, &repository, &base, &head),
        base_resource_version: None,
    };
    let mut editor = Editor::from_draft(draft, true);
    // A new item starts on its name: that is what the operator types first.
    editor.row = 0;
    editor.focus = Focus::Text;
    editor.name.move_cursor(ratatui_textarea::CursorMove::End);
    editor.changed = true;
    editor.draft_pending = true;
    open_editor(state, editor);
    Vec::new()
}

/// `e` / `E`: edit the selected work item (in place, or in `$EDITOR`).
pub fn edit_item(state: &mut State, external: bool) -> Vec<Effect> {
    let Some(item) = selected_item(state).cloned() else {
        super::toasts::show(state, "no work item selected");
        return Vec::new();
    };
    open_editor(state, Editor::open(&item, &state.cluster.origin.context));
    if external {
        return vec![Effect::ExternalEdit { text: item.text }];
    }
    Vec::new()
}

/// `v`: the checks of the selected work item.
pub fn validate(state: &mut State) -> Vec<Effect> {
    let Some(item) = selected_item(state).cloned() else {
        super::toasts::show(state, "no work item selected");
        return Vec::new();
    };
    let findings = findings_for(state, &item);
    let title = if findings.is_empty() {
        format!("{}: all checks pass", item.key.name)
    } else {
        format!("{}: {} finding(s)", item.key.name, findings.len())
    };
    show_findings(state, title, findings);
    Vec::new()
}

fn show_findings(state: &mut State, title: String, findings: Vec<Finding>) {
    state.screens.open(Screen::Findings(FindingsView {
        title,
        findings,
        scroll: 0,
    }));
}

/// Why an approval or a revocation is refused (the TUI and `swarm approve` say the same).
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    ReadOnly,
    /// Already approved: the verdict's label (`approved by … · signed`).
    AlreadyApproved(String),
    NotApproved,
    /// A check fails: every finding, the errors among them.
    FailingChecks(Vec<Finding>),
}

impl Refusal {
    pub fn errors(&self) -> usize {
        match self {
            Refusal::FailingChecks(f) => f
                .iter()
                .filter(|f| f.severity == checks::Severity::Error)
                .count(),
            _ => 0,
        }
    }
}

/// The approval of `item` as an effect (sign, then record), or why not: read-only, already
/// approved, a failing check against everything the cockpit knows. The one rule for `a` and
/// `swarm approve`.
pub fn approval(state: &State, item: &WorkItem) -> Result<Effect, Refusal> {
    if state.settings.read_only {
        return Err(Refusal::ReadOnly);
    }
    let verdict = state.approval_of(item);
    if verdict.is_approved() {
        return Err(Refusal::AlreadyApproved(verdict.label()));
    }
    let findings = findings_for(state, item);
    if has_errors(&findings) {
        return Err(Refusal::FailingChecks(findings));
    }
    let at = state.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let claim = Claim::for_item(item, &state.settings.plan, &state.settings.operator, &at);
    Ok(Effect::ApproveWorkItem {
        item: Box::new(item.clone()),
        claim,
    })
}

/// The revocation of `item`'s approval (also clears a stale one) as an effect, or why not. The
/// one rule for `A` and `swarm revoke`.
pub fn revocation(state: &State, item: &WorkItem) -> Result<Effect, Refusal> {
    if state.settings.read_only {
        return Err(Refusal::ReadOnly);
    }
    if state.approval_of(item) == Approval::NotApproved {
        return Err(Refusal::NotApproved);
    }
    Ok(Effect::PatchWorkItem {
        item: Box::new(item.clone()),
        patch: crate::domain::approval::revoke_patch(item),
        what: "revoke",
    })
}

/// `a`: approve, refused with the findings while any check fails.
pub fn approve(state: &mut State) -> Vec<Effect> {
    let Some(item) = selected_item(state).cloned() else {
        let text = if state.settings.read_only {
            "read-only: approving is disabled"
        } else {
            "no work item selected"
        };
        super::toasts::show(state, text);
        return Vec::new();
    };
    match approval(state, &item) {
        Ok(effect) => {
            let text = if state.settings.approvals.is_unverified() {
                format!(
                    "approving {} (unverified: no [approvals] allowed_signers configured)…",
                    item.key.name
                )
            } else {
                format!("signing the approval of {}…", item.key.name)
            };
            super::toasts::show(state, text);
            vec![effect]
        }
        Err(Refusal::FailingChecks(findings)) => {
            let errors = Refusal::FailingChecks(findings.clone()).errors();
            show_findings(
                state,
                format!(
                    "Approval refused: {} has {errors} failing check(s)",
                    item.key.name
                ),
                findings,
            );
            Vec::new()
        }
        Err(Refusal::ReadOnly) => {
            super::toasts::show(state, "read-only: approving is disabled");
            Vec::new()
        }
        Err(Refusal::AlreadyApproved(_) | Refusal::NotApproved) => {
            super::toasts::show(state, format!("{} is already approved", item.key.name));
            Vec::new()
        }
    }
}

/// `A`: revoke an approval (also clears a stale one).
pub fn revoke(state: &mut State) -> Vec<Effect> {
    let Some(item) = selected_item(state).cloned() else {
        let text = if state.settings.read_only {
            "read-only: revoking is disabled"
        } else {
            "no work item selected"
        };
        super::toasts::show(state, text);
        return Vec::new();
    };
    match revocation(state, &item) {
        Ok(effect) => {
            super::toasts::show(
                state,
                format!("revoking the approval of {}…", item.key.name),
            );
            vec![effect]
        }
        Err(Refusal::ReadOnly) => {
            super::toasts::show(state, "read-only: revoking is disabled");
            Vec::new()
        }
        Err(_) => {
            super::toasts::show(state, format!("{} is not approved", item.key.name));
            Vec::new()
        }
    }
}

/// Keys while the editor is open.
pub fn on_editor_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Screen::Editor(editor) = state.screens.front_mut() else {
        return Vec::new();
    };
    match editor::on_key(editor, &state.settings.keymap, key) {
        Outcome::Nothing => Vec::new(),
        Outcome::Help => {
            super::help::open(state);
            Vec::new()
        }
        Outcome::Edited => {
            if editor.is_new && editor.row == 0 {
                follow_name_in_head(editor, &state.settings.head_prefix);
            }
            editor.changed = true;
            editor.draft_pending = true;
            editor.message = None;
            recheck(state);
            Vec::new()
        }
        Outcome::Close => {
            let effects = editor::persist(editor);
            let name = editor.name();
            state.screens.back();
            if !effects.is_empty() {
                super::toasts::show(state, format!("unsaved changes to {name} kept as a draft"));
            }
            effects
        }
        Outcome::Save => save(state),
        Outcome::ExternalEdit => vec![Effect::ExternalEdit {
            text: editor.text(),
        }],
        Outcome::Overwrite => {
            if let Some(conflict) = editor.conflict.take() {
                editor.base_resource_version = conflict.theirs.resource_version.clone();
            }
            save(state)
        }
        Outcome::TakeTheirs => {
            let Some(conflict) = editor.conflict.take() else {
                return Vec::new();
            };
            let backup = editor.draft();
            let mut fresh = Editor::open(&conflict.theirs, &state.cluster.origin.context);
            fresh.message = Some("took their version; yours is kept in the drafts backup".into());
            **editor = fresh;
            recheck(state);
            let delete = Effect::DeleteDraft {
                context: backup.context.clone(),
                namespace: backup.namespace.clone(),
                name: backup.name.clone(),
            };
            vec![Effect::WriteBackup(Box::new(backup)), delete]
        }
        Outcome::Merge => {
            let Some(conflict) = editor.conflict.take() else {
                return Vec::new();
            };
            let mut draft = editor.draft();
            draft.text = editor::merge_text(&draft.text, &conflict.theirs.text);
            draft.base_resource_version = conflict.theirs.resource_version.clone();
            let save = state
                .settings
                .keymap
                .editor_text
                .key_hint(EditorTextAction::Save);
            let mut merged = Editor::from_draft(draft, false);
            merged.changed = true;
            merged.draft_pending = true;
            merged.message = Some(format!(
                "merged: settle the <<<<<<< yours / >>>>>>> theirs blocks, then {save}"
            ));
            editor::reset_cursor(&mut merged);
            **editor = merged;
            recheck(state);
            Vec::new()
        }
    }
}

/// While a new item's head branch is still the generated one, renaming the item renames it too.
fn follow_name_in_head(editor: &mut Editor, prefix: &str) {
    let lane = editor.lane.clone().unwrap_or_default().to_ascii_lowercase();
    let dir = format!("{prefix}swarm/lane-{lane}/");
    let name = editor.name();
    let Some(params) = editor
        .sections
        .iter_mut()
        .find(|s| s.kind == Some(crate::domain::template::SectionKind::Parameters))
    else {
        return;
    };
    let lines: Vec<String> = params.area.lines().to_vec();
    let mut changed = false;
    let updated: Vec<String> = lines
        .iter()
        .map(|line| {
            let generated = line
                .trim_start()
                .strip_prefix("- head:")
                .map(str::trim)
                .is_some_and(|v| {
                    v.starts_with(&dir)
                        && v[dir.len()..]
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                });
            if generated && !name.is_empty() {
                changed = true;
                format!("- head: {dir}{name}")
            } else {
                line.clone()
            }
        })
        .collect();
    if changed && updated != lines {
        let mut area = ratatui_textarea::TextArea::new(updated);
        area.set_max_histories(200);
        params.area = area;
    }
}

fn save(state: &mut State) -> Vec<Effect> {
    if state.settings.read_only {
        if let Some(editor) = state.screens.editor_mut() {
            editor.message =
                Some("read-only: saving is disabled; your text is kept as a draft".into());
            return editor::persist(editor);
        }
        return Vec::new();
    }
    let Some(editor) = state.screens.editor_mut() else {
        return Vec::new();
    };
    if let Some(f) = editor
        .findings
        .iter()
        .find(|f| f.check == crate::domain::checks::CheckId::Name)
    {
        editor.message = Some(format!("cannot save: {}", f.message));
        return Vec::new();
    }
    if !editor.changed && !editor.is_new {
        editor.message = Some("nothing to save".into());
        return Vec::new();
    }
    editor.saving = true;
    editor.message = Some("saving…".into());
    // The draft is on disk before the request leaves: a failed save loses nothing.
    let mut effects = editor.write_draft();
    effects.push(Effect::SaveWorkItem {
        draft: Box::new(editor.draft()),
        create: editor.is_new,
    });
    effects
}

/// Once a second: write the draft if the operator typed since the last write.
pub fn on_tick(state: &mut State) -> Vec<Effect> {
    if !state.screens.editor().is_some_and(|e| e.draft_pending) {
        return Vec::new();
    }
    match state.screens.editor_mut() {
        Some(editor) => editor.write_draft(),
        None => Vec::new(),
    }
}

/// Leaving the cockpit with the editor open: keep what was typed.
pub fn on_quit(state: &mut State) -> Vec<Effect> {
    state
        .screens
        .editor_mut()
        .map(editor::persist)
        .unwrap_or_default()
}

/// Outcomes of effects.
pub fn on_op(state: &mut State, result: OpResult) -> Vec<Effect> {
    match result {
        OpResult::Saved(item) => {
            let effects = vec![Effect::DeleteDraft {
                context: Some(state.cluster.origin.context.clone()),
                namespace: item.key.namespace.to_string(),
                name: item.key.name.to_string(),
            }];
            let revoked = matches!(state.approval_of(&item), Approval::Revoked { .. });
            if let Some(editor) = state
                .screens
                .editor_mut()
                .filter(|e| e.name() == item.key.name)
            {
                editor.saving = false;
                editor.is_new = false;
                editor.changed = false;
                editor.draft_pending = false;
                editor.base_resource_version = item.resource_version.clone();
                editor.message = Some(if revoked {
                    "saved — the earlier approval no longer matches and is revoked".into()
                } else {
                    "saved".into()
                });
            }
            state.cluster.upsert_item(*item);
            state.mark_board_dirty();
            recheck(state);
            effects
        }
        OpResult::SaveConflict(theirs) => {
            let choices = state.settings.keymap.conflict.hints();
            if let Some(editor) = state.screens.editor_mut() {
                editor.saving = false;
                editor.message = Some(format!(
                    "conflict: someone else changed this work item. {choices}"
                ));
                editor.conflict = Some(Conflict { theirs: *theirs });
                return editor::persist(editor);
            }
            Vec::new()
        }
        OpResult::SaveFailed(message) => {
            if let Some(editor) = state.screens.editor_mut() {
                editor.saving = false;
                editor.message = Some(format!(
                    "not saved: {message} — your text is kept as a draft"
                ));
                return editor::persist(editor);
            }
            super::toasts::show(state, format!("not saved: {message}"));
            Vec::new()
        }
        OpResult::Patched { what, item } => {
            super::toasts::show(
                state,
                match what.as_str() {
                    "approve" => format!("{} approved", item.key.name),
                    "revoke" => format!("approval of {} revoked", item.key.name),
                    other => format!("{} {other}d", item.key.name),
                },
            );
            state.cluster.upsert_item(*item);
            state.mark_board_dirty();
            Vec::new()
        }
        OpResult::PatchFailed { what, message } => {
            super::toasts::show(state, format!("{what} failed: {message}"));
            Vec::new()
        }
        OpResult::DraftsFound(mut drafts) => {
            // Another context's drafts wait for it: restored here they would be saved into
            // this cluster's namespace of the same name.
            let here = state.cluster.origin.context.as_str();
            drafts.retain(|d| d.context.as_deref().is_none_or(|c| c == here));
            if !drafts.is_empty() {
                // Offered over the board only: never in the middle of someone's typing.
                if state.mode() == Mode::Board {
                    state.screens.open(Screen::Drafts(drafts));
                }
            }
            Vec::new()
        }
        OpResult::DraftWriteFailed(message) => {
            super::toasts::show(state, format!("could not write the draft: {message}"));
            Vec::new()
        }
        OpResult::ExternalEditDone(text) => {
            let save = state.settings.keymap.editor.key_hint(EditorAction::Save);
            if let Some(editor) = state.screens.editor_mut()
                && text != editor.text()
            {
                let mut draft = editor.draft();
                draft.text = text;
                let is_new = editor.is_new;
                let mut fresh = Editor::from_draft(draft, is_new);
                fresh.changed = true;
                fresh.draft_pending = true;
                fresh.message = Some(format!("edited in $EDITOR: {save} saves"));
                *editor = fresh;
                recheck(state);
            }
            Vec::new()
        }
        // Routed to the wave planner and the palette by `update`.
        OpResult::Launched { .. }
        | OpResult::RunsChanged { .. }
        | OpResult::Contexts(_)
        | OpResult::TargetSwitched { .. }
        | OpResult::PlanLoaded(_) => Vec::new(),
        OpResult::ExternalEditFailed(message) => {
            if let Some(editor) = state.screens.editor_mut() {
                editor.message = Some(format!("$EDITOR failed: {message}"));
            }
            Vec::new()
        }
    }
}

/// Keys on the findings pane.
pub fn on_findings_key(state: &mut State, key: KeyEvent) {
    let Screen::Findings(view) = state.screens.front_mut() else {
        return;
    };
    match state.settings.keymap.findings.action(&key) {
        Some(FindingsAction::Down) => view.scroll = view.scroll.saturating_add(1),
        Some(FindingsAction::Up) => view.scroll = view.scroll.saturating_sub(1),
        Some(FindingsAction::Help) => super::help::open(state),
        Some(FindingsAction::Close) => {
            state.screens.back();
        }
        None => {}
    }
}

/// Keys on the restore-drafts offer: `r` restore the first, `d` discard it, `esc` later.
pub fn on_drafts_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(action) = state.settings.keymap.drafts.action(&key) else {
        return Vec::new();
    };
    let Screen::Drafts(offer) = state.screens.front_mut() else {
        return Vec::new();
    };
    if offer.is_empty() || action == DraftsAction::Later {
        state.screens.back();
        return Vec::new();
    }
    let draft = offer.remove(0);
    let none_left = offer.is_empty();
    match action {
        DraftsAction::Restore => {
            let is_new = !state
                .cluster
                .items
                .contains_key(&ObjectKey::new(draft.namespace.clone(), draft.name.clone()));
            // A draft of an earlier version (no context) is adopted by this one: rewritten
            // under it as the operator types, its unscoped file dropped now.
            let unscoped = draft.context.is_none().then(|| Effect::DeleteDraft {
                context: None,
                namespace: draft.namespace.clone(),
                name: draft.name.clone(),
            });
            let mut editor = Editor::from_draft(draft, is_new);
            let mut effects = Vec::new();
            if let Some(delete) = unscoped {
                editor.context = Some(state.cluster.origin.context.clone());
                // In this order, on the one file thread: never a moment without the text on disk.
                effects = editor.write_draft();
                effects.push(delete);
            }
            editor.changed = true;
            editor.message = Some(format!(
                "draft restored: {} saves it",
                state.settings.keymap.editor.key_hint(EditorAction::Save)
            ));
            // The editor replaces the offer; the drafts still offered come back when it closes.
            if none_left {
                state.screens.back();
            }
            open_editor(state, editor);
            effects
        }
        DraftsAction::Discard => {
            if none_left {
                state.screens.back();
            }
            vec![Effect::DeleteDraft {
                context: draft.context,
                namespace: draft.namespace,
                name: draft.name,
            }]
        }
        DraftsAction::Later => Vec::new(),
    }
}
