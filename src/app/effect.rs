//! What `update` asks the runtime to do. Effects are data so tests can assert them.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Leave the cockpit (terminal restored by the runtime).
    Quit,
}
