//! One key table per screen, at the update level: text entry takes printable keys before any
//! binding, only ctrl-c is global, per-screen remaps reach dispatch, `?` and the footers, and the
//! board's compact mode and lane edges.
mod common;

use common::*;
use crossterm::event::KeyCode;
use swarm_cockpit::app::keymap::{Keymaps, KeysConfig};
use swarm_cockpit::app::state::Mode;
use swarm_cockpit::app::{Effect, State, layout};

fn keymaps(toml_text: &str) -> Keymaps {
    #[derive(serde::Deserialize)]
    struct Config {
        keys: KeysConfig,
    }
    let config: Config = toml::from_str(toml_text).expect("valid toml");
    Keymaps::from_config(&config.keys).expect("valid keys")
}

fn quits(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Quit))
}

fn with_quit_on_q() -> State {
    let mut s = populated();
    s.settings.keymap = keymaps("[keys]\nquit = [\"Q\"]\n");
    s
}

#[test]
fn typing_quick_as_a_new_items_name_does_not_quit() {
    let mut s = with_quit_on_q();
    let effects = press(&mut s, [ch('n')]);
    assert!(!quits(&effects));
    assert_eq!(s.mode(), Mode::Editor);
    press(&mut s, std::iter::repeat_n(key(KeyCode::Backspace), 40));
    let effects = press(&mut s, typed("Quick"));
    assert!(!quits(&effects), "typed text is text: {effects:?}");
    assert!(!s.quitting);
    assert_eq!(
        s.screens.editor().map(|e| e.name()),
        Some("Quick".to_owned())
    );
    // Back on the board, the remapped key quits.
    press(&mut s, [key(KeyCode::Esc), key(KeyCode::Esc)]);
    assert_eq!(s.mode(), Mode::Board);
    assert!(quits(&press(&mut s, [ch('Q')])));
}

#[test]
fn every_text_field_takes_letters_before_bindings() {
    // The board filter.
    let mut s = with_quit_on_q();
    let effects = press(&mut s, [ch('/')].into_iter().chain(typed("Qq?:")));
    assert!(!quits(&effects));
    assert_eq!(s.ui.filter, "Qq?:");
    press(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.ui.filter, "");
    // The palette.
    let effects = press(&mut s, [ch(':')].into_iter().chain(typed("Qq")));
    assert!(!quits(&effects));
    assert_eq!(s.screens.palette().map(|p| p.input.as_str()), Some("Qq"));
    press(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.mode(), Mode::Board);
}

#[test]
fn ctrl_c_quits_from_any_screen_and_is_the_only_global_key() {
    for opening in [vec![ch('n')], vec![ch(':')], vec![ch('/')], vec![ch('?')]] {
        let mut s = populated();
        press(&mut s, opening.clone());
        assert!(quits(&press(&mut s, [ctrl('c')])), "{opening:?}");
    }
    // The board's `q` is a board key: in the help it closes the help, it does not quit.
    let mut s = populated();
    press(&mut s, [ch('?')]);
    assert!(!quits(&press(&mut s, [ch('q')])));
    assert_eq!(s.mode(), Mode::Board);
}

