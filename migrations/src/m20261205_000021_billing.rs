//! Ripen Plus: what a person paid for, and nothing about how they paid.
//!
//! - `billing_order`: one attempt to buy a period of Plus — our order number (unique, the
//!   provider's `out_trade_no`), the product, the amount in fen and its currency, which
//!   provider, the provider's transaction number once paid, the status, the code to scan
//!   while it waits (WeChat Pay Native), the times and the span of Plus it bought. The account column is emptied when the account is erased; the
//!   row itself stays for the bookkeeping period (`docs/privacy.md`).
//! - `billing_refund`: money given back on an order; our refund number is the provider's
//!   idempotency key (`out_refund_no` / `out_request_no`).
//! - `billing_event`: each provider notification that was applied, by its provider's key,
//!   so a repeated notification changes nothing.
//! - `subscription`: until when the account has Plus, and when a refund last cut it short
//!   (Plus cut short by a refund has no grace period).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BillingOrder::Table)
                    .col(uuid(BillingOrder::Id).primary_key())
                    .col(string_len(BillingOrder::OrderNo, 32))
                    .col(uuid_null(BillingOrder::UserId))
                    .col(string_len(BillingOrder::Product, 16))
                    .col(big_integer(BillingOrder::AmountFen))
                    .col(string_len(BillingOrder::Currency, 3))
                    .col(string_len(BillingOrder::Provider, 16))
                    .col(string_len_null(BillingOrder::ProviderTradeNo, 64))
                    .col(string_len(BillingOrder::Status, 24))
                    .col(string_len_null(BillingOrder::PayCode, 512))
                    .col(big_integer(BillingOrder::CreatedMs))
                    .col(big_integer(BillingOrder::ExpiresMs))
                    .col(big_integer_null(BillingOrder::PaidMs))
                    .col(big_integer_null(BillingOrder::ClosedMs))
                    .col(big_integer_null(BillingOrder::PeriodStartMs))
                    .col(big_integer_null(BillingOrder::PeriodEndMs))
                    .col(big_integer(BillingOrder::RefundedFen).default(0))
                    .col(big_integer(BillingOrder::UpdatedMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_billing_order_account")
                            .from(BillingOrder::Table, BillingOrder::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            ("ux_billing_order_no", vec![BillingOrder::OrderNo], true),
            (
                "ix_billing_order_user",
                vec![BillingOrder::UserId, BillingOrder::CreatedMs],
                false,
            ),
            (
                "ix_billing_order_status",
                vec![BillingOrder::Status, BillingOrder::CreatedMs],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(BillingOrder::Table);
            for col in cols {
                index.col(col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(BillingRefund::Table)
                    .col(uuid(BillingRefund::Id).primary_key())
                    .col(string_len(BillingRefund::RefundNo, 32))
                    .col(uuid(BillingRefund::OrderId))
                    .col(big_integer(BillingRefund::AmountFen))
                    .col(string_len(BillingRefund::Reason, 16))
                    .col(string_len(BillingRefund::Status, 16))
                    .col(string_len_null(BillingRefund::ProviderRefundNo, 64))
                    .col(big_integer(BillingRefund::CreatedMs))
                    .col(big_integer_null(BillingRefund::FinishedMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_billing_refund_order")
                            .from(BillingRefund::Table, BillingRefund::OrderId)
                            .to(BillingOrder::Table, BillingOrder::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_billing_refund_no")
                    .table(BillingRefund::Table)
                    .col(BillingRefund::RefundNo)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_billing_refund_order")
                    .table(BillingRefund::Table)
                    .col(BillingRefund::OrderId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BillingEvent::Table)
                    .col(uuid(BillingEvent::Id).primary_key())
                    .col(string_len(BillingEvent::Provider, 16))
                    .col(string_len(BillingEvent::EventKey, 128))
                    .col(uuid_null(BillingEvent::OrderId))
                    .col(string_len(BillingEvent::Kind, 24))
                    .col(string_len(BillingEvent::Outcome, 16))
                    .col(big_integer(BillingEvent::ReceivedMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_billing_event_order")
                            .from(BillingEvent::Table, BillingEvent::OrderId)
                            .to(BillingOrder::Table, BillingOrder::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_billing_event_key")
                    .table(BillingEvent::Table)
                    .col(BillingEvent::Provider)
                    .col(BillingEvent::EventKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_billing_event_order")
                    .table(BillingEvent::Table)
                    .col(BillingEvent::OrderId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Subscription::Table)
                    .col(uuid(Subscription::UserId).primary_key())
                    .col(big_integer(Subscription::PlusUntilMs))
                    .col(big_integer_null(Subscription::RemindedMs))
                    .col(big_integer_null(Subscription::CutMs))
                    .col(big_integer(Subscription::UpdatedMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_subscription_account")
                            .from(Subscription::Table, Subscription::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Subscription::Table.into_iden(),
            BillingEvent::Table.into_iden(),
            BillingRefund::Table.into_iden(),
            BillingOrder::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum BillingOrder {
    Table,
    Id,
    OrderNo,
    UserId,
    Product,
    AmountFen,
    Currency,
    Provider,
    ProviderTradeNo,
    Status,
    PayCode,
    CreatedMs,
    ExpiresMs,
    PaidMs,
    ClosedMs,
    PeriodStartMs,
    PeriodEndMs,
    RefundedFen,
    UpdatedMs,
}

#[derive(DeriveIden)]
enum BillingRefund {
    Table,
    Id,
    RefundNo,
    OrderId,
    AmountFen,
    Reason,
    Status,
    ProviderRefundNo,
    CreatedMs,
    FinishedMs,
}

#[derive(DeriveIden)]
enum BillingEvent {
    Table,
    Id,
    Provider,
    EventKey,
    OrderId,
    Kind,
    Outcome,
    ReceivedMs,
}

#[derive(DeriveIden)]
enum Subscription {
    Table,
    UserId,
    PlusUntilMs,
    RemindedMs,
    CutMs,
    UpdatedMs,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}
