//! `swarm approve NAME...` and `swarm revoke NAME...`: the TUI's `a` / `A` without the UI, for an
//! operator's scripts. Same checks as the TUI (an item with a failing check is refused), same
//! signature (`[approvals]`), same annotations.
use crate::app::msg::OpResult;
use crate::cli::OutputFormat;
use crate::domain::approval::{self, Approval, Claim, Policy};
use crate::domain::checks::{self, Finding, Severity};
use crate::domain::{Plan, WorkItem};
use crate::sources::audit::AuditLog;
use crate::sources::kube::{self, Target};
use crate::sources::kube_ops;
use crate::sources::signing::{self, Signer};
use serde_json::json;

pub struct ApproveEnv<'a> {
    pub plan: &'a Plan,
    pub target: &'a Target,
    pub policy: Policy,
    pub signer: Signer,
    pub operator: String,
    pub head_prefix: String,
    pub guardrails: crate::domain::wave::Guardrails,
    pub read_only: bool,
    pub audit: Option<AuditLog>,
}

/// What happened to one name.
struct Row {
    name: String,
    outcome: String,
    /// 0 done, 1 refused, 3 the server refused.
    code: i32,
}

fn find<'a>(items: &'a [WorkItem], name: &str) -> Result<&'a WorkItem, String> {
    let matches: Vec<&WorkItem> = items.iter().filter(|i| i.key.name == name).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("there is no work item named {name:?} here")),
        many => Err(format!(
            "{name:?} is in {} namespaces ({}): pick one with -n",
            many.len(),
            many.iter()
                .map(|i| i.key.namespace.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Runs `approve` (or `revoke`) for `names`; returns the exit status.
pub async fn run(env: ApproveEnv<'_>, names: &[String], revoke: bool, output: OutputFormat) -> i32 {
    let verb = if revoke { "revoke" } else { "approve" };
    if env.read_only {
        eprintln!("swarm {verb}: refused: read-only");
        return 1;
    }
    let listing = match kube::list_all(env.target).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("swarm {verb}: {e:#}");
            return 2;
        }
    };
    // Work items are what is approved: without their CRD there is nothing to do. Without the
    // AgentRun CRD there are no runs in flight for the checks to consider.
    if listing
        .missing
        .contains(&crate::domain::ResourceKind::ImplementationSpec)
    {
        eprintln!(
            "swarm {verb}: {}",
            kube::missing_crd_message(crate::domain::ResourceKind::ImplementationSpec)
        );
        return 2;
    }
    let (items, runs) = (listing.items, listing.runs);
    let conn = match env.target.connect().await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("swarm {verb}: {e:#}");
            return 2;
        }
    };
    let in_flight: Vec<&crate::domain::Run> =
        runs.iter().filter(|r| r.phase.is_in_flight()).collect();
    let now = chrono::Utc::now();
    let mut rows = Vec::new();
    for name in names {
        let item = match find(&items, name) {
            Ok(i) => i,
            Err(e) => {
                rows.push(Row {
                    name: name.clone(),
                    outcome: format!("refused: {e}"),
                    code: 1,
                });
                continue;
            }
        };
        let verdict = env.policy.verify(item, env.plan, now);
        let row = if revoke {
            if verdict == Approval::NotApproved {
                Row {
                    name: name.clone(),
                    outcome: "not approved: nothing to revoke".into(),
                    code: 0,
                }
            } else {
                let patch = approval::revoke_patch(item);
                apply(&conn.client, item, &patch, "revoke", "revoked").await
            }
        } else {
            // The TUI's checks (`a`): the item against every other item and the runs in flight.
            let others: Vec<&WorkItem> = items.iter().filter(|i| i.key != item.key).collect();
            let findings = checks::check_item(
                item,
                &checks::Context {
                    plan: env.plan,
                    items: &others,
                    in_flight: &in_flight,
                    head_prefix: &env.head_prefix,
                    allow_prompt_override: false,
                    guardrails: &env.guardrails,
                },
            );
            approve_one(&env, &conn.client, item, &verdict, &findings, now).await
        };
        if let Some(audit) = &env.audit {
            audit.record(verb, &item.key.to_string(), &row.outcome);
        }
        rows.push(row);
    }
    if !revoke && env.policy.is_unverified() {
        eprintln!("{}", crate::wave_cli::UNVERIFIED_NOTE);
    }
    match output {
        OutputFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "items": rows.iter().map(|r| json!({"name": r.name, "outcome": r.outcome})).collect::<Vec<_>>()
            }))
            .unwrap_or_default()
        ),
        OutputFormat::Human => {
            for r in &rows {
                println!("{:<40} {}", r.name, r.outcome);
            }
        }
    }
    rows.iter().map(|r| r.code).max().unwrap_or(0)
}

async fn approve_one(
    env: &ApproveEnv<'_>,
    client: &::kube::Client,
    item: &WorkItem,
    verdict: &Approval,
    findings: &[Finding],
    now: chrono::DateTime<chrono::Utc>,
) -> Row {
    let name = item.key.name.clone();
    if verdict.is_approved() {
        return Row {
            name,
            outcome: format!("already {}", verdict.label()),
            code: 0,
        };
    }
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        for f in &errors {
            eprintln!("{f}");
        }
        return Row {
            name,
            outcome: format!("refused: {} failing check(s)", errors.len()),
            code: 1,
        };
    }
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let claim = Claim::for_item(item, env.plan, &env.operator, &at);
    let signer = env.signer.clone();
    let (for_sign, claim_for_sign) = (item.clone(), claim.clone());
    let patch = tokio::task::spawn_blocking(move || {
        signing::approval_patch(&for_sign, &claim_for_sign, &signer)
    })
    .await
    .unwrap_or_else(|e| Err(format!("signing stopped: {e}")));
    let patch = match patch {
        Ok(p) => p,
        Err(e) => {
            return Row {
                name,
                outcome: format!("refused: cannot sign: {e}"),
                code: 1,
            };
        }
    };
    let mut row = apply(client, item, &patch, "approve", "").await;
    if row.code == 0 {
        row.outcome = env
            .policy
            .verify(&row_item(item, &patch), env.plan, now)
            .label();
    }
    row
}

/// `item` as the patch leaves it (what the server now holds), to report the verdict.
fn row_item(item: &WorkItem, patch: &serde_json::Value) -> WorkItem {
    let mut out = item.clone();
    for (k, v) in patch["metadata"]["annotations"]
        .as_object()
        .into_iter()
        .flatten()
    {
        match v.as_str() {
            Some(v) => out.annotations.insert(k.clone(), v.to_owned()),
            None => out.annotations.remove(k),
        };
    }
    out
}

async fn apply(
    client: &::kube::Client,
    item: &WorkItem,
    patch: &serde_json::Value,
    what: &str,
    done: &str,
) -> Row {
    match kube_ops::patch_work_item(client, item, patch, what).await {
        OpResult::PatchFailed { message, .. } => Row {
            name: item.key.name.clone(),
            outcome: format!("failed: {message}"),
            code: 3,
        },
        _ => Row {
            name: item.key.name.clone(),
            outcome: done.to_owned(),
            code: 0,
        },
    }
}
