//! The state the in-process benches start from: the Torghut plan, the clock at a fixed instant
//! (2026-02-10 12:00 UTC, after every fixture's timestamps), no data yet.
use chrono::{DateTime, TimeZone, Utc};
use swarm_cockpit::app::State;
use swarm_cockpit::app::state::Origin;
use swarm_cockpit::domain::Plan;
use swarm_cockpit::domain::plan::TORGHUT_PLAN;

/// The benches' "now".
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 10, 12, 0, 0)
        .single()
        .expect("time")
}

/// An empty state on the Torghut plan at [`now`], watching `origin`.
pub fn torghut_state(origin: Origin) -> State {
    let plan = Plan::parse(TORGHUT_PLAN, "plan.toml").expect("plan");
    State::new(plan, origin, now())
}
