//! `swarm approve NAME...` and `swarm revoke NAME...`: the TUI's `a` / `A` without the UI, for an
//! operator's scripts. The same core decides (`app::workitems::approval` / `revocation`: read-only,
//! already approved, a failing check against every other item and the runs in flight) and the
//! same executor signs (`[approvals]`) and records the annotations.
use crate::app::State;
use crate::app::msg::OpResult;
use crate::app::workitems::{self, Refusal};
use crate::cli::OutputFormat;
use crate::domain::checks::Severity;
use crate::domain::{ResourceKind, WorkItem};
use crate::effects::{Headless, KubeCluster};
use crate::sources::audit::AuditLog;
use crate::sources::kube::{self, Target};
use crate::sources::signing::Signer;
use serde_json::json;

pub struct ApproveEnv<'a> {
    /// Configured as the TUI is (plan, approvals policy, operator, guardrails, read-only); the
    /// cluster's items and runs are loaded into it here.
    pub state: State,
    pub target: &'a Target,
    pub signer: Signer,
    pub audit: Option<AuditLog>,
}

/// What happened to one name.
struct Row {
    name: String,
    outcome: String,
    /// 0 done, 1 refused, 3 the server refused.
    code: i32,
    /// The item now carries an approval this command wrote: only then is the "unverified" note
    /// news to the operator.
    approved: bool,
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
    let ApproveEnv {
        mut state,
        target,
        signer,
        audit,
    } = env;
    if state.settings.read_only {
        eprintln!("swarm {verb}: refused: read-only");
        return 1;
    }
    let listing = match kube::list_all(target).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("swarm {verb}: {e:#}");
            return 2;
        }
    };
    // Work items are what is approved: without their CRD there is nothing to do. Without the
    // AgentRun CRD there are no runs in flight for the checks to consider.
    if listing.missing.contains(&ResourceKind::ImplementationSpec) {
        eprintln!(
            "swarm {verb}: {}",
            kube::missing_crd_message(ResourceKind::ImplementationSpec)
        );
        return 2;
    }
    let conn = match target.connect().await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("swarm {verb}: {e:#}");
            return 2;
        }
    };
    let items = listing.items;
    for item in items.iter().cloned() {
        state.cluster.upsert_item(item);
    }
    for run in listing.runs {
        state.cluster.upsert_run(run);
    }
    let cluster = KubeCluster::new(kube::SharedClient::new(conn.client.clone()));
    let operator = state.settings.operator.clone();
    let mut executor = Headless::new(std::sync::Arc::new(cluster), audit.clone(), &operator);
    executor.executor = executor.executor.with_signer(signer);
    let mut rows = Vec::new();
    for name in names {
        state.now = chrono::Utc::now();
        let row = match find(&items, name) {
            Err(e) => Row {
                name: name.clone(),
                outcome: format!("refused: {e}"),
                code: 1,
                approved: false,
            },
            Ok(item) => {
                let decided = if revoke {
                    workitems::revocation(&state, item)
                } else {
                    workitems::approval(&state, item)
                };
                match decided {
                    Ok(effect) => carry_out(&mut executor, &state, item, effect, revoke).await,
                    Err(refusal) => {
                        // The executor records what it carries out; a refusal is recorded here.
                        let row = refused(item, &refusal);
                        if let Some(audit) = &audit {
                            audit.record(verb, &item.key.to_string(), &row.outcome);
                        }
                        row
                    }
                }
            }
        };
        rows.push(row);
    }
    if rows.iter().any(|r| r.approved) && state.settings.approvals.is_unverified() {
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

/// What a refusal says for one name (and its exit code: nothing to do is not a failure).
fn refused(item: &WorkItem, refusal: &Refusal) -> Row {
    let name = item.key.name.to_string();
    let (outcome, code) = match refusal {
        Refusal::NotApproved => ("not approved: nothing to revoke".to_owned(), 0),
        Refusal::AlreadyApproved(label) => (format!("already {label}"), 0),
        Refusal::ReadOnly => ("refused: read-only".to_owned(), 1),
        Refusal::FailingChecks(findings) => {
            for f in findings.iter().filter(|f| f.severity == Severity::Error) {
                eprintln!("{f}");
            }
            (format!("refused: {} failing check(s)", refusal.errors()), 1)
        }
    };
    Row {
        name,
        outcome,
        code,
        approved: false,
    }
}

/// Runs the effect through the executor (which signs, patches and records it in the audit log)
/// and reports the verdict on what the server now holds.
async fn carry_out(
    executor: &mut Headless,
    state: &State,
    item: &WorkItem,
    effect: crate::app::Effect,
    revoke: bool,
) -> Row {
    let name = item.key.name.to_string();
    let results = executor.results(effect).await;
    match results.into_iter().next() {
        Some(OpResult::Patched { item: patched, .. }) => Row {
            name,
            outcome: if revoke {
                "revoked".to_owned()
            } else {
                state.approval_of(&patched).label()
            },
            code: 0,
            approved: !revoke,
        },
        Some(OpResult::PatchFailed { message, .. }) => Row {
            name,
            outcome: if message.starts_with(crate::effects::SIGNING_FAILED) {
                format!("refused: {message}")
            } else {
                format!("failed: {message}")
            },
            code: if message.starts_with(crate::effects::SIGNING_FAILED) {
                1
            } else {
                3
            },
            approved: false,
        },
        other => Row {
            name,
            outcome: format!("failed: no answer from the executor ({other:?})"),
            code: 3,
            approved: false,
        },
    }
}
