//! Emailing announcements: each account in the audience with a confirmed address, not
//! closed, gets an emailed announcement once, in its language.
//!
//! One `announcement_email` row per (announcement, account) is inserted before the email
//! is sent (`INSERT … ON CONFLICT DO NOTHING`), so of two senders (two instances, or a run
//! that overlaps the next) only the one whose insert lands sends it. The outcome is written
//! on the row: a failed email is claimed back and sent again on a later pass; one the
//! sender was sending when it stopped is not sent again (at most once). When a pass has
//! sent every email, the announcement is marked done and later passes skip it. A
//! withdrawn announcement sends nothing more.

use std::{sync::Arc, time::Duration};

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::OnConflict,
};
use uuid::Uuid;

use super::{Announcements, find, members};
use crate::{
    AppError,
    account::ssr::entities::user_account,
    announcements::entities::{announcement, announcement_email},
    clock::now_ms,
    i18n::Lang,
    mail::{EmailState, Mailer, templates},
};

/// How often the sender looks for announcements to email without being woken.
pub const SENDER_EVERY: Duration = Duration::from_secs(300);
/// Accounts read at a time.
const PAGE: u64 = 200;

/// Sends what is due of every announcement to be emailed; answers the emails sent.
pub async fn send_pending(
    db: &DatabaseConnection,
    mailer: &Mailer,
    site_url: &str,
) -> Result<usize, AppError> {
    let now = now_ms();
    let due = announcement::Entity::find()
        .filter(announcement::Column::Email.eq(true))
        .filter(announcement::Column::EmailsDoneMs.is_null())
        .filter(announcement::Column::WithdrawnMs.is_null())
        .filter(announcement::Column::EndsMs.gt(now))
        .order_by_asc(announcement::Column::CreatedMs)
        .all(db)
        .await?;
    let mut sent = 0;
    for a in due {
        sent += send_one(db, mailer, site_url, &a).await?;
    }
    Ok(sent)
}

/// One announcement's emails, page by page of accounts.
async fn send_one(
    db: &DatabaseConnection,
    mailer: &Mailer,
    site_url: &str,
    a: &announcement::Model,
) -> Result<usize, AppError> {
    let link = a
        .link
        .as_ref()
        .map(|l| format!("{}{l}", site_url.trim_end_matches('/')));
    let mut after = Uuid::nil();
    let mut sent = 0;
    let mut failed = false;
    loop {
        // Withdrawn meanwhile: nothing more goes out.
        if find(db, a.id)
            .await?
            .is_none_or(|now| now.withdrawn_ms.is_some())
        {
            return Ok(sent);
        }
        let accounts = user_account::Entity::find()
            .filter(user_account::Column::Id.gt(after))
            .filter(user_account::Column::EmailVerifiedAt.is_not_null())
            .filter(user_account::Column::DeletedMs.is_null())
            .filter(members(a.audience))
            .order_by_asc(user_account::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = accounts.last() else { break };
        after = last.id;
        for account in &accounts {
            if !claim(db, a.id, account.id).await? {
                continue;
            }
            let lang = account.lang();
            let (title, body) = match lang {
                Lang::En => (&a.title_en, &a.body_en),
                Lang::ZhHans => (&a.title_zh, &a.body_zh),
            };
            let message = templates::announcement(
                lang,
                &templates::Announcement {
                    username: &account.username,
                    to: &account.email,
                    title,
                    body,
                    link: link.as_deref(),
                },
            );
            let (state, at) = match mailer.send(message).await {
                Ok(()) => {
                    sent += 1;
                    (EmailState::Sent, Some(now_ms()))
                }
                Err(e) => {
                    // The error names the server's answer, never the message.
                    tracing::warn!(announcement = %a.id, user = %account.id, error = %e, "an announcement email failed");
                    failed = true;
                    (EmailState::Failed, None)
                }
            };
            announcement_email::Entity::update_many()
                .col_expr(announcement_email::Column::State, state.as_str().into())
                .col_expr(announcement_email::Column::EmailedMs, at.into())
                .filter(announcement_email::Column::AnnouncementId.eq(a.id))
                .filter(announcement_email::Column::UserId.eq(account.id))
                .exec(db)
                .await?;
        }
    }
    if !failed {
        announcement::Entity::update_many()
            .col_expr(announcement::Column::EmailsDoneMs, now_ms().into())
            .filter(announcement::Column::Id.eq(a.id))
            .filter(announcement::Column::EmailsDoneMs.is_null())
            .exec(db)
            .await?;
    }
    tracing::info!(announcement = %a.id, sent, failed, "announcement emails sent");
    Ok(sent)
}

/// Takes the email of `announcement` to `user` for sending: true if this sender is to
/// send it (its row is new, or a failed one taken back).
async fn claim(db: &DatabaseConnection, announcement: Uuid, user: Uuid) -> Result<bool, AppError> {
    let inserted = announcement_email::Entity::insert(announcement_email::ActiveModel {
        announcement_id: Set(announcement),
        user_id: Set(user),
        state: Set(EmailState::Sending),
        emailed_ms: Set(None),
    })
    .on_conflict(
        OnConflict::columns([
            announcement_email::Column::AnnouncementId,
            announcement_email::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted == 1 {
        return Ok(true);
    }
    let retaken = announcement_email::Entity::update_many()
        .col_expr(
            announcement_email::Column::State,
            EmailState::Sending.as_str().into(),
        )
        .filter(announcement_email::Column::AnnouncementId.eq(announcement))
        .filter(announcement_email::Column::UserId.eq(user))
        .filter(announcement_email::Column::State.eq(EmailState::Failed))
        .exec(db)
        .await?
        .rows_affected;
    Ok(retaken == 1)
}

/// Runs the sender until the task is aborted: a pass at start, then whenever an
/// announcement to email is published here, and every [`SENDER_EVERY`].
pub fn spawn_sender(
    db: DatabaseConnection,
    mailer: Mailer,
    site_url: String,
    service: Arc<Announcements>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = send_pending(&db, &mailer, &site_url).await {
                tracing::warn!(error = %e, "sending announcement emails failed; trying again later");
            }
            tokio::select! {
                () = service.wake.notified() => {}
                () = tokio::time::sleep(SENDER_EVERY) => {}
            }
        }
    })
}
