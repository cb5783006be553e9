//! The cockpit's channel as a test driver reads it: one event at a time. Watches hand over a
//! chunk of their stream as one `Msg::Sources`; a driver that applied it whole would never see
//! the states in between (a blank board halfway through a relist would go unnoticed), so each
//! batch is split into its events, in order.
use std::collections::VecDeque;
use swarm_cockpit::app::Msg;
use tokio::sync::mpsc;

pub struct Singles {
    rx: mpsc::Receiver<Msg>,
    pending: VecDeque<Msg>,
}

impl Singles {
    pub fn new(rx: mpsc::Receiver<Msg>) -> Singles {
        Singles {
            rx,
            pending: VecDeque::new(),
        }
    }

    /// The next single message; `None` once every sender is gone.
    pub async fn recv(&mut self) -> Option<Msg> {
        if self.pending.is_empty() {
            self.pending.extend(self.rx.recv().await?.into_singles());
        }
        self.pending.pop_front()
    }

    /// The next single message that has already arrived.
    #[allow(dead_code)] // not every driver drains without waiting
    pub fn try_recv(&mut self) -> Option<Msg> {
        if self.pending.is_empty() {
            self.pending.extend(self.rx.try_recv().ok()?.into_singles());
        }
        self.pending.pop_front()
    }
}
