//! The author's views of their letters: one letter, and the overview.

use super::*;

pub(super) fn recipient_view(
    letters: &Letters,
    r: letter_recipient::Model,
) -> Result<RecipientView, AppError> {
    let contact = letters.opened_contact(&r)?;
    Ok(RecipientView {
        id: r.id,
        is_self: r.is_self,
        name: contact.name,
        email: contact.email,
        phone: contact.phone,
        status: r.status,
        attempts: r.attempts,
        sent_ms: r.sent_ms,
        last_error: r.last_error,
        thanked: r.thanked_ms.is_some(),
        thanks_note: r.thanks_note,
    })
}
/// The alt text a picture shows to anyone but its author: its place in the letter, never
/// the name of the file it was uploaded from (which may name people or places).
pub fn public_alt(position: usize) -> String {
    fill(t().letters.picture_alt, &[("n", &(position + 1))])
}

pub(super) fn image_view(i: letter_image::Model, url: String) -> ImageView {
    ImageView {
        id: i.id,
        url,
        width: i.width,
        height: i.height,
        alt: i.alt,
        bytes: i.bytes,
    }
}
pub(super) async fn images_of(
    db: &impl ConnectionTrait,
    letter: Uuid,
) -> Result<Vec<letter_image::Model>, AppError> {
    Ok(letter_image::Entity::find()
        .filter(letter_image::Column::LetterId.eq(letter))
        .order_by_asc(letter_image::Column::Position)
        .order_by_asc(letter_image::Column::CreatedMs)
        .all(db)
        .await?)
}
/// The author's view of one of their letters.
pub async fn letter_view(
    db: &DatabaseConnection,
    user: Uuid,
    id: Uuid,
) -> Result<LetterView, AppError> {
    let letters = service()?;
    let l = own_letter(db, user, id).await?;
    let text = letters.opened(&l)?;
    let recipients = letter_recipient::Entity::find()
        .filter(letter_recipient::Column::LetterId.eq(l.id))
        .order_by_asc(letter_recipient::Column::Position)
        .all(db)
        .await?;
    let images = images_of(db, l.id).await?;
    let topics = crate::letters::topics::topics_of(db, l.id).await?;
    let on_wall =
        l.visibility.is_public() && l.status == LetterStatus::Delivered && l.hidden_ms.is_none();
    let goal = goals::goal_views(db, user, &[&l]).await?.remove(&l.id);
    let then_now = goals::then_now(db, &letters.keys, user, &l).await?;
    let tz = zone(&l.timezone);
    let (deliver_local, deliver_utc, deliver_date, deliver_time) = match l.deliver_at_ms {
        Some(at) => {
            let (local, utc) = describe(at, tz);
            let dt = DateTime::<Utc>::from_timestamp_millis(at)
                .unwrap_or_default()
                .with_timezone(&tz);
            (
                Some(local),
                Some(utc),
                dt.format("%Y-%m-%d").to_string(),
                dt.format("%H:%M").to_string(),
            )
        }
        None => (None, None, String::new(), String::new()),
    };
    Ok(LetterView {
        id: l.id,
        html: letter_html(&text.body),
        title: text.title,
        body: text.body,
        status: l.status,
        deliver_at_ms: l.deliver_at_ms,
        deliver_date,
        deliver_time,
        deliver_local,
        deliver_utc,
        timezone: l.timezone,
        to_self: l.to_self,
        send_sms: l.send_sms,
        public: l.visibility.is_public(),
        pen_name: l.pen_name,
        topics,
        wall_url: on_wall.then(|| format!("/wall/{}", l.public_id)),
        hidden: l.hidden_ms.is_some(),
        recipients: recipients
            .into_iter()
            .map(|r| recipient_view(&letters, r))
            .collect::<Result<_, _>>()?,
        images: images
            .into_iter()
            .map(|i| {
                let url = format!("/api/letters/images/{}", i.id);
                image_view(i, url)
            })
            .collect(),
        created_ms: l.created_ms,
        updated_ms: l.updated_ms,
        delivered_ms: l.delivered_ms,
        goal,
        then_now,
    })
}
/// The caller's letters (newest change first), unread notifications and compose settings.
pub async fn overview(db: &DatabaseConnection, user: Uuid) -> Result<LettersHome, AppError> {
    let letters_cfg = service()?;
    let account = user_row(db, user).await?;
    let rows = letter::Entity::find()
        .filter(letter::Column::UserId.eq(user))
        .order_by_desc(letter::Column::UpdatedMs)
        .limit(500)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|l| l.id).collect();
    let mut recipient_counts = std::collections::HashMap::<Uuid, usize>::new();
    for (letter_id,) in letter_recipient::Entity::find()
        .select_only()
        .column(letter_recipient::Column::LetterId)
        .filter(letter_recipient::Column::LetterId.is_in(ids.clone()))
        .into_tuple::<(Uuid,)>()
        .all(db)
        .await?
    {
        *recipient_counts.entry(letter_id).or_default() += 1;
    }
    let mut image_counts = std::collections::HashMap::<Uuid, usize>::new();
    for (letter_id,) in letter_image::Entity::find()
        .select_only()
        .column(letter_image::Column::LetterId)
        .filter(letter_image::Column::LetterId.is_in(ids))
        .into_tuple::<(Uuid,)>()
        .all(db)
        .await?
    {
        *image_counts.entry(letter_id).or_default() += 1;
    }
    let waiting: Vec<&letter::Model> = rows
        .iter()
        .filter(|l| l.status == LetterStatus::Scheduled)
        .collect();
    let mut goals = goals::goal_views(db, user, &waiting).await?;
    let (goal_tags, goal_habits) = goals::choices(db, user).await?;
    let letters = rows
        .into_iter()
        .map(|l| {
            Ok(LetterSummary {
                id: l.id,
                title: letters_cfg.opened(&l)?.title,
                status: l.status,
                deliver_at_ms: l.deliver_at_ms,
                deliver_local: l.deliver_at_ms.map(|at| describe(at, zone(&l.timezone)).0),
                recipients: recipient_counts.get(&l.id).copied().unwrap_or(0),
                images: image_counts.get(&l.id).copied().unwrap_or(0),
                updated_ms: l.updated_ms,
                goal: goals.remove(&l.id),
            })
        })
        .collect::<Result<_, AppError>>()?;
    // News about letters, in the reader's language; security notices are shown with the
    // account's security activity, and a finished data export on its export card.
    let notifications = crate::notifications::ssr::unread(
        db,
        &letters_cfg.keys,
        user,
        &[
            crate::notifications::Kind::LetterDelivered,
            crate::notifications::Kind::LetterThanks,
        ],
        crate::i18n::lang(),
    )
    .await?;
    Ok(LettersHome {
        letters,
        notifications,
        now_ms: now_ms(),
        timezone: account.timezone,
        own_email: account.email,
        email_verified: account.email_verified_at.is_some(),
        min_lead_secs: letters_cfg.config.min_lead_secs,
        goal_tags,
        goal_habits,
    })
}
