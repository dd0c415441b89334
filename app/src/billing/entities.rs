//! SeaORM entities of the billing tables (see the `billing` migration).

pub mod billing_order {
    use sea_orm::entity::prelude::*;

    pub use crate::billing::{OrderStatus, Product, Provider};

    /// One attempt to buy a period of Plus. `user_id` is emptied when the account is
    /// erased; the row stays for the bookkeeping period.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "billing_order")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Ours, unique: the provider's `out_trade_no`.
        pub order_no: String,
        pub user_id: Option<Uuid>,
        pub product: Product,
        pub amount_fen: i64,
        pub currency: String,
        pub provider: Provider,
        /// The provider's transaction number, once paid.
        pub provider_trade_no: Option<String>,
        pub status: OrderStatus,
        /// What to show as a QR code while it waits to be paid (WeChat Pay's `code_url`).
        pub pay_code: Option<String>,
        pub created_ms: i64,
        /// An unpaid order is closed after this.
        pub expires_ms: i64,
        pub paid_ms: Option<i64>,
        pub closed_ms: Option<i64>,
        /// The span of Plus it bought (set when paid).
        pub period_start_ms: Option<i64>,
        pub period_end_ms: Option<i64>,
        /// Given back so far.
        pub refunded_fen: i64,
        pub updated_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod billing_refund {
    use sea_orm::entity::prelude::*;

    pub use crate::billing::{RefundReason, RefundStatus};

    /// Money given back on an order; `refund_no` is the provider's idempotency key.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "billing_refund")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub refund_no: String,
        pub order_id: Uuid,
        pub amount_fen: i64,
        pub reason: RefundReason,
        pub status: RefundStatus,
        pub provider_refund_no: Option<String>,
        pub created_ms: i64,
        pub finished_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod billing_event {
    use sea_orm::entity::prelude::*;

    pub use crate::billing::Provider;

    /// A provider notification that was taken in, by the provider's key for it: the same
    /// key again changes nothing.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "billing_event")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub provider: Provider,
        pub event_key: String,
        pub order_id: Option<Uuid>,
        /// `paid`, `closed`, `refund`.
        pub kind: String,
        /// `applied` (it changed the order) or `ignored` (the order had moved past it).
        pub outcome: String,
        pub received_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod subscription {
    use sea_orm::entity::prelude::*;

    /// Until when an account has Plus.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "subscription")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub plus_until_ms: i64,
        /// When the renewal reminder for the current period was sent.
        pub reminded_ms: Option<i64>,
        /// When a refund last cut Plus short: if that left nothing after it, Plus ends
        /// without a grace period.
        pub cut_ms: Option<i64>,
        pub updated_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
