//! Refunds: the account holder's (the unused part of a period, within `[billing]
//! refund_days` of paying) and an administrator's (any part of any paid order).
//!
//! A refund is first written as `pending` with our refund number, under the account's lock
//! (so two at once cannot give back more than was paid), and the order becomes
//! `refunding`; then the provider is asked, outside any transaction. Its answer — now, in
//! a notification, or to the reconciler's repeated question (the refund number makes
//! asking again safe) — is [`settle`]d once: the order's refunded amount and status, and
//! the account's Plus shortened by the time the money paid for (later periods move up, so
//! they still follow one another).

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{Billing, RefundOutcome, number};
use crate::{
    AppError,
    billing::{
        OrderStatus, RefundReason, RefundStatus,
        entities::{billing_order, billing_refund, subscription},
        plans,
    },
    clock::now_ms,
    i18n::t,
    staff::{AuditAction, StaffRole},
};

/// What may still be given back of `order`: paid, less what was refunded or is being.
async fn refundable(
    txn: &impl ConnectionTrait,
    order: &billing_order::Model,
) -> Result<i64, AppError> {
    let pending: i64 = billing_refund::Entity::find()
        .select_only()
        .column(billing_refund::Column::AmountFen)
        .filter(billing_refund::Column::OrderId.eq(order.id))
        .filter(billing_refund::Column::Status.eq(RefundStatus::Pending.as_str()))
        .into_tuple::<i64>()
        .all(txn)
        .await?
        .into_iter()
        .sum();
    Ok(order.amount_fen - order.refunded_fen - pending)
}

fn paid(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Paid | OrderStatus::PartiallyRefunded | OrderStatus::Refunding
    )
}

/// The unused part of `order` that its owner may ask back at `now` (0: none, or too late).
pub fn customer_refundable(order: &billing_order::Model, refund_days: i64, now: i64) -> i64 {
    let (Some(paid_ms), Some(start), Some(end)) =
        (order.paid_ms, order.period_start_ms, order.period_end_ms)
    else {
        return 0;
    };
    if order.status != OrderStatus::Paid || now > paid_ms + refund_days * 86_400_000 {
        return 0;
    }
    plans::unused_fen(order.amount_fen, start, end, now)
}

