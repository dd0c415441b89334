//! Ripen Plus: the owner's orders with their refunds (`billing/orders`, `billing/refunds`)
//! and until when they have Plus (`billing/subscription`).

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use super::archive::{Archive, at, at_opt, export_row};
use crate::{
    AppError,
    billing::entities::{billing_order, billing_refund, subscription},
};

export_row! {
    /// An order (`billing/orders`): what was bought, for how much, with whom, and what
    /// became of it. The provider's transaction number is the one on their receipt.
    OrderRow {
        order_no: String,
        product: String,
        amount_fen: i64,
        currency: String,
        provider: String,
        provider_trade_no: Option<String>,
        status: String,
        created_at: Value,
        paid_at: Value,
        plus_from: Value,
        plus_until: Value,
        refunded_fen: i64,
    }
}

export_row! {
    /// Money given back on an order (`billing/refunds`).
    RefundRow {
        refund_no: String,
        order_no: String,
        amount_fen: i64,
        reason: String,
        status: String,
        asked_at: Value,
        finished_at: Value,
    }
}

export_row! {
    /// Until when the account has Plus (`billing/subscription`).
    SubscriptionRow {
        plus_until: Value,
    }
}

/// Writes `billing/orders`, `billing/refunds` and `billing/subscription`.
pub(super) async fn write(
    db: &DatabaseConnection,
    user: Uuid,
    zip: &mut Archive,
) -> Result<(), AppError> {
    let orders = billing_order::Entity::find()
        .filter(billing_order::Column::UserId.eq(user))
        .order_by_asc(billing_order::Column::CreatedMs)
        .all(db)
        .await?;
    let refunds = billing_refund::Entity::find()
        .filter(billing_refund::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
        .order_by_asc(billing_refund::Column::CreatedMs)
        .all(db)
        .await?;
    let number_of = |id: Uuid| {
        orders
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.order_no.clone())
            .unwrap_or_default()
    };
    let refund_rows: Vec<RefundRow> = refunds
        .into_iter()
        .map(|r| RefundRow {
            order_no: number_of(r.order_id),
            refund_no: r.refund_no,
            amount_fen: r.amount_fen,
            reason: r.reason.as_str().to_owned(),
            status: r.status.as_str().to_owned(),
            asked_at: at(r.created_ms),
            finished_at: at_opt(r.finished_ms),
        })
        .collect();
    let order_rows: Vec<OrderRow> = orders
        .into_iter()
        .map(|o| OrderRow {
            order_no: o.order_no,
            product: o.product.as_str().to_owned(),
            amount_fen: o.amount_fen,
            currency: o.currency,
            provider: o.provider.as_str().to_owned(),
            provider_trade_no: o.provider_trade_no,
            status: o.status.as_str().to_owned(),
            created_at: at(o.created_ms),
            paid_at: at_opt(o.paid_ms),
            plus_from: at_opt(o.period_start_ms),
            plus_until: at_opt(o.period_end_ms),
            refunded_fen: o.refunded_fen,
        })
        .collect();
    let subscription: Vec<SubscriptionRow> = subscription::Entity::find_by_id(user)
        .one(db)
        .await?
        .into_iter()
        .map(|s| SubscriptionRow {
            plus_until: at(s.plus_until_ms),
        })
        .collect();
    zip.table("billing/orders", &order_rows)?;
    zip.table("billing/refunds", &refund_rows)?;
    zip.table("billing/subscription", &subscription)
}
