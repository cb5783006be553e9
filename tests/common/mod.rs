//! Fixtures shared by the pure tests: runs and work items built from the JSON the API server
//! serves, through the same parsers the real source uses.
#![allow(dead_code)]
use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use serde_json::{Value, json};
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::app::{ConnState, Effect, Msg, Resource, SourceEvent, State, update};
use swarm_cockpit::domain::plan::TORGHUT_PLAN;
use swarm_cockpit::domain::{Plan, ResourceKind, Run, WorkItem};
use swarm_cockpit::sources::demo::DemoSwarm;
use swarm_cockpit::ui::{self, Theme};

pub const PLAN: &str = r#"
name = "test-plan"
repository = "proompteng/lab"

[[lane]]
id = "A"
title = "Trading service core"
owns = ["services/torghut/app/trading/**"]

[[lane]]
id = "B"
title = "Data"
owns = ["services/dorvud/**"]

[[lane]]
id = "C"
title = "Infra"
owns = ["kubernetes/**"]
"#;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 10, 12, 0, 0)
        .single()
        .expect("valid time")
}

pub fn plan() -> Plan {
    Plan::parse(PLAN, "test-plan.toml").expect("test plan parses")
}

pub fn state() -> State {
    State::new(
        plan(),
        Origin {
            context: "kind-swarm".into(),
            namespace: Some("agents".into()),
        },
        t0(),
    )
}

pub fn run_json(name: &str, lane: Option<&str>, phase: Option<&str>) -> Value {
    let mut labels = json!({});
    if let Some(l) = lane {
        labels["swarm.proompteng.ai/lane"] = json!(l);
    }
    let mut obj = json!({
        "apiVersion": "agents.proompteng.ai/v1alpha1", "kind": "AgentRun",
        "metadata": {"name": name, "namespace": "agents", "labels": labels,
                     "creationTimestamp": "2026-02-10T11:50:00Z"},
        "spec": {"agentRef": {"name": "codex-agent"}, "implementationSpecRef": {"name": format!("{name}-spec")},
                 "runtime": {"type": "workflow"},
                 "parameters": {"repository": "proompteng/lab", "base": "main",
                                "head": format!("codex/swarm/{name}"), "stage": "implementation"}}
    });
    if let Some(p) = phase {
        obj["status"] = json!({"phase": p, "startedAt": "2026-02-10T11:55:00Z"});
    }
    obj
}

pub fn run(name: &str, lane: Option<&str>, phase: Option<&str>) -> Run {
    Run::from_json(&run_json(name, lane, phase))
}

pub fn item(name: &str, lane: Option<&str>, summary: &str) -> WorkItem {
    let mut labels = json!({});
    if let Some(l) = lane {
        labels["swarm.proompteng.ai/lane"] = json!(l);
    }
    WorkItem::from_json(&json!({
        "metadata": {"name": name, "namespace": "agents", "labels": labels,
                     "creationTimestamp": "2026-02-10T11:00:00Z"},
        "spec": {"text": format!("## Objective\n{summary}\n\n## Parameters\n- head: codex/swarm/{name}\n"),
                 "summary": summary, "source": {"provider": "manual"}}
    }))
}

pub fn apply_run(state: &mut State, run: Run) {
    update(
        state,
        Msg::Source(SourceEvent::Applied(Resource::Run(Box::new(run)))),
    );
}

pub fn apply_item(state: &mut State, item: WorkItem) {
    update(
        state,
        Msg::Source(SourceEvent::Applied(Resource::WorkItem(Box::new(item)))),
    );
}

/// A board with runs in lanes A (3), B (1), and one unassigned.
pub fn populated() -> State {
    let mut s = state();
    apply_run(&mut s, run("a-failed", Some("A"), Some("Failed")));
    apply_run(&mut s, run("a-running", Some("A"), Some("Running")));
    apply_run(&mut s, run("a-done", Some("A"), Some("Succeeded")));
    apply_run(&mut s, run("b-pending", Some("B"), None));
    apply_run(&mut s, run("stray", Some("Z"), Some("Running")));
    s.ensure_board();
    s
}

pub fn selected_name(state: &State) -> Option<String> {
    use swarm_cockpit::app::board::CardId;
    state.selected_card().map(|id| match id {
        CardId::Run(k) | CardId::WorkItem(k) => k.name.to_string(),
    })
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Typing `text`; a newline is enter.
pub fn typed(text: &str) -> Vec<Msg> {
    text.chars()
        .map(|c| {
            if c == '\n' {
                key(KeyCode::Enter)
            } else {
                ch(c)
            }
        })
        .collect()
}

/// Applies messages in order, collecting every effect.
pub fn press(state: &mut State, msgs: impl IntoIterator<Item = Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| update(state, m)).collect()
}

/// A test terminal of `width`×`height` with one frame of `state` drawn in `theme`, after the
/// resize and the board rebuild the runtime does before a frame.
pub fn drawn(state: &mut State, width: u16, height: u16, theme: &Theme) -> Terminal<TestBackend> {
    update(state, Msg::Resize { width, height });
    state.ensure_board();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|f| ui::draw(f, state, theme)).expect("draw");
    terminal
}

/// The screen as text, in the default theme.
pub fn render(state: &mut State, width: u16, height: u16) -> String {
    render_in(state, width, height, &Theme::default())
}

/// The screen as text, in `theme`.
pub fn render_in(state: &mut State, width: u16, height: u16, theme: &Theme) -> String {
    drawn(state, width, height, theme).backend().to_string()
}

/// The screen's cells (styles included), in the default theme.
pub fn draw(state: &mut State, width: u16, height: u16) -> Buffer {
    drawn(state, width, height, &Theme::default())
        .backend()
        .buffer()
        .clone()
}

/// Keys typed into `state` one by one: `\n` is enter, `\x1b` esc, anything else its character.
pub fn keys(state: &mut State, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

/// Every watched resource kind reported connected.
pub fn connect_all(state: &mut State) {
    for kind in ResourceKind::ALL {
        update(
            state,
            Msg::Source(SourceEvent::Connection(kind, ConnState::Connected)),
        );
    }
}

/// The Torghut plan in context `demo`, namespace `agents`, at [`t0`], with the demo swarm's
/// (seed 1) opening events applied; no tick yet.
pub fn demo_opening() -> State {
    let plan = Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan");
    let mut state = State::new(
        plan.clone(),
        Origin {
            context: "demo".into(),
            namespace: Some("agents".into()),
        },
        t0(),
    );
    let mut demo = DemoSwarm::new(plan, 1);
    for event in demo.advance(0.0, t0()) {
        update(&mut state, Msg::Source(event));
    }
    state
}
