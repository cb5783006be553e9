//! The AgentRun view-model: only what the cockpit shows or reasons about, already made safe to
//! display. Built leniently from the object's JSON (see [`super::fields`]).
use super::fields::Reader;
use super::labels;
use super::lenient::{Field, Obj};
use super::phase::Phase;
use super::resource::ObjectKey;
use super::run_doc::RunDoc;
use super::sanitize;
use chrono::{DateTime, Utc};
use compact_str::CompactString;
use serde::Deserialize;
use serde_json::Value;

/// Longest message kept per condition/status: enough to read, bounded so a 128 KiB message does
/// not cost memory in every card.
const MAX_MESSAGE_CHARS: usize = 4096;

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub last_transition: Option<DateTime<Utc>>,
}

impl Condition {
    pub fn is_true(&self) -> bool {
        self.status.eq_ignore_ascii_case("true")
    }
}

/// Where the run's workload lives (`status.runtimeRef`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RuntimeRef {
    pub type_: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub key: ObjectKey,
    pub uid: Option<CompactString>,
    pub resource_version: Option<CompactString>,
    pub created: Option<DateTime<Utc>>,
    /// Lane label; `None` means the work item's lane (or Unassigned) decides.
    pub lane: Option<CompactString>,
    pub wave: Option<CompactString>,
    /// The ImplementationSpec this run executes (`spec.implementationSpecRef.name` or the label).
    pub work_item: Option<CompactString>,
    /// Summary of an inline implementation, when the run carries one.
    pub inline_summary: Option<String>,
    pub agent: Option<CompactString>,
    pub runtime_type: Option<CompactString>,
    /// The phase shown: the controller's, refined by conditions (Pending + Blocked → Blocked).
    pub phase: Phase,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub conditions: Vec<Condition>,
    pub parameters: Parameters,
    pub repository: Option<CompactString>,
    pub head_branch: Option<CompactString>,
    /// Boxed: most runs on a big board have none yet, and the run is stored inline in the board's
    /// map (72 bytes in every run otherwise).
    pub runtime_ref: Option<Box<RuntimeRef>>,
    pub required_keys: Vec<String>,
    pub missing_keys: Vec<String>,
    pub artifact_urls: Vec<String>,
    pub is_template: bool,
    /// `metadata.deletionTimestamp`: deletion requested, the object kept by its finalizers.
    pub deletion_requested: Option<DateTime<Utc>>,
    pub finalizers: Vec<String>,
    /// `spec.ttlSecondsAfterFinished`: the controller deletes the finished run after this long.
    pub ttl_after_finished: Option<i64>,
    pub idempotency_key: Option<CompactString>,
    /// Annotated `agents.proompteng.ai/retain: "true"`: kept past the retention sweep.
    pub retained: bool,
    /// Who cancelled it and when (`swarm.proompteng.ai/cancelled-by`).
    pub cancelled_by: Option<CompactString>,
    /// The head branch asked for (`spec.parameters.head`).
    pub requested_head: Option<CompactString>,
    /// The head branch the controller really pushed (`status.vcs.headBranch`).
    pub vcs_head_branch: Option<CompactString>,
    /// `status.workflow.steps[]`.
    pub steps: Vec<super::control::WorkflowStep>,
    /// `status.runner`: the runner's terminal report. Boxed: only finished runs have one, and
    /// inline it would cost 144 bytes in every run.
    pub runner: Option<Box<super::control::RunnerReport>>,
    /// The version of its work item the run was launched from: the first 64 bits of the
    /// content hash the cockpit annotates (`swarm.proompteng.ai/work-item-hash`), `None` when a
    /// run does not say (launched by another tool). Eight bytes, not the 67-character hash.
    pub launched_from: Option<u64>,
    /// Fields that could not be read, each naming its path: shown on the card and in the detail pane.
    pub problems: Vec<String>,
}

/// The first 64 bits of a content hash of this version's form (`v2:` + hex); `None` for any other.
pub fn hash_fingerprint(hash: &str) -> Option<u64> {
    let hex = hash.trim().strip_prefix(super::approval::HASH_PREFIX)?;
    u64::from_str_radix(hex.get(..16)?, 16).ok()
}

impl Run {
    /// Reads an AgentRun object (as served by the API server) into the view-model. Never fails:
    /// unreadable fields become [`Run::problems`].
    pub fn from_json(obj: &Value) -> Run {
        // The tree is read through the same slots as the wire, so both share every rule. Reading
        // slots from a JSON tree cannot fail: every kind of value has a slot.
        let doc = Obj::<RunDoc>::deserialize(obj).unwrap_or_default();
        Run::from_doc(doc.fields)
    }

