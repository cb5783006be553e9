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
