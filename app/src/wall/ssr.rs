//! The wall's queries and actions (server only).
//!
//! Every read goes through [`on_wall`] — delivered, public, not hidden — so a private,
//! undelivered or hidden letter is simply not found. Nothing here selects or returns the
//! author's account: a card is built from the letter row alone (its pen name, or
//! "Anonymous").

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use super::{
    Cursor, MAX_REPORT_NOTE, ModerationItem, PAGE_SIZE, REPORT_REASONS, ReportView, WallCard,
    WallImage, WallLetter, WallPage, reason_label, topic_label,
};
use crate::staff::{
    AuditAction, StaffRole,
    ssr::{Object, last_moderation, record, require},
};
use crate::{
    AppError,
    account::ssr::{
        entities::user_account,
        limiter::{Key, Limit, Scope},
    },
    i18n::{fill, t},
    letters::{
        LetterStatus, Visibility,
        entities::{letter, letter_image, letter_topic},
        rules,
        ssr::{long_date, zone},
    },
    search::{MAX_QUERY_CHARS, Query},
};

use super::entities::{letter_like, letter_report};

/// The condition that puts a letter on the wall (kept by letters, which also index by it).
pub use crate::letters::public::{changed, generation, on_wall};

/// The signed-in viewer, if any (the wall is public; a broken session is a visitor).
pub async fn viewer() -> Option<user_account::Model> {
    crate::account::ssr::current_user().await.ok().flatten()
}

fn clean_public_id(id: &str) -> Result<&str, AppError> {
    let id = id.trim();
    if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AppError::NotFound);
    }
    Ok(id)
}

/// The wall letter with this public id, or `NotFound`.
pub async fn find_on_wall(db: &impl ConnectionTrait, id: &str) -> Result<letter::Model, AppError> {
    letter::Entity::find()
        .filter(letter::Column::PublicId.eq(clean_public_id(id)?))
        .filter(on_wall())
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

fn signed(l: &letter::Model) -> String {
    l.pen_name
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map_or_else(|| t().wall.anonymous.to_owned(), str::to_owned)
}

/// Cards for these letters, with topics, like counts, the viewer's likes and image counts
/// (four queries, whatever the number of letters).
async fn cards(
    db: &impl ConnectionTrait,
    viewer: Option<Uuid>,
    letters: &[letter::Model],
) -> Result<Vec<WallCard>, AppError> {
    let ids: Vec<Uuid> = letters.iter().map(|l| l.id).collect();
    let mut topics: HashMap<Uuid, Vec<String>> = HashMap::new();
    for t in letter_topic::Entity::find()
        .filter(letter_topic::Column::LetterId.is_in(ids.clone()))
        .order_by_asc(letter_topic::Column::Topic)
        .all(db)
        .await?
    {
        topics.entry(t.letter_id).or_default().push(t.topic);
    }
    let likes: HashMap<Uuid, i64> = letter_like::Entity::find()
        .select_only()
        .column(letter_like::Column::LetterId)
        .column_as(letter_like::Column::UserId.count(), "n")
        .filter(letter_like::Column::LetterId.is_in(ids.clone()))
        .group_by(letter_like::Column::LetterId)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let liked: HashSet<Uuid> = match viewer {
        Some(v) => letter_like::Entity::find()
            .select_only()
            .column(letter_like::Column::LetterId)
            .filter(letter_like::Column::UserId.eq(v))
            .filter(letter_like::Column::LetterId.is_in(ids.clone()))
            .into_tuple::<Uuid>()
            .all(db)
            .await?
            .into_iter()
            .collect(),
        None => HashSet::new(),
    };
    let images: HashMap<Uuid, i64> = letter_image::Entity::find()
        .select_only()
        .column(letter_image::Column::LetterId)
        .column_as(letter_image::Column::Id.count(), "n")
        .filter(letter_image::Column::LetterId.is_in(ids))
        .group_by(letter_image::Column::LetterId)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let service = crate::letters::ssr::service()?;
    letters
        .iter()
        .map(|l| {
            let tz = zone(&l.timezone);
            let delivered = l.delivered_ms.unwrap_or(l.created_ms);
            let text = service.opened(l)?;
            Ok(WallCard {
                public_id: l.public_id.clone(),
                title: text.title,
                excerpt: crate::markdown::excerpt(&text.body, 320),
                signed: signed(l),
                written_on: long_date(l.created_ms, tz),
                delivered_on: long_date(delivered, tz),
                waited: fill(
                    t().wall.waited,
                    &[(
                        "span",
                        &rules::duration_words((delivered - l.created_ms).max(0)),
                    )],
                ),
                topics: topics.remove(&l.id).unwrap_or_default(),
                likes: likes.get(&l.id).copied().unwrap_or(0),
                liked: liked.contains(&l.id),
                images: usize::try_from(images.get(&l.id).copied().unwrap_or(0)).unwrap_or(0),
            })
        })
        .collect()
}

/// Which letters of the wall a page lists.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    /// A topic's key.
    pub topic: Option<&'a str>,
    /// Words to search for (see [`crate::search`]); nothing to look for shows every letter.
    pub q: Option<&'a str>,
}

