//! The work item editor: one multi-line editor per template section, the section list beside it,
//! undo/redo, search, and the checks' findings live. Pure: keys in, effects out.
use super::effect::Effect;
use super::keymap::{
    ConflictAction, EditorAction, EditorSearchAction, EditorTextAction, Keymaps, typed_char,
};
use crate::domain::WorkItem;
use crate::domain::checks::{self, Context, Finding};
use crate::domain::manifest::ItemDraft;
use crate::domain::template::{SectionKind, Template};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::{CursorMove, TextArea};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The list of fields on the side.
    Fields,
    /// Typing into the selected field.
    Text,
}

#[derive(Debug, Clone)]
pub struct EditorSection {
    /// The heading line as written (kept verbatim); `None` for the text before the first heading.
    pub heading: Option<String>,
    pub title: String,
    pub kind: Option<SectionKind>,
    pub area: TextArea<'static>,
}

/// A save that met someone else's change (HTTP 409): both versions, until the operator decides.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub theirs: WorkItem,
}

#[derive(Debug, Clone)]
pub struct Editor {
    pub namespace: String,
    /// The kube context the item belongs to: its drafts are kept (and offered) under it.
    pub context: Option<String>,
    /// Single-line; editable only for a new item.
    pub name: TextArea<'static>,
    pub lane: Option<String>,
    pub wave: Option<String>,
    pub depends_on: Vec<String>,
    pub is_new: bool,
    pub base_resource_version: Option<String>,
    pub sections: Vec<EditorSection>,
    /// Row in the field list: 0 is the name, `i + 1` is `sections[i]`.
    pub row: usize,
    pub focus: Focus,
    /// The search prompt while it is open.
    pub search: Option<String>,
    pub findings: Vec<Finding>,
    /// A save is in flight.
    pub saving: bool,
    /// The last save/approve outcome or a hint, shown under the editor.
    pub message: Option<String>,
    pub conflict: Option<Conflict>,
    /// Typed since the last draft write: the runtime writes the draft on the next tick.
    pub draft_pending: bool,
    /// Differs from what the cluster has.
    pub changed: bool,
    /// The name the last draft was written under: renaming a new item moves its draft.
    drafted_as: Option<String>,
}

fn area(text: &str) -> TextArea<'static> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut area = TextArea::new(body.split('\n').map(str::to_owned).collect());
    area.set_max_histories(200);
    area
}

impl Editor {
    pub fn from_draft(draft: ItemDraft, is_new: bool) -> Editor {
        let template = Template::parse(&draft.text);
        let mut sections: Vec<EditorSection> = Vec::new();
        // Text before the first heading (or a text without headings) stays editable too.
        if !template.preamble.is_empty() || template.sections.is_empty() {
            sections.push(EditorSection {
                heading: None,
                title: "(before the first heading)".into(),
                kind: None,
                area: area(&template.preamble),
            });
        }
        sections.extend(template.sections.iter().map(|s| EditorSection {
            heading: Some(s.heading.clone()),
            title: s.title.clone(),
            kind: s.kind,
            area: area(&s.body),
        }));
        Editor {
            context: draft.context,
            namespace: draft.namespace,
            name: area(&draft.name),
            lane: draft.lane,
            wave: draft.wave,
            depends_on: draft.depends_on,
            is_new,
            base_resource_version: draft.base_resource_version,
            sections,
            row: 1,
            focus: Focus::Fields,
            search: None,
            findings: Vec::new(),
            saving: false,
            message: None,
            conflict: None,
            draft_pending: false,
            changed: false,
            drafted_as: None,
        }
    }

    /// The editor of an existing item of the cluster watched through `context`.
    pub fn open(item: &WorkItem, context: &str) -> Editor {
        Editor::from_draft(
            ItemDraft {
                context: Some(context.to_owned()),
                ..draft_of(item)
            },
            false,
        )
    }

    pub fn name(&self) -> String {
        self.name.lines().join("").trim().to_owned()
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        for s in &self.sections {
            if let Some(heading) = &s.heading {
                out.push_str(heading);
                out.push('\n');
            }
            let lines = s.area.lines();
            if !(lines.len() == 1 && lines[0].is_empty()) {
                out.push_str(&lines.join("\n"));
                out.push('\n');
            }
        }
        out
    }

    pub fn draft(&self) -> ItemDraft {
        ItemDraft {
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            name: self.name(),
            lane: self.lane.clone(),
            wave: self.wave.clone(),
            depends_on: self.depends_on.clone(),
            text: self.text(),
            base_resource_version: self.base_resource_version.clone(),
        }
    }

    /// The work item as it would be saved, for the checks.
    pub fn as_work_item(&self) -> WorkItem {
        WorkItem::from_json(&self.draft().manifest())
    }

