//! The one check every limit asks: what the account's plan allows now.

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use uuid::Uuid;

use super::{Billing, day, orders, service, zone_of};
use crate::{
    AppError,
    billing::{AccountPlan, Limits, PlanState, entities::subscription, plans},
    clock::now_ms,
};

/// Until when `user` has paid for Plus (none: never), and when a refund last cut it.
async fn plus_until(
    db: &impl ConnectionTrait,
    user: Uuid,
) -> Result<(Option<i64>, Option<i64>), AppError> {
    Ok(subscription::Entity::find_by_id(user)
        .one(db)
        .await?
        .map_or((None, None), |s| (Some(s.plus_until_ms), s.cut_ms)))
}

/// Where `user` stands at `now_ms`.
pub async fn plan_state(
    db: &impl ConnectionTrait,
    billing: &Billing,
    user: Uuid,
    now_ms: i64,
) -> Result<PlanState, AppError> {
    let (until, cut) = plus_until(db, user).await?;
    Ok(plans::state_at(
        until,
        cut,
        now_ms,
        billing.config.grace_ms(),
    ))
}

/// What `user`'s plan allows now, under `billing`. Every limit Plus lifts is decided
/// from this.
pub async fn limits_of(
    db: &impl ConnectionTrait,
    billing: &Billing,
    user: Uuid,
) -> Result<Limits, AppError> {
    let state = plan_state(db, billing, user, now_ms()).await?;
    Ok(if state.is_plus() {
        billing.config.plus
    } else {
        billing.config.free
    })
}

/// What `user`'s plan allows now (inside a request).
pub async fn limits(db: &impl ConnectionTrait, user: Uuid) -> Result<Limits, AppError> {
    let billing = service()?;
    limits_of(db, &billing, user).await
}

/// The caller's plan page: state, dates, limits and orders.
pub async fn my_plan(db: &DatabaseConnection, user: Uuid) -> Result<AccountPlan, AppError> {
    let billing = service()?;
    let now = now_ms();
    let (until, cut) = plus_until(db, user).await?;
    let grace = billing.config.grace_ms();
    let state = plans::state_at(until, cut, now, grace);
    let tz = zone_of(db, user).await?;
    // The last day of a span is the day of its last instant.
    let last_day = |end: i64| day(end - 1, tz);
    Ok(AccountPlan {
        state,
        plus_until: until.filter(|_| state.is_plus()).map(last_day),
        grace_until: until
            .filter(|_| state == PlanState::Grace)
            .map(|u| last_day(u + grace)),
        limits: if state.is_plus() {
            billing.config.plus
        } else {
            billing.config.free
        },
        orders: orders::list(db, user, tz).await?,
    })
}
