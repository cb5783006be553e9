//! Waves: approved work items launched together, one AgentRun each, in the seed's merge order
//! (safety + order firewall → backtesting validity + cost model → execution planner + sizing →
//! strategy). Pure: planning, the launch gates, and the exact AgentRun manifests.
use super::approval::Approval;
use super::checks::{self, CheckId, Finding, Severity};
use super::conflicts::{self, Claim};
use super::labels;
use super::paths::PathSpec;
use super::placement;
use super::plan::Plan;
use super::pr::PrState;
use super::run::Run;
use super::template::Template;
use super::work_item::WorkItem;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

pub const LAUNCHED_BY: &str = "swarm.proompteng.ai/launched-by";
pub const LAUNCHED_AT: &str = "swarm.proompteng.ai/launched-at";
pub const COCKPIT_VERSION: &str = "swarm.proompteng.ai/cockpit-version";
pub const CONTENT_HASH: &str = "swarm.proompteng.ai/work-item-hash";
pub const PLAN_HASH: &str = "swarm.proompteng.ai/plan-hash";
pub const OVERRIDE: &str = "swarm.proompteng.ai/override";
pub const PROMPT_OVERRIDE: &str = "swarm.proompteng.ai/prompt-override";
pub const CANCELLED_BY: &str = "swarm.proompteng.ai/cancelled-by";

/// One wave of the planner: its number, the plan's title for it, and its work items.
#[derive(Debug, Clone, PartialEq)]
pub struct Wave {
    pub number: u32,
    pub title: String,
    pub items: Vec<WorkItem>,
}

/// The wave a work item is planned in (the rule lives in [`super::placement`]).
pub use super::placement::item_wave as wave_of;

/// Groups work items into numbered waves, in order. Items without a wave are left out (the
/// planner lists them apart).
pub fn plan_waves<'a>(items: impl IntoIterator<Item = &'a WorkItem>, plan: &Plan) -> Vec<Wave> {
    let mut by_wave: BTreeMap<u32, Vec<WorkItem>> = BTreeMap::new();
    for item in items {
        if let Some(n) = placement::item_wave(item, plan) {
            by_wave.entry(n).or_default().push(item.clone());
        }
    }
    by_wave
        .into_iter()
        .map(|(number, mut items)| {
            items.sort_by(|a, b| (&a.lane, &a.key).cmp(&(&b.lane, &b.key)));
            let title = plan
                .waves
                .iter()
                .find(|w| w.number == number)
                .map(|w| w.title.clone())
                .unwrap_or_default();
            Wave {
                number,
                title,
                items,
            }
        })
        .collect()
}

/// What the gates allow beyond the defaults, each chosen explicitly by the operator.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Typed confirmation to launch although an earlier wave is not merged.
    pub unmerged_previous_wave: bool,
    /// The explicit prompt-override action (the `prompt` parameter overrides the spec text).
    pub prompt: bool,
}

pub use super::guardrails::Guardrails;

/// How runs are launched (from the config file).
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchSettings {
    pub agent: String,
    pub runtime: String,
    pub secrets: Vec<String>,
    pub ttl_seconds_after_finished: u64,
    pub operator: String,
    pub cockpit_version: String,
}

impl Default for LaunchSettings {
    fn default() -> Self {
        LaunchSettings {
            agent: "codex-agent".into(),
            runtime: "workflow".into(),
            secrets: vec!["codex-github-token".into()],
            ttl_seconds_after_finished: 7200,
            operator: "operator".into(),
            cockpit_version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// Everything the launch gates look at.
pub struct GateContext<'a> {
    pub plan: &'a Plan,
    pub all_items: &'a [&'a WorkItem],
    pub runs: &'a [&'a Run],
    /// The PR state of a work item's latest run (repository + head), if known.
    pub pr_state: &'a dyn Fn(&WorkItem) -> Option<PrState>,
    pub head_prefix: &'a str,
    pub guardrails: &'a Guardrails,
    pub settings: &'a LaunchSettings,
    pub overrides: &'a Overrides,
    /// Whose approvals count, and the time they are judged at.
    pub approvals: &'a super::approval::Policy,
    pub now: chrono::DateTime<chrono::Utc>,
}

fn finding(severity: Severity, check: CheckId, item: &str, message: String, fix: &str) -> Finding {
    Finding {
        severity,
        check,
        item: item.to_owned(),
        section: None,
        line: None,
        message,
        fix: fix.to_owned(),
    }
}

/// The run launching each item of a wave creates, named once per gate evaluation: a name hashes
/// its item's content, and the gates ask it for every pair of an item and an in-flight run.
struct OwnRuns<'a>(HashMap<&'a super::ObjectKey, String>);

