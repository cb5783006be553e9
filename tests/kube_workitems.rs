//! Work items against a real API server: create by keyboard, edit, approve, a concurrent edit from
//! a second client (409 conflict and a revoked approval), the server's 422, a duplicate name.
//! The effects `update` returns are carried out by the cockpit's executor over the real cluster.
mod common;
mod support;

use common::{ctrl, key, typed};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use support::{Follower, TestCluster, WAIT, implementation_spec, plan_ab, template_text};
use swarm_cockpit::app::msg::OpResult;
use swarm_cockpit::app::state::Mode;
use swarm_cockpit::app::{ConnState, Msg, update};
use swarm_cockpit::domain::approval::Approval;
use swarm_cockpit::domain::{ObjectKey, ResourceKind};

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_goes_from_an_empty_lane_to_an_approved_item_by_keyboard() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let mut f = Follower::start(&cluster.connection(), plan_ab());
    let executor = f.executor(&cluster.client);
    f.wait_until("connected", WAIT, |s| {
        s.overall_connection() == ConnState::Connected
    })
    .await;
    f.state.ensure_board();

    // n: a new item in lane A, named by typing.
    f.press(&executor, vec![key(KeyCode::Char('n'))]).await;
    assert_eq!(f.state.mode(), Mode::Editor);
    let mut keys: Vec<Msg> = (0..20).map(|_| key(KeyCode::Backspace)).collect();
    keys.extend(typed("order-firewall"));
    // Objective: replace the placeholder line.
    keys.push(key(KeyCode::Tab));
    keys.push(ctrl('k'));
    keys.extend(typed("Add an order firewall module."));
    keys.push(ctrl('s'));
    let outcomes = f.press(&executor, keys).await;
    assert!(
        matches!(outcomes.as_slice(), [OpResult::Saved(_)]),
        "{outcomes:?}"
    );
    let key_fw = ObjectKey::new(cluster.namespace.clone(), "order-firewall");
    f.wait_until("the item arrives through the watch", WAIT, |s| {
        s.cluster
            .items
            .get(&key_fw)
            .is_some_and(|i| i.summary == "Add an order firewall module.")
    })
    .await;
    let item = &f.state.cluster.items[&key_fw];
    assert_eq!(item.lane.as_deref(), Some("A"));
    assert_eq!(item.source_provider.as_deref(), Some("manual"));
    assert_eq!(item.required_keys, ["repository", "base", "head", "stage"]);
    assert_eq!(item.head(), Some("codex/swarm/lane-a/order-firewall"));

    // Leave the editor, approve from the board.
    f.press(&executor, vec![key(KeyCode::Esc), key(KeyCode::Esc)])
        .await;
    assert_eq!(f.state.mode(), Mode::Board);
    let outcomes = f.press(&executor, vec![key(KeyCode::Char('a'))]).await;
    assert!(
        matches!(outcomes.as_slice(), [OpResult::Patched { .. }]),
        "{outcomes:?}"
    );
    f.wait_until("approved on the server", WAIT, |s| {
        s.approval_of(&s.cluster.items[&key_fw]).is_approved()
    })
    .await;
    let Approval::Approved { by, .. } = f.state.approval_of(&f.state.cluster.items[&key_fw]) else {
        unreachable!()
    };
    assert_eq!(by, f.state.settings.operator);

    // A second client edits the text: the approval no longer matches — revoked, visibly.
    let theirs = template_text(
        "Add an order firewall module (edited by a colleague).",
        "codex/swarm/lane-a/order-firewall",
    );
    cluster
        .patch(
            ResourceKind::ImplementationSpec,
            "order-firewall",
            json!({"spec": {"text": theirs}}),
        )
        .await;
    f.wait_until("the approval is revoked by the edit", WAIT, |s| {
        matches!(
            s.approval_of(&s.cluster.items[&key_fw]),
            Approval::Revoked { .. }
        )
    })
    .await;

    // Revoke clears the stale approval.
    let outcomes = f.press(&executor, vec![key(KeyCode::Char('A'))]).await;
    assert!(
        matches!(outcomes.as_slice(), [OpResult::Patched { .. }]),
        "{outcomes:?}"
    );
    f.wait_until("approval annotations removed", WAIT, |s| {
        s.approval_of(&s.cluster.items[&key_fw]) == Approval::NotApproved
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_concurrent_edit_is_a_conflict_never_a_silent_overwrite() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let text = template_text("Original objective.", "codex/swarm/lane-a/fw");
    cluster
        .create(
            ResourceKind::ImplementationSpec,
            implementation_spec("fw", Some("A"), "Original objective.", &text),
        )
        .await;
    let mut f = Follower::start(&cluster.connection(), plan_ab());
    let executor = f.executor(&cluster.client);
    let key_fw = ObjectKey::new(cluster.namespace.clone(), "fw");
    f.wait_until("item listed", WAIT, |s| {
        s.cluster.items.contains_key(&key_fw)
    })
    .await;
    f.state.ensure_board();

    // The operator starts editing...
    f.press(
        &executor,
        vec![key(KeyCode::Char('e')), key(KeyCode::Enter)],
    )
    .await;
    f.press(&executor, typed("Mine: ")).await;
    // ...while a colleague saves first.
    let theirs_text = template_text("Their objective.", "codex/swarm/lane-a/fw");
    cluster
        .patch(
            ResourceKind::ImplementationSpec,
            "fw",
            json!({"spec": {"text": theirs_text}}),
        )
        .await;
    let outcomes = f.press(&executor, vec![ctrl('s')]).await;
    let [OpResult::SaveConflict(theirs)] = outcomes.as_slice() else {
        panic!("expected a conflict: {outcomes:?}");
    };
    assert!(theirs.text.contains("Their objective."));
    let server = cluster
        .api(ResourceKind::ImplementationSpec)
        .get("fw")
        .await
        .expect("get");
    assert_eq!(
        server.data["spec"]["text"],
        json!(theirs_text),
        "nothing was overwritten"
    );
    assert!(f.state.screens.editor().expect("editor").conflict.is_some());

    // Merge: both versions between markers, then the operator settles and saves on their version.
    f.press(&executor, vec![key(KeyCode::Char('m'))]).await;
    let merged = f.state.screens.editor().expect("editor").text();
    assert!(
        merged.contains("<<<<<<< yours") && merged.contains("Their objective."),
        "{merged}"
    );
    // Take the overwrite path explicitly instead: `o` after a fresh conflict.
    f.press(&executor, typed("x")).await;
    cluster
        .patch(
            ResourceKind::ImplementationSpec,
            "fw",
            json!({"spec": {"summary": "changed again"}}),
        )
        .await;
    let outcomes = f.press(&executor, vec![ctrl('s')]).await;
    assert!(
        matches!(outcomes.as_slice(), [OpResult::SaveConflict(_)]),
        "{outcomes:?}"
    );
    let outcomes = f.press(&executor, vec![key(KeyCode::Char('o'))]).await;
    assert!(
        matches!(outcomes.as_slice(), [OpResult::Saved(_)]),
        "{outcomes:?}"
    );
    let server = cluster
        .api(ResourceKind::ImplementationSpec)
        .get("fw")
        .await
        .expect("get");
    assert!(
        server.data["spec"]["text"]
            .as_str()
            .expect("text")
            .contains("<<<<<<< yours")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_servers_422_and_a_taken_name_are_shown_with_the_draft_kept() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    let text = template_text("Objective.", "codex/swarm/lane-a/big");
    cluster
        .create(
            ResourceKind::ImplementationSpec,
            implementation_spec("big", Some("A"), "Objective.", &text),
        )
        .await;
    let mut f = Follower::start(&cluster.connection(), plan_ab());
    let executor = f.executor(&cluster.client);
    let key_big = ObjectKey::new(cluster.namespace.clone(), "big");
    f.wait_until("item listed", WAIT, |s| {
        s.cluster.items.contains_key(&key_big)
    })
    .await;
    f.state.ensure_board();

    // Paste far more than the CRD allows into the objective: the server refuses (422).
    f.press(
        &executor,
        vec![key(KeyCode::Char('e')), key(KeyCode::Enter)],
    )
    .await;
    if let Some(editor) = f.state.screens.editor_mut() {
        editor.sections[0].area.insert_str("y".repeat(140_000));
    }
    update(
        &mut f.state,
        Msg::Key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE)),
    );
    let outcomes = f.press(&executor, vec![ctrl('s')]).await;
    let [OpResult::SaveFailed(message)] = outcomes.as_slice() else {
        panic!("expected the server to refuse: {outcomes:?}");
    };
    assert!(
        message.contains("spec.text") && message.contains("422"),
        "{message}"
    );
    let editor = f.state.screens.editor().expect("editor");
    assert!(
        editor
            .message
            .as_deref()
            .is_some_and(|m| m.contains("kept as a draft"))
    );
    assert!(editor.changed);
    assert!(
        editor
            .findings
            .iter()
            .any(|f| f.check == swarm_cockpit::domain::checks::CheckId::SizeLimit),
        "the cockpit's own check says so too"
    );

    // A new item under a taken name: AlreadyExists is explained, not a crash.
    f.press(
        &executor,
        vec![
            key(KeyCode::Esc),
            key(KeyCode::Esc),
            key(KeyCode::Char('n')),
        ],
    )
    .await;
    let mut keys: Vec<Msg> = (0..20).map(|_| key(KeyCode::Backspace)).collect();
    keys.extend(typed("big"));
    keys.push(ctrl('s'));
    let outcomes = f.press(&executor, keys).await;
    let [OpResult::SaveFailed(message)] = outcomes.as_slice() else {
        panic!("{outcomes:?}");
    };
    assert!(message.contains("already exists"), "{message}");
}
