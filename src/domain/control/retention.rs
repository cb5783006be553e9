//! Retention: the controller deletes a finished run `spec.ttlSecondsAfterFinished` after it
//! finished — with its pods and logs — unless it is annotated `agents.proompteng.ai/retain:
//! "true"`. A run whose PR is still open should not vanish while someone may need its logs.
use crate::domain::Run;
use chrono::{DateTime, Duration, Utc};

/// The annotation that keeps a finished run past the retention sweep.
pub const RETAIN: &str = "agents.proompteng.ai/retain";

/// Warn this long before the sweep.
pub const WARN_WITHIN: Duration = Duration::hours(1);

#[derive(Debug, Clone, PartialEq)]
pub struct RetentionRisk {
    pub deletes_at: DateTime<Utc>,
    /// Time left (zero or less: due now, the next sweep takes it).
    pub left: Duration,
}

impl RetentionRisk {
    /// `deleted in 14m (TTL) · PR open`
    pub fn headline(&self) -> String {
        let now = self.deletes_at - self.left;
        if crate::domain::clock::reached(now, self.deletes_at) {
            "retention due: deleted at the next sweep (PR still open)".into()
        } else {
            format!(
                "deleted in {} by its TTL (PR still open)",
                crate::domain::clock::countdown(now, self.deletes_at)
            )
        }
    }
}

/// When the run will be deleted by its TTL, if it is finished, not retained and has a TTL.
pub fn deletes_at(run: &Run) -> Option<DateTime<Utc>> {
    if run.retained || !run.phase.is_terminal() {
        return None;
    }
    let ttl = run.ttl_after_finished?;
    Some(run.finished_at? + Duration::seconds(ttl.max(0)))
}

/// A finished run with an open PR that its TTL deletes within `warn_within`.
pub fn at_risk(
    run: &Run,
    pr_open: bool,
    now: DateTime<Utc>,
    warn_within: Duration,
) -> Option<RetentionRisk> {
    if !pr_open {
        return None;
    }
    let at = deletes_at(run)?;
    let left = at - now;
    crate::domain::clock::reached(now, at - warn_within).then_some(RetentionRisk {
        deletes_at: at,
        left,
    })
}

/// The metadata patch that retains a run.
pub fn retain_patch() -> serde_json::Value {
    serde_json::json!({"metadata": {"annotations": {RETAIN: "true"}}})
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(phase: &str, ttl: Option<i64>, retain: bool) -> Run {
        let annotations = if retain {
            json!({RETAIN: "true"})
        } else {
            json!({})
        };
        Run::from_json(
            &json!({"metadata": {"name": "r", "namespace": "n", "annotations": annotations},
            "spec": {"ttlSecondsAfterFinished": ttl},
            "status": {"phase": phase, "finishedAt": "2026-03-01T10:00:00Z"}}),
        )
    }

    #[test]
    fn warns_within_the_window_only_with_an_open_pr() {
        let t0: DateTime<Utc> = "2026-03-01T10:00:00Z".parse().expect("test fixture");
        let r = run("Succeeded", Some(7200), false);
        assert_eq!(deletes_at(&r), Some(t0 + Duration::hours(2)));
        assert_eq!(at_risk(&r, true, t0, WARN_WITHIN), None, "2h left");
        let risk =
            at_risk(&r, true, t0 + Duration::minutes(106), WARN_WITHIN).expect("test fixture");
        assert_eq!(risk.left, Duration::minutes(14));
        assert_eq!(risk.headline(), "deleted in 14m by its TTL (PR still open)");
        assert_eq!(
            at_risk(&r, false, t0 + Duration::minutes(106), WARN_WITHIN),
            None
        );
        let due = at_risk(&r, true, t0 + Duration::hours(3), WARN_WITHIN).expect("test fixture");
        assert!(due.headline().starts_with("retention due"));
        assert_eq!(
            deletes_at(&run("Succeeded", Some(7200), true)),
            None,
            "retained"
        );
        assert_eq!(deletes_at(&run("Succeeded", None, false)), None, "no TTL");
        assert_eq!(
            deletes_at(&run("Running", Some(60), false)),
            None,
            "not finished"
        );
    }
}