impl<'a> OwnRuns<'a> {
    fn of(wave: &'a Wave) -> OwnRuns<'a> {
        OwnRuns(
            wave.items
                .iter()
                .map(|i| (&i.key, run_name(i, wave.number)))
                .collect(),
        )
    }

    /// Whether `run` is the one launching `item` (one of the wave's) creates.
    fn is(&self, item: &WorkItem, run: &Run) -> bool {
        run.key.namespace == item.key.namespace
            && self
                .0
                .get(&item.key)
                .is_some_and(|name| *name == run.key.name)
    }
}

/// The gates before launching `wave`: refused (errors) unless every item passes.
pub fn gate_wave(wave: &Wave, waves: &[Wave], ctx: &GateContext) -> Vec<Finding> {
    let mut out = Vec::new();
    let in_flight: Vec<&Run> = ctx
        .runs
        .iter()
        .copied()
        .filter(|r| r.phase.is_in_flight())
        .collect();
    // The run this launch would create (already there after a first launch: relaunching is
    // idempotent). Any other in-flight run, even of the same item, holds its branch and paths.
    let own_runs = OwnRuns::of(wave);
    let own_run = |item: &WorkItem, run: &Run| own_runs.is(item, run);
    // Approval, and the item's own checks.
    for item in &wave.items {
        match ctx.approvals.verify(item, ctx.plan, ctx.now) {
            Approval::Approved { .. } => {}
            Approval::Revoked { reason, .. } => out.push(finding(
                Severity::Error,
                CheckId::Approval,
                &item.key.name,
                reason.message(),
                reason.fix(),
            )),
            Approval::NotApproved => out.push(finding(
                Severity::Error,
                CheckId::Approval,
                &item.key.name,
                "not approved".into(),
                "approve it (a) once its checks pass, or move it to a later wave",
            )),
        }
        let check_ctx = checks::Context {
            plan: ctx.plan,
            items: ctx.all_items,
            in_flight: &in_flight
                .iter()
                .copied()
                .filter(|r| !own_run(item, r))
                .collect::<Vec<_>>(),
            head_prefix: ctx.head_prefix,
            allow_prompt_override: ctx.overrides.prompt,
            guardrails: ctx.guardrails,
        };
        out.extend(
            checks::check_item(item, &check_ctx)
                .into_iter()
                .filter(|f| f.severity == Severity::Error),
        );
        out.extend(guardrail_findings(item, ctx));
    }
    // A dependency must be a work item that exists: its own checks only warn (`swarm validate`
    // may see part of the items), the launch sees them all.
    for item in &wave.items {
        for dep in item
            .depends_on
            .iter()
            .filter(|d| !ctx.all_items.iter().any(|i| i.key.name == d.as_str()))
        {
            out.push(finding(
                Severity::Error,
                CheckId::DependencyOrder,
                &item.key.name,
                format!("depends on {dep:?}, which is not a known work item: it would start without what it builds on"),
                "fix the name in swarm.proompteng.ai/depends-on (names are case-sensitive), or create that work item",
            ));
        }
    }
    // One run at a time per work item: another in-flight run already pushes its branch.
    for item in &wave.items {
        for run in in_flight
            .iter()
            .filter(|r| placement::is_run_of(r, item) && !own_run(item, r))
        {
            out.push(finding(
                Severity::Error,
                CheckId::HeadUnique,
                &item.key.name,
                format!(
                    "the run {} of this work item is still in flight on its branch",
                    run.key.name
                ),
                "wait for it to finish, or cancel it (x) first",
            ));
        }
    }
    // Head branches unique within the wave.
    let mut heads: HashMap<&str, &str> = HashMap::new();
    for item in &wave.items {
        if let Some(head) = item.head()
            && let Some(other) = heads.insert(head, &item.key.name)
        {
            out.push(finding(
                Severity::Error,
                CheckId::HeadUnique,
                &item.key.name,
                format!("head {head:?} is also the head of {other} in this wave"),
                "give each work item its own branch",
            ));
        }
    }
    let open_prs = open_pr_holders(wave, ctx.runs, ctx.all_items, ctx.pr_state);
    out.extend(conflicts_with(wave, &in_flight, &open_prs, ctx.all_items));
    // A rule reached twice (the text's parameters and the manifest's) is said once.
    let mut said = std::collections::HashSet::new();
    out.retain(|f| said.insert((f.item.clone(), f.check, f.message.clone())));
    // Earlier waves merged first.
    for earlier in waves.iter().filter(|w| w.number < wave.number) {
        let unmerged: Vec<&str> = earlier
            .items
            .iter()
            .filter(|i| (ctx.pr_state)(i) != Some(PrState::Merged))
            .map(|i| i.key.name.as_str())
            .collect();
        if !unmerged.is_empty() {
            let severity = if ctx.overrides.unmerged_previous_wave {
                Severity::Warning
            } else {
                Severity::Error
            };
            out.push(finding(
                severity,
                CheckId::MergeOrder,
                "wave",
                format!("wave {} is not merged yet: {}", earlier.number, unmerged.join(", ")),
                "merge it first (the seed's order), or override with the typed confirmation (recorded on the runs)",
            ));
        }
    }
    out
}

/// What the launch would send, checked again: the AgentRun's parameters and its secrets.
fn guardrail_findings(item: &WorkItem, ctx: &GateContext) -> Vec<Finding> {
    let mut out = Vec::new();
    let manifest = run_manifest(item, 0, ctx.plan, ctx.settings, "", ctx.overrides);
    if let Some(params) = manifest["spec"]["parameters"].as_object() {
        // The prompt too: with the override on it replaces the spec text the agent runs.
        for (key, value) in params {
            let value = value.as_str().unwrap_or_default();
            if let Some(r) = ctx.guardrails.parameter_refusal(key, value) {
                out.push(finding(
                    Severity::Error,
                    CheckId::Guardrails,
                    &item.key.name,
                    format!("parameter `{key}: {value}` is refused: {}", r.reason),
                    "remove it: paper trading is the default and runs stay credential-less (see [guardrails] in the config)",
                ));
            }
        }
    }
    for secret in &ctx.settings.secrets {
        if !ctx.guardrails.allowed_secrets.contains(secret) {
            out.push(finding(
                Severity::Error,
                CheckId::Guardrails,
                &item.key.name,
                format!("secret {secret:?} is not on the allowed list"),
                "runs mount only the allowed secrets (guardrails.allowed_secrets)",
            ));
        }
    }
    out
}

/// The in-scope paths of an item that parse (the others are refused by its own checks).
fn in_scope(item: &WorkItem) -> Vec<PathSpec> {
    checks::in_scope_specs(&Template::parse(&item.text))
        .into_iter()
        .filter_map(|(_, s)| s.ok())
        .collect()
}

/// The finished runs that still hold their work item's paths: a run whose PR is not merged or
/// closed (or whose PR state is unknown) holds them until it merges, so an item launched now that
/// meets them conflicts with that PR. One run per work item, none of `wave`'s own items.
pub fn open_pr_holders<'a>(
    wave: &Wave,
    runs: &[&'a Run],
    all_items: &[&WorkItem],
    pr_state: &dyn Fn(&WorkItem) -> Option<PrState>,
) -> Vec<&'a Run> {
    let index = placement::ItemIndex::new(all_items);
    // Each work item is decided once, at its first finished run: held or not.
    let mut decided: std::collections::HashSet<&super::ObjectKey> =
        wave.items.iter().map(|i| &i.key).collect();
    let mut holders: Vec<&Run> = Vec::new();
    for run in runs.iter().copied() {
        if run.phase.is_in_flight() || run.is_template {
            continue;
        }
        let Some(item) = index.item_of(run) else {
            continue;
        };
        if !decided.insert(&item.key) {
            continue;
        }
        if !matches!(pr_state(item), Some(PrState::Merged | PrState::Closed)) {
            holders.push(run);
        }
    }
    holders
}

