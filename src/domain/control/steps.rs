//! A run's workflow steps (`status.workflow.steps[]`) and the runner's terminal report
//! (`status.runner`), read leniently, and what the card and the detail pane say about them.
use crate::domain::clock;
use crate::domain::fields::Reader;
use crate::domain::sanitize;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Longest step message kept (enough to read, bounded per run).
const MAX_STEP_MESSAGE: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepPhase {
    Pending,
    Running,
    /// Its Job failed or was deleted with retries left: a new attempt starts at `next_retry_at`.
    Retrying,
    Succeeded,
    Failed,
    /// Written by a controller this version does not know: shown as written.
    Other(String),
}

impl StepPhase {
    pub fn parse(raw: Option<&str>) -> StepPhase {
        match raw.map(str::trim).unwrap_or("") {
            "" | "Pending" => StepPhase::Pending,
            "Running" => StepPhase::Running,
            "Retrying" => StepPhase::Retrying,
            "Succeeded" => StepPhase::Succeeded,
            "Failed" => StepPhase::Failed,
            other => StepPhase::Other(sanitize::one_line(&sanitize::truncate_chars(other, 40))),
        }
    }

    pub fn label(&self) -> &str {
        match self {
            StepPhase::Pending => "Pending",
            StepPhase::Running => "Running",
            StepPhase::Retrying => "Retrying",
            StepPhase::Succeeded => "Succeeded",
            StepPhase::Failed => "Failed",
            StepPhase::Other(s) => s,
        }
    }

    /// Started and not finished: the step the run is on.
    pub fn is_active(&self) -> bool {
        matches!(self, StepPhase::Running | StepPhase::Retrying)
    }
}

/// A looping step's progress (`loop`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoopState {
    pub current: Option<i64>,
    pub max: Option<i64>,
    pub stop_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowStep {
    pub name: String,
    pub phase: StepPhase,
    /// 1-based attempt number, as the controller counts them.
    pub attempt: Option<i64>,
    pub next_retry_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub last_transition: Option<DateTime<Utc>>,
    pub message: Option<String>,
    /// The Job of the current attempt (`jobRef.name`): its pods are the step's logs.
    pub job: Option<String>,
    pub looping: Option<LoopState>,
}

impl WorkflowStep {
    /// `implement Retrying · attempt 2 · retry in 25s · loop 3/10`
    pub fn summary(&self, now: DateTime<Utc>) -> String {
        let mut out = format!("{} {}", self.name, self.phase.label());
        if let Some(a) = self.attempt {
            out.push_str(&format!(" · attempt {a}"));
        }
        if self.phase == StepPhase::Retrying {
            match self.next_retry_at {
                Some(at) if !clock::reached(now, at) => {
                    out.push_str(&format!(" · retry in {}", clock::countdown(now, at)))
                }
                Some(_) => out.push_str(" · retry due"),
                None => {}
            }
        }
        if let Some(l) = &self.looping {
            match (l.current, l.max) {
                (Some(c), Some(m)) => out.push_str(&format!(" · loop {c}/{m}")),
                (Some(c), None) => out.push_str(&format!(" · loop {c}")),
                _ => {}
            }
            if let Some(r) = &l.stop_reason {
                out.push_str(&format!(" (stopped: {r})"));
            }
        }
        out
    }
}

/// `25s`, `4m`, `2h5m`: durations on cards (one format everywhere: [`clock::compact`]).
pub use crate::domain::clock::compact as short;

/// The step a card talks about: the active one, else the last that ran (failed or done).
pub fn current(steps: &[WorkflowStep]) -> Option<&WorkflowStep> {
    steps.iter().find(|s| s.phase.is_active()).or_else(|| {
        steps
            .iter()
            .rev()
            .find(|s| !matches!(s.phase, StepPhase::Pending))
    })
}

