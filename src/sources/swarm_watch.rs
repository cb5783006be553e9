//! Watches upstream Swarms (`swarms.swarm.proompteng.ai`). Most clusters do not have that CRD:
//! then nothing is shown and nothing is wrong — the watch looks again now and then, so a CRD
//! installed later appears without a restart.
use crate::app::control::SwarmEvent;
use crate::app::msg::{Msg, SourceEvent};
use crate::domain::ObjectKey;
use crate::domain::swarm::{self, Swarm};
use futures::StreamExt;
use kube::Client;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use std::time::Duration;
use tokio::sync::mpsc;

/// How long to wait before looking for the CRD again.
const ABSENT_RECHECK: Duration = Duration::from_secs(60);

pub fn api_resource() -> ApiResource {
    let gvk = GroupVersionKind::gvk(swarm::GROUP, swarm::VERSION, swarm::KIND);
    ApiResource::from_gvk_with_plural(&gvk, swarm::PLURAL)
}

pub fn api(client: &Client, namespace: Option<&str>) -> Api<DynamicObject> {
    let ar = api_resource();
    match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

fn to_swarm(obj: &DynamicObject) -> Swarm {
    Swarm::from_json(&serde_json::to_value(obj).unwrap_or_default())
}

/// Lists Swarms once (headless commands); `Ok(empty)` when the CRD is not installed.
pub async fn list(client: &Client, namespace: Option<&str>) -> Result<Vec<Swarm>, String> {
    match api(client, namespace).list(&ListParams::default()).await {
        Ok(list) => Ok(list.items.iter().map(to_swarm).collect()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(Vec::new()),
        Err(e) => Err(crate::domain::sanitize::one_line(&e.to_string())),
    }
}

async fn send(tx: &mpsc::Sender<Msg>, event: SwarmEvent) -> bool {
    tx.send(Msg::Source(SourceEvent::Swarm(event)))
        .await
        .is_ok()
}

/// Runs until the receiver goes.
pub async fn run(client: Client, namespace: Option<String>, tx: mpsc::Sender<Msg>) {
    let api = api(&client, namespace.as_deref());
    loop {
        // Is the kind served at all? A 404 is the usual answer and means "no Swarms here".
        match api.list(&ListParams::default().limit(1)).await {
            Err(kube::Error::Api(s)) if s.code == 404 || s.code == 403 => {
                if !send(&tx, SwarmEvent::Absent).await {
                    return;
                }
                tokio::time::sleep(ABSENT_RECHECK).await;
                continue;
            }
            Err(e) => {
                tracing::debug!(error = %e, "swarms: list failed, retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
            Ok(_) => {}
        }
        let mut stream = watcher::watcher(api.clone(), watcher::Config::default())
            .default_backoff()
            .boxed();
        while let Some(event) = stream.next().await {
            let event = match event {
                Ok(Event::Init) => SwarmEvent::ResyncStarted,
                Ok(Event::InitApply(obj) | Event::Apply(obj)) => {
                    SwarmEvent::Applied(Box::new(to_swarm(&obj)))
                }
                Ok(Event::InitDone) => SwarmEvent::ResyncDone,
                Ok(Event::Delete(obj)) => SwarmEvent::Deleted(ObjectKey::new(
                    obj.metadata.namespace.clone().unwrap_or_default(),
                    obj.metadata.name.clone().unwrap_or_default(),
                )),
                Err(e) => {
                    // The CRD was removed under us: back to looking for it.
                    if matches!(&e, watcher::Error::WatchError(s) if s.code == 404)
                        || matches!(&e, watcher::Error::InitialListFailed(kube::Error::Api(s)) if s.code == 404)
                    {
                        break;
                    }
                    tracing::debug!(error = %e, "swarms: watch error (retrying)");
                    continue;
                }
            };
            if !send(&tx, event).await {
                return;
            }
        }
    }
}