    pub fn recheck(&mut self, ctx: &Context) {
        self.findings = self.check(ctx);
    }

    /// What the checks say about the text as it stands.
    pub fn check(&self, ctx: &Context) -> Vec<checks::Finding> {
        let item = self.as_work_item();
        let mut findings = name_findings(&self.name(), &item);
        findings.extend(checks::check_item(&item, ctx));
        findings
    }

    fn selected_area(&mut self) -> &mut TextArea<'static> {
        // `from_draft` always makes at least one section.
        let last = self.sections.len().saturating_sub(1);
        match self.row {
            0 => &mut self.name,
            r => &mut self.sections[(r - 1).min(last)].area,
        }
    }

    pub fn rows(&self) -> usize {
        self.sections.len() + 1
    }
}

/// The draft an existing work item starts as (not yet tied to a context).
pub fn draft_of(item: &WorkItem) -> ItemDraft {
    ItemDraft {
        context: None,
        namespace: item.key.namespace.to_string(),
        name: item.key.name.to_string(),
        lane: item.lane.clone(),
        wave: item.wave.clone(),
        depends_on: item.depends_on.clone(),
        text: item.text.clone(),
        base_resource_version: item.resource_version.clone(),
    }
}

/// Names are used as label values: a DNS-1123 label of at most 63 characters.
fn name_findings(name: &str, item: &WorkItem) -> Vec<Finding> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        return Vec::new();
    }
    vec![Finding {
        severity: checks::Severity::Error,
        check: crate::domain::checks::CheckId::Name,
        item: item.key.name.to_string(),
        section: None,
        line: None,
        message: format!("{name:?} is not a valid name"),
        fix: "use lowercase letters, digits and '-', at most 63 characters (it is also a label value)".into(),
    }]
}

/// What a key did, for `update` to act on (it owns the state around the editor).
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Nothing,
    /// The text changed: recheck and schedule a draft write.
    Edited,
    Close,
    Save,
    ExternalEdit,
    /// `?` from the field list.
    Help,
    /// Conflict resolutions.
    Overwrite,
    TakeTheirs,
    Merge,
}

/// A key in the editor, read from the editor's tables: the conflict choice while one is open,
/// the search prompt, the field list, or typing (where printable keys are always text).
pub fn on_key(editor: &mut Editor, keys: &Keymaps, key: KeyEvent) -> Outcome {
    if editor.conflict.is_some() {
        return match keys.conflict.action(&key) {
            Some(ConflictAction::Overwrite) => Outcome::Overwrite,
            Some(ConflictAction::TakeTheirs) => Outcome::TakeTheirs,
            Some(ConflictAction::Merge) => Outcome::Merge,
            Some(ConflictAction::Leave) => {
                editor.conflict = None;
                editor.message =
                    Some("conflict left unresolved: your text is kept as a draft".into());
                Outcome::Nothing
            }
            None => Outcome::Nothing,
        };
    }
    if let Some(query) = editor.search.as_mut() {
        if let Some(c) = typed_char(&key) {
            query.push(c);
            return Outcome::Nothing;
        }
        match keys.editor_search.action(&key) {
            Some(EditorSearchAction::Cancel) => editor.search = None,
            Some(EditorSearchAction::Run) => {
                let query = query.clone();
                editor.search = None;
                search(editor, &query);
            }
            None if key.code == KeyCode::Backspace => {
                query.pop();
            }
            None => {}
        }
        return Outcome::Nothing;
    }
    match editor.focus {
        Focus::Fields => match keys.editor.action(&key) {
            Some(EditorAction::Down) => editor.row = (editor.row + 1).min(editor.rows() - 1),
            Some(EditorAction::Up) => editor.row = editor.row.saturating_sub(1),
            Some(EditorAction::Edit) => {
                if editor.row == 0 && !editor.is_new {
                    editor.message = Some("the name of a saved work item cannot change".into());
                } else {
                    editor.focus = Focus::Text;
                }
            }
            Some(EditorAction::Save) => return Outcome::Save,
            Some(EditorAction::Undo) => return undo(editor, true),
            Some(EditorAction::Redo) => return undo(editor, false),
            Some(EditorAction::Search) => editor.search = Some(String::new()),
            Some(EditorAction::NextMatch) => {
                editor.selected_area().search_forward(false);
            }
            Some(EditorAction::PrevMatch) => {
                editor.selected_area().search_back(false);
            }
            Some(EditorAction::ExternalEdit) => return Outcome::ExternalEdit,
            Some(EditorAction::Help) => return Outcome::Help,
            Some(EditorAction::Close) => return Outcome::Close,
            None => {}
        },
        Focus::Text => {
            // Typed text first: a letter is text here, whatever it is bound to elsewhere.
            if typed_char(&key).is_none()
                && let Some(action) = keys.editor_text.action(&key)
            {
                match action {
                    EditorTextAction::Leave => editor.focus = Focus::Fields,
                    EditorTextAction::NextField => {
                        editor.row = (editor.row + 1).min(editor.rows() - 1)
                    }
                    EditorTextAction::PrevField => {
                        editor.row = editor
                            .row
                            .saturating_sub(1)
                            .max(usize::from(!editor.is_new))
                    }
                    EditorTextAction::Save => return Outcome::Save,
                    EditorTextAction::Undo => return undo(editor, true),
                    EditorTextAction::Redo => return undo(editor, false),
                    EditorTextAction::Search => editor.search = Some(String::new()),
                    EditorTextAction::NextMatch => {
                        editor.selected_area().search_forward(false);
                    }
                    EditorTextAction::PrevMatch => {
                        editor.selected_area().search_back(false);
                    }
                    EditorTextAction::ExternalEdit => return Outcome::ExternalEdit,
                }
                return Outcome::Nothing;
            }
            // The name is one line: enter moves on to the first section.
            if key.code == KeyCode::Enter && editor.row == 0 {
                editor.row = 1;
            } else if editor.selected_area().input(key) {
                return Outcome::Edited;
            }
        }
    }
    Outcome::Nothing
}

