//! Runs whose deletion was requested but which are still there: a finalizer
//! (`agents.proompteng.ai/runtime-cleanup`) holds them until the controller has torn the runtime
//! down. For a while that is normal; longer means the controller is not doing it.
use crate::domain::Run;
use chrono::{DateTime, Duration, Utc};

/// The controller's own finalizer on AgentRuns.
pub const RUNTIME_CLEANUP: &str = "agents.proompteng.ai/runtime-cleanup";

/// Terminating longer than this (with a finalizer left) is stuck.
pub const STUCK_AFTER: Duration = Duration::minutes(2);

#[derive(Debug, Clone, PartialEq)]
pub struct Terminating {
    pub since: DateTime<Utc>,
    pub finalizers: Vec<String>,
    /// Deletion pending for longer than the threshold, finalizers still there.
    pub stuck: bool,
}

impl Terminating {
    /// `deletion stuck 5m on agents.proompteng.ai/runtime-cleanup` / `deleting (2 finalizers)`
    pub fn headline(&self, now: DateTime<Utc>) -> String {
        let age = crate::domain::clock::age(now, self.since);
        if self.stuck {
            format!("deletion stuck {age} on {}", self.finalizers.join(", "))
        } else if self.finalizers.is_empty() {
            format!("deleting ({age})")
        } else {
            format!(
                "deleting ({age}, waiting for {})",
                self.finalizers.join(", ")
            )
        }
    }
}

pub fn terminating(run: &Run, now: DateTime<Utc>, stuck_after: Duration) -> Option<Terminating> {
    let since = run.deletion_requested?;
    Some(Terminating {
        since,
        finalizers: run.finalizers.clone(),
        stuck: !run.finalizers.is_empty()
            && crate::domain::clock::older_than(now, since, stuck_after),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finalizer_past_the_threshold_is_stuck() {
        let run = Run::from_json(&json!({"metadata": {"name": "r", "namespace": "n",
            "deletionTimestamp": "2026-03-01T10:00:00Z", "finalizers": [RUNTIME_CLEANUP]}}));
        let t0: DateTime<Utc> = "2026-03-01T10:00:00Z".parse().expect("test fixture");
        let t = terminating(&run, t0 + Duration::seconds(30), STUCK_AFTER).expect("test fixture");
        assert!(!t.stuck);
        assert_eq!(
            t.headline(t0 + Duration::seconds(30)),
            "deleting (30s, waiting for agents.proompteng.ai/runtime-cleanup)"
        );
        let t = terminating(&run, t0 + Duration::minutes(5), STUCK_AFTER).expect("test fixture");
        assert!(t.stuck);
        assert_eq!(
            t.headline(t0 + Duration::minutes(5)),
            "deletion stuck 5m on agents.proompteng.ai/runtime-cleanup"
        );
        let live = Run::from_json(&json!({"metadata": {"name": "r", "namespace": "n"}}));
        assert_eq!(terminating(&live, t0, STUCK_AFTER), None);
    }
}
