//! Leaving, listing and reading notifications.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

pub use super::entities::notification;
use super::{Kind, NotificationView};
use crate::{AppError, clock::now_ms};

/// How many unread notifications a page shows at most.
const SHOWN: u64 = 20;

/// Stores an in-app notification.
pub async fn notify(
    db: &impl ConnectionTrait,
    user: Uuid,
    kind: Kind,
    title: &str,
    body: &str,
    link: Option<&str>,
) -> Result<(), AppError> {
    notification::Entity::insert(new(user, kind, title, body, link))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A new, unread notification (title and body cut to their stored lengths), for callers
/// that insert many at once (the letter scheduler).
pub fn new(
    user: Uuid,
    kind: Kind,
    title: &str,
    body: &str,
    link: Option<&str>,
) -> notification::ActiveModel {
    notification::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user),
        kind: Set(kind.as_str().to_owned()),
        title: Set(title.chars().take(200).collect()),
        body: Set(body.chars().take(500).collect()),
        link: Set(link.map(str::to_owned)),
        created_ms: Set(now_ms()),
        read_ms: Set(None),
    }
}

/// The person's unread notifications, newest first.
pub async fn unread(
    db: &DatabaseConnection,
    user: Uuid,
) -> Result<Vec<NotificationView>, AppError> {
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::ReadMs.is_null())
        .order_by_desc(notification::Column::CreatedMs)
        .limit(SHOWN)
        .all(db)
        .await?
        .into_iter()
        .map(|n| NotificationView {
            id: n.id,
            title: n.title,
            body: n.body,
            link: n.link,
            created_ms: n.created_ms,
            read: n.read_ms.is_some(),
        })
        .collect())
}

/// Marks all of the person's notifications read.
pub async fn read_all(db: &DatabaseConnection, user: Uuid) -> Result<(), AppError> {
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadMs, now_ms().into())
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::ReadMs.is_null())
        .exec(db)
        .await?;
    Ok(())
}
