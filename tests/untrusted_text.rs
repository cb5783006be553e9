//! Untrusted text from the cluster — summaries, branch names, condition messages, the item's text
//! — reaches no view with a bidirectional override or an invisible character in it: the board's
//! cards, the detail pane and the wave planner all show them neutralised.
mod common;

use common::*;
use serde_json::json;
use swarm_cockpit::app::State;
use swarm_cockpit::domain::sanitize::needs_escape;
use swarm_cockpit::domain::{Run, WorkItem};

/// One of each kind: overrides, isolates, marks, zero-width, BOM, tag characters, C1.
const NASTY: &str = "\u{202E}\u{2066}\u{200F}\u{200B}\u{FEFF}\u{E0041}\u{0085}";

fn screen(state: &mut State) -> String {
    let buffer = draw(state, 160, 48);
    buffer.content().iter().map(|c| c.symbol()).collect()
}

#[test]
fn cards_detail_and_planner_neutralise_bidi_and_invisible_characters() {
    let mut s = state();
    let mut item = WorkItem::from_json(&json!({
        "metadata": {"name": "fw", "namespace": "agents",
                     "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": "1"},
                     "creationTimestamp": "2026-02-10T11:00:00Z"},
        "spec": {"text": format!("## Objective\nsafe{NASTY}text\n\n## Acceptance criteria\n- crit{NASTY}\n\n## Parameters\n- head: codex/swarm/fw{NASTY}\n"),
                 "summary": format!("sum{NASTY}mary"),
                 "acceptanceCriteria": [format!("crit{NASTY}")],
                 "source": {"provider": format!("manual{NASTY}")}}
    }));
    swarm_cockpit::domain::approval::record_unsigned(
        &mut item,
        &s.settings.plan.clone(),
        &format!("ana{NASTY}"),
        "t",
    );
    apply_item(&mut s, item);
    let mut run_obj = run_json("fw-run", Some("A"), Some("Failed"));
    run_obj["status"]["conditions"] = json!([{"type": "Failed", "status": "True",
        "reason": format!("Boom{NASTY}"), "message": format!("it{NASTY} broke"),
        "lastTransitionTime": "2026-02-10T11:58:00Z"}]);
    run_obj["spec"]["parameters"]["head"] = json!(format!("codex/swarm/x{NASTY}"));
    apply_run(&mut s, Run::from_json(&run_obj));

    let mut views = vec![("board", screen(&mut s))];
    // The detail pane of every card.
    for _ in 0..2 {
        press(&mut s, [key(crossterm::event::KeyCode::Enter)]);
        views.push(("detail", screen(&mut s)));
        press(&mut s, [key(crossterm::event::KeyCode::Esc)]);
        press(&mut s, [ch('j')]);
    }
    press(&mut s, [ch('w')]);
    views.push(("planner", screen(&mut s)));
    for (name, text) in &views {
        let bad: Vec<char> = text.chars().filter(|c| needs_escape(*c)).collect();
        assert!(bad.is_empty(), "{name} shows {bad:?}");
    }
    assert!(
        views
            .iter()
            .any(|(_, t)| t.contains("sum") && t.contains("mary")),
        "the text itself is still shown"
    );
    assert!(
        views.iter().any(|(_, t)| t.contains('�')),
        "neutralised visibly"
    );
}
