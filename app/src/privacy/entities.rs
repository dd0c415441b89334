//! SeaORM entities of the privacy tables that are not the account's own (see the
//! `data_export` and `breach_notice` migrations).

pub mod data_export {
    use sea_orm::entity::prelude::*;

    pub use crate::privacy::ExportState;

    /// One requested archive of an account's data; the file is `storage_key` in the blob
    /// store once ready.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "data_export")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub status: ExportState,
        /// 0..=100.
        pub progress: i32,
        /// What the builder is doing, in words for the owner.
        pub step: String,
        pub storage_key: Option<String>,
        pub bytes: Option<i64>,
        pub created_ms: i64,
        /// Touched at every step: a `building` row that stops changing was interrupted.
        pub updated_ms: i64,
        /// The download link's end (set when ready).
        pub expires_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod breach_notice {
    use sea_orm::entity::prelude::*;

    pub use crate::mail::EmailState;

    /// One account told about one incident (`ripen notify-breach`); unique per
    /// (incident, user), so no one is told twice about the same incident.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "breach_notice")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The operator's reference for the incident (`--incident`).
        pub incident: String,
        pub user_id: Uuid,
        /// When the in-app notice was left (the row and the notice are written together).
        pub notified_ms: i64,
        /// What became of the email.
        pub email: EmailState,
        /// When the email was accepted by the mail server.
        pub emailed_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
