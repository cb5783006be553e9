//! The ImplementationSpec view-model: a work item with its swarm metadata (lane, wave, depends-on).
use super::fields::{Meta, Reader};
use super::labels;
use super::resource::ObjectKey;
use super::sanitize;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct WorkItem {
    pub key: ObjectKey,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    pub created: Option<DateTime<Utc>>,
    pub lane: Option<String>,
    pub wave: Option<String>,
    pub depends_on: Vec<String>,
    /// One line, safe to display: `spec.summary`, else the first non-heading line of the text.
    pub summary: String,
    /// The full template text as stored (untrusted: views sanitize before drawing).
    pub text: String,
    /// Every other field of `spec` as read, so the approval hash covers all of it (and fields a
    /// later schema adds).
    pub spec_rest: Value,
    pub source_provider: Option<String>,
    pub acceptance_criteria: Vec<String>,
    pub required_keys: Vec<String>,
    /// PR parameters declared in the text (`repository`, `base`, `head`, `stage`, `gitopsPath`).
    pub parameters: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub problems: Vec<String>,
}

impl WorkItem {
    pub fn from_json(obj: &Value) -> WorkItem {
        let mut r = Reader::default();
        let meta = Meta::read(&mut r, obj);
        let text = r.string(obj, "spec.text").unwrap_or_default();
        let summary = r
            .string(obj, "spec.summary")
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| first_prose_line(&text).to_owned());
        let depends_on = meta
            .annotations
            .get(labels::DEPENDS_ON)
            .or_else(|| meta.labels.get(labels::DEPENDS_ON))
            .map(|v| {
                v.split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        WorkItem {
            key: ObjectKey::new(meta.namespace, meta.name),
            uid: meta.uid,
            resource_version: meta.resource_version,
            created: meta.created,
            lane: meta.labels.get(labels::LANE).map(|s| s.trim().to_owned()),
            wave: meta.labels.get(labels::WAVE).cloned(),
            depends_on,
            summary: sanitize::one_line(&sanitize::truncate_chars(summary.trim(), 200)),
            parameters: declared_parameters(&text),
            text,
            spec_rest: spec_rest(obj),
            source_provider: r.string(obj, "spec.source.provider"),
            acceptance_criteria: r.string_list(obj, "spec.acceptanceCriteria"),
            required_keys: r.string_list(obj, "spec.contract.requiredKeys"),
            labels: meta.labels,
            annotations: meta.annotations,
            problems: r.problems,
        }
    }

    pub fn head(&self) -> Option<&str> {
        self.parameters.get("head").map(String::as_str)
    }
}

fn spec_rest(obj: &Value) -> Value {
    match obj.get("spec") {
        Some(Value::Object(m)) => {
            let mut rest = m.clone();
            // A text that is not a string stays here, as it is, so the approval hash covers it.
            if rest.get("text").is_none_or(Value::is_string) {
                rest.remove("text");
            }
            Value::Object(rest)
        }
        _ => Value::Object(serde_json::Map::new()),
    }
}

fn first_prose_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("")
}

/// The PR parameters a work item declares, read exactly as the checks and the launch read them
/// ([`Template::parameters`]: the Parameters section, any heading level and case, `-`/`*`/`+`/`1.`
/// items, values optionally in backticks). One reading: the head-uniqueness and conflict gates
/// must see the same `head` and `repository` the launched run is given.
pub fn declared_parameters(text: &str) -> BTreeMap<String, String> {
    super::template::Template::parse(text)
        .parameters()
        .into_iter()
        .filter(|(k, (_, v))| !k.is_empty() && !v.is_empty())
        .map(|(k, (_, v))| (sanitize::one_line(&k), sanitize::one_line(&v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_summary_lane_and_parameters() {
        let w = WorkItem::from_json(&json!({
            "metadata": {"name": "cost-model", "namespace": "agents",
                         "labels": {"swarm.proompteng.ai/lane": "A"},
                         "annotations": {"swarm.proompteng.ai/depends-on": "order-firewall"}},
            "spec": {"text": "## Objective\nAdd a cost model MVP.\n\n## Parameters\n- repository: `proompteng/lab`\n* head: codex/swarm/lane-a/cost-model\n\n## Safety gates\n- head: not-a-param\n",
                     "source": {"provider": "manual"}}
        }));
        assert_eq!(w.summary, "Add a cost model MVP.");
        assert_eq!(w.lane.as_deref(), Some("A"));
        assert_eq!(w.depends_on, vec!["order-firewall"]);
        assert_eq!(w.head(), Some("codex/swarm/lane-a/cost-model"));
        assert_eq!(
            w.parameters.get("repository").map(String::as_str),
            Some("proompteng/lab")
        );
        assert_eq!(w.parameters.len(), 2);
    }

    #[test]
    fn spec_summary_wins_and_bad_types_are_reported() {
        let w = WorkItem::from_json(&json!({
            "metadata": {"name": "x", "namespace": "n"},
            "spec": {"text": "body", "summary": "Short\u{1b}", "acceptanceCriteria": [1, "ok"]}
        }));
        assert_eq!(w.summary, "Short␛");
        assert_eq!(w.acceptance_criteria, vec!["ok"]);
        assert_eq!(
            w.problems,
            vec!["spec.acceptanceCriteria[0]: expected a string, got a number"]
        );
    }
}
