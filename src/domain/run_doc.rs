//! The fields of an AgentRun the cockpit reads, as slots decoded straight off the wire (see
//! [`super::lenient`]): a watch of 10,000 runs builds no JSON tree per object. `Run::from_doc`
//! turns them into the view-model; `Run::from_json` decodes a JSON tree into the same slots, so
//! both paths share every rule.
use super::lenient::{Field, Obj, Shape, StrMap};
use crate::lenient_fields;
use compact_str::CompactString;
use serde::de::{Deserialize, Deserializer, Error};
use serde_json::Value;

/// Short strings mostly (names, versions, times): kept inline.
type Text = Field<CompactString>;
type Strings = Field<Vec<Field<String>>>;

lenient_fields! {
    /// An AgentRun object.
    pub struct RunDoc {
        "metadata" => metadata: Obj<MetaDoc>,
        "spec" => spec: Obj<SpecDoc>,
        "status" => status: Obj<StatusDoc>,
    }
}

lenient_fields! {
    pub struct MetaDoc {
        "namespace" => namespace: Text,
        "name" => name: Text,
        "uid" => uid: Text,
        "resourceVersion" => resource_version: Text,
        "creationTimestamp" => created: Text,
        "deletionTimestamp" => deletion: Text,
        "labels" => labels: Field<StrMap>,
        "annotations" => annotations: Field<StrMap>,
        "finalizers" => finalizers: Strings,
    }
}

lenient_fields! {
    pub struct SpecDoc {
        "parameters" => parameters: Field<StrMap>,
        "implementationSpecRef" => implementation_spec_ref: Obj<NameDoc>,
        "implementation" => implementation: Obj<ImplementationDoc>,
        "agentRef" => agent_ref: Obj<NameDoc>,
        "runtime" => runtime: Obj<TypeDoc>,
        "ttlSecondsAfterFinished" => ttl_after_finished: Field<i64>,
        "idempotencyKey" => idempotency_key: Text,
    }
}

lenient_fields! {
    pub struct NameDoc { "name" => name: Text }
}

lenient_fields! {
    pub struct TypeDoc { "type" => type_: Text }
}

lenient_fields! {
    pub struct ImplementationDoc { "inline" => inline: Obj<InlineDoc> }
}

lenient_fields! {
    pub struct InlineDoc { "summary" => summary: Text }
}

lenient_fields! {
    pub struct StatusDoc {
        "phase" => phase: Text,
        "reason" => reason: Text,
        "message" => message: Text,
        "startedAt" => started_at: Text,
        "finishedAt" => finished_at: Text,
        "updatedAt" => updated_at: Text,
        // Conditions, steps and the runner's report are read by their own readers from JSON:
        // small, and absent from most runs of a big board.
        "conditions" => conditions: Option<Value>,
        "workflow" => workflow: Obj<WorkflowDoc>,
        "runner" => runner: Option<Value>,
        "runtimeRef" => runtime_ref: Obj<RuntimeRefDoc>,
        "artifacts" => artifacts: Field<Vec<Obj<ArtifactDoc>>>,
        "vcs" => vcs: Obj<VcsDoc>,
        "contract" => contract: Obj<ContractDoc>,
    }
}

lenient_fields! {
    pub struct WorkflowDoc { "steps" => steps: Option<Value> }
}

lenient_fields! {
    pub struct RuntimeRefDoc {
        "type" => type_: Field<String>,
        "name" => name: Field<String>,
        "namespace" => namespace: Field<String>,
    }
}

lenient_fields! {
    pub struct ArtifactDoc { "url" => url: Text }
}

lenient_fields! {
    pub struct VcsDoc {
        "repository" => repository: Text,
        "headBranch" => head_branch: Text,
    }
}

lenient_fields! {
    pub struct ContractDoc {
        "requiredKeys" => required_keys: Strings,
        "missingKeys" => missing_keys: Strings,
    }
}

