//! The reconciler: a pass every minute (on every instance; the passes are idempotent) that
//! settles orders the providers have not told us about.
//!
//! - An order sent to its provider (`pending`) for longer than `[billing]
//!   query_after_secs` is asked about: a payment whose notification was lost is applied
//!   as if notified (under a key made from the answer, so asking again, or the late
//!   notification itself, changes nothing more).
//! - An open order past its time is closed at the provider first — so it can no longer be
//!   paid there — and then here. If the provider will not close it (it was paid in the
//!   meantime), it stays open and the next pass asks again.
//!
//! A provider that fails or times out is asked again on the next pass; nothing is ever
//! applied twice, because every change goes through [`super::notify::apply`].

use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{
    Billing, ProviderEvent,
    notify::{self, Received},
    providers::EventKind,
};
use crate::{
    AppError,
    billing::{OrderStatus, entities::billing_order},
};

/// Orders looked at per pass, oldest first.
pub const BATCH: u64 = 200;

/// What a pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reconciled {
    /// Orders asked about at their provider.
    pub queried: u64,
    /// Orders found paid (and applied).
    pub paid: u64,
    /// Orders closed (at the provider and here).
    pub closed: u64,
    /// Provider calls that failed (asked again next pass).
    pub failed: u64,
    /// Refunds still pending, asked about again.
    pub refunds_asked: u64,
    /// Accounts reminded that their Plus ends within a week.
    pub reminded: u64,
}

/// One pass at `now_ms`.
pub async fn pass(
    db: &DatabaseConnection,
    billing: &Billing,
    now_ms: i64,
) -> Result<Reconciled, AppError> {
    let mut done = Reconciled::default();
    let ask_before = now_ms - billing.config.query_after_secs * 1000;
    let open = billing_order::Entity::find()
        .filter(
            billing_order::Column::Status
                .is_in([OrderStatus::Created.as_str(), OrderStatus::Pending.as_str()]),
        )
        .filter(
            Condition::any()
                .add(billing_order::Column::ExpiresMs.lte(now_ms))
                .add(
                    Condition::all()
                        .add(billing_order::Column::Status.eq(OrderStatus::Pending.as_str()))
                        .add(billing_order::Column::UpdatedMs.lte(ask_before)),
                ),
        )
        .order_by_asc(billing_order::Column::CreatedMs)
        .limit(BATCH)
        .all(db)
        .await?;
    for order in open {
        let Some(provider) = billing.provider(order.provider) else {
            continue;
        };
        let kind = order.provider;
        if order.status == OrderStatus::Pending {
            done.queried += 1;
            match provider.query(&order).await {
                Ok(Some(event)) => {
                    let paid = matches!(event.kind, EventKind::Paid { .. });
                    if let Received::Applied = notify::apply(db, kind, &event, now_ms).await? {
                        notify::tell(db, billing, &event).await;
                        if paid {
                            done.paid += 1;
                        } else {
                            done.closed += 1;
                        }
                    }
                    continue;
                }
                Ok(None) => {}
                Err(_) => {
                    // Logged where it failed (`AppError::internal_while`).
                    done.failed += 1;
                    continue;
                }
            }
        }
        if now_ms < order.expires_ms {
            continue;
        }
        // Past its time: closed at the provider first (an order never sent there has
        // nothing to close), then here.
        if order.status == OrderStatus::Pending && provider.close(&order).await.is_err() {
            done.failed += 1;
            continue;
        }
        let event = ProviderEvent {
            key: format!("expired:{}", order.order_no),
            order_no: order.order_no.clone(),
            kind: EventKind::Closed,
        };
        if let Received::Applied = notify::apply(db, kind, &event, now_ms).await? {
            done.closed += 1;
        }
    }
    done.refunds_asked = super::refunds::retry_pending(db, billing, now_ms).await?;
    done.reminded = super::emails::remind(db, billing, now_ms).await?;
    Ok(done)
}

/// Runs a pass every `[billing] reconcile_secs` until the process ends.
pub fn spawn(
    db: DatabaseConnection,
    billing: std::sync::Arc<Billing>,
) -> tokio::task::JoinHandle<()> {
    let every = std::time::Duration::from_secs(billing.config.reconcile_secs.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match pass(&db, &billing, crate::clock::now_ms()).await {
                Ok(r) if r != Reconciled::default() => {
                    tracing::info!(?r, "reconciled orders with their providers");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "reconciling orders failed"),
            }
        }
    })
}
