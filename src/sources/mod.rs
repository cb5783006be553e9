//! Tasks that feed the app messages: the Kubernetes watchers and the embedded demo swarm speak the
//! same `SourceEvent`s, so the demo exercises the whole app.
pub mod demo;
pub mod kube;
