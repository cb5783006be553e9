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
    Audit,
    Palette,
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
            Action::Audit => "conflict matrix and merge train of the open swarm PRs",
            Action::Palette => {
                "command palette (:ctx, :ns, :lane, :wave, :theme, :plan, :readonly, :quit)"
            }
            Action::Help => "this help",
            Action::Back => "back / close / clear the filter",
            Action::Close => "close; on the board: quit",
            Action::Quit => "quit",
        }
    }
}

impl Action {
    /// Every action, in help order.
    pub const ALL: [Action; 28] = [
        Action::LaneLeft,
        Action::LaneRight,
        Action::Down,
        Action::Up,
        Action::Top,
        Action::Bottom,
        Action::PageDown,
        Action::PageUp,
        Action::OpenDetail,
        Action::Filter,
        Action::OpenPr,
        Action::Refresh,
        Action::NewItem,
        Action::EditItem,
        Action::ExternalEdit,
        Action::Approve,
        Action::Revoke,
        Action::Validate,
        Action::Waves,
        Action::CancelRun,
        Action::DeleteRun,
        Action::Logs,
        Action::Audit,
        Action::Palette,
        Action::Help,
        Action::Back,
        Action::Close,
        Action::Quit,
    ];

    /// The name used in the config file's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Action::LaneLeft => "lane_left",
            Action::LaneRight => "lane_right",
            Action::Down => "down",
            Action::Up => "up",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::PageDown => "page_down",
            Action::PageUp => "page_up",
            Action::OpenDetail => "open_detail",
            Action::Filter => "filter",
            Action::OpenPr => "open_pr",
            Action::Refresh => "refresh",
            Action::NewItem => "new_item",
            Action::EditItem => "edit_item",
            Action::ExternalEdit => "external_edit",
            Action::Approve => "approve",
            Action::Revoke => "revoke",
            Action::Validate => "validate",
            Action::Waves => "waves",
            Action::CancelRun => "cancel_run",
            Action::DeleteRun => "delete_run",
            Action::Logs => "logs",
            Action::Audit => "audit",
            Action::Palette => "palette",
            Action::Help => "help",
            Action::Back => "back",
            Action::Close => "close",
            Action::Quit => "quit",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
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
            (c('m'), Action::Audit),
            (c(':'), Action::Palette),
            (c('?'), Action::Help),
            (c('q'), Action::Close),
            (p(Esc), Action::Back),
            (Chord::ctrl('c'), Action::Quit),
        ];
        Keymap { bindings }
    }
}

impl Chord {
    /// Parses `j`, `G`, `ctrl-d`, `ctrl+d`, `enter`, `esc`, `tab`, `shift-tab`, `space`,
    /// `left`/`right`/`up`/`down`, `home`/`end`, `pgup`/`pgdn`, `backspace`, `delete`, `f1`-`f12`.
    pub fn parse(text: &str) -> Result<Chord, String> {
        let t = text.trim();
        let (ctrl, rest) = match t.strip_prefix("ctrl-").or_else(|| t.strip_prefix("ctrl+")) {
            Some(r) => (true, r),
            None => (false, t),
        };
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "shift-tab" | "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            f if f.starts_with('f')
                && f.len() > 1
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_control() => {
                        KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
                    }
                    _ => {
                        return Err(format!(
                            "{text:?} is not a key (try \"j\", \"ctrl-d\", \"enter\", \"pgdn\", \"f5\")"
                        ));
                    }
                }
            }
        };
        Ok(Chord {
            code,
            modifiers: if ctrl {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            },
        })
    }
}