/// Worth a line on the card: a step on its second attempt or later, retrying, or looping.
pub fn worth_showing(step: &WorkflowStep) -> bool {
    step.phase == StepPhase::Retrying
        || step.attempt.is_some_and(|a| a > 1)
        || step.looping.is_some()
}

/// `status.workflow.steps`, as found there (`None`: absent).
pub fn read_steps(r: &mut Reader, found: Option<&Value>) -> Vec<WorkflowStep> {
    let items = r.items(found, "status.workflow.steps");
    let mut out = Vec::with_capacity(items.len());
    for (i, s) in items.iter().enumerate() {
        let mut sub = Reader::default();
        let name = sub.string(s, "name");
        let looping = sub.at(s, "loop").map(|_| LoopState {
            current: sub.int(s, "loop.currentIteration"),
            max: sub.int(s, "loop.maxIterations"),
            stop_reason: sub.string(s, "loop.stopReason").map(|t| line(&t, 120)),
        });
        let step = WorkflowStep {
            name: name.map_or_else(|| format!("step {}", i + 1), |n| line(&n, 63)),
            phase: StepPhase::parse(sub.str(s, "phase")),
            attempt: sub.int(s, "attempt"),
            next_retry_at: sub.time(s, "nextRetryAt"),
            started_at: sub.time(s, "startedAt"),
            finished_at: sub.time(s, "finishedAt"),
            last_transition: sub.time(s, "lastTransitionTime"),
            message: sub.string(s, "message").map(|m| line(&m, MAX_STEP_MESSAGE)),
            job: sub.string(s, "jobRef.name").map(|j| line(&j, 253)),
            looping,
        };
        r.problems.extend(
            sub.problems
                .into_iter()
                .map(|p| format!("status.workflow.steps[{i}].{p}")),
        );
        out.push(step);
    }
    out
}

/// The runner's terminal report. `status.runner` is free-form: known keys are read whatever
/// their JSON type (an exit code may come as `1` or `"1"`), the rest is ignored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunnerReport {
    pub exit_code: Option<String>,
    pub signal: Option<String>,
    pub model: Option<String>,
    pub effort: Option<String>,
    pub error: Option<String>,
    pub log_path: Option<String>,
}

impl RunnerReport {
    /// `exit 1 · gpt-5 · error: out of budget`
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.exit_code {
            parts.push(format!("exit {c}"));
        }
        if let Some(s) = &self.signal {
            parts.push(format!("signal {s}"));
        }
        if let Some(m) = &self.model {
            parts.push(m.clone());
        }
        if let Some(e) = &self.error {
            parts.push(format!("error: {e}"));
        }
        parts.join(" · ")
    }
}

