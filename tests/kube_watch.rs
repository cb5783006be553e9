//! The cockpit's state follows a real API server: the real kube watchers feed the real `update`,
//! and every assertion is on the resulting `State` (and the board built from it).
//!
//! Needs a cluster: `SWARM_TEST_KUBECONFIG=<kubeconfig>`, or the testenv scripts (see
//! tests/support/mod.rs). Without either each test prints `SKIPPED: no cluster` and passes, unless
//! `SWARM_REQUIRE_CLUSTER=1`.
mod support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use support::{
    Follower, TestCluster, WAIT, agent_run, condition, implementation_spec, plan_ab, template_text,
};
use swarm_cockpit::app::board::{Board, CardId};
use swarm_cockpit::app::{ConnState, State};
use swarm_cockpit::domain::{ObjectKey, Phase, Plan, ResourceKind};

const RUN: ResourceKind = ResourceKind::AgentRun;
const SPEC: ResourceKind = ResourceKind::ImplementationSpec;

fn connected(s: &State) -> bool {
    s.overall_connection() == ConnState::Connected
}

fn key(cluster: &TestCluster, name: &str) -> ObjectKey {
    ObjectKey::new(cluster.namespace.clone(), name)
}

fn phase_of(s: &State, key: &ObjectKey) -> Option<Phase> {
    s.cluster.runs.get(key).map(|r| r.phase.clone())
}

/// The cards of the column for `lane` (`None` = Unassigned).
fn column<'b>(board: &'b Board, lane: Option<&str>) -> Vec<&'b CardId> {
    board
        .columns
        .iter()
        .find(|c| c.lane.as_deref() == lane)
        .map(|c| c.cards.iter().map(|card| &card.id).collect())
        .unwrap_or_default()
}

