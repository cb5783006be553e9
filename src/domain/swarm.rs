//! Upstream's `Swarm` (`swarm.proompteng.ai/v1alpha1`): its mode, and whether it is frozen
//! (after too many failures) or paused — either way new work will not progress, which a launch
//! must say. Read leniently like the other kinds.
use super::fields::{Meta, Reader};
use super::resource::ObjectKey;
use super::sanitize;
use chrono::{DateTime, Utc};
use serde_json::Value;

pub const GROUP: &str = "swarm.proompteng.ai";
pub const VERSION: &str = "v1alpha1";
pub const KIND: &str = "Swarm";
pub const PLURAL: &str = "swarms";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Freeze {
    pub reason: Option<String>,
    pub until: Option<DateTime<Utc>>,
    pub entered_at: Option<DateTime<Utc>>,
    pub consecutive_failures: Option<i64>,
    pub threshold: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Swarm {
    pub key: ObjectKey,
    /// `assisted` | `lights-out`.
    pub mode: Option<String>,
    pub phase: Option<String>,
    pub freeze: Option<Freeze>,
    pub paused: bool,
    pub pause_reason: Option<String>,
    pub pause_message: Option<String>,
    pub pending: Option<i64>,
    pub dispatched: Option<i64>,
    pub blocked: Option<i64>,
    pub problems: Vec<String>,
}

fn line(s: String) -> String {
    sanitize::one_line(&sanitize::truncate_chars(&s, 200))
}

impl Swarm {
    pub fn from_json(obj: &Value) -> Swarm {
        let mut r = Reader::default();
        let meta = Meta::read(&mut r, obj);
        let freeze = r.at(obj, "status.freeze").map(|_| Freeze {
            reason: r.string(obj, "status.freeze.reason").map(line),
            until: r.time(obj, "status.freeze.until"),
            entered_at: r.time(obj, "status.freeze.enteredAt"),
            consecutive_failures: r.int(obj, "status.freeze.consecutiveFailures"),
            threshold: r.int(obj, "status.freeze.threshold"),
        });
        let paused = match r.at(obj, "status.requirements.paused") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                r.problems
                    .push("status.requirements.paused: expected a boolean".into());
                false
            }
        };
        Swarm {
            key: ObjectKey::new(meta.namespace, meta.name),
            mode: r.string(obj, "spec.mode").map(line),
            phase: r.string(obj, "status.phase").map(line),
            freeze,
            paused,
            pause_reason: r.string(obj, "status.requirements.pauseReason").map(line),
            pause_message: r.string(obj, "status.requirements.pauseMessage").map(line),
            pending: r.int(obj, "status.requirements.pending"),
            dispatched: r.int(obj, "status.requirements.dispatched"),
            blocked: r.int(obj, "status.requirements.blocked"),
            problems: r.problems,
        }
    }

    /// Frozen now: a freeze whose `until` is still ahead (or has none, while the phase says
    /// frozen or a reason is given).
    pub fn frozen(&self, now: DateTime<Utc>) -> Option<&Freeze> {
        let f = self.freeze.as_ref()?;
        let active = match f.until {
            Some(until) => !super::clock::reached(now, until),
            None => {
                f.reason.is_some()
                    || self
                        .phase
                        .as_deref()
                        .is_some_and(|p| p.eq_ignore_ascii_case("frozen"))
            }
        };
        active.then_some(f)
    }

    /// What stops new work from progressing, if anything: for the launch confirmation and the
    /// title bar.
    pub fn hold(&self, now: DateTime<Utc>) -> Option<String> {
        let name = &self.key;
        if let Some(f) = self.frozen(now) {
            let mut out = format!("Swarm {name} is frozen");
            if let Some(until) = f.until {
                out.push_str(&format!(
                    " until {} ({} left)",
                    until.format("%H:%M UTC"),
                    super::clock::countdown(now, until)
                ));
            }
            if let Some(reason) = &f.reason {
                out.push_str(&format!(": {reason}"));
            }
            if let (Some(n), Some(t)) = (f.consecutive_failures, f.threshold) {
                out.push_str(&format!(" ({n} consecutive failures, threshold {t})"));
            }
            return Some(out);
        }
        if self.paused {
            let mut out = format!("Swarm {name} is paused");
            if let Some(r) = &self.pause_reason {
                out.push_str(&format!(": {r}"));
            }
            if let Some(m) = &self.pause_message {
                out.push_str(&format!(" — {m}"));
            }
            return Some(out);
        }
        None
    }

    /// `torghut lights-out · Active` — for the title bar and the detail.
    pub fn label(&self) -> String {
        let mut out = self.key.name.to_string();
        if let Some(m) = &self.mode {
            out.push_str(&format!(" {m}"));
        }
        if let Some(p) = &self.phase {
            out.push_str(&format!(" · {p}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("test fixture")
    }

    #[test]
    fn frozen_until_a_time_then_thawed() {
        let s = Swarm::from_json(
            &json!({"metadata": {"name": "torghut", "namespace": "agents"},
            "spec": {"mode": "lights-out"},
            "status": {"phase": "Frozen", "freeze": {"reason": "ConsecutiveFailures", "until": "2026-03-01T12:00:00Z",
                        "consecutiveFailures": 3, "threshold": 3}}}),
        );
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!(
            s.hold(t("2026-03-01T11:30:00Z")).as_deref(),
            Some(
                "Swarm agents/torghut is frozen until 12:00 UTC (30m left): ConsecutiveFailures (3 consecutive failures, threshold 3)"
            )
        );
        assert_eq!(s.hold(t("2026-03-01T12:00:01Z")), None);
        assert_eq!(s.label(), "torghut lights-out · Frozen");
    }

    #[test]
    fn paused_and_lenient() {
        let s = Swarm::from_json(&json!({"metadata": {"name": "s", "namespace": "n"},
            "status": {"requirements": {"paused": true, "pauseReason": "Maintenance", "pauseMessage": "db migration", "pending": "x"}}}));
        assert_eq!(
            s.hold(Utc::now()).as_deref(),
            Some("Swarm n/s is paused: Maintenance — db migration")
        );
        assert_eq!(
            s.problems,
            vec!["status.requirements.pending: expected an integer, got a string"]
        );
        let calm = Swarm::from_json(
            &json!({"metadata": {"name": "s", "namespace": "n"}, "status": {"phase": "Active"}}),
        );
        assert_eq!(calm.hold(Utc::now()), None);
    }
}
