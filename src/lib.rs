//! swarm cockpit: a terminal UI to watch and steer a swarm of coding agents (AgentRuns) on Kubernetes.
//!
//! Layout: `domain` holds pure view-models and parsers, `app` the pure state machine
//! (`update(&mut State, Msg) -> Vec<Effect>`), `ui` read-only views, `sources` the tasks that feed
//! messages (Kubernetes watchers, the embedded demo swarm), `runtime` the terminal and event loop.
#![deny(clippy::unwrap_used)]

pub mod app;
pub mod approve_cli;
pub mod audit_cli;
pub mod cli;
pub mod config;
pub mod crash;
pub mod domain;
pub mod effects;
pub mod heap_trim;
pub mod paths;
pub mod runtime;
pub mod sources;
pub mod timed_stdout;
pub mod ui;
pub mod validate;
pub mod wave_cli;