/// Writes a pending refund of `amount` on `order` (under the account's lock, checked
/// against what is left), then asks the provider and settles its answer.
async fn start(
    db: &DatabaseConnection,
    billing: &Billing,
    order_id: Uuid,
    amount: i64,
    reason: RefundReason,
    check: impl FnOnce(&billing_order::Model, i64) -> Result<(), AppError>,
) -> Result<billing_refund::Model, AppError> {
    let now = now_ms();
    let txn = db.begin().await?;
    let order = billing_order::Entity::find_by_id(order_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(user) = order.user_id {
        // Locks first on SQLite: the transaction has only read so far.
        crate::account::ssr::lock_account(&txn, user).await?;
    }
    let order = billing_order::Entity::find_by_id(order_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let left = refundable(&txn, &order).await?;
    if let Err(e) = check(&order, left) {
        txn.rollback().await?;
        return Err(e);
    }
    if !paid(order.status) || amount <= 0 || amount > left {
        txn.rollback().await?;
        return Err(AppError::validation("amount", t().billing.refund_too_much));
    }
    let refund = billing_refund::ActiveModel {
        id: Set(Uuid::new_v4()),
        refund_no: Set(number("RF")?),
        order_id: Set(order.id),
        amount_fen: Set(amount),
        reason: Set(reason),
        status: Set(RefundStatus::Pending),
        provider_refund_no: Set(None),
        created_ms: Set(now),
        finished_ms: Set(None),
    };
    let refund = billing_refund::Entity::insert(refund)
        .exec_with_returning(&txn)
        .await?;
    billing_order::Entity::update_many()
        .col_expr(
            billing_order::Column::Status,
            Expr::value(OrderStatus::Refunding.as_str()),
        )
        .col_expr(billing_order::Column::UpdatedMs, Expr::value(now))
        .filter(billing_order::Column::Id.eq(order.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    tracing::info!(order = %order.id, refund = %refund.id, amount, "refund asked");
    ask(db, billing, &order, &refund).await;
    Ok(refund)
}

/// Asks the provider for `refund` and settles a final answer; a failure to ask leaves it
/// pending for the reconciler.
async fn ask(
    db: &DatabaseConnection,
    billing: &Billing,
    order: &billing_order::Model,
    refund: &billing_refund::Model,
) {
    let Some(provider) = billing.provider(order.provider) else {
        return;
    };
    match provider.refund(order, refund, &billing.site_url).await {
        Ok(outcome) => {
            let settled = async {
                let txn = db.begin().await?;
                if let Some(user) = order.user_id {
                    crate::account::ssr::lock_account(&txn, user).await?;
                }
                let changed = settle(&txn, order.id, &refund.refund_no, &outcome, now_ms()).await?;
                txn.commit().await?;
                Ok::<_, AppError>(changed)
            }
            .await;
            match settled {
                Ok(true) if matches!(outcome, RefundOutcome::Succeeded(_)) => {
                    if let Err(e) = super::emails::refunded(db, billing, &refund.refund_no).await {
                        tracing::error!(error = %e, "writing a refund email failed");
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, refund = %refund.id, "recording a refund's outcome failed");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, refund = %refund.id, "the refund will be asked again"),
    }
}

/// Records how refund `refund_no` of order `order_id` ended, once: a pending refund
/// becomes succeeded or failed; a success adds to the order's refunded amount and
/// shortens the account's Plus. Answers whether it changed anything. Call with the
/// account locked.
pub(super) async fn settle(
    txn: &DatabaseTransaction,
    order_id: Uuid,
    refund_no: &str,
    outcome: &RefundOutcome,
    now: i64,
) -> Result<bool, AppError> {
    let (status, provider_no) = match outcome {
        RefundOutcome::Pending(_) => return Ok(false),
        RefundOutcome::Succeeded(no) => (RefundStatus::Succeeded, no.clone()),
        RefundOutcome::Failed => (RefundStatus::Failed, None),
    };
    let Some(refund) = billing_refund::Entity::find()
        .filter(billing_refund::Column::RefundNo.eq(refund_no))
        .filter(billing_refund::Column::OrderId.eq(order_id))
        .one(txn)
        .await?
    else {
        return Ok(false);
    };
    let moved = billing_refund::Entity::update_many()
        .col_expr(billing_refund::Column::Status, Expr::value(status.as_str()))
        .col_expr(
            billing_refund::Column::ProviderRefundNo,
            Expr::value(provider_no),
        )
        .col_expr(billing_refund::Column::FinishedMs, Expr::value(now))
        .filter(billing_refund::Column::Id.eq(refund.id))
        .filter(billing_refund::Column::Status.eq(RefundStatus::Pending.as_str()))
        .exec(txn)
        .await?
        .rows_affected
        == 1;
    if !moved {
        return Ok(false);
    }
    let Some(order) = billing_order::Entity::find_by_id(order_id).one(txn).await? else {
        return Ok(true);
    };
    let refunded = order.refunded_fen
        + if status == RefundStatus::Succeeded {
            refund.amount_fen
        } else {
            0
        };
    let still_pending = billing_refund::Entity::find()
        .filter(billing_refund::Column::OrderId.eq(order.id))
        .filter(billing_refund::Column::Status.eq(RefundStatus::Pending.as_str()))
        .one(txn)
        .await?
        .is_some();
    let order_status = if still_pending {
        OrderStatus::Refunding
    } else if refunded >= order.amount_fen {
        OrderStatus::Refunded
    } else if refunded > 0 {
        OrderStatus::PartiallyRefunded
    } else {
        OrderStatus::Paid
    };
    billing_order::Entity::update_many()
        .col_expr(billing_order::Column::RefundedFen, Expr::value(refunded))
        .col_expr(
            billing_order::Column::Status,
            Expr::value(order_status.as_str()),
        )
        .col_expr(billing_order::Column::UpdatedMs, Expr::value(now))
        .filter(billing_order::Column::Id.eq(order.id))
        .exec(txn)
        .await?;
    if status == RefundStatus::Succeeded {
        shorten(txn, &order, refund.amount_fen, now).await?;
    }
    tracing::info!(order = %order.id, refund = %refund.id, status = status.as_str(), "refund settled");
    Ok(true)
}

/// Takes the time `amount` paid for off the account's Plus: from `order`'s period (the
/// unused part first), and moves the account's later periods up by as much.
async fn shorten(
    txn: &DatabaseTransaction,
    order: &billing_order::Model,
    amount: i64,
    now: i64,
) -> Result<(), AppError> {
    let (Some(user), Some(start), Some(end)) =
        (order.user_id, order.period_start_ms, order.period_end_ms)
    else {
        return Ok(());
    };
    let length = i128::from(end - start);
    let bought =
        i64::try_from(length * i128::from(amount) / i128::from(Ord::max(order.amount_fen, 1)))
            .unwrap_or(i64::MAX);
    let left = end - now.clamp(start, end);
    let cut = Ord::max(Ord::min(bought, left), 0);
    if cut == 0 {
        return Ok(());
    }
    billing_order::Entity::update_many()
        .col_expr(billing_order::Column::PeriodEndMs, Expr::value(end - cut))
        .filter(billing_order::Column::Id.eq(order.id))
        .exec(txn)
        .await?;
    // The periods after it, nearest first, move up.
    let later = billing_order::Entity::find()
        .filter(billing_order::Column::UserId.eq(user))
        .filter(billing_order::Column::Id.ne(order.id))
        .filter(billing_order::Column::PeriodStartMs.gte(end))
        .order_by_asc(billing_order::Column::PeriodStartMs)
        .all(txn)
        .await?;
    for o in later {
        billing_order::Entity::update_many()
            .col_expr(
                billing_order::Column::PeriodStartMs,
                Expr::value(o.period_start_ms.map(|s| s - cut)),
            )
            .col_expr(
                billing_order::Column::PeriodEndMs,
                Expr::value(o.period_end_ms.map(|e| e - cut)),
            )
            .filter(billing_order::Column::Id.eq(o.id))
            .exec(txn)
            .await?;
    }
    subscription::Entity::update_many()
        .col_expr(
            subscription::Column::PlusUntilMs,
            Expr::col(subscription::Column::PlusUntilMs).sub(cut),
        )
        .col_expr(subscription::Column::CutMs, Expr::value(now))
        .col_expr(subscription::Column::UpdatedMs, Expr::value(now))
        .filter(subscription::Column::UserId.eq(user))
        .exec(txn)
        .await?;
    Ok(())
}

/// The account holder asks for the unused part of order `id` back.
pub async fn customer_refund(
    db: &DatabaseConnection,
    billing: &Billing,
    user: Uuid,
    id: Uuid,
) -> Result<(), AppError> {
    let order = billing_order::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|o| o.user_id == Some(user))
        .ok_or(AppError::NotFound)?;
    let days = billing.config.refund_days;
    let amount = customer_refundable(&order, days, now_ms());
    if amount <= 0 {
        return Err(AppError::validation("order", t().billing.not_refundable));
    }
    start(
        db,
        billing,
        order.id,
        amount,
        RefundReason::Customer,
        |o, _| {
            if customer_refundable(o, days, now_ms()) > 0 {
                Ok(())
            } else {
                Err(AppError::validation("order", t().billing.not_refundable))
            }
        },
    )
    .await?;
    Ok(())
}

/// An administrator gives back `amount` fen of the order numbered `order_no`.
pub async fn staff_refund(
    db: &DatabaseConnection,
    billing: &Billing,
    staff: Uuid,
    order_no: &str,
    amount: i64,
) -> Result<(), AppError> {
    let role = crate::staff::ssr::require(db, staff, StaffRole::Administrator).await?;
    let order = billing_order::Entity::find()
        .filter(billing_order::Column::OrderNo.eq(order_no.trim()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let refund = start(
        db,
        billing,
        order.id,
        amount,
        RefundReason::Staff,
        |_, _| Ok(()),
    )
    .await?;
    crate::staff::ssr::record(
        db,
        Some(staff),
        Some(role),
        AuditAction::PaymentRefund,
        crate::staff::ssr::Object::Order(&order.order_no),
        Some(&refund.amount_fen.to_string()),
    )
    .await
}

/// Asks again about refunds still pending after `[billing] query_after_secs` (the
/// reconciler); answers how many were asked about.
pub async fn retry_pending(
    db: &DatabaseConnection,
    billing: &Billing,
    now: i64,
) -> Result<u64, AppError> {
    let before = now - billing.config.query_after_secs * 1000;
    let pending = billing_refund::Entity::find()
        .filter(billing_refund::Column::Status.eq(RefundStatus::Pending.as_str()))
        .filter(billing_refund::Column::CreatedMs.lte(before))
        .order_by_asc(billing_refund::Column::CreatedMs)
        .limit(super::reconcile::BATCH)
        .all(db)
        .await?;
    let mut asked = 0;
    for refund in pending {
        let Some(order) = billing_order::Entity::find_by_id(refund.order_id)
            .one(db)
            .await?
        else {
            continue;
        };
        ask(db, billing, &order, &refund).await;
        asked += 1;
    }
    Ok(asked)
}
