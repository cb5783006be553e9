//! `swarm wave plan|launch|cancel`: the wave planner without the UI, for scripts and CI. Works on
//! the same pure functions as the planner; prints human text or JSON.
use crate::app::Effect;
use crate::app::msg::{LaunchOutcome, OpResult};
use crate::cli::{OutputFormat, WaveCommand};
use crate::domain::checks::{Finding, Severity, has_errors};
use crate::domain::pr::{PrKey, PullRequest};
use crate::domain::pr_link::{self, PrLink};
use crate::domain::wave::{self, GateContext, Guardrails, LaunchSettings, Overrides, Wave};
use crate::domain::{Plan, Run, WorkItem, labels};
use crate::effects::{Headless, KubeCluster};
use crate::sources::audit::AuditLog;
use crate::sources::kube::{self, Target};
use serde_json::{Value, json};
use std::collections::HashMap;

pub struct WaveEnv<'a> {
    pub plan: &'a Plan,
    pub target: &'a Target,
    pub settings: LaunchSettings,
    pub guardrails: Guardrails,
    pub head_prefix: String,
    pub read_only: bool,
    pub audit: Option<AuditLog>,
    /// When a token is configured: PR states for the merge-order gate.
    pub github: Option<crate::sources::github::GitHubClient>,
    /// Whose approvals count (`[approvals]`).
    pub approvals: crate::domain::approval::Policy,
}

/// The PRs of the work items' runs, fetched in batches of GraphQL aliases, keyed as the cockpit
/// keeps them (so the gates read them with the same rule: `pr_link::item_pr_state`).
async fn fetch_prs(
    github: &mut crate::sources::github::GitHubClient,
    items: &[WorkItem],
    runs: &[Run],
) -> Result<HashMap<PrKey, PullRequest>, String> {
    let mut unique: Vec<PrLink> = runs
        .iter()
        .filter(|r| {
            items.iter().any(|i| {
                r.work_item.as_deref() == Some(i.key.name.as_str())
                    && r.key.namespace == i.key.namespace
            })
        })
        .filter_map(pr_link::link_for_run)
        .collect();
    unique.sort();
    unique.dedup();
    let mut found = HashMap::new();
    let now = chrono::Utc::now();
    for chunk in unique.chunks(crate::sources::github::CHUNK_SIZE) {
        let batch = github
            .fetch_batch(chunk, now)
            .await
            .map_err(|e| e.summary())?;
        for pr in batch.found.into_iter().filter_map(|(_, pr)| pr) {
            found.insert(pr.key(), pr);
        }
    }
    Ok(found)
}

fn gates_of(
    env: &WaveEnv,
    prs: &HashMap<PrKey, PullRequest>,
    items: &[WorkItem],
    runs: &[Run],
    waves: &[Wave],
    wave: &Wave,
    overrides: &Overrides,
) -> Vec<Finding> {
    let all: Vec<&WorkItem> = items.iter().collect();
    let runs: Vec<&Run> = runs.iter().collect();
    // Without a GitHub token PR states are unknown: an earlier wave counts as not merged.
    let pr_state = |item: &WorkItem| pr_link::item_pr_state(prs, item, runs.iter().copied());
    let ctx = GateContext {
        plan: env.plan,
        all_items: &all,
        runs: &runs,
        pr_state: &pr_state,
        head_prefix: &env.head_prefix,
        guardrails: &env.guardrails,
        settings: &env.settings,
        overrides,
        approvals: &env.approvals,
        now: chrono::Utc::now(),
    };
    wave::gate_wave(wave, waves, &ctx)
}

/// What `swarm wave launch` (and `swarm approve`) say when no allowed signers are configured.
pub const UNVERIFIED_NOTE: &str = "swarm: approvals are UNVERIFIED: no [approvals] allowed_signers is configured, so anyone with write access to the cluster could have written them (see README, \"Signed approvals\")";

/// The cockpit's executor over the target's cluster, acting as the configured operator.
async fn executor(env: &WaveEnv<'_>, what: &str) -> Option<Headless> {
    match env.target.connect().await {
        Ok(conn) => {
            let cluster = KubeCluster::new(kube::SharedClient::new(conn.client));
            let headless = Headless::new(
                std::sync::Arc::new(cluster),
                env.audit.clone(),
                &env.settings.operator,
            );
            Some(headless.with_read_only(env.read_only))
        }
        Err(e) => {
            eprintln!("{what}: {e:#}");
            None
        }
    }
}

fn print_findings(findings: &[Finding]) {
    for f in findings {
        eprintln!("{f}");
    }
}

/// Runs a wave command; returns the exit status.
pub async fn run(mut env: WaveEnv<'_>, command: &WaveCommand) -> i32 {
    let listing = match kube::list_all(env.target).await {
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
    let prs = match env.github.as_mut() {
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
    let waves = wave::plan_waves(items.iter(), env.plan);
    let now = chrono::Utc::now();
    let find = |n: u32| waves.iter().find(|w| w.number == n);
    match command {
        WaveCommand::Plan { wave: only, output } => {
            let mut out = Vec::new();
            for w in waves.iter().filter(|w| only.is_none_or(|n| n == w.number)) {
                let findings =
                    gates_of(&env, &prs, &items, &runs, &waves, w, &Overrides::default());
                out.push(json!({
                    "number": w.number,
                    "title": w.title,
                    "items": w.items.iter().map(|i| json!({
                        "name": i.key.name, "lane": i.lane, "approval": env.approvals.verify(i, env.plan, now).label(), "head": i.head(),
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
            let findings = gates_of(&env, &prs, &items, &runs, &waves, w, &overrides);
            print_findings(&findings);
            if env.approvals.is_unverified() {
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
            let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let manifests: Vec<Value> = w
                .items
                .iter()
                .map(|i| wave::run_manifest(i, w.number, env.plan, &env.settings, &at, &overrides))
                .collect();
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
            if env.read_only {
                eprintln!("swarm wave launch: refused: read-only");
                return 1;
            }
            let Some(mut executor) = executor(&env, "swarm wave launch").await else {
                return 2;
            };
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
            output,
        } => {
            if env.read_only {
                eprintln!("swarm wave cancel: refused: read-only");
                return 1;
            }
            let label = n.to_string();
            let targets: Vec<&Run> = runs
                .iter()
                .filter(|r| {
                    r.wave.as_deref() == Some(label.as_str()) && (*delete || r.phase.is_in_flight())
                })
                .collect();
            let Some(mut executor) = executor(&env, "swarm wave cancel").await else {
                return 2;
            };
            let mut rows = Vec::new();
            let mut failed = 0;
            for r in targets {
                let keys = vec![r.key.clone()];
                let effect = if *delete {
                    Effect::DeleteRuns(keys)
                } else {
                    Effect::CancelRuns(keys)
                };
                let results = executor.results(effect).await;
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
