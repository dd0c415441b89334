//! News between instances on one PostgreSQL database. A change that other instances must
//! hear of (a timer, the wall) sends `pg_notify` on its channel; each instance keeps one
//! listening connection ([`spawn_listener`]) and hands what arrives to the part that
//! subscribed to the channel. A notification sent inside a transaction is delivered at
//! commit, and never for a rolled-back one. An instance hears its own notifications too;
//! subscribers treat them like any other (the work is repeated, never wrong).
//!
//! A listening connection that was lost and is back may have missed notifications: every
//! subscriber is told to catch up then ([`Subscriber::resync`]). SQLite has one instance
//! and no listener: notifying is a no-op there.

use std::{sync::Arc, time::Duration};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, Statement, sqlx::postgres::PgListener,
};

use crate::AppError;

/// What a notification is about; each channel has one subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A user's timer changed (payload: the user's id).
    Focus,
    /// What the public wall shows changed (no payload).
    Wall,
}

impl Channel {
    /// The PostgreSQL channel name (lower case: `LISTEN` quotes it).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Focus => "ripen_focus",
            Self::Wall => "ripen_wall",
        }
    }

    const ALL: [Self; 2] = [Self::Focus, Self::Wall];

    fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// Tells every instance (this one included) about a change, at the commit of the
/// transaction `db` is in, if any; nothing on SQLite.
pub async fn notify(
    db: &impl ConnectionTrait,
    channel: Channel,
    payload: &str,
) -> Result<(), AppError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [channel.name().into(), payload.into()],
        ))
        .await?;
    }
    Ok(())
}

/// A part of the app that hears of changes on one channel.
#[async_trait::async_trait]
pub trait Subscriber: Send + Sync {
    fn channel(&self) -> Channel;
    /// One notification.
    async fn message(&self, payload: &str);
    /// Notifications may have been missed (the connection was lost): catch up.
    async fn resync(&self);
}

/// Listens for every subscriber's channel on one connection; `None` on SQLite.
pub fn spawn_listener(
    db: DatabaseConnection,
    subscribers: Vec<Arc<dyn Subscriber>>,
) -> Option<tokio::task::JoinHandle<()>> {
    if db.get_database_backend() != DbBackend::Postgres {
        return None;
    }
    Some(tokio::spawn(async move {
        loop {
            if let Err(e) = listen(&db, &subscribers).await {
                tracing::warn!(error = %e, "the listener for other instances' changes lost its connection; reconnecting");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            resync(&subscribers).await;
        }
    }))
}

async fn resync(subscribers: &[Arc<dyn Subscriber>]) {
    for s in subscribers {
        s.resync().await;
    }
}

async fn listen(
    db: &DatabaseConnection,
    subscribers: &[Arc<dyn Subscriber>],
) -> Result<(), sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
    let channels: Vec<&str> = subscribers.iter().map(|s| s.channel().name()).collect();
    listener.listen_all(channels.iter().copied()).await?;
    tracing::info!(?channels, "listening for other instances' changes");
    loop {
        // `None`: the connection was lost and is back (it reconnects by itself); what was
        // sent meanwhile is gone.
        match listener.try_recv().await? {
            Some(n) => {
                let channel = Channel::named(n.channel());
                for s in subscribers.iter().filter(|s| Some(s.channel()) == channel) {
                    s.message(n.payload()).await;
                }
            }
            None => {
                tracing::info!(
                    "the listener for other instances' changes reconnected; catching up"
                );
                resync(subscribers).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_are_lower_case_and_known_back() {
        for c in Channel::ALL {
            assert_eq!(c.name(), c.name().to_lowercase());
            assert_eq!(Channel::named(c.name()), Some(c));
        }
        assert_eq!(Channel::named("RIPEN_FOCUS"), None);
    }
}
