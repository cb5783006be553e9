//! `swarm audit`: the board's audit without the UI. Lists the cluster's runs and work items,
//! reads the PRs from GitHub (when a token is configured), the changed files from the private
//! git mirror (`--repo` / `[audit] repo`) or else from GitHub, and prints drift, conflicts and
//! the merge train. Exit: 0 clean, 1 drift or a conflict found, 2 cannot run.
use crate::app::State;
use crate::app::state::Origin;
use crate::cli::OutputFormat;
use crate::domain::audit::{AuditFault, AuditReport};
use crate::domain::{Plan, pr_link};
use crate::sources::github::GitHubClient;
use crate::sources::kube::Target;
use crate::sources::pr_audit::{Auditor, Sources};
use crate::sources::pr_files::PrFilesClient;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

pub struct AuditEnv<'a> {
    pub plan: &'a Plan,
    pub target: &'a Target,
    /// Clone, remote name, mirror cache dir.
    pub git: Option<(PathBuf, String, PathBuf)>,
    pub git_timeout: Duration,
    pub github: Option<GitHubClient>,
    pub files: Option<PrFilesClient>,
    pub settings: &'a crate::config::AuditConfig,
    /// Guarded path globs (the guardrails' credential paths, or `[audit] guarded_paths`).
    pub guarded: Vec<String>,
}

pub async fn run(mut env: AuditEnv<'_>, wave: Option<u32>, output: OutputFormat) -> i32 {
    let fail = |m: String| {
        eprintln!("swarm audit: {m}");
        2
    };
    if env.git.is_none() && env.files.is_none() {
        return fail(
            "no source for changed files: give --repo PATH (a local clone) or set [audit] repo, or configure a GitHub token (GH_TOKEN)".into(),
        );
    }
    let listing = match crate::sources::kube::list_all(env.target).await {
        Ok(x) => x,
        Err(e) => return fail(format!("{e:#}")),
    };
    let runs_kind = crate::domain::ResourceKind::AgentRun;
    if listing.missing.contains(&runs_kind) {
        return fail(format!(
            "{} is not served: is the CRD installed? (kubectl apply -f examples/crds/)",
            runs_kind.crd_name()
        ));
    }
    for kind in &listing.missing {
        eprintln!(
            "swarm audit: {} is not served: runs are judged without their work items' paths",
            kind.crd_name()
        );
    }
    let (items, runs) = (listing.items, listing.runs);
    let mut state = State::new(env.plan.clone(), Origin::default(), chrono::Utc::now());
    state.audit.guarded = env.guarded.clone();
    env.settings.apply(&mut state.audit);
    for item in items {
        state.cluster.upsert_item(item);
    }
    for run in runs {
        state.cluster.upsert_run(run);
    }
    if let Some(github) = env.github.as_mut() {
        let links: Vec<_> = state
            .cluster
            .runs
            .values()
            .filter_map(pr_link::link_for_run)
            .collect();
        match github.fetch_all(links, chrono::Utc::now()).await {
            Ok(prs) => prs.into_iter().for_each(|pr| state.cluster.upsert_pr(pr)),
            Err(e) => return fail(format!("GitHub: {}", e.summary())),
        }
    }
    state.audit.enabled = true;
    let using_git = env.git.is_some();
    let mut auditor = Auditor::new(Sources {
        git: env.git.take(),
        github: env.files.take(),
        git_timeout: env.git_timeout,
    });
    let wanted = crate::app::audit::wanted(&state);
    let update = auditor
        .refresh(&wanted, true, false, chrono::Utc::now())
        .await;
    // A clone that cannot be used, or a fetch that failed, leaves nothing to judge.
    if using_git
        && let Some(fault) = update.changes.iter().find_map(|(_, c)| {
            c.fault
                .as_ref()
                .filter(|f| matches!(f, AuditFault::Clone { .. } | AuditFault::Git { .. }))
        })
        && update
            .changes
            .iter()
            .all(|(_, c)| c.fault.as_ref() == Some(fault))
    {
        return fail(fault.to_string());
    }
    let status = update.status.clone();
    crate::app::audit::apply_update(&mut state, update);
    let report = crate::app::audit::build_report(&state, wave);
    match output {
        OutputFormat::Human => print!("{}", human(&report, &status)),
        OutputFormat::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => return fail(e.to_string()),
        },
    }
    report.exit_code()
}

/// The report for a terminal or a CI log.
pub fn human(report: &AuditReport, status: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "swarm audit: {} run(s), {} drifting, {} pair(s) changing the same files ({status})",
        report.runs.len(),
        report.drifting(),
        report.conflicts.len()
    );
    for r in &report.runs {
        let pr = r.pr.map(|n| format!(" PR #{n}")).unwrap_or_default();
        let lane = r.lane.as_deref().unwrap_or("?");
        let wave = r.wave.map(|w| w.to_string()).unwrap_or_else(|| "?".into());
        let verdict = match (&r.fault, r.badge()) {
            (_, Some(b)) => b,
            (Some(f), None) => format!("⚠ {f}"),
            (None, None) if r.source.is_some() => format!("✓ {} file(s) in bounds", r.files),
            (None, None) => "not read".into(),
        };
        let _ = writeln!(out, "{} (lane {lane}, wave {wave}{pr}): {verdict}", r.run);
        if r.badge().is_some()
            && let Some(f) = &r.fault
        {
            let _ = writeln!(out, "    ⚠ {f}");
        }
        if r.truncated {
            let _ = writeln!(
                out,
                "    ⚠ GitHub lists at most 3,000 files: there may be more"
            );
        }
        if let Some([old, new]) = &r.force_pushed {
            let _ = writeln!(out, "    ⚠ force-pushed: {old} → {new}");
        }
        for d in &r.drift {
            let rules: Vec<String> = d
                .rules
                .iter()
                .map(|x| format!("{}: {}", x.rule.label(), x.why))
                .collect();
            let _ = writeln!(out, "    {} — {}", d.path, rules.join("; "));
        }
    }
    if !report.conflicts.is_empty() {
        let _ = writeln!(out, "\nPRs changing the same files:");
    }
    for p in &report.conflicts {
        let pr = |n: Option<u64>| n.map(|n| format!(" #{n}")).unwrap_or_default();
        let textual = match p.textual {
            Some(true) => "textual conflict: yes",
            Some(false) => "textual conflict: no",
            None => "textual conflict: unknown (no clone)",
        };
        let _ = writeln!(
            out,
            "  {}{} ⇄ {}{}: {} file(s), {textual}; {} merges first",
            p.first,
            pr(p.first_pr),
            p.second,
            pr(p.second_pr),
            p.files.len(),
            p.first
        );
        for f in &p.files {
            let _ = writeln!(out, "      {f}");
        }
    }
    if !report.trains.is_empty() {
        let _ = writeln!(out, "\nMerge train:");
    }
    for t in &report.trains {
        let _ = writeln!(
            out,
            "  wave {} {}: next {}",
            t.wave,
            t.title,
            t.next.as_deref().unwrap_or("— all merged")
        );
        for e in &t.entries {
            let pr = e.pr.map(|n| format!(" #{n}")).unwrap_or_default();
            let state = if e.merged {
                "merged"
            } else if e.blockers.is_empty() {
                "ready"
            } else {
                "blocked"
            };
            let _ = writeln!(out, "    {}{pr}: {state}", e.run);
            for b in &e.blockers {
                let _ = writeln!(out, "      ✗ {}", b.describe());
            }
        }
    }
    out
}
