//! Announcements on the server, one file per job: `compose` (publishing, withdrawing and
//! listing, for administrators), `banners` (what a reader sees, and dismissing it),
//! `email` (sending each account an emailed announcement once) and `policy` (announcing
//! a new privacy policy at start).

mod banners;
mod compose;
mod email;
mod policy;

pub use banners::{banners, dismiss};
pub use compose::{list, publish, validate, withdraw};
pub use email::{SENDER_EVERY, send_pending, spawn_sender};
pub use policy::{ANNOUNCED_SETTING, POLICY_SHOWN_DAYS, announce_policy};

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use tokio::sync::Notify;
use uuid::Uuid;

use super::{Audience, entities::announcement};
use crate::{
    AppError,
    account::ssr::entities::user_account,
    letters::{LetterStatus, entities::letter},
    staff::ssr::entities::staff_role,
};

/// The announcements service: wakes the email sender when an announcement to be emailed
/// is published (the sender also looks every [`SENDER_EVERY`], which is how another
/// instance's announcements reach this one's sender, and how a failed email is retried).
#[derive(Debug, Default)]
pub struct Announcements {
    wake: Notify,
}

impl Announcements {
    /// Asks the sender to look for emails to send now.
    pub fn wake_sender(&self) {
        self.wake.notify_one();
    }
}

/// Accounts in `audience`, as a condition on `user_account`.
fn members(audience: Audience) -> Condition {
    use sea_orm::sea_query::Query;
    match audience {
        Audience::Everyone => Condition::all(),
        Audience::Staff => Condition::all().add(
            user_account::Column::Id.in_subquery(
                Query::select()
                    .column(staff_role::Column::UserId)
                    .from(staff_role::Entity)
                    .to_owned(),
            ),
        ),
        Audience::LetterWriters => Condition::all().add(
            user_account::Column::Id.in_subquery(
                Query::select()
                    .column(letter::Column::UserId)
                    .from(letter::Entity)
                    .and_where(letter::Column::Status.eq(LetterStatus::Scheduled))
                    .to_owned(),
            ),
        ),
    }
}

/// Whether `user` is in `audience`.
async fn is_member(
    db: &impl ConnectionTrait,
    user: Uuid,
    audience: Audience,
) -> Result<bool, AppError> {
    if audience == Audience::Everyone {
        return Ok(true);
    }
    let found = user_account::Entity::find()
        .select_only()
        .column(user_account::Column::Id)
        .filter(user_account::Column::Id.eq(user))
        .filter(members(audience))
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// The announcement with `id`, if any.
async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<announcement::Model>, AppError> {
    Ok(announcement::Entity::find_by_id(id).one(db).await?)
}
