//! Snapshots of the log view on ratatui's TestBackend at fixed sizes and a fixed clock, plus checks
//! of what snapshots cannot show (highlight colors, nothing hostile reaching the cells).
mod common;

use common::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use swarm_cockpit::app::logs::{LogEvent, StreamState};
use swarm_cockpit::app::{Msg, State, update};
use swarm_cockpit::domain::Run;
use swarm_cockpit::domain::log_buffer::LineBatch;
use swarm_cockpit::domain::pod::PodInfo;
use swarm_cockpit::ui::{self, Theme};

fn pod(name: &str, minute: u32, attempt: u32, phase: &str) -> PodInfo {
    PodInfo::from_json(&json!({
        "metadata": {"name": name, "namespace": "agents",
                     "creationTimestamp": format!("2026-02-10T11:{minute:02}:00Z"),
                     "labels": {"agents.proompteng.ai/step": "implement",
                                "agents.proompteng.ai/step-index": "1",
                                "job-name": format!("fw-a1-step-1-attempt-{attempt}")}},
        "spec": {"containers": [{"name": "agent-runner"}]},
        "status": {"phase": phase}
    }))
}

/// The board with one run, its logs open on `pods` (the newest streaming when there is one).
fn logs_of(pods: Vec<PodInfo>) -> (State, u64) {
    let mut s = state();
    let mut obj = run_json("fw-a1", Some("A"), Some("Running"));
    obj["status"]["runtimeRef"] = json!({"type": "workflow", "name": "fw-a1-step-1-attempt-2"});
    apply_run(&mut s, Run::from_json(&obj));
    s.ensure_board();
    keys(&mut s, "L");
    let effects = update(
        &mut s,
        Msg::Log(LogEvent::Pods {
            run: swarm_cockpit::domain::ObjectKey::new("agents", "fw-a1"),
            pods,
        }),
    );
    let id = effects
        .iter()
        .find_map(|e| match e {
            swarm_cockpit::app::Effect::StreamLogs(r) => Some(r.stream),
            _ => None,
        })
        .unwrap_or(0);
    (s, id)
}

fn send_raw(state: &mut State, stream: u64, raw: &[&[u8]]) {
    let mut batch = LineBatch::default();
    for (i, line) in raw.iter().enumerate() {
        let ts = t0().timestamp_nanos_opt().expect("ts") + i as i64 * 1_500_000_000;
        batch.push(Some(ts), line, 0);
    }
    update(state, Msg::Log(LogEvent::Lines { stream, batch }));
    update(
        state,
        Msg::Log(LogEvent::State {
            stream,
            state: StreamState::Streaming,
        }),
    );
}

const AGENT_LOG: [&[u8]; 12] = [
    b"[runner] starting agent codex-agent in pod fw-a1-step-1-attempt-2-x7k2p",
    b"[runner] cloning proompteng/lab@main into /workspace",
    b"[codex] reading services/torghut/app/trading/firewall/guard.py",
    b"[codex] \x1b[36mplan\x1b[0m: route every order through the firewall",
    b"[tests] \x1b[32mPASS\x1b[0m tests/trading/test_firewall.py::test_blocks_live_orders",
    b"[tests] \x1b[31mFAIL\x1b[0m tests/trading/test_firewall.py::test_kill_switch_latency",
    b"[hostile] \x1b]0;pwned\x07 \x1b[2J\x1b[H title+clear attempt, \x9b31m C1 CSI",
    b"[bytes] invalid utf-8 \xff\xfe and a bell \x07 and tab\tafter",
    b"[codex] ERROR: ruff found 2 problems in guard.py",
    b"[codex] editing services/torghut/app/trading/firewall/guard.py (+12 -3)",
    b"[tests] 41 passed, 0 failed in 3.2s",
    b"[runner] waiting for the next step",
];

