//! The work item editor: one multi-line editor per template section, the section list beside it,
//! undo/redo, search, and the checks' findings live. Pure: keys in, effects out.
use super::effect::Effect;
use crate::domain::WorkItem;
use crate::domain::checks::{self, Context, Finding};
use crate::domain::manifest::ItemDraft;
use crate::domain::template::{SectionKind, Template};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
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

    pub fn open(item: &WorkItem) -> Editor {
        Editor::from_draft(draft_of(item), false)
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
        let item = self.as_work_item();
        let mut findings = name_findings(&self.name(), &item);
        findings.extend(checks::check_item(&item, ctx));
        self.findings = findings;
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

/// The draft an existing work item starts as.
pub fn draft_of(item: &WorkItem) -> ItemDraft {
    ItemDraft {
        namespace: item.key.namespace.clone(),
        name: item.key.name.clone(),
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
        check: "name",
        item: item.key.name.clone(),
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
    /// Conflict resolutions.
    Overwrite,
    TakeTheirs,
    Merge,
}

pub fn on_key(editor: &mut Editor, key: KeyEvent) -> Outcome {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if editor.conflict.is_some() {
        return match key.code {
            KeyCode::Char('o') => Outcome::Overwrite,
            KeyCode::Char('t') => Outcome::TakeTheirs,
            KeyCode::Char('m') => Outcome::Merge,
            KeyCode::Esc => {
                editor.conflict = None;
                editor.message =
                    Some("conflict left unresolved: your text is kept as a draft".into());
                Outcome::Nothing
            }
            _ => Outcome::Nothing,
        };
    }
    if let Some(query) = editor.search.as_mut() {
        match key.code {
            KeyCode::Esc => editor.search = None,
            KeyCode::Enter => {
                let query = query.clone();
                editor.search = None;
                search(editor, &query);
            }
            KeyCode::Backspace => {
                query.pop();
            }
            KeyCode::Char(c) if !ctrl => query.push(c),
            _ => {}
        }
        return Outcome::Nothing;
    }
    if ctrl {
        match key.code {
            KeyCode::Char('s') => return Outcome::Save,
            KeyCode::Char('f') => {
                editor.search = Some(String::new());
                return Outcome::Nothing;
            }
            KeyCode::Char('n') => {
                editor.selected_area().search_forward(false);
                return Outcome::Nothing;
            }
            KeyCode::Char('p') => {
                editor.selected_area().search_back(false);
                return Outcome::Nothing;
            }
            KeyCode::Char('e') => return Outcome::ExternalEdit,
            KeyCode::Char('z') => {
                return if editor.selected_area().undo() {
                    Outcome::Edited
                } else {
                    Outcome::Nothing
                };
            }
            KeyCode::Char('y') => {
                return if editor.selected_area().redo() {
                    Outcome::Edited
                } else {
                    Outcome::Nothing
                };
            }
            _ => {}
        }
    }
    match editor.focus {
        Focus::Fields => match key.code {
            KeyCode::Char('j') | KeyCode::Down => {
                editor.row = (editor.row + 1).min(editor.rows() - 1)
            }
            KeyCode::Char('k') | KeyCode::Up => editor.row = editor.row.saturating_sub(1),
            KeyCode::Enter | KeyCode::Tab | KeyCode::Char('i') | KeyCode::Char('e') => {
                if editor.row == 0 && !editor.is_new {
                    editor.message = Some("the name of a saved work item cannot change".into());
                } else {
                    editor.focus = Focus::Text;
                }
            }
            KeyCode::Char('E') => return Outcome::ExternalEdit,
            KeyCode::Esc | KeyCode::Char('q') => return Outcome::Close,
            _ => {}
        },
        Focus::Text => match key.code {
            KeyCode::Esc => editor.focus = Focus::Fields,
            KeyCode::Tab => editor.row = (editor.row + 1).min(editor.rows() - 1),
            KeyCode::BackTab => {
                editor.row = editor
                    .row
                    .saturating_sub(1)
                    .max(usize::from(!editor.is_new))
            }
            KeyCode::Enter if editor.row == 0 => editor.row = 1,
            _ => {
                if editor.selected_area().input(key) {
                    return Outcome::Edited;
                }
            }
        },
    }
    Outcome::Nothing
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