/// `status.runner`, as found there (`None`: absent).
pub fn read_runner(r: &mut Reader, found: Option<&Value>) -> Option<RunnerReport> {
    let runner = found.filter(|v| !v.is_null())?;
    if !runner.is_object() {
        r.problem("status.runner", "an object", runner);
        return None;
    }
    let text = |path: &str, max: usize| -> Option<String> {
        let mut cur = runner;
        for part in path.split('.') {
            cur = cur.get(part)?;
        }
        match cur {
            Value::String(s) => Some(line(s, max)),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    };
    Some(RunnerReport {
        exit_code: text("exitCode", 12),
        signal: text("signal", 20),
        model: text("model", 60),
        effort: text("effort", 20),
        error: text("error", MAX_STEP_MESSAGE),
        log_path: text("artifacts.logPath", 253),
    })
}

fn line(s: &str, max: usize) -> String {
    sanitize::one_line(&sanitize::truncate_chars(s, max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn steps_of(obj: &Value) -> Option<&Value> {
        Reader::default().at(obj, "status.workflow.steps")
    }

    fn runner_of(obj: &Value) -> Option<&Value> {
        Reader::default().at(obj, "status.runner")
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("test fixture")
            .with_timezone(&Utc)
    }

    #[test]
    fn reads_steps_with_retry_loop_and_job() {
        let obj = json!({"status": {"workflow": {"steps": [
            {"name": "plan", "phase": "Succeeded", "attempt": 1},
            {"name": "implement", "phase": "Retrying", "attempt": 2, "nextRetryAt": "2026-03-01T10:00:30Z",
             "message": "job deleted", "jobRef": {"name": "r-step-2-attempt-2"},
             "loop": {"currentIteration": 3, "maxIterations": 10}},
            {"name": "verify"}
        ]}}});
        let mut r = Reader::default();
        let steps = read_steps(&mut r, steps_of(&obj));
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(steps.len(), 3);
        let now = t("2026-03-01T10:00:05Z");
        let cur = current(&steps).expect("test fixture");
        assert_eq!(cur.name, "implement");
        assert_eq!(cur.job.as_deref(), Some("r-step-2-attempt-2"));
        assert_eq!(
            cur.summary(now),
            "implement Retrying · attempt 2 · retry in 25s · loop 3/10"
        );
        assert!(worth_showing(cur));
        assert!(!worth_showing(&steps[0]));
        assert_eq!(steps[2].phase, StepPhase::Pending);
        assert_eq!(
            cur.summary(t("2026-03-01T10:01:00Z")),
            "implement Retrying · attempt 2 · retry due · loop 3/10"
        );
    }

    #[test]
    fn current_step_falls_back_to_the_last_that_ran() {
        let obj = json!({"status": {"workflow": {"steps": [
            {"name": "a", "phase": "Succeeded"}, {"name": "b", "phase": "Failed", "attempt": 3}, {"name": "c"}]}}});
        let steps = read_steps(&mut Reader::default(), steps_of(&obj));
        assert_eq!(current(&steps).map(|s| s.name.as_str()), Some("b"));
        assert_eq!(current(&[]), None);
    }

    #[test]
    fn bad_step_fields_are_problems_by_path_and_the_step_is_kept() {
        let obj = json!({"status": {"workflow": {"steps": [{"phase": "Running", "attempt": "two", "startedAt": "soon"}]}}});
        let mut r = Reader::default();
        let steps = read_steps(&mut r, steps_of(&obj));
        assert_eq!(steps[0].name, "step 1");
        assert_eq!(steps[0].phase, StepPhase::Running);
        assert_eq!(
            r.problems,
            vec![
                "status.workflow.steps[0].attempt: expected an integer, got a string",
                "status.workflow.steps[0].startedAt: expected an RFC 3339 time, got \"soon\"",
            ]
        );
    }

    #[test]
    fn runner_report_takes_any_scalar_and_is_inert() {
        let obj = json!({"status": {"runner": {"exitCode": 137, "signal": "SIGKILL", "model": "gpt-5",
            "error": "oom\u{1b}[2J", "artifacts": {"logPath": "s3://logs/r1"}}}});
        let mut r = Reader::default();
        let rep = read_runner(&mut r, runner_of(&obj)).expect("test fixture");
        assert_eq!(rep.exit_code.as_deref(), Some("137"));
        assert_eq!(rep.log_path.as_deref(), Some("s3://logs/r1"));
        assert_eq!(
            rep.summary(),
            "exit 137 · signal SIGKILL · gpt-5 · error: oom␛[2J"
        );
        let mut r = Reader::default();
        assert_eq!(
            read_runner(&mut r, runner_of(&json!({"status": {"runner": "x"}}))),
            None
        );
        assert_eq!(
            r.problems,
            vec!["status.runner: expected an object, got a string"]
        );
    }

    #[test]
    fn short_durations() {
        let s = chrono::Duration::seconds;
        assert_eq!(short(s(-5)), "0s");
        assert_eq!(short(s(59)), "59s");
        assert_eq!(short(s(61)), "1m");
        assert_eq!(short(s(7200)), "2h");
        assert_eq!(short(s(7500)), "2h5m");
    }
}
