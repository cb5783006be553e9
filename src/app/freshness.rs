//! How fresh each source on screen is: the Kubernetes watches (last event or bookmark), the GitHub
//! poller (last good refresh) and an open log stream (how long it has been reconnecting). A silent
//! stall must never pass for a quiet swarm, so each stale source is named with its age.
use super::logs::StreamState;
use super::msg::{ConnState, WatchNote};
use super::state::State;
use crate::domain::ResourceKind;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// A log stream not streaming for longer than this shows its age.
const LOG_STALE_AFTER: Duration = Duration::seconds(2);

/// What the status line knows about one watch besides its `ConnState`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WatchInfo {
    /// The watch reports its progress (the Kubernetes source does; the demo does not, and is never
    /// stale).
    pub tracked: bool,
    /// What it is doing or waiting for ("relisting agentruns (4,000 so far)").
    pub doing: Option<String>,
    /// Last event or bookmark the stream delivered.
    pub last_delivery: Option<DateTime<Utc>>,
    /// When its connection state last changed.
    pub since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Freshness {
    pub watches: BTreeMap<ResourceKind, WatchInfo>,
    /// A watch silent for longer than this (its bookmark interval and a margin) is stale.
    pub watch_stale_after: Duration,
    /// GitHub data older than this (about two refresh intervals) is stale; `None`: no poller.
    pub github_stale_after: Option<Duration>,
    /// The open log stream: its id, its state's variant, and since when.
    pub log_stream: Option<(u64, std::mem::Discriminant<StreamState>, DateTime<Utc>)>,
}

impl Default for Freshness {
    fn default() -> Self {
        Freshness {
            watches: BTreeMap::new(),
            watch_stale_after: Duration::seconds(40),
            github_stale_after: None,
            log_stream: None,
        }
    }
}

/// The stream of `kind` delivered something (an object, the end of a list, a bookmark).
pub fn delivered(state: &mut State, kind: ResourceKind) {
    let now = state.now;
    // A delivery changes the screen only when it ends a stale note: otherwise (a bookmark every
    // minute on an idle swarm) it is bookkeeping, and must not cost a frame.
    let shown_stale = stale_sources(state)
        .iter()
        .any(|s| s.label == kind.plural());
    let freshness = if shown_stale {
        &mut *state.freshness
    } else {
        state.freshness.quietly()
    };
    freshness.watches.entry(kind).or_default().last_delivery = Some(now);
}

pub fn on_note(state: &mut State, kind: ResourceKind, note: WatchNote) {
    let tracked = state
        .freshness
        .watches
        .get(&kind)
        .is_some_and(|info| info.tracked);
    if !tracked {
        state.freshness.watches.entry(kind).or_default().tracked = true;
    }
    match note {
        WatchNote::Alive => delivered(state, kind),
        WatchNote::Doing(doing) => {
            if state.freshness.watches.get(&kind).map(|i| &i.doing) != Some(&doing) {
                state.freshness.watches.entry(kind).or_default().doing = doing;
            }
        }
    }
}

pub fn on_connection(state: &mut State, kind: ResourceKind, conn: &ConnState) {
    let now = state.now;
    // "reconnecting 12s" counts from when it began reconnecting, whatever it waited for since.
    let was = state
        .cluster
        .connection
        .get(&kind)
        .map(std::mem::discriminant);
    if was != Some(std::mem::discriminant(conn)) {
        state.freshness.watches.entry(kind).or_default().since = Some(now);
    }
    if *conn == ConnState::Connected {
        delivered(state, kind);
    }
}

/// One source whose data is older than it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// "agentruns", "GitHub", "logs reconnecting".
    pub label: String,
    pub since: DateTime<Utc>,
    /// The data is old ("GitHub 5m old"), rather than a state that lasts ("logs reconnecting 12s").
    pub old: bool,
}

/// Remembers when the open log stream's state last changed (checked on every tick and log event,
/// so the age is right to the second without the log view keeping a clock of its own).
pub fn track_logs(state: &mut State) {
    let now = state.now;
    let current = state
        .screens
        .logs()
        .map(|v| (v.stream_id, std::mem::discriminant(&v.stream)));
    match (&state.freshness.log_stream, current) {
        (None, None) => {}
        (_, None) => state.freshness.log_stream = None,
        (Some((id, kind, _)), Some((cid, ckind))) if *id == cid && *kind == ckind => {}
        (_, Some((cid, ckind))) => state.freshness.log_stream = Some((cid, ckind, now)),
    }
}

/// Each source on screen whose data is older than it should be.
pub fn stale_sources(state: &State) -> Vec<Stale> {
    let mut out = Vec::new();
    for (kind, info) in &state.freshness.watches {
        // A watch that is not connected already says so, and why.
        if !info.tracked || state.cluster.connection.get(kind) != Some(&ConnState::Connected) {
            continue;
        }
        if let Some(t) = info.last_delivery
            && crate::domain::clock::older_than(state.now, t, state.freshness.watch_stale_after)
        {
            out.push(Stale {
                label: kind.plural().to_owned(),
                since: t,
                old: true,
            });
        }
    }
    if let (Some(limit), Some(status)) = (
        state.freshness.github_stale_after,
        state.github.status.as_ref(),
    ) && status.health == super::github::GitHubHealth::Ok
        && let Some(t) = status.last_ok
        && crate::domain::clock::older_than(state.now, t, limit)
    {
        out.push(Stale {
            label: "GitHub".into(),
            since: t,
            old: true,
        });
    }
    if let (Some(view), Some((_, _, since))) = (state.screens.logs(), state.freshness.log_stream)
        && crate::domain::clock::older_than(state.now, since, LOG_STALE_AFTER)
    {
        let what = match &view.stream {
            StreamState::Reconnecting(_) => Some("reconnecting"),
            StreamState::Connecting => Some("connecting"),
            StreamState::Waiting(_) => Some("waiting"),
            _ => None,
        };
        if let Some(what) = what {
            out.push(Stale {
                label: format!("logs {what}"),
                since,
                old: false,
            });
        }
    }
    out
}
