//! Objects as the watches and lists decode them: each straight into its view-model as it comes
//! off the wire. An AgentRun builds no JSON tree ([`crate::domain::run_doc`]; only its conditions,
//! workflow steps and runner report, when it has them, are read as JSON); a work item
//! is decoded as JSON without `metadata.managedFields` ([`super::lean`]) because it keeps the rest
//! of its spec as JSON (the approval hash covers it), and there are far fewer of them.
use super::lean::Lean;
use crate::app::msg::Resource;
use crate::domain::run_doc::WireRun;
use crate::domain::{ObjectKey, ResourceKind, Run, WorkItem};
use futures::StreamExt;
use futures::stream::BoxStream;
use kube::api::{ListParams, ObjectList, WatchEvent};
use serde_json::Value;

/// One object of a watched kind, decoded.
#[derive(Debug, Clone)]
pub struct Object(pub Resource);

impl Object {
    /// An object of `kind` read from a JSON tree.
    pub fn of(kind: ResourceKind, obj: &Value) -> Object {
        Object(match kind {
            ResourceKind::AgentRun => Resource::Run(Box::new(Run::from_json(obj))),
            ResourceKind::ImplementationSpec => {
                Resource::WorkItem(Box::new(WorkItem::from_json(obj)))
            }
        })
    }

    /// Its namespace and name (empty when the object has none).
    pub fn key(&self) -> &ObjectKey {
        self.0.key()
    }

    pub fn resource_version(&self) -> Option<&str> {
        match &self.0 {
            Resource::Run(r) => r.resource_version.as_deref(),
            Resource::WorkItem(w) => w.resource_version.as_deref(),
        }
    }

    /// A run still in flight: its status is what changes next. Work items change only when
    /// someone edits them.
    pub fn in_flight(&self) -> bool {
        match &self.0 {
            Resource::Run(r) => r.phase.is_in_flight(),
            Resource::WorkItem(_) => false,
        }
    }
}

/// The watch events of one kind, their objects decoded.
pub type EventStream = BoxStream<'static, kube::Result<WatchEvent<Object>>>;

/// A watch event with its object turned into another form.
pub fn map_event<A, B>(event: WatchEvent<A>, into: impl FnOnce(A) -> B) -> WatchEvent<B> {
    match event {
        WatchEvent::Added(o) => WatchEvent::Added(into(o)),
        WatchEvent::Modified(o) => WatchEvent::Modified(into(o)),
        WatchEvent::Deleted(o) => WatchEvent::Deleted(into(o)),
        WatchEvent::Bookmark(b) => WatchEvent::Bookmark(b),
        WatchEvent::Error(e) => WatchEvent::Error(e),
    }
}

impl From<WireRun> for Object {
    fn from(r: WireRun) -> Object {
        Object(Resource::Run(Box::new(r.0)))
    }
}

fn work_item(o: Lean) -> Object {
    Object(Resource::WorkItem(Box::new(WorkItem::from_json(&o.0))))
}

/// Opens a watch request of `kind`.
pub async fn watch(
    client: &kube::Client,
    request: http::Request<Vec<u8>>,
    kind: ResourceKind,
) -> kube::Result<EventStream> {
    Ok(match kind {
        ResourceKind::AgentRun => client
            .request_events::<WireRun>(request)
            .await?
            .map(|e| e.map(|e| map_event(e, Object::from)))
            .boxed(),
        ResourceKind::ImplementationSpec => client
            .request_events::<Lean>(request)
            .await?
            .map(|e| e.map(|e| map_event(e, work_item)))
            .boxed(),
    })
}

/// One list request (a page with `params.limit`) of `kind` at `url`.
pub async fn list(
    client: &kube::Client,
    url: &str,
    params: &ListParams,
    kind: ResourceKind,
) -> kube::Result<ObjectList<Object>> {
    let mut request = kube::core::Request::new(url)
        .list(params)
        .map_err(kube::Error::BuildRequest)?;
    request.extensions_mut().insert("list");
    Ok(match kind {
        ResourceKind::AgentRun => items_into(
            client.request::<ObjectList<WireRun>>(request).await?,
            Object::from,
        ),
        ResourceKind::ImplementationSpec => items_into(
            client.request::<ObjectList<Lean>>(request).await?,
            work_item,
        ),
    })
}

/// The object `name` of `kind` in the collection at `url`, read with one GET; `None` when the
/// server says it does not exist (404). A GET is served from storage, not from the watch cache, so
/// it answers while the server still rebuilds that cache after a restart.
pub async fn get(
    client: &kube::Client,
    url: &str,
    name: &str,
    kind: ResourceKind,
) -> kube::Result<Option<Object>> {
    let mut request = kube::core::Request::new(url)
        .get(name, &kube::api::GetParams::default())
        .map_err(kube::Error::BuildRequest)?;
    request.extensions_mut().insert("get");
    let found = match kind {
        ResourceKind::AgentRun => client.request::<WireRun>(request).await.map(Object::from),
        ResourceKind::ImplementationSpec => client.request::<Lean>(request).await.map(work_item),
    };
    match found {
        Ok(obj) => Ok(Some(obj)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(e),
    }
}

fn items_into<A: Clone, B: Clone>(page: ObjectList<A>, into: impl Fn(A) -> B) -> ObjectList<B> {
    ObjectList {
        types: page.types,
        metadata: page.metadata,
        items: page.items.into_iter().map(into).collect(),
    }
}
