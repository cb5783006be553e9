//! The ImplementationSpec a work item is saved as: the template text plus the fields the platform
//! reads (`summary`, `acceptanceCriteria`, `contract.requiredKeys`, `source.provider: manual`) and the
//! cockpit's labels/annotations (lane, wave, depends-on) under its own prefix.
use super::checks::{MAX_CRITERIA, MAX_SUMMARY_CHARS, REQUIRED_KEYS};
use super::labels;
use super::sanitize::truncate_chars;
use super::template::{SectionKind, Template};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A work item as the operator edits it: what is saved, and what a draft on disk holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemDraft {
    /// The kube context the text was typed against: a draft is offered and restored only there,
    /// never saved into another cluster's namespace of the same name. `None`: a draft written
    /// before drafts were scoped (offered in any context).
    #[serde(default)]
    pub context: Option<String>,
    pub namespace: String,
    pub name: String,
    pub lane: Option<String>,
    pub wave: Option<String>,
    #[serde(default)]
    pub depends_on: Vec<String>,
    pub text: String,
    /// The resourceVersion the edit started from (`None` for a new item): saving with it makes a
    /// concurrent change a 409 conflict instead of a silent overwrite.
    pub base_resource_version: Option<String>,
}

impl ItemDraft {
    /// The summary the platform shows: the objective's first line, within the CRD's limit.
    pub fn summary(&self) -> String {
        let objective = Template::parse(&self.text).text_of(SectionKind::Objective);
        let first = objective.lines().next().unwrap_or("").trim();
        truncate_chars(first, MAX_SUMMARY_CHARS - 1)
    }

    /// The full object for create/replace.
    pub fn manifest(&self) -> Value {
        let template = Template::parse(&self.text);
        let criteria: Vec<String> = template
            .items(SectionKind::AcceptanceCriteria)
            .into_iter()
            .map(|(_, c)| c)
            .take(MAX_CRITERIA)
            .collect();
        let params = template.parameters();
        let mut required: Vec<&str> = REQUIRED_KEYS.to_vec();
        if params.contains_key("gitopsPath") {
            required.push("gitopsPath");
        }
        let mut meta_labels = serde_json::Map::new();
        if let Some(lane) = &self.lane {
            meta_labels.insert(labels::LANE.into(), json!(lane));
        }
        if let Some(wave) = &self.wave {
            meta_labels.insert(labels::WAVE.into(), json!(wave));
        }
        let mut annotations = serde_json::Map::new();
        if !self.depends_on.is_empty() {
            annotations.insert(labels::DEPENDS_ON.into(), json!(self.depends_on.join(",")));
        }
        let mut metadata = json!({
            "name": self.name,
            "namespace": self.namespace,
            "labels": meta_labels,
            "annotations": annotations,
        });
        if let Some(rv) = &self.base_resource_version {
            metadata["resourceVersion"] = json!(rv);
        }
        json!({
            "apiVersion": format!("{}/{}", labels::GROUP, labels::VERSION),
            "kind": "ImplementationSpec",
            "metadata": metadata,
            "spec": {
                "text": self.text,
                "summary": self.summary(),
                "acceptanceCriteria": criteria,
                "contract": {"requiredKeys": required},
                "source": {"provider": "manual"},
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::WorkItem;

    #[test]
    fn manifest_round_trips_through_the_view_model() {
        let draft = ItemDraft {
            context: None,
            namespace: "agents".into(),
            name: "order-firewall".into(),
            lane: Some("A".into()),
            wave: Some("1".into()),
            depends_on: vec!["a".into(), "b".into()],
            text: Template::new_item(
                "A",
                &[],
                "proompteng/lab",
                "main",
                "codex/swarm/lane-a/order-firewall",
            ),
            base_resource_version: Some("42".into()),
        };
        let m = draft.manifest();
        assert_eq!(m["metadata"]["resourceVersion"], "42");
        assert_eq!(m["spec"]["source"]["provider"], "manual");
        assert_eq!(
            m["spec"]["contract"]["requiredKeys"],
            json!(["repository", "base", "head", "stage"])
        );
        assert_eq!(
            m["spec"]["acceptanceCriteria"],
            json!(["Unit tests cover the new code"])
        );
        let item = WorkItem::from_json(&m);
        assert_eq!(item.lane.as_deref(), Some("A"));
        assert_eq!(item.depends_on, ["a", "b"]);
        assert_eq!(item.text, draft.text);
        assert_eq!(
            item.summary,
            "What this work item changes, in one or two sentences."
        );
        assert_eq!(item.head(), Some("codex/swarm/lane-a/order-firewall"));
    }
}