/// Reads one of the project's example manifests as JSON.
fn example(path: &str) -> Value {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A cluster with the project's CRDs and a follower already past its initial list.
async fn cluster_with_crds() -> Option<(TestCluster, Follower)> {
    let cluster = TestCluster::start().await?;
    cluster.apply_crds().await;
    let mut follower = cluster.follow(plan_ab());
    follower
        .wait_until("the watchers to connect", WAIT, connected)
        .await;
    Some((cluster, follower))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_objects_appear_in_their_lane_columns() {
    let Some((cluster, mut f)) = cluster_with_crds().await else {
        return;
    };
    // The project's own samples: the seed's order-firewall work item in lane A and its run.
    cluster
        .create(
            SPEC,
            example("examples/implementationspecs/order-firewall.yaml"),
        )
        .await;
    cluster
        .create(
            SPEC,
            example("examples/implementationspecs/cost-model.yaml"),
        )
        .await;
    cluster
        .create(RUN, example("examples/agentruns/order-firewall-a1.yaml"))
        .await;
    // Lane B: a work item, and a run that has no lane label of its own (the item's lane decides).
    let ta_head = "codex/swarm/lane-b/ta-slippage-features";
    cluster
        .create(
            SPEC,
            implementation_spec(
                "ta-slippage-features",
                Some("B"),
                "Expose spread and depth features",
                &template_text("Expose spread and depth features.", ta_head),
            ),
        )
        .await;
    cluster
        .create(
            RUN,
            agent_run(
                "ta-slippage-features-b1",
                None,
                "ta-slippage-features",
                ta_head,
            ),
        )
        .await;
    // A lane the plan does not know, and no lane at all: both go to Unassigned.
    cluster
        .create(
            RUN,
            agent_run("stray-z1", Some("Z"), "nowhere", "codex/stray"),
        )
        .await;
    cluster
        .create(
            SPEC,
            implementation_spec("orphan", None, "No lane yet", "## Objective\nTBD\n"),
        )
        .await;

    let (firewall, cost, ta, ta_run, stray, orphan) = (
        key(&cluster, "order-firewall-a1"),
        key(&cluster, "cost-model"),
        key(&cluster, "ta-slippage-features"),
        key(&cluster, "ta-slippage-features-b1"),
        key(&cluster, "stray-z1"),
        key(&cluster, "orphan"),
    );
    f.wait_until("3 runs and 4 work items", WAIT, |s| {
        s.cluster.runs.len() == 3 && s.cluster.items.len() == 4
    })
    .await;

    let run = &f.state.cluster.runs[&firewall];
    assert_eq!(run.phase, Phase::Pending, "no status yet reads as Pending");
    assert_eq!(run.lane.as_deref(), Some("A"));
    assert_eq!(run.work_item.as_deref(), Some("order-firewall"));
    assert_eq!(
        run.head_branch.as_deref(),
        Some("codex/swarm/lane-a/order-firewall")
    );
    assert_eq!(run.repository.as_deref(), Some("proompteng/lab"));
    assert_eq!(run.agent.as_deref(), Some("codex-agent"));
    assert_eq!(run.runtime_type.as_deref(), Some("workflow"));
    assert!(run.problems.is_empty(), "{:?}", run.problems);

    let item = &f.state.cluster.items[&key(&cluster, "order-firewall")];
    assert_eq!(item.lane.as_deref(), Some("A"));
    assert_eq!(item.wave.as_deref(), Some("1"));
    assert_eq!(
        item.summary,
        "Add an order firewall module and a true kill switch contract"
    );
    assert_eq!(item.head(), Some("codex/swarm/lane-a/order-firewall"));
    assert_eq!(
        item.parameters.get("stage").map(String::as_str),
        Some("implementation")
    );
    assert_eq!(item.source_provider.as_deref(), Some("manual"));
    for section in [
        "## Objective",
        "## In-scope paths",
        "## Out-of-scope constraints",
        "## Acceptance criteria",
        "## Validation commands",
        "## Safety gates",
        "## Parameters",
    ] {
        assert!(item.text.contains(section), "missing {section}");
    }
    assert_eq!(
        f.state.cluster.items[&cost].depends_on,
        vec!["order-firewall"]
    );
    assert_eq!(f.state.cluster.runs[&ta_run].lane, None);
    assert_eq!(f.state.cluster.runs[&stray].lane.as_deref(), Some("Z"));

    let board = f.state.board().clone();
    let titles: Vec<_> = board.columns.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "A · Trading service core",
            "B · Data / TA / features",
            "Unassigned"
        ]
    );
    // A launched work item is shown by its run; one not launched yet is a card of its own.
    assert_eq!(
        column(&board, Some("A")),
        [&CardId::Run(firewall), &CardId::WorkItem(cost)]
    );
    assert_eq!(column(&board, Some("B")), [&CardId::Run(ta_run)]);
    assert_eq!(
        column(&board, None),
        [&CardId::Run(stray), &CardId::WorkItem(orphan)]
    );
    assert!(!column(&board, Some("B")).contains(&&CardId::WorkItem(ta)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_patches_are_followed_and_deletes_remove() {
    let Some((cluster, mut f)) = cluster_with_crds().await else {
        return;
    };
    let name = "order-firewall-a1";
    let run = key(&cluster, name);
    cluster
        .create(
            RUN,
            agent_run(
                name,
                Some("A"),
                "order-firewall",
                "codex/swarm/lane-a/order-firewall",
            ),
        )
        .await;
    f.wait_until("the run to appear", WAIT, |s| {
        s.cluster.runs.contains_key(&run)
    })
    .await;

    cluster
        .patch_status(
            RUN,
            name,
            json!({"phase": "Pending", "conditions": [
                condition("Accepted", "True", "Submitted", "accepted by the controller")]}),
        )
        .await;
    f.wait_until("Pending with Accepted", WAIT, |s| {
        s.cluster.runs[&run]
            .conditions
            .iter()
            .any(|c| c.type_ == "Accepted")
    })
    .await;
    assert_eq!(phase_of(&f.state, &run), Some(Phase::Pending));

    // The controller keeps the run Pending and says why: the card shows Blocked.
    cluster
        .patch_status(
            RUN,
            name,
            json!({"conditions": [
                condition("Accepted", "True", "Submitted", "accepted by the controller"),
                condition("Blocked", "True", "ConcurrencyLimit", "2 runs already in flight for codex-agent")]}),
        )
        .await;
    f.wait_until("Blocked", WAIT, |s| {
        phase_of(s, &run) == Some(Phase::Blocked)
    })
    .await;
    assert_eq!(
        f.state.cluster.runs[&run]
            .headline_condition()
            .and_then(|c| c.reason.as_deref()),
        Some("ConcurrencyLimit")
    );
    assert_eq!(f.state.board().columns[0].cards[0].phase, Phase::Blocked);

    cluster
        .patch_status(
            RUN,
            name,
            json!({"phase": "Running", "startedAt": "2026-02-10T10:01:00Z", "conditions": [
                condition("Accepted", "True", "Submitted", "accepted by the controller"),
                condition("Blocked", "False", "Admitted", "admitted"),
                condition("InProgress", "True", "Running", "step implement attempt 1")],
                "runtimeRef": {"type": "workflow", "name": "order-firewall-a1-step-1-attempt-1",
                               "namespace": cluster.namespace, "runName": name, "stepName": "implement"}}),
        )
        .await;
    f.wait_until("Running", WAIT, |s| {
        phase_of(s, &run) == Some(Phase::Running)
    })
    .await;
    let r = &f.state.cluster.runs[&run];
    assert_eq!(
        r.runtime_ref.as_ref().and_then(|rr| rr.name.as_deref()),
        Some("order-firewall-a1-step-1-attempt-1")
    );
    assert!(r.started_at.is_some());

    cluster
        .patch_status(
            RUN,
            name,
            json!({"phase": "Succeeded", "finishedAt": "2026-02-10T11:01:00Z",
                   "artifacts": [{"name": "pull-request", "url": "https://github.com/proompteng/lab/pull/4242"}]}),
        )
        .await;
    f.wait_until("Succeeded", WAIT, |s| {
        phase_of(s, &run) == Some(Phase::Succeeded)
    })
    .await;
    let r = &f.state.cluster.runs[&run];
    assert_eq!(
        r.artifact_urls,
        ["https://github.com/proompteng/lab/pull/4242"]
    );
    assert_eq!(
        r.elapsed(f.state.now).map(|d| d.num_minutes()),
        Some(60),
        "a finished run shows its duration"
    );

    // A label change moves the card to another lane.
    cluster
        .patch(
            RUN,
            name,
            json!({"metadata": {"labels": {"swarm.proompteng.ai/lane": "B"}}}),
        )
        .await;
    f.wait_until("the run to move to lane B", WAIT, |s| {
        s.cluster.runs[&run].lane.as_deref() == Some("B")
    })
    .await;
    assert_eq!(
        column(f.state.board(), Some("B")),
        [&CardId::Run(run.clone())]
    );

    cluster.delete(RUN, name).await;
    f.wait_until("the run to be removed", WAIT, |s| s.cluster.runs.is_empty())
        .await;
    assert!(
        f.state.board().columns.iter().all(|c| c.cards.is_empty()),
        "the board is empty again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_objects_are_stored_and_shown_safely() {
    let Some((cluster, mut f)) = cluster_with_crds().await else {
        return;
    };
    // A phase this version does not know is storable (no enum) and shown as unknown.
    cluster
        .create(RUN, agent_run("hibernating-a1", Some("A"), "x", "codex/h"))
        .await;
    cluster
        .patch_status(RUN, "hibernating-a1", json!({"phase": "Hibernating"}))
        .await;
    // No status at all.
    cluster
        .create(RUN, agent_run("fresh-a2", Some("A"), "y", "codex/f"))
        .await;
    // Escape sequences and control characters where the controller writes free text.
    cluster
        .create(RUN, agent_run("evil-b1", Some("B"), "z", "codex/e"))
        .await;
    cluster
        .patch_status(
            RUN,
            "evil-b1",
            json!({"phase": "Failed", "reason": "JobFailed\u{1b}[5m",
                   "message": "exit 1: \u{1b}[2J\u{1b}[31mboom\u{7}\r\u{1b}]0;pwned\u{7} — ошибка ✗ 失败",
                   "conditions": [condition("Failed", "True", "JobFailed",
                                            "step \u{1b}[1mimplement\u{1b}[0m failed\u{8}\u{8}")]}),
        )
        .await;

    // A 128 KiB work item: exactly the schema's 131072-character limit, multi-byte text included.
    let head = "codex/swarm/lane-a/big";
    let mut text =
        String::from("## Objective\nЗаказ 注文 — order firewall, 🔥 edition.\n\n## Notes\n");
    let tail = format!("\n{}", template_text("Handle a huge spec.", head));
    let filler = "Lorem ipsum dolor sit amet, ünïcödé ✓ 日本語.\n";
    while text.chars().count() + filler.chars().count() + tail.chars().count() <= 131_072 {
        text.push_str(filler);
    }
    let missing = 131_072 - text.chars().count() - tail.chars().count();
    text.push_str(&"x".repeat(missing));
    text.push_str(&tail);
    assert_eq!(text.chars().count(), 131_072);
    let mut too_big = implementation_spec("too-big", Some("A"), "one char over", &text);
    too_big["spec"]["text"] = json!(format!("{text}!"));
    let refused = cluster
        .try_create(SPEC, too_big)
        .await
        .expect_err("131073 characters exceed spec.text's maxLength");
    assert!(
        matches!(&refused, kube::Error::Api(s) if s.code == 422),
        "{refused}"
    );
    cluster
        .create(
            SPEC,
            implementation_spec("huge", Some("A"), "Заказ 注文 🔥 — huge spec", &text),
        )
        .await;
    cluster
        .create(
            SPEC,
            implementation_spec(
                "ansi-summary",
                Some("B"),
                "Fix \u{1b}[31mred\u{1b}[0m alerts\u{7} ✓",
                "## Objective\n\u{1b}[2JClear the screen?\n",
            ),
        )
        .await;

    let (hib, fresh, evil) = (
        key(&cluster, "hibernating-a1"),
        key(&cluster, "fresh-a2"),
        key(&cluster, "evil-b1"),
    );
    f.wait_until("all odd objects, statuses included", WAIT, |s| {
        s.cluster.items.len() == 2
            && phase_of(s, &hib) == Some(Phase::Unknown("Hibernating".into()))
            && phase_of(s, &evil) == Some(Phase::Failed)
            && s.cluster.runs.contains_key(&fresh)
    })
    .await;

    assert_eq!(f.state.cluster.runs[&fresh].phase, Phase::Pending);
    assert!(f.state.cluster.runs[&fresh].problems.is_empty());

    let e = &f.state.cluster.runs[&evil];
    let message = e.message.as_deref().expect("message");
    assert_eq!(message, "exit 1: ␛[2J␛[31mboom␇␍␛]0;pwned␇ — ошибка ✗ 失败");
    assert_eq!(e.reason.as_deref(), Some("JobFailed␛[5m"));
    let cond = e.headline_condition().expect("Failed condition");
    assert_eq!(
        cond.message.as_deref(),
        Some("step ␛[1mimplement␛[0m failed␈␈")
    );

    let huge = &f.state.cluster.items[&key(&cluster, "huge")];
    assert_eq!(huge.text, text, "the 128 KiB text arrives intact");
    assert_eq!(huge.summary, "Заказ 注文 🔥 — huge spec");
    assert_eq!(huge.head(), Some(head));
    let ansi = &f.state.cluster.items[&key(&cluster, "ansi-summary")];
    assert_eq!(ansi.summary, "Fix ␛[31mred␛[0m alerts␇ ✓");

    for run in f.state.cluster.runs.values() {
        for text in [&run.message, &run.reason].into_iter().flatten() {
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
    }

    // Drawn, nothing reaches the terminal as a control character.
    f.state.ensure_board();
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    terminal
        .draw(|frame| {
            swarm_cockpit::ui::draw(frame, &f.state, &swarm_cockpit::ui::Theme::default())
        })
        .expect("draw");
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(!screen.chars().any(char::is_control), "{screen}");
    assert!(screen.contains("Hibernating"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connected_only_after_the_initial_list() {
    let Some(cluster) = TestCluster::start().await else {
        return;
    };
    cluster.apply_crds().await;
    for i in 0..25 {
        let name = format!("preexisting-{i:02}");
        cluster
            .create(
                RUN,
                agent_run(&name, Some("A"), &name, &format!("codex/p/{i}")),
            )
            .await;
        cluster
            .create(
                SPEC,
                implementation_spec(&name, Some("A"), "pre", "## Objective\nx\n"),
            )
            .await;
    }
    let mut f = cluster.follow(plan_ab());
    assert_eq!(f.state.overall_connection(), ConnState::Connecting);
    f.wait_until("Connected", WAIT, connected).await;
    // The moment the status line says Connected, the board holds everything that existed.
    assert_eq!(f.state.cluster.runs.len(), 25, "{}", f.dump());
    assert_eq!(f.state.cluster.items.len(), 25, "{}", f.dump());
    for kind in ["AgentRun", "ImplementationSpec"] {
        let done = f.first_in_log(&format!("ResyncDone({kind})"));
        let up = f.first_in_log(&format!("Connection({kind} Connected)"));
        assert!(
            done.is_some() && up.is_some() && done < up,
            "{kind}: initial list done at {done:?}, connected at {up:?}\n{}",
            f.dump()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_an_api_server_restart_without_losing_or_duplicating() {
    let Some(cluster) = TestCluster::private_testenv().await else {
        return;
    };
    cluster.apply_crds().await;
    for (name, lane) in [("patched-a1", "A"), ("deleted-a2", "A"), ("kept-b1", "B")] {
        cluster
            .create(
                RUN,
                agent_run(name, Some(lane), name, &format!("codex/{name}")),
            )
            .await;
    }
    cluster
        .create(
            SPEC,
            implementation_spec("item-before", Some("B"), "before", "## Objective\nx\n"),
        )
        .await;
    let mut f = cluster.follow(plan_ab());
    f.wait_until("connected with 3 runs", WAIT, |s| {
        connected(s) && s.cluster.runs.len() == 3 && s.cluster.items.len() == 1
    })
    .await;

    // Crash the API server for 3 s: the status line must say so while it is down.
    let ((), ()) = tokio::join!(
        cluster.restart_apiserver(3),
        f.wait_until("Reconnecting while the API server is down", WAIT, |s| {
            matches!(s.overall_connection(), ConnState::Reconnecting(_))
        }),
    );

    // Right after the restart: create, patch and delete, before the watchers are back.
    cluster
        .create(
            RUN,
            agent_run(
                "created-after-b2",
                Some("B"),
                "created-after-b2",
                "codex/after",
            ),
        )
        .await;
    cluster
        .patch_status(RUN, "patched-a1", json!({"phase": "Running"}))
        .await;
    cluster.delete(RUN, "deleted-a2").await;
    cluster
        .create(
            SPEC,
            implementation_spec("item-after", Some("A"), "after", "## Objective\ny\n"),
        )
        .await;
    cluster.delete(SPEC, "item-before").await;

    let expected_runs: Vec<ObjectKey> = ["created-after-b2", "kept-b1", "patched-a1"]
        .iter()
        .map(|n| key(&cluster, n))
        .collect();
    let patched = key(&cluster, "patched-a1");
    f.wait_until("every change made after the restart", WAIT, |s| {
        connected(s)
            && s.cluster.runs.keys().cloned().collect::<Vec<_>>() == expected_runs
            && phase_of(s, &patched) == Some(Phase::Running)
            && s.cluster
                .items
                .keys()
                .map(|k| k.name.as_str())
                .collect::<Vec<_>>()
                == ["item-after"]
    })
    .await;

    // The watches themselves are live again (not only the connection probe).
    cluster
        .patch_status(RUN, "patched-a1", json!({"phase": "Succeeded"}))
        .await;
    f.wait_until("a change after reconnecting", WAIT, |s| {
        phase_of(s, &patched) == Some(Phase::Succeeded)
    })
    .await;
    f.drain();

    // Nothing duplicated: one card per object, exactly where it belongs.
    let board = f.state.board().clone();
    let cards: Vec<&CardId> = board
        .columns
        .iter()
        .flat_map(|c| c.cards.iter().map(|card| &card.id))
        .collect();
    assert_eq!(cards.len(), 4, "{cards:?}");
    assert_eq!(
        column(&board, Some("A")),
        [
            &CardId::WorkItem(key(&cluster, "item-after")),
            &CardId::Run(key(&cluster, "patched-a1"))
        ]
    );
    assert_eq!(
        column(&board, Some("B")),
        [
            &CardId::Run(key(&cluster, "created-after-b2")),
            &CardId::Run(key(&cluster, "kept-b1"))
        ]
    );
    assert_eq!(f.state.overall_connection(), ConnState::Connected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_without_the_crds_fails_naming_them_then_recovers() {
    // Private: a shared cluster may have the CRDs installed.
    let Some(cluster) = TestCluster::private_testenv().await else {
        return;
    };
    let mut f = cluster.follow(plan_ab());
    f.wait_until("both watches Failed", WAIT, |s| {
        s.cluster
            .connection
            .values()
            .all(|c| matches!(c, ConnState::Failed(_)))
    })
    .await;
    for kind in ResourceKind::ALL {
        let ConnState::Failed(message) = &f.state.cluster.connection[&kind] else {
            unreachable!()
        };
        assert!(
            message.contains(&kind.crd_name()),
            "{kind}: {message:?} should name the CRD"
        );
    }
    let ConnState::Failed(overall) = f.state.overall_connection() else {
        panic!("overall: {:?}", f.state.overall_connection());
    };
    assert!(overall.contains("agents.proompteng.ai"), "{overall}");

    // The operator installs the CRDs while the cockpit runs: it recovers by itself.
    cluster.apply_crds().await;
    cluster
        .create(RUN, agent_run("late-a1", Some("A"), "late", "codex/late"))
        .await;
    let late = key(&cluster, "late-a1");
    f.wait_until("Connected with the new run", WAIT, |s| {
        connected(s) && s.cluster.runs.contains_key(&late)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_valid_under_the_upstream_crds_are_read() {
    // Private: the upstream CRDs replace ours for the whole cluster.
    let Some(cluster) = TestCluster::private_testenv().await else {
        return;
    };
    cluster.apply_upstream_crds().await;
    let mut f = cluster.follow(Plan::default());
    f.wait_until("connected", WAIT, connected).await;

    // Our samples are valid upstream objects.
    cluster
        .create(
            SPEC,
            example("examples/implementationspecs/order-firewall.yaml"),
        )
        .await;
    cluster
        .create(RUN, example("examples/agentruns/order-firewall-a1.yaml"))
        .await;
    // Upstream refuses parameters.prompt today (the cockpit must say so plainly).
    let mut prompt = agent_run("prompt-a1", Some("A"), "order-firewall", "codex/p");
    prompt["spec"]["parameters"]["prompt"] = json!("do it differently");
    let refused = cluster
        .try_create(RUN, prompt)
        .await
        .expect_err("upstream rejects spec.parameters.prompt");
    assert!(
        matches!(&refused, kube::Error::Api(s) if s.code == 422 && s.message.contains("prompt")),
        "{refused}"
    );
    // A status as the upstream controller writes it (every condition field it requires).
    cluster
        .patch_status(
            RUN,
            "order-firewall-a1",
            json!({
                "phase": "Failed",
                "reason": "MissingRequiredMetadata",
                "message": "missing required keys: gitopsPath",
                "observedGeneration": 1,
                "startedAt": "2026-02-10T10:01:00Z",
                "finishedAt": "2026-02-10T10:02:00Z",
                "contract": {"requiredKeys": ["repository", "head", "gitopsPath"], "missingKeys": ["gitopsPath"]},
                "vcs": {"provider": "github", "repository": "proompteng/lab", "baseBranch": "main",
                        "headBranch": "codex/swarm/lane-a/order-firewall", "mode": "read-write"},
                "runtimeRef": {"type": "job", "name": "order-firewall-a1-job",
                               "namespace": cluster.namespace, "uid": "1234"},
                "artifacts": [{"name": "pr", "url": "https://github.com/proompteng/lab/pull/1"}],
                "conditions": [
                    condition("InvalidSpec", "True", "MissingRequiredMetadata", "missing gitopsPath"),
                    condition("Failed", "True", "MissingRequiredMetadata", "contract not met")
                ]
            }),
        )
        .await;
    let run = key(&cluster, "order-firewall-a1");
    f.wait_until("the run Failed with its contract", WAIT, |s| {
        s.cluster.items.len() == 1 && phase_of(s, &run) == Some(Phase::Failed)
    })
    .await;
    let r = &f.state.cluster.runs[&run];
    assert_eq!(r.missing_keys, ["gitopsPath"]);
    assert_eq!(r.required_keys, ["repository", "head", "gitopsPath"]);
    assert_eq!(
        r.head_branch.as_deref(),
        Some("codex/swarm/lane-a/order-firewall")
    );
    assert_eq!(
        r.headline_condition().map(|c| c.type_.as_str()),
        Some("InvalidSpec")
    );
    assert_eq!(
        r.runtime_ref.as_ref().and_then(|rr| rr.type_.as_deref()),
        Some("job")
    );
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    let item = &f.state.cluster.items[&key(&cluster, "order-firewall")];
    assert_eq!(item.head(), Some("codex/swarm/lane-a/order-firewall"));
    assert!(item.problems.is_empty(), "{:?}", item.problems);
    // With no plan lanes, the lanes are discovered from the labels.
    let board = f.state.board().clone();
    assert_eq!(column(&board, Some("A")), [&CardId::Run(run)]);
}
