//! Leaving, listing and reading notifications.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

pub use super::entities::notification;
use super::{Kind, NotificationView};
use crate::{
    AppError, ResultExt,
    clock::now_ms,
    seal::{Field, Keyring, SealError},
};

/// How many unread notifications a page shows at most.
const SHOWN: u64 = 20;

/// Stores an in-app notification, its title and body sealed with `keys` (they may name a
/// letter, which is sealed too).
pub async fn notify(
    db: &impl ConnectionTrait,
    keys: &Keyring,
    user: Uuid,
    kind: Kind,
    title: &str,
    body: &str,
    link: Option<&str>,
) -> Result<(), AppError> {
    notification::Entity::insert(new(keys, user, kind, title, body, link))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A new, unread notification (title and body cut to their stored lengths), for callers
/// that insert many at once (the letter scheduler).
pub fn new(
    keys: &Keyring,
    user: Uuid,
    kind: Kind,
    title: &str,
    body: &str,
    link: Option<&str>,
) -> notification::ActiveModel {
    let id = Uuid::new_v4();
    let title: String = title.chars().take(200).collect();
    let body: String = body.chars().take(500).collect();
    notification::ActiveModel {
        id: Set(id),
        user_id: Set(user),
        kind: Set(kind.as_str().to_owned()),
        title: Set(keys.seal(Field::NotificationTitle, id, &title)),
        body: Set(keys.seal(Field::NotificationBody, id, &body)),
        link: Set(link.map(str::to_owned)),
        created_ms: Set(now_ms()),
        read_ms: Set(None),
    }
}

/// The person's unread notifications of the given kinds (a page lists those that concern
/// it), newest first.
pub async fn unread(
    db: &DatabaseConnection,
    keys: &Keyring,
    user: Uuid,
    kinds: &[Kind],
) -> Result<Vec<NotificationView>, AppError> {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::ReadMs.is_null())
        .filter(notification::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
        .order_by_desc(notification::Column::CreatedMs)
        .limit(SHOWN)
        .all(db)
        .await?
        .into_iter()
        .map(|n| {
            let (title, body) = open(keys, &n).or_internal("opening a sealed notification")?;
            Ok(NotificationView {
                id: n.id,
                title,
                body,
                link: n.link,
                created_ms: n.created_ms,
                read: n.read_ms.is_some(),
            })
        })
        .collect()
}

/// The title and body of a stored notification.
pub fn open(keys: &Keyring, n: &notification::Model) -> Result<(String, String), SealError> {
    Ok((
        keys.open(Field::NotificationTitle, n.id, &n.title)?,
        keys.open(Field::NotificationBody, n.id, &n.body)?,
    ))
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
