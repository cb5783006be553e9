//! What happened after a cancel (`x`: the run's Jobs deleted) or a delete (`X`). Neither is
//! final by itself: a step with retries left becomes `Retrying` and starts again, and a deleted
//! run stays until its finalizer is released. The verdict is read from the run as it is now.
use super::steps::StepPhase;
use crate::domain::Run;
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Cancel,
    Delete,
}

impl Intent {
    pub fn verb(self) -> &'static str {
        match self {
            Intent::Cancel => "cancel",
            Intent::Delete => "delete",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Still on its way: what it waits for.
    Waiting(&'static str),
    /// Reached a terminal phase (the phase, and the reason when there is one).
    Ended(String),
    /// A step started again after the cancel: the run goes on.
    Restarted { step: String, attempt: Option<i64> },
    /// The object is gone.
    Deleted,
    /// Deletion requested, the finalizers still there after the threshold.
    DeletionStuck { finalizers: Vec<String> },
}

impl Outcome {
    /// Nothing more will change without the operator (or the controller recovering).
    pub fn is_final(&self) -> bool {
        !matches!(self, Outcome::Waiting(_))
    }

    /// Needs the operator: the cancel did not end the run, or the delete cannot finish.
    pub fn needs_action(&self) -> bool {
        matches!(
            self,
            Outcome::Restarted { .. } | Outcome::DeletionStuck { .. }
        )
    }

    pub fn text(&self) -> String {
        match self {
            Outcome::Waiting(what) => (*what).to_owned(),
            Outcome::Ended(phase) => format!("cancelled ({phase})"),
            Outcome::Restarted { step, attempt } => format!(
                "restarted by retry ({step}{}) — cancel again or delete",
                attempt.map(|a| format!(" attempt {a}")).unwrap_or_default()
            ),
            Outcome::Deleted => "deleted".into(),
            Outcome::DeletionStuck { finalizers } => {
                format!("deletion stuck on finalizer {}", finalizers.join(", "))
            }
        }
    }
}

/// The verdict on a cancel or delete issued at `issued_at`, from the run as it is now (`None`:
/// the object is gone).
pub fn observe(
    intent: Intent,
    issued_at: DateTime<Utc>,
    run: Option<&Run>,
    now: DateTime<Utc>,
    stuck_after: Duration,
) -> Outcome {
    let Some(run) = run else {
        return Outcome::Deleted;
    };
    if let Some(since) = run.deletion_requested {
        if !run.finalizers.is_empty() && crate::domain::clock::older_than(now, since, stuck_after) {
            return Outcome::DeletionStuck {
                finalizers: run.finalizers.clone(),
            };
        }
        return Outcome::Waiting("deleting: waiting for the controller to release the finalizer");
    }
    if intent == Intent::Delete {
        return Outcome::Waiting("deleting: waiting for the API server");
    }
    if run.phase.is_terminal() {
        let phase = match &run.reason {
            Some(r) => format!("{}: {r}", run.phase.label()),
            None => run.phase.label().to_owned(),
        };
        return Outcome::Ended(phase);
    }
    // A retry the deleted Job caused, or any step that started after the cancel.
    let restarted = run.steps.iter().find(|s| {
        s.phase == StepPhase::Retrying && s.last_transition.is_none_or(|t| t >= issued_at)
            || s.phase == StepPhase::Running && s.started_at.is_some_and(|t| t > issued_at)
    });
    if let Some(step) = restarted {
        return Outcome::Restarted {
            step: step.name.clone(),
            attempt: step.attempt,
        };
    }
    Outcome::Waiting("cancelling: waiting for the run to end")
}

/// When the run was cancelled, from the annotation the cockpit writes (`<who> at <RFC 3339>`).
pub fn cancelled_at(run: &Run) -> Option<(String, DateTime<Utc>)> {
    let note = run.cancelled_by.as_deref()?;
    let (who, at) = note.rsplit_once(" at ")?;
    let at = DateTime::parse_from_rfc3339(at.trim()).ok()?;
    Some((who.trim().to_owned(), at.with_timezone(&Utc)))
}

/// A run cancelled earlier (by anyone, as the annotation records) that a retry started again.
pub fn restarted_after_cancel(run: &Run, now: DateTime<Utc>) -> Option<(String, Outcome)> {
    let (who, at) = cancelled_at(run)?;
    let outcome = observe(Intent::Cancel, at, Some(run), now, Duration::MAX);
    matches!(outcome, Outcome::Restarted { .. }).then_some((who, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("test fixture")
    }

    fn run(meta: Value, status: Value) -> Run {
        let mut m = json!({"name": "r", "namespace": "agents"});
        if let (Some(m), Some(extra)) = (m.as_object_mut(), meta.as_object()) {
            m.extend(extra.clone());
        }
        Run::from_json(&json!({"metadata": m, "status": status}))
    }

    const AT: &str = "2026-03-01T10:00:00Z";

    #[test]
    fn cancel_verdicts() {
        let issued = t(AT);
        let now = issued + Duration::seconds(20);
        let o = |r: Option<&Run>| observe(Intent::Cancel, issued, r, now, Duration::minutes(2));
        let still = run(
            json!({}),
            json!({"phase": "Running", "workflow": {"steps": [
            {"name": "implement", "phase": "Running", "attempt": 1, "startedAt": "2026-03-01T09:50:00Z"}]}}),
        );
        assert_eq!(
            o(Some(&still)),
            Outcome::Waiting("cancelling: waiting for the run to end")
        );
        let failed = run(
            json!({}),
            json!({"phase": "Failed", "reason": "JobMissing"}),
        );
        assert_eq!(o(Some(&failed)).text(), "cancelled (Failed: JobMissing)");
        let retrying = run(
            json!({}),
            json!({"phase": "Running", "workflow": {"steps": [
            {"name": "implement", "phase": "Retrying", "attempt": 2, "lastTransitionTime": "2026-03-01T10:00:05Z"}]}}),
        );
        let verdict = o(Some(&retrying));
        assert_eq!(
            verdict.text(),
            "restarted by retry (implement attempt 2) — cancel again or delete"
        );
        assert!(verdict.needs_action() && verdict.is_final());
        let rerun = run(
            json!({}),
            json!({"phase": "Running", "workflow": {"steps": [
            {"name": "implement", "phase": "Running", "attempt": 2, "startedAt": "2026-03-01T10:00:10Z"}]}}),
        );
        assert!(matches!(o(Some(&rerun)), Outcome::Restarted { .. }));
        // An old retry (before the cancel) says nothing about this cancel.
        let old_retry = run(
            json!({}),
            json!({"phase": "Running", "workflow": {"steps": [
            {"name": "implement", "phase": "Retrying", "attempt": 2, "lastTransitionTime": "2026-03-01T09:00:00Z"}]}}),
        );
        assert!(!o(Some(&old_retry)).is_final());
        assert_eq!(o(None), Outcome::Deleted);
    }

    #[test]
    fn delete_verdicts() {
        let issued = t(AT);
        let stuck = run(
            json!({"deletionTimestamp": AT, "finalizers": ["agents.proompteng.ai/runtime-cleanup"]}),
            json!({"phase": "Pending"}),
        );
        let o = |r: Option<&Run>, secs| {
            observe(
                Intent::Delete,
                issued,
                r,
                issued + Duration::seconds(secs),
                Duration::minutes(2),
            )
        };
        assert!(!o(Some(&stuck), 30).is_final());
        assert_eq!(
            o(Some(&stuck), 300).text(),
            "deletion stuck on finalizer agents.proompteng.ai/runtime-cleanup"
        );
        assert_eq!(o(None, 1), Outcome::Deleted);
        let not_yet = run(json!({}), json!({"phase": "Running"}));
        assert!(!o(Some(&not_yet), 1).is_final());
    }

    #[test]
    fn a_cancel_recorded_on_the_run_is_followed_by_anyone() {
        let r = run(
            json!({"annotations": {"swarm.proompteng.ai/cancelled-by": "ana at 2026-03-01T10:00:00Z"}}),
            json!({"phase": "Running", "workflow": {"steps": [
                {"name": "implement", "phase": "Running", "attempt": 2, "startedAt": "2026-03-01T10:01:00Z"}]}}),
        );
        assert_eq!(cancelled_at(&r), Some(("ana".into(), t(AT))));
        let (who, outcome) =
            restarted_after_cancel(&r, t(AT) + Duration::minutes(2)).expect("test fixture");
        assert_eq!(who, "ana");
        assert!(outcome.needs_action());
        let plain = run(json!({}), json!({"phase": "Running"}));
        assert_eq!(restarted_after_cancel(&plain, t(AT)), None);
    }
}
