//! Tasks that feed the app messages: the Kubernetes watchers and the embedded demo swarm speak the
//! same `SourceEvent`s, so the demo exercises the whole app.
pub mod audit;
pub mod backoff;
pub mod browser;
pub mod demo;
pub mod demo_cluster;
pub mod demo_logs;
pub mod drafts;
pub mod etags;
pub mod external_editor;
pub mod git;
pub mod github;
pub mod kube;
pub mod kube_ops;
pub mod kube_watch;
pub mod lean;
pub mod logs;
pub mod pr_audit;
pub mod pr_files;
pub mod signing;
pub mod swarm_watch;
pub mod wire;

/// Sends what a background task should look at, when it may have changed: `last` holds the
/// fingerprint of what was sent, so an unchanged state costs no allocation, and an equal value is
/// not sent again (the task is not woken).
pub fn publish_changed<T: PartialEq>(
    sender: &tokio::sync::watch::Sender<T>,
    fingerprint: u64,
    last: &mut Option<u64>,
    wanted: impl FnOnce() -> T,
) {
    if *last == Some(fingerprint) {
        return;
    }
    *last = Some(fingerprint);
    let wanted = wanted();
    sender.send_if_modified(|current| {
        if *current == wanted {
            false
        } else {
            *current = wanted;
            true
        }
    });
}
