//! Orders: making one at checkout, sending its owner on to pay it, and showing it.

use chrono_tz::Tz;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::{Billing, PayAction, PayContext, day, number, service, zone_of};
use crate::{
    AppError, FieldErrors,
    billing::{
        CheckoutForm, OrderForStaff, OrderStatus, OrderSummary, OrderView, Product, Provider,
        RefundSummary,
        entities::{billing_order, billing_refund},
    },
    clock::now_ms,
    i18n::t,
};

/// How many of an account's orders its plan page lists.
pub const LISTED: u64 = 50;

/// Makes an order for what `form` names, to be paid within `[billing] order_minutes`.
pub async fn create_order(
    db: &DatabaseConnection,
    user: Uuid,
    form: &CheckoutForm,
) -> Result<Uuid, AppError> {
    let billing = service()?;
    let mut problems = FieldErrors::default();
    let product = Product::parse(&form.product);
    if product.is_none() {
        problems.add("product", t().billing.choose_product);
    }
    let provider = Provider::parse(&form.provider).filter(|p| billing.provider(*p).is_some());
    if provider.is_none() {
        problems.add("provider", t().billing.choose_provider);
    }
    problems.into_result()?;
    let (Some(product), Some(provider)) = (product, provider) else {
        return Err(AppError::internal_while(
            "making an order",
            "a checked field is missing",
        ));
    };
    let now = now_ms();
    let id = Uuid::new_v4();
    billing_order::Entity::insert(billing_order::ActiveModel {
        id: Set(id),
        order_no: Set(number("RP")?),
        user_id: Set(Some(user)),
        product: Set(product),
        amount_fen: Set(billing.plans_view().prices.of(product)),
        currency: Set(billing.config.currency.clone()),
        provider: Set(provider),
        provider_trade_no: Set(None),
        status: Set(OrderStatus::Created),
        pay_code: Set(None),
        created_ms: Set(now),
        expires_ms: Set(now + billing.config.order_minutes * 60_000),
        paid_ms: Set(None),
        closed_ms: Set(None),
        period_start_ms: Set(None),
        period_end_ms: Set(None),
        refunded_fen: Set(0),
        updated_ms: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    tracing::info!(order = %id, product = product.as_str(), provider = provider.as_str(), "order made");
    Ok(id)
}

/// The caller's order `id` (another account's is "not found").
async fn own(
    db: &DatabaseConnection,
    user: Uuid,
    id: Uuid,
) -> Result<billing_order::Model, AppError> {
    billing_order::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|o| o.user_id == Some(user))
        .ok_or(AppError::NotFound)
}

/// Whether `order` can still be paid at `now`.
fn payable(order: &billing_order::Model, now: i64) -> bool {
    order.status.is_open() && now < order.expires_ms
}

/// One order as its owner sees it.
pub fn summary(o: &billing_order::Model, tz: Tz) -> OrderSummary {
    OrderSummary {
        id: o.id.to_string(),
        order_no: o.order_no.clone(),
        product: o.product,
        provider: o.provider,
        amount_fen: o.amount_fen,
        currency: o.currency.clone(),
        status: o.status,
        created: day(o.created_ms, tz),
        paid: o.paid_ms.map(|ms| day(ms, tz)),
        period: o
            .period_start_ms
            .zip(o.period_end_ms)
            .map(|(s, e)| format!("{} – {}", day(s, tz), day(e, tz))),
        refunded_fen: o.refunded_fen,
    }
}

/// The caller's order page.
pub async fn order_view(
    db: &DatabaseConnection,
    user: Uuid,
    id: Uuid,
) -> Result<OrderView, AppError> {
    let order = own(db, user, id).await?;
    let tz = zone_of(db, user).await?;
    let refunds = refunds_of(db, order.id, tz).await?;
    let open = payable(&order, now_ms());
    let qr_svg = match order.pay_code.as_deref().filter(|_| open) {
        Some(code) => Some(crate::account::ssr::two_step::qr_svg(code)?),
        None => None,
    };
    let billing = service()?;
    Ok(OrderView {
        pay_link: open.then(|| format!("/plus/orders/{}/pay", order.id)),
        qr_svg,
        refundable_fen: super::refunds::customer_refundable(
            &order,
            billing.config.refund_days,
            now_ms(),
        ),
        refund_days: billing.config.refund_days,
        order: summary(&order, tz),
        refunds,
    })
}

/// The refunds of order `id`, oldest first.
async fn refunds_of(
    db: &DatabaseConnection,
    id: Uuid,
    tz: Tz,
) -> Result<Vec<RefundSummary>, AppError> {
    Ok(billing_refund::Entity::find()
        .filter(billing_refund::Column::OrderId.eq(id))
        .order_by_asc(billing_refund::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|r| RefundSummary {
            refund_no: r.refund_no,
            amount_fen: r.amount_fen,
            status: r.status,
            created: day(r.created_ms, tz),
        })
        .collect())
}

/// The order numbered `order_no`, for an administrator (`staff`), in their time zone.
pub async fn staff_view(
    db: &DatabaseConnection,
    staff: Uuid,
    order_no: &str,
) -> Result<OrderForStaff, AppError> {
    crate::staff::ssr::require(db, staff, crate::staff::StaffRole::Administrator).await?;
    let order = billing_order::Entity::find()
        .filter(billing_order::Column::OrderNo.eq(order_no.trim()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let tz = zone_of(db, staff).await?;
    let pending: i64 = billing_refund::Entity::find()
        .filter(billing_refund::Column::OrderId.eq(order.id))
        .filter(billing_refund::Column::Status.eq(crate::billing::RefundStatus::Pending.as_str()))
        .all(db)
        .await?
        .iter()
        .map(|r| r.amount_fen)
        .sum();
    let paid = matches!(
        order.status,
        OrderStatus::Paid | OrderStatus::PartiallyRefunded | OrderStatus::Refunding
    );
    Ok(OrderForStaff {
        refundable_fen: if paid {
            order.amount_fen - order.refunded_fen - pending
        } else {
            0
        },
        refunds: refunds_of(db, order.id, tz).await?,
        provider_trade_no: order.provider_trade_no.clone(),
        has_account: order.user_id.is_some(),
        order: summary(&order, tz),
    })
}

/// The caller's latest orders, newest first.
pub async fn list(
    db: &DatabaseConnection,
    user: Uuid,
    tz: Tz,
) -> Result<Vec<OrderSummary>, AppError> {
    Ok(billing_order::Entity::find()
        .filter(billing_order::Column::UserId.eq(user))
        .order_by_desc(billing_order::Column::CreatedMs)
        .limit(LISTED)
        .all(db)
        .await?
        .iter()
        .map(|o| summary(o, tz))
        .collect())
}

/// Where the caller goes to pay order `id`: the provider's page (or a code to scan). The
/// order becomes `pending`: from then on only the provider's answer (or the reconciler's
/// question) settles it.
pub async fn pay(
    db: &DatabaseConnection,
    billing: &Billing,
    user: Uuid,
    id: Uuid,
    at: &PayContext<'_>,
) -> Result<PayAction, AppError> {
    let order = own(db, user, id).await?;
    if !payable(&order, now_ms()) {
        return Err(AppError::validation("order", t().billing.not_payable));
    }
    let provider = billing
        .provider(order.provider)
        .ok_or_else(|| AppError::validation("order", t().billing.not_payable))?;
    let action = provider.pay(&order, at).await?;
    let code = match &action {
        PayAction::Qr(code) => Some(code.clone()),
        PayAction::Redirect(_) => None,
    };
    let mut update = billing_order::Entity::update_many()
        .col_expr(
            billing_order::Column::Status,
            Expr::value(OrderStatus::Pending.as_str()),
        )
        .col_expr(billing_order::Column::UpdatedMs, Expr::value(now_ms()));
    if let Some(code) = code {
        update = update.col_expr(billing_order::Column::PayCode, Expr::value(code));
    }
    update
        .filter(billing_order::Column::Id.eq(order.id))
        .filter(
            billing_order::Column::Status
                .is_in([OrderStatus::Created.as_str(), OrderStatus::Pending.as_str()]),
        )
        .exec(db)
        .await?;
    Ok(action)
}