/// Undo (or redo) in the selected field.
fn undo(editor: &mut Editor, undo: bool) -> Outcome {
    let area = editor.selected_area();
    let changed = if undo { area.undo() } else { area.redo() };
    if changed {
        Outcome::Edited
    } else {
        Outcome::Nothing
    }
}

fn search(editor: &mut Editor, query: &str) {
    let area = editor.selected_area();
    match area.set_search_pattern(query) {
        Ok(()) => {
            let found = area.search_forward(true);
            editor.message = Some(if found {
                format!("/{query}: ctrl-n next, ctrl-p previous")
            } else {
                format!("/{query}: no match in this section")
            });
        }
        Err(e) => editor.message = Some(format!("bad search pattern: {e}")),
    }
}

/// A conflict resolved by merging: sections that differ carry both versions between git-style
/// markers, for the operator to settle (the checks refuse a text with markers left in).
pub fn merge_text(yours: &str, theirs: &str) -> String {
    let y = Template::parse(yours);
    let t = Template::parse(theirs);
    let mut merged = t.clone();
    for ys in &y.sections {
        let body_theirs = t
            .sections
            .iter()
            .find(|s| s.title == ys.title)
            .map(|s| s.body.clone());
        match (
            body_theirs,
            merged.sections.iter_mut().find(|s| s.title == ys.title),
        ) {
            (Some(tb), Some(ms)) if tb != ys.body => {
                ms.body = format!(
                    "<<<<<<< yours\n{}=======\n{}>>>>>>> theirs\n",
                    ensure_nl(&ys.body),
                    ensure_nl(&tb)
                );
            }
            (None, _) => {
                let mut section = ys.clone();
                section.heading_newline = true;
                merged.sections.push(section);
            }
            _ => {}
        }
    }
    merged.render()
}

fn ensure_nl(s: &str) -> String {
    if s.is_empty() || s.ends_with('\n') {
        s.to_owned()
    } else {
        format!("{s}\n")
    }
}

/// Puts the cursor at the start of a text area (after a reload).
pub fn reset_cursor(editor: &mut Editor) {
    for s in &mut editor.sections {
        s.area.move_cursor(CursorMove::Top);
    }
}

/// Effects that persist the draft now (on close, quit, or a failed save).
pub fn persist(editor: &mut Editor) -> Vec<Effect> {
    if editor.changed {
        editor.write_draft()
    } else {
        editor.draft_pending = false;
        Vec::new()
    }
}

impl Editor {
    /// Writes the draft now; a draft left under an earlier name (a new item renamed) goes, so a
    /// restart offers one draft per item, the latest.
    pub fn write_draft(&mut self) -> Vec<Effect> {
        self.draft_pending = false;
        let draft = self.draft();
        let mut effects = Vec::new();
        if let Some(old) = self.drafted_as.take().filter(|old| *old != draft.name) {
            effects.push(Effect::DeleteDraft {
                context: draft.context.clone(),
                namespace: draft.namespace.clone(),
                name: old,
            });
        }
        self.drafted_as = Some(draft.name.clone());
        effects.push(Effect::WriteDraft(Box::new(draft)));
        effects
    }
}

/// A name for a new work item in a lane that no existing item uses.
pub fn suggest_name(lane: &str, taken: impl Fn(&str) -> bool) -> String {
    let lane = lane.to_ascii_lowercase();
    (1..)
        .map(|n| format!("lane-{lane}-item-{n}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| format!("lane-{lane}-item"))
}
