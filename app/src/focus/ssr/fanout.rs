//! Timer changes across instances (PostgreSQL). The transaction that changes a timer also
//! sends `pg_notify('ripen_focus', '<user id>')`, delivered at commit (never for a
//! rolled-back change). Each instance keeps one listening connection ([`spawn_fanout`]):
//! for a user with streams open here it reads the timer again and publishes it to them, so
//! a device whose stream is on another instance sees the change as fast as one on this
//! one. Its own notifications come back too and publish the same state again, which
//! browsers ignore (they keep the newest version).
//!
//! A listening connection that was lost and is back may have missed notifications: every
//! user with a stream open here is read again then. SQLite has one instance and no
//! listener: the in-process hub is all there is.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, Statement,
    sqlx::postgres::{PgListener, PgNotification},
};

use super::*;

/// The notification channel of timer changes.
pub const CHANNEL: &str = "ripen_focus";

/// Tells the other instances that `user`'s timer changed, inside the transaction that
/// changes it (nothing on SQLite).
pub(crate) async fn notify_change(db: &impl ConnectionTrait, user: Uuid) -> Result<(), AppError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), user.to_string().into()],
        ))
        .await?;
    }
    Ok(())
}

/// Publishes `user`'s timer, as stored now, to the streams open here.
async fn republish(db: &DatabaseConnection, hub: &FocusHub, user: Uuid) {
    match settle_and_snapshot(db, hub, user).await {
        Ok(snap) => hub.publish(user, &snap),
        Err(e) => tracing::warn!(error = %e, "a timer changed elsewhere could not be read"),
    }
}

/// Listens for timer changes made by other instances; `None` on SQLite.
pub fn spawn_fanout(db: DatabaseConnection, hub: FocusHub) -> Option<tokio::task::JoinHandle<()>> {
    if db.get_database_backend() != DbBackend::Postgres {
        return None;
    }
    Some(tokio::spawn(async move {
        loop {
            if let Err(e) = listen(&db, &hub).await {
                tracing::warn!(error = %e, "the timer listener lost its connection; reconnecting");
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            // Whatever changed meanwhile: read again for everyone watching here.
            for user in hub.watched() {
                republish(&db, &hub, user).await;
            }
        }
    }))
}

async fn listen(db: &DatabaseConnection, hub: &FocusHub) -> Result<(), sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
    listener.listen(CHANNEL).await?;
    tracing::info!(
        channel = CHANNEL,
        "listening for timer changes of other instances"
    );
    loop {
        // `None`: the connection was lost and is back (it reconnects by itself); what was
        // sent meanwhile is gone, so read everyone watched here again.
        match listener.try_recv().await? {
            Some(n) => on_notification(db, hub, &n).await,
            None => {
                tracing::info!("the timer listener reconnected; reading every watched timer again");
                for user in hub.watched() {
                    republish(db, hub, user).await;
                }
            }
        }
    }
}

async fn on_notification(db: &DatabaseConnection, hub: &FocusHub, n: &PgNotification) {
    let Ok(user) = Uuid::parse_str(n.payload()) else {
        return;
    };
    if hub.is_watched(user) {
        republish(db, hub, user).await;
    }
}
