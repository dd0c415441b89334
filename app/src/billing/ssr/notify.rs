//! Taking in a provider's notification, in this order:
//! 1. verify the raw bytes (signature, age, merchant) — the provider's job;
//! 2. find the order by our number and check the provider, amount and currency;
//! 3. in one transaction: record the event by the provider's key (a key seen before ends
//!    here: acknowledged, nothing changed), make the order's change only from the states
//!    it may come from (so a late or repeated event never moves an order backwards), and
//!    extend the account's Plus for a payment;
//! 4. acknowledge.
//!
//! Anything refused is logged as a security event and changes nothing. The account row
//! is locked first in the transaction, so two payments of one account extend its Plus one
//! after the other, never from the same starting point.

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use super::{
    Billing, PaymentProvider, ProviderEvent, RefundOutcome, Refusal, providers::EventKind,
};
use crate::{
    AppError,
    billing::{
        OrderStatus, Provider,
        entities::{billing_event, billing_order, subscription},
        plans,
    },
};

/// What became of a notification.
#[derive(Debug)]
pub enum Received {
    /// It changed an order (and perhaps the account's Plus).
    Applied,
    /// Its key was seen before: nothing changed.
    Duplicate,
    /// New, but the order had already moved past it: recorded, nothing else changed.
    Ignored,
    /// It failed a check: nothing changed.
    Refused(Refusal),
    /// The database failed: the provider should send it again.
    Failed(AppError),
}

impl Received {
    /// Whether the provider should be told it was taken in.
    pub fn acknowledged(&self) -> bool {
        matches!(self, Self::Applied | Self::Duplicate | Self::Ignored)
    }
}

/// Verifies, checks and applies one notification received at `now_ms`, and sends the
/// email its change calls for (a receipt, a refund's word).
pub async fn receive(
    db: &DatabaseConnection,
    billing: &Billing,
    provider: &dyn PaymentProvider,
    headers: &http::HeaderMap,
    body: &[u8],
    now_ms: i64,
) -> Received {
    let kind = provider.kind();
    let event = match provider.verify(headers, body, now_ms) {
        Ok(e) => e,
        Err(r) => return refused(kind, None, r),
    };
    match apply(db, kind, &event, now_ms).await {
        Ok(r) => {
            if let Received::Applied = r {
                tell(db, billing, &event).await;
            }
            r
        }
        Err(e) => Received::Failed(e),
    }
}

/// The email an applied event calls for; a failure is logged, never undoes the change.
pub(super) async fn tell(db: &DatabaseConnection, billing: &Billing, event: &ProviderEvent) {
    let sent = match &event.kind {
        EventKind::Paid { .. } => super::emails::paid(db, billing, &event.order_no).await,
        EventKind::Refund {
            refund_no,
            outcome: RefundOutcome::Succeeded(_),
        } => super::emails::refunded(db, billing, refund_no).await,
        _ => Ok(()),
    };
    if let Err(e) = sent {
        tracing::error!(error = %e, "writing a payment email failed");
    }
}

fn refused(provider: Provider, order_no: Option<&str>, why: Refusal) -> Received {
    tracing::warn!(
        target: "security",
        provider = provider.as_str(),
        order_no,
        reason = %why,
        "refused a payment notification"
    );
    Received::Refused(why)
}

