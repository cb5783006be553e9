//! First glance at every size (80×24, 100×30, 200×60, 40×15): the board with its lane edges and
//! swarm summary, compact mode, and `?` with wrapped keys and the symbol legend.
mod common;

use common::*;
use swarm_cockpit::app::help::{self, HelpLine};
use swarm_cockpit::app::{Msg, State, update};
use swarm_cockpit::ui::Theme;

const SIZES: [(u16, u16); 4] = [(80, 24), (100, 30), (200, 60), (40, 15)];

/// The demo's opening state, connected.
fn demo() -> State {
    let mut state = demo_opening();
    connect_all(&mut state);
    update(&mut state, Msg::Tick(t0() + chrono::Duration::seconds(5)));
    state
}

#[test]
fn board_at_every_size() {
    for (w, h) in SIZES {
        let mut s = demo();
        insta::assert_snapshot!(format!("board_{w}x{h}"), render(&mut s, w, h));
    }
}

#[test]
fn board_scrolled_to_the_last_lane_at_80x24() {
    let mut s = demo();
    keys(&mut s, "lllll");
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn compact_board_at_80x24_and_40x15() {
    for (w, h) in [(80, 24), (40, 15)] {
        let mut s = demo();
        keys(&mut s, "cll");
        insta::assert_snapshot!(format!("compact_{w}x{h}"), render(&mut s, w, h));
    }
}

/// Scrolls the open help until `title` is its first line.
fn scroll_help_to(state: &mut State, title: &str) {
    let inner = usize::from(help::MAX_WIDTH.min(state.ui.width) - 2);
    let at = help::lines(state, inner)
        .iter()
        .position(|l| *l == HelpLine::Title(title.to_owned()))
        .expect("section present");
    for _ in 0..at {
        keys(state, "j");
    }
}

#[test]
fn help_and_its_legend_at_every_size() {
    for (w, h) in SIZES {
        let mut s = demo();
        update(
            &mut s,
            Msg::Resize {
                width: w,
                height: h,
            },
        );
        keys(&mut s, "?");
        insta::assert_snapshot!(format!("help_{w}x{h}"), render(&mut s, w, h));
        scroll_help_to(&mut s, "Symbols");
        insta::assert_snapshot!(format!("help_legend_{w}x{h}"), render(&mut s, w, h));
    }
}

#[test]
fn help_text_is_never_cut_at_40_columns() {
    // Every description of every screen is on the screen in full, a page at a time.
    let mut s = demo();
    update(
        &mut s,
        Msg::Resize {
            width: 40,
            height: 15,
        },
    );
    keys(&mut s, "?");
    let mut seen = String::new();
    let max = help::max_scroll(&s);
    loop {
        let screen = render(&mut s, 40, 15);
        seen.push_str(&screen.replace(['┃', '"', '\n'], " "));
        if s.screens.help_scroll().unwrap_or(0) >= max {
            break;
        }
        keys(&mut s, "j");
    }
    let words: String = seen.split_whitespace().collect::<Vec<_>>().join(" ");
    for section in s.settings.keymap.sections() {
        for (_, text) in section.rows {
            for word in text.split_whitespace() {
                assert!(words.contains(word), "{word:?} of {text:?} is shown");
            }
        }
    }
    assert!(
        words.contains("cancel the selected run (deletes its Jobs, keeps the record)"),
        "a long description wraps whole: {words}"
    );
}

#[test]
fn the_legend_shows_a_custom_themes_symbols() {
    let theme = Theme::parse(
        "[phase.running]\nsymbol = \"R\"\n[badge]\nstuck = \"!!\"\nlanes_right = \">>\"\n",
        "mine.toml",
    )
    .expect("theme");
    let mut s = demo();
    update(
        &mut s,
        Msg::Resize {
            width: 100,
            height: 60,
        },
    );
    keys(&mut s, "?");
    scroll_help_to(&mut s, "Symbols");
    let screen = render_in(&mut s, 100, 60, &theme);
    // Symbols sit in a column 9 wide plus a gap of 2.
    for (symbol, meaning) in [
        ("R", "Running"),
        ("!!", "stuck: Pending or Blocked"),
        (">>", "lanes off screen to the right"),
    ] {
        let row = format!("  {symbol:<11}{meaning}");
        assert!(screen.contains(&row), "{row:?} in {screen}");
    }
    keys(&mut s, "?");
    let board = render_in(&mut s, 80, 24, &theme);
    assert!(
        board.contains("3 >>"),
        "the board's edge uses it too: {board}"
    );
}