#[test]
fn a_per_screen_remap_reaches_dispatch_help_and_footer() {
    let mut s = populated();
    s.settings.keymap = keymaps("[keys.detail]\nback = [\"b\"]\ndown = [\"ctrl-n\"]\n");
    press(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.mode(), Mode::Detail);
    press(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(
        s.mode(),
        Mode::Detail,
        "esc is no longer back in the details"
    );
    press(&mut s, [ctrl('n')]);
    assert_eq!(s.screens.detail_scroll().unwrap_or(0), 1);
    press(&mut s, [ch('b')]);
    assert_eq!(s.mode(), Mode::Board);
    let footer = s.settings.keymap.detail.footer();
    assert!(
        footer.contains(&("ctrl-n/k".to_owned(), "scroll")),
        "{footer:?}"
    );
    assert!(footer.contains(&("b".to_owned(), "back")), "{footer:?}");
    // The board's own table is untouched.
    press(&mut s, [ch('j')]);
    assert_eq!(selected_name(&s).as_deref(), Some("a-running"));
}

#[test]
fn help_opens_over_the_screen_it_came_from_and_scrolls_only_as_far_as_it_goes() {
    use swarm_cockpit::app::help::{self, HelpLine};
    let mut s = populated();
    press(&mut s, [key(KeyCode::Enter), ch('?')]);
    assert_eq!(s.mode(), Mode::Help);
    let lines = help::lines(&s, 78);
    assert_eq!(
        lines.first(),
        Some(&HelpLine::Note(
            "ctrl-c quits from anywhere; esc / ? / q closes this help.".to_owned()
        ))
    );
    assert_eq!(
        lines.iter().find(|l| matches!(l, HelpLine::Title(_))),
        Some(&HelpLine::Title("Details (enter on a card)".to_owned())),
        "the details' keys come first"
    );
    for title in [
        "Board",
        "Symbols",
        "Wave planner (w on the board)",
        "Confirmation",
    ] {
        assert!(
            lines.contains(&HelpLine::Title(title.to_owned())),
            "{title} is in the help"
        );
    }
    press(&mut s, [ch('G')]);
    let max = help::max_scroll(&s);
    assert!(max > 0);
    assert_eq!(s.screens.help_scroll().unwrap_or(0), max);
    press(&mut s, [ch('j'), ch('j')]);
    assert_eq!(
        s.screens.help_scroll().unwrap_or(0),
        max,
        "no scrolling past the end"
    );
    press(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(
        s.mode(),
        Mode::Detail,
        "closing the help goes back to the details"
    );
}

/// The seed's six columns (lanes A–E and Unassigned) with a few runs.
fn torghut_board() -> State {
    let plan =
        swarm_cockpit::domain::Plan::parse(swarm_cockpit::domain::plan::TORGHUT_PLAN, "plan.toml")
            .expect("plan");
    let mut s = State::new(plan, Default::default(), t0());
    apply_run(&mut s, run("a-running", Some("A"), Some("Running")));
    apply_run(&mut s, run("e-failed", Some("E"), Some("Failed")));
    apply_run(&mut s, run("stray", Some("Z"), Some("Running")));
    s.ensure_board();
    s
}

#[test]
fn compact_mode_is_one_key_and_shows_more_lanes() {
    let mut s = torghut_board();
    let lanes = s.board_view().columns.len();
    assert!(lanes >= 6, "A–E and Unassigned");
    let board = layout::screen(ratatui::layout::Rect::new(0, 0, 80, 24)).1;
    let visible = |s: &State| layout::columns(board, lanes, s.ui.lane, s.ui.compact).len();
    assert_eq!(visible(&s), 3);
    press(&mut s, [ch('c')]);
    assert!(s.ui.compact);
    assert_eq!(visible(&s), 5);
    press(&mut s, [ch('c')]);
    assert_eq!(visible(&s), 3);
}

#[test]
fn every_lane_is_reachable_by_keyboard_and_the_edges_count_the_rest() {
    let mut s = torghut_board();
    let lanes = s.board_view().columns.len();
    let board = layout::screen(ratatui::layout::Rect::new(0, 0, 80, 24)).1;
    for lane in 0..lanes {
        assert_eq!(s.ui.lane, lane);
        let visible = layout::columns(board, lanes, s.ui.lane, false);
        assert!(
            visible.iter().any(|(i, _)| *i == lane),
            "lane {lane} on screen"
        );
        let (left, right) = layout::lanes_off_screen(&visible, lanes);
        assert_eq!(left + visible.len() + right, lanes);
        press(&mut s, [ch('l')]);
    }
    assert_eq!(s.ui.lane, lanes - 1, "l stops at the last lane");
}

#[test]
fn remapped_editor_and_conflict_keys_drive_the_flow_and_its_hints() {
    use swarm_cockpit::app::msg::OpResult;
    use swarm_cockpit::app::{Msg, update};
    use swarm_cockpit::domain::WorkItem;
    use swarm_cockpit::domain::template::Template;
    let plan =
        swarm_cockpit::domain::Plan::parse(swarm_cockpit::domain::plan::TORGHUT_PLAN, "plan.toml")
            .expect("plan");
    let mut s = State::new(plan, Default::default(), t0());
    s.settings.keymap = keymaps(
        "[keys.editor_text]\nsave = [\"ctrl-w\"]\n[keys.conflict]\noverwrite = [\"O\"]\nleave = [\"ctrl-g\"]\n",
    );
    let text = Template::new_item(
        "A",
        &["services/torghut/app/trading/firewall/**".into()],
        "proompteng/lab",
        "main",
        "codex/swarm/lane-a/fw",
    );
    let item = WorkItem::from_json(&serde_json::json!({
        "metadata": {"name": "fw", "namespace": "agents", "resourceVersion": "5",
                     "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": "1"}},
        "spec": {"text": text, "summary": "s"}
    }));
    apply_item(&mut s, item.clone());
    s.ensure_board();
    press(&mut s, [ch('e'), key(KeyCode::Enter)]);
    press(&mut s, typed("Mine. "));
    let saves = |effects: &[Effect]| {
        effects
            .iter()
            .any(|e| matches!(e, Effect::SaveWorkItem { .. }))
    };
    assert!(
        !saves(&press(&mut s, [ctrl('s')])),
        "ctrl-s is no longer save"
    );
    assert!(saves(&press(&mut s, [ctrl('w')])));
    update(&mut s, Msg::Op(OpResult::SaveConflict(Box::new(item))));
    let message = s.screens.editor().and_then(|e| e.message.clone());
    assert_eq!(
        message.as_deref(),
        Some(
            "conflict: someone else changed this work item. O overwrite theirs · t take theirs · m merge · ctrl-g decide later"
        )
    );
    assert!(!saves(&press(&mut s, [ch('o')])));
    assert!(saves(&press(&mut s, [ch('O')])));
}
