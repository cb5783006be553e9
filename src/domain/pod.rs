//! The pods of a run, as the log view's picker shows them: which step and attempt each one ran,
//! newest first. Built leniently from the pod's JSON, like the other view-models.
use super::labels;
use super::sanitize;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The agent's container in a run's pod.
pub const AGENT_CONTAINER: &str = "agent-runner";
/// Upstream labels on workflow step pods.
pub const STEP: &str = "agents.proompteng.ai/step";
pub const STEP_INDEX: &str = "agents.proompteng.ai/step-index";
/// Kubernetes' label on a Job's pods.
pub const JOB_NAME: &str = "job-name";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodInfo {
    pub namespace: String,
    pub name: String,
    pub created: Option<DateTime<Utc>>,
    /// `status.phase` (Pending, Running, Succeeded, Failed, Unknown).
    pub phase: String,
    pub job: Option<String>,
    /// Workflow step name and index, from the labels or the job name.
    pub step: Option<String>,
    pub step_index: Option<u32>,
    pub attempt: Option<u32>,
    /// The container whose logs are read: `agent-runner` if the pod has it, else the first.
    pub container: String,
    /// The container has terminated (its log is complete), with a reason for the view.
    pub terminated: Option<String>,
    /// It restarted at least once: previous logs exist.
    pub restarts: u32,
}

impl PodInfo {
    pub fn from_json(obj: &Value) -> PodInfo {
        let s = |path: &[&str]| -> Option<String> {
            let mut v = obj;
            for p in path {
                v = v.get(p)?;
            }
            v.as_str().map(sanitize::one_line)
        };
        let label = |k: &str| s(&["metadata", "labels", k]);
        let name = s(&["metadata", "name"]).unwrap_or_default();
        let job = label(JOB_NAME).or_else(|| label("batch.kubernetes.io/job-name"));
        let (job_step, job_attempt) = job
            .as_deref()
            .and_then(parse_step_job)
            .map_or((None, None), |(s, a)| (Some(s), Some(a)));
        let step_index = label(STEP_INDEX).and_then(|v| v.parse().ok()).or(job_step);
        let containers: Vec<String> = obj
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| c.get("name").and_then(Value::as_str))
                    .map(sanitize::one_line)
                    .collect()
            })
            .unwrap_or_default();
        let container = if containers.iter().any(|c| c == AGENT_CONTAINER) || containers.is_empty()
        {
            AGENT_CONTAINER.to_owned()
        } else {
            containers[0].clone()
        };
        let status = obj
            .pointer("/status/containerStatuses")
            .and_then(Value::as_array)
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.get("name").and_then(Value::as_str) == Some(container.as_str()))
            });
        let terminated = status
            .and_then(|c| c.pointer("/state/terminated"))
            .map(|t| {
                let reason = t
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or("Terminated");
                match t.get("exitCode").and_then(Value::as_i64) {
                    Some(code) => format!("{reason}, exit code {code}"),
                    None => reason.to_owned(),
                }
            })
            .map(|t| sanitize::one_line(&t));
        let restarts = status
            .and_then(|c| c.get("restartCount"))
            .and_then(Value::as_u64)
            .unwrap_or(0) as u32;
        PodInfo {
            namespace: s(&["metadata", "namespace"]).unwrap_or_default(),
            name,
            created: s(&["metadata", "creationTimestamp"])
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc)),
            phase: s(&["status", "phase"]).unwrap_or_else(|| "Pending".into()),
            job,
            step: label(STEP),
            step_index,
            attempt: job_attempt,
            container,
            terminated,
            restarts,
        }
    }

    /// Is the pod done for good (its log will not grow)?
    pub fn finished(&self) -> bool {
        self.terminated.is_some() || matches!(self.phase.as_str(), "Succeeded" | "Failed")
    }

    /// `step 2 · implement · attempt 1`, or empty.
    pub fn step_label(&self) -> String {
        let mut parts = Vec::new();
        match (&self.step_index, &self.step) {
            (Some(i), Some(s)) => parts.push(format!("step {i} · {s}")),
            (Some(i), None) => parts.push(format!("step {i}")),
            (None, Some(s)) => parts.push(format!("step {s}")),
            (None, None) => {}
        }
        if let Some(a) = self.attempt {
            parts.push(format!("attempt {a}"));
        }
        parts.join(" · ")
    }
}

/// `<run>-step-<n>-attempt-<m>` → (n, m).
pub fn parse_step_job(job: &str) -> Option<(u32, u32)> {
    let (head, attempt) = job.rsplit_once("-attempt-")?;
    let (_, step) = head.rsplit_once("-step-")?;
    Some((step.parse().ok()?, attempt.parse().ok()?))
}

/// Newest first (creation time, then step, attempt and name, all descending).
pub fn sort_newest_first(pods: &mut [PodInfo]) {
    pods.sort_by(|a, b| {
        b.created
            .cmp(&a.created)
            .then(b.step_index.cmp(&a.step_index))
            .then(b.attempt.cmp(&a.attempt))
            .then(b.name.cmp(&a.name))
    });
}