impl Keymap {
    /// The defaults with the config file's `[keys]` applied: each named action gets exactly the
    /// keys listed. Unknown actions, unparsable keys and a key bound to two actions are reported
    /// together, so one start shows every mistake.
    pub fn with_overrides(
        overrides: &std::collections::BTreeMap<String, Vec<String>>,
    ) -> Result<Keymap, Vec<String>> {
        let mut keymap = Keymap::default();
        let mut errors = Vec::new();
        for (name, keys) in overrides {
            let Some(action) = Action::from_name(name) else {
                let known: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                errors.push(format!(
                    "unknown action {name:?} (actions: {})",
                    known.join(", ")
                ));
                continue;
            };
            let mut chords = Vec::new();
            for key in keys {
                match Chord::parse(key) {
                    Ok(c) => chords.push(c),
                    Err(e) => errors.push(format!("{name}: {e}")),
                }
            }
            keymap.bindings.retain(|(_, a)| *a != action);
            keymap
                .bindings
                .extend(chords.into_iter().map(|c| (c, action)));
        }
        // ctrl-c always quits: a remap must never lock the operator in.
        let quit = Chord::ctrl('c');
        if !keymap
            .bindings
            .iter()
            .any(|(c, a)| *c == quit && *a == Action::Quit)
        {
            keymap.bindings.retain(|(c, _)| *c != quit);
            keymap.bindings.push((quit, Action::Quit));
        }
        for (i, (chord, action)) in keymap.bindings.iter().enumerate() {
            if let Some((_, other)) = keymap.bindings[..i]
                .iter()
                .find(|(c, a)| c == chord && a != action)
            {
                errors.push(format!(
                    "{:?} is bound to both {} and {}",
                    chord.display(),
                    other.name(),
                    action.name()
                ));
            }
        }
        // Keep table order = help order.
        keymap.bindings.sort_by_key(|(_, a)| {
            Action::ALL
                .iter()
                .position(|x| x == a)
                .unwrap_or(usize::MAX)
        });
        if errors.is_empty() {
            Ok(keymap)
        } else {
            Err(errors)
        }
    }

    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(chord, _)| chord.matches(key))
            .map(|(_, a)| *a)
    }

    /// Actions in table order with all their keys, for the help screen.
    pub fn help_rows(&self) -> Vec<(String, &'static str)> {
        help_rows(self.bindings.iter().copied(), Action::description)
    }
}

/// Help rows from a binding table: each action once, in table order, with all its keys.
pub fn help_rows<A: Copy + PartialEq>(
    bindings: impl IntoIterator<Item = (Chord, A)>,
    describe: impl Fn(A) -> &'static str,
) -> Vec<(String, &'static str)> {
    let mut rows: Vec<(A, Vec<String>)> = Vec::new();
    for (chord, action) in bindings {
        match rows.iter_mut().find(|(a, _)| *a == action) {
            Some((_, keys)) => keys.push(chord.display()),
            None => rows.push((action, vec![chord.display()])),
        }
    }
    rows.into_iter()
        .map(|(a, keys)| (keys.join(" / "), describe(a)))
        .collect()
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
    fn overrides_replace_an_actions_keys_and_report_every_mistake() {
        use std::collections::BTreeMap;
        let mut o = BTreeMap::new();
        o.insert("down".to_owned(), vec!["n".to_owned(), "ctrl-n".to_owned()]);
        o.insert("new_item".to_owned(), vec!["N".to_owned()]);
        let km = Keymap::with_overrides(&o).expect("valid");
        assert_eq!(
            km.action(&KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            km.action(&KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)),
            None,
            "j no longer moves"
        );
        assert_eq!(
            km.action(&KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL)),
            Some(Action::Down)
        );
        assert!(
            km.help_rows()
                .iter()
                .any(|(k, d)| k == "n / ctrl-n" && *d == "next card / scroll down")
        );

        let mut bad = BTreeMap::new();
        bad.insert("down".to_owned(), vec!["x".to_owned(), "ctrl-".to_owned()]);
        bad.insert("fly".to_owned(), vec!["f".to_owned()]);
        bad.insert("quit".to_owned(), vec!["q".to_owned()]);
        let errors = Keymap::with_overrides(&bad).expect_err("mistakes");
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("unknown action \"fly\"")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.contains("\"ctrl-\" is not a key")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e == "\"x\" is bound to both cancel_run and down"),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("\"q\" is bound to both") && e.contains("quit")),
            "{errors:?}"
        );
    }

    #[test]
    fn ctrl_c_survives_any_remap_and_every_action_has_a_name() {
        use std::collections::BTreeMap;
        let mut o = BTreeMap::new();
        o.insert("quit".to_owned(), vec!["ctrl-q".to_owned()]);
        let km = Keymap::with_overrides(&o).expect("valid");
        assert_eq!(
            km.action(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.action(&KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
        assert_eq!(Chord::parse("F5").map(|c| c.code), Ok(KeyCode::F(5)));
        assert_eq!(
            Chord::parse("shift-tab").map(|c| c.code),
            Ok(KeyCode::BackTab)
        );
    }

    #[test]
    fn help_lists_every_action_once() {
        let rows = Keymap::default().help_rows();
        assert_eq!(rows.len(), Action::ALL.len());
        assert_eq!(rows[0], ("h / ←".to_owned(), "previous lane"));
    }
}
