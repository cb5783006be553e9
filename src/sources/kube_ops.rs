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
