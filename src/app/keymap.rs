//! Key bindings as data: one table drives both dispatch and the `?` help, so help can never drift
//! from what the keys do.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    LaneLeft,
    LaneRight,
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    OpenDetail,
    Filter,
    OpenPr,
    Refresh,
    NewItem,
    EditItem,
    ExternalEdit,
    Approve,
    Revoke,
    Validate,
    Waves,
    CancelRun,
    DeleteRun,
    Logs,
    Help,
    Back,
    Close,
    Quit,
}

impl Action {
    pub fn description(self) -> &'static str {
        match self {
            Action::LaneLeft => "previous lane",
            Action::LaneRight => "next lane (in a run's details: its logs)",
            Action::Down => "next card / scroll down",
            Action::Up => "previous card / scroll up",
            Action::Top => "first card / top",
            Action::Bottom => "last card / bottom",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::OpenDetail => "open the selected card's details",
            Action::Filter => "filter cards (fuzzy); enter keeps, esc clears",
            Action::OpenPr => "open the selected run's pull request in the browser",
            Action::Refresh => "refresh pull requests from GitHub now",
            Action::NewItem => "new work item in the selected lane",
            Action::EditItem => "edit the selected work item",
            Action::ExternalEdit => "edit the selected work item in $EDITOR",
            Action::Approve => "approve the selected work item (refused while checks fail)",
            Action::Revoke => "revoke the selected work item's approval",
            Action::Validate => "run the checks on the selected work item",
            Action::Waves => "wave planner: check, launch (L), cancel (x/X) a wave",
            Action::CancelRun => "cancel the selected run (deletes its Jobs, keeps the record)",
            Action::DeleteRun => "delete the selected AgentRun",
            Action::Logs => "logs of the selected run (also l in its details)",
            Action::Help => "this help",
            Action::Back => "back / close / clear the filter",
            Action::Close => "close; on the board: quit",
            Action::Quit => "quit",
        }
    }
}

/// One key chord.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Chord {
    const fn plain(code: KeyCode) -> Chord {
        Chord {
            code,
            modifiers: KeyModifiers::NONE,
        }
    }

    const fn ctrl(c: char) -> Chord {
        Chord {
            code: KeyCode::Char(c),
            modifiers: KeyModifiers::CONTROL,
        }
    }

    /// Does a pressed key match? Shift is ignored for characters (it is already in the char).
    pub fn matches(&self, key: &KeyEvent) -> bool {
        let mods = match key.code {
            KeyCode::Char(_) => key.modifiers - KeyModifiers::SHIFT,
            _ => key.modifiers,
        };
        self.code == key.code && self.modifiers == mods
    }

    pub fn display(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Tab => "tab".into(),
            other => format!("{other:?}").to_lowercase(),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            format!("ctrl-{base}")
        } else {
            base
        }
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Chord, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        use KeyCode::*;
        let c = |ch| Chord::plain(Char(ch));
        let p = Chord::plain;
        let bindings = vec![
            (c('h'), Action::LaneLeft),
            (p(Left), Action::LaneLeft),
            (c('l'), Action::LaneRight),
            (p(Right), Action::LaneRight),
            (c('j'), Action::Down),
            (p(Down), Action::Down),
            (c('k'), Action::Up),
            (p(Up), Action::Up),
            (c('g'), Action::Top),
            (p(Home), Action::Top),
            (c('G'), Action::Bottom),
            (p(End), Action::Bottom),
            (Chord::ctrl('d'), Action::PageDown),
            (p(PageDown), Action::PageDown),
            (Chord::ctrl('u'), Action::PageUp),
            (p(PageUp), Action::PageUp),
            (p(Enter), Action::OpenDetail),
            (c('/'), Action::Filter),
            (c('o'), Action::OpenPr),
            (c('r'), Action::Refresh),
            (c('n'), Action::NewItem),
            (c('e'), Action::EditItem),
            (c('E'), Action::ExternalEdit),
            (c('a'), Action::Approve),
            (c('A'), Action::Revoke),
            (c('v'), Action::Validate),
            (c('w'), Action::Waves),
            (c('x'), Action::CancelRun),
            (c('X'), Action::DeleteRun),
            (c('L'), Action::Logs),
            (c('?'), Action::Help),
            (c('q'), Action::Close),
            (p(Esc), Action::Back),
            (Chord::ctrl('c'), Action::Quit),
        ];
        Keymap { bindings }
    }
}

impl Keymap {
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(chord, _)| chord.matches(key))
            .map(|(_, a)| *a)
    }

    /// Actions in table order with all their keys, for the help screen.
    pub fn help_rows(&self) -> Vec<(String, &'static str)> {
        let mut rows: Vec<(Action, Vec<String>)> = Vec::new();
        for (chord, action) in &self.bindings {
            match rows.iter_mut().find(|(a, _)| a == action) {
                Some((_, keys)) => keys.push(chord.display()),
                None => rows.push((*action, vec![chord.display()])),
            }
        }
        rows.into_iter()
            .map(|(a, keys)| (keys.join(" / "), a.description()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifted_letters_match_their_char() {
        let km = Keymap::default();
        let g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(km.action(&g), Some(Action::Bottom));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(km.action(&ctrl_c), Some(Action::Quit));
        let plain_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(km.action(&plain_c), None);
    }

    #[test]
    fn help_lists_every_action_once() {
        let rows = Keymap::default().help_rows();
        assert_eq!(rows.len(), 26);
        assert_eq!(rows[0], ("h / ←".to_owned(), "previous lane"));
    }
}
