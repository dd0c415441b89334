//! News that a person's records changed (a focus session recorded or retagged, a check-in
//! made or undone, a diary entry written), for whoever waits on them: letters that open
//! when their author reaches a goal. Server only, in-process: each instance tells its own
//! listener about the records written through it, after they are committed.
//!
//! The areas that write records sit below the one that listens, so they cannot call it;
//! they send a user's id here instead. Sending never blocks and never fails: with nobody
//! listening (a command-line run, a test without letters) the news is dropped, and the
//! listener's own sweeps at start and every few minutes catch anything missed.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use uuid::Uuid;

/// Where records' news goes: one listener at most (the last to [`subscribe`](Self::subscribe)).
#[derive(Clone, Default)]
pub struct RecordNews {
    tx: Arc<Mutex<Option<mpsc::UnboundedSender<Uuid>>>>,
}

impl RecordNews {
    /// Starts listening: every later [`changed`](Self::changed) arrives here.
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<Uuid> {
        let (tx, rx) = mpsc::unbounded_channel();
        *self.tx.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        rx
    }

    /// Tells the listener that `user`'s records changed (call after the commit).
    pub fn changed(&self, user: Uuid) {
        let mut tx = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        if tx.as_ref().is_some_and(|t| t.send(user).is_err()) {
            *tx = None;
        }
    }
}

/// [`RecordNews::changed`] through the news service the server provided for this request
/// (nothing outside a request, or when none was provided).
pub fn changed(user: Uuid) {
    if let Some(news) = leptos::prelude::use_context::<RecordNews>() {
        news.changed(user);
    }
}
