//! Timer changes across instances (PostgreSQL). The transaction that changes a timer also
//! notifies [`Channel::Focus`] with the user's id (see `crate::broadcast`). For a user
//! with streams open here, this instance reads the timer again and publishes it to them,
//! so a device whose stream is on another instance sees the change as fast as one on this
//! one. Its own notifications come back too and publish the same state again, which
//! browsers ignore (they keep the newest version). After a lost connection every user with
//! a stream open here is read again. SQLite has one instance: the in-process hub is all
//! there is.

use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::*;
use crate::broadcast::{self, Channel, Subscriber};

/// Tells the other instances that `user`'s timer changed, inside the transaction that
/// changes it (nothing on SQLite).
pub(crate) async fn notify_change(db: &impl ConnectionTrait, user: Uuid) -> Result<(), AppError> {
    broadcast::notify(db, Channel::Focus, &user.to_string()).await
}

/// Brings other instances' timer changes to this one's streams.
pub struct FanOut {
    db: DatabaseConnection,
    hub: FocusHub,
}

impl FanOut {
    pub fn new(db: DatabaseConnection, hub: FocusHub) -> Self {
        Self { db, hub }
    }

    /// Publishes `user`'s timer, as stored now, to the streams open here.
    async fn republish(&self, user: Uuid) {
        match settle_and_snapshot(&self.db, &self.hub, user).await {
            Ok(snap) => self.hub.publish(user, &snap),
            Err(e) => tracing::warn!(error = %e, "a timer changed elsewhere could not be read"),
        }
    }
}

#[async_trait::async_trait]
impl Subscriber for FanOut {
    fn channel(&self) -> Channel {
        Channel::Focus
    }

    async fn message(&self, payload: &str) {
        if let Ok(user) = Uuid::parse_str(payload)
            && self.hub.is_watched(user)
        {
            self.republish(user).await;
        }
    }

    async fn resync(&self) {
        for user in self.hub.watched() {
            self.republish(user).await;
        }
    }
}