/// The letters whose title or body hold every word of `query`, as a condition on `letter`:
/// the search index (`letters::ssr::search`) asked the engine's way, its terms bound as
/// one value, never written into the SQL.
fn matching(backend: DatabaseBackend, query: &Query) -> Expr {
    match backend {
        DatabaseBackend::Sqlite => Expr::cust_with_values(
            r#""letter"."id" IN (SELECT s.letter_id FROM letter_search s WHERE s.id IN (SELECT rowid FROM letter_search_fts WHERE letter_search_fts MATCH ?))"#,
            [query.fts5()],
        ),
        _ => Expr::cust_with_values(
            r#""letter"."id" IN (SELECT letter_id FROM letter_search WHERE to_tsvector('simple', doc) @@ to_tsquery('simple', $1))"#,
            [query.tsquery()],
        ),
    }
}

/// One page of the wall: newest delivered first, `PAGE_SIZE` letters after `after`.
/// Keyset pagination on (delivered_ms, public_id): letters delivered meanwhile never
/// shift a later page, so none repeats and none is skipped. A search keeps that order
/// (newest first, not by relevance), so its pages page the same way.
pub async fn page(
    db: &DatabaseConnection,
    viewer: Option<user_account::Model>,
    filter: Filter<'_>,
    after: Option<&str>,
) -> Result<WallPage, AppError> {
    // Parsed as typed (a trailing space ends the last word), shown trimmed.
    let search = filter.q.and_then(|q| {
        Query::parse(q).map(|query| {
            let shown: String = q.trim().chars().take(MAX_QUERY_CHARS).collect();
            (shown, query)
        })
    });
    let topic = match filter.topic.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) if topic_label(t).is_some() => Some(t.to_owned()),
        Some(_) => return Err(AppError::validation("topic", t().wall.no_such_topic)),
        None => None,
    };
    let cursor = after
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(Cursor::parse)
        .transpose()?;
    let mut q = letter::Entity::find().filter(on_wall());
    if let Some(c) = &cursor {
        q = q.filter(
            Condition::any()
                .add(letter::Column::DeliveredMs.lt(c.delivered_ms))
                .add(
                    Condition::all()
                        .add(letter::Column::DeliveredMs.eq(c.delivered_ms))
                        .add(letter::Column::PublicId.lt(c.public_id.clone())),
                ),
        );
    }
    if let Some(t) = &topic {
        q = q.filter(
            letter::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(letter_topic::Column::LetterId)
                    .from(letter_topic::Entity)
                    .and_where(letter_topic::Column::Topic.eq(t.clone()))
                    .to_owned(),
            ),
        );
    }
    if let Some((_, query)) = &search {
        q = q.filter(matching(db.get_database_backend(), query));
    }
    let mut rows = q
        .order_by_desc(letter::Column::DeliveredMs)
        .order_by_desc(letter::Column::PublicId)
        .limit(PAGE_SIZE as u64 + 1)
        .all(db)
        .await?;
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let next = more.then(|| rows.last()).flatten().map(|l| {
        Cursor {
            delivered_ms: l.delivered_ms.unwrap_or(0),
            public_id: l.public_id.clone(),
        }
        .encode()
    });
    Ok(WallPage {
        cards: cards(db, viewer.as_ref().map(|v| v.id), &rows).await?,
        next,
        topic,
        q: search.map(|(q, _)| q),
        signed_in: viewer.is_some(),
        site: site()?,
    })
}

