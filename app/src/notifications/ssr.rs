//! Leaving, listing and reading notifications; and turning the ones stored as text
//! before notices had parameters into parameters.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

pub use super::entities::{notification, notification_text};
use super::{Kind, Notice, NotificationView};
use crate::{
    AppError, ResultExt,
    clock::now_ms,
    i18n::Lang,
    seal::{Field, Keyring, SealError},
};

/// How many unread notifications a page shows at most.
const SHOWN: u64 = 20;

/// Why a stored notice could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("notice parameters: {0}")]
    Params(#[from] serde_json::Error),
}

/// Stores an in-app notification for `user`.
pub async fn notify(
    db: &impl ConnectionTrait,
    keys: &Keyring,
    user: Uuid,
    notice: &Notice,
) -> Result<(), AppError> {
    notification::Entity::insert(new(keys, user, notice)?)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A new, unread notification, for callers that insert many at once (the letter
/// scheduler).
pub fn new(
    keys: &Keyring,
    user: Uuid,
    notice: &Notice,
) -> Result<notification::ActiveModel, AppError> {
    row(keys, Uuid::new_v4(), user, notice, now_ms(), None)
}

fn row(
    keys: &Keyring,
    id: Uuid,
    user: Uuid,
    notice: &Notice,
    created_ms: i64,
    read_ms: Option<i64>,
) -> Result<notification::ActiveModel, AppError> {
    let json = serde_json::to_string(notice).or_internal("writing a notice's parameters")?;
    Ok(notification::ActiveModel {
        id: Set(id),
        user_id: Set(user),
        kind: Set(notice.kind().as_str().to_owned()),
        params: Set(keys.seal(Field::NotificationParams, id, &json)),
        created_ms: Set(created_ms),
        read_ms: Set(read_ms),
    })
}

/// The person's unread notifications of the given kinds (a page lists those that concern
/// it), newest first, in `lang`.
pub async fn unread(
    db: &DatabaseConnection,
    keys: &Keyring,
    user: Uuid,
    kinds: &[Kind],
    lang: Lang,
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
            let shown = open(keys, &n)
                .or_internal("opening a sealed notification")?
                .render(lang);
            Ok(NotificationView {
                id: n.id,
                title: shown.title,
                body: shown.body,
                link: shown.link,
                created_ms: n.created_ms,
                read: n.read_ms.is_some(),
            })
        })
        .collect()
}

/// The parameters of a stored notification.
pub fn open(keys: &Keyring, n: &notification::Model) -> Result<Notice, OpenError> {
    let json = keys.open(Field::NotificationParams, n.id, &n.params)?;
    Ok(serde_json::from_str(&json)?)
}

/// Seals a notification's parameters again, with the newest key.
pub fn reseal(keys: &Keyring, n: &notification::Model) -> Result<crate::seal::Sealed, OpenError> {
    let json = keys.open(Field::NotificationParams, n.id, &n.params)?;
    Ok(keys.seal(Field::NotificationParams, n.id, &json))
}

/// Marks the person's notifications of these kinds read (all of them if `kinds` is empty).
pub async fn read_all(db: &DatabaseConnection, user: Uuid, kinds: &[Kind]) -> Result<(), AppError> {
    let mut update = notification::Entity::update_many()
        .col_expr(notification::Column::ReadMs, now_ms().into())
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::ReadMs.is_null());
    if !kinds.is_empty() {
        update = update.filter(notification::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())));
    }
    update.exec(db).await?;
    Ok(())
}

/// The notifications of `kind` still stored as text, in id order, `limit` at a time after
/// `after` (start with the nil id).
pub async fn stored_as_text(
    db: &DatabaseConnection,
    kind: Kind,
    after: Uuid,
    limit: u64,
) -> Result<Vec<notification_text::Model>, AppError> {
    Ok(notification_text::Entity::find()
        .filter(notification_text::Column::Kind.eq(kind.as_str()))
        .filter(notification_text::Column::Id.gt(after))
        .order_by_asc(notification_text::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// The title and body of a notification stored as text.
pub fn open_text(
    keys: &Keyring,
    n: &notification_text::Model,
) -> Result<(String, String), SealError> {
    Ok((
        keys.open(Field::NotificationTitle, n.id, &n.title)?,
        keys.open(Field::NotificationBody, n.id, &n.body)?,
    ))
}

/// Replaces a notification stored as text with `notice` (same id, time and read state),
/// or just deletes it when there is nothing left to tell (`None`: its letter is gone).
pub async fn replace_text(
    db: &DatabaseConnection,
    keys: &Keyring,
    old: &notification_text::Model,
    notice: Option<&Notice>,
) -> Result<(), AppError> {
    let txn = db.begin().await?;
    if let Some(notice) = notice {
        notification::Entity::insert(row(
            keys,
            old.id,
            old.user_id,
            notice,
            old.created_ms,
            old.read_ms,
        )?)
        .exec_without_returning(&txn)
        .await?;
    }
    notification_text::Entity::delete_by_id(old.id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// How many notifications are still stored as text (none, once every area has turned its
/// own into parameters).
pub async fn left_as_text(db: &DatabaseConnection) -> Result<u64, AppError> {
    use sea_orm::PaginatorTrait;
    Ok(notification_text::Entity::find().count(db).await?)
}

impl crate::error::InternalCause for OpenError {}