/// The seed's core rule: no two work items in flight at the same time claim overlapping paths —
/// within the wave (any lanes) and against every in-flight run of another work item.
pub fn wave_conflicts(wave: &Wave, in_flight: &[&Run], all_items: &[&WorkItem]) -> Vec<Finding> {
    conflicts_with(wave, in_flight, &[], all_items)
}

/// [`wave_conflicts`], with the finished runs whose PRs are still open ([`open_pr_holders`])
/// holding their paths too.
pub fn conflicts_with(
    wave: &Wave,
    in_flight: &[&Run],
    open_prs: &[&Run],
    all_items: &[&WorkItem],
) -> Vec<Finding> {
    let own_runs = OwnRuns::of(wave);
    let own_run = |item: &WorkItem, run: &Run| own_runs.is(item, run);
    let index = placement::ItemIndex::new(all_items);
    // Owners 0..n are the wave's items; then one per in-flight run of another work item.
    struct Owner<'a> {
        item: &'a WorkItem,
        run: Option<&'a Run>,
        specs: Vec<PathSpec>,
    }
    let mut owners: Vec<Owner> = wave
        .items
        .iter()
        .map(|item| Owner {
            item,
            run: None,
            specs: in_scope(item),
        })
        .collect();
    let mut out = Vec::new();
    // Items' content fingerprints, hashed once each however many of their runs are in flight
    // (the planner asks the gates every frame).
    let mut fingerprints: std::collections::HashMap<&super::ObjectKey, Option<u64>> =
        Default::default();
    for run in in_flight {
        if !run.phase.is_in_flight() {
            continue;
        }
        let unknown = |why: String, out: &mut Vec<Finding>| {
            // The paths such a run is changing are unknown: a launch in its repository cannot
            // be shown conflict-free.
            let repo = run
                .repository
                .as_deref()
                .and_then(conflicts::repository_identity);
            let exposed = wave.items.iter().filter(|i| {
                let mine = i
                    .parameters
                    .get("repository")
                    .and_then(|r| conflicts::repository_identity(r));
                conflicts::may_be_one(&repo, &mine)
            });
            for item in exposed {
                out.push(finding(
                    Severity::Error,
                    CheckId::InFlight,
                    &item.key.name,
                    format!(
                        "the in-flight run {} {why}: the paths it is changing are unknown",
                        run.key.name
                    ),
                    "wait for that run to finish, or cancel it (x)",
                ));
            }
        };
        let Some(item) = index.item_of(run) else {
            // A run of a work item that is gone (deleted, or in no list read) still changes
            // paths.
            if let Some(name) = &run.work_item {
                unknown(
                    format!(
                        "executes the work item {name}, which is not found (restore it if it was deleted)"
                    ),
                    &mut out,
                );
            }
            continue;
        };
        // The run this launch would create is the item itself (a relaunch); any other in-flight
        // run — even an earlier one of the same item — holds its paths.
        if wave.items.iter().any(|w| own_run(w, run)) {
            continue;
        }
        // Launched from an earlier text of its item: the paths it works on are the old ones,
        // which the edited text no longer says.
        let fingerprint = || {
            *fingerprints
                .entry(&item.key)
                .or_insert_with(|| super::run::hash_fingerprint(&item.content_hash()))
        };
        if run.launched_from_other_than(fingerprint) {
            unknown(
                format!(
                    "was launched from an earlier version of {}, edited since",
                    item.key.name
                ),
                &mut out,
            );
            continue;
        }
        owners.push(Owner {
            item,
            run: Some(run),
            specs: in_scope(item),
        });
    }
    for run in open_prs {
        if let Some(item) = index.item_of(run) {
            owners.push(Owner {
                item,
                run: Some(run),
                specs: in_scope(item),
            });
        }
    }
    // A run works on the repository it was launched with (its parameters, or what the
    // controller reports); a wave item on the one its text names.
    let claims: Vec<Claim> = owners
        .iter()
        .enumerate()
        .flat_map(|(i, o)| {
            let repository = o
                .run
                .and_then(|r| r.repository.as_deref())
                .or_else(|| o.item.parameters.get("repository").map(String::as_str));
            o.specs.iter().map(move |spec| Claim {
                owner: i,
                repository,
                spec,
            })
        })
        .collect();
    for c in conflicts::conflicts(&claims) {
        let (a, b) = (&claims[c.first], &claims[c.second]);
        let (oa, ob) = (&owners[a.owner], &owners[b.owner]);
        match (oa.run, ob.run) {
            (None, None) => out.push(finding(
                Severity::Error,
                CheckId::PathOverlap,
                &ob.item.key.name,
                format!(
                    "{} overlaps {} of work item {} in this wave (both name `{}`): launched together their PRs would conflict",
                    b.spec.source(),
                    a.spec.source(),
                    oa.item.key.name,
                    c.witness
                ),
                "move one of them to a later wave, or narrow the paths so they do not meet",
            )),
            (None, Some(run)) | (Some(run), None) => {
                let (mine, theirs) = if oa.run.is_none() { (a, b) } else { (b, a) };
                let me = if oa.run.is_none() { oa } else { ob };
                out.push(finding(
                    Severity::Error,
                    CheckId::PathOverlap,
                    &me.item.key.name,
                    format!(
                        "{} overlaps {}, which {} (both name `{}`)",
                        mine.spec.source(),
                        theirs.spec.source(),
                        if run.phase.is_in_flight() {
                            format!("the in-flight run {} is changing", run.key.name)
                        } else {
                            format!("the unmerged PR of run {} changes", run.key.name)
                        },
                        c.witness
                    ),
                    "wait for that run's PR to merge, or narrow the paths",
                ));
            }
            (Some(_), Some(_)) => {} // two runs already in flight: not this launch's doing
        }
    }
    out
}

