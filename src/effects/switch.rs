//! `:ctx` / `:ns`: re-point the watches at another context or namespace without a restart.
use crate::app::msg::{Msg, OpResult, SourceEvent};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Switches the watched context/namespace without a restart: the old watchers are stopped (and
/// awaited, so none of their events can arrive after the switch), a new client is connected, and
/// new watchers start.
#[derive(Clone)]
pub struct KubeControl {
    client: crate::sources::kube::SharedClient,
    target: Arc<tokio::sync::Mutex<crate::sources::kube::Target>>,
    watchers: Arc<tokio::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    on_screen: tokio::sync::watch::Receiver<crate::sources::kube_watch::OnScreen>,
}

impl KubeControl {
    pub fn new(
        client: crate::sources::kube::SharedClient,
        target: crate::sources::kube::Target,
        watchers: Vec<tokio::task::JoinHandle<()>>,
    ) -> KubeControl {
        KubeControl {
            client,
            target: Arc::new(tokio::sync::Mutex::new(target)),
            watchers: Arc::new(tokio::sync::Mutex::new(watchers)),
            on_screen: crate::sources::kube_watch::nothing_on_screen(),
        }
    }

    /// The watches started on a switch are told which runs are on screen.
    pub fn seeing(
        mut self,
        on_screen: tokio::sync::watch::Receiver<crate::sources::kube_watch::OnScreen>,
    ) -> KubeControl {
        self.on_screen = on_screen;
        self
    }

    /// The kubeconfig's context names, for `:ctx` completion.
    pub fn contexts() -> Vec<String> {
        kube::config::Kubeconfig::read()
            .map(|k| k.contexts.into_iter().map(|c| c.name).collect())
            .unwrap_or_default()
    }

    pub(super) async fn switch(
        &self,
        context: Option<String>,
        namespace: Option<String>,
        tx: mpsc::Sender<Msg>,
    ) {
        let mut target = self.target.lock().await.clone();
        if let Some(c) = context {
            target.context = Some(c);
            // A new context starts in its own default namespace unless one is named.
            if namespace.is_none() {
                target.namespace = None;
                target.all_namespaces = false;
            }
        }
        if let Some(ns) = namespace {
            target.all_namespaces = ns == "all";
            target.namespace = (ns != "all").then_some(ns);
        }
        let conn = match target.connect().await {
            Ok(c) => c,
            Err(e) => {
                let text = format!("not switched: {e:#}");
                let _ = tx.send(Msg::Source(SourceEvent::Notice(text))).await;
                return;
            }
        };
        let mut watchers = self.watchers.lock().await;
        for w in watchers.drain(..) {
            w.abort();
            let _ = w.await;
        }
        self.client.set(conn.client.clone());
        let switched = OpResult::TargetSwitched {
            context: conn.context.clone(),
            namespace: conn.namespace.clone(),
        };
        let _ = tx.send(Msg::Op(switched)).await;
        *watchers = crate::sources::kube::spawn_watchers_seeing(&conn, tx, &self.on_screen);
        *self.target.lock().await = target;
    }
}
