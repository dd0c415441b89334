//! What a reader sees: the announcements for them that are showing and that they have not
//! dismissed, in their language; and dismissing one, for every device at once.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{OnConflict, Query},
};
use uuid::Uuid;

use super::{find, is_member};
use crate::{
    AppError,
    announcements::{
        Banner,
        entities::{announcement, announcement_dismissal},
    },
    clock::now_ms,
    i18n::Lang,
};

/// Banners shown at once, at most (the newest).
const SHOWN: u64 = 3;

/// The banners `user` sees now, newest first, in `lang`.
pub async fn banners(
    db: &impl ConnectionTrait,
    user: Uuid,
    lang: Lang,
) -> Result<Vec<Banner>, AppError> {
    let now = now_ms();
    let dismissed = Query::select()
        .column(announcement_dismissal::Column::AnnouncementId)
        .from(announcement_dismissal::Entity)
        .and_where(announcement_dismissal::Column::UserId.eq(user))
        .to_owned();
    let showing = announcement::Entity::find()
        .filter(announcement::Column::WithdrawnMs.is_null())
        .filter(announcement::Column::CreatedMs.lte(now))
        .filter(announcement::Column::EndsMs.gt(now))
        .filter(announcement::Column::Id.not_in_subquery(dismissed))
        .order_by_desc(announcement::Column::CreatedMs)
        .limit(SHOWN * 4)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for a in showing {
        if out.len() as u64 == SHOWN {
            break;
        }
        if is_member(db, user, a.audience).await? {
            out.push(banner(a, lang));
        }
    }
    Ok(out)
}

fn banner(a: announcement::Model, lang: Lang) -> Banner {
    let (title, body) = match lang {
        Lang::En => (a.title_en, a.body_en),
        Lang::ZhHans => (a.title_zh, a.body_zh),
    };
    Banner {
        id: a.id.to_string(),
        title,
        body,
        link: a.link,
    }
}

/// Records that `user` dismissed announcement `id` (again is fine). An id that names no
/// announcement is "not found".
pub async fn dismiss(db: &impl ConnectionTrait, user: Uuid, id: Uuid) -> Result<(), AppError> {
    find(db, id).await?.ok_or(AppError::NotFound)?;
    announcement_dismissal::Entity::insert(announcement_dismissal::ActiveModel {
        announcement_id: Set(id),
        user_id: Set(user),
        dismissed_ms: Set(now_ms()),
    })
    .on_conflict(
        OnConflict::columns([
            announcement_dismissal::Column::AnnouncementId,
            announcement_dismissal::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
