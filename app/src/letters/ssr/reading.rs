//! The recipient's side: opening a delivered letter by its link, and thanking its author.

use super::*;

/// The recipient row a link token opens, if its letter reached that recipient.
pub(super) async fn delivered_recipient(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<letter_recipient::Model, AppError> {
    let token = token.trim();
    if token.is_empty() || token.len() > 100 {
        return Err(AppError::NotFound);
    }
    letter_recipient::Entity::find()
        .filter(letter_recipient::Column::TokenHash.eq(digest(token)))
        .filter(letter_recipient::Column::Status.eq(RecipientStatus::Sent))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}
/// A delivered letter as its recipient reads it.
pub async fn read(db: &DatabaseConnection, token: &str) -> Result<ReadView, AppError> {
    let letters = service()?;
    let r = delivered_recipient(db, token).await?;
    let l = letter::Entity::find_by_id(r.letter_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let author = author_of(db, &l).await?;
    let tz = zone(&l.timezone);
    let from = if r.is_self {
        t().letters.from_past_self.to_owned()
    } else {
        // A closed account's name is not shown, though its letters stay readable through
        // the grace period (and wall letters after it).
        author
            .filter(|a| a.deleted_ms.is_none())
            .map_or_else(|| t().letters.from_someone.to_owned(), |a| a.username)
    };
    let images = images_of(db, l.id)
        .await?
        .into_iter()
        .enumerate()
        .map(|(n, i)| {
            let url = format!("/l/{}/images/{}", token.trim(), i.id);
            ImageView {
                alt: public_alt(n),
                ..image_view(i, url)
            }
        })
        .collect();
    let text = letters.opened(&l)?;
    Ok(ReadView {
        html: letter_html(&text.body),
        title: text.title,
        images,
        from,
        written_on: long_date(l.created_ms, tz),
        delivered_on: long_date(r.sent_ms.unwrap_or(l.created_ms), tz),
        is_self: r.is_self,
        thanked: r.thanked_ms.is_some(),
    })
}
/// Records the recipient's thanks (once) and tells the author.
pub async fn thank(db: &DatabaseConnection, token: &str, note: &str) -> Result<(), AppError> {
    let letters = service()?;
    let note = rules::thanks_note(note)?;
    let r = delivered_recipient(db, token).await?;
    if r.is_self {
        return Err(AppError::validation("note", t().letters.thank_self));
    }
    let done = letter_recipient::Entity::update_many()
        .col_expr(letter_recipient::Column::ThankedMs, now_ms().into())
        .col_expr(letter_recipient::Column::ThanksNote, note.clone().into())
        .filter(letter_recipient::Column::Id.eq(r.id))
        .filter(letter_recipient::Column::ThankedMs.is_null())
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Ok(());
    }
    let l = letter::Entity::find_by_id(r.letter_id).one(db).await?;
    if let Some(l) = l
        && let Some(author) = author_of(db, &l).await?
    {
        // Worded when the author reads it, in the language of that moment.
        let notice = Notice::LetterThanks {
            letter: l.id,
            title: letters.opened(&l)?.title,
            who: letters.opened_contact(&r)?.name,
            note,
        };
        crate::notifications::ssr::notify(db, &letters.keys, author.id, &notice).await?;
    }
    Ok(())
}
