//! The per-user event hub: fans a user's timer changes out to that user's open streams.

use super::*;

/// Fans a user's timer changes out to that user's open event streams (and no one else's).
/// In-process; on PostgreSQL, `fanout` brings other instances' changes to it.
#[derive(Clone, Default)]
pub struct FocusHub {
    channels: Arc<Mutex<HashMap<Uuid, broadcast::Sender<Arc<TimerSnapshot>>>>>,
    /// Told when a timer records a session (letters waiting on focus goals listen).
    news: crate::progress::RecordNews,
}
impl FocusHub {
    /// A hub that tells `news` about the sessions its timers record.
    pub fn with_news(news: crate::progress::RecordNews) -> Self {
        Self {
            channels: Arc::default(),
            news,
        }
    }

    /// Tells whoever waits on `user`'s records that they changed.
    pub fn records_changed(&self, user: Uuid) {
        self.news.changed(user);
    }

    pub fn subscribe(&self, user: Uuid) -> broadcast::Receiver<Arc<TimerSnapshot>> {
        let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(user)
            .or_insert_with(|| broadcast::channel(16).0)
            .subscribe()
    }

    pub fn publish(&self, user: Uuid, snapshot: &TimerSnapshot) {
        let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        // A send error means nobody listens any more.
        if let Some(tx) = map.get(&user)
            && tx.send(Arc::new(snapshot.clone())).is_err()
        {
            map.remove(&user);
        }
    }

    /// Whether `user` has a stream open here.
    pub fn is_watched(&self, user: Uuid) -> bool {
        let map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&user).is_some_and(|tx| tx.receiver_count() > 0)
    }

    /// The users with a stream open here.
    pub fn watched(&self) -> Vec<Uuid> {
        let map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        map.iter()
            .filter(|(_, tx)| tx.receiver_count() > 0)
            .map(|(user, _)| *user)
            .collect()
    }

    /// Open streams across all users (for metrics and tests).
    pub fn listeners(&self) -> usize {
        let map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        map.values().map(broadcast::Sender::receiver_count).sum()
    }
}
/// The timer's event hub the server provided for this request.
pub fn hub() -> Result<FocusHub, AppError> {
    crate::request::service()
}
