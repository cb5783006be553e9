//! What is on screen: a stack of screens, each variant owning its pane state (as atuin's fsm
//! states do). The front screen gets the keys; the ones behind it are where `back` returns.
//!
//! Because a pane's state lives inside its variant, "the mode says Editor but there is no editor"
//! cannot be written down: an open editor *is* `Screen::Editor`. A pane opened over another
//! (findings over the editor, help over the logs, a confirmation over the planner) is pushed on
//! the stack, so closing it returns where the operator was, with that pane as they left it.
use super::audit::AuditScreen;
use super::editor::Editor;
use super::logs::LogView;
use super::palette::Palette;
use super::reconcile::ReconcileView;
use super::waves::{Confirm, WaveView};
use crate::domain::checks::Finding;
use crate::domain::manifest::ItemDraft;

/// Findings shown in their own pane (validate, refused approval).
#[derive(Debug, Clone)]
pub struct FindingsView {
    pub title: String,
    pub findings: Vec<Finding>,
    pub scroll: u16,
}

/// One screen and its pane state.
#[derive(Debug, Clone, Default)]
pub enum Screen {
    #[default]
    Board,
    /// The detail pane of the selected card; `step`: the workflow step selected (its pod's logs
    /// are what `l` opens).
    Detail { scroll: u16, step: Option<usize> },
    /// `?`: the key tables of the screen behind it.
    Help { scroll: u16 },
    /// The work item editor.
    Editor(Box<Editor>),
    /// A list of check findings.
    Findings(FindingsView),
    /// The offer to restore drafts left by an earlier session (the first is the one offered).
    Drafts(Vec<ItemDraft>),
    /// The wave planner.
    Waves(WaveView),
    /// A confirmation.
    Confirm(Confirm),
    /// The `:` command palette.
    Palette(Palette),
    /// The log view of a run.
    Logs(Box<LogView>),
    /// The conflict matrix and merge train.
    Audit(AuditScreen),
    /// Runs and PRs that disagree.
    Reconcile(ReconcileView),
}

/// Which screen, without its state: what key tables, help and the status line go by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Mode {
    #[default]
    Board,
    Detail,
    Help,
    Editor,
    Findings,
    Drafts,
    Waves,
    Confirm,
    Palette,
    Logs,
    Audit,
    Reconcile,
}

impl Screen {
    /// The detail pane, at its top, no step selected.
    pub fn detail() -> Screen {
        Screen::Detail {
            scroll: 0,
            step: None,
        }
    }

    pub fn mode(&self) -> Mode {
        match self {
            Screen::Board => Mode::Board,
            Screen::Detail { .. } => Mode::Detail,
            Screen::Help { .. } => Mode::Help,
            Screen::Editor(_) => Mode::Editor,
            Screen::Findings(_) => Mode::Findings,
            Screen::Drafts(_) => Mode::Drafts,
            Screen::Waves(_) => Mode::Waves,
            Screen::Confirm(_) => Mode::Confirm,
            Screen::Palette(_) => Mode::Palette,
            Screen::Logs(_) => Mode::Logs,
            Screen::Audit(_) => Mode::Audit,
            Screen::Reconcile(_) => Mode::Reconcile,
        }
    }
}

/// The screen in front and the ones behind it (nearest last). The board is always at the
/// bottom: it is never pushed, so `back` from the last screen lands on it.
#[derive(Debug, Clone, Default)]
pub struct Screens {
    front: Screen,
    behind: Vec<Screen>,
}

/// Accessors that find a pane wherever it is on the stack: a save result reaches the editor even
/// while findings are shown over it, log lines reach the log view under `?`.
macro_rules! pane_accessors {
    ($($get:ident, $get_mut:ident, $variant:ident, $ty:ty;)*) => {
        $(
            pub fn $get(&self) -> Option<&$ty> {
                std::iter::once(&self.front)
                    .chain(self.behind.iter().rev())
                    .find_map(|s| match s {
                        Screen::$variant(pane) => Some(&**pane),
                        _ => None,
                    })
            }

            pub fn $get_mut(&mut self) -> Option<&mut $ty> {
                std::iter::once(&mut self.front)
                    .chain(self.behind.iter_mut().rev())
                    .find_map(|s| match s {
                        Screen::$variant(pane) => Some(&mut **pane),
                        _ => None,
                    })
            }
        )*
    };
}

impl Screens {
    pub fn front(&self) -> &Screen {
        &self.front
    }

    pub fn front_mut(&mut self) -> &mut Screen {
        &mut self.front
    }

    pub fn mode(&self) -> Mode {
        self.front.mode()
    }

    /// The screen the front one returns to (the board when nothing else is open).
    pub fn behind_mode(&self) -> Mode {
        self.behind.last().map_or(Mode::Board, Screen::mode)
    }

    /// Every screen, front first.
    pub fn iter(&self) -> impl Iterator<Item = &Screen> {
        std::iter::once(&self.front).chain(self.behind.iter().rev())
    }

    pub fn is_open(&self, mode: Mode) -> bool {
        self.iter().any(|s| s.mode() == mode)
    }

    /// Opens `screen` over the current one (which `back` returns to). Opening the board closes
    /// everything.
    pub fn open(&mut self, screen: Screen) {
        if matches!(screen, Screen::Board) {
            self.home();
            return;
        }
        let previous = std::mem::replace(&mut self.front, screen);
        if !matches!(previous, Screen::Board) || !self.behind.is_empty() {
            self.behind.push(previous);
        }
    }