/// Applies a verified event from `provider` (step 2 on).
pub async fn apply(
    db: &DatabaseConnection,
    provider: Provider,
    event: &ProviderEvent,
    now_ms: i64,
) -> Result<Received, AppError> {
    let Some(order) = billing_order::Entity::find()
        .filter(billing_order::Column::OrderNo.eq(&event.order_no))
        .one(db)
        .await?
    else {
        return Ok(refused(
            provider,
            Some(&event.order_no),
            Refusal::UnknownOrder,
        ));
    };
    if order.provider != provider {
        return Ok(refused(
            provider,
            Some(&event.order_no),
            Refusal::WrongProvider,
        ));
    }
    if let EventKind::Paid {
        amount_fen,
        currency,
        ..
    } = &event.kind
        && (*amount_fen != order.amount_fen || *currency != order.currency)
    {
        return Ok(refused(provider, Some(&event.order_no), Refusal::Amount));
    }

    let txn = db.begin().await?;
    if let Some(user) = order.user_id {
        crate::account::ssr::lock_account(&txn, user).await?;
    }
    let event_id = Uuid::new_v4();
    let inserted = billing_event::Entity::insert(billing_event::ActiveModel {
        id: Set(event_id),
        provider: Set(provider),
        event_key: Set(event.key.clone()),
        order_id: Set(Some(order.id)),
        kind: Set(event.kind.word().to_owned()),
        outcome: Set("applied".to_owned()),
        received_ms: Set(now_ms),
    })
    .on_conflict(
        OnConflict::columns([
            billing_event::Column::Provider,
            billing_event::Column::EventKey,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        txn.rollback().await?;
        return Ok(Received::Duplicate);
    }

    let changed = match &event.kind {
        EventKind::Paid { trade_no, .. } => paid(&txn, &order, trade_no, now_ms).await?,
        EventKind::Waiting => false,
        EventKind::Refund { refund_no, outcome } => {
            super::refunds::settle(&txn, order.id, refund_no, outcome, now_ms).await?
        }
        EventKind::Closed => {
            billing_order::Entity::update_many()
                .col_expr(
                    billing_order::Column::Status,
                    Expr::value(OrderStatus::Closed.as_str()),
                )
                .col_expr(billing_order::Column::ClosedMs, Expr::value(now_ms))
                .col_expr(billing_order::Column::UpdatedMs, Expr::value(now_ms))
                .filter(billing_order::Column::Id.eq(order.id))
                .filter(
                    billing_order::Column::Status
                        .is_in([OrderStatus::Created.as_str(), OrderStatus::Pending.as_str()]),
                )
                .exec(&txn)
                .await?
                .rows_affected
                == 1
        }
    };
    if !changed {
        billing_event::Entity::update_many()
            .col_expr(billing_event::Column::Outcome, Expr::value("ignored"))
            .filter(billing_event::Column::Id.eq(event_id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    if changed {
        tracing::info!(
            provider = provider.as_str(),
            order = %order.id,
            kind = event.kind.word(),
            "payment notification applied"
        );
        Ok(Received::Applied)
    } else {
        Ok(Received::Ignored)
    }
}

/// Marks `order` paid — from created, pending or closed (a payment that arrives after we
/// closed the order still took the person's money, so it is honoured) — and extends the
/// account's Plus by the product's period. Answers whether it changed anything.
async fn paid(
    txn: &impl ConnectionTrait,
    order: &billing_order::Model,
    trade_no: &str,
    now_ms: i64,
) -> Result<bool, AppError> {
    let current = match order.user_id {
        Some(user) => subscription::Entity::find_by_id(user)
            .one(txn)
            .await?
            .map(|s| s.plus_until_ms),
        None => None,
    };
    let (start, end) = plans::period(order.product, current, now_ms);
    let moved = billing_order::Entity::update_many()
        .col_expr(
            billing_order::Column::Status,
            Expr::value(OrderStatus::Paid.as_str()),
        )
        .col_expr(
            billing_order::Column::ProviderTradeNo,
            Expr::value(trade_no),
        )
        .col_expr(billing_order::Column::PaidMs, Expr::value(now_ms))
        .col_expr(billing_order::Column::PeriodStartMs, Expr::value(start))
        .col_expr(billing_order::Column::PeriodEndMs, Expr::value(end))
        .col_expr(billing_order::Column::UpdatedMs, Expr::value(now_ms))
        .filter(billing_order::Column::Id.eq(order.id))
        .filter(billing_order::Column::Status.is_in([
            OrderStatus::Created.as_str(),
            OrderStatus::Pending.as_str(),
            OrderStatus::Closed.as_str(),
        ]))
        .exec(txn)
        .await?
        .rows_affected
        == 1;
    if !moved {
        return Ok(false);
    }
    if order.status == OrderStatus::Closed {
        tracing::warn!(order = %order.id, "a payment arrived for a closed order; honoured");
    }
    if let Some(user) = order.user_id {
        subscription::Entity::insert(subscription::ActiveModel {
            user_id: Set(user),
            plus_until_ms: Set(end),
            reminded_ms: Set(None),
            cut_ms: Set(None),
            updated_ms: Set(now_ms),
        })
        .on_conflict(
            OnConflict::column(subscription::Column::UserId)
                .update_columns([
                    subscription::Column::PlusUntilMs,
                    subscription::Column::RemindedMs,
                    subscription::Column::CutMs,
                    subscription::Column::UpdatedMs,
                ])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    }
    Ok(true)
}
