//! Mutations of work items through the real API server: create, update with optimistic
//! concurrency (merge patch carrying the base resourceVersion → 409 on a concurrent change), and
//! annotation patches for approval. Errors keep the server's own words.
use super::kube::api;
use crate::app::msg::OpResult;
use crate::domain::manifest::ItemDraft;
use crate::domain::{ResourceKind, WorkItem};
use kube::Client;
use kube::api::{DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

fn to_item(obj: &DynamicObject) -> WorkItem {
    WorkItem::from_json(&serde_json::to_value(obj).unwrap_or(Value::Null))
}

/// Creates or updates a work item. An update patches only the fields the cockpit owns, so fields
/// written by others (and approval annotations) survive.
pub async fn save_work_item(client: &Client, draft: &ItemDraft, create: bool) -> OpResult {
    let api = api(
        client,
        Some(&draft.namespace),
        ResourceKind::ImplementationSpec,
    );
    let manifest = draft.manifest();
    if create {
        let obj: DynamicObject = match serde_json::from_value(manifest) {
            Ok(o) => o,
            Err(e) => return OpResult::SaveFailed(format!("cannot build the object: {e}")),
        };
        return match api.create(&PostParams::default(), &obj).await {
            Ok(created) => OpResult::Saved(Box::new(to_item(&created))),
            Err(kube::Error::Api(s)) if s.code == 409 => OpResult::SaveFailed(format!(
                "a work item named {} already exists in {}: pick another name",
                draft.name, draft.namespace
            )),
            Err(e) => OpResult::SaveFailed(describe(&e)),
        };
    }
    let patch = json!({
        "metadata": {
            "resourceVersion": manifest["metadata"]["resourceVersion"],
            "labels": manifest["metadata"]["labels"],
            "annotations": manifest["metadata"]["annotations"],
        },
        "spec": manifest["spec"],
    });
    match api
        .patch(&draft.name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
    {
        Ok(saved) => OpResult::Saved(Box::new(to_item(&saved))),
        Err(kube::Error::Api(s)) if s.code == 409 => match api.get(&draft.name).await {
            Ok(theirs) => OpResult::SaveConflict(Box::new(to_item(&theirs))),
            Err(e) => OpResult::SaveFailed(format!(
                "conflict, and their version cannot be read: {}",
                describe(&e)
            )),
        },
        Err(e) => OpResult::SaveFailed(describe(&e)),
    }
}

pub async fn patch_work_item(
    client: &Client,
    item: &WorkItem,
    patch: &Value,
    what: &str,
) -> OpResult {
    let api = api(
        client,
        Some(&item.key.namespace),
        ResourceKind::ImplementationSpec,
    );
    match api
        .patch(
            &item.key.name,
            &PatchParams::default(),
            &Patch::Merge(patch),
        )
        .await
    {
        Ok(obj) => OpResult::Patched {
            what: what.to_owned(),
            item: Box::new(to_item(&obj)),
        },
        Err(kube::Error::Api(s)) if s.code == 409 => OpResult::PatchFailed {
            what: what.to_owned(),
            message: "the work item changed since you looked at it: check it again, then retry"
                .into(),
        },
        Err(e) => OpResult::PatchFailed {
            what: what.to_owned(),
            message: describe(&e),
        },
    }
}

/// The server's message for API errors (422 says which field and why), else the error itself.
fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} ({} {})", s.message, s.code, s.reason),
        other => other.to_string(),
    }
}

/// Creates one AgentRun of a launch. AlreadyExists is success: the same wave launched twice, or
/// by two operators at once, creates each run exactly once (names are deterministic).
pub async fn create_run(client: &Client, manifest: &Value) -> crate::app::msg::LaunchOutcome {
    use crate::app::msg::LaunchOutcome;
    let namespace = manifest["metadata"]["namespace"]
        .as_str()
        .unwrap_or("default");
    let api = api(client, Some(namespace), ResourceKind::AgentRun);
    let obj: DynamicObject = match serde_json::from_value(manifest.clone()) {
        Ok(o) => o,
        Err(e) => return LaunchOutcome::Failed(format!("cannot build the object: {e}")),
    };
    match api.create(&PostParams::default(), &obj).await {
        Ok(_) => LaunchOutcome::Created,
        Err(kube::Error::Api(s)) if s.code == 409 && s.reason == "AlreadyExists" => {
            LaunchOutcome::Exists
        }
        Err(e) => LaunchOutcome::Failed(describe(&e)),
    }
}

/// Cancels a run as upstream's CLI does: deletes its Jobs (with their pods: Background
/// propagation), keeps the AgentRun for the record and notes who cancelled it.
pub async fn cancel_run(
    client: &Client,
    key: &crate::domain::ObjectKey,
    operator: &str,
) -> Result<(), String> {
    use k8s_openapi::api::batch::v1::Job;
    use kube::api::{DeleteParams, ListParams};
    let jobs: kube::Api<Job> = kube::Api::namespaced(client.clone(), &key.namespace);
    let selector = format!("{}={}", crate::domain::labels::AGENT_RUN, key.name);
    jobs.delete_collection(
        &DeleteParams::background(),
        &ListParams::default().labels(&selector),
    )
    .await
    .map_err(|e| describe(&e))?;
    let runs = api(client, Some(&key.namespace), ResourceKind::AgentRun);
    let note = json!({"metadata": {"annotations": {
        crate::domain::wave::CANCELLED_BY: format!("{operator} at {}", chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    }}});
    runs.patch(&key.name, &PatchParams::default(), &Patch::Merge(&note))
        .await
        .map(|_| ())
        .map_err(|e| describe(&e))
}

/// Deletes an AgentRun (its finalizer tears the runtime down first).
pub async fn delete_run(client: &Client, key: &crate::domain::ObjectKey) -> Result<(), String> {
    let runs = api(client, Some(&key.namespace), ResourceKind::AgentRun);
    match runs
        .delete(&key.name, &kube::api::DeleteParams::background())
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(e) => Err(describe(&e)),
    }
}

/// Retains a finished run past its TTL: a merge patch adding `agents.proompteng.ai/retain:
/// "true"` (nothing else changes; the spec is immutable anyway).
pub async fn retain_run(client: &Client, key: &crate::domain::ObjectKey) -> Result<(), String> {
    let runs = api(client, Some(&key.namespace), ResourceKind::AgentRun);
    runs.patch(
        &key.name,
        &PatchParams::default(),
        &Patch::Merge(&crate::domain::control::retention::retain_patch()),
    )
    .await
    .map(|_| ())
    .map_err(|e| match &e {
        kube::Error::Api(s) if s.code == 404 => {
            "the run is gone (its TTL may already have deleted it)".to_owned()
        }
        _ => describe(&e),
    })
}