/// One wall letter with its images.
pub async fn letter(
    db: &DatabaseConnection,
    viewer: Option<user_account::Model>,
    id: &str,
) -> Result<WallLetter, AppError> {
    let l = find_on_wall(db, id).await?;
    let viewer_id = viewer.as_ref().map(|v| v.id);
    let card = cards(db, viewer_id, std::slice::from_ref(&l))
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let images = letter_image::Entity::find()
        .filter(letter_image::Column::LetterId.eq(l.id))
        .order_by_asc(letter_image::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .enumerate()
        .map(|(n, i)| WallImage {
            url: format!("/wall/{}/images/{}", l.public_id, i.id),
            width: i.width,
            height: i.height,
            alt: crate::letters::ssr::public_alt(n),
        })
        .collect();
    let reported = match viewer_id {
        Some(v) => letter_report::Entity::find_by_id((l.id, v))
            .one(db)
            .await?
            .is_some(),
        None => false,
    };
    let body = crate::letters::ssr::service()?.opened(&l)?.body;
    Ok(WallLetter {
        description: crate::markdown::excerpt(&body, 155),
        html: crate::letters::ssr::letter_html(&body),
        card,
        images,
        site: site()?,
        signed_in: viewer.is_some(),
        reported,
    })
}

/// An image of a wall letter: (storage key, mime), or `NotFound`.
pub async fn image(
    db: &DatabaseConnection,
    public_id: &str,
    image: Uuid,
) -> Result<letter_image::Model, AppError> {
    let l = find_on_wall(db, public_id).await?;
    letter_image::Entity::find_by_id(image)
        .filter(letter_image::Column::LetterId.eq(l.id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// An image of a letter on the public wall (anyone may see it while the letter is there).
pub async fn image_for_wall(
    db: &DatabaseConnection,
    letters: &crate::letters::ssr::Letters,
    public_id: &str,
    image_id: Uuid,
) -> Result<(String, Vec<u8>), AppError> {
    let img = image(db, public_id, image_id).await?;
    crate::letters::ssr::blob(letters, img).await
}

fn site() -> Result<String, AppError> {
    Ok(crate::letters::ssr::service()?
        .site_url
        .trim_end_matches('/')
        .to_owned())
}

fn limits() -> Result<crate::account::ssr::limiter::AuthLimits, AppError> {
    Ok(crate::account::ssr::accounts()?.settings.limits)
}

/// Counts one use of `scope` by `user` against `limit`, or refuses.
async fn take(scope: Scope, user: Uuid, limit: Limit) -> Result<(), AppError> {
    crate::account::ssr::accounts()?
        .limiter
        .take(scope, &Key::user(user), limit)
        .await
}

pub async fn toggle_like(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
) -> Result<(bool, i64), AppError> {
    let l = find_on_wall(db, id).await?;
    take(Scope::Like, user, limits()?.likes_per_account).await?;
    let removed = letter_like::Entity::delete_by_id((l.id, user))
        .exec(db)
        .await?
        .rows_affected;
    if removed == 0 {
        letter_like::Entity::insert(letter_like::ActiveModel {
            letter_id: Set(l.id),
            user_id: Set(user),
            created_ms: Set(Utc::now().timestamp_millis()),
        })
        .on_conflict(
            OnConflict::columns([letter_like::Column::LetterId, letter_like::Column::UserId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    changed(db).await;
    let count = letter_like::Entity::find()
        .filter(letter_like::Column::LetterId.eq(l.id))
        .count(db)
        .await?;
    Ok((removed == 0, i64::try_from(count).unwrap_or(i64::MAX)))
}

pub async fn report(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    reason: &str,
    note: &str,
) -> Result<(), AppError> {
    let l = find_on_wall(db, id).await?;
    let reason = reason.trim();
    if !REPORT_REASONS.contains(&reason) {
        return Err(AppError::validation("reason", t().wall.choose_reason));
    }
    let note = note.trim();
    if note.chars().count() > MAX_REPORT_NOTE {
        return Err(AppError::validation(
            "note",
            fill(t().wall.note_too_long, &[("max", &MAX_REPORT_NOTE)]),
        ));
    }
    take(Scope::Report, user, limits()?.reports_per_account).await?;
    // One report per person and letter: a repeat replaces the reason and reopens it.
    letter_report::Entity::insert(letter_report::ActiveModel {
        letter_id: Set(l.id),
        user_id: Set(user),
        reason: Set(reason.to_owned()),
        note: Set(note.to_owned()),
        created_ms: Set(Utc::now().timestamp_millis()),
        resolved_ms: Set(None),
    })
    .on_conflict(
        OnConflict::columns([
            letter_report::Column::LetterId,
            letter_report::Column::UserId,
        ])
        .update_columns([
            letter_report::Column::Reason,
            letter_report::Column::Note,
            letter_report::Column::CreatedMs,
            letter_report::Column::ResolvedMs,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Letters with open reports, then hidden ones; each with who reported what.
pub async fn queue(db: &DatabaseConnection, user: Uuid) -> Result<Vec<ModerationItem>, AppError> {
    require(db, user, StaffRole::Moderator).await?;
    let reports = letter_report::Entity::find()
        .order_by_desc(letter_report::Column::CreatedMs)
        .limit(2000)
        .all(db)
        .await?;
    let mut ids: Vec<Uuid> = reports.iter().map(|r| r.letter_id).collect();
    ids.extend(
        letter::Entity::find()
            .select_only()
            .column(letter::Column::Id)
            .filter(letter::Column::HiddenMs.is_not_null())
            .into_tuple::<Uuid>()
            .all(db)
            .await?,
    );
    ids.sort_unstable();
    ids.dedup();
    let letters = letter::Entity::find()
        .filter(letter::Column::Id.is_in(ids))
        .filter(letter::Column::Visibility.eq(Visibility::Public))
        .filter(letter::Column::Status.eq(LetterStatus::Delivered))
        .all(db)
        .await?;
    // A closed account is gone from every page, the moderators' included.
    let shown_name = |u: user_account::Model| {
        let name = if u.deleted_ms.is_some() {
            t().wall.closed_account.to_owned()
        } else {
            u.username
        };
        (u.id, name)
    };
    let reporter_ids: Vec<Uuid> = reports.iter().map(|r| r.user_id).collect();
    let names: HashMap<Uuid, String> = user_account::Entity::find()
        .filter(user_account::Column::Id.is_in(reporter_ids))
        .all(db)
        .await?
        .into_iter()
        .map(shown_name)
        .collect();
    let public_ids: Vec<String> = letters.iter().map(|l| l.public_id.clone()).collect();
    let last = last_moderation(db, &public_ids).await?;
    let admin_ids: Vec<Uuid> = last.values().filter_map(|(who, _, _)| *who).collect();
    let admins: HashMap<Uuid, String> = user_account::Entity::find()
        .filter(user_account::Column::Id.is_in(admin_ids))
        .all(db)
        .await?
        .into_iter()
        .map(shown_name)
        .collect();
    let utc = chrono_tz::UTC;
    let service = crate::letters::ssr::service()?;
    let mut items: Vec<ModerationItem> = letters
        .into_iter()
        .map(|l| {
            let mine: Vec<&letter_report::Model> =
                reports.iter().filter(|r| r.letter_id == l.id).collect();
            let text = service.opened(&l)?;
            Ok(ModerationItem {
                public_id: l.public_id.clone(),
                title: text.title,
                excerpt: crate::markdown::excerpt(&text.body, 400),
                hidden: l.hidden_ms.is_some(),
                open_reports: mine.iter().filter(|r| r.resolved_ms.is_none()).count(),
                reports: mine
                    .iter()
                    .map(|r| ReportView {
                        reporter: names
                            .get(&r.user_id)
                            .cloned()
                            .unwrap_or_else(|| t().wall.deleted_account.into()),
                        reason: reason_label(&r.reason)
                            .map_or_else(|| r.reason.clone(), str::to_owned),
                        note: r.note.clone(),
                        when: long_date(r.created_ms, utc),
                    })
                    .collect(),
                last_action: last.get(&l.public_id).map(|(who, what, at)| {
                    let admin = who
                        .and_then(|a| admins.get(&a).cloned())
                        .unwrap_or_else(|| t().wall.former_admin.into());
                    fill(
                        if *what == AuditAction::WallHide {
                            t().wall.last_hidden
                        } else {
                            t().wall.last_shown
                        },
                        &[("admin", &admin), ("date", &long_date(*at, utc))],
                    )
                }),
            })
        })
        .collect::<Result<_, AppError>>()?;
    // Open reports first (most first), then hidden letters.
    items.sort_by(|a, b| {
        b.open_reports
            .cmp(&a.open_reports)
            .then(a.hidden.cmp(&b.hidden))
    });
    Ok(items)
}

/// Hides a letter from the wall at once (or shows it again), resolving its open reports
/// and recording who did it.
pub async fn moderate(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    hide: bool,
) -> Result<(), AppError> {
    let role = require(db, user, StaffRole::Moderator).await?;
    let id = clean_public_id(id)?;
    let l = letter::Entity::find()
        .filter(letter::Column::PublicId.eq(id))
        .filter(letter::Column::Visibility.eq(Visibility::Public))
        .filter(letter::Column::Status.eq(LetterStatus::Delivered))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = Utc::now().timestamp_millis();
    // The change and its audit row together, or neither.
    let txn = db.begin().await?;
    letter::Entity::update_many()
        .col_expr(
            letter::Column::HiddenMs,
            if hide { Some(now) } else { None::<i64> }.into(),
        )
        .filter(letter::Column::Id.eq(l.id))
        .exec(&txn)
        .await?;
    letter_report::Entity::update_many()
        .col_expr(letter_report::Column::ResolvedMs, Some(now).into())
        .filter(letter_report::Column::LetterId.eq(l.id))
        .filter(letter_report::Column::ResolvedMs.is_null())
        .exec(&txn)
        .await?;
    let action = if hide {
        AuditAction::WallHide
    } else {
        AuditAction::WallShow
    };
    record(
        &txn,
        Some(user),
        Some(role),
        action,
        Object::Letter(&l.public_id),
        None,
    )
    .await?;
    txn.commit().await?;
    // The search index keeps only letters on the wall: a hidden letter's words go.
    let letters = crate::letters::ssr::service()?;
    crate::letters::ssr::search::sync(db, &letters, &[l.id]).await;
    changed(db).await;
    tracing::info!(letter = %l.public_id, admin = %user, hide, "wall moderation");
    Ok(())
}

/// Every letter on the wall, for `sitemap.xml`: (public id, delivered ms), newest first.
pub async fn sitemap(db: &DatabaseConnection, max: u64) -> Result<Vec<(String, i64)>, AppError> {
    Ok(letter::Entity::find()
        .select_only()
        .column(letter::Column::PublicId)
        .column(letter::Column::DeliveredMs)
        .filter(on_wall())
        .order_by_desc(letter::Column::DeliveredMs)
        .limit(max)
        .into_tuple::<(String, Option<i64>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, at)| (id, at.unwrap_or(0)))
        .collect())
}
