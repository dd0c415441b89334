//! The letters part of the archive: letters with their recipients, topics and pictures.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::archive::{Archive, at, at_opt, export_row};
use super::{Progress, owned};
use crate::{
    AppError, ResultExt,
    i18n::fill,
    letters::ssr::Letters,
    letters::{
        LetterStatus, RecipientStatus, Visibility,
        entities::{letter, letter_image, letter_recipient, letter_topic},
        storage::BlobStore,
    },
};

/// A letter as `letters/letters.json` has it: everything, with its recipients and pictures.
#[derive(Serialize)]
struct Letter {
    id: Uuid,
    title: String,
    body: String,
    file: String,
    status: LetterStatus,
    deliver_at: Value,
    time_zone: String,
    to_myself: bool,
    text_message: bool,
    visibility: Visibility,
    pen_name: Option<String>,
    topics: Vec<String>,
    wall_address: Option<String>,
    created_at: Value,
    updated_at: Value,
    delivered_at: Value,
    hidden_by_moderator_at: Value,
    recipients: Vec<Recipient>,
    pictures: Vec<Picture>,
    /// What a letter to oneself waits for besides its date (`letters::goals`).
    goal: Option<Goal>,
    /// The figures a letter to oneself was sealed with.
    figures_when_written: Option<crate::diary::Figures>,
}

/// A letter's goal, in `letters/letters.json`.
#[derive(Serialize)]
struct Goal {
    kind: crate::letters::goals::GoalKind,
    target: i32,
    tag: Option<Uuid>,
    habit: Option<Uuid>,
    counted_from: Value,
    latest: Value,
    reached_at: Value,
}

/// One recipient of a letter, in `letters/letters.json`.
#[derive(Serialize)]
struct Recipient {
    myself: bool,
    name: Option<String>,
    email: String,
    phone: Option<String>,
    status: RecipientStatus,
    sent_at: Value,
    text_message_sent_at: Value,
    thanked_at: Value,
    thanks_note: Option<String>,
}

/// One picture of a letter, in `letters/letters.json`; `file` is its place in the archive.
#[derive(Serialize)]
struct Picture {
    file: String,
    description: String,
    width: i32,
    height: i32,
    #[serde(rename = "type")]
    mime: String,
    added_at: Value,
}

export_row! {
    /// A letter as `letters/letters.csv` has it: recipients as `name <email>` (or the
    /// email alone), pictures as their number.
    LetterRow {
        id: Uuid,
        title: String,
        status: LetterStatus,
        deliver_at: Value,
        time_zone: String,
        visibility: Visibility,
        pen_name: Option<String>,
        recipients: Vec<String>,
        pictures: usize,
        delivered_at: Value,
        file: String,
    }
}

impl LetterRow {
    fn of(l: &Letter) -> Self {
        Self {
            id: l.id,
            title: l.title.clone(),
            status: l.status,
            deliver_at: l.deliver_at.clone(),
            time_zone: l.time_zone.clone(),
            visibility: l.visibility,
            pen_name: l.pen_name.clone(),
            recipients: l
                .recipients
                .iter()
                .map(|r| match &r.name {
                    Some(name) => format!("{name} <{}>", r.email),
                    None => r.email.clone(),
                })
                .collect(),
            pictures: l.pictures.len(),
            delivered_at: l.delivered_at.clone(),
            file: l.file.clone(),
        }
    }
}