/// A stable short hash.
fn short_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize()
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Hash of the plan's meaning, recorded on runs: SHA-256 of [`canonical_plan`]. Not of `Debug`
/// output, which is no stable format (it changes with the compiler and with any field a later
/// version adds, and it even printed the territory cache, so the hash changed once a check had
/// looked at the lanes).
pub fn plan_hash(plan: &Plan) -> String {
    short_hash(&[&canonical_plan(plan)])
}

/// What a plan means, as JSON with a fixed shape: every field the plan file sets, keys sorted,
/// lists in the file's order (lane order is the board's column order), parse caches left out.
/// `v` names this shape: a version that changes it bumps `v`.
pub fn canonical_plan(plan: &Plan) -> String {
    use serde::Serialize;
    // Fields in sorted order, so the output is sorted-key JSON whatever serde_json's map does.
    #[derive(Serialize)]
    struct Canonical<'a> {
        base: &'a Option<String>,
        items: Vec<Item<'a>>,
        lanes: Vec<Lane<'a>>,
        name: &'a str,
        overlaps: Vec<Overlap<'a>>,
        repository: &'a Option<String>,
        v: u32,
        waves: Vec<WaveEntry<'a>>,
    }
    #[derive(Serialize)]
    struct Item<'a> {
        depends_on: &'a [String],
        head: &'a Option<String>,
        lane: &'a str,
        name: &'a str,
        paths: &'a [String],
        summary: &'a str,
        wave: u32,
    }
    #[derive(Serialize)]
    struct Lane<'a> {
        id: &'a str,
        owns: &'a [String],
        title: &'a str,
    }
    #[derive(Serialize)]
    struct Overlap<'a> {
        lanes: [&'a str; 2],
        reason: &'a Option<String>,
        shared: bool,
    }
    #[derive(Serialize)]
    struct WaveEntry<'a> {
        number: u32,
        title: &'a str,
    }
    let canonical = Canonical {
        base: &plan.base,
        items: plan
            .items
            .iter()
            .map(|i| Item {
                depends_on: &i.depends_on,
                head: &i.head,
                lane: &i.lane,
                name: &i.name,
                paths: &i.paths,
                summary: &i.summary,
                wave: i.wave,
            })
            .collect(),
        lanes: plan
            .lanes
            .iter()
            .map(|l| Lane {
                id: &l.id,
                owns: &l.owns,
                title: &l.title,
            })
            .collect(),
        name: &plan.name,
        overlaps: plan
            .overlaps
            .iter()
            .map(|o| Overlap {
                lanes: [&o.lanes.0, &o.lanes.1],
                reason: &o.reason,
                shared: o.shared,
            })
            .collect(),
        repository: &plan.repository,
        v: 1,
        waves: plan
            .waves
            .iter()
            .map(|w| WaveEntry {
                number: w.number,
                title: &w.title,
            })
            .collect(),
    };
    // Serializing borrowed strings, numbers and lists cannot fail.
    serde_json::to_string(&canonical).unwrap_or_default()
}

