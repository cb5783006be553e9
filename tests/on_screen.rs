//! The runs the bridge reads first while a restarted server warms up are the runs on screen:
//! property-tested against the screen itself (every run name the real draw code puts in the
//! terminal), over board shapes, terminal sizes, compact cards and moves of the selection.
mod common;

use common::*;
use crossterm::event::KeyCode;
use proptest::prelude::*;
use std::collections::BTreeSet;
use swarm_cockpit::app::on_screen;
use swarm_cockpit::app::{Msg, update};

const PHASES: [Option<&str>; 5] = [
    None,
    Some("Running"),
    Some("Succeeded"),
    Some("Failed"),
    Some("Pending"),
];

fn drawn_names(screen: &str) -> BTreeSet<String> {
    let name = regex::Regex::new(r"q\d{4}").expect("regex");
    name.find_iter(screen)
        .map(|m| m.as_str().to_owned())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn the_runs_on_screen_are_the_runs_drawn(
        lanes in proptest::collection::vec(0usize..30, 1..6),
        width in 90u16..220,
        height in 16u16..70,
        compact in any::<bool>(),
        moves in proptest::collection::vec(0usize..8, 0..40),
    ) {
        let mut state = state();
        let mut n = 0;
        for (lane, count) in lanes.iter().enumerate() {
            let lane = ["A", "B", "C", "D", "E"][lane];
            for _ in 0..*count {
                apply_run(&mut state, run(&format!("q{n:04}"), Some(lane), PHASES[n % PHASES.len()]));
                n += 1;
            }
        }
        update(&mut state, Msg::Resize { width, height });
        if compact {
            keys(&mut state, "c");
        }
        let codes = [KeyCode::Down, KeyCode::Up, KeyCode::Left, KeyCode::Right,
            KeyCode::PageDown, KeyCode::PageUp, KeyCode::End, KeyCode::Home];
        for m in moves {
            press(&mut state, [key(codes[m])]);
        }
        let screen = render(&mut state, width, height);
        let shown: BTreeSet<String> = on_screen::runs(&state)
            .into_iter()
            .map(|(key, _)| key.name.to_string())
            .collect();
        prop_assert_eq!(&shown, &drawn_names(&screen), "screen:\n{}", screen);
    }
}

/// Runs a launch created are read too until the board has them: a wave launched while a restarted
/// server warms up shows its runs without waiting for the watch. A failed create is not read.
#[test]
fn runs_just_launched_count_until_the_board_has_them() {
    use swarm_cockpit::app::msg::{LaunchOutcome, OpResult};
    use swarm_cockpit::app::screen::Screen;
    use swarm_cockpit::app::waves::{LaunchRow, WaveView};
    let mut state = state();
    update(
        &mut state,
        Msg::Resize {
            width: 160,
            height: 48,
        },
    );
    let row = |name: &str| LaunchRow {
        name: name.into(),
        namespace: "agents".into(),
        lane: "A".into(),
        outcome: None,
    };
    state.screens.open(Screen::Waves(WaveView {
        progress: vec![row("q0001"), row("q0002"), row("q0003")],
        ..WaveView::default()
    }));
    let launched = |name: &str, outcome| {
        Msg::Op(OpResult::Launched {
            name: name.into(),
            outcome,
        })
    };
    update(&mut state, launched("q0001", LaunchOutcome::Created));
    update(
        &mut state,
        launched("q0002", LaunchOutcome::Failed("forbidden".into())),
    );
    let names = |state: &swarm_cockpit::app::State| -> Vec<String> {
        on_screen::runs(state)
            .into_iter()
            .map(|(key, _)| format!("{}/{}", key.namespace, key.name))
            .collect()
    };
    assert_eq!(
        names(&state),
        ["agents/q0001"],
        "created, not yet on the board"
    );
    update(&mut state, launched("q0003", LaunchOutcome::Exists));
    assert_eq!(names(&state), ["agents/q0001", "agents/q0003"]);
    apply_run(&mut state, run("q0001", Some("A"), None));
    state.ensure_board();
    let after = names(&state);
    assert_eq!(
        after.iter().filter(|n| *n == "agents/q0001").count(),
        1,
        "once on the board it is read as a card, not twice: {after:?}"
    );
    assert!(after.contains(&"agents/q0003".to_owned()), "{after:?}");
    assert!(!after.contains(&"agents/q0002".to_owned()), "{after:?}");
}