    /// Replaces the front screen (a screen that turns into another: the palette running a
    /// command that opens the planner).
    pub fn replace(&mut self, screen: Screen) -> Screen {
        std::mem::replace(&mut self.front, screen)
    }

    /// Closes the front screen and returns it; the one behind comes to the front.
    pub fn back(&mut self) -> Screen {
        let next = self.behind.pop().unwrap_or_default();
        std::mem::replace(&mut self.front, next)
    }

    /// Closes every screen down to the board and returns them (front first), so their owners can
    /// keep what must not be lost (an editor's text).
    pub fn home(&mut self) -> Vec<Screen> {
        let mut closed = vec![std::mem::take(&mut self.front)];
        closed.extend(self.behind.drain(..).rev());
        closed.retain(|s| !matches!(s, Screen::Board));
        closed
    }

    /// Closes every screen of `mode` (and the ones opened over it), returning them front first.
    pub fn close(&mut self, mode: Mode) -> Vec<Screen> {
        let Some(depth) = self.iter().position(|s| s.mode() == mode) else {
            return Vec::new();
        };
        (0..=depth).map(|_| self.back()).collect()
    }

    pane_accessors! {
        editor, editor_mut, Editor, Editor;
        logs, logs_mut, Logs, LogView;
    }

    pub fn findings(&self) -> Option<&FindingsView> {
        self.iter().find_map(|s| match s {
            Screen::Findings(v) => Some(v),
            _ => None,
        })
    }

    pub fn waves(&self) -> Option<&WaveView> {
        self.iter().find_map(|s| match s {
            Screen::Waves(v) => Some(v),
            _ => None,
        })
    }

    pub fn waves_mut(&mut self) -> Option<&mut WaveView> {
        std::iter::once(&mut self.front)
            .chain(self.behind.iter_mut().rev())
            .find_map(|s| match s {
                Screen::Waves(v) => Some(v),
                _ => None,
            })
    }

    pub fn confirm(&self) -> Option<&Confirm> {
        match &self.front {
            Screen::Confirm(c) => Some(c),
            _ => None,
        }
    }

    pub fn palette(&self) -> Option<&Palette> {
        match &self.front {
            Screen::Palette(p) => Some(p),
            _ => None,
        }
    }

    pub fn audit_mut(&mut self) -> Option<&mut AuditScreen> {
        std::iter::once(&mut self.front)
            .chain(self.behind.iter_mut().rev())
            .find_map(|s| match s {
                Screen::Audit(a) => Some(a),
                _ => None,
            })
    }

    pub fn audit(&self) -> Option<&AuditScreen> {
        self.iter().find_map(|s| match s {
            Screen::Audit(a) => Some(a),
            _ => None,
        })
    }

    pub fn reconcile(&self) -> Option<&ReconcileView> {
        self.iter().find_map(|s| match s {
            Screen::Reconcile(r) => Some(r),
            _ => None,
        })
    }

    pub fn drafts(&self) -> Option<&[ItemDraft]> {
        self.iter().find_map(|s| match s {
            Screen::Drafts(d) => Some(d.as_slice()),
            _ => None,
        })
    }

    /// The detail pane's scroll, when it is in front.
    pub fn detail_scroll(&self) -> Option<u16> {
        match self.front {
            Screen::Detail { scroll, .. } => Some(scroll),
            _ => None,
        }
    }

    /// The workflow step selected in the detail pane, when it is in front.
    pub fn detail_step(&self) -> Option<usize> {
        match self.front {
            Screen::Detail { step, .. } => step,
            _ => None,
        }
    }

    pub fn help_scroll(&self) -> Option<u16> {
        match self.front {
            Screen::Help { scroll } => Some(scroll),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_returns_to_the_screen_underneath_with_its_state() {
        let mut s = Screens::default();
        s.open(Screen::detail());
        if let Screen::Detail { scroll, .. } = s.front_mut() {
            *scroll = 7;
        }
        s.open(Screen::Help { scroll: 0 });
        assert_eq!(s.mode(), Mode::Help);
        assert_eq!(s.behind_mode(), Mode::Detail);
        s.back();
        assert_eq!(s.detail_scroll(), Some(7));
        s.back();
        assert_eq!(s.mode(), Mode::Board);
        // Back from the board stays on the board.
        assert!(matches!(s.back(), Screen::Board));
        assert_eq!(s.mode(), Mode::Board);
    }

    #[test]
    fn opening_the_board_closes_everything_and_home_hands_back_what_was_open() {
        let mut s = Screens::default();
        s.open(Screen::Waves(WaveView::default()));
        s.open(Screen::Help { scroll: 0 });
        let closed = s.home();
        let modes: Vec<Mode> = closed.iter().map(Screen::mode).collect();
        assert_eq!(modes, vec![Mode::Help, Mode::Waves]);
        assert_eq!(s.mode(), Mode::Board);
        s.open(Screen::detail());
        s.open(Screen::Board);
        assert_eq!(s.mode(), Mode::Board);
        assert_eq!(s.iter().count(), 1);
    }

    #[test]
    fn close_removes_a_screen_and_those_opened_over_it() {
        let mut s = Screens::default();
        s.open(Screen::Waves(WaveView::default()));
        s.open(Screen::Findings(FindingsView {
            title: String::new(),
            findings: Vec::new(),
            scroll: 0,
        }));
        s.open(Screen::Help { scroll: 0 });
        assert!(s.findings().is_some());
        let closed = s.close(Mode::Findings);
        assert_eq!(closed.len(), 2);
        assert_eq!(s.mode(), Mode::Waves);
        assert!(s.close(Mode::Editor).is_empty());
        assert!(s.waves_mut().is_some());
    }
}