    /// The view-model from an AgentRun's slots (decoded off the wire, or from a JSON tree).
    /// Problems are reported in a fixed order, whatever the order of the object's keys.
    pub fn from_doc(doc: RunDoc) -> Run {
        let mut r = Reader::default();
        let (meta, spec, status) = (doc.metadata.fields, doc.spec.fields, doc.status.fields);
        let namespace = r.text("metadata.namespace", meta.namespace);
        let name = r.text("metadata.name", meta.name);
        let uid = r.text("metadata.uid", meta.uid);
        let resource_version = r.text("metadata.resourceVersion", meta.resource_version);
        let created = r.time_at("metadata.creationTimestamp", meta.created);
        let labels_: Parameters = r
            .pairs_at("metadata.labels", meta.labels)
            .into_iter()
            .collect();
        let annotations: Parameters = r
            .pairs_at("metadata.annotations", meta.annotations)
            .into_iter()
            .collect();
        let conditions = read_conditions(&mut r, status.conditions.as_ref());
        let parameters: Parameters = r
            .pairs_at("spec.parameters", spec.parameters)
            .into_iter()
            .map(|(k, v)| (sanitize::one_line_compact(k), sanitize::one_line_compact(v)))
            .collect();
        let raw_phase = r.text("status.phase", status.phase);
        let is_template = annotations
            .get(labels::TEMPLATE)
            .is_some_and(|v| v == "true");
        let phase = derive_phase(raw_phase.as_deref(), &conditions);
        let work_item = r
            .text(
                "spec.implementationSpecRef.name",
                spec.implementation_spec_ref.fields.name,
            )
            .or_else(|| labels_.get(labels::WORK_ITEM).map(CompactString::from));
        let runtime_ref = status.runtime_ref.is_present().then(|| {
            let found = status.runtime_ref.fields;
            Box::new(RuntimeRef {
                type_: r.text("status.runtimeRef.type", found.type_),
                name: r.text("status.runtimeRef.name", found.name),
                namespace: r.text("status.runtimeRef.namespace", found.namespace),
            })
        });
        let artifact_urls = r
            .list_at("status.artifacts", status.artifacts)
            .into_iter()
            .filter_map(|a| match a.fields.url {
                Field::Is(url) => Some(sanitize::one_line(&url)),
                Field::Absent | Field::Not(_) => None,
            })
            .collect();
        let repository = r
            .text("status.vcs.repository", status.vcs.fields.repository)
            .map(sanitize::one_line_compact)
            .or_else(|| parameters.get("repository").map(CompactString::from));
        let vcs_head_branch = r
            .text("status.vcs.headBranch", status.vcs.fields.head_branch)
            .map(sanitize::one_line_compact);
        let requested_head = parameters.get("head").map(CompactString::from);
        let head_branch = vcs_head_branch.clone().or_else(|| requested_head.clone());
        let steps =
            super::control::steps::read_steps(&mut r, status.workflow.fields.steps.as_ref());
        let runner =
            super::control::steps::read_runner(&mut r, status.runner.as_ref()).map(Box::new);
        let finalizers = r
            .strings_at("metadata.finalizers", meta.finalizers)
            .iter()
            .map(|f| short(f))
            .collect();
        let retained = annotations
            .get(super::control::retention::RETAIN)
            .is_some_and(|v| v.trim() == "true");
        let launched_from = annotations
            .get(super::wave::CONTENT_HASH)
            .and_then(hash_fingerprint);
        let cancelled_by = annotations
            .get(super::wave::CANCELLED_BY)
            .map(|v| CompactString::from(short(v)));
        Run {
            key: ObjectKey::new(namespace.unwrap_or_default(), name.unwrap_or_default()),
            uid,
            resource_version,
            created,
            lane: labels_.get(labels::LANE).map(|s| s.trim().into()),
            wave: labels_.get(labels::WAVE).map(CompactString::from),
            work_item,
            inline_summary: r
                .text(
                    "spec.implementation.inline.summary",
                    spec.implementation.fields.inline.fields.summary,
                )
                .map(|s| short(&s)),
            agent: r.text("spec.agentRef.name", spec.agent_ref.fields.name),
            runtime_type: r.text("spec.runtime.type", spec.runtime.fields.type_),
            phase,
            reason: r.text("status.reason", status.reason).map(|s| short(&s)),
            message: r.text("status.message", status.message).map(|s| long(&s)),
            started_at: r.time_at("status.startedAt", status.started_at),
            finished_at: r.time_at("status.finishedAt", status.finished_at),
            updated_at: r.time_at("status.updatedAt", status.updated_at),
            conditions,
            parameters,
            repository,
            head_branch,
            runtime_ref,
            required_keys: r.strings_at(
                "status.contract.requiredKeys",
                status.contract.fields.required_keys,
            ),
            missing_keys: r.strings_at(
                "status.contract.missingKeys",
                status.contract.fields.missing_keys,
            ),
            artifact_urls,
            is_template,
            deletion_requested: r.time_at("metadata.deletionTimestamp", meta.deletion),
            finalizers,
            ttl_after_finished: r.int_at("spec.ttlSecondsAfterFinished", spec.ttl_after_finished),
            idempotency_key: r
                .text("spec.idempotencyKey", spec.idempotency_key)
                .map(|k| short(&k).into()),
            retained,
            cancelled_by,
            requested_head,
            vcs_head_branch,
            steps,
            runner,
            launched_from,
            problems: r.problems,
        }
    }

