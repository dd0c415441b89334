//! How long order records are kept.
//!
//! An order is a record of a transaction: the law of the place Ripen serves (the PRC
//! E-Commerce Law, article 31) asks that transaction records be kept at least three years
//! after the transaction. While the account exists its orders stay with it (they are the
//! person's receipts). When the account is erased, its orders lose their link to it
//! (`user_id` becomes empty: what remains is a number, an amount, a provider's reference
//! and times — no person), and they are deleted once [`ORDERS_KEPT_DAYS`] have passed
//! since they were made.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::{AppError, billing::entities::billing_order};

/// Three years and a day (a leap day cannot cut it short).
pub const ORDERS_KEPT_DAYS: i64 = 3 * 365 + 1;

/// Deletes the orders of erased accounts made more than [`ORDERS_KEPT_DAYS`] before
/// `now_ms` (their refunds and events go with them); answers how many.
pub async fn purge(db: &DatabaseConnection, now_ms: i64) -> Result<u64, AppError> {
    let before = now_ms - ORDERS_KEPT_DAYS * 86_400_000;
    Ok(billing_order::Entity::delete_many()
        .filter(billing_order::Column::UserId.is_null())
        .filter(billing_order::Column::CreatedMs.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