#[test]
fn streaming_agent_log_80x24() {
    let (mut s, id) = logs_of(vec![pod("fw-a1-step-1-attempt-2-x7k2p", 5, 2, "Running")]);
    send_raw(&mut s, id, &AGENT_LOG);
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn search_filter_and_timestamps_120x30() {
    let (mut s, id) = logs_of(vec![pod("fw-a1-step-1-attempt-2-x7k2p", 5, 2, "Running")]);
    send_raw(&mut s, id, &AGENT_LOG);
    keys(&mut s, "/firewall\nFt");
    insta::assert_snapshot!(render(&mut s, 120, 30));
}

#[test]
fn pod_picker_newest_first() {
    let mut pods = vec![
        pod("fw-a1-step-1-attempt-1-b9d2q", 1, 1, "Failed"),
        pod("fw-a1-step-1-attempt-2-x7k2p", 5, 2, "Running"),
    ];
    swarm_cockpit::domain::pod::sort_newest_first(&mut pods);
    let (mut s, _) = logs_of(pods);
    update(&mut s, Msg::Tick(t0()));
    insta::assert_snapshot!(render(&mut s, 100, 20));
}

#[test]
fn no_pods_yet() {
    let (mut s, _) = logs_of(vec![]);
    insta::assert_snapshot!(render(&mut s, 80, 16));
}

#[test]
fn reconnecting_keeps_the_lines_and_says_so() {
    let (mut s, id) = logs_of(vec![pod("p-1", 5, 1, "Running")]);
    send_raw(&mut s, id, &AGENT_LOG[..4]);
    update(
        &mut s,
        Msg::Log(LogEvent::State {
            stream: id,
            state: StreamState::Reconnecting("error trying to connect: connection refused".into()),
        }),
    );
    insta::assert_snapshot!(render(&mut s, 100, 12));
}

#[test]
fn ended_pod_paused_with_dropped_lines_and_wrapping() {
    let (mut s, id) = logs_of(vec![pod("p-1", 5, 1, "Succeeded")]);
    s.screens.logs_mut().expect("view").buffer =
        swarm_cockpit::domain::log_buffer::LogBuffer::new(8, usize::MAX);
    let long = format!("[codex] long line {}", "0123456789".repeat(14));
    let mut raw: Vec<Vec<u8>> = (0..12).map(|i| format!("line {i}").into_bytes()).collect();
    raw.push(long.into_bytes());
    let raw: Vec<&[u8]> = raw.iter().map(Vec::as_slice).collect();
    send_raw(&mut s, id, &raw);
    update(
        &mut s,
        Msg::Log(LogEvent::State {
            stream: id,
            state: StreamState::Ended("Completed, exit code 0".into()),
        }),
    );
    keys(&mut s, "g");
    insta::assert_snapshot!(render(&mut s, 60, 16));
}

#[test]
fn help_opened_from_the_logs_lists_the_log_keys_first() {
    let (mut s, _) = logs_of(vec![pod("p-1", 5, 1, "Running")]);
    keys(&mut s, "?");
    insta::assert_snapshot!(render(&mut s, 80, 24));
}

#[test]
fn matches_are_highlighted_and_the_current_one_stands_out() {
    let (mut s, id) = logs_of(vec![pod("p-1", 5, 1, "Running")]);
    send_raw(&mut s, id, &AGENT_LOG);
    keys(&mut s, "/guard\n");
    let buf = draw(&mut s, 100, 24);
    let theme = Theme::default();
    let mut highlighted = Vec::new();
    for y in 0..buf.area.height {
        let row: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_owned())
            .collect();
        if let Some(col) = row.find("guard.py") {
            let x = row[..col].chars().count() as u16;
            highlighted.push(buf[(x, y)].bg);
        }
    }
    assert_eq!(highlighted.len(), 3, "three lines mention guard.py");
    // The newest match is current (selection colors), the others use the match color.
    assert_eq!(highlighted[2], theme.selection_bg);
    assert_eq!(highlighted[0], theme.warning);
    // Colors from the log itself are kept (SGR only): PASS is green.
    let pass = (0..buf.area.height).find_map(|y| {
        let row: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_owned())
            .collect();
        row.find("PASS")
            .map(|c| buf[(row[..c].chars().count() as u16, y)].fg)
    });
    assert_eq!(pass, Some(ratatui::style::Color::Indexed(2)));
}

#[test]
fn no_control_character_reaches_the_screen() {
    let (mut s, id) = logs_of(vec![pod("p-1", 5, 1, "Running")]);
    send_raw(&mut s, id, &AGENT_LOG);
    for (w, h) in [(80, 24), (30, 8), (200, 60)] {
        let buf = draw(&mut s, w, h);
        for cell in buf.content() {
            assert!(
                !cell.symbol().chars().any(|c| c.is_control()),
                "control character in a cell: {:?}",
                cell.symbol()
            );
        }
    }
}

#[test]
fn tiny_terminals_do_not_panic() {
    let (mut s, id) = logs_of(vec![pod("p-1", 5, 1, "Running")]);
    send_raw(&mut s, id, &AGENT_LOG);
    keys(&mut s, "/codex\nF");
    for w in 0..30 {
        for h in 0..8 {
            update(
                &mut s,
                Msg::Resize {
                    width: w,
                    height: h,
                },
            );
            let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("backend");
            terminal
                .draw(|f| ui::draw(f, &s, &Theme::default()))
                .expect("draw");
            keys(&mut s, "kjG");
        }
    }
}
