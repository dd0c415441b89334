//! Turns the letter notifications stored as text (before notices had parameters) into
//! parameters, from the letters they are about: run at start-up, before the server takes
//! requests. A notice whose letter is gone is dropped (it led nowhere).

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::Letters;
use crate::{
    AppError,
    letters::{
        entities::{letter, letter_recipient},
        status::RecipientStatus,
    },
    notifications::{Kind, Notice, ssr as notices},
};

const PAGE: u64 = 200;

/// What [`upgrade_stored_text`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Upgraded {
    pub converted: u64,
    /// Their letter was deleted.
    pub dropped: u64,
}

pub async fn upgrade_stored_text(
    db: &DatabaseConnection,
    letters: &Letters,
) -> Result<Upgraded, AppError> {
    let mut done = Upgraded::default();
    for kind in [Kind::LetterDelivered, Kind::LetterThanks] {
        let mut after = Uuid::nil();
        loop {
            let page = notices::stored_as_text(db, kind, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for old in page {
                let notice = notice_for(db, letters, kind, &old).await?;
                notices::replace_text(db, &letters.keys, &old, notice.as_ref()).await?;
                if notice.is_some() {
                    done.converted += 1;
                } else {
                    done.dropped += 1;
                }
            }
        }
    }
    Ok(done)
}

/// The parameters of an old letter notice, read off its letter (and, for thanks, the
/// recipient who thanked nearest to when the notice was written).
async fn notice_for(
    db: &DatabaseConnection,
    letters: &Letters,
    kind: Kind,
    old: &notices::notification_text::Model,
) -> Result<Option<Notice>, AppError> {
    let Some(id) = old
        .link
        .as_deref()
        .and_then(|l| l.strip_prefix("/letters/"))
        .and_then(|id| Uuid::parse_str(id).ok())
    else {
        return Ok(None);
    };
    let Some(l) = letter::Entity::find_by_id(id)
        .filter(letter::Column::UserId.eq(old.user_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let title = letters.opened(&l)?.title;
    let recipients = letter_recipient::Entity::find()
        .filter(letter_recipient::Column::LetterId.eq(l.id))
        .all(db)
        .await?;
    Ok(Some(match kind {
        Kind::LetterThanks => {
            let thanked = recipients
                .iter()
                .filter_map(|r| r.thanked_ms.map(|at| (r, (at - old.created_ms).abs())))
                .min_by_key(|(_, gap)| *gap)
                .map(|(r, _)| r);
            Notice::LetterThanks {
                letter: l.id,
                title,
                who: match thanked {
                    Some(r) => letters.opened_contact(r)?.name,
                    None => None,
                },
                note: thanked.and_then(|r| r.thanks_note.clone()),
            }
        }
        _ => {
            let count =
                |s: RecipientStatus| recipients.iter().filter(|r| r.status == s).count() as u64;
            Notice::LetterDelivered {
                letter: l.id,
                title,
                sent: count(RecipientStatus::Sent),
                failed: count(RecipientStatus::Failed),
            }
        }
    }))
}