    /// Whether the run was launched from another version of `item` than the one there now: the
    /// text it works from (and so the paths it changes) is then unknown.
    pub fn launched_from_another_version_of(&self, item: &super::WorkItem) -> bool {
        self.launched_from_other_than(|| hash_fingerprint(&item.content_hash()))
    }

    /// [`Self::launched_from_another_version_of`] with the item's fingerprint supplied (hashed
    /// once per item when many runs are judged); asked only of runs that say what they were
    /// launched from.
    pub fn launched_from_other_than(&self, item_fingerprint: impl FnOnce() -> Option<u64>) -> bool {
        self.launched_from
            .is_some_and(|h| Some(h) != item_fingerprint())
    }

    /// When a failed run failed: `status.finishedAt`, else its `Failed` condition's transition,
    /// else its last update. `None` for a run that has not failed (or says no time at all).
    pub fn failed_at(&self) -> Option<DateTime<Utc>> {
        if self.phase != Phase::Failed {
            return None;
        }
        let condition = || {
            self.conditions
                .iter()
                .find(|c| c.type_ == "Failed" && c.is_true())
                .and_then(|c| c.last_transition)
        };
        self.finished_at.or_else(condition).or(self.updated_at)
    }

    /// Age for active runs, duration for finished ones; `None` without timestamps.
    pub fn elapsed(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        let start = self.started_at.or(self.created)?;
        let end = if self.phase.is_terminal() {
            self.finished_at.unwrap_or(now)
        } else {
            now
        };
        Some(end - start)
    }

    /// The most telling condition for a card: a true Blocked/InvalidSpec/Failed, else none.
    pub fn headline_condition(&self) -> Option<&Condition> {
        const TELLING: [&str; 4] = ["InvalidSpec", "Blocked", "Failed", "Cancelled"];
        TELLING.iter().find_map(|t| {
            self.conditions
                .iter()
                .find(|c| c.type_ == *t && c.is_true())
        })
    }
}

/// `spec.parameters` (and, while a run is read, its labels and annotations), in key order. A
/// sorted list rather than a map: a run has a handful of them, and a B-tree node costs about 540
/// bytes however few it holds — measured with
/// `cargo bench --bench memory`, it was 45 % of a run's heap at 10,000 runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parameters(Vec<(CompactString, CompactString)>);

impl Parameters {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.0[i].1.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// The last value of a repeated key wins, as in a map.
impl<K: Into<CompactString>, V: Into<CompactString>> FromIterator<(K, V)> for Parameters {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let mut pairs: Vec<(CompactString, CompactString)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        // Stable: equal keys keep their order, so the last one is the last of its run.
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        // In place: the kept entry of a run of equal keys takes the value of each later one.
        pairs.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
        pairs.shrink_to_fit();
        Parameters(pairs)
    }
}

impl<'a> IntoIterator for &'a Parameters {
    type Item = (&'a str, &'a str);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (CompactString, CompactString)>,
        fn(&'a (CompactString, CompactString)) -> (&'a str, &'a str),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

pub(crate) fn derive_phase(raw: Option<&str>, conditions: &[Condition]) -> Phase {
    let phase = Phase::parse(raw);
    let blocked = conditions
        .iter()
        .any(|c| c.type_ == "Blocked" && c.is_true());
    if phase == Phase::Pending && blocked {
        Phase::Blocked
    } else {
        phase
    }
}

/// `status.conditions`, as found there (`None`: absent).
pub(crate) fn read_conditions(r: &mut Reader, found: Option<&Value>) -> Vec<Condition> {
    let items = r.items(found, "status.conditions");
    items
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let path = |f: &str| format!("status.conditions[{i}].{f}");
            let mut sub = Reader::default();
            let type_ = sub.string(c, "type");
            let cond = type_.map(|t| Condition {
                type_: short(&t),
                status: sub.string(c, "status").unwrap_or_else(|| "Unknown".into()),
                reason: sub.string(c, "reason").map(|s| short(&s)),
                message: sub.string(c, "message").map(|s| long(&s)),
                last_transition: sub.time(c, "lastTransitionTime"),
            });
            if cond.is_none() {
                r.problems.push(format!("{}: missing", path("type")));
            }
            r.problems.extend(
                sub.problems
                    .into_iter()
                    .map(|p| format!("status.conditions[{i}].{p}")),
            );
            cond
        })
        .collect()
}

