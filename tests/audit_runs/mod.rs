//! Work items and AgentRuns on the git fixture's branches, on the test API server, and the plan
//! they belong to. Shared by tests/audit.rs and tests/e2e_audit.rs.
use crate::support;
use serde_json::json;
use swarm_cockpit::domain::ResourceKind;

pub const PLAN: &str = "name = \"audit\"\nrepository = \"proompteng/lab\"\nbase = \"main\"\n\
[[lane]]\nid = \"A\"\ntitle = \"Trading\"\nowns = [\"services/torghut/app/trading/**\"]\n\
[[lane]]\nid = \"B\"\ntitle = \"Data\"\nowns = [\"services/dorvud/**\", \"docs/**\"]\n\
[[wave]]\nnumber = 1\ntitle = \"Safety\"\n[[wave]]\nnumber = 2\ntitle = \"Cost\"\n";

/// Work items and runs on the fixture's branches: a (lane A, wave 1), b (A, 1), c (A, 2),
/// d (A, 2, not pushed), r (B, 2).
pub async fn create_runs(cluster: &support::TestCluster) {
    for (name, lane, wave, head) in [
        ("a", "A", "1", "codex/a"),
        ("b", "A", "1", "codex/b"),
        ("c", "A", "2", "codex/c"),
        ("d", "A", "2", "codex/d"),
        ("r", "B", "2", "codex/r"),
    ] {
        let mut text = support::template_text(&format!("Item {name}."), head);
        if lane == "B" {
            text = text.replace("services/torghut/app/trading/firewall/**", "docs/**");
        } else {
            text = text.replace(
                "services/torghut/app/trading/firewall/**",
                "services/torghut/app/trading/**",
            );
        }
        let mut item =
            support::implementation_spec(&format!("item-{name}"), Some(lane), name, &text);
        item["metadata"]["labels"]["swarm.proompteng.ai/wave"] = json!(wave);
        cluster.create(ResourceKind::ImplementationSpec, item).await;
        let mut run = support::agent_run(
            &format!("run-{name}"),
            Some(lane),
            &format!("item-{name}"),
            head,
        );
        run["metadata"]["labels"]["swarm.proompteng.ai/wave"] = json!(wave);
        cluster.create(ResourceKind::AgentRun, run).await;
    }
}
