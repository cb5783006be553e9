//! `swarm wave plan|launch|cancel`: the wave planner without the UI, for scripts and CI. The
//! cluster's items, runs and PRs are loaded into the cockpit's own `State`, and the planner's
//! core decides (`app::waves`: waves, gates, manifests; `app::control`: launch holds) and its
//! executor acts; this file only prints human text or JSON.
use crate::app::control::{self, SwarmEvent};
use crate::app::msg::{LaunchOutcome, OpResult};
use crate::app::waves as app_waves;
use crate::app::{Effect, State};
use crate::cli::{OutputFormat, WaveCommand};
use crate::domain::checks::{Finding, Severity, has_errors};
use crate::domain::control::follow::{self, Intent, Outcome};
use crate::domain::pr::{PrKey, PullRequest};
use crate::domain::pr_link;
use crate::domain::wave::{self, Overrides, Wave};
use crate::domain::{ObjectKey, Run, WorkItem, labels, placement};
use crate::effects::{Headless, KubeCluster};
use crate::sources::audit::AuditLog;
use crate::sources::kube::{self, Target};
use serde_json::{Value, json};
use std::collections::HashMap;

pub struct WaveEnv<'a> {
    /// Configured as the TUI is (plan, launch settings, guardrails, approvals policy, operator,
    /// read-only); the cluster's data is loaded into it here.
    pub state: State,
    pub target: &'a Target,
    pub audit: Option<AuditLog>,
    /// When a token is configured: PR states for the merge-order gate.
    pub github: Option<crate::sources::github::GitHubClient>,
}

/// The PRs of the work items' runs, keyed as the cockpit keeps them (so the gates read them with
/// the same rule: `pr_link::item_pr_state`). Shared with `swarm validate --cluster`.
pub async fn fetch_prs(
    github: &mut crate::sources::github::GitHubClient,
    items: &[WorkItem],
    runs: &[Run],
) -> Result<HashMap<PrKey, PullRequest>, String> {
    let links = runs
        .iter()
        .filter(|r| items.iter().any(|i| placement::is_run_of(r, i)))
        .filter_map(pr_link::link_for_run);
    let prs = github
        .fetch_all(links, chrono::Utc::now())
        .await
        .map_err(|e| e.summary())?;
    Ok(prs.into_iter().map(|pr| (pr.key(), pr)).collect())
}

/// The planner's gates for wave `w` (one of `waves`).
fn gates_of(state: &State, waves: &[Wave], w: &Wave, overrides: &Overrides) -> Vec<Finding> {
    let index = waves
        .iter()
        .position(|x| x.number == w.number)
        .unwrap_or(usize::MAX);
    app_waves::gates(state, waves, index, overrides)
}

/// What `swarm wave launch` (and `swarm approve`) say when no allowed signers are configured.
pub const UNVERIFIED_NOTE: &str = "swarm: approvals are UNVERIFIED: no [approvals] allowed_signers is configured, so anyone with write access to the cluster could have written them (see README, \"Signed approvals\")";

/// The target's connection and the cockpit's executor over it, acting as the configured operator.
async fn executor(
    target: &Target,
    audit: Option<AuditLog>,
    state: &State,
    what: &str,
) -> Option<(kube::Connection, Headless)> {
    match target.connect().await {
        Ok(conn) => {
            let cluster = KubeCluster::new(kube::SharedClient::new(conn.client.clone()));
            let headless = Headless::new(
                std::sync::Arc::new(cluster),
                audit,
                &state.settings.operator,
            );
            Some((conn, headless.with_read_only(state.settings.read_only)))
        }
        Err(e) => {
            eprintln!("{what}: {e:#}");
            None
        }
    }
}

/// The launch's holds, as the planner asks them (`app::control::launch_warnings`): a saturated
/// queue in a target namespace, a frozen or paused Swarm there (listed now into the state; a
/// cluster without the Swarm CRD has none).
async fn launch_hold(
    conn: &kube::Connection,
    state: &mut State,
    manifests: &[Value],
) -> Vec<String> {
    let namespaces: std::collections::BTreeSet<String> = manifests
        .iter()
        .filter_map(|m| m["metadata"]["namespace"].as_str().map(str::to_owned))
        .collect();
    let mut out = Vec::new();
    for ns in &namespaces {
        match crate::sources::swarm_watch::list(&conn.client, Some(ns)).await {
            Ok(swarms) => {
                for swarm in swarms {
                    control::on_swarm(state, SwarmEvent::Applied(Box::new(swarm)));
                }
            }
            Err(e) => out.push(format!("⚠ Swarms in {ns} could not be listed: {e}")),
        }
    }
    state.now = chrono::Utc::now();
    for ns in &namespaces {
        out.extend(control::launch_warnings(state, ns));
    }
    out
}

