//! The control room's rules: why a run is not running (blocked reasons, saturation, stuck
//! deletions, duplicates), its steps and the runner's report, what a cancel really did, runs and
//! PRs reconciled, and what retention is about to delete. Pure: the app keeps the counters
//! up to date and the UI draws what these functions say.
pub mod blocked;
pub mod counts;
pub mod duplicate;
pub mod follow;
pub mod ledger;
pub mod reconcile;
pub mod retention;
pub mod steps;
pub mod terminating;
pub mod wave_tally;

pub use blocked::{BlockReason, Blocked};
pub use counts::{BlockedCounts, Contribution, Saturation, Scope};
pub use steps::{RunnerReport, StepPhase, WorkflowStep};
