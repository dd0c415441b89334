//! The emails of Ripen Plus, in the account's language, to its address once confirmed: a
//! receipt when an order is paid, a word when a refund is made, and a reminder a week
//! before Plus ends (once per period: `subscription.reminded_ms` is claimed before it is
//! sent, so two instances never both send it). Nothing renews by itself, so the reminder
//! is the only way someone learns their Plus is ending.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::Billing;
use crate::{
    AppError,
    account::ssr::entities::user_account,
    billing::{
        Product,
        entities::{billing_order, billing_refund, subscription},
        money,
    },
    i18n::{DateStyle, Lang, date_in},
    mail::templates,
};

/// How long before Plus ends the reminder goes out.
pub const REMIND_BEFORE_MS: i64 = 7 * 86_400_000;

fn day_in(ms: i64, tz: Tz, lang: Lang) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| date_in(lang, &t.with_timezone(&tz).date_naive(), DateStyle::Long))
        .unwrap_or_default()
}

/// The account `user`, if it has a confirmed address to write to.
async fn reachable(
    db: &DatabaseConnection,
    user: Option<Uuid>,
) -> Result<Option<user_account::Model>, AppError> {
    let Some(user) = user else { return Ok(None) };
    Ok(user_account::Entity::find_by_id(user)
        .one(db)
        .await?
        .filter(|a| a.email_verified_at.is_some() && a.deleted_ms.is_none()))
}

fn product_words(lang: Lang, product: Product) -> &'static str {
    let t = &lang.texts().billing;
    match product {
        Product::PlusMonth => t.month,
        Product::PlusYear => t.year,
    }
}

/// The receipt of the order numbered `order_no`, just paid.
pub async fn paid(
    db: &DatabaseConnection,
    billing: &Billing,
    order_no: &str,
) -> Result<(), AppError> {
    let Some(mailer) = &billing.mailer else {
        return Ok(());
    };
    let Some(order) = billing_order::Entity::find()
        .filter(billing_order::Column::OrderNo.eq(order_no))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let Some(account) = reachable(db, order.user_id).await? else {
        return Ok(());
    };
    let lang = account.lang();
    let tz: Tz = account.timezone.parse().unwrap_or(Tz::UTC);
    let period = match (order.period_start_ms, order.period_end_ms) {
        (Some(s), Some(e)) => format!("{} – {}", day_in(s, tz, lang), day_in(e - 1, tz, lang)),
        _ => String::new(),
    };
    mailer.send_later(templates::plus_receipt(
        lang,
        &account.username,
        &account.email,
        &order.order_no,
        product_words(lang, order.product),
        &money(order.amount_fen, &order.currency),
        &period,
        &format!("{}/plus/orders/{}", billing.site_url, order.id),
    ));
    Ok(())
}

/// The word that refund `refund_no` was made.
pub async fn refunded(
    db: &DatabaseConnection,
    billing: &Billing,
    refund_no: &str,
) -> Result<(), AppError> {
    let Some(mailer) = &billing.mailer else {
        return Ok(());
    };
    let Some(refund) = billing_refund::Entity::find()
        .filter(billing_refund::Column::RefundNo.eq(refund_no))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let Some(order) = billing_order::Entity::find_by_id(refund.order_id)
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let Some(account) = reachable(db, order.user_id).await? else {
        return Ok(());
    };
    mailer.send_later(templates::plus_refund(
        account.lang(),
        &account.username,
        &account.email,
        &order.order_no,
        &money(refund.amount_fen, &order.currency),
        &format!("{}/plus/orders/{}", billing.site_url, order.id),
    ));
    Ok(())
}

/// Reminds every account whose Plus ends within a week and was not yet reminded for this
/// period; answers how many were reminded.
pub async fn remind(db: &DatabaseConnection, billing: &Billing, now: i64) -> Result<u64, AppError> {
    let Some(mailer) = &billing.mailer else {
        return Ok(0);
    };
    let due: Vec<(Uuid, i64)> = subscription::Entity::find()
        .select_only()
        .column(subscription::Column::UserId)
        .column(subscription::Column::PlusUntilMs)
        .filter(subscription::Column::RemindedMs.is_null())
        .filter(subscription::Column::PlusUntilMs.gt(now))
        .filter(subscription::Column::PlusUntilMs.lte(now + REMIND_BEFORE_MS))
        .limit(super::reconcile::BATCH)
        .into_tuple()
        .all(db)
        .await?;
    let mut sent = 0;
    for (user, until) in due {
        // Claimed first: another instance's pass finds it taken.
        let claimed = subscription::Entity::update_many()
            .col_expr(subscription::Column::RemindedMs, Expr::value(now))
            .filter(subscription::Column::UserId.eq(user))
            .filter(subscription::Column::RemindedMs.is_null())
            .exec(db)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            continue;
        }
        let Some(account) = reachable(db, Some(user)).await? else {
            continue;
        };
        let lang = account.lang();
        let tz: Tz = account.timezone.parse().unwrap_or(Tz::UTC);
        mailer.send_later(templates::plus_reminder(
            lang,
            &account.username,
            &account.email,
            &day_in(until - 1, tz, lang),
            &format!("{}/plus", billing.site_url),
        ));
        sent += 1;
    }
    Ok(sent)
}