/// Follows each cancelled or deleted run until its verdict is final (ended, restarted by a retry,
/// deleted, stuck on its finalizer) or `timeout` passes; polls the API server twice a second.
async fn await_verdicts(
    client: &::kube::Client,
    runs: &[ObjectKey],
    intent: Intent,
    issued_at: chrono::DateTime<chrono::Utc>,
    timeout: std::time::Duration,
) -> Vec<(ObjectKey, Outcome)> {
    let deadline = tokio::time::Instant::now() + timeout;
    let stuck_after = crate::domain::control::terminating::STUCK_AFTER
        .min(chrono::Duration::from_std(timeout).unwrap_or(chrono::TimeDelta::MAX) / 2);
    let mut verdicts: Vec<(ObjectKey, Outcome)> = runs
        .iter()
        .map(|k| (k.clone(), Outcome::Waiting("not looked at yet")))
        .collect();
    loop {
        for (key, outcome) in verdicts.iter_mut().filter(|(_, o)| !o.is_final()) {
            let api = kube::api(
                client,
                Some(&key.namespace),
                crate::domain::ResourceKind::AgentRun,
            );
            let run = match api.get_opt(&key.name).await {
                Ok(obj) => {
                    obj.map(|o| Run::from_json(&serde_json::to_value(&o).unwrap_or_default()))
                }
                Err(_) => continue,
            };
            *outcome = follow::observe(
                intent,
                issued_at,
                run.as_ref(),
                chrono::Utc::now(),
                stuck_after,
            );
        }
        if verdicts.iter().all(|(_, o)| o.is_final()) || tokio::time::Instant::now() >= deadline {
            return verdicts;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

fn print_findings(findings: &[Finding]) {
    for f in findings {
        eprintln!("{f}");
    }
}

/// Runs a wave command; returns the exit status.
pub async fn run(env: WaveEnv<'_>, command: &WaveCommand) -> i32 {
    let WaveEnv {
        mut state,
        target,
        audit,
        mut github,
    } = env;
    let listing = match kube::list_all(target).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("swarm wave: {e:#}");
            return 2;
        }
    };
    use crate::domain::ResourceKind;
    if listing.missing.contains(&ResourceKind::ImplementationSpec) {
        eprintln!(
            "swarm wave: {}",
            kube::missing_crd_message(ResourceKind::ImplementationSpec)
        );
        return 2;
    }
    let runs_missing = listing.missing.contains(&ResourceKind::AgentRun);
    if runs_missing {
        let why = kube::missing_crd_message(ResourceKind::AgentRun);
        eprintln!("swarm wave: {why}; in-flight checks (runs already launched) were skipped");
        // Launching creates AgentRuns and cancelling acts on them: neither can work without the CRD.
        let acts_on_runs = match command {
            WaveCommand::Plan { .. } => false,
            WaveCommand::Launch { dry_run, .. } => !dry_run,
            WaveCommand::Cancel { .. } => true,
        };
        if acts_on_runs {
            eprintln!("swarm wave: refused: install the AgentRun CRD first");
            return 2;
        }
    }
    let (items, runs) = (listing.items, listing.runs);
    for item in items.iter().cloned() {
        state.cluster.upsert_item(item);
    }
    for run in runs.iter().cloned() {
        state.cluster.upsert_run(run);
    }
    // What could not be checked, for the JSON output (the text output said so on stderr).
    let skipped: Vec<String> = runs_missing
        .then(|| {
            format!(
                "in-flight: {}",
                kube::missing_crd_message(ResourceKind::AgentRun)
            )
        })
        .into_iter()
        .collect();
    let prs = match github.as_mut() {
        Some(github) => match fetch_prs(github, &items, &runs).await {
            Ok(prs) => prs,
            Err(e) => {
                eprintln!(
                    "swarm wave: GitHub: {e} (PR states unknown: earlier waves count as not merged)"
                );
                HashMap::new()
            }
        },
        None => HashMap::new(),
    };
    for pr in prs.into_values() {
        state.cluster.upsert_pr(pr);
    }
    // Blocked counts (saturation) and the rest of the control room's tallies, as the TUI keeps them.
    control::recount(&mut state);
    state.now = chrono::Utc::now();
    let waves = app_waves::waves(&state);
    let find = |n: u32| waves.iter().find(|w| w.number == n);
    match command {
        WaveCommand::Plan { wave: only, output } => {
            let mut out = Vec::new();
            for w in waves.iter().filter(|w| only.is_none_or(|n| n == w.number)) {
                let findings = gates_of(&state, &waves, w, &Overrides::default());
                out.push(json!({
                    "number": w.number,
                    "title": w.title,
                    "items": w.items.iter().map(|i| json!({
                        "name": i.key.name, "lane": i.lane, "approval": state.approval_of(i).label(), "head": i.head(),
                        "run": wave::run_name(i, w.number),
                    })).collect::<Vec<_>>(),
                    "launchable": !has_errors(&findings),
                    "findings": findings,
                }));
            }
            match output {
                OutputFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"waves": out, "skipped": skipped}))
                        .unwrap_or_default()
                ),
                OutputFormat::Human => {
                    // An empty answer must not look like a crash or a wrong namespace unsaid.
                    if out.is_empty() {
                        match only {
                            Some(n) => println!("there is no wave {n}"),
                            None => println!(
                                "no waves: no work items (ImplementationSpecs) in {}",
                                target.namespace.as_deref().unwrap_or("any namespace")
                            ),
                        }
                    }
                    for w in &out {
                        println!(
                            "wave {} · {} — {}",
                            w["number"],
                            w["title"].as_str().unwrap_or(""),
                            if w["launchable"] == true {
                                "ready to launch"
                            } else {
                                "refused"
                            }
                        );
                        for i in w["items"].as_array().into_iter().flatten() {
                            println!(
                                "  {:<2} {:<32} {:<40} {}",
                                i["lane"].as_str().unwrap_or("?"),
                                i["name"].as_str().unwrap_or(""),
                                i["approval"].as_str().unwrap_or(""),
                                i["head"].as_str().unwrap_or("—")
                            );
                        }
                        for f in w["findings"].as_array().into_iter().flatten() {
                            println!(
                                "    {}[{}] {}: {} — fix: {}",
                                f["severity"].as_str().unwrap_or(""),
                                f["check"].as_str().unwrap_or(""),
                                f["item"].as_str().unwrap_or(""),
                                f["message"].as_str().unwrap_or(""),
                                f["fix"].as_str().unwrap_or("")
                            );
                        }
                    }
                }
            }
            0
        }
        WaveCommand::Launch {
            wave: n,
            dry_run,
            override_unmerged,
            prompt_override,
            despite_hold,
            output,
        } => {
            let Some(w) = find(*n) else {
                eprintln!("swarm wave launch: there is no wave {n} (see `swarm wave plan`)");
                return 2;
            };
            let overrides = Overrides {
                unmerged_previous_wave: *override_unmerged,
                prompt: *prompt_override,
            };
            let findings = gates_of(&state, &waves, w, &overrides);
            print_findings(&findings);
            if state.settings.approvals.is_unverified() {
                eprintln!("{UNVERIFIED_NOTE}");
            }
            if has_errors(&findings) {
                eprintln!(
                    "swarm wave launch: refused: {} gate(s) fail",
                    findings
                        .iter()
                        .filter(|f| f.severity == Severity::Error)
                        .count()
                );
                return 1;
            }
            let manifests = app_waves::manifests(&state, w, &overrides);
            if *dry_run {
                match output {
                    OutputFormat::Json => println!(
                        "{}",
                        serde_json::to_string_pretty(&manifests).unwrap_or_default()
                    ),
                    OutputFormat::Human => {
                        for m in &manifests {
                            println!("---");
                            print!("{}", serde_norway::to_string(m).unwrap_or_default());
                        }
                    }
                }
                return 0;
            }
            if state.settings.read_only {
                eprintln!("swarm wave launch: refused: read-only");
                return 1;
            }
            let Some((conn, mut executor)) =
                executor(target, audit.clone(), &state, "swarm wave launch").await
            else {
                return 2;
            };
            // The confirmation the planner asks: new work would wait behind a saturated queue
            // or a frozen / paused Swarm.
            let hold = launch_hold(&conn, &mut state, &manifests).await;
            if !hold.is_empty() {
                for h in &hold {
                    eprintln!("{h}");
                }
                if !despite_hold {
                    eprintln!(
                        "swarm wave launch: refused: new work would wait (see above); --despite-hold launches anyway"
                    );
                    return 1;
                }
            }
            // The cockpit's executor: the same creates, read-only guard and audit lines.
            let launch = Effect::LaunchRuns {
                wave: *n,
                manifests: manifests.clone(),
            };
            let mut outcomes: HashMap<String, LaunchOutcome> = executor
                .results(launch)
                .await
                .into_iter()
                .filter_map(|r| match r {
                    OpResult::Launched { name, outcome } => Some((name, outcome)),
                    _ => None,
                })
                .collect();
            let mut rows = Vec::new();
            let mut failed = 0;
            for m in &manifests {
                let name = m["metadata"]["name"].as_str().unwrap_or_default();
                let outcome = outcomes
                    .remove(name)
                    .unwrap_or_else(|| LaunchOutcome::Failed("no outcome reported".into()));
                let text = match &outcome {
                    LaunchOutcome::Created => "created".to_owned(),
                    LaunchOutcome::Exists => "exists".to_owned(),
                    LaunchOutcome::Failed(e) => {
                        failed += 1;
                        format!("failed: {e}")
                    }
                };
                rows.push(json!({"name": name, "lane": m["metadata"]["labels"][labels::LANE], "outcome": text}));
            }
            match output {
                OutputFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"wave": n, "runs": rows}))
                        .unwrap_or_default()
                ),
                OutputFormat::Human => {
                    for r in &rows {
                        println!(
                            "{:<2} {:<48} {}",
                            r["lane"].as_str().unwrap_or(""),
                            r["name"].as_str().unwrap_or(""),
                            r["outcome"].as_str().unwrap_or("")
                        );
                    }
                }
            }
            if failed > 0 { 3 } else { 0 }
        }
        WaveCommand::Cancel {
            wave: n,
            delete,
            no_wait,
            timeout,
            output,
        } => {
            if state.settings.read_only {
                eprintln!("swarm wave cancel: refused: read-only");
                return 1;
            }
            // The planner's rule: a run's wave is its label, else its work item's.
            let targets: Vec<Run> = placement::wave_targets(
                state.cluster.runs.values(),
                &state.cluster.items,
                &state.settings.plan,
                *n,
                *delete,
            )
            .into_iter()
            .cloned()
            .collect();
            let Some((conn, mut executor)) =
                executor(target, audit.clone(), &state, "swarm wave cancel").await
            else {
                return 2;
            };
            let mut rows = Vec::new();
            let mut failed = 0;
            let issued_at = chrono::Utc::now();
            let mut sent: Vec<ObjectKey> = Vec::new();
            for r in targets {
                let keys = vec![r.key.clone()];
                let effect = if *delete {
                    Effect::DeleteRuns(keys)
                } else {
                    Effect::CancelRuns(keys)
                };
                let results = executor.results(effect).await;
                if matches!(results.as_slice(), [OpResult::RunsChanged { done: 1, .. }]) {
                    sent.push(r.key.clone());
                }
                let text = match results.as_slice() {
                    [OpResult::RunsChanged { done: 1, .. }] if *delete => "deleted".to_owned(),
                    [OpResult::RunsChanged { done: 1, .. }] => "cancelled".to_owned(),
                    [OpResult::RunsChanged { failed: why, .. }] if !why.is_empty() => {
                        failed += 1;
                        // The executor names the run first ("name: error").
                        let prefix = format!("{}: ", r.key.name);
                        let why = why.join("; ");
                        format!("failed: {}", why.strip_prefix(&prefix).unwrap_or(&why))
                    }
                    other => {
                        failed += 1;
                        format!("failed: unexpected result {other:?}")
                    }
                };
                rows.push(json!({"name": r.key.name, "outcome": text}));
            }
            if !no_wait && !sent.is_empty() {
                let intent = if *delete {
                    Intent::Delete
                } else {
                    Intent::Cancel
                };
                let verdicts = await_verdicts(
                    &conn.client,
                    &sent,
                    intent,
                    issued_at,
                    std::time::Duration::from_secs(*timeout),
                )
                .await;
                for row in rows.iter_mut() {
                    let name = row["name"].as_str().unwrap_or_default().to_owned();
                    if let Some(outcome) = verdicts
                        .iter()
                        .find(|(k, _)| k.name == name)
                        .map(|(_, o)| o)
                    {
                        if !outcome.is_final() || outcome.needs_action() {
                            failed += 1;
                        }
                        row["outcome"] = json!(outcome.text());
                        row["final"] = json!(outcome.is_final());
                    }
                }
            }
            match output {
                OutputFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"wave": n, "runs": rows}))
                        .unwrap_or_default()
                ),
                OutputFormat::Human => {
                    if rows.is_empty() {
                        println!(
                            "wave {n}: no run to {}",
                            if *delete { "delete" } else { "cancel" }
                        );
                    }
                    for r in &rows {
                        println!(
                            "{:<48} {}",
                            r["name"].as_str().unwrap_or(""),
                            r["outcome"].as_str().unwrap_or("")
                        );
                    }
                }
            }
            if failed > 0 { 3 } else { 0 }
        }
    }
}
