//! The pure heart of the cockpit: one `State`, one `Msg` enum, and `update` returning effects as
//! data. Nothing here awaits, touches the network or the terminal.
pub mod audit;
pub mod board;
pub mod control;
pub mod editor;
pub mod effect;
pub mod freshness;
pub mod github;
pub mod help;
pub mod keymap;
pub mod keytables;
pub mod lane_prs;
pub mod layout;
pub mod legend;
pub mod logs;
pub mod msg;
pub mod notify;
pub mod on_screen;
pub mod palette;
pub mod reconcile;
pub mod screen;
pub mod state;
pub mod summary;
pub mod toasts;
pub mod tracked;
pub mod update;
pub mod waves;
pub mod workitems;

pub use effect::Effect;
pub use msg::{ConnState, Msg, Resource, SourceEvent};
pub use state::State;
pub use update::update;
