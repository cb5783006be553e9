//! Tasks that feed the app messages: the Kubernetes watchers and the embedded demo swarm speak the
//! same `SourceEvent`s, so the demo exercises the whole app.
pub mod audit;
pub mod browser;
pub mod demo;
pub mod demo_logs;
pub mod drafts;
pub mod github;
pub mod kube;
pub mod kube_ops;
pub mod kube_watch;
pub mod logs;
