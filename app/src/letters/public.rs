//! Public letters as the wall sees them: the condition that puts a letter on the wall, a
//! counter the wall's page cache keys on, kept in step on every instance, and the limit
//! on how often an account publishes. Letters publish; the wall only reads.

use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ColumnTrait, Condition, ConnectionTrait};
use uuid::Uuid;

use super::{LetterStatus, Visibility, entities::letter};
use crate::{
    AppError,
    account::ssr::limiter::{Key, Limit, Scope},
    broadcast::{self, Channel, Subscriber},
};

/// The condition that puts a letter on the wall: delivered, public and not hidden by a
/// moderator. Every wall read goes through it (`wall::ssr::on_wall`), and so does the
/// search index (`letters::ssr::search`), which keeps words only of such letters.
pub fn on_wall() -> Condition {
    Condition::all()
        .add(letter::Column::Visibility.eq(Visibility::Public))
        .add(letter::Column::Status.eq(LetterStatus::Delivered))
        .add(letter::Column::HiddenMs.is_null())
        .add(letter::Column::DeliveredMs.is_not_null())
}

/// Bumped on every change that alters what the wall shows (a public letter delivered,
/// hidden, shown, unpublished, liked, or its author's account deleted), here or on
/// another instance: the server's page cache keys on it.
static GENERATION: AtomicU64 = AtomicU64::new(1);

pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

fn bump() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// The wall changed: this instance's cache starts over at once, and every other
/// instance's when it hears of it (PostgreSQL). Called after the change is committed; if
/// the others cannot be told, their caches still expire within their time to live.
pub async fn changed(db: &impl ConnectionTrait) {
    bump();
    if let Err(e) = broadcast::notify(db, Channel::Wall, "").await {
        tracing::warn!(error = %e, "other instances could not be told that the wall changed");
    }
}

/// Starts this instance's wall cache over when another instance changed the wall (or when
/// such news may have been missed).
pub struct WallChanges;

#[async_trait::async_trait]
impl Subscriber for WallChanges {
    fn channel(&self) -> Channel {
        Channel::Wall
    }

    async fn message(&self, _payload: &str) {
        bump();
    }

    async fn resync(&self) {
        bump();
    }
}

/// Counts one publication (a public letter scheduled, or a letter shared on the wall).
pub async fn take_publish(user: Uuid) -> Result<(), AppError> {
    let accounts = crate::account::ssr::accounts()?;
    let limit: Limit = accounts.settings.limits.publishes_per_account;
    accounts
        .limiter
        .take(Scope::Publish, &Key::user(user), limit)
        .await
}
