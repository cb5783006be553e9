//! `swarm validate`: the checks, headless — usable as the CI gate the seed asks for on strategy
//! edits. Reads ImplementationSpec manifests (YAML, multi-document) or Markdown work item texts.
use crate::domain::checks::{self, Context, Finding, Severity};
use crate::domain::guardrails::Guardrails;
use crate::domain::pr::{PrKey, PullRequest};
use crate::domain::pr_link;
use crate::domain::wave::{self, Wave};
use crate::domain::{Plan, Run, WorkItem};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;

/// A work item source that could not be read: file and, where known, line.
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {message}", .line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct InputError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

/// Reads work items from files: `.md`/`.markdown` texts (name = file stem), else YAML manifests.
pub fn read_items(
    paths: &[impl AsRef<Path>],
    lane: Option<&str>,
    namespace: &str,
) -> Result<Vec<WorkItem>, InputError> {
    let mut items = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| InputError {
            file: file.clone(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        let is_markdown = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("md" | "markdown")
        );
        if is_markdown {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("work-item");
            let mut labels = json!({});
            if let Some(l) = lane {
                labels[crate::domain::labels::LANE] = json!(l);
            }
            items.push(WorkItem::from_json(&json!({
                "metadata": {"name": name, "namespace": namespace, "labels": labels},
                "spec": {"text": text}
            })));
            continue;
        }
        for doc in serde_norway::Deserializer::from_str(&text) {
            let value: Value = serde::Deserialize::deserialize(doc).map_err(|e| InputError {
                file: file.clone(),
                line: e.location().map(|l| l.line()),
                message: format!("not valid YAML: {e}"),
            })?;
            if value.is_null() {
                continue;
            }
            match value.get("kind").and_then(Value::as_str) {
                Some("ImplementationSpec") => items.push(WorkItem::from_json(&value)),
                Some(_) => {}
                None => {
                    return Err(InputError {
                        file: file.clone(),
                        line: None,
                        message: "a document without `kind` (expected kind: ImplementationSpec)"
                            .into(),
                    });
                }
            }
        }
    }
    Ok(items)
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub items: usize,
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    /// Adds a finding found outside the checks (what could not be checked), keeping the counts.
    pub fn add(&mut self, finding: Finding) {
        match finding.severity {
            Severity::Error => self.errors += 1,
            _ => self.warnings += 1,
        }
        self.findings.push(finding);
    }

    pub fn exit_code(&self) -> i32 {
        if self.errors > 0 { 1 } else { 0 }
    }

    pub fn human(&self) -> String {
        let mut out: String = self.findings.iter().map(|f| format!("{f}\n")).collect();
        out.push_str(&format!(
            "{} work item(s) checked: {} error(s), {} warning(s)\n",
            self.items, self.errors, self.warnings
        ));
        out
    }
}

/// The warning that in-flight checks (head branches unique across running AgentRuns) were skipped
/// because the AgentRun CRD is not installed.
pub fn in_flight_skipped(why: &str) -> Finding {
    Finding {
        severity: Severity::Warning,
        check: crate::domain::checks::CheckId::InFlight,
        item: "cluster".into(),
        section: None,
        line: None,
        message: format!(
            "{why}; in-flight checks (head branches of running AgentRuns) were skipped"
        ),
        fix: "install the CRDs: kubectl apply -f examples/crds/ (or the Agents chart's)".into(),
    }
}

/// What `swarm validate` checks against besides the items.
pub struct Options<'a> {
    pub head_prefix: &'a str,
    pub guardrails: &'a Guardrails,
    /// Only this wave, checked as it would launch (the other items are context).
    pub wave: Option<u32>,
    /// The runs' PRs, when GitHub was read: a finished run whose PR is not known to be merged or
    /// closed still holds its paths (as at launch).
    pub prs: HashMap<PrKey, PullRequest>,
}

