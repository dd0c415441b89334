//! Tags: the caller's labels for sessions, check-ins and entries.

use super::*;

pub(crate) async fn own_tag(
    db: &impl ConnectionTrait,
    user: Uuid,
    raw: &str,
) -> Result<tag::Model, AppError> {
    let id = parse_id(raw)?;
    tag::Entity::find_by_id(id)
        .filter(tag::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}
/// The caller's tags named by comma-separated ids (each must be theirs), without repeats.
pub(crate) async fn own_tags(
    db: &impl ConnectionTrait,
    user: Uuid,
    raw: Option<&str>,
) -> Result<Vec<Uuid>, AppError> {
    let mut ids = Vec::new();
    for part in raw
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let t = own_tag(db, user, part).await?;
        if !ids.contains(&t.id) {
            ids.push(t.id);
        }
    }
    Ok(ids)
}
pub(super) fn tag_view(t: &tag::Model) -> TagView {
    TagView {
        id: t.id,
        name: t.name.clone(),
        colour: t.colour.clone(),
    }
}
pub async fn list_tags(db: &DatabaseConnection, user: Uuid) -> Result<Vec<TagView>, AppError> {
    Ok(tag::Entity::find()
        .filter(tag::Column::UserId.eq(user))
        .order_by_asc(tag::Column::NameCanonical)
        .all(db)
        .await?
        .iter()
        .map(tag_view)
        .collect())
}
pub(super) fn tag_name(raw: &str) -> Result<String, AppError> {
    let t = &crate::i18n::t().timer;
    let n = raw.trim();
    match n.chars().count() {
        0 => Err(AppError::validation("name", t.tag_name_required)),
        1..=32 => Ok(n.to_owned()),
        _ => Err(AppError::validation(
            "name",
            crate::i18n::fill(t.too_long, &[("n", &32)]),
        )),
    }
}
pub(super) fn colour(raw: &str) -> Result<String, AppError> {
    let c = raw.trim().to_lowercase();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if ok {
        Ok(c)
    } else {
        Err(AppError::validation(
            "colour",
            crate::i18n::t().timer.colour_invalid,
        ))
    }
}
pub async fn create_tag(
    db: &DatabaseConnection,
    user: Uuid,
    name: &str,
    col: &str,
) -> Result<TagView, AppError> {
    let (name, col) = both(tag_name(name), colour(col))?;
    let duplicate = || AppError::validation("name", crate::i18n::t().timer.tag_exists);
    let canonical = name.to_lowercase();
    let exists = tag::Entity::find()
        .filter(tag::Column::UserId.eq(user))
        .filter(tag::Column::NameCanonical.eq(canonical.clone()))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Err(duplicate());
    }
    let t = tag::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user),
        name: Set(name),
        name_canonical: Set(canonical),
        colour: Set(col),
        created_at: Set(Utc::now().fixed_offset()),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if e.sql_err().is_some() {
            duplicate()
        } else {
            e.into()
        }
    })?;
    Ok(tag_view(&t))
}
pub async fn delete_tag(db: &DatabaseConnection, user: Uuid, id: &str) -> Result<(), AppError> {
    let t = own_tag(db, user, id).await?;
    let txn = db.begin().await?;
    focus_session_tag::Entity::delete_many()
        .filter(focus_session_tag::Column::TagId.eq(t.id))
        .exec(&txn)
        .await?;
    tag::Entity::delete_by_id(t.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}