/// An AgentRun as a watch event or a list page carries it, decoded into its view-model without a
/// JSON tree. It accepts what the watches' JSON decoding accepts ([`crate::sources::lean`]): an
/// object or `null`, with metadata that is a map when it is there at all; anything else is no
/// Kubernetes object and fails like a malformed event.
#[derive(Debug, Clone, PartialEq)]
pub struct WireRun(pub super::Run);

impl<'de> Deserialize<'de> for WireRun {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let doc = Obj::<RunDoc>::deserialize(d)?;
        match doc.shape {
            Shape::Map | Shape::Null => {}
            Shape::Missing | Shape::Other => {
                return Err(D::Error::custom(
                    "invalid type: expected a Kubernetes object (a map)",
                ));
            }
        }
        if matches!(doc.fields.metadata.shape, Shape::Null | Shape::Other) {
            return Err(D::Error::custom(
                "invalid type: expected an object's metadata (a map)",
            ));
        }
        Ok(WireRun(super::Run::from_doc(doc.fields)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Run;
    use crate::sources::lean::Lean;
    use proptest::prelude::*;
    use serde_json::json;

    /// `v` as JSON text with the keys of every object in an order picked by `order` (a JSON
    /// tree's own text would always list them sorted).
    fn text_in_any_key_order(v: &Value, order: u64) -> String {
        use std::hash::{Hash, Hasher};
        match v {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by_key(|(k, _)| {
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    (order, k).hash(&mut h);
                    h.finish()
                });
                let inner: Vec<String> = entries
                    .into_iter()
                    .map(|(k, v)| {
                        let key = serde_json::to_string(k).expect("a key");
                        format!("{key}:{}", text_in_any_key_order(v, order))
                    })
                    .collect();
                format!("{{{}}}", inner.join(","))
            }
            Value::Array(items) => {
                let inner: Vec<String> = items
                    .iter()
                    .map(|i| text_in_any_key_order(i, order))
                    .collect();
                format!("[{}]", inner.join(","))
            }
            other => serde_json::to_string(other).expect("a scalar"),
        }
    }

    /// A value of any kind, a few levels deep; wrong kinds anywhere are the point.
    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            Just(json!(u64::MAX)),
            Just(json!(1.5)),
            "[a-z\u{1b}\n ]{0,5}".prop_map(Value::String),
            Just(json!("2026-02-10T10:00:00Z")),
        ];
        leaf.prop_recursive(2, 12, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{1,2}|url|name|type", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// What a field at a read path may hold: mostly the right kind, often not.
    fn string_or_any() -> impl Strategy<Value = Value> {
        prop_oneof![
            3 => "[a-zA-Z0-9/\\-\u{7} ]{0,12}".prop_map(Value::String),
            1 => Just(json!("2026-02-10T10:00:00Z")),
            1 => Just(json!("v2:0123456789abcdef0123")),
            1 => Just(json!("true")),
            2 => any_value(),
        ]
    }

    /// What an integer field may hold: edges of the integer kinds, and other kinds.
    fn int_or_any() -> BoxedStrategy<Value> {
        prop_oneof![
            2 => any::<i64>().prop_map(|n| json!(n)),
            1 => Just(json!(i64::MAX as u64 + 1)),
            1 => Just(json!(u64::MAX)),
            1 => Just(json!(-0.0)),
            1 => Just(json!(3.0)),
            1 => Just(json!("7")),
            1 => any_value(),
        ]
        .boxed()
    }

    fn string_map() -> impl Strategy<Value = Value> {
        let key = prop_oneof![
            Just("swarm.proompteng.ai/lane".to_owned()),
            Just("swarm.proompteng.ai/wave".to_owned()),
            Just("swarm.proompteng.ai/work-item".to_owned()),
            Just(crate::domain::labels::TEMPLATE.to_owned()),
            Just(crate::domain::wave::CONTENT_HASH.to_owned()),
            Just(crate::domain::wave::CANCELLED_BY.to_owned()),
            Just(crate::domain::control::retention::RETAIN.to_owned()),
            Just("repository".to_owned()),
            Just("head".to_owned()),
            "[a-z \u{1b}]{1,3}",
        ];
        prop_oneof![
            4 => proptest::collection::btree_map(key, string_or_any(), 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            1 => any_value(),
        ]
    }

    fn string_list() -> impl Strategy<Value = Value> {
        prop_oneof![
            3 => proptest::collection::vec(string_or_any(), 0..3).prop_map(Value::Array),
            1 => any_value(),
        ]
    }

    /// An object from optional entries: each key present or not.
    fn object(entries: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
        let parts: Vec<_> = entries
            .into_iter()
            .map(|(k, v)| proptest::option::weighted(0.6, v).prop_map(move |v| (k, v)))
            .collect();
        parts
            .prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .filter_map(|(k, v)| Some((k.to_owned(), v?)))
                        .collect(),
                )
            })
            .boxed()
    }

    /// An object at a read path, or something else standing there.
    fn nested(entries: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
        prop_oneof![4 => object(entries), 1 => any_value()].boxed()
    }

    fn s() -> BoxedStrategy<Value> {
        string_or_any().boxed()
    }

    fn condition() -> BoxedStrategy<Value> {
        nested(vec![
            ("type", s()),
            ("status", s()),
            ("reason", s()),
            ("message", s()),
            ("lastTransitionTime", s()),
        ])
    }

    fn step() -> BoxedStrategy<Value> {
        nested(vec![
            ("name", s()),
            ("phase", s()),
            ("attempt", int_or_any()),
            ("startedAt", s()),
            ("message", s()),
            ("jobRef", nested(vec![("name", s())])),
            ("loop", nested(vec![("currentIteration", int_or_any())])),
        ])
    }

    /// AgentRun-shaped objects with every read path present or not, and of the wrong kind often.
    fn agent_run() -> BoxedStrategy<Value> {
        let metadata = nested(vec![
            ("name", s()),
            ("namespace", s()),
            ("uid", s()),
            ("resourceVersion", s()),
            ("creationTimestamp", s()),
            ("deletionTimestamp", s()),
            ("labels", string_map().boxed()),
            ("annotations", string_map().boxed()),
            ("finalizers", string_list().boxed()),
            ("managedFields", any_value().boxed()),
        ]);
        let spec = nested(vec![
            ("parameters", string_map().boxed()),
            ("implementationSpecRef", nested(vec![("name", s())])),
            (
                "implementation",
                nested(vec![("inline", nested(vec![("summary", s())]))]),
            ),
            ("agentRef", nested(vec![("name", s())])),
            ("runtime", nested(vec![("type", s())])),
            ("ttlSecondsAfterFinished", int_or_any()),
            ("idempotencyKey", s()),
            ("other", any_value().boxed()),
        ]);
        let list_of = |item: BoxedStrategy<Value>| {
            prop_oneof![
                4 => proptest::collection::vec(item, 0..3).prop_map(Value::Array),
                1 => any_value(),
            ]
            .boxed()
        };
        let status = nested(vec![
            ("phase", s()),
            ("reason", s()),
            ("message", s()),
            ("startedAt", s()),
            ("finishedAt", s()),
            ("updatedAt", s()),
            ("conditions", list_of(condition())),
            ("workflow", nested(vec![("steps", list_of(step()))])),
            (
                "runner",
                nested(vec![("exitCode", any_value().boxed()), ("model", s())]),
            ),
            (
                "runtimeRef",
                nested(vec![("type", s()), ("name", s()), ("namespace", s())]),
            ),
            ("artifacts", list_of(nested(vec![("url", s())]))),
            (
                "vcs",
                nested(vec![("repository", s()), ("headBranch", s())]),
            ),
            (
                "contract",
                nested(vec![
                    ("requiredKeys", string_list().boxed()),
                    ("missingKeys", string_list().boxed()),
                ]),
            ),
        ]);
        object(vec![
            ("apiVersion", s()),
            ("kind", s()),
            ("metadata", metadata),
            ("spec", spec),
            ("status", status),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Off the wire, a run is exactly what the path-by-path reading of its JSON tree makes of
        /// it, problems and their order included; and an object is refused exactly when the
        /// watches' JSON decoding refuses it.
        #[test]
        fn a_run_off_the_wire_is_the_run_its_json_tree_reads_as(obj in prop_oneof![
            8 => agent_run(),
            1 => any_value(),
        ], order in any::<u64>()) {
            let text = text_in_any_key_order(&obj, order);
            let wire: Result<WireRun, _> = serde_json::from_str(&text);
            let tree: Result<Lean, _> = serde_json::from_str(&text);
            match (wire, tree) {
                (Ok(WireRun(run)), Ok(Lean(tree))) => {
                    let expected = reference::from_json(&tree);
                    prop_assert_eq!(&run, &expected);
                    // The tree path shares the slots; it must read the same.
                    prop_assert_eq!(Run::from_json(&tree), expected);
                }
                (Err(_), Err(_)) => {}
                (wire, tree) => prop_assert!(
                    false,
                    "accepted differently: wire {:?}, tree {:?}",
                    wire.map(|_| ()),
                    tree.map(|_| ())
                ),
            }
        }
    }

    #[test]
    fn a_watch_event_of_a_run_decodes_off_the_wire() {
        let text = r#"{"type":"MODIFIED","object":{"kind":"AgentRun","metadata":{"name":"a","namespace":"n","resourceVersion":"7","managedFields":[{"manager":"x"}],"labels":{"swarm.proompteng.ai/lane":" B "}},"spec":{"agentRef":{"name":"codex"},"ttlSecondsAfterFinished":1.5},"status":{"phase":"Running","artifacts":[{"url":"https://x/1"},{"url":2},"x"]}}}"#;
        let event: kube::api::WatchEvent<WireRun> = serde_json::from_str(text).expect("event");
        let kube::api::WatchEvent::Modified(WireRun(run)) = event else {
            panic!("a MODIFIED event");
        };
        assert_eq!(run.key.name, "a");
        assert_eq!(run.resource_version.as_deref(), Some("7"));
        assert_eq!(run.lane.as_deref(), Some("B"));
        assert_eq!(run.agent.as_deref(), Some("codex"));
        assert_eq!(run.phase, crate::domain::Phase::Running);
        assert_eq!(run.artifact_urls, vec!["https://x/1"]);
        assert_eq!(
            run.problems,
            vec!["spec.ttlSecondsAfterFinished: expected an integer, got a number"]
        );
        assert!(serde_json::from_str::<WireRun>(r#"{"metadata":[1]}"#).is_err());
        assert!(serde_json::from_str::<WireRun>(r#""a run""#).is_err());
        assert!(serde_json::from_str::<WireRun>("null").is_ok());
    }

    /// `Run::from_json` as it was written path by path over a JSON tree, before the slots: the
    /// oracle the slots are checked against. Kept verbatim in meaning; do not "simplify" it
    /// through the slots.
    mod reference {
        use crate::domain::fields::{Meta, Reader};
        use crate::domain::run::{Condition, Parameters, RuntimeRef, derive_phase, long, short};
        use crate::domain::{ObjectKey, Run, control, labels, sanitize, wave};
        use compact_str::CompactString;
        use serde_json::Value;

        /// Conditions are read from JSON on both paths, by the same reader.
        fn read_conditions(r: &mut Reader, obj: &Value) -> Vec<Condition> {
            let found = r.at(obj, "status.conditions");
            crate::domain::run::read_conditions(r, found)
        }

        pub fn from_json(obj: &Value) -> Run {
            let mut r = Reader::default();
            let meta = Meta::read(&mut r, obj);
            let conditions = read_conditions(&mut r, obj);
            let parameters: Parameters = r
                .string_map(obj, "spec.parameters")
                .into_iter()
                .map(|(k, v)| (sanitize::one_line(&k), sanitize::one_line(&v)))
                .collect();
            let raw_phase = r.string(obj, "status.phase");
            let is_template = meta
                .annotations
                .get(labels::TEMPLATE)
                .is_some_and(|v| v == "true");
            let phase = derive_phase(raw_phase.as_deref(), &conditions);
            let work_item = r
                .string(obj, "spec.implementationSpecRef.name")
                .or_else(|| meta.labels.get(labels::WORK_ITEM).cloned())
                .map(CompactString::from);
            let runtime_ref = r.at(obj, "status.runtimeRef").map(|_| {
                Box::new(RuntimeRef {
                    type_: r.string(obj, "status.runtimeRef.type"),
                    name: r.string(obj, "status.runtimeRef.name"),
                    namespace: r.string(obj, "status.runtimeRef.namespace"),
                })
            });
            let artifact_urls = r
                .array(obj, "status.artifacts")
                .iter()
                .filter_map(|a| a.get("url").and_then(Value::as_str))
                .map(sanitize::one_line)
                .collect();
            let repository = r
                .string(obj, "status.vcs.repository")
                .map(|s| sanitize::one_line(&s))
                .or_else(|| parameters.get("repository").map(str::to_owned))
                .map(CompactString::from);
            let vcs_head_branch = r
                .string(obj, "status.vcs.headBranch")
                .map(|s| CompactString::from(sanitize::one_line(&s)));
            let requested_head = parameters.get("head").map(CompactString::from);
            let head_branch = vcs_head_branch.clone().or_else(|| requested_head.clone());
            let steps = {
                let found = r.at(obj, "status.workflow.steps");
                control::steps::read_steps(&mut r, found)
            };
            let runner = {
                let found = r.at(obj, "status.runner");
                control::steps::read_runner(&mut r, found).map(Box::new)
            };
            let finalizers = r
                .string_list(obj, "metadata.finalizers")
                .iter()
                .map(|f| short(f))
                .collect();
            let retained = meta
                .annotations
                .get(control::retention::RETAIN)
                .is_some_and(|v| v.trim() == "true");
            let launched_from = meta
                .annotations
                .get(wave::CONTENT_HASH)
                .and_then(|h| crate::domain::run::hash_fingerprint(h));
            let cancelled_by = meta
                .annotations
                .get(wave::CANCELLED_BY)
                .map(|v| CompactString::from(short(v)));
            Run {
                key: ObjectKey::new(meta.namespace, meta.name),
                uid: meta.uid.map(CompactString::from),
                resource_version: meta.resource_version.map(CompactString::from),
                created: meta.created,
                lane: meta.labels.get(labels::LANE).map(|s| s.trim().into()),
                wave: meta.labels.get(labels::WAVE).map(CompactString::from),
                work_item,
                inline_summary: r
                    .string(obj, "spec.implementation.inline.summary")
                    .map(|s| short(&s)),
                agent: r.string(obj, "spec.agentRef.name").map(CompactString::from),
                runtime_type: r.string(obj, "spec.runtime.type").map(CompactString::from),
                phase,
                reason: r.string(obj, "status.reason").map(|s| short(&s)),
                message: r.string(obj, "status.message").map(|s| long(&s)),
                started_at: r.time(obj, "status.startedAt"),
                finished_at: r.time(obj, "status.finishedAt"),
                updated_at: r.time(obj, "status.updatedAt"),
                conditions,
                parameters,
                repository,
                head_branch,
                runtime_ref,
                required_keys: r.string_list(obj, "status.contract.requiredKeys"),
                missing_keys: r.string_list(obj, "status.contract.missingKeys"),
                artifact_urls,
                is_template,
                deletion_requested: r.time(obj, "metadata.deletionTimestamp"),
                finalizers,
                ttl_after_finished: r.int(obj, "spec.ttlSecondsAfterFinished"),
                idempotency_key: r
                    .string(obj, "spec.idempotencyKey")
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
    }
}