pub(crate) fn short(s: &str) -> String {
    sanitize::one_line(&sanitize::truncate_chars(s, 120))
}

pub(crate) fn long(s: &str) -> String {
    sanitize::display(&sanitize::truncate_chars(s, MAX_MESSAGE_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn run(status: Value) -> Run {
        Run::from_json(&json!({
            "metadata": {"name": "r1", "namespace": "agents",
                         "labels": {"swarm.proompteng.ai/lane": "A"},
                         "creationTimestamp": "2026-02-10T10:00:00Z"},
            "spec": {"agentRef": {"name": "codex"}, "implementationSpecRef": {"name": "order-firewall"},
                     "runtime": {"type": "workflow"},
                     "parameters": {"repository": "proompteng/lab", "head": "codex/swarm/lane-a/x"}},
            "status": status
        }))
    }

    #[test]
    fn reads_a_running_run() {
        let r = run(json!({"phase": "Running", "startedAt": "2026-02-10T10:01:00Z"}));
        assert_eq!(r.phase, Phase::Running);
        assert_eq!(r.lane.as_deref(), Some("A"));
        assert_eq!(r.work_item.as_deref(), Some("order-firewall"));
        assert_eq!(r.head_branch.as_deref(), Some("codex/swarm/lane-a/x"));
        assert!(r.problems.is_empty(), "{:?}", r.problems);
    }

    #[test]
    fn blocked_condition_refines_pending() {
        let r = run(json!({"phase": "Pending", "conditions": [
            {"type": "Blocked", "status": "True", "reason": "ConcurrencyLimit", "message": "limit 2"}]}));
        assert_eq!(r.phase, Phase::Blocked);
        assert_eq!(
            r.headline_condition().and_then(|c| c.reason.as_deref()),
            Some("ConcurrencyLimit")
        );
    }

    #[test]
    fn missing_status_is_pending_without_problems() {
        let r = Run::from_json(&json!({"metadata": {"name": "r", "namespace": "n"}, "spec": {}}));
        assert_eq!(r.phase, Phase::Pending);
        assert!(r.problems.is_empty());
    }

    #[test]
    fn wrong_types_are_reported_by_path_and_the_rest_is_kept() {
        let r = run(json!({"phase": 7, "startedAt": "yesterday", "conditions": "nope"}));
        assert_eq!(r.phase, Phase::Pending);
        assert_eq!(r.key.name, "r1");
        assert_eq!(
            r.problems,
            vec![
                "status.conditions: expected a list, got a string",
                "status.phase: expected a string, got a number",
                "status.startedAt: expected an RFC 3339 time, got \"yesterday\"",
            ]
        );
    }

    #[test]
    fn status_vcs_wins_over_parameters_and_control_chars_are_inert() {
        let r = run(
            json!({"vcs": {"repository": "o/r", "headBranch": "codex/\u{1b}[2Jevil"},
                           "message": "line\u{7}bell"}),
        );
        assert_eq!(r.repository.as_deref(), Some("o/r"));
        assert_eq!(r.head_branch.as_deref(), Some("codex/␛[2Jevil"));
        assert_eq!(r.message.as_deref(), Some("line␇bell"));
    }

    proptest::proptest! {
        /// The list answers like the map it replaces: same lookups, same order, last value wins.
        #[test]
        fn parameters_answer_like_a_map(
            pairs in proptest::collection::vec(("[a-d]{0,2}", "[x-z]{0,2}"), 0..12),
            probe in "[a-d]{0,2}",
        ) {
            let map: BTreeMap<String, String> = pairs.iter().cloned().collect();
            let params: Parameters = pairs.into_iter().collect();
            proptest::prop_assert_eq!(params.len(), map.len());
            proptest::prop_assert_eq!(params.get(&probe), map.get(&probe).map(String::as_str));
            let listed: Vec<(&str, &str)> = params.iter().collect();
            let expected: Vec<(&str, &str)> =
                map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            proptest::prop_assert_eq!(listed, expected);
        }
    }

    #[test]
    fn huge_messages_are_bounded() {
        let r = run(json!({"message": "x".repeat(128 * 1024)}));
        assert_eq!(
            r.message.map(|m| m.chars().count()),
            Some(MAX_MESSAGE_CHARS + 1)
        );
    }
}