/// The run name for an item in a wave: the same content launched again gets the same name (so a
/// second launch — or a second operator's — finds it already there), ≤ 63 characters.
pub fn run_name(item: &WorkItem, wave: u32) -> String {
    let hash = &short_hash(&[&item.key.namespace, &item.key.name, &item.content_hash()])[..6];
    let suffix = format!("-w{wave}-{hash}");
    let mut base: String = item.key.name.chars().take(63 - suffix.len()).collect();
    while base.ends_with('-') {
        base.pop();
    }
    format!("{base}{suffix}")
}

/// The AgentRun for one work item of a wave: references its ImplementationSpec, carries the PR
/// parameters, and records what makes it reproducible.
pub fn run_manifest(
    item: &WorkItem,
    wave: u32,
    plan: &Plan,
    settings: &LaunchSettings,
    at: &str,
    overrides: &Overrides,
) -> Value {
    let template = Template::parse(&item.text);
    let params: serde_json::Map<String, Value> = template
        .parameters()
        .into_iter()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "repository" | "base" | "head" | "stage" | "gitopsPath"
            ) || (k == "prompt" && overrides.prompt)
        })
        .map(|(k, (_, v))| (k, json!(v)))
        .collect();
    let name = run_name(item, wave);
    let mut annotations = json!({
        COCKPIT_VERSION: settings.cockpit_version,
        CONTENT_HASH: item.content_hash(),
        PLAN_HASH: plan_hash(plan),
        LAUNCHED_BY: settings.operator,
        LAUNCHED_AT: at,
    });
    if overrides.unmerged_previous_wave {
        annotations[OVERRIDE] = json!(format!(
            "launched before the previous wave merged, confirmed by {}",
            settings.operator
        ));
    }
    if overrides.prompt {
        annotations[PROMPT_OVERRIDE] = json!(format!(
            "prompt parameter set explicitly by {}",
            settings.operator
        ));
    }
    json!({
        "apiVersion": format!("{}/{}", labels::GROUP, labels::VERSION),
        "kind": "AgentRun",
        "metadata": {
            "name": name,
            "namespace": item.key.namespace,
            "labels": {
                labels::LANE: item.lane.clone().unwrap_or_default(),
                labels::WAVE: wave.to_string(),
                labels::WORK_ITEM: item.key.name,
            },
            "annotations": annotations,
        },
        "spec": {
            "agentRef": {"name": settings.agent},
            "implementationSpecRef": {"name": item.key.name},
            "runtime": {"type": settings.runtime},
            "parameters": params,
            "secrets": settings.secrets,
            "ttlSecondsAfterFinished": settings.ttl_seconds_after_finished,
            "idempotencyKey": name,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL_PLAN: &str = r#"
name = "small"
repository = "proompteng/lab"
base = "main"

[[lane]]
id = "A"
title = "Safety"
owns = ["services/a/**"]

[[lane]]
id = "B"
title = "Costs"
owns = ["services/b/**"]

[[overlap]]
lanes = ["A", "B"]
shared = false
reason = "on purpose"

[[wave]]
number = 1
title = "first"

[[item]]
name = "fw"
lane = "A"
wave = 1
summary = "order firewall"
paths = ["services/a/fw/**"]
head = "codex/fw"
"#;

    #[test]
    fn the_plan_hash_of_a_fixed_plan_is_pinned() {
        let plan = Plan::parse(SMALL_PLAN, "plan.toml").expect("plan");
        assert_eq!(
            canonical_plan(&plan),
            r#"{"base":"main","items":[{"depends_on":[],"head":"codex/fw","lane":"A","name":"fw","paths":["services/a/fw/**"],"summary":"order firewall","wave":1}],"lanes":[{"id":"A","owns":["services/a/**"],"title":"Safety"},{"id":"B","owns":["services/b/**"],"title":"Costs"}],"name":"small","overlaps":[{"lanes":["A","B"],"reason":"on purpose","shared":false}],"repository":"proompteng/lab","v":1,"waves":[{"number":1,"title":"first"}]}"#
        );
        // Pinned: a change here changes the hash recorded on every run from now on.
        assert_eq!(plan_hash(&plan), "2bb25bdf");
    }

    #[test]
    fn the_plan_hash_changes_iff_the_plan_means_something_else() {
        let base = Plan::parse(SMALL_PLAN, "plan.toml").expect("plan");
        let h = plan_hash(&base);
        // Same meaning: comments, spacing, key order, inline tables, and the territory cache
        // (which `Debug` printed) filled or not.
        let _ = base.territory();
        assert_eq!(plan_hash(&base), h);
        let reformatted = r#"
# The same plan, written differently.
base = "main"
name = "small"
repository = "proompteng/lab"
lane = [
  { title = "Safety", id = "A", owns = [ "services/a/**" ] },
  { id = "B", title = "Costs", owns = ["services/b/**"] },
]
overlap = [{ reason = "on purpose", lanes = ["A", "B"] }]

[[wave]]
title = "first"
number = 1

[[item]]
summary = "order firewall"
name = "fw"
wave = 1
lane = "A"
head = "codex/fw"
paths = ["services/a/fw/**"]
depends_on = []
"#;
        assert_eq!(
            plan_hash(&Plan::parse(reformatted, "other.toml").expect("plan")),
            h
        );
        // Every field that means something changes it.
        let edits: [(&str, &str); 14] = [
            ("name = \"small\"", "name = \"big\""),
            (
                "repository = \"proompteng/lab\"",
                "repository = \"proompteng/other\"",
            ),
            ("base = \"main\"", "base = \"release\""),
            ("title = \"Safety\"", "title = \"Safety first\""),
            (
                "owns = [\"services/a/**\"]",
                "owns = [\"services/a/**\", \"services/c/**\"]",
            ),
            ("shared = false", "shared = true"),
            ("reason = \"on purpose\"", "reason = \"by accident\""),
            ("title = \"first\"", "title = \"second\""),
            ("summary = \"order firewall\"", "summary = \"order wall\""),
            ("paths = [\"services/a/fw/**\"]", "paths = []"),
            ("head = \"codex/fw\"", "head = \"codex/fw2\""),
            ("lane = \"A\"\nwave", "lane = \"B\"\nwave"),
            ("name = \"fw\"", "name = \"fw2\""),
            (
                "id = \"B\"\ntitle = \"Costs\"\nowns = [\"services/b/**\"]",
                "id = \"B\"\ntitle = \"Costs\"\nowns = [\"services/bb/**\"]",
            ),
        ];
        let mut seen = std::collections::HashSet::from([h.clone()]);
        for (from, to) in edits {
            assert!(SMALL_PLAN.contains(from), "{from}");
            let edited = Plan::parse(&SMALL_PLAN.replacen(from, to, 1), "plan.toml")
                .unwrap_or_else(|e| panic!("{to}: {e:?}"));
            assert!(
                seen.insert(plan_hash(&edited)),
                "{from} -> {to} kept the hash"
            );
        }
        // Lane order is meaning (the board's columns follow it); so is the wave an item is in.
        let mut swapped = base.clone();
        swapped.lanes.reverse();
        assert_ne!(plan_hash(&swapped), h);
        let mut moved = base.clone();
        moved.items[0].wave = 2;
        assert_ne!(plan_hash(&moved), h);
        let mut deps = base.clone();
        deps.items[0].depends_on.push("x".into());
        assert_ne!(plan_hash(&deps), h);
    }
    use crate::domain::approval::{APPROVED_BY, APPROVED_HASH};
    use crate::domain::plan::TORGHUT_PLAN;

    fn plan() -> Plan {
        Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan")
    }

    fn item(name: &str, lane: &str, wave: u32, path: &str, approved: bool) -> WorkItem {
        let text = Template::new_item(
            lane,
            &[path.into()],
            "proompteng/lab",
            "main",
            &format!("codex/swarm/lane-{}/{name}", lane.to_lowercase()),
        )
        .replace(
            "What this work item changes, in one or two sentences.",
            "Do it.",
        );
        let mut w = WorkItem::from_json(&json!({"metadata": {"name": name, "namespace": "agents",
            "labels": {labels::LANE: lane, labels::WAVE: wave.to_string()}}, "spec": {"text": text}}));
        if approved {
            crate::domain::approval::record_unsigned(&mut w, &plan(), "ana", "t");
        }
        w
    }

    proptest::proptest! {
        /// `open_pr_holders` against the rule as stated, item by item: an item outside the wave
        /// with at least one finished (non-template) run, whose PR state is neither merged nor
        /// closed, is held by its first such run; nothing else is held. Generated runs of five
        /// items (one of them in the wave, two missing from the items), any phase, some templates,
        /// any PR state per item.
        #[test]
        fn open_pr_holders_follow_the_rule(
            runs in proptest::collection::vec((0usize..5, 0usize..4, proptest::bool::weighted(0.2)), 0..20),
            states in proptest::collection::vec(proptest::option::of(0usize..3), 5),
        ) {
            // Items 3 and 4 are named by runs but not among the items.
            let items: Vec<WorkItem> = (0..3)
                .map(|i| item(&format!("item-{i}"), "A", 1 + (i % 2) as u32, "services/x/**", false))
                .collect();
            let all: Vec<&WorkItem> = items.iter().collect();
            let phases = ["Running", "Succeeded", "Failed", "Pending"];
            let runs: Vec<Run> = runs
                .iter()
                .enumerate()
                .map(|(n, (it, phase, template))| {
                    let mut r = Run::from_json(&json!({
                        "metadata": {"name": format!("r{n}"), "namespace": "agents"},
                        "spec": {"implementationSpecRef": {"name": format!("item-{it}")}},
                        "status": {"phase": phases[*phase]}
                    }));
                    r.is_template = *template;
                    r
                })
                .collect();
            let run_refs: Vec<&Run> = runs.iter().collect();
            let pr_states = [PrState::Open, PrState::Merged, PrState::Closed];
            let state_of = |item: &WorkItem| {
                let i: usize = item.key.name.trim_start_matches("item-").parse().ok()?;
                states[i].map(|s| pr_states[s])
            };
            let wave = Wave { number: 1, title: String::new(), items: vec![items[0].clone()] };
            let held: Vec<&str> = open_pr_holders(&wave, &run_refs, &all, &state_of)
                .iter()
                .map(|r| r.key.name.as_str())
                .collect();
            let mut expected: Vec<&str> = Vec::new();
            for item in all.iter().filter(|i| i.key != items[0].key) {
                let first = runs.iter().find(|r| {
                    !r.phase.is_in_flight()
                        && !r.is_template
                        && r.work_item.as_deref() == Some(item.key.name.as_str())
                });
                let settled = matches!(state_of(item), Some(PrState::Merged | PrState::Closed));
                if let (Some(run), false) = (first, settled) {
                    expected.push(run.key.name.as_str());
                }
            }
            let mut held_sorted = held.clone();
            held_sorted.sort_unstable();
            expected.sort_unstable();
            proptest::prop_assert_eq!(held_sorted, expected);
        }
    }

    fn gates(
        wave: &Wave,
        waves: &[Wave],
        items: &[&WorkItem],
        runs: &[&Run],
        merged: bool,
        overrides: &Overrides,
    ) -> Vec<Finding> {
        let plan = plan();
        let pr = move |_: &WorkItem| {
            if merged {
                Some(PrState::Merged)
            } else {
                Some(PrState::Open)
            }
        };
        let ctx = GateContext {
            plan: &plan,
            all_items: items,
            runs,
            pr_state: &pr,
            head_prefix: "codex/",
            guardrails: &Guardrails::default(),
            settings: &LaunchSettings::default(),
            overrides,
            approvals: &Default::default(),
            now: chrono::Utc::now(),
        };
        gate_wave(wave, waves, &ctx)
    }

    #[test]
    fn a_dependency_that_is_not_a_work_item_is_refused_at_launch() {
        let first = item("fw", "A", 1, "services/torghut/app/trading/fw/**", true);
        let with = |deps: &[&str]| {
            let mut w = item("ks", "C", 2, "kubernetes/ks/**", false);
            w.depends_on = deps.iter().map(|d| (*d).to_owned()).collect();
            crate::domain::approval::record_unsigned(&mut w, &plan(), "ana", "t");
            w
        };
        for (deps, refused) in [(&["fw"][..], false), (&["ghost"], true), (&["FW"], true)] {
            let b = with(deps);
            let waves = plan_waves([&first, &b], &plan());
            let f = gates(
                &waves[1],
                &waves,
                &[&first, &b],
                &[],
                true,
                &Overrides::default(),
            );
            let dep: Vec<_> = f
                .iter()
                .filter(|f| f.check == CheckId::DependencyOrder)
                .collect();
            assert_eq!(!dep.is_empty(), refused, "{deps:?}: {f:#?}");
            assert!(dep.iter().all(|f| f.severity == Severity::Error));
        }
    }

    #[test]
    fn waves_group_by_label_then_plan_in_order() {
        let a = item("b-item", "A", 2, "services/torghut/app/trading/x/**", true);
        let b = item("a-item", "C", 1, "kubernetes/x/**", true);
        let mut c = item(
            "order-firewall",
            "A",
            9,
            "services/torghut/app/trading/f/**",
            true,
        );
        c.wave = None;
        let waves = plan_waves([&a, &b, &c], &plan());
        assert_eq!(waves.iter().map(|w| w.number).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(waves[0].title, "Safety + order firewall");
        assert_eq!(
            waves[0].items.len(),
            2,
            "order-firewall takes its wave from the plan"
        );
    }

    #[test]
    fn a_clean_approved_wave_passes_and_unapproved_or_changed_items_do_not() {
        let a = item("fw", "A", 1, "services/torghut/app/trading/fw/**", true);
        let b = item("ks", "C", 1, "kubernetes/ks/**", true);
        let waves = plan_waves([&a, &b], &plan());
        let f = gates(
            &waves[0],
            &waves,
            &[&a, &b],
            &[],
            true,
            &Overrides::default(),
        );
        assert!(f.is_empty(), "{f:#?}");

        let mut changed = a.clone();
        changed.text.push_str("\nedit\n");
        let c = item("new", "A", 1, "services/torghut/app/trading/n/**", false);
        let waves = plan_waves([&changed, &c], &plan());
        let f = gates(
            &waves[0],
            &waves,
            &[&changed, &c],
            &[],
            true,
            &Overrides::default(),
        );
        let msgs: Vec<_> = f
            .iter()
            .filter(|f| f.check == CheckId::Approval)
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(msgs, ["changed since it was approved", "not approved"]);
    }

    #[test]
    fn duplicate_heads_and_overlap_with_in_flight_work_are_refused() {
        let a = item("fw", "A", 1, "services/torghut/app/trading/fw/**", true);
        let mut b = item(
            "fw2",
            "A",
            1,
            "services/torghut/app/trading/fw/sub/**",
            true,
        );
        b.text = b.text.replace("lane-a/fw2", "lane-a/fw");
        b.parameters
            .insert("head".into(), "codex/swarm/lane-a/fw".into());
        let waves = plan_waves([&a], &plan());
        let running = Run::from_json(
            &json!({"metadata": {"name": "fw2-run", "namespace": "agents"},
            "spec": {"implementationSpecRef": {"name": "fw2"}, "parameters": {"head": "codex/swarm/lane-a/other"}},
            "status": {"phase": "Running"}}),
        );
        let f = gates(
            &waves[0],
            &waves,
            &[&a, &b],
            &[&running],
            true,
            &Overrides::default(),
        );
        assert!(
            f.iter()
                .any(|f| f.check == CheckId::PathOverlap && f.message.contains("fw2-run")),
            "{f:#?}"
        );
        let both = Wave {
            number: 1,
            title: String::new(),
            items: vec![a.clone(), b.clone()],
        };
        let f = gates(
            &both,
            std::slice::from_ref(&both),
            &[&a, &b],
            &[],
            true,
            &Overrides::default(),
        );
        assert!(f.iter().any(|f| f.check == CheckId::HeadUnique), "{f:#?}");
    }

    #[test]
    fn an_unmerged_previous_wave_needs_the_override() {
        let a = item("fw", "A", 1, "services/torghut/app/trading/fw/**", true);
        let b = item("cost", "A", 2, "services/torghut/app/trading/cost/**", true);
        let waves = plan_waves([&a, &b], &plan());
        let f = gates(
            &waves[1],
            &waves,
            &[&a, &b],
            &[],
            false,
            &Overrides::default(),
        );
        let m: Vec<_> = f
            .iter()
            .filter(|f| f.check == CheckId::MergeOrder)
            .collect();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].severity, Severity::Error);
        assert!(m[0].message.contains("wave 1 is not merged yet: fw"));
        let o = Overrides {
            unmerged_previous_wave: true,
            prompt: false,
        };
        let f = gates(&waves[1], &waves, &[&a, &b], &[], false, &o);
        assert!(!checks::has_errors(&f), "{f:#?}");
        assert!(
            gates(
                &waves[1],
                &waves,
                &[&a, &b],
                &[],
                true,
                &Overrides::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn guardrails_refuse_live_trading_and_credential_parameters() {
        let mut a = item("fw", "A", 1, "services/torghut/app/trading/fw/**", false);
        a.text = a.text.replace(
            "- stage: implementation",
            "- stage: implementation\n- TRADING_MODE: hybrid\n- mode: live\n- prompt: x",
        );
        let hash = a.content_hash();
        a.annotations.insert(APPROVED_BY.into(), "ana".into());
        a.annotations.insert(APPROVED_HASH.into(), hash);
        let waves = plan_waves([&a], &plan());
        let f = gates(&waves[0], &waves, &[&a], &[], true, &Overrides::default());
        let g: Vec<_> = f
            .iter()
            .filter(|f| f.check == CheckId::Guardrails)
            .collect();
        assert_eq!(g.len(), 2, "{g:#?}");
        assert!(f.iter().any(|f| f.check == CheckId::PromptPrecedence));
        let o = Overrides {
            unmerged_previous_wave: false,
            prompt: true,
        };
        let f = gates(&waves[0], &waves, &[&a], &[], true, &o);
        assert!(!f.iter().any(|f| f.check == CheckId::PromptPrecedence));
    }

    #[test]
    fn manifests_are_deterministic_and_record_reproducibility() {
        let a = item(
            "order-firewall",
            "A",
            1,
            "services/torghut/app/trading/fw/**",
            true,
        );
        let m1 = run_manifest(
            &a,
            1,
            &plan(),
            &LaunchSettings::default(),
            "t1",
            &Overrides::default(),
        );
        let m2 = run_manifest(
            &a,
            1,
            &plan(),
            &LaunchSettings::default(),
            "t2",
            &Overrides::default(),
        );
        assert_eq!(m1["metadata"]["name"], m2["metadata"]["name"]);
        assert_eq!(m1["spec"]["idempotencyKey"], m1["metadata"]["name"]);
        assert_eq!(
            m1["spec"]["implementationSpecRef"]["name"],
            "order-firewall"
        );
        assert_eq!(
            m1["spec"]["parameters"]["head"],
            "codex/swarm/lane-a/order-firewall"
        );
        assert!(m1["spec"]["parameters"].get("prompt").is_none());
        assert_eq!(m1["metadata"]["labels"][labels::WAVE], "1");
        assert_eq!(
            m1["metadata"]["annotations"][CONTENT_HASH],
            json!(a.content_hash())
        );
        let long = item(
            &"x".repeat(70),
            "A",
            12,
            "services/torghut/app/trading/fw/**",
            true,
        );
        let name = run_name(&long, 12);
        assert!(name.len() <= 63 && name.contains("-w12-"), "{name}");
        let mut edited = a.clone();
        edited.text.push('\n');
        assert_ne!(
            run_name(&edited, 1),
            run_name(&a, 1),
            "new content, new run"
        );
    }
}