/// Writes `letters/<id>/letter.md` and the pictures of every letter, then
/// `letters/letters.json` and `letters/letters.csv`; reports progress picture by picture.
pub(super) async fn write(
    db: &DatabaseConnection,
    service: &Letters,
    user: Uuid,
    progress: &Progress<'_>,
    zip: &mut Archive,
) -> Result<(), AppError> {
    let store = service.store.as_ref();
    let letters = letter::Entity::find()
        .filter(letter::Column::UserId.eq(user))
        .order_by_asc(letter::Column::CreatedMs)
        .all(db)
        .await?;
    let mut recipients = recipients_by_letter(db, service, user).await?;
    let mut topics = topics_by_letter(db, user).await?;
    let mut pictures = pictures_by_letter(db, store, user, progress, zip).await?;
    let ids: Vec<Uuid> = letters.iter().map(|l| l.id).collect();
    let mut goals: std::collections::HashMap<Uuid, Goal> =
        crate::letters::entities::letter_goal::Entity::find()
            .filter(crate::letters::entities::letter_goal::Column::LetterId.is_in(ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|g| {
                (
                    g.letter_id,
                    Goal {
                        kind: g.kind,
                        target: g.target,
                        tag: g.tag_id,
                        habit: g.habit_id,
                        counted_from: at(g.since_ms),
                        latest: at(g.latest_ms),
                        reached_at: at_opt(g.reached_ms),
                    },
                )
            })
            .collect();
    let mut figures = std::collections::HashMap::new();
    for s in crate::letters::entities::letter_snapshot::Entity::find()
        .filter(crate::letters::entities::letter_snapshot::Column::LetterId.is_in(ids))
        .all(db)
        .await?
    {
        let json = service
            .keys
            .open(crate::seal::Field::LetterFigures, s.letter_id, &s.figures)
            .or_internal("opening a letter's figures for an export")?;
        let f: crate::diary::Figures =
            serde_json::from_str(&json).or_internal("reading a letter's figures for an export")?;
        figures.insert(s.letter_id, f);
    }
    let mut rows = Vec::new();
    for l in letters {
        let text = service.opened(&l)?;
        let mut md = format!("# {}\n\n", text.title);
        if let Some(when) = l.deliver_at_ms {
            md.push_str(&format!(
                "Delivery: {} ({})\n\n",
                at(when).as_str().unwrap_or_default(),
                l.timezone
            ));
        }
        md.push_str(&text.body);
        md.push('\n');
        let file = format!("letters/{}/letter.md", l.id);
        zip.file(&file, md.as_bytes(), true)?;
        let wall_address = (l.visibility.is_public() && l.status == LetterStatus::Delivered)
            .then(|| format!("/wall/{}", l.public_id));
        rows.push(Letter {
            id: l.id,
            title: text.title,
            body: text.body,
            file,
            status: l.status,
            deliver_at: at_opt(l.deliver_at_ms),
            time_zone: l.timezone,
            to_myself: l.to_self,
            text_message: l.send_sms,
            visibility: l.visibility,
            pen_name: l.pen_name,
            topics: topics.remove(&l.id).unwrap_or_default(),
            wall_address,
            created_at: at(l.created_ms),
            updated_at: at(l.updated_ms),
            delivered_at: at_opt(l.delivered_ms),
            hidden_by_moderator_at: at_opt(l.hidden_ms),
            recipients: recipients.remove(&l.id).unwrap_or_default(),
            pictures: pictures.remove(&l.id).unwrap_or_default(),
            goal: goals.remove(&l.id),
            figures_when_written: figures.remove(&l.id),
        });
    }
    zip.json("letters/letters.json", &rows)?;
    let flat: Vec<LetterRow> = rows.iter().map(LetterRow::of).collect();
    zip.csv_file("letters/letters.csv", &flat)
}

/// The recipients of `user`'s letters, by letter, in their order.
async fn recipients_by_letter(
    db: &DatabaseConnection,
    service: &Letters,
    user: Uuid,
) -> Result<HashMap<Uuid, Vec<Recipient>>, AppError> {
    let mut recipients: HashMap<Uuid, Vec<Recipient>> = HashMap::new();
    for r in letter_recipient::Entity::find()
        .filter(letter_recipient::Column::LetterId.in_subquery(owned(
            letter::Column::Id,
            letter::Column::UserId,
            user,
        )))
        .order_by_asc(letter_recipient::Column::Position)
        .all(db)
        .await?
    {
        let contact = service.opened_contact(&r)?;
        recipients.entry(r.letter_id).or_default().push(Recipient {
            myself: r.is_self,
            name: contact.name,
            email: contact.email,
            phone: contact.phone,
            status: r.status,
            sent_at: at_opt(r.sent_ms),
            text_message_sent_at: at_opt(r.sms_sent_ms),
            thanked_at: at_opt(r.thanked_ms),
            thanks_note: r.thanks_note,
        });
    }
    Ok(recipients)
}

/// The topics of `user`'s letters, by letter.
async fn topics_by_letter(
    db: &DatabaseConnection,
    user: Uuid,
) -> Result<HashMap<Uuid, Vec<String>>, AppError> {
    let mut topics: HashMap<Uuid, Vec<String>> = HashMap::new();
    for t in letter_topic::Entity::find()
        .filter(letter_topic::Column::LetterId.in_subquery(owned(
            letter::Column::Id,
            letter::Column::UserId,
            user,
        )))
        .all(db)
        .await?
    {
        topics.entry(t.letter_id).or_default().push(t.topic);
    }
    Ok(topics)
}

/// Writes `letters/<id>/picture-<n>.<ext>` for every picture of `user`'s and answers their
/// index entries by letter; reports progress (60 to 95 %) picture by picture.
async fn pictures_by_letter(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    user: Uuid,
    progress: &Progress<'_>,
    zip: &mut Archive,
) -> Result<HashMap<Uuid, Vec<Picture>>, AppError> {
    let images = letter_image::Entity::find()
        .filter(letter_image::Column::UserId.eq(user))
        .order_by_asc(letter_image::Column::Position)
        .all(db)
        .await?;
    let mut pictures: HashMap<Uuid, Vec<Picture>> = HashMap::new();
    let total = images.len();
    for (n, image) in images.into_iter().enumerate() {
        let step = 60 + (35 * n / total.max(1)) as i32;
        let what = fill(
            progress.texts.step_pictures,
            &[("n", &(n + 1)), ("total", &total)],
        );
        progress.step(step, &what).await?;
        let ext = match image.mime.as_str() {
            "image/png" => "png",
            "image/webp" => "webp",
            _ => "jpg",
        };
        let file = format!(
            "letters/{}/picture-{}.{ext}",
            image.letter_id,
            image.position + 1
        );
        match store.get(&image.storage_key).await {
            Ok(bytes) => zip.file(&file, &bytes, false)?,
            // A missing file is reported in the index rather than failing the whole export.
            Err(e) => tracing::warn!(image = %image.id, error = %e, "export: picture unreadable"),
        }
        pictures.entry(image.letter_id).or_default().push(Picture {
            file,
            description: image.alt,
            width: image.width,
            height: image.height,
            mime: image.mime,
            added_at: at(image.created_ms),
        });
    }
    Ok(pictures)
}
