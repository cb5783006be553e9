//! Transitions that matter to on-call — a run failed, a wave finished, a PR went green or red —
//! turned into a toast, the terminal bell and (if configured) a desktop notification; and the
//! phase history each run's timeline shows. Compares the state before and after a source event.
use super::effect::Effect;
use super::msg::{Resource, SourceEvent};
use super::state::State;
use crate::domain::pr::PrKey;
use crate::domain::{ObjectKey, Phase, PullRequest};

/// Checks summarised for notifications: green (all passed), red (any failed), or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    Green,
    Red,
    Other,
}

fn light(pr: &PullRequest) -> Light {
    let c = pr.checks;
    if c.failing > 0 {
        Light::Red
    } else if c.pending == 0 && c.passing > 0 {
        Light::Green
    } else {
        Light::Other
    }
}

/// What an event is about, captured before it is applied.
pub enum Watch {
    Run { key: ObjectKey, old: Option<Phase> },
    Prs(Vec<(PrKey, Option<Light>)>),
    Nothing,
}

impl Watch {
    pub fn before(state: &State, event: &SourceEvent) -> Watch {
        match event {
            SourceEvent::Applied(Resource::Run(run)) => Watch::Run {
                key: run.key.clone(),
                old: state.cluster.runs.get(&run.key).map(|r| r.phase.clone()),
            },
            SourceEvent::PullRequest(pr) => Watch::Prs(vec![pr_before(state, pr)]),
            SourceEvent::PullRequests(prs) => {
                Watch::Prs(prs.iter().map(|pr| pr_before(state, pr)).collect())
            }
            _ => Watch::Nothing,
        }
    }

    pub fn after(self, state: &mut State) -> Vec<Effect> {
        let effects: Vec<Effect> = match self {
            Watch::Run { key, old } => run_changed(state, &key, old),
            Watch::Prs(before) => before
                .into_iter()
                .flat_map(|(key, old)| pr_changed(state, &key, old))
                .collect(),
            Watch::Nothing => Vec::new(),
        };
        // One toast for everything this event caused (a run failed *and* its wave finished).
        let toast: Vec<String> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Notify { title, body } => Some(format!("{title}: {body}")),
                _ => None,
            })
            .collect();
        if !toast.is_empty() {
            super::toasts::show(state, toast.join(" · "));
        }
        effects
    }
}

fn pr_before(state: &State, pr: &PullRequest) -> (PrKey, Option<Light>) {
    let key = (pr.repository.clone(), pr.head_branch.clone());
    let old = state.cluster.prs.get(&key).map(light);
    (key, old)
}

fn run_changed(state: &mut State, key: &ObjectKey, old: Option<Phase>) -> Vec<Effect> {
    // Only what the notices read, not a copy of the run: this runs for every event of a
    // 10,000-object list.
    let Some(run) = state.cluster.runs.get(key) else {
        return Vec::new();
    };
    let new = run.phase.clone();
    if old.as_ref() == Some(&new) {
        return Vec::new();
    }
    let failed_why = (new == Phase::Failed && old.is_some()).then(|| {
        run.headline_condition()
            .and_then(|c| c.reason.clone())
            .or_else(|| run.reason.clone())
            .unwrap_or_default()
    });
    // The run's wave as the planner sees it (its label, else its work item's), as the wave
    // tally placed it for this event (`control::on_run` ran first).
    let wave = state.cluster.control.waves.wave_of(key);
    state.cluster.record_phase(key, state.now, new.clone());
    // The first listing is the starting point, not news.
    let Some(old) = old else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    if let Some(why) = failed_why {
        effects.push(notify("Run failed", format!("{} failed {why}", key.name)));
    }
    if new.is_terminal()
        && !old.is_terminal()
        && let Some(wave) = wave
    {
        let count = state.cluster.control.waves.get(wave);
        if count.finished() {
            let body = format!(
                "wave {wave} finished: {} succeeded, {} not",
                count.succeeded,
                count.runs - count.succeeded
            );
            effects.push(notify("Wave finished", body));
        }
    }
    effects
}

fn pr_changed(state: &mut State, key: &PrKey, old: Option<Light>) -> Vec<Effect> {
    let Some(pr) = state.cluster.prs.get(key).cloned() else {
        return Vec::new();
    };
    let new = light(&pr);
    let Some(old) = old else {
        return Vec::new();
    };
    let number = pr.number;
    match (old, new) {
        (o, Light::Green) if o != Light::Green => vec![notify(
            "PR green",
            format!("#{number} {}: checks pass", key.1),
        )],
        (o, Light::Red) if o != Light::Red => vec![notify(
            "PR red",
            format!("#{number} {}: checks fail", key.1),
        )],
        _ => Vec::new(),
    }
}

fn notify(title: &str, body: String) -> Effect {
    Effect::Notify {
        title: title.to_owned(),
        body,
    }
}
