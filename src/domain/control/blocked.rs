//! Why a run is not running: its `Blocked` condition (the run stays `Pending`), the limit it hit
//! and, for a rate limit, when the controller retries (`… (retry after 30s)`, counted from the
//! condition's lastTransitionTime).
use crate::domain::{Phase, Run};
use chrono::{DateTime, Utc};
use std::fmt;

/// The limit a blocked run hit. Limits exist per agent, repository, namespace and cluster; the
/// reason says which kind, the message which scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BlockReason {
    QueueLimit,
    ConcurrencyLimit,
    RateLimit,
    /// A reason this version does not know, shown as written.
    Other(String),
}

impl BlockReason {
    pub fn parse(reason: Option<&str>) -> BlockReason {
        match reason.map(str::trim).unwrap_or("") {
            "QueueLimit" => BlockReason::QueueLimit,
            "ConcurrencyLimit" => BlockReason::ConcurrencyLimit,
            "RateLimit" => BlockReason::RateLimit,
            "" => BlockReason::Other("Blocked".into()),
            other => BlockReason::Other(other.to_owned()),
        }
    }

    pub fn label(&self) -> &str {
        match self {
            BlockReason::QueueLimit => "QueueLimit",
            BlockReason::ConcurrencyLimit => "ConcurrencyLimit",
            BlockReason::RateLimit => "RateLimit",
            BlockReason::Other(s) => s,
        }
    }

    /// The short word of lane headers and the title bar (`⏸3 queue`).
    pub fn word(&self) -> &str {
        match self {
            BlockReason::QueueLimit => "queue",
            BlockReason::ConcurrencyLimit => "concurrency",
            BlockReason::RateLimit => "rate",
            BlockReason::Other(s) => s,
        }
    }
}

impl fmt::Display for BlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Blocked {
    pub reason: BlockReason,
    pub message: Option<String>,
    pub since: Option<DateTime<Utc>>,
    /// When the controller tries again (rate limits say so in their message).
    pub retry_at: Option<DateTime<Utc>>,
}

impl Blocked {
    /// `RateLimit · retry in 25s`, `QueueLimit: Namespace agents reached queue limit`.
    pub fn headline(&self, now: DateTime<Utc>) -> String {
        let mut out = self.reason.label().to_owned();
        if let Some(at) = self.retry_at {
            if !crate::domain::clock::reached(now, at) {
                let left = crate::domain::clock::countdown(now, at);
                out.push_str(&format!(" · retry in {left}"));
            } else {
                out.push_str(" · retry due");
            }
        }
        if let Some(m) = &self.message {
            out.push_str(": ");
            out.push_str(m);
        }
        out
    }
}

/// The run's block, if it is blocked: phase Blocked (Pending + `Blocked=True`).
pub fn blocked(run: &Run) -> Option<Blocked> {
    if run.phase != Phase::Blocked {
        return None;
    }
    let cond = run
        .conditions
        .iter()
        .find(|c| c.type_ == "Blocked" && c.is_true());
    let message = cond.and_then(|c| c.message.clone());
    let since = cond.and_then(|c| c.last_transition);
    let retry_at = match (since, message.as_deref().and_then(retry_after)) {
        (Some(t), Some(d)) => Some(t + d),
        _ => None,
    };
    Some(Blocked {
        reason: BlockReason::parse(cond.and_then(|c| c.reason.as_deref())),
        message,
        since,
        retry_at,
    })
}

/// The wait in `retry after 30s` (also `retry after 1m30s`, `2.5s`, `500ms`, Go's duration
/// format), anywhere in the message, case-insensitive. `None` when there is none or it does not
/// parse.
pub fn retry_after(message: &str) -> Option<chrono::Duration> {
    const MARK: &str = "retry after";
    let lower = message.to_ascii_lowercase();
    let at = lower.find(MARK)? + MARK.len();
    let rest = lower[at..].trim_start();
    let token: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    // A sentence may end right after the number: `retry after 2.5s.`
    go_duration(token.trim_end_matches('.'))
}

/// Go's `time.Duration` text: one or more `<number><unit>` (units h, m, s, ms), no sign.
fn go_duration(s: &str) -> Option<chrono::Duration> {
    if s.is_empty() {
        return None;
    }
    let mut total_ms: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let per_ms = match &rest[..unit_len] {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total_ms += number * per_ms;
    }
    // A day is more than any limiter waits: larger numbers are garbage, not a countdown.
    (total_ms.is_finite() && total_ms <= 86_400_000.0)
        .then(|| chrono::Duration::milliseconds(total_ms.round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::run::Run;
    use proptest::prelude::*;
    use serde_json::json;

    fn run_with(phase: &str, cond: serde_json::Value) -> Run {
        Run::from_json(&json!({"metadata": {"name": "r", "namespace": "agents"},
            "status": {"phase": phase, "conditions": [cond]}}))
    }

    #[test]
    fn rate_limit_counts_down_from_the_transition() {
        let r = run_with(
            "Pending",
            json!({"type": "Blocked", "status": "True", "reason": "RateLimit",
                   "message": "agent codex reached rate limit (retry after 30s)",
                   "lastTransitionTime": "2026-03-01T10:00:00Z"}),
        );
        let b = blocked(&r).expect("blocked");
        assert_eq!(b.reason, BlockReason::RateLimit);
        let t0: DateTime<Utc> = "2026-03-01T10:00:00Z".parse().expect("test fixture");
        assert_eq!(b.retry_at, Some(t0 + chrono::Duration::seconds(30)));
        assert_eq!(
            b.headline(t0 + chrono::Duration::seconds(5)),
            "RateLimit · retry in 25s: agent codex reached rate limit (retry after 30s)"
        );
        assert!(
            b.headline(t0 + chrono::Duration::seconds(31))
                .starts_with("RateLimit · retry due")
        );
    }

    #[test]
    fn queue_limit_has_no_countdown_and_running_runs_are_not_blocked() {
        let cond = json!({"type": "Blocked", "status": "True", "reason": "QueueLimit",
                          "message": "Namespace agents reached queue limit"});
        let b = blocked(&run_with("Pending", cond.clone())).expect("test fixture");
        assert_eq!((b.reason, b.retry_at), (BlockReason::QueueLimit, None));
        // A stale Blocked condition on a run that started is not a block.
        assert_eq!(blocked(&run_with("Running", cond)), None);
        let released = json!({"type": "Blocked", "status": "False", "reason": "QueueLimit"});
        assert_eq!(blocked(&run_with("Pending", released)), None);
    }

    #[test]
    fn retry_after_forms() {
        let d = |s: &str| retry_after(s).map(|d| d.num_milliseconds());
        assert_eq!(d("(retry after 30s)"), Some(30_000));
        assert_eq!(d("Retry After 1m30s"), Some(90_000));
        assert_eq!(d("retry after 2.5s."), Some(2_500));
        assert_eq!(d("retry after 500ms"), Some(500));
        assert_eq!(d("retry after soon"), None);
        assert_eq!(d("retry after 30"), None);
        assert_eq!(d("retry after 99999h"), None);
        assert_eq!(d("no retry"), None);
    }

    proptest! {
        #[test]
        fn any_whole_seconds_parse_back(n in 0u32..86_400, prefix in "[a-zA-Z ()]{0,20}") {
            let msg = format!("{prefix}(retry after {n}s)");
            prop_assert_eq!(retry_after(&msg), Some(chrono::Duration::seconds(i64::from(n))));
        }

        #[test]
        fn never_panics(s in ".{0,60}") {
            let _ = retry_after(&s);
        }
    }
}