/// Runs the plan check, every item's checks, and the cross-item check: work items of one wave
/// (they would be in flight together), in-flight runs and finished runs whose PRs are still open
/// must not claim overlapping paths. `listed` are the cluster's runs, finished ones included.
pub fn validate(plan: &Plan, items: &[WorkItem], listed: &[Run], opts: &Options) -> Report {
    let head_prefix = opts.head_prefix;
    let mut findings = checks::check_plan(plan);
    if plan.lanes.is_empty() {
        findings.push(Finding {
            severity: Severity::Warning,
            check: crate::domain::checks::CheckId::Lane,
            item: "plan".into(),
            section: None,
            line: None,
            message: "no plan with lanes: lane ownership is not checked".into(),
            fix: "pass --plan FILE (the Torghut plan is examples/torghut/plan.toml)".into(),
        });
    }
    let all: Vec<&WorkItem> = items.iter().collect();
    let listed: Vec<&Run> = listed.iter().collect();
    let runs: Vec<&Run> = listed
        .iter()
        .copied()
        .filter(|r| r.phase.is_in_flight())
        .collect();
    let states = pr_link::item_pr_states(&opts.prs, listed.iter().copied());
    let pr_state = |item: &WorkItem| states.get(&item.key).copied();
    let ctx = Context {
        plan,
        items: &all,
        in_flight: &runs,
        head_prefix,
        allow_prompt_override: false,
        guardrails: opts.guardrails,
    };
    let waves: Vec<Wave> = wave::plan_waves(items, plan)
        .into_iter()
        .filter(|w| opts.wave.is_none_or(|n| n == w.number))
        .collect();
    let checked = |item: &WorkItem| {
        opts.wave.is_none()
            || waves
                .iter()
                .any(|w| w.items.iter().any(|i| i.key == item.key))
    };
    for item in items.iter().filter(|i| checked(i)) {
        for problem in &item.problems {
            findings.push(Finding {
                severity: Severity::Error,
                check: crate::domain::checks::CheckId::Malformed,
                item: item.key.name.to_string(),
                section: None,
                line: None,
                message: problem.clone(),
                fix: "fix the field's type in the manifest".into(),
            });
        }
        findings.extend(checks::check_item(item, &ctx));
    }
    // A work item's own runs are its work, not a conflict with it: validate checks what is there
    // (the launch gate, which would start a second run, still refuses that).
    let others = |w: &Wave| -> Vec<&Run> {
        runs.iter()
            .copied()
            .filter(|r| {
                !w.items
                    .iter()
                    .any(|i| crate::domain::placement::is_run_of(r, i))
            })
            .collect()
    };
    let conflicts = |w: &Wave| {
        let holders = wave::open_pr_holders(w, &listed, &all, &pr_state);
        wave::conflicts_with(w, &others(w), &holders, &all)
    };
    for w in &waves {
        findings.extend(conflicts(w));
    }
    // Items without a wave (Markdown files, say) may launch together: check them as one set.
    if opts.wave.is_none() {
        let unplanned = Wave {
            number: 0,
            title: String::new(),
            items: items
                .iter()
                .filter(|i| crate::domain::placement::item_wave(i, plan).is_none())
                .cloned()
                .collect(),
        };
        findings.extend(conflicts(&unplanned));
    }
    let checked_items = items.iter().filter(|i| checked(i)).count();
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    Report {
        items: checked_items,
        errors,
        warnings: findings.len() - errors,
        findings,
    }
}

#[cfg(test)]
mod cross_item_tests {
    use super::*;
    use crate::domain::plan::TORGHUT_PLAN;

    fn item(name: &str, path: &str) -> WorkItem {
        let text = format!(
            "## Objective\nChange {name}.\n\n## In-scope paths\n- `{path}`\n\n## Out-of-scope constraints\n- none\n\n## Acceptance criteria\n- works\n\n## Validation commands\n- `pytest`\n\n## Safety gates\n- paper-only\n- no credentials changes\n\n## Parameters\n- repository: proompteng/lab\n- base: main\n- head: codex/swarm/lane-a/{name}\n- stage: implementation\n"
        );
        WorkItem::from_json(&json!({"metadata": {"name": name, "namespace": "agents",
            "labels": {"swarm.proompteng.ai/lane": "A", "swarm.proompteng.ai/wave": "1"}},
            "spec": {"text": text}}))
    }

    fn running(name: &str, item: &str) -> Run {
        Run::from_json(&json!({"metadata": {"name": name, "namespace": "agents"},
            "spec": {"implementationSpecRef": {"name": item}, "parameters": {"head": format!("codex/swarm/lane-a/{item}")}},
            "status": {"phase": "Running"}}))
    }

    #[test]
    fn an_items_own_run_is_not_a_conflict_but_another_items_run_is() {
        let plan = Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan");
        let guardrails = Guardrails::default();
        let opts = Options {
            head_prefix: "codex/",
            guardrails: &guardrails,
            wave: None,
            prs: HashMap::new(),
        };
        let fw = item("fw", "services/torghut/app/trading/firewall/**");
        let own = running("fw-w1-run", "fw");
        let report = validate(
            &plan,
            std::slice::from_ref(&fw),
            std::slice::from_ref(&own),
            &opts,
        );
        assert!(
            !report
                .findings
                .iter()
                .any(|f| f.check == crate::domain::checks::CheckId::PathOverlap),
            "{:#?}",
            report.findings
        );
        // Another item of the next wave reaching into the path the run is changing.
        let mut guard = item("guard", "services/torghut/app/trading/firewall/guard.py");
        guard.wave = Some("2".into());
        let report = validate(&plan, &[fw, guard], &[own], &opts);
        let overlaps: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.check == crate::domain::checks::CheckId::PathOverlap)
            .collect();
        assert_eq!(overlaps.len(), 1, "{overlaps:#?}");
        assert_eq!(overlaps[0].item, "guard");
        assert!(overlaps[0].message.contains("in-flight run fw-w1-run"));
    }
}