/// A workflow step's current attempt, as the log view looks for its pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepPod {
    /// 1-based position in `status.workflow.steps[]` (the `<n>` of `<run>-step-<n>-attempt-<m>`).
    pub index: u32,
    pub name: String,
    pub attempt: Option<u32>,
    /// The Job of the attempt (`jobRef.name`).
    pub job: Option<String>,
}

impl StepPod {
    /// The `i`-th (0-based) of a run's steps.
    pub fn of(steps: &[super::control::WorkflowStep], i: usize) -> Option<StepPod> {
        let step = steps.get(i)?;
        Some(StepPod {
            index: u32::try_from(i + 1).ok()?,
            name: step.name.clone(),
            attempt: step.attempt.and_then(|a| u32::try_from(a).ok()),
            job: step.job.clone(),
        })
    }

    /// `step implement · attempt 2`
    pub fn label(&self) -> String {
        match self.attempt {
            Some(a) => format!("step {} · attempt {a}", self.name),
            None => format!("step {}", self.name),
        }
    }
}

/// The pod of a step's attempt among a run's pods (newest first): the pod of the attempt's Job,
/// else the newest pod of that step (its label, else its index) and attempt (any attempt when
/// the step does not say). `None`: none of them is it.
pub fn pod_of_step(pods: &[PodInfo], want: &StepPod) -> Option<usize> {
    if let Some(job) = &want.job
        && let Some(i) = pods.iter().position(|p| p.job.as_ref() == Some(job))
    {
        return Some(i);
    }
    pods.iter().position(|p| {
        let same_step = match &p.step {
            Some(name) => *name == want.name,
            None => p.step_index == Some(want.index),
        };
        same_step && want.attempt.is_none_or(|a| p.attempt == Some(a))
    })
}

/// The label selector for a run's pods.
pub fn run_selector(run: &str) -> String {
    format!("{}={run}", labels::AGENT_RUN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn step_and_attempt_come_from_labels_or_the_job_name() {
        assert_eq!(parse_step_job("run-a-step-2-attempt-3"), Some((2, 3)));
        assert_eq!(parse_step_job("run-a-job"), None);
        let p = PodInfo::from_json(&json!({
            "metadata": {"name": "p", "namespace": "ns", "labels": {
                "job-name": "r-step-2-attempt-3", STEP: "implement"}},
            "spec": {"containers": [{"name": "sidecar"}, {"name": "agent-runner"}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "agent-runner",
                "restartCount": 1, "state": {"terminated": {"reason": "Completed", "exitCode": 0}}}]}
        }));
        assert_eq!(p.step_label(), "step 2 · implement · attempt 3");
        assert_eq!(p.container, "agent-runner");
        assert_eq!(p.terminated.as_deref(), Some("Completed, exit code 0"));
        assert_eq!(p.restarts, 1);
        assert!(p.finished());
    }

    fn pod(name: &str, job: &str, step: Option<&str>) -> PodInfo {
        let mut labels = json!({"job-name": job});
        if let Some(s) = step {
            labels[STEP] = json!(s);
        }
        PodInfo::from_json(
            &json!({"metadata": {"name": name, "namespace": "ns", "labels": labels}}),
        )
    }

    #[test]
    fn a_steps_pod_is_its_jobs_else_its_step_and_attempt() {
        // Newest first: the review step's pod, then implement's two attempts.
        let pods = [
            pod("rev-1", "r-step-2-attempt-1", Some("review")),
            pod("impl-2", "r-step-1-attempt-2", None),
            pod("impl-1", "r-step-1-attempt-1", Some("implement")),
        ];
        let want = |index, name: &str, attempt, job: Option<&str>| StepPod {
            index,
            name: name.into(),
            attempt,
            job: job.map(str::to_owned),
        };
        // By the attempt's Job.
        let w = want(1, "implement", Some(1), Some("r-step-1-attempt-1"));
        assert_eq!(pod_of_step(&pods, &w), Some(2));
        // No Job named: step (by index where the pod has no step label) and attempt.
        assert_eq!(
            pod_of_step(&pods, &want(1, "implement", Some(2), None)),
            Some(1)
        );
        // A Job no pod has (the attempt's pod is not there yet): not an older attempt's pod.
        let w = want(1, "implement", Some(3), Some("r-step-1-attempt-3"));
        assert_eq!(pod_of_step(&pods, &w), None);
        // Without an attempt: the step's newest pod.
        assert_eq!(pod_of_step(&pods, &want(2, "review", None, None)), Some(0));
        // A pod's step label wins over its index: step 2 of the run is not "implement".
        assert_eq!(pod_of_step(&pods, &want(2, "deploy", Some(1), None)), None);
        assert_eq!(w.label(), "step implement · attempt 3");
    }
}
